// Expected-verdict matrix, family reaper-no-notify (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('reaper-no-notify');
