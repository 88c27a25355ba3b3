import type { RollbackStrategy } from '../types.ts';
import { MAINLINE_2018 } from './hooks.ts';

/**
 * Mainline since v5.12 (c2655835fd8c): in the same SRCU section, if any start failed, call end
 * on every notifier that has one, and WARN_ON(ops->invalidate_range_end) for a failing
 * notifier. The error-path end walk is not wrapped in non_block_start/end [A].
 * docs/kernel.md §5.1c, §2.2.
 */
export const callAllEnd2021: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'call-all-end-2021',
  mainline: { from: 'v5.12' }, // c2655835fd8c
  title: 'call all ends + WARN (mainline v5.12+)',
  domainRef: 'docs/kernel.md §5.1c',
  warnOnFailedStart: (sub, hasEnd) => (hasEnd ? `WARN_ON(ops->invalidate_range_end): ${sub} failed start but has an end` : null),
  undo: ({ hasEnd }) => (hasEnd ? 'end' : 'skip'),
};
