// Expected-verdict matrix, family reaper-skip-era (properties/matrix.ts; engine/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('reaper-skip-era');
