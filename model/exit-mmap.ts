/**
 * exit_mmap of the victim (≈v4.19–v5.x): mmu_notifier_release (mn_itree_release, then ->release
 * on every hlist notifier, unhash, synchronize_srcu); for an OOM victim __oom_reap_task_mm and
 * MMF_OOM_SKIP; mmap_write_lock/unlock so the reaper is out; unmap_vmas (docs/kernel.md §1.4, §3.2).
 *
 * Abstracts: exit's own __oom_reap_task_mm notifies no interval notifier (mn_itree_release has
 * just invalidated them all).
 */
import type { CoreAction, InvalidationCaller } from './core/invalidate.ts';
import { releaseMirror } from './core/registration.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type DriverInstrAction } from './interpreter.ts';
import { lockdepAcquire } from './lockdep.ts';
import { clearPtes, wholeMm } from './mm.ts';
import { mmapWriteLockBlocker } from './munmap.ts';
import { finish, put, setSkip, setSub, srcuPending, srcuReadersNow, subOf } from './state.ts';
import type { Blocker } from './step.ts';
import type { ExitMmapThread, ModelState, World } from './types.ts';

export type ExitPhase = 'hlist_release' | 'srcu' | 'oom_reap' | 'lock' | 'unmap';
export type ExitMmapAction = { readonly type: 'exit_mmap'; readonly t: ExitMmapThread; readonly phase: ExitPhase };

export const exitMmapAction = (world: World, s: ModelState, t: ExitMmapThread): ExitMmapAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, exitMmapCaller);
  switch (t.pc) {
    case 'itree_release': // mn_itree_release only when some interval notifier was ever inserted
      return s.core.hasItree
        ? { type: 'invalidate_range_start', t, k: exitMmapCaller, blockable: true, range: wholeMm(s), release: true }
        : { type: 'exit_mmap', t, phase: 'hlist_release' };
    case 'itree_end':
      return { type: 'invalidate_range_end', t, k: exitMmapCaller };
    case 'done':
      return null;
    default:
      return { type: 'exit_mmap', t, phase: t.pc };
  }
};

/** mn_itree_release: invalidate every interval notifier, then inv_end; then the hlist's ->release. */
const exitMmapCaller: InvalidationCaller<ExitMmapThread> = {
  startReturned: (_world, s, t) => put(s, { ...t, pc: 'itree_end' }),
  closed: (_world, s, t) => put(s, { ...t, pc: 'hlist_release' }),
};

export const exitMmapBlocker = (s: ModelState, a: ExitMmapAction): Blocker | null => {
  if (a.phase === 'lock') return mmapWriteLockBlocker(s);
  if (a.phase === 'srcu') {
    const readers = srcuPending(s, a.t.srcuReaders);
    return readers.length ? { on: 'srcu', readers } : null;
  }
  return null;
};

export const exitMmap = (world: World, s: ModelState, a: ExitMmapAction, fx: Effects): ModelState => {
  const { t } = a;
  switch (a.phase) {
    case 'hlist_release': {
      let s1 = s;
      for (const x of s.subs.filter((x) => x.registered && x.form === 'hlist')) {
        if (fx.record) fx.events.push(`${x.name}->release`);
        const r = releaseMirror(s1, x.name, fx);
        s1 = setSub(r, { ...subOf(r, x.name), registered: false });
      }
      return put(s1, { ...t, pc: 'srcu', srcuReaders: srcuReadersNow(s) });
    }
    case 'srcu':
      if (fx.record) fx.events.push('synchronize_srcu');
      return put(s, { ...t, pc: world.underOom ? 'oom_reap' : 'lock' });
    case 'oom_reap':
      return put(setSkip(clearPtes(s, t, wholeMm(s), '__oom_reap_task_mm', fx)), { ...t, pc: 'lock' });
    case 'lock':
      if (fx.record) fx.events.push('mmap_write_lock; mmap_write_unlock (the reaper is out)');
      return put(lockdepAcquire(world, s, t, 'mmap_lock', [], fx), { ...t, pc: 'unmap' });
    case 'unmap': {
      const s1 = clearPtes(s, t, wholeMm(s), 'unmap_vmas', fx);
      return put({ ...s1, mm: { ...s1.mm, vmas: s1.mm.vmas.map((v) => ({ ...v, unmapped: true })) } }, finish(t));
    }
  }
};

export const describeExitMmap = (a: ExitMmapAction): string => {
  switch (a.phase) {
    case 'hlist_release':
      return 'mmu_notifier_release: ->release, unhash all';
    case 'srcu':
      return 'synchronize_srcu';
    case 'oom_reap':
      return '__oom_reap_task_mm; set MMF_OOM_SKIP';
    case 'lock':
      return 'mmap_write_lock; mmap_write_unlock';
    case 'unmap':
      return 'unmap_vmas; free_pgtables';
  }
};
