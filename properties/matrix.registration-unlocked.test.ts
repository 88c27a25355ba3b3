// Expected-verdict matrix, family registration-unlocked (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('registration-unlocked');
