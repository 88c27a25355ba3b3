// Expected-verdict matrix, family ab-pair (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('ab-pair');
