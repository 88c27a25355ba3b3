import type { RollbackStrategy } from '../types.ts';
import { MAINLINE_2018 } from './hooks.ts';

/**
 * Jason's 2019 RFC: after the start walk, if anything failed, call end for every notifier that
 * has one, the failing ones included; failing notifiers must expect that end. docs/kernel.md §5.1a.
 */
export const callAllEnd2019: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'call-all-end-2019',
  title: 'call all ends, failing ones included (2019 RFC)',
  domainRef: 'docs/kernel.md §5.1a',
  // The end after a failed start is this strategy's contract with the failing notifier.
  undo: ({ hasEnd }) => (hasEnd ? 'end-promised' : 'skip'),
};
