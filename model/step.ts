/**
 * One atomic step of one thread: `step(world, state, threadId)`, pure and total (docs/design.md §3.2).
 *
 * Each thread kind's module reads what its thread does next off its program counter
 * (`nextAction`); each action's guard (why it cannot run now) and update live beside it in that
 * module. This file only dispatches: `UPDATE`, a table with one entry per action type (the
 * compiler rejects a missing one; chosen over a ts-pattern chain, which cost a third of the
 * random search's time on the hot path), and the labels, one exhaustive ts-pattern match.
 */
import { match } from 'ts-pattern';
import { describeStart, invalidateRangeEnd, invalidateRangeStart, type CoreAction } from './core/invalidate.ts';
import { itreeLockBlocker } from './core/itree.ts';
import { describeRegistration, register, registerAction, registrationBlocker, unregister, unregisterAction, type RegistrationAction } from './core/registration.ts';
import { describeExitMmap, exitMmap, exitMmapAction, exitMmapBlocker, mmUsersBlocker, type ExitMmapAction } from './exit-mmap.ts';
import { noEffects, type Effects } from './facts.ts';
import { describeInstr, driverInstr, opName, driverInstrAction, driverInstrBlocker, idleSpinner, type DriverInstrAction } from './interpreter.ts';
import { madviseAction, madviseReadLock, madviseReadUnlock, madviseTlbFinishMmu, mmapReadLockBlocker, zapPageRange, type MadviseAction } from './madvise.ts';
import {
  describeMunmapUnlock, mmapWriteDowngrade, mmapWriteLock, mmapWriteLockBlocker, mmapWriteLockKillableEintr, munmapAction, munmapTlbFinishMmu, munmapUnlock, munmapUnmapPageRange,
  type MunmapAction,
} from './munmap.ts';
import {
  mmapReadTrylock, mmapReadUnlock, mmHasNotifiers, oomKill, oomReaperSkip, oomTlbFinishMmu, oomUnmapPageRange, reaperAction, scheduleTimeoutIdle, type ReaperAction,
} from './reaper.ts';
import { ptepClearFlush, reclaimAction, reclaimBlocker, rmapLockRead, rmapUnlockRead, shrinkPageListFree, type ReclaimAction } from './reclaim.ts';
import { dequeueWriter, queuesFor, queueWriter, type Blocker } from './rwsem.ts';
import { threadById } from './state.ts';
import type { ModelState, ThreadState, World } from './types.ts';

export type Action = DriverInstrAction | CoreAction | ReaperAction | MunmapAction | MadviseAction | ExitMmapAction | ReclaimAction | RegistrationAction;

export type { Blocker } from './rwsem.ts';

export interface Stepped extends Effects {
  readonly tag: 'stepped';
  readonly state: ModelState;
  readonly thread: string;
  readonly label: string;
}

/** `stepped` with the new state; `blocked` with what the thread waits for; `finished` when it has nothing left to do. */
export type StepResult = Stepped | { readonly tag: 'blocked'; readonly thread: string; readonly blocker: Blocker } | { readonly tag: 'finished'; readonly thread: string };

/** The thread's next action; null once it is done. */
export const nextAction = (world: World, s: ModelState, t: ThreadState): Action | null => {
  if (t.done) return null;
  switch (t.kind) {
    case 'oom_reaper':
      return reaperAction(world, s, t);
    case 'munmap':
      return munmapAction(world, s, t);
    case 'madvise':
      return madviseAction(world, s, t);
    case 'exit_mmap':
      return exitMmapAction(world, s, t);
    case 'reclaim':
      return reclaimAction(world, s, t);
    case 'fault':
    case 'ioctl': // a device fault or an ioctl is one driver program; no invalidation caller
      return t.call ? driverInstrAction(world, t, t.call, null) : null;
    case 'register':
      return registerAction(world, s, t);
    case 'unregister':
      return unregisterAction(world, s, t);
  }
};

/** The guard of an action: why it cannot run now, or null. */
const guard = (world: World, s: ModelState, a: Action): Blocker | null => {
  // exit_mmap's first action is a core one (mn_itree_release) or its own: the wait for mm_users covers both.
  if (a.t.kind === 'exit_mmap') {
    const users = mmUsersBlocker(s, a.t);
    if (users !== null) return users;
  }
  switch (a.type) {
    case 'driver_instr':
      return driverInstrBlocker(world, s, a);
    case 'mmap_write_lock':
      return mmapWriteLockBlocker(world, s, a.t.id);
    case 'rmap_lock_read':
      return reclaimBlocker(world, s, a.t);
    case 'madvise_mmap_read_lock':
      return mmapReadLockBlocker(world, s, a.t.id);
    case 'exit_mmap':
      return exitMmapBlocker(world, s, a);
    case 'mmu_notifier_register':
    case 'mmu_notifier_unregister':
      return registrationBlocker(world, s, a);
    // HZ/10 outlasts any run of steps of a runnable thread (reaper.ts; the exception of docs/kernel.md §1.6),
    // but not a fault spinning at its retry, which would spin forever (interpreter.ts idleSpinner).
    case 'schedule_timeout_idle':
      return s.threads.some((x) => x.id !== a.t.id && isEnabled(world, s, x) && !idleSpinner(world, s, x)) ? { on: 'timeout' } : null;
    // mn_itree_inv_start_range and mn_itree_inv_end take subscriptions->lock (named releases: model/kernel.ts).
    case 'invalidate_range_start':
    case 'invalidate_range_end':
      return s.core.hasItree ? itreeLockBlocker(world, s, a.t.id) : null;
    case 'oom_kill':
    case 'mm_has_notifiers':
    case 'mmap_read_trylock':
    case 'mmap_write_lock_killable_eintr':
    case 'oom_reaper_skip':
    case 'oom_unmap_page_range':
    case 'oom_tlb_finish_mmu':
    case 'mmap_read_unlock':
    case 'mmap_write_downgrade':
    case 'munmap_unmap_page_range':
    case 'munmap_tlb_finish_mmu':
    case 'munmap_unlock':
    case 'zap_page_range':
    case 'madvise_tlb_finish_mmu':
    case 'madvise_mmap_read_unlock':
    case 'rmap_unlock_read':
    case 'ptep_clear_flush':
    case 'shrink_page_list_free':
      return null;
  }
};

/**
 * What the thread's next action waits for, or null: also for a contended rwsem down_write it has
 * not queued for yet, whose next step is to queue (the thread is going to sleep).
 */
export const waitOf = (world: World, s: ModelState, t: ThreadState): Blocker | null => {
  const a = nextAction(world, s, t);
  return a === null ? null : guard(world, s, a);
};

/** Why a thread cannot step now, or null when it can (or is done). */
export const blocker = (world: World, s: ModelState, t: ThreadState): Blocker | null => {
  const b = waitOf(world, s, t);
  return b !== null && queuesFor(world, s, b, t.id) ? null : b;
};

export const isEnabled = (world: World, s: ModelState, t: ThreadState): boolean => !t.done && blocker(world, s, t) === null;

export const enabledThreads = (world: World, s: ModelState): string[] => s.threads.filter((t) => isEnabled(world, s, t)).map((t) => t.id);

/** Step one thread. `record`: build the printable events (the facts the invariants judge are always built). */
export const step = (world: World, s: ModelState, threadId: string, record = true): StepResult => {
  const t = threadById(s, threadId);
  const a = t ? nextAction(world, s, t) : null;
  if (a === null) return { tag: 'finished', thread: threadId };
  const b = guard(world, s, a);
  if (b !== null) {
    // A contended down_write: first the writer joins the wait list (model/rwsem.ts), then it waits.
    if (b.on === 'lock' && queuesFor(world, s, b, threadId)) return new SteppedResult(queueWriter(s, b.lock, threadId), threadId, noEffects(record), world, s, a, b.lock);
    return { tag: 'blocked', thread: threadId, blocker: b };
  }
  const fx = noEffects(record);
  const next = UPDATE[a.type](world, s, a as never, fx);
  return new SteppedResult(dequeueWriter(next, threadId), threadId, fx, world, s, a);
};

/** A thread asleep on a timer: blocked now, but its timer fires whatever else runs, so fairness counts it as enabled (engine/lasso.ts). */
export const timerPending = (world: World, s: ModelState, t: ThreadState): boolean => blocker(world, s, t)?.on === 'timeout';


/** A step's result; its label is formatted only when asked for: searching runs never print it. */
class SteppedResult implements Stepped {
  readonly tag = 'stepped';
  readonly record: boolean;
  readonly events: string[];
  readonly facts: Effects['facts'];
  readonly diagnostics: Effects['diagnostics'];
  constructor(
    readonly state: ModelState,
    readonly thread: string,
    fx: Effects,
    private readonly world: World,
    private readonly before: ModelState,
    readonly action: Action,
    /** The lock whose wait list this step joined (rwsem_down_write_slowpath), or null for the action itself. */
    readonly queuedOn: string | null = null,
  ) {
    this.record = fx.record;
    this.events = fx.events;
    this.facts = fx.facts;
    this.diagnostics = fx.diagnostics;
  }
  get label(): string {
    const what = describe(this.world, this.before, this.action);
    if (this.queuedOn === null) return what;
    const l = this.before.locks[this.queuedOn];
    const by = l.writer ?? l.readers[0] ?? l.waiters[0];
    return `${what}: waits (queued for write${by ? `, ${by} ${l.writer ? 'holds it' : l.readers.length ? 'holds it for read' : 'queued first'}` : ''})`;
  }
}

/** The action a step took (null for a step not made by `step`), so its footprint need not look it up again. */
export const actionOf = (r: Stepped): Action | null => (r instanceof SteppedResult ? r.action : null);

export type Updates = { readonly [K in Action['type']]: (world: World, s: ModelState, a: Extract<Action, { type: K }>, fx: Effects) => ModelState };

/** Each action's update, by type: the compiler rejects a table that misses one (exhaustive, no catch-all). */
const UPDATE: Updates = {
  driver_instr: (world, s, a, fx) => driverInstr(world, s, a, fx),
  invalidate_range_start: (world, s, a, fx) => invalidateRangeStart(world, s, a.t, a, a.k, fx),
  invalidate_range_end: (world, s, a, fx) => invalidateRangeEnd(world, s, a.t, a.k, fx),
  oom_kill: (world, s, a, fx) => oomKill(world, s, a.t, fx),
  mm_has_notifiers: (_world, s, a, fx) => mmHasNotifiers(s, a.t, fx),
  mmap_read_trylock: (world, s, a, fx) => mmapReadTrylock(world, s, a.t, fx),
  oom_reaper_skip: (_world, s, a, fx) => oomReaperSkip(s, a.t, fx),
  oom_unmap_page_range: (world, s, a, fx) => oomUnmapPageRange(world, s, a.t, a.vma, fx),
  oom_tlb_finish_mmu: (world, s, a, fx) => oomTlbFinishMmu(world, s, a.t, fx),
  mmap_read_unlock: (_world, s, a, fx) => mmapReadUnlock(s, a.t, fx),
  schedule_timeout_idle: (world, s, a) => scheduleTimeoutIdle(world, s, a.t),
  mmap_write_lock: (world, s, a, fx) => mmapWriteLock(world, s, a.t, fx),
  mmap_write_lock_killable_eintr: (_world, s, a, fx) => mmapWriteLockKillableEintr(s, a.t, fx),
  mmap_write_downgrade: (_world, s, a, fx) => mmapWriteDowngrade(s, a.t, fx),
  munmap_unmap_page_range: (_world, s, a, fx) => munmapUnmapPageRange(s, a.t, a.vma, fx),
  munmap_tlb_finish_mmu: (world, s, a, fx) => munmapTlbFinishMmu(world, s, a.t, fx),
  munmap_unlock: (_world, s, a, fx) => munmapUnlock(s, a.t, fx),
  madvise_mmap_read_lock: (_world, s, a, fx) => madviseReadLock(s, a.t, fx),
  zap_page_range: (_world, s, a, fx) => zapPageRange(s, a.t, a.vma, fx),
  madvise_tlb_finish_mmu: (world, s, a, fx) => madviseTlbFinishMmu(world, s, a.t, fx),
  madvise_mmap_read_unlock: (_world, s, a, fx) => madviseReadUnlock(s, a.t, fx),
  exit_mmap: (world, s, a, fx) => exitMmap(world, s, a, fx),
  rmap_lock_read: (_world, s, a, fx) => rmapLockRead(s, a.t, fx),
  rmap_unlock_read: (_world, s, a, fx) => rmapUnlockRead(s, a.t, fx),
  ptep_clear_flush: (_world, s, a, fx) => ptepClearFlush(s, a.t, fx),
  shrink_page_list_free: (world, s, a, fx) => shrinkPageListFree(world, s, a.t, fx),
  mmu_notifier_register: (world, s, a, fx) => register(world, s, a.t, a.phase, fx),
  mmu_notifier_unregister: (world, s, a, fx) => unregister(world, s, a.t, a.phase, fx),
};

/** The action as a trace line: kernel function names. */
export const describe = (world: World, s: ModelState, a: Action): string =>
  match(a)
    .with({ type: 'driver_instr' }, (a) => `${a.call.sub}.${opName(world, a.call)}: ${describeInstr(a.call, a.instr)}`)
    .with({ type: 'invalidate_range_start' }, (a) => describeStart(a))
    .with({ type: 'invalidate_range_end' }, () => 'invalidate_range_end')
    .with({ type: 'oom_kill' }, () => 'oom_kill_process')
    .with({ type: 'mm_has_notifiers' }, () => 'mm_has_notifiers (before mmap_read_trylock)')
    .with({ type: 'mmap_read_trylock' }, () => 'mmap_read_trylock')
    .with({ type: 'oom_reaper_skip' }, () => 'oom_reaper: skip mm with notifiers')
    .with({ type: 'oom_unmap_page_range' }, { type: 'munmap_unmap_page_range' }, (a) => `unmap_page_range vma ${a.vma}`)
    .with({ type: 'zap_page_range' }, (a) => `zap_page_range vma ${a.vma}`)
    .with({ type: 'oom_tlb_finish_mmu' }, { type: 'munmap_tlb_finish_mmu' }, { type: 'madvise_tlb_finish_mmu' }, () => 'tlb_finish_mmu')
    .with({ type: 'mmap_read_unlock' }, { type: 'madvise_mmap_read_unlock' }, () => 'mmap_read_unlock')
    .with({ type: 'schedule_timeout_idle' }, () => 'schedule_timeout_idle(HZ/10)')
    .with({ type: 'mmap_write_lock' }, () => 'mmap_write_lock')
    .with({ type: 'mmap_write_lock_killable_eintr' }, () => 'mmap_write_lock_killable: -EINTR')
    .with({ type: 'mmap_write_downgrade' }, () => 'mmap_write_downgrade')
    .with({ type: 'munmap_unlock' }, (a) => describeMunmapUnlock(s, a.t))
    .with({ type: 'madvise_mmap_read_lock' }, () => 'mmap_read_lock')
    .with({ type: 'exit_mmap' }, (a) => describeExitMmap(a))
    .with({ type: 'rmap_lock_read' }, () => 'rmap_walk: anon_vma_lock_read')
    .with({ type: 'rmap_unlock_read' }, () => 'anon_vma_unlock_read')
    .with({ type: 'ptep_clear_flush' }, (a) => `try_to_unmap_one: ptep_clear_flush page ${a.t.page}`)
    .with({ type: 'shrink_page_list_free' }, () => 'shrink_page_list: free the page')
    .with({ type: 'mmu_notifier_register' }, { type: 'mmu_notifier_unregister' }, (a) => describeRegistration(world, a))
    .exhaustive();
