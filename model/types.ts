/**
 * Scenario (input) and state types (docs/design.md §3.1). Everything is plain, JSON-able and
 * readonly: a step returns a new state and never mutates the old one.
 */
import type { Kernel, KernelRange, ReaperEra } from './kernel.ts';
import type { CallOp, Program } from './program.ts';

export type { CallOp } from './program.ts';
// The reaper eras and the kernel releases' switches live with the release table (model/kernel.ts).
export { REAPER_ERAS, type ExitMmapEra, type Kernel, type KernelRange, type ReaperEra } from './kernel.ts';

// The scenario (input) lives in model/scenario-spec.ts.
export * from './scenario-spec.ts';
import type { Knobs, Range, Scenario, ThreadId, ThreadKind } from './scenario-spec.ts';

// ---------------------------------------------------------------------------------------------
// Drivers and strategies (static, built once per scenario)

export type LockKind = 'spinlock' | 'mutex' | 'rwsem';

/** A classic notifier's callbacks, keyed as the members of struct mmu_notifier_ops. */
export interface HlistOps {
  readonly invalidate_range_start: Program;
  readonly invalidate_range_end: Program | null;
  /**
   * ->release at exit_mmap and unregister: the driver's program; null: its mmu_notifier_ops have
   * no .release, and on a named release none runs; absent: unstated, it zaps every secondary
   * mapping (model/strategies/hooks.ts releaseOf, docs/kernel.md §10.1 item 13).
   */
  readonly release?: Program | null;
  readonly fault: Program | null;
}

export interface IntervalOps {
  /** ->invalidate, or with `invalidate_finish` given, ->invalidate_start (v7.1 two-pass, docs/kernel.md §2.6). */
  readonly invalidate: Program;
  readonly fault: Program | null;
  /** Present: the ops are two-pass; null: an invalidate_start without an invalidate_finish (insert WARNs). */
  readonly invalidate_finish?: Program | null;
}

export interface DriverDef {
  readonly driver: string;
  readonly era: string;
  /** The releases this preset's code is from (docs/kernel.md §11); absent: every release. */
  readonly kernels?: KernelRange;
  readonly domainRef: string;
  readonly summary: string;
  readonly locks: Readonly<Record<string, LockKind>>;
  /**
   * Counters of the driver; `balanced` ones must be 0 at quiescence (INV-3). `min` / `max`: the
   * range the driver declares for it, judged after every step that changes it (INV-18).
   */
  readonly counters: Readonly<Record<string, { readonly balanced: boolean; readonly min?: number; readonly max?: number }>>;
  readonly hlist: HlistOps | null;
  readonly interval: IntervalOps | null;
  /**
   * A classic notifier that also inserts an interval notifier around each fault (nouveau SVM,
   * docs/kernel.md §6.6): under the classic strategies the driver runs its hlist callbacks and
   * this `invalidate` and `fault` together, as one subscription in both the hlist and the tree.
   */
  readonly combined?: IntervalOps;
  /** Driver thread that takes the driver's lock (command submission, MR registration). */
  readonly ioctl: Program | null;
  /**
   * The device's mappings hold page references (get_user_pages without a put_page until the
   * mapping is torn down, docs/kernel.md §2.5): a frame a mapping holds is freed only when the
   * driver zaps it. Drivers that mirror through hmm_range_fault or drop the reference after
   * mapping (KVM) hold none.
   */
  readonly pinsPages?: boolean;
  /**
   * The fault program runs in a task of the process (a vCPU thread, a syscall), so when the mm is an
   * OOM victim it has SIGKILL pending (docs/kernel.md §3.4). `gup`: where its page lookup tests
   * fatal_signal_pending: 'always' (get_user_pages), 'fault-in' (get_user_pages_fast: only on its
   * slow path, a page it must fault in), 'never' (hmm_range_fault). `retry`: a collision's retry
   * passes a signal check (a return to user space that restarts the ioctl, KVM's vcpu_run), so the
   * thread ends there. Absent: the fault runs in a kernel worker (ODP, nouveau), never signalled.
   */
  readonly faultInTask?: FaultInTask;
}

export interface FaultInTask {
  readonly gup: 'always' | 'fault-in' | 'never';
  readonly retry: boolean;
}

export interface UndoContext {
  /** The first subscription whose start failed, if any. */
  readonly failedAt: Subscription | null;
  readonly sub: Subscription;
  readonly startResult: StartResult;
  readonly hasEnd: boolean;
}

/**
 * What the rollback walk does for one notifier: call its end (`end-promised`: an end the
 * strategy promises to a notifier whose start failed, §5.1a), pass it by, or stop the walk.
 */
export type UndoDecision = 'end' | 'end-promised' | 'skip' | 'stop';

/**
 * A rollback strategy (docs/design.md §3.3, docs/kernel.md §5): hooks the core calls at its decision
 * points. One file each under strategies/; nothing outside that folder reads a strategy's name.
 */
export interface RollbackStrategy {
  readonly name: string;
  readonly title: string;
  readonly domainRef: string;
  /** The releases whose rule this is (mainline); absent: a proposal, applied on top of any release (docs/kernel.md §11). */
  readonly mainline?: KernelRange;
  /** The programs a notifier runs on `kernel` (absent: the model without one): its classic hlist form, or the interval core (§5.3); null when it cannot run. */
  readonly opsFor: (def: DriverDef, kernel?: Kernel) => ResolvedOps | null;
  /** Where a registering classic notifier joins the hlist (kernel: hlist_add_head_rcu), and the name of that step. */
  readonly hlistAdd: (list: readonly Subscription[], added: Subscription) => readonly Subscription[];
  readonly hlistAddLabel: string;
  /** The start walk, after a start failed: call the remaining starts (mainline, §2.2) or stop. */
  readonly afterFailedStart: () => 'continue' | 'stop';
  /** The WARN the core raises when a notifier's start fails (v5.12: WARN_ON(ops->invalidate_range_end), §2.3). */
  readonly warnOnFailedStart: (sub: string, hasEnd: boolean) => string | null;
  /** The error path inside the failing start: per notifier of the hlist, in walk order. */
  readonly undo: (c: UndoContext) => UndoDecision;
  /** The OOM reaper after its non-blocking start failed: skip the VMA without an end (mainline), or call the end (§5.1b). */
  readonly reaperAfterFailedStart: () => 'no-end' | 'end';
}

// ---------------------------------------------------------------------------------------------
// State

export interface Lock {
  readonly writer: ThreadId | null;
  readonly readers: readonly ThreadId[];
  /** Threads on the rwsem's wait list for write, in arrival order (model/rwsem.ts); [] for other locks. */
  readonly waiters: readonly ThreadId[];
}

export interface Vma extends Range {
  readonly unmapped: boolean;
}

export interface Mm {
  readonly vmas: readonly Vma[];
  /** Primary page table: page → frame, or null when not present. */
  readonly pte: readonly (number | null)[];
  readonly freedFrames: readonly number[];
  readonly nextFrame: number;
  readonly MMF_OOM_SKIP: boolean;
  readonly MMF_UNSTABLE: boolean;
}

export interface Subscription {
  readonly name: string;
  readonly driver: string;
  readonly address: number;
  /** Classic hlist notifier, interval notifier (mmu_interval_notifier), or both (nouveau). */
  readonly form: NotifierForm;
  readonly interval: Range;
  /** On the hlist (classic, both) or in the interval tree (interval). */
  readonly registered: boolean;
  /** Form 'both' only: its per-fault interval notifier is in the tree. */
  readonly inTree: boolean;
  /** ->release (or the driver's teardown before an interval remove) ran: the mirror is shut down. */
  readonly released: boolean;
  /** mmu_interval_notifier.invalidate_seq (interval form only). */
  readonly invalidateSeq: number;
}

/** mmu_notifier_subscriptions' interval-tree part (docs/kernel.md §1.2). */
export interface Core {
  readonly invalidateSeq: number;
  readonly activeInvalidateRanges: number;
  readonly hasItree: boolean;
  /** mm->notifier_subscriptions != NULL: mm_has_notifiers(); set once, never cleared (§1.2). */
  readonly hasSubscriptions: boolean;
  /** Inserts and removes queued while the tree is frozen (seq odd), applied at the last inv_end (§1.5). */
  readonly deferred: readonly { readonly sub: string; readonly op: 'insert' | 'remove' }[];
}

export interface DriverState {
  readonly counters: Readonly<Record<string, number>>;
  /** Secondary mappings: page → frame. */
  readonly sptes: Readonly<Record<number, number>>;
}

export type StartResult = 'ok' | 'fail' | 'notCalled';

export type InvPhase =
  | 'itree_start' // mn_itree_invalidate: inv_start_range, then each intersecting sub
  | 'itree_finish' // mn_itree_finish_pass: each pending invalidate_finish, in walk order (v7.1)
  | 'hlist_start' // mn_hlist_invalidate_range_start walk
  | 'undo' // strategy's rollback walk after a failure
  | 'returned' // start returned to the caller
  | 'itree_end' // mn_itree_inv_end
  | 'hlist_end'; // mn_hlist_invalidate_end walk

/** One invalidation instance (docs/kernel.md §5 vocabulary: i). */
export interface Invalidation {
  readonly id: number;
  readonly blockable: boolean;
  /** mn_itree_release at exit_mmap: the interval part only; the hlist gets ->release instead. */
  readonly release: boolean;
  readonly range: Range;
  readonly phase: InvPhase;
  readonly curSeq: number;
  /** The interval subscriptions mn_itree_invalidate visits (the tree cannot change under it: inserts are deferred). */
  readonly walk: readonly string[];
  readonly cursor: number;
  /**
   * The hlist walks follow the live list (hlist_for_each_entry_rcu): the entry visited last, or
   * null at the head. An entry added after it is visited, one added before it is not; one
   * unlinked before the walk reaches it is skipped; 'end' once the walk is over.
   */
  readonly last: string | null;
  /** Each notifier's start (a combined one's hlist start: its interval invalidate's is in itreeResults on a named release). */
  readonly results: Readonly<Record<string, StartResult>>;
  /** A combined subscription's interval invalidate, kept apart from its hlist start on a named release (model/kernel.ts combinedResultsApart); absent otherwise. */
  readonly itreeResults?: Readonly<Record<string, StartResult>>;
  readonly ends: Readonly<Record<string, number>>;
  readonly failedAt: string | null;
  /** The interval subscriptions whose invalidate_start returned a finish not yet run, in walk order (v7.1, docs/kernel.md §2.6). */
  readonly finishes: readonly string[];
}


/** A driver program in execution. */
export interface Call {
  readonly sub: string;
  readonly op: CallOp;
  readonly pc: number;
  readonly blockable: boolean;
  /** Called inside non_block_start/end (current->non_block_count was raised for it). */
  readonly nonBlock: boolean;
  readonly locals: Readonly<Record<string, number>>;
}

interface ThreadBase {
  readonly id: ThreadId;
  /** The invalidation this thread is running (reaper, munmap, exit_mmap only). */
  readonly inv: Invalidation | null;
  /** The driver program this thread is in (a callback, a fault, an ioctl). */
  readonly call: Call | null;
  /** current->non_block_count (docs/kernel.md §2.3). */
  readonly nonBlockCount: number;
  readonly done: boolean;
  /** 'bug': a driver's BUG_ON fired in this thread (program.ts), which stops where it stood. */
  readonly outcome: 'running' | 'finished' | 'reaped' | 'unable_to_reap' | 'bug';
}

/** A frame unmapped from `page` and gathered (mmu_gather), waiting for tlb_finish_mmu. */
export interface Gathered {
  readonly page: number;
  readonly frame: number;
}

/**
 * oom_reap_task: (check) → trylock → (skip) → per VMA: vma → unmap → end → tlb_finish → … →
 * unlock; after a failed attempt, sleep and try again (docs/kernel.md §3.2, §3.3).
 */
export interface ReaperThread extends ThreadBase {
  readonly kind: 'oom_reaper';
  /** oom_kill: the OOM kill that makes the mm a victim, on a release that signals its tasks (docs/kernel.md §3.4). */
  readonly pc: 'oom_kill' | 'check' | 'trylock' | 'skip' | 'vma' | 'unmap' | 'end' | 'tlb_finish' | 'unlock' | 'sleep' | 'done';
  readonly vma: number;
  readonly attempts: number;
  readonly attemptOk: boolean;
  readonly gather: readonly Gathered[];
}

/**
 * munmap of VMA 0 (docs/kernel.md §2.1, §10 `__do_munmap`): mmap_write_lock and detach the VMA; from v4.20
 * mmap_write_downgrade; then a blocking invalidation around unmap_page_range; tlb_finish_mmu; unlock.
 */
export interface MunmapThread extends ThreadBase {
  readonly kind: 'munmap';
  readonly pc: 'lock' | 'downgrade' | 'start' | 'unmap' | 'end' | 'tlb_finish' | 'unlock' | 'done';
  readonly vma: number;
  readonly gather: readonly Gathered[];
}

/** madvise(MADV_DONTNEED) of the last VMA: zap_page_range under mmap_read_lock (docs/kernel.md §2.1, §10 madvise). */
export interface MadviseThread extends ThreadBase {
  readonly kind: 'madvise';
  readonly pc: 'lock' | 'start' | 'zap' | 'end' | 'tlb_finish' | 'unlock' | 'done';
  readonly vma: number;
  readonly gather: readonly Gathered[];
}

/** Page reclaim of one page (try_to_unmap_one under the rmap lock, no mmap_lock: model/reclaim.ts). */
export interface ReclaimThread extends ThreadBase {
  readonly kind: 'reclaim';
  readonly pc: 'rmap_lock' | 'start' | 'clear' | 'end' | 'rmap_unlock' | 'free' | 'done';
  readonly page: number;
  readonly gather: readonly Gathered[];
}

/**
 * exit_mmap: mmu_notifier_release (itree release → end, hlist ->release, SRCU), then its release's
 * order (model/exit-mmap.ts, docs/kernel.md §3.2): the OOM reap, MMF_OOM_SKIP, the write-lock
 * cycle, unmap (v4.17–v6.0); unmap, MMF_OOM_SKIP, the cycle (v4.14); unmap under mmap_read_lock,
 * MMF_OOM_SKIP, free under mmap_write_lock (v6.1+).
 */
export interface ExitMmapThread extends ThreadBase {
  readonly kind: 'exit_mmap';
  readonly pc:
    | 'itree_release' | 'itree_end' | 'hlist_release' | 'unhash' | 'srcu'
    | 'oom_vma' | 'oom_unmap' | 'oom_end' | 'oom_tlb_finish' | 'oom_skip' | 'lock'
    | 'read_lock' | 'unmap_start' | 'unmap' | 'unmap_end' | 'read_unlock' | 'write_lock' | 'tlb_finish' | 'done';
  /** synchronize_srcu: the walks ('<thread>#<invalidation>') in flight when it was called. */
  readonly srcuReaders: readonly string[];
  readonly gather: readonly Gathered[];
  /** mn_hlist_release: the notifiers whose ->release is still to run. */
  readonly releasing: readonly string[];
  /** The exit-time __oom_reap_task_mm's VMA; on a named release, also unmap_vmas' (unmap_single_vma per VMA). */
  readonly vma: number;
}

/** A device fault handler or a driver ioctl: one driver program (docs/kernel.md §2.5). */
export interface DriverThread extends ThreadBase {
  readonly kind: 'fault' | 'ioctl';
  readonly target: string;
  readonly pc: 'call' | 'done';
  /** Collisions no invalidation explains (INV-14), up to the knob faultRetryBound. */
  readonly retries: number;
  /**
   * Spinning at its retry (at faultRetryBound): every further turn of its loop would collide
   * again, so the model takes them as one step that changes nothing, until an invalidation starts
   * or is in progress or what its check reads (its notifier's counters and interval seq) differs from this
   * (interpreter.ts spinResumes). Null: not spinning. docs/kernel.md §8 INV-14.
   */
  readonly spin: Readonly<Record<string, number>> | null;
}

/** mmu_notifier_register / mmu_interval_notifier_insert (docs/kernel.md §1.4, §1.5). */
export interface RegisterThread extends ThreadBase {
  readonly kind: 'register';
  readonly target: string;
  /** eintr: mm_take_all_locks returned -EINTR (an OOM victim's own registration, docs/kernel.md §3.4); mmap_write_unlock is next. */
  readonly pc: 'lock' | 'insert' | 'unlock' | 'eintr' | 'done';
}

/** mmu_notifier_unregister / mmu_interval_notifier_remove (docs/kernel.md §1.4, §1.5). */
export interface UnregisterThread extends ThreadBase {
  readonly kind: 'unregister';
  readonly target: string;
  readonly pc: 'release' | 'unlink' | 'srcu_wait' | 'seq_wait' | 'done';
  /** synchronize_srcu: the walks in flight when it was called. */
  readonly srcuReaders: readonly string[];
  /** mmu_interval_notifier_remove: the seq to wait past, or -1. */
  readonly waitSeq: number;
}

export type ThreadState = ReaperThread | MunmapThread | MadviseThread | ExitMmapThread | ReclaimThread | DriverThread | RegisterThread | UnregisterThread;

/** The threads that run invalidations, as callers of the core (docs/kernel.md §2.1). */
export type InvalidatingThread = ReaperThread | MunmapThread | MadviseThread | ExitMmapThread | ReclaimThread;

export interface ModelState {
  readonly mm: Mm;
  /** The hlist and the interval subscriptions, in walk order. */
  readonly subs: readonly Subscription[];
  readonly core: Core;
  /** Every lock by id: 'mmap_lock', '<notifier>.<lock>'. */
  readonly locks: Readonly<Record<string, Lock>>;
  readonly drivers: Readonly<Record<string, DriverState>>;
  readonly threads: readonly ThreadState[];
  readonly nextInvId: number;
  /**
   * lockdep's dependency graph over lock classes, as "from→to" edges (docs/kernel.md §8 INV-11):
   * driver locks as '<driver>:<lock>', plus 'mmap_lock' and the pseudo-locks 'fs_reclaim' and
   * 'notifier_map' (__mmu_notifier_invalidate_range_start_map).
   */
  readonly lockdep: readonly string[];
}

/** The static half of a run: scenario plus resolved strategy and drivers. */
export interface World {
  readonly scenario: Scenario;
  /** The switches of the scenario's kernel (model/kernel.ts). */
  readonly kernel: Kernel;
  readonly knobs: Knobs;
  readonly strategy: RollbackStrategy;
  /** Driver definition per notifier name. */
  readonly defs: Readonly<Record<string, DriverDef>>;
  readonly lockKinds: Readonly<Record<string, LockKind>>;
  /** An oom_reaper thread runs: this mm is the OOM victim, so memory is short until it is reaped. */
  readonly underOom: boolean;
  /** The programs each notifier runs, in the form the strategy gives it. */
  readonly ops: Readonly<Record<string, ResolvedOps>>;
  /** The frame each page mapped when the run began: the victim's memory (INV-9b). */
  readonly initialPte: readonly (number | null)[];
}

/** Programs by the op a Call names, so the interpreter looks them up directly. */
export interface ResolvedOps extends Readonly<Record<CallOp, Program | null>> {
  readonly form: NotifierForm;
  /** The interval ops are two-pass: `invalidate` is ->invalidate_start (v7.1, docs/kernel.md §2.6). */
  readonly twoPass: boolean;
}

export type NotifierForm = 'hlist' | 'interval' | 'both';
