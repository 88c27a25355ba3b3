/**
 * The expected-verdict matrix (DESIGN.md §7): strategy × scenario family × invariant →
 * holds | violated (with the longest acceptable shrunk counterexample, in steps: executed
 * schedule plus drain, up to the violating step). Families: engine/families.ts.
 *
 * Why each row is what it is (DOMAIN.md §4, §5):
 * - ab-pair (kvm + odp-4.20): odp-4.20 fails its non-blocking start (-EAGAIN on an intersecting
 *   umem, still holding umem_rwsem: the bug 7608bf40 fixed) *and* has an end, so it breaks the
 *   2021 precondition P1 under every hlist strategy (FailableStartHasNoEnd). skip-all-end loses
 *   KVM's end (Seed3's A/B: StartEndPaired, then the count never returns to 0 and guest faults
 *   retry forever). The call-all-end variants pair KVM but call ODP's end after its failed start:
 *   ODP's end decrements a count its start never raised (underflow) and takes umem_mutex, a
 *   sleeping lock, inside the reaper (the error-path walk is not non_block-wrapped, DOMAIN §2.2
 *   [A] — confirmed). The 2019 RFC promises that end (§5.1a), so NoEndWithoutStart is its
 *   contract there, not a violation. sorted-undo (A@256 < B@512) undoes A only, so pairing
 *   holds, but ODP's own leaked read hold blocks MR registration (NoDeadlock).
 *   core-counter: n/a, odp-4.20 has no interval form (odp-5.5 is that).
 * - failing-no-end (kvm + i915-4.19): i915 fails without an end, which is exactly what v5.12
 *   allows; only skip-all-end loses KVM's end. Every other strategy holds everything.
 */
// Declared lengths cover the longest shrunk counterexample seen over 20 seeds (npm run bench).
export type Expect = 'holds' | { readonly violated: number };

export interface Row {
  readonly strategy: string;
  readonly family: string;
  readonly cells: Readonly<Record<string, Expect>>;
}

const H = 'holds' as const;
const V = (maxSteps: number): Expect => ({ violated: maxSteps });

export const matrix: readonly Row[] = [
  // ab-pair -------------------------------------------------------------------------------
  {
    strategy: 'skip-all-end',
    family: 'ab-pair',
    cells: {
      // 10 is the exhaustive shortest (properties/exhaustive.test.ts): ioctl:B takes umem_rwsem,
      // the reaper trylocks mmap_lock, starts, B's trylock fails (2 steps), A's start (5 steps).
      StartEndPaired: V(11), // 11 when the generated thread set is the reaper alone (B fails on its umem)
      NoEndWithoutStart: H,
      QuiescentBalanced: V(140), // ten reaper attempts each leak one KVM count
      NoCounterUnderflow: H,
      NonBlockingNeverSleeps: H,
      StartReturnContract: H,
      FailableStartHasNoEnd: V(6),
      NoDeadlock: V(140),
      FaultLiveness: V(320),
    },
  },
  {
    strategy: 'call-all-end-2019',
    family: 'ab-pair',
    cells: {
      StartEndPaired: H,
      NoEndWithoutStart: H,
      QuiescentBalanced: V(260),
      NoCounterUnderflow: V(16),
      NonBlockingNeverSleeps: V(14),
      StartReturnContract: H,
      FailableStartHasNoEnd: V(6),
      NoDeadlock: H,
      FaultLiveness: V(600),
    },
  },
  {
    strategy: 'call-all-end-2021',
    family: 'ab-pair',
    cells: {
      StartEndPaired: H,
      NoEndWithoutStart: V(12),
      QuiescentBalanced: V(260),
      NoCounterUnderflow: V(16),
      NonBlockingNeverSleeps: V(14),
      StartReturnContract: H,
      FailableStartHasNoEnd: V(6),
      NoDeadlock: H,
      FaultLiveness: V(600),
    },
  },
  {
    strategy: 'reaper-calls-end',
    family: 'ab-pair',
    cells: {
      StartEndPaired: H,
      NoEndWithoutStart: V(13),
      QuiescentBalanced: V(260),
      NoCounterUnderflow: V(17),
      NonBlockingNeverSleeps: V(15),
      StartReturnContract: H,
      FailableStartHasNoEnd: V(6),
      NoDeadlock: H,
    },
  },
  {
    strategy: 'sorted-undo',
    family: 'ab-pair',
    cells: {
      StartEndPaired: H,
      NoEndWithoutStart: H,
      QuiescentBalanced: V(180),
      NoCounterUnderflow: H,
      NonBlockingNeverSleeps: H,
      StartReturnContract: H,
      FailableStartHasNoEnd: V(12),
      NoDeadlock: V(180),
    },
  },
  // failing-no-end --------------------------------------------------------------------------
  {
    strategy: 'skip-all-end',
    family: 'failing-no-end',
    cells: {
      StartEndPaired: V(14),
      NoEndWithoutStart: H,
      QuiescentBalanced: V(160),
      NoCounterUnderflow: H,
      NonBlockingNeverSleeps: H,
      StartReturnContract: H,
      FailableStartHasNoEnd: H,
      NoDeadlock: H,
      FaultLiveness: V(320),
    },
  },
  ...['call-all-end-2019', 'call-all-end-2021', 'reaper-calls-end', 'sorted-undo', 'core-counter'].map(
    (strategy): Row => ({
      strategy,
      family: 'failing-no-end',
      cells: Object.fromEntries(
        ['StartEndPaired', 'NoEndWithoutStart', 'QuiescentBalanced', 'NoCounterUnderflow', 'NonBlockingNeverSleeps', 'StartReturnContract', 'FailableStartHasNoEnd', 'NoDeadlock', 'FaultLiveness'].map((i) => [i, H]),
      ),
    }),
  ),
];

/** Runs per row: every "holds" cell of the row is judged on all of them. */
export const HOLDS_RUNS = 1000;
