/**
 * munmap of VMA 0 (docs/kernel.md §2.1, §10 `__do_munmap`): mmap_write_lock and detach the VMA (the reaper no
 * longer sees it); from v4.20 (dd2283f2605e) mmap_write_downgrade, so the unmap runs under the
 * read lock and can overlap the OOM reaper; then a blocking invalidation around
 * unmap_page_range, tlb_finish_mmu (the frames are freed), unlock. The v4.20 downgrade is
 * modelled with the v4.19+ reaper era; older eras keep the write lock throughout.
 */
import { callbackReturned, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from './interpreter.ts';
import { clearPtes, tlbFinishMmu } from './mm.ts';
import { downRead, fatalSignalPending, finish, put, upRead, vmaRange } from './state.ts';
import { downWrite, upWrite, writeLockBlocker, type Blocker } from './rwsem.ts';
import type { ModelState, MunmapThread, World } from './types.ts';

export type MunmapAction =
  | { readonly type: 'mmap_write_lock'; readonly t: MunmapThread }
  | { readonly type: 'mmap_write_lock_killable_eintr'; readonly t: MunmapThread }
  | { readonly type: 'mmap_write_downgrade'; readonly t: MunmapThread }
  | { readonly type: 'munmap_unmap_page_range'; readonly t: MunmapThread; readonly vma: number }
  | { readonly type: 'munmap_tlb_finish_mmu'; readonly t: MunmapThread }
  | { readonly type: 'munmap_unlock'; readonly t: MunmapThread };

const downgrades = (world: World): boolean => world.kernel.munmapDowngrades;

export const munmapAction = (world: World, s: ModelState, t: MunmapThread): MunmapAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, munmapReturn);
  switch (t.pc) {
    case 'lock':
      // __vm_munmap's mmap_write_lock_killable: rwsem_down_write_slowpath tries the lock once as it
      // joins the wait list, then tests signal_pending_state before it sleeps: a writer with SIGKILL
      // pending that had to join leaves with -EINTR, whether or not the lock was freed since (§3.4).
      if (fatalSignalPending(world, s, t) && s.locks.mmap_lock.waiters.includes(t.id)) return { type: 'mmap_write_lock_killable_eintr', t };
      return { type: 'mmap_write_lock', t };
    case 'downgrade':
      return { type: 'mmap_write_downgrade', t };
    case 'start':
      return { type: 'invalidate_range_start', t, k: munmapCaller, blockable: true, range: vmaRange(s, t.vma), release: false };
    case 'unmap':
      return { type: 'munmap_unmap_page_range', t, vma: t.vma };
    case 'end':
      return { type: 'invalidate_range_end', t, k: munmapCaller };
    case 'tlb_finish':
      return { type: 'munmap_tlb_finish_mmu', t };
    case 'unlock':
      return { type: 'munmap_unlock', t };
    case 'done':
      return null;
  }
};

/** A blocking caller ignores start's result (it cannot fail) and unmaps. */
const munmapCaller: InvalidationCaller<MunmapThread> = {
  startReturned: (_world, s, t) => put(s, { ...t, pc: 'unmap' }),
  closed: (_world, s, t) => put(s, { ...t, pc: 'tlb_finish' }),
};
/** Its callbacks return into the core's walk for this caller. */
const munmapReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as MunmapThread, c, value, munmapCaller, fx) };

export const mmapWriteLockBlocker = (world: World, s: ModelState, self: string): Blocker | null => writeLockBlocker(world, s, 'mmap_lock', self);

/** mmap_write_lock, then detach_vmas_to_be_unmapped: the VMA leaves the mm's list. */
export const mmapWriteLock = (world: World, s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push(`mmap_write_lock(mm); detach vma ${t.vma}`);
  const vmas = s.mm.vmas.map((x, k) => (k === t.vma ? { ...x, unmapped: true } : x));
  return put({ ...downWrite(s, 'mmap_lock', t.id), mm: { ...s.mm, vmas } }, { ...t, pc: downgrades(world) ? 'downgrade' : 'start' });
};

/** out_nolock: off the wait list (step.ts dequeues it), munmap returns -EINTR with nothing unmapped. */
export const mmapWriteLockKillableEintr = (s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('mmap_write_lock_killable: fatal signal pending, -EINTR');
  return put(s, finish(t));
};

/** mmap_write_downgrade: readers (the OOM reaper, faults) may come in while munmap unmaps. */
export const mmapWriteDowngrade = (s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('mmap_write_downgrade');
  return put(downRead(upWrite(s, 'mmap_lock'), 'mmap_lock', t.id), { ...t, pc: 'start' });
};

export const munmapUnmapPageRange = (s: ModelState, t: MunmapThread, vma: number, fx: Effects): ModelState => {
  const r = clearPtes(s, t, s.mm.vmas[vma], 'unmap_page_range', fx);
  return put(r.s, { ...r.t, pc: 'end' });
};

export const munmapTlbFinishMmu = (world: World, s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  const r = tlbFinishMmu(world, s, t, fx);
  return put(r.s, { ...r.t, pc: 'unlock' });
};

/** mmap_read_unlock after a downgrade, mmap_write_unlock without one. */
export const munmapUnlock = (s: ModelState, t: MunmapThread, fx: Effects): ModelState => {
  const l = s.locks.mmap_lock;
  const read = l.readers.includes(t.id);
  if (fx.record) fx.events.push(read ? 'mmap_read_unlock' : 'mmap_write_unlock');
  return put(read ? upRead(s, 'mmap_lock', t.id) : upWrite(s, 'mmap_lock'), finish(t));
};

export const describeMunmapUnlock = (s: ModelState, t: MunmapThread): string => (s.locks.mmap_lock.readers.includes(t.id) ? 'mmap_read_unlock' : 'mmap_write_unlock');
