// Expected-verdict matrix, family reaper-skip-era (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('reaper-skip-era');
