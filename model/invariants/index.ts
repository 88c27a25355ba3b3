/**
 * The invariant registry (docs/design.md §3.5): INV-1 … INV-18 and INV-9b of docs/kernel.md §8, in that
 * order of concern. Names are stable: they appear in saved cases.
 */
import { FaultLiveness, NoDeadlock, NonBlockingNeverSleeps, QuiescentBalanced } from './liveness.ts';
import { LockOrder, NoStaleSecondaryMapping, NoUseAfterFree } from './memory.ts';
import { CallerContractAfterFailure, FailableStartHasNoEnd, NoCounterUnderflow, NoEndWithoutStart, StartEndPaired, StartReturnContract } from './pairing.ts';
import { DriverAssertions } from './driver.ts';
import { ReaperBounded, ReaperUsefulProgress } from './reaper.ts';
import { IntervalSeqProtocol, RegistrationExclusion, UnregisterQuiesces } from './subscriptions.ts';
import type { Invariant } from './types.ts';

export * from './driver.ts';
export * from './liveness.ts';
export * from './memory.ts';
export * from './pairing.ts';
export * from './reaper.ts';
export * from './subscriptions.ts';
export type { CycleContext, CycleScope, EndContext, Invariant, StepContext } from './types.ts';
export { inScope } from './types.ts';

export const invariants: readonly Invariant[] = [
  StartEndPaired,
  NoEndWithoutStart,
  QuiescentBalanced,
  NoCounterUnderflow,
  NonBlockingNeverSleeps,
  StartReturnContract,
  FailableStartHasNoEnd,
  CallerContractAfterFailure,
  ReaperBounded,
  ReaperUsefulProgress,
  NoDeadlock,
  LockOrder,
  NoStaleSecondaryMapping,
  NoUseAfterFree,
  FaultLiveness,
  UnregisterQuiesces,
  IntervalSeqProtocol,
  RegistrationExclusion,
  DriverAssertions,
];

/**
 * Invariants judged only when asked for or when a driver of the run states them: DriverAssertions
 * (INV-18) speaks of a driver file's own WARN_ON / BUG_ON and counter ranges, which no preset has
 * (a row that could only say "vacuous" in every default check and compare).
 */
export const DRIVER_INVARIANT_NAMES: readonly string[] = ['DriverAssertions'];

/** The invariants judged by default: the kernel protocol's, INV-1 … INV-17 and INV-9b. */
export const INVARIANT_NAMES: readonly string[] = invariants.map((i) => i.name).filter((n) => !DRIVER_INVARIANT_NAMES.includes(n));

/** Every invariant's name: what `--invariant` and a saved case may name. */
export const ALL_INVARIANT_NAMES: readonly string[] = invariants.map((i) => i.name);

export const invariantByName = (name: string): Invariant | undefined => invariants.find((i) => i.name === name);
