/**
 * The OOM reaper, every era in this one file (docs/kernel.md §3.2, §3.3): oom_reap_task retries
 * oom_reap_task_mm up to MAX_OOM_REAP_RETRIES times; each attempt mmap_read_trylocks, then
 * __oom_reap_task_mm walks the VMAs with a non-blocking invalidation around each unmap.
 *
 * Abstracts: the sleep between attempts (any interleaving may happen there); TLB gathering.
 */
import { closeInvalidation, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type DriverInstrAction } from './interpreter.ts';
import { clearPtes } from './mm.ts';
import { finish, lockBusy, put, setLock, setSkip, vmaRange } from './state.ts';
import type { ModelState, ReaperEra, ReaperThread, World } from './types.ts';

export const MAX_OOM_REAP_RETRIES = 10; // mm/oom_kill.c

/** What each era's reaper does (docs/kernel.md §3.3). */
const ERAS: Readonly<Record<ReaperEra, { readonly notifies: boolean; readonly skipsMmWithNotifiers: boolean }>> = {
  'no-notify': { notifies: false, skipsMmWithNotifiers: false }, // ≤ v4.13: unmaps without telling secondary MMUs
  'skip-if-notifiers': { notifies: true, skipsMmWithNotifiers: true }, // v4.14 (4d4bbd8526a8)
  'nonblock-per-vma': { notifies: true, skipsMmWithNotifiers: false }, // v4.19+ (93065ac753e4)
};

export type ReaperAction =
  | { readonly type: 'mmap_read_trylock'; readonly t: ReaperThread }
  | { readonly type: 'oom_reaper_skip'; readonly t: ReaperThread }
  | { readonly type: 'oom_unmap_page_range'; readonly t: ReaperThread; readonly vma: number }
  | { readonly type: 'mmap_read_unlock'; readonly t: ReaperThread };

export const reaperAction = (world: World, s: ModelState, t: ReaperThread): ReaperAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, reaperCaller);
  const era = ERAS[world.scenario.reaper];
  switch (t.pc) {
    case 'trylock':
      // The 2017 RFC read mm_has_notifiers() before taking the lock (knob, docs/kernel.md §3.3).
      return era.skipsMmWithNotifiers && world.knobs.reaperChecksNotifiersBeforeLock && s.core.hasSubscriptions ? { type: 'oom_reaper_skip', t } : { type: 'mmap_read_trylock', t };
    case 'skip':
      return { type: 'oom_reaper_skip', t };
    case 'vma':
      return era.notifies
        ? { type: 'invalidate_range_start', t, k: reaperCaller, blockable: false, range: vmaRange(s, t.vma), release: false }
        : { type: 'oom_unmap_page_range', t, vma: t.vma };
    case 'unmap':
      return { type: 'oom_unmap_page_range', t, vma: t.vma };
    case 'end':
      return { type: 'invalidate_range_end', t, k: reaperCaller };
    case 'unlock':
      return { type: 'mmap_read_unlock', t };
    case 'done':
      return null;
  }
};

/** __oom_reap_task_mm's VMA loop: the next VMA still mapped, else unlock (docs/kernel.md §3.2). */
const nextVma = (s: ModelState, t: ReaperThread, from: number): ReaperThread => {
  const i = s.mm.vmas.findIndex((v, k) => k >= from && !v.unmapped);
  return i < 0 ? { ...t, pc: 'unlock' } : { ...t, pc: 'vma', vma: i };
};

/** The reaper as the core's caller: what it does when its non-blocking start returns. */
const reaperCaller: InvalidationCaller<ReaperThread> = {
  startReturned(world, s, t, ret, fx) {
    if (ret === 0) return put(s, { ...t, pc: 'unmap' });
    // __oom_reap_task_mm: skip this VMA, ret = false, and no end (unless the strategy says otherwise, §5.1b).
    if (world.strategy.reaperAfterFailedStart() === 'end') return put(s, { ...t, pc: 'end', attemptOk: false });
    return closeInvalidation(world, s, { ...t, attemptOk: false }, reaperCaller, fx);
  },
  closed: (_world, s, t) => put(s, nextVma(s, t, t.vma + 1)),
};

/** oom_reap_task_mm: mmap_read_trylock, MMF_OOM_SKIP check, MMF_UNSTABLE (docs/kernel.md §3.2, §3.3). */
export const mmapReadTrylock = (world: World, s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  if (lockBusy(s.locks.mmap_lock, 'read')) {
    if (fx.record) fx.events.push('mmap_read_trylock failed');
    return failedAttempt(s, t, fx);
  }
  const s2 = setLock(s, 'mmap_lock', { writer: null, readers: [...s.locks.mmap_lock.readers, t.id] });
  // v4.14: mm_has_notifiers() once mmap_lock is read-held (Andrea's placement, Seed2), before
  // the MMF_OOM_SKIP test and before MMF_UNSTABLE is set.
  if (ERAS[world.scenario.reaper].skipsMmWithNotifiers && s.core.hasSubscriptions) {
    if (fx.record) fx.events.push('mmap_read_trylock ok');
    return put(s2, { ...t, pc: 'skip' });
  }
  if (s.mm.MMF_OOM_SKIP) {
    if (fx.record) fx.events.push('mmap_read_trylock ok; MMF_OOM_SKIP already set');
    return put(s2, { ...t, pc: 'unlock' });
  }
  if (fx.record) fx.events.push('mmap_read_trylock ok; set MMF_UNSTABLE');
  const s3: ModelState = { ...s2, mm: { ...s2.mm, MMF_UNSTABLE: true } };
  return put(s3, nextVma(s3, { ...t, attemptOk: true }, 0));
};

/** oom_reap_task: one attempt failed; retry up to MAX_OOM_REAP_RETRIES, then MMF_OOM_SKIP. */
const failedAttempt = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  const attempts = t.attempts + 1;
  if (attempts >= MAX_OOM_REAP_RETRIES) {
    if (fx.record) fx.events.push(`oom_reaper: unable to reap after ${attempts} attempts; set MMF_OOM_SKIP`);
    return put(setSkip(s), finish({ ...t, attempts }, 'unable_to_reap'));
  }
  return put(s, { ...t, attempts, pc: 'trylock', attemptOk: true });
};

/** unmap_page_range of one VMA (docs/kernel.md §3.2); the ≤ v4.13 reaper goes straight to the next VMA. */
export const oomUnmapPageRange = (world: World, s: ModelState, t: ReaperThread, vma: number, fx: Effects): ModelState => {
  const s1 = clearPtes(s, t, s.mm.vmas[vma], 'unmap_page_range', fx);
  return put(s1, ERAS[world.scenario.reaper].notifies ? { ...t, pc: 'end' } : nextVma(s1, t, vma + 1));
};

/** mmap_read_unlock at the end of an attempt (docs/kernel.md §3.2). */
export const mmapReadUnlock = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  const l = s.locks.mmap_lock;
  const at = l.readers.indexOf(t.id);
  const s2 = setLock(s, 'mmap_lock', { writer: l.writer, readers: l.readers.filter((_, k) => k !== at) });
  if (t.attemptOk) {
    if (fx.record) fx.events.push(s.mm.MMF_OOM_SKIP ? 'mmap_read_unlock' : 'mmap_read_unlock; reaped; set MMF_OOM_SKIP');
    return put(setSkip(s2), finish(t, s.mm.MMF_OOM_SKIP ? 'finished' : 'reaped'));
  }
  if (fx.record) fx.events.push('mmap_read_unlock; attempt failed');
  return failedAttempt(s2, t, fx);
};

/** v4.14 (4d4bbd8526a8): an mm with notifiers is skipped and declared done (docs/kernel.md §3.3). */
export const oomReaperSkip = (s: ModelState, t: ReaperThread, fx: Effects): ModelState => {
  const l = s.locks.mmap_lock;
  if (fx.record) fx.events.push('mm_has_notifiers: skip; schedule_timeout_idle(HZ); set MMF_OOM_SKIP');
  const s2 = l.readers.includes(t.id) ? setLock(s, 'mmap_lock', { writer: l.writer, readers: l.readers.filter((r) => r !== t.id) }) : s;
  return put(setSkip(s2), finish(t, 'reaped'));
};
