// Expected-verdict matrix, family failing-self-undo (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('failing-self-undo');
