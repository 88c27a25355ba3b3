// Expected-verdict matrix, family reaper-rfc-check (checks/matrix.ts; checks/families.ts).
import { checkRows } from './matrix-check.ts';

checkRows('reaper-rfc-check');
