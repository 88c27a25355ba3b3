import type { RollbackStrategy } from '../types.ts';
import { MAINLINE_2018 } from './hooks.ts';

/**
 * Sean Christopherson's rejected 2021 v1 (oom_kill.c only): the OOM reaper calls
 * mmu_notifier_invalidate_range_end even after a failed non-blocking start. NAKed by Jason:
 * "if invalidate_start returns EBUSY invalidate_end should *not* be called". docs/kernel.md §5.1b.
 */
export const reaperCallsEnd: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'reaper-calls-end',
  title: 'reaper calls _end after a failed start (2021 v1)',
  domainRef: 'docs/kernel.md §5.1b',
  reaperAfterFailedStart: () => 'end',
};
