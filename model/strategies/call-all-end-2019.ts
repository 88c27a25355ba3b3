import type { RollbackStrategy } from '../types.ts';

/**
 * Jason's 2019 RFC: after the start walk, if anything failed, call end for every notifier that
 * has one, the failing ones included; failing notifiers must expect that end. DOMAIN.md §5.1a.
 */
export const callAllEnd2019: RollbackStrategy = {
  name: 'call-all-end-2019',
  title: 'call all ends, failing ones included (2019 RFC)',
  domainRef: 'DOMAIN.md §5.1a',
  insertion: 'head',
  coreCounter: false,
  continueAfterFailure: true,
  warnIfFailingHasEnd: false,
  undo: ({ hasEnd }) => (hasEnd ? 'end' : 'skip'),
  failingNotifierExpectsEnd: true,
  reaperCallsEndAfterFailure: false,
};
