/**
 * The OOM reaper, every era in this one file (docs/kernel.md §3.2, §3.3): oom_reap_task retries
 * oom_reap_task_mm up to MAX_OOM_REAP_RETRIES times, sleeping between attempts; each attempt
 * mmap_read_trylocks, then __oom_reap_task_mm unmaps the VMAs.
 *
 * The sleep between attempts (schedule_timeout_idle(HZ/10)) ends only once no other thread can
 * step but a fault spinning at its retry, which would spin through any sleep (interpreter.ts
 * idleSpinner): 100 ms is longer than any run of steps the model's other threads take without blocking,
 * so an attempt fails again only if the thread in the way is itself stuck (blocked), never
 * because the interleaving granularity let it hold mmap_lock for "one more step". It is the one
 * place where a thread that has not started matters to another (docs/kernel.md §1.6: a timer
 * step always enabled, as the kernel's is, multiplied the state space 10-100 times). For
 * fairness the sleep is a timer (engine/lasso.ts): a cycle the reaper sleeps through is unfair.
 * Abstracts: a thread preempted for 100 ms or more while runnable.
 */
import { callbackReturned, closeInvalidation, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from './interpreter.ts';
import { clearPtes, tlbFinishMmu } from './mm.ts';
import { downRead, finish, put, setSkip, upRead, vmaRange } from './state.ts';
import { trylockFails } from './rwsem.ts';
import type { ModelState, ReaperEra, ReaperThread, World } from './types.ts';

export const MAX_OOM_REAP_RETRIES = 10; // mm/oom_kill.c

/** What each era's reaper does (docs/kernel.md §3.3). */
const ERAS: Readonly<Record<ReaperEra, { readonly notifies: boolean; readonly skipsMmWithNotifiers: boolean; readonly gatherPerVma: boolean }>> = {
  // ≤ v4.13: plain unmap_page_range under one mmu_gather for the whole mm, no notifier told (OOM-4.13).
  'no-notify': { notifies: false, skipsMmWithNotifiers: false, gatherPerVma: false },
  // v4.14 (4d4bbd8526a8): an mmu_gather per VMA, no notifier; an mm with notifiers is skipped and declared reaped.
  'skip-if-notifiers': { notifies: false, skipsMmWithNotifiers: true, gatherPerVma: true },
  // v4.19+ (93065ac753e4): a non-blocking start/end around each VMA's unmap, each with its own mmu_gather.
  'nonblock-per-vma': { notifies: true, skipsMmWithNotifiers: false, gatherPerVma: true },
};

/** Whether the era's reaper tells secondary MMUs at all (≤ v4.14 does not: docs/kernel.md §3.3). */
export const reaperNotifies = (era: ReaperEra): boolean => ERAS[era].notifies;

/** The 2017 RFC read mm_has_notifiers() before taking mmap_lock (knob; Andrea: stable only under the lock, Seed2). */
const checksBeforeLock = (world: World): boolean => ERAS[world.scenario.reaper].skipsMmWithNotifiers && world.knobs.reaperChecksNotifiersBeforeLock;

export const reaperFirstPc = (world: World): ReaperThread['pc'] => (checksBeforeLock(world) ? 'check' : 'trylock');

/**
 * Where the reaper thread starts: on a release that signals the victim's tasks, with the OOM kill
 * itself (out_of_memory → __oom_kill_process: SIGKILL, mark_oom_victim, wake_oom_reaper; OOM-5.10),
 * a step of its own, so that what those tasks do before it is explored (docs/kernel.md §3.4).
 */
export const reaperInitialPc = (world: World): ReaperThread['pc'] => (world.kernel.victimSignalled ? 'oom_kill' : reaperFirstPc(world));

/** The OOM kill: from here on the victim's tasks have SIGKILL pending (state.ts fatalSignalPending reads the reaper's pc). */
export const oomKill = (world: World, s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('out_of_memory: __oom_kill_process: SIGKILL to the victim\'s tasks, mark_oom_victim, wake_oom_reaper');
  return put(s, { ...t, pc: reaperFirstPc(world) });
};

export type ReaperAction =
  | { readonly type: 'oom_kill'; readonly t: ReaperThread }
  | { readonly type: 'mm_has_notifiers'; readonly t: ReaperThread }
  | { readonly type: 'mmap_read_trylock'; readonly t: ReaperThread }
  | { readonly type: 'oom_reaper_skip'; readonly t: ReaperThread }
  | { readonly type: 'oom_unmap_page_range'; readonly t: ReaperThread; readonly vma: number }
  | { readonly type: 'oom_tlb_finish_mmu'; readonly t: ReaperThread }
  | { readonly type: 'mmap_read_unlock'; readonly t: ReaperThread }
  | { readonly type: 'schedule_timeout_idle'; readonly t: ReaperThread };

export const reaperAction = (world: World, s: ModelState, t: ReaperThread): ReaperAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, reaperReturn);
  switch (t.pc) {
    case 'oom_kill':
      return { type: 'oom_kill', t };
    case 'check':
      return { type: 'mm_has_notifiers', t };
    case 'trylock':
      return { type: 'mmap_read_trylock', t };
    case 'skip':
      return { type: 'oom_reaper_skip', t };
    case 'vma':
      return ERAS[world.scenario.reaper].notifies
        ? { type: 'invalidate_range_start', t, k: reaperCaller, blockable: false, range: vmaRange(s, t.vma), release: false }
        : { type: 'oom_unmap_page_range', t, vma: t.vma };
    case 'unmap':
      return { type: 'oom_unmap_page_range', t, vma: t.vma };
    case 'end':
      return { type: 'invalidate_range_end', t, k: reaperCaller };
    case 'tlb_finish':
      return { type: 'oom_tlb_finish_mmu', t };
    case 'unlock':
      return { type: 'mmap_read_unlock', t };
    case 'sleep':
      return { type: 'schedule_timeout_idle', t };
    case 'done':
      return null;
  }
};

/** __oom_reap_task_mm's VMA loop: the next VMA still mapped; after the last, the era's single tlb_finish_mmu or unlock. */
const nextVma = (world: World, s: ModelState, t: ReaperThread, from: number): ReaperThread => {
  const i = s.mm.vmas.findIndex((v, k) => k >= from && !v.unmapped);
  if (i >= 0) return { ...t, pc: 'vma', vma: i };
  return { ...t, pc: t.gather.length ? 'tlb_finish' : 'unlock' }; // the ≤ v4.13 single mmu_gather
};

/** The reaper as the core's caller: what it does when its non-blocking start returns. */
const reaperCaller: InvalidationCaller<ReaperThread> = {
  startReturned(world, s, t, ret, fx) {
    if (ret === 0) return put(s, { ...t, pc: 'unmap' });
    // __oom_reap_task_mm: tlb_finish_mmu (nothing gathered), ret = false, no end, next VMA — unless the strategy says otherwise (§5.1b).
    if (world.strategy.reaperAfterFailedStart() === 'end') return put(s, { ...t, pc: 'end', attemptOk: false });
    return closeInvalidation(world, s, { ...t, attemptOk: false }, reaperCaller, fx);
  },
  // After range_end: tlb_finish_mmu frees what this VMA's unmap gathered (pages go at tlb_finish: docs/kernel.md §3.2, §10 `tlb_finish_mmu`).
  closed: (world, s, t) => put(s, t.gather.length ? { ...t, pc: 'tlb_finish' } : nextVma(world, s, t, t.vma + 1)),
};
/** Its callbacks return into the core's walk for this caller. */
const reaperReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as ReaperThread, c, value, reaperCaller, fx) };

/** The 2017 RFC: mm_has_notifiers() read before the trylock, without the lock that makes it stable. */
export const mmHasNotifiers = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push(s.core.hasSubscriptions ? 'mm_has_notifiers: yes' : 'mm_has_notifiers: no');
  return put(s, { ...t, pc: s.core.hasSubscriptions ? 'skip' : 'trylock' });
};

/** oom_reap_task_mm: mmap_read_trylock, MMF_OOM_SKIP check, MMF_UNSTABLE (docs/kernel.md §3.2, §3.3). */
export const mmapReadTrylock = (world: World, s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  // A queued writer makes down_read_trylock fail even when only readers hold the lock (rwsem, §1.1).
  if (trylockFails(world, s, 'mmap_lock', 'read', t.id)) {
    if (fx.record) fx.events.push(s.locks.mmap_lock.writer === null ? 'mmap_read_trylock failed (a writer is queued)' : 'mmap_read_trylock failed');
    return failedAttempt(s, t, fx);
  }
  const s2 = downRead(s, 'mmap_lock', t.id);
  // v4.14 as merged: mm_has_notifiers() once mmap_lock is read-held (Andrea's placement, Seed2).
  if (ERAS[world.scenario.reaper].skipsMmWithNotifiers && !checksBeforeLock(world) && s.core.hasSubscriptions) {
    if (fx.record) fx.events.push('mmap_read_trylock ok');
    return put(s2, { ...t, pc: 'skip' });
  }
  if (s.mm.MMF_OOM_SKIP) {
    if (fx.record) fx.events.push('mmap_read_trylock ok; MMF_OOM_SKIP already set');
    return put(s2, { ...t, pc: 'unlock' });
  }
  if (fx.record) fx.events.push('mmap_read_trylock ok; set MMF_UNSTABLE');
  const s3: ModelState = { ...s2, mm: { ...s2.mm, MMF_UNSTABLE: true } };
  return put(s3, nextVma(world, s3, { ...t, attemptOk: true }, 0));
};

/** oom_reap_task: one attempt failed; sleep and retry, up to MAX_OOM_REAP_RETRIES, then MMF_OOM_SKIP. */
const failedAttempt = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  const attempts = t.attempts + 1;
  if (attempts >= MAX_OOM_REAP_RETRIES) {
    if (fx.record) fx.events.push(`oom_reaper: unable to reap after ${attempts} attempts; set MMF_OOM_SKIP`);
    return put(setSkip(s), finish({ ...t, attempts }, 'unable_to_reap'));
  }
  return put(s, { ...t, attempts, pc: 'sleep' });
};

/** schedule_timeout_idle(HZ/10) between attempts (enabled only once the others are stuck or done: see the header). */
export const scheduleTimeoutIdle = (world: World, s: ModelState, t: ReaperThread): ModelState => put(s, { ...t, pc: reaperFirstPc(world), attemptOk: true });

/** unmap_page_range of one VMA: PTEs cleared, frames gathered (docs/kernel.md §3.2). */
export const oomUnmapPageRange = (world: World, s: ModelState, t: ReaperThread, vma: number, fx: Effects): ModelState => {
  const r = clearPtes(s, t, s.mm.vmas[vma], 'unmap_page_range', fx);
  const era = ERAS[world.scenario.reaper];
  return put(r.s, era.notifies ? { ...r.t, pc: 'end' } : era.gatherPerVma ? { ...r.t, pc: 'tlb_finish' } : nextVma(world, r.s, r.t, vma + 1));
};

/** tlb_finish_mmu: the gathered frames are freed. */
export const oomTlbFinishMmu = (world: World, s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  const r = tlbFinishMmu(world, s, t, fx);
  return put(r.s, ERAS[world.scenario.reaper].gatherPerVma ? nextVma(world, r.s, r.t, t.vma + 1) : { ...r.t, pc: 'unlock' });
};

/** mmap_read_unlock at the end of an attempt (docs/kernel.md §3.2). */
export const mmapReadUnlock = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  const s2 = upRead(s, 'mmap_lock', t.id);
  if (t.attemptOk) {
    if (fx.record) fx.events.push(s.mm.MMF_OOM_SKIP ? 'mmap_read_unlock' : 'mmap_read_unlock; reaped; set MMF_OOM_SKIP');
    return put(setSkip(s2), finish(t, s.mm.MMF_OOM_SKIP ? 'finished' : 'reaped'));
  }
  if (fx.record) fx.events.push('mmap_read_unlock; attempt failed');
  return failedAttempt(s2, t, fx);
};

/** v4.14 (4d4bbd8526a8): an mm with notifiers is skipped and declared done (docs/kernel.md §3.3). */
export const oomReaperSkip = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  fx.facts.push({ fact: 'mm_skipped', thread: t.id });
  if (fx.record) fx.events.push('mm_has_notifiers: skip; schedule_timeout_idle(HZ); set MMF_OOM_SKIP');
  const s2 = upRead(s, 'mmap_lock', t.id);
  return put(setSkip(s2), finish(t, 'reaped'));
};
