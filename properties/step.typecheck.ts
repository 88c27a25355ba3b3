// Compiled by `tsc --noEmit` only: proves that a match over Action without every branch fails.
import { match } from 'ts-pattern';
import type { Action, Updates } from '../model/index.ts';

export const missingBranch = (a: Action) =>
  match(a)
    .with({ type: 'invalidate_range_end' }, () => 0)
    // @ts-expect-error: the other Action variants are not handled
    .exhaustive();

// The step dispatch table must name every action type.
// @ts-expect-error: 'invalidate_range_end' and the others are missing
export const missingUpdate: Updates = { driver_instr: (_world, s) => s };
