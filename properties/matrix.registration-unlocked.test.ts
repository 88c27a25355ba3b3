// Expected-verdict matrix, family registration-unlocked (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('registration-unlocked');
