// Expected-verdict matrix, family interval-and-hlist (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('interval-and-hlist');
