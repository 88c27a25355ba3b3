/**
 * The expected-verdict matrix (docs/design.md §7): strategy × scenario family × invariant. Every
 * invariant of the registry is judged on every row: the ones named in `violated` must be found,
 * and every other one must hold over HOLDS_RUNS generated runs.
 *
 * A violated cell's number is the length of its shortest counterexample (in steps: executed
 * schedule plus drain, up to the violating step; a FaultLiveness lasso's: its prefix then one spin
 * of each spinning fault, the shortest through a state where only they can step, docs/design.md
 * §3.5), computed with the exhaustive engine by
 * `npx tsx scripts/shortest.ts` (checks/shortest.ts): breadth-first, complete, over every thread
 * set the random engine generates of up to 3 threads (its default --max-threads). The random search
 * (searchAll, with its shortest pass, engine/random.ts) must report exactly that length, under the
 * tests' seed (FC_SEED, default 42: another seed can leave the pass short of it, a finding about the
 * pass, not the model), with the pass's default budget or, where that runs out first, the one
 * the row or pinned cell names (`states`). A cell in `atMost` asserts only `<=` its number, for
 * the reason given there: only where a larger thread set is shorter, which the exhaustive search
 * does not cover.
 * The shortest over sets of up to 3 threads is not always the shortest: with check's larger pass
 * budget (engine/check.ts DEFAULT_SHORTEST) the search finds shorter counterexamples on 4- to
 * 6-thread sets in 27 cells, which are 'wider' with the length and set it found (`larger`):
 * `npm run corpus` saves each as a case, which npm test replays (properties/matrix-larger.test.ts).
 *
 * A violation that the family's generated thread sets reach only under some seeds is pinned to
 * the thread set of its counterexample (`{ threads, steps }`): with those threads fixed, every seed
 * finds it; its length is the exhaustive shortest of that set.
 * A cell only the exhaustive engine breaks (the random runs miss it even with the threads
 * fixed) stays "holds" here and is listed in checks/proof-findings.ts, which
 * properties/matrix-proofs.test.ts asserts together with proofs of every "holds" cell.
 * Families: checks/families.ts. Rows missing for a strategy are combinations it cannot run (a
 * preset without an interval form under core-counter); properties/matrix-check.ts checks that.
 *
 * Regenerate the numbers with scripts/shortest.ts, then re-read every changed cell: a surprise is a finding.
 */
/**
 * Violated: found from the family's generated thread sets, of this length; or pinned to a thread
 * set, with the shortest pass's budget its search needs when the tests' default falls short
 * (`states`, as a row's; a pinned cell has its own search, so the row's does not apply to it).
 */
export type Expected = number | { readonly threads: readonly string[]; readonly steps: number; readonly states?: number };

export interface Row {
  readonly strategy: string;
  readonly family: string;
  readonly violated: Readonly<Record<string, Expected>>;
  /** Violated cells whose length is only an upper bound, each with the reason. */
  readonly atMost?: Readonly<Record<string, Bound>>;
  /**
   * The shortest pass's budget for the row's search, where the tests' default (engine/random.ts
   * SHORTEST_BUDGET) runs out before some cell's exhaustive shortest: the first of a ladder
   * (4,000, 6,000, 8,000, 12,000, …) at which, under seed 42, the search reports every cell's.
   * `npx tsx scripts/pass-budgets.ts` measures it.
   */
  readonly states?: number;
}

/** The shortest pass's budget the test of a cell searches with (absent: the default). */
export const passBudget = (row: Row, invariant: string): number | undefined => {
  const want = row.violated[invariant];
  return typeof want === 'object' ? want.states : row.states;
};

/**
 * Why a cell's length is only a bound (its number is then what the tests' search reports, seed 42,
 * at the row's budget: a longer one fails the test), with what the exhaustive engine says
 * (scripts/shortest.ts): the shortest
 * over every thread set of up to 3 threads, `shortest` steps on `threads`.
 * - 'wider': a larger thread set has a shorter one (the random search finds it under seed 42), and
 *   searching every larger set is beyond scripts/shortest.ts's budget: the length is not settled.
 * - 'pass': the exhaustive shortest over every set of up to 3 threads is known (`shortest` on
 *   `threads`), but the random search misses that set even with the threads fixed, and the
 *   shortest pass does not reach it within 256,000 states (scripts/pass-budgets.ts): the number is
 *   what the tests' search reports, a finding about the search, not the model.
 * A cell whose search runs out of the shortest pass's budget before the exhaustive shortest has no
 * bound: its row (or pinned cell) names the budget that reaches it (`states`).
 */
export type Bound =
  | {
      readonly shortest: number;
      readonly threads: string;
      readonly why: 'wider';
      /** The shorter counterexample of a larger set (check's shortest pass found it, seed 42). */
      readonly larger: { readonly steps: number; readonly threads: string };
    }
  | { readonly shortest: number; readonly threads: string; readonly why: 'pass' };

const wider = (shortest: number, threads: string, larger: { steps: number; threads: string }): Bound => ({ shortest, threads, why: 'wider', larger });
const missed = (shortest: number, threads: string): Bound => ({ shortest, threads, why: 'pass' });

/** A bound's reason, in words. */
export const boundReason = (b: Bound): string =>
  b.why === 'wider'
    ? `every thread set of up to 3 threads needs ${b.shortest} steps (${b.threads}), but a larger set, ${b.larger.threads}, has one of ${b.larger.steps} (check's shortest pass, seed 42); the exhaustive shortest over every larger set is beyond scripts/shortest.ts's budget`
    : `the exhaustive shortest is ${b.shortest} steps on ${b.threads}, which the random runs miss even with those threads fixed, and the shortest pass does not reach it within 256,000 states (seed 42)`;

/** Runs per row: every "holds" cell of the row is judged on all of them. */
export const HOLDS_RUNS = 1000;

export const matrix: readonly Row[] = [

  // --------------------------------------------------------------------------------------------
  // kvm + odp-4.20 (Seed3's A/B). odp-4.20 fails its non-blocking start (-EAGAIN on an
  // intersecting umem, still holding umem_rwsem: the bug 7608bf40 fixed) *and* has an end, so it
  // breaks the v5.12 rule under every hlist strategy (FailableStartHasNoEnd). Its MR registration
  // allocates under umem_rwsem while a blocking invalidation takes umem_rwsem inside a callback:
  // with reclaim → notifier map that is a lockdep cycle (LockOrder; Seed3).
  // - skip-all-end loses KVM's end (StartEndPaired), KVM's count stays raised (QuiescentBalanced)
  //   and guest faults retry forever once the reaper gives up (FaultLiveness, a lasso: ODP's ioctl
  //   allocating under umem_rwsem makes all ten attempts fail); ODP's leaked read hold blocks MR
  //   registration (NoDeadlock).
  // - the call-all-end variants pair KVM but call ODP's end after its failed start: its end
  //   decrements a count its start never raised (NoCounterUnderflow), takes umem_mutex, a sleeping
  //   lock, inside the reaper (NonBlockingNeverSleeps; the error-path walk is not non_block-wrapped,
  //   docs/kernel.md §2.2 [A] confirmed), and ODP's faults then see a count of -1 forever
  //   (FaultLiveness: a lasso, shortest over every set of up to 3 threads on oom_reaper,
  //   unregister:A, fault:B, pinned there; the generated sets' search reports 325 steps on
  //   oom_reaper,fault:B, that set's shortest). The 2019 RFC promises that end (§5.1a), so NoEndWithoutStart is its
  //   contract; 2021 is violated there. Each leaked read hold of the reaper stays leaked
  //   (QuiescentBalanced; long traces: the reaper's ten attempts with their sleeps). Some seeds also
  //   find the wrong count letting an ODP fault map inside another invalidation's window
  //   (NoStaleSecondaryMapping, pinned to oom_reaper + madvise + an ODP fault).
  // - reaper-calls-end: the same, plus the caller calls end after a failed start (Jason's NAK).
  // - sorted-undo (A@256 < B@512) undoes A only: pairing holds, but ODP's own leak blocks MR
  //   registration (NoDeadlock).
  // - core-counter: n/a, odp-4.20 has no interval form (odp-5.5 is that).
  { strategy: 'skip-all-end', family: 'ab-pair', violated: { StartEndPaired: 10, QuiescentBalanced: 24, FailableStartHasNoEnd: 5, NoDeadlock: 19, LockOrder: 6, FaultLiveness: 188 } },
  { strategy: 'call-all-end-2019', family: 'ab-pair', violated: { QuiescentBalanced: 24, NoCounterUnderflow: 9, NonBlockingNeverSleeps: 7, FailableStartHasNoEnd: 5, LockOrder: 6, NoStaleSecondaryMapping: { threads: ['oom_reaper', 'madvise', 'fault:B'], steps: 37, states: 12000 }, FaultLiveness: { threads: ['oom_reaper', 'unregister:A', 'fault:B'], steps: 230, states: 8000 } } },
  { strategy: 'call-all-end-2021', family: 'ab-pair', violated: { NoEndWithoutStart: 5, QuiescentBalanced: 24, NoCounterUnderflow: 9, NonBlockingNeverSleeps: 7, FailableStartHasNoEnd: 5, LockOrder: 6, NoStaleSecondaryMapping: { threads: ['oom_reaper', 'madvise', 'fault:B'], steps: 37, states: 12000 }, FaultLiveness: { threads: ['oom_reaper', 'unregister:A', 'fault:B'], steps: 230, states: 8000 } } },
  { strategy: 'reaper-calls-end', family: 'ab-pair', violated: { NoEndWithoutStart: 6, QuiescentBalanced: 24, NoCounterUnderflow: 10, NonBlockingNeverSleeps: 8, FailableStartHasNoEnd: 5, CallerContractAfterFailure: 6, LockOrder: 6, NoStaleSecondaryMapping: { threads: ['oom_reaper', 'madvise', 'fault:B'], steps: 38, states: 16000 }, FaultLiveness: { threads: ['oom_reaper', 'unregister:A', 'fault:B'], steps: 240, states: 12000 } } },
  { strategy: 'sorted-undo', family: 'ab-pair', violated: { QuiescentBalanced: 24, FailableStartHasNoEnd: 5, NoDeadlock: 19, LockOrder: 6 }, atMost: { NoDeadlock: wider(29, 'oom_reaper,munmap,ioctl:B', { steps: 19, threads: 'oom_reaper,munmap,unregister:A,ioctl:B' }) } },

  // --------------------------------------------------------------------------------------------
  // kvm + gntdev: the failing notifier (gntdev: -EAGAIN on an intersecting grant map when
  // !blockable) has no end, exactly what v5.12 requires. Only skip-all-end loses KVM's end (Seed3's
  // bug with gntdev as B). reaper-calls-end calls end after a failed start, which the caller
  // contract forbids even though KVM is then paired. (This family used i915-4.19 as B until the
  // model let invalidators hold mmap_lock only for read: i915's own get_pages race, pinned in
  // properties/fidelity.test.ts 5b, then broke NoStaleSecondaryMapping under every strategy and hid
  // the question the family asks.)
  { strategy: 'skip-all-end', family: 'failing-no-end', violated: { StartEndPaired: 10, QuiescentBalanced: 34, FaultLiveness: 215 } },
  { strategy: 'call-all-end-2019', family: 'failing-no-end', violated: {  } },
  { strategy: 'call-all-end-2021', family: 'failing-no-end', violated: {  } },
  { strategy: 'reaper-calls-end', family: 'failing-no-end', violated: { CallerContractAfterFailure: 6 } },
  { strategy: 'sorted-undo', family: 'failing-no-end', violated: {  } },
  { strategy: 'core-counter', family: 'failing-no-end', violated: {  } },

  // --------------------------------------------------------------------------------------------
  // kvm + hmm-5.3: HMM since L-2019-HMMF undoes its own count on -EAGAIN and has an end.
  // - call-all-end undoes it a second time: the count goes to -1 (docs/kernel.md §5.1 unsafe case
  //   1; §5.1a's remark "hmm is OK" does not hold for the v5.3 code, as suspected [A]). When
  //   another invalidation (madvise, munmap after its downgrade) has the count raised meanwhile, the
  //   double undo hides it and a device fault maps inside that window (NoStaleSecondaryMapping,
  //   NoUseAfterFree: pinned to the thread set that shows it); an unregister between a start and
  //   its end can leave a device fault waiting (NoDeadlock: pinned likewise).
  // - skip-all-end additionally loses KVM's end.
  { strategy: 'skip-all-end', family: 'failing-self-undo', violated: { StartEndPaired: 16, QuiescentBalanced: 44, FailableStartHasNoEnd: 11, FaultLiveness: { threads: ['oom_reaper', 'fault:A', 'register:A'], steps: 308 } } },
  { strategy: 'call-all-end-2019', family: 'failing-self-undo', violated: { QuiescentBalanced: 51, NoCounterUnderflow: 13, FailableStartHasNoEnd: 11, NoDeadlock: { threads: ['oom_reaper', 'unregister:A', 'fault:B'], steps: 224, states: 8000 }, NoStaleSecondaryMapping: { threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'], steps: 28, states: 24000 }, NoUseAfterFree: { threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'], steps: 33, states: 32000 } }, atMost: { QuiescentBalanced: wider(51, 'oom_reaper,munmap,register:A', { steps: 48, threads: 'oom_reaper,munmap,register:A,ioctl:B' }) } },
  { strategy: 'call-all-end-2021', family: 'failing-self-undo', violated: { NoEndWithoutStart: 11, QuiescentBalanced: 51, NoCounterUnderflow: 13, FailableStartHasNoEnd: 11, NoDeadlock: { threads: ['oom_reaper', 'unregister:A', 'fault:B'], steps: 224, states: 8000 }, NoStaleSecondaryMapping: { threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'], steps: 28, states: 24000 }, NoUseAfterFree: { threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'], steps: 33, states: 32000 } }, atMost: { QuiescentBalanced: wider(51, 'oom_reaper,munmap,register:A', { steps: 48, threads: 'oom_reaper,munmap,register:A,ioctl:B' }) } },
  { strategy: 'reaper-calls-end', family: 'failing-self-undo', violated: { NoEndWithoutStart: 12, QuiescentBalanced: 52, NoCounterUnderflow: 14, FailableStartHasNoEnd: 11, CallerContractAfterFailure: 12, NoDeadlock: { threads: ['oom_reaper', 'unregister:A', 'fault:B'], steps: 234, states: 8000 }, NoStaleSecondaryMapping: { threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'], steps: 28, states: 24000 }, NoUseAfterFree: { threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'], steps: 33, states: 32000 } }, atMost: { QuiescentBalanced: wider(52, 'oom_reaper,munmap,register:A', { steps: 49, threads: 'oom_reaper,munmap,register:A,ioctl:B' }) } },
  { strategy: 'sorted-undo', family: 'failing-self-undo', violated: { FailableStartHasNoEnd: 11 } },

  // --------------------------------------------------------------------------------------------
  // kvm + hmm-5.2: HMM v5.2 leaves its count raised on -EAGAIN (the defect L-2019-HMMF fixed),
  // takes ranges_lock (a mutex in 5.2) even when non-blockable, and swallows a mirror's -EAGAIN
  // (a shadowed ret), so its start can return 0 with the device still mapping the range: the reaper
  // then frees pages the device maps (NoStaleSecondaryMapping, NoUseAfterFree) under every strategy.
  // - no strategy balances the count: 5.2 fails either before counting (the hmm->lock trylock) or
  //   after (the mirrors_sem trylock), and its end always uncounts (docs/kernel.md §5.1 unsafe
  //   case 4). The ends of call-all-end-2019, call-all-end-2021 and reaper-calls-end take a count
  //   that is another invalidation's (NoCounterUnderflow, then QuiescentBalanced at -1), found by
  //   compare's proofs and pinned to oom_reaper + madvise (with unregister:A too: 30 and 58
  //   steps, 31 and 59 under reaper-calls-end); 2021 also violates NoEndWithoutStart.
  // - skip-all-end and sorted-undo leave the count raised (sorted-undo: pinned to a registration
  //   racing the reaper). KVM's faults collide with nothing to explain it, but no fault retries
  //   forever (FaultLiveness holds): the reaper's next attempt, once the ioctl or fault that held
  //   HMM's lock has let go, reaps, and the fault fails on MMF_UNSTABLE.
  { strategy: 'skip-all-end', family: 'failing-expects-end', violated: { StartEndPaired: 12, QuiescentBalanced: 38, NonBlockingNeverSleeps: 15, FailableStartHasNoEnd: 7, NoDeadlock: 42, NoStaleSecondaryMapping: 13, NoUseAfterFree: 19 }, atMost: { NoDeadlock: wider(48, 'oom_reaper,fault:B,ioctl:B', { steps: 38, threads: 'oom_reaper,unregister:A,fault:B,ioctl:B' }) }, states: 6000 },
  { strategy: 'call-all-end-2019', family: 'failing-expects-end', violated: { QuiescentBalanced: { threads: ['oom_reaper', 'madvise'], steps: 83 }, NoCounterUnderflow: { threads: ['oom_reaper', 'madvise'], steps: 36 }, NonBlockingNeverSleeps: 7, FailableStartHasNoEnd: 7, NoStaleSecondaryMapping: 13, NoUseAfterFree: 19 } },
  { strategy: 'call-all-end-2021', family: 'failing-expects-end', violated: { NoEndWithoutStart: 7, QuiescentBalanced: { threads: ['oom_reaper', 'madvise'], steps: 83 }, NoCounterUnderflow: { threads: ['oom_reaper', 'madvise'], steps: 36 }, NonBlockingNeverSleeps: 7, FailableStartHasNoEnd: 7, NoStaleSecondaryMapping: 13, NoUseAfterFree: 19 } },
  { strategy: 'reaper-calls-end', family: 'failing-expects-end', violated: { NoEndWithoutStart: 8, QuiescentBalanced: { threads: ['oom_reaper', 'madvise'], steps: 84 }, NoCounterUnderflow: { threads: ['oom_reaper', 'madvise'], steps: 37 }, NonBlockingNeverSleeps: 8, FailableStartHasNoEnd: 7, CallerContractAfterFailure: 8, NoStaleSecondaryMapping: 13, NoUseAfterFree: 19 } },
  { strategy: 'sorted-undo', family: 'failing-expects-end', violated: { QuiescentBalanced: { threads: ['oom_reaper', 'munmap', 'register:A', 'ioctl:B'], steps: 41 }, NonBlockingNeverSleeps: 15, FailableStartHasNoEnd: { threads: ['oom_reaper', 'register:A', 'ioctl:B'], steps: 8 }, NoDeadlock: { threads: ['oom_reaper', 'munmap', 'register:A', 'fault:B', 'ioctl:B'], steps: 41, states: 32000 }, NoStaleSecondaryMapping: 13, NoUseAfterFree: 19 } },

  // --------------------------------------------------------------------------------------------
  // kvm + amdgpu-4.19: start read-holds amn->lock across the window; command submission
  // write-holds it and allocates with GFP_KERNEL (Tetsuo's report, L-2018-AMD). The non-blocking
  // start's down_read_non_owner sleeps (NonBlockingNeverSleeps) and closes the reclaim cycle
  // reaper → amn_lock → CS → free memory → reaper (NoDeadlock; docs/kernel.md §3.1) under every
  // strategy; lockdep sees it too (LockOrder). call-all-end releases a read hold the failed start
  // never took (an rwsem count of -1, docs/kernel.md §5.1 unsafe case 1). Its CS (the fault path
  // here) re-checks a counter only, so a read-locked invalidator lets it install after the zap
  // (NoStaleSecondaryMapping; the userptr pages are pinned, so no use-after-free).
  { strategy: 'skip-all-end', family: 'lock-across-window', violated: { StartEndPaired: 12, QuiescentBalanced: 23, NonBlockingNeverSleeps: 4, FailableStartHasNoEnd: 7, NoDeadlock: 4, LockOrder: 7, NoStaleSecondaryMapping: 23, FaultLiveness: 235 }, atMost: { NoStaleSecondaryMapping: missed(19, 'madvise,register:A,fault:B') } },
  { strategy: 'call-all-end-2019', family: 'lock-across-window', violated: { QuiescentBalanced: 23, NoCounterUnderflow: 8, NonBlockingNeverSleeps: 4, FailableStartHasNoEnd: 7, NoDeadlock: 4, LockOrder: 7, NoStaleSecondaryMapping: 23 }, atMost: { NoStaleSecondaryMapping: missed(19, 'madvise,register:A,fault:B') } },
  { strategy: 'call-all-end-2021', family: 'lock-across-window', violated: { NoEndWithoutStart: 7, QuiescentBalanced: 23, NoCounterUnderflow: 8, NonBlockingNeverSleeps: 4, FailableStartHasNoEnd: 7, NoDeadlock: 4, LockOrder: 7, NoStaleSecondaryMapping: 23 }, atMost: { NoStaleSecondaryMapping: missed(19, 'madvise,register:A,fault:B') } },
  { strategy: 'reaper-calls-end', family: 'lock-across-window', violated: { NoEndWithoutStart: 8, QuiescentBalanced: 23, NoCounterUnderflow: 9, NonBlockingNeverSleeps: 4, FailableStartHasNoEnd: 7, CallerContractAfterFailure: 8, NoDeadlock: 4, LockOrder: 7, NoStaleSecondaryMapping: 23 }, atMost: { NoStaleSecondaryMapping: missed(19, 'madvise,register:A,fault:B') } },
  { strategy: 'sorted-undo', family: 'lock-across-window', violated: { QuiescentBalanced: 23, NonBlockingNeverSleeps: 4, FailableStartHasNoEnd: 7, NoDeadlock: 5, LockOrder: 7, NoStaleSecondaryMapping: { threads: ['madvise', 'unregister:A', 'fault:B', 'register:B'], steps: 26 } } },

  // --------------------------------------------------------------------------------------------
  // odp-5.5 (interval) + nouveau-5.5 (its classic svmm notifier, which fails every non-blocking
  // start, and a per-fault interval notifier).
  // Finding [A]: __mmu_notifier_invalidate_range_start returns the hlist's -EAGAIN after the
  // interval part passed without undoing mn_itree_inv_start_range, and the reaper calls no end, so
  // active_invalidate_ranges leaks one count per failed start whose interval part passed
  // (QuiescentBalanced) under every hlist strategy; the tree can then never unfreeze and the next
  // mmu_interval_read_begin or mmu_interval_notifier_remove waits forever (NoDeadlock).
  // core-counter (nouveau folded into the interval core) holds. reaper-calls-end also ends the
  // interval part twice (underflow, seq odd with nothing active).
  { strategy: 'skip-all-end', family: 'interval-and-hlist', violated: { QuiescentBalanced: 26, NoDeadlock: 77 }, atMost: { NoDeadlock: wider(92, 'oom_reaper,fault:A,register:A', { steps: 36, threads: 'oom_reaper,fault:A,register:A,fault:B,unregister:B' }) }, states: 6000 },
  { strategy: 'call-all-end-2019', family: 'interval-and-hlist', violated: { QuiescentBalanced: 26, NoDeadlock: 77 }, atMost: { NoDeadlock: wider(92, 'oom_reaper,fault:A,register:A', { steps: 36, threads: 'oom_reaper,fault:A,register:A,fault:B,unregister:B' }) }, states: 6000 },
  { strategy: 'call-all-end-2021', family: 'interval-and-hlist', violated: { QuiescentBalanced: 26, NoDeadlock: 77 }, atMost: { NoDeadlock: wider(92, 'oom_reaper,fault:A,register:A', { steps: 36, threads: 'oom_reaper,fault:A,register:A,fault:B,unregister:B' }) }, states: 6000 },
  { strategy: 'reaper-calls-end', family: 'interval-and-hlist', violated: { QuiescentBalanced: 27, NoCounterUnderflow: 5, CallerContractAfterFailure: 5, NoDeadlock: 38, UnregisterQuiesces: { threads: ['oom_reaper', 'exit_mmap', 'unregister:A'], steps: 9 }, IntervalSeqProtocol: 6 }, states: 96000 },
  { strategy: 'sorted-undo', family: 'interval-and-hlist', violated: { QuiescentBalanced: 26, NoDeadlock: 77 }, atMost: { NoDeadlock: wider(92, 'oom_reaper,fault:A,register:A', { steps: 36, threads: 'oom_reaper,fault:A,register:A,fault:B,unregister:B' }) }, states: 6000 },
  { strategy: 'core-counter', family: 'interval-and-hlist', violated: {  } },

  // --------------------------------------------------------------------------------------------
  // kvm A@256 + i915-4.19 B@512 + kvm C@128 registered concurrently, with
  // registrationTakesAllLocks off: C joins the hlist inside a window (RegistrationExclusion) and
  // receives an end without a start under every hlist strategy, not only sorted-undo (§5.2
  // precondition 1 is every strategy's precondition): its count underflows, its faults then map
  // pages the unmap frees. core-counter holds: interval inserts defer while the tree is frozen (§1.5).
  // A count left at -1 (or raised) makes that notifier's fault retry forever once madvise is done
  // (FaultLiveness, a lasso of the fault's spin). sorted-undo's use after free (36 steps on
  // madvise,fault:A,register:A, which its runs miss even pinned) is found by the generated runs
  // since faults spin instead of giving up: 55 steps at the tests' budget (a 5-thread set has one of
  // 22 within 256,000 states when every invariant is judged together). reaper-calls-end's pass
  // needs 6,000 states (8,000 before it searched under the proofs' key) for NoEndWithoutStart's and
  // NoCounterUnderflow's 9 and 12.
  { strategy: 'skip-all-end', family: 'registration-unlocked', violated: { StartEndPaired: 12, NoEndWithoutStart: 10, QuiescentBalanced: 23, NoCounterUnderflow: 13, NoStaleSecondaryMapping: 21, NoUseAfterFree: { threads: ['madvise', 'fault:A', 'register:A'], steps: 36 }, FaultLiveness: 43, RegistrationExclusion: 3 }, atMost: { NoCounterUnderflow: wider(13, 'oom_reaper,register:A,register:B', { steps: 12, threads: 'madvise,register:A,fault:B,register:B,unregister:C' }), NoEndWithoutStart: wider(10, 'oom_reaper,register:A,register:B', { steps: 9, threads: 'madvise,register:A,fault:B,register:B,unregister:C' }), QuiescentBalanced: wider(21, 'madvise,register:A,register:C', { steps: 18, threads: 'madvise,register:A,register:B,unregister:C' }), NoStaleSecondaryMapping: wider(19, 'oom_reaper,fault:B,register:B', { steps: 13, threads: 'madvise,register:A,fault:B,register:B,unregister:C' }) } },
  { strategy: 'call-all-end-2019', family: 'registration-unlocked', violated: { NoEndWithoutStart: 8, QuiescentBalanced: 18, NoCounterUnderflow: 11, NoStaleSecondaryMapping: 13, NoUseAfterFree: { threads: ['madvise', 'fault:A', 'register:A'], steps: 36 }, FaultLiveness: 36, RegistrationExclusion: 3 }, atMost: { FaultLiveness: wider(43, 'madvise,fault:A,register:A', { steps: 31, threads: 'madvise,fault:A,register:A,register:B,unregister:C' }), QuiescentBalanced: wider(21, 'madvise,register:A,register:C', { steps: 18, threads: 'madvise,register:A,register:B,unregister:C' }), NoStaleSecondaryMapping: wider(19, 'oom_reaper,fault:B,register:B', { steps: 13, threads: 'madvise,register:A,fault:B,register:B,unregister:C' }) }, states: 16000 },
  { strategy: 'call-all-end-2021', family: 'registration-unlocked', violated: { NoEndWithoutStart: 8, QuiescentBalanced: 18, NoCounterUnderflow: 11, NoStaleSecondaryMapping: 13, NoUseAfterFree: { threads: ['madvise', 'fault:A', 'register:A'], steps: 36 }, FaultLiveness: 36, RegistrationExclusion: 3 }, atMost: { FaultLiveness: wider(43, 'madvise,fault:A,register:A', { steps: 31, threads: 'madvise,fault:A,register:A,register:B,unregister:C' }), QuiescentBalanced: wider(21, 'madvise,register:A,register:C', { steps: 18, threads: 'madvise,register:A,register:B,unregister:C' }), NoStaleSecondaryMapping: wider(19, 'oom_reaper,fault:B,register:B', { steps: 13, threads: 'madvise,register:A,fault:B,register:B,unregister:C' }) }, states: 16000 },
  { strategy: 'reaper-calls-end', family: 'registration-unlocked', violated: { NoEndWithoutStart: 9, QuiescentBalanced: 23, NoCounterUnderflow: 12, CallerContractAfterFailure: 8, NoStaleSecondaryMapping: 18, NoUseAfterFree: { threads: ['madvise', 'fault:A', 'register:A'], steps: 36 }, FaultLiveness: 36, RegistrationExclusion: 3 }, atMost: { FaultLiveness: wider(43, 'madvise,fault:A,register:A', { steps: 31, threads: 'madvise,fault:A,register:A,register:B,unregister:C' }), QuiescentBalanced: wider(21, 'madvise,register:A,register:C', { steps: 18, threads: 'madvise,register:A,register:B,unregister:C' }), NoStaleSecondaryMapping: wider(19, 'oom_reaper,fault:B,register:B', { steps: 13, threads: 'madvise,register:A,fault:B,register:B,unregister:C' }) }, states: 6000 },
  { strategy: 'sorted-undo', family: 'registration-unlocked', violated: { NoEndWithoutStart: 8, QuiescentBalanced: 18, NoCounterUnderflow: 12, NoStaleSecondaryMapping: 14, NoUseAfterFree: 55, FaultLiveness: 36, RegistrationExclusion: 3 }, atMost: { NoUseAfterFree: missed(36, 'madvise,fault:A,register:A'), FaultLiveness: wider(43, 'madvise,fault:A,register:A', { steps: 31, threads: 'madvise,fault:A,register:A,register:B,unregister:C' }), NoEndWithoutStart: wider(8, 'oom_reaper,register:A,register:C', { steps: 5, threads: 'madvise,register:A,fault:B,register:B,fault:C,register:C' }), QuiescentBalanced: wider(21, 'madvise,register:A,register:C', { steps: 18, threads: 'madvise,register:A,register:B,unregister:C' }), NoCounterUnderflow: wider(11, 'oom_reaper,register:A,register:C', { steps: 8, threads: 'madvise,register:A,fault:B,register:B,fault:C,register:C' }), NoStaleSecondaryMapping: wider(19, 'oom_reaper,fault:B,register:B', { steps: 9, threads: 'madvise,register:A,fault:B,register:B,fault:C,register:C' }) } },
  { strategy: 'core-counter', family: 'registration-unlocked', violated: {  } },

  // --------------------------------------------------------------------------------------------
  // kvm + generic(nonblockStart: 'sleeps', allocatesUnderLock): a driver that sleeps on its lock
  // even when !blockable while its ioctl allocates under that lock. No rollback strategy helps,
  // core-counter included: the reaper sleeps (NonBlockingNeverSleeps), the reclaim cycle closes
  // (NoDeadlock), lockdep sees it (LockOrder).
  { strategy: 'skip-all-end', family: 'nonblock-sleeps', violated: { NonBlockingNeverSleeps: 4, NoDeadlock: 4, LockOrder: 7 } },
  { strategy: 'call-all-end-2019', family: 'nonblock-sleeps', violated: { NonBlockingNeverSleeps: 4, NoDeadlock: 4, LockOrder: 7 } },
  { strategy: 'call-all-end-2021', family: 'nonblock-sleeps', violated: { NonBlockingNeverSleeps: 4, NoDeadlock: 4, LockOrder: 7 } },
  { strategy: 'reaper-calls-end', family: 'nonblock-sleeps', violated: { NonBlockingNeverSleeps: 4, NoDeadlock: 4, LockOrder: 7 } },
  { strategy: 'sorted-undo', family: 'nonblock-sleeps', violated: { NonBlockingNeverSleeps: 4, NoDeadlock: 5, LockOrder: 7 } },
  { strategy: 'core-counter', family: 'nonblock-sleeps', violated: { NonBlockingNeverSleeps: 3, NoDeadlock: 3, LockOrder: 6 } },

  // --------------------------------------------------------------------------------------------
  // kvm + i915-4.19 under the v4.14 reaper (4d4bbd8526a8): an mm with notifiers is skipped and
  // declared reaped without unmapping anything (ReaperUsefulProgress, docs/kernel.md §3.3),
  // whatever the strategy. i915-4.19's get_pages race with a read-locked invalidator (fidelity
  // test 5b) shows up under the hlist strategies too (NoStaleSecondaryMapping).
  { strategy: 'skip-all-end', family: 'reaper-skip-era', violated: { ReaperUsefulProgress: 2, NoStaleSecondaryMapping: { threads: ['madvise', 'register:A', 'fault:B'], steps: 16 } } },
  { strategy: 'call-all-end-2019', family: 'reaper-skip-era', violated: { ReaperUsefulProgress: 2, NoStaleSecondaryMapping: { threads: ['madvise', 'register:A', 'fault:B'], steps: 16 } } },
  { strategy: 'call-all-end-2021', family: 'reaper-skip-era', violated: { ReaperUsefulProgress: 2, NoStaleSecondaryMapping: { threads: ['madvise', 'register:A', 'fault:B'], steps: 16 } } },
  { strategy: 'reaper-calls-end', family: 'reaper-skip-era', violated: { ReaperUsefulProgress: 2, NoStaleSecondaryMapping: { threads: ['madvise', 'register:A', 'fault:B'], steps: 16 } } },
  { strategy: 'sorted-undo', family: 'reaper-skip-era', violated: { ReaperUsefulProgress: 2, NoStaleSecondaryMapping: { threads: ['madvise', 'unregister:A', 'fault:B', 'register:B'], steps: 23 } } },
  { strategy: 'core-counter', family: 'reaper-skip-era', violated: { ReaperUsefulProgress: 2 } },

  // --------------------------------------------------------------------------------------------
  // kvm under the v4.14 reaper with the 2017 RFC's placement of mm_has_notifiers() before
  // mmap_read_trylock, racing a registration and a device fault (Seed2, Andrea's objection): the
  // reaper reads "no notifiers", the notifier registers and its device maps, then the reaper
  // unmaps without telling it (NoStaleSecondaryMapping) and frees what it maps (NoUseAfterFree),
  // whatever the strategy. The skip itself is still a "reaped" without unmapping
  // (ReaperUsefulProgress).
  { strategy: 'skip-all-end', family: 'reaper-rfc-check', violated: { ReaperUsefulProgress: 4, NoStaleSecondaryMapping: 11, NoUseAfterFree: 14 } },
  { strategy: 'call-all-end-2019', family: 'reaper-rfc-check', violated: { ReaperUsefulProgress: 4, NoStaleSecondaryMapping: 11, NoUseAfterFree: 14 } },
  { strategy: 'call-all-end-2021', family: 'reaper-rfc-check', violated: { ReaperUsefulProgress: 4, NoStaleSecondaryMapping: 11, NoUseAfterFree: 14 } },
  { strategy: 'reaper-calls-end', family: 'reaper-rfc-check', violated: { ReaperUsefulProgress: 4, NoStaleSecondaryMapping: 11, NoUseAfterFree: 14 } },
  { strategy: 'sorted-undo', family: 'reaper-rfc-check', violated: { ReaperUsefulProgress: 4, NoStaleSecondaryMapping: 11, NoUseAfterFree: 14 } },
  { strategy: 'core-counter', family: 'reaper-rfc-check', violated: { ReaperUsefulProgress: 3, NoStaleSecondaryMapping: 11, NoUseAfterFree: 14 } },

  // --------------------------------------------------------------------------------------------
  // kvm + i915-4.19 under the ≤ v4.13 reaper: it unmaps without telling the secondary MMUs, so
  // the devices keep mapping the pages (NoStaleSecondaryMapping) and KVM's are freed under it at
  // tlb_finish_mmu (NoUseAfterFree; i915's are pinned), whatever the strategy.
  { strategy: 'skip-all-end', family: 'reaper-no-notify', violated: { NoStaleSecondaryMapping: 2, NoUseAfterFree: 3 } },
  { strategy: 'call-all-end-2019', family: 'reaper-no-notify', violated: { NoStaleSecondaryMapping: 2, NoUseAfterFree: 3 } },
  { strategy: 'call-all-end-2021', family: 'reaper-no-notify', violated: { NoStaleSecondaryMapping: 2, NoUseAfterFree: 3 } },
  { strategy: 'reaper-calls-end', family: 'reaper-no-notify', violated: { NoStaleSecondaryMapping: 2, NoUseAfterFree: 3 } },
  { strategy: 'sorted-undo', family: 'reaper-no-notify', violated: { NoStaleSecondaryMapping: 2, NoUseAfterFree: 3 } },
  { strategy: 'core-counter', family: 'reaper-no-notify', violated: { NoStaleSecondaryMapping: 2, NoUseAfterFree: 3 } },
];
