// Expected-verdict matrix, family failing-no-end (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('failing-no-end');
