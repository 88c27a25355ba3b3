// Expected-verdict matrix, family lock-across-window (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('lock-across-window');
