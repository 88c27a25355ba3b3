// Expected-verdict matrix, family ab-pair (kvm + odp-4.20). Typical run: ~15 s on 2 cores.
import { checkRows } from './matrix-check.ts';

checkRows('ab-pair');
