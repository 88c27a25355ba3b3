/**
 * The scenario a user writes (docs/design.md §3.1): the VMAs, the notifiers and their drivers, the
 * threads, the knobs, the kernel release. Plain, JSON-able and readonly; model/scenario.ts
 * resolves it into a world and an initial state (types.ts).
 */
import type { ReaperEra } from './kernel.ts';

export interface Range {
  readonly start: number; // first page
  readonly end: number; // exclusive, as in struct mmu_notifier_range
}

/** Knobs of the generic driver (docs/design.md §3.4). */
export interface GenericKnobs {
  readonly hasEnd: boolean;
  readonly nonblockStart: 'trylock' | 'always-eagain' | 'never-fails' | 'sleeps';
  readonly onFailedStart: 'self-undo' | 'leave';
  readonly countsInStart: boolean;
  readonly holdsLockAcrossWindow: boolean;
  readonly allocatesUnderLock: boolean;
  readonly faultPath: 'seq-retry' | 'none';
}

export interface NotifierSpec extends Partial<GenericKnobs> {
  readonly name: string;
  readonly driver: string;
  readonly address: number;
  /** Pages the driver mirrors (its umem / BO / userptr object). Default: every VMA. */
  readonly interval?: Range;
}

export interface Knobs {
  /** mmu_notifier_register takes mm_take_all_locks (docs/kernel.md §1.4). */
  readonly registrationTakesAllLocks: boolean;
  /** The 2017 RFC placed the mm_has_notifiers check before the trylock (docs/kernel.md §3.3). */
  readonly reaperChecksNotifiersBeforeLock: boolean;
  /**
   * After this many collisions no invalidation explains, a fault spins at its retry (one step that
   * changes nothing) until something it reads changes (DriverThread.spin; INV-14).
   */
  readonly faultRetryBound: number;
}

export const DEFAULT_KNOBS: Knobs = {
  registrationTakesAllLocks: true,
  reaperChecksNotifiersBeforeLock: false,
  faultRetryBound: 2,
};

export type ThreadKind = 'oom_reaper' | 'munmap' | 'madvise' | 'exit_mmap' | 'reclaim' | 'fault' | 'ioctl' | 'register' | 'unregister';
/** `oom_reaper`, `munmap`, `madvise`, `exit_mmap`, `fault:<n>`, `ioctl:<n>`, `register:<n>`, `unregister:<n>`. */
export type ThreadId = string;

export interface Scenario {
  readonly strategy: string;
  readonly reaper: ReaperEra;
  readonly vmas: readonly Range[];
  /** In registration order; the hlist walk order follows the strategy's insertion rule. */
  readonly notifiers: readonly NotifierSpec[];
  readonly threads: readonly ThreadId[];
  readonly knobs?: Partial<Knobs>;
  /** The kernel release it runs (model/kernel.ts KERNEL_NAMES); absent: v5.10's core with `reaper` (docs/kernel.md §11). */
  readonly kernel?: string;
  /**
   * The threads of the OOM victim process, by id, on a named release with an oom_reaper: they have
   * SIGKILL pending, the others not (docs/kernel.md §3.4). Absent: the process's syscalls, ioctls
   * and registrations, and each fault that runs in one of its tasks (DriverDef.faultInTask).
   */
  readonly victim?: readonly ThreadId[];
}
