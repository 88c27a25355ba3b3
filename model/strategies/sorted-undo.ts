import type { RollbackStrategy } from '../types.ts';
import { MAINLINE_2018, sortedAdd } from './hooks.ts';

/**
 * Jason's sorted-address undo (2019, never merged): the hlist is kept sorted by address; the
 * start walk stops at the first failing notifier F; the undo walk ends every notifier with an
 * end and address < F, stopping at the first address ≥ F. F must undo itself.
 * docs/kernel.md §5.2 [A: semantics derived from the proposal].
 */
export const sortedUndo: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'sorted-undo',
  title: 'sorted-address undo (2019 proposal)',
  domainRef: 'docs/kernel.md §5.2',
  hlistAdd: sortedAdd,
  hlistAddLabel: 'insert sorted by address',
  afterFailedStart: () => 'stop',
  undo: ({ failedAt, sub, hasEnd }) => (failedAt === null || sub.address >= failedAt.address ? 'stop' : hasEnd ? 'end' : 'skip'),
};
