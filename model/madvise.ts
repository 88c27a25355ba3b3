/**
 * madvise(MADV_DONTNEED) of the last VMA: zap_page_range under mmap_read_lock, a blocking
 * invalidation (MMU_NOTIFY_CLEAR) around the zap, tlb_finish_mmu (docs/kernel.md §2.1, §10 madvise). It holds
 * the lock only for read, so it overlaps the OOM reaper and faults.
 */
import { callbackReturned, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from './interpreter.ts';
import { clearPtes, tlbFinishMmu } from './mm.ts';
import { downRead, finish, put, upRead, vmaRange } from './state.ts';
import { readLockBlocker, type Blocker } from './rwsem.ts';
import type { MadviseThread, ModelState, World } from './types.ts';

export type MadviseAction =
  | { readonly type: 'madvise_mmap_read_lock'; readonly t: MadviseThread }
  | { readonly type: 'zap_page_range'; readonly t: MadviseThread; readonly vma: number }
  | { readonly type: 'madvise_tlb_finish_mmu'; readonly t: MadviseThread }
  | { readonly type: 'madvise_mmap_read_unlock'; readonly t: MadviseThread };

export const madviseAction = (world: World, s: ModelState, t: MadviseThread): MadviseAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, madviseReturn);
  switch (t.pc) {
    case 'lock':
      return { type: 'madvise_mmap_read_lock', t };
    case 'start':
      return { type: 'invalidate_range_start', t, k: madviseCaller, blockable: true, range: vmaRange(s, t.vma), release: false };
    case 'zap':
      return { type: 'zap_page_range', t, vma: t.vma };
    case 'end':
      return { type: 'invalidate_range_end', t, k: madviseCaller };
    case 'tlb_finish':
      return { type: 'madvise_tlb_finish_mmu', t };
    case 'unlock':
      return { type: 'madvise_mmap_read_unlock', t };
    case 'done':
      return null;
  }
};

const madviseCaller: InvalidationCaller<MadviseThread> = {
  startReturned: (_world, s, t) => put(s, { ...t, pc: 'zap' }),
  closed: (_world, s, t) => put(s, { ...t, pc: 'tlb_finish' }),
};
/** Its callbacks return into the core's walk for this caller. */
const madviseReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as MadviseThread, c, value, madviseCaller, fx) };

/** mmap_read_lock: a held or queued writer makes it wait (rwsem writer preference, §1.1). */
export const mmapReadLockBlocker = (world: World, s: ModelState, self: string): Blocker | null => readLockBlocker(world, s, 'mmap_lock', self);

/** mmap_read_lock, then find_vma: a VMA munmap has detached is gone (-ENOMEM, nothing to zap). */
export const madviseReadLock = (s: ModelState, t: MadviseThread, fx: Effects): ModelState => {
  const s1 = downRead(s, 'mmap_lock', t.id);
  if (s.mm.vmas[t.vma].unmapped) {
    if (fx.record) fx.events.push(`mmap_read_lock; vma ${t.vma} is gone: -ENOMEM`);
    return put(s1, { ...t, pc: 'unlock' });
  }
  if (fx.record) fx.events.push('mmap_read_lock');
  return put(s1, { ...t, pc: 'start' });
};

export const zapPageRange = (s: ModelState, t: MadviseThread, vma: number, fx: Effects): ModelState => {
  const r = clearPtes(s, t, s.mm.vmas[vma], 'zap_page_range', fx);
  return put(r.s, { ...r.t, pc: 'end' });
};

export const madviseTlbFinishMmu = (world: World, s: ModelState, t: MadviseThread, fx: Effects): ModelState => {
  const r = tlbFinishMmu(world, s, t, fx);
  return put(r.s, { ...r.t, pc: 'unlock' });
};

export const madviseReadUnlock = (s: ModelState, t: MadviseThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('mmap_read_unlock');
  return put(upRead(s, 'mmap_lock', t.id), finish(t));
};
