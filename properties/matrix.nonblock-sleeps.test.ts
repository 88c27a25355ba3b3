// Expected-verdict matrix, family nonblock-sleeps (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('nonblock-sleeps');
