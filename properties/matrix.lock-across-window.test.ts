// Expected-verdict matrix, family lock-across-window (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('lock-across-window');
