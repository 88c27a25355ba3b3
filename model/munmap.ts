/**
 * munmap of VMA 0: a blocking invalidation under mmap_write_lock (docs/kernel.md §2.1):
 * mmap_write_lock → invalidate_range_start → unmap_page_range → invalidate_range_end → unlock.
 */
import type { CoreAction, InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type DriverInstrAction } from './interpreter.ts';
import { clearPtes } from './mm.ts';
import { finish, lockBusy, put, setLock, vmaRange } from './state.ts';
import type { Blocker } from './step.ts';
import type { ModelState, MunmapThread, World } from './types.ts';

export type MunmapAction =
  | { readonly type: 'mmap_write_lock'; readonly t: MunmapThread }
  | { readonly type: 'munmap_unmap_page_range'; readonly t: MunmapThread; readonly vma: number }
  | { readonly type: 'mmap_write_unlock'; readonly t: MunmapThread };

export const munmapAction = (world: World, s: ModelState, t: MunmapThread): MunmapAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, munmapCaller);
  switch (t.pc) {
    case 'lock':
      return { type: 'mmap_write_lock', t };
    case 'start':
      return { type: 'invalidate_range_start', t, k: munmapCaller, blockable: true, range: vmaRange(s, t.vma), release: false };
    case 'unmap':
      return { type: 'munmap_unmap_page_range', t, vma: t.vma };
    case 'end':
      return { type: 'invalidate_range_end', t, k: munmapCaller };
    case 'unlock':
      return { type: 'mmap_write_unlock', t };
    case 'done':
      return null;
  }
};

/** A blocking caller ignores start's result (it cannot fail) and unmaps. */
const munmapCaller: InvalidationCaller<MunmapThread> = {
  startReturned: (_world, s, t) => put(s, { ...t, pc: 'unmap' }),
  closed: (_world, s, t) => put(s, { ...t, pc: 'unlock' }),
};

export const mmapWriteLockBlocker = (s: ModelState): Blocker | null =>
  lockBusy(s.locks.mmap_lock, 'write') ? { on: 'lock', lock: 'mmap_lock', mode: 'write' } : null;

export const mmapWriteLock = (s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('mmap_write_lock(mm)');
  return put(setLock(s, 'mmap_lock', { writer: t.id, readers: [] }), { ...t, pc: 'start' });
};

/** unmap_page_range, and the VMA is gone (docs/kernel.md §3.2). */
export const munmapUnmapPageRange = (s: ModelState, t: MunmapThread, vma: number, fx: Effects): ModelState => {
  const s1 = clearPtes(s, t, s.mm.vmas[vma], 'unmap_page_range', fx);
  const vmas = s1.mm.vmas.map((x, k) => (k === vma ? { ...x, unmapped: true } : x));
  return put({ ...s1, mm: { ...s1.mm, vmas } }, { ...t, pc: 'end' });
};

export const mmapWriteUnlock = (s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('mmap_write_unlock');
  return put(setLock(s, 'mmap_lock', { writer: null, readers: s.locks.mmap_lock.readers }), finish(t));
};
