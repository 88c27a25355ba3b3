// Expected-verdict matrix, family reaper-no-notify (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('reaper-no-notify');
