// Expected-verdict matrix, family failing-no-end (kvm + i915-4.19). Typical run: ~15 s on 2 cores.
import { checkRows } from './matrix-check.ts';

checkRows('failing-no-end');
