import type { RollbackStrategy } from '../types.ts';
import { MAINLINE_2018, intervalCoreOps } from './hooks.ts';

/**
 * Christoph Hellwig's core counter, realised as mmu_interval_notifier (99cb252f5e68, v5.5):
 * the core owns active_invalidate_ranges and invalidate_seq; every notifier has one
 * `invalidate` and no end; a failed non-blocking start undoes the core counter itself
 * (mn_itree_inv_end) before returning -EAGAIN. Classic presets are adapted: their fault path
 * uses mmu_interval_read_begin/retry. docs/kernel.md §5.3, §2.2.
 */
export const coreCounter: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'core-counter',
  title: 'core-owned counter (mmu_interval_notifier)',
  domainRef: 'docs/kernel.md §5.3',
  opsFor: intervalCoreOps,
  afterFailedStart: () => 'stop',
};
