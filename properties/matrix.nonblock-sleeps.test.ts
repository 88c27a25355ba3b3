// Expected-verdict matrix, family nonblock-sleeps (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('nonblock-sleeps');
