import type { RollbackStrategy } from '../types.ts';

/**
 * v4.19–v5.11 (93065ac753e4 … c2655835fd8c): call every start; if any failed return -EAGAIN,
 * and the OOM reaper calls no end at all. DOMAIN.md §5.0.
 */
export const skipAllEnd: RollbackStrategy = {
  name: 'skip-all-end',
  title: 'skip all ends (v4.19–v5.11)',
  domainRef: 'DOMAIN.md §5.0',
  insertion: 'head',
  coreCounter: false,
  continueAfterFailure: true,
  warnIfFailingHasEnd: false,
  undo: null,
  failingNotifierExpectsEnd: false,
  reaperCallsEndAfterFailure: false,
};
