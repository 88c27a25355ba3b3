// Expected-verdict matrix, family failing-expects-end (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('failing-expects-end');
