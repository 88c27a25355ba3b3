// Expected-verdict matrix, family failing-no-end (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('failing-no-end');
