// Expected-verdict matrix, family failing-expects-end (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('failing-expects-end');
