/** Pairing and the start/end contracts: INV-1, 2, 4, 6, 7, 8 (docs/kernel.md §8). */
import { EAGAIN } from '../program.ts';
import { threadById } from '../state.ts';
import { failedBy, failedNonblock, judgedOn, rangeText, type Invariant } from './types.ts';

export const StartEndPaired: Invariant = {
  name: 'StartEndPaired',
  about: ['failed_after_another_started'],
  kind: 'safety',
  id: 'INV-1',
  domainRef: 'docs/kernel.md §8 INV-1; header comment on struct mmu_notifier_ops (MNH-5.15)',
  summary: 'every notifier with an end whose start returned 0 gets exactly one end before the invalidation is over',
  ...judgedOn('inv_closed', (f) => {
    for (const n of f.hasEnd) {
      const started = f.inv.results[n] === 'ok';
      const ends = f.inv.ends[n] ?? 0;
      if ((started && ends !== 1) || ends > 1) {
        const r = f.inv.range;
        return `${n}.invalidate_range_start returned 0 in invalidation #${f.inv.id} (${f.thread}, [${r.start},${r.end})${f.inv.blockable ? '' : ', nonblock'}) but ${n} got ${ends} end${ends === 1 ? '' : 's'}`;
      }
    }
    return null;
  }),
};

export const NoEndWithoutStart: Invariant = {
  name: 'NoEndWithoutStart',
  about: ['nonblock_start_failed', 'register_in_window'],
  kind: 'safety',
  id: 'INV-2',
  domainRef: 'docs/kernel.md §8 INV-2; §5.1b (Jason: "invalidate_end should *not* be called")',
  summary: 'an end is only called on a notifier whose start returned 0 in the same invalidation',
  ...judgedOn('end_called', (f) => {
    if (f.startResult === 'ok') return null;
    // §5.1a: the 2019 RFC makes "end after a failed start" the failing notifier's contract.
    if (f.startResult === 'fail' && f.promised) return null;
    return `${f.sub}.invalidate_range_end called in invalidation #${f.inv} but its start ${f.startResult === 'fail' ? 'returned -EAGAIN' : 'was never called'}`;
  }),
};

export const NoCounterUnderflow: Invariant = {
  name: 'NoCounterUnderflow',
  about: ['rollback_end', 'end_after_failed_start', 'register_in_window'],
  kind: 'safety',
  id: 'INV-4',
  domainRef: 'docs/kernel.md §8 INV-4; KVM BUG_ON(mmu_notifier_count < 0) (§2.3)',
  summary: 'no counter, rwsem read count or core active count goes below zero',
  ...judgedOn('underflow', (f) => `${f.what} went to ${f.value}`),
};

export const StartReturnContract: Invariant = {
  name: 'StartReturnContract',
  about: ['nonblock_callback'],
  kind: 'contract',
  id: 'INV-6',
  domainRef: 'docs/kernel.md §8 INV-6; §2.3 WARN_ON(blockable || ret != -EAGAIN)',
  summary: 'a start returns 0 or -EAGAIN, and -EAGAIN (interval: false) only when non-blockable',
  ...judgedOn('start_returned', (f) =>
    (f.value !== 0 && f.value !== EAGAIN) || (f.value !== 0 && f.blockable)
      ? `${f.sub} start returned ${f.value} in a ${f.blockable ? 'blockable' : 'non-blockable'} invalidation #${f.inv}`
      : null),
};

export const FailableStartHasNoEnd: Invariant = {
  name: 'FailableStartHasNoEnd',
  about: ['nonblock_start_failed'],
  kind: 'contract',
  id: 'INV-7',
  domainRef: 'docs/kernel.md §8 INV-7; §2.3 WARN_ON(ops->invalidate_range_end) (c2655835fd8c, v5.12)',
  summary: 'a notifier whose start fails has no end op',
  ...judgedOn('start_returned', (f) =>
    f.value !== 0 && f.hasEnd && f.form === 'hlist' ? `${f.sub}.invalidate_range_start returned -EAGAIN but ${f.sub} has an invalidate_range_end` : null),
};

export const CallerContractAfterFailure: Invariant = {
  name: 'CallerContractAfterFailure',
  about: ['nonblock_start_failed'],
  kind: 'contract',
  id: 'INV-8',
  domainRef: 'docs/kernel.md §8 INV-8; §2.1 (mmu_notifier_invalidate_range_start_nonblock, MNH-6.x; mn_itree_invalidate comment, MN-5.10); §5.1b',
  summary: 'after a failed non-blocking start the caller neither clears PTEs in the range nor calls invalidate_range_end',
  // Judgement: only non-blocking starts bind the caller. A blocking start returns void and the
  // caller always unmaps and ends (a blockable -EAGAIN is StartReturnContract's business).
  // The undo walk inside the failing start (§5.1a/c, §5.2) is the core's, not the caller's.
  facts: ['pte_cleared', 'end_called', 'inv_closed'],
  onStep: (c) => {
    for (const f of c.step.facts) {
      if (f.fact === 'pte_cleared' && f.afterFailedStart) {
        const inv = threadById(c.after, f.thread)?.inv ?? null;
        if (inv !== null && inv.blockable) continue;
        return `${f.thread} cleared the PTEs of [${f.start},${f.end}) after its non-blocking start failed${inv ? ` (invalidation #${inv.id}: ${failedBy(inv)})` : ''}`;
      }
      // An end outside the undo walk, on the instance whose start failed: the caller called _end.
      if (f.fact === 'end_called' && !f.inUndo) {
        const inv = threadById(c.after, c.step.thread)?.inv ?? null;
        if (inv !== null && inv.id === f.inv && failedNonblock(inv))
          return `${c.step.thread} called invalidate_range_end for ${rangeText(inv)} after its non-blocking start failed (invalidation #${inv.id}: ${failedBy(inv)}), so ${f.sub} gets an end`;
      }
      // The same with no notifier to receive it (nothing has an end op, or an interval-only mm):
      // the instance closes from the end walk rather than straight after the start returned.
      if (f.fact === 'inv_closed' && f.inv.phase === 'hlist_end' && failedNonblock(f.inv))
        return `${f.thread} called invalidate_range_end for ${rangeText(f.inv)} after its non-blocking start failed (invalidation #${f.inv.id}: ${failedBy(f.inv)})`;
    }
    return null;
  },
};
