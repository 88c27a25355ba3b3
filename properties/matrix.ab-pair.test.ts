// Expected-verdict matrix, family ab-pair (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('ab-pair');
