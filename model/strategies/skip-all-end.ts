import type { RollbackStrategy } from '../types.ts';
import { MAINLINE_2018 } from './hooks.ts';

/**
 * v4.19–v5.11 (93065ac753e4 … c2655835fd8c): call every start; if any failed return -EAGAIN,
 * and the OOM reaper calls no end at all. docs/kernel.md §5.0.
 */
export const skipAllEnd: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'skip-all-end',
  mainline: { until: 'v5.11' }, // 93065ac753e4 (v4.19) until c2655835fd8c; before v4.19 start cannot fail
  title: 'skip all ends (v4.19–v5.11)',
  domainRef: 'docs/kernel.md §5.0',
};
