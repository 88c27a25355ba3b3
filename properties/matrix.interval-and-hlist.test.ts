// Expected-verdict matrix, family interval-and-hlist (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('interval-and-hlist');
