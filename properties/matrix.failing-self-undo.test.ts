// Expected-verdict matrix, family failing-self-undo (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('failing-self-undo');
