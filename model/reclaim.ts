/**
 * Page reclaim of one page of the mm (kswapd or direct reclaim: shrink_page_list → try_to_unmap →
 * rmap_walk → try_to_unmap_one, mm/rmap.c; docs/kernel.md §2.1 "reclaim"): a blockable
 * invalidation (MMU_NOTIFY_CLEAR) of the page, ptep_clear_flush, the end, then the page freed
 * unless a reference still holds it. It holds the rmap lock (anon_vma_lock_read /
 * i_mmap_lock_read) and the page lock, never mmap_lock, and it is not a task of the mm (no
 * mm_users), so it overlaps munmap, the OOM reaper, faults and exit_mmap. Only named releases
 * have it (model/kernel.ts), and only when --threads names it.
 */
import { callbackReturned, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from './interpreter.ts';
import { clearPtes, tlbFinishMmu } from './mm.ts';
import { readLockBlocker, RMAP_LOCK, type Blocker } from './rwsem.ts';
import { downRead, finish, put, upRead } from './state.ts';
import type { ModelState, ReclaimThread, World } from './types.ts';

/** Reclaim's read acquisition of the rmap lock waits for a registration's mm_take_all_locks. */
export const reclaimBlocker = (world: World, s: ModelState, t: ReclaimThread): Blocker | null => readLockBlocker(world, s, RMAP_LOCK, t.id);

export type ReclaimAction =
  | { readonly type: 'rmap_lock_read'; readonly t: ReclaimThread }
  | { readonly type: 'rmap_unlock_read'; readonly t: ReclaimThread }
  | { readonly type: 'ptep_clear_flush'; readonly t: ReclaimThread }
  | { readonly type: 'shrink_page_list_free'; readonly t: ReclaimThread };

export const reclaimAction = (world: World, s: ModelState, t: ReclaimThread): ReclaimAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, reclaimReturn);
  switch (t.pc) {
    case 'rmap_lock':
      return { type: 'rmap_lock_read', t };
    case 'start':
      return { type: 'invalidate_range_start', t, k: reclaimCaller, blockable: true, range: { start: t.page, end: t.page + 1 }, release: false };
    case 'clear':
      return { type: 'ptep_clear_flush', t };
    case 'end':
      return { type: 'invalidate_range_end', t, k: reclaimCaller };
    case 'rmap_unlock':
      return { type: 'rmap_unlock_read', t };
    case 'free':
      return { type: 'shrink_page_list_free', t };
    case 'done':
      return null;
  }
};

const reclaimCaller: InvalidationCaller<ReclaimThread> = {
  startReturned: (_world, s, t) => put(s, { ...t, pc: 'clear' }),
  closed: (_world, s, t) => put(s, { ...t, pc: 'rmap_unlock' }),
};
const reclaimReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as ReclaimThread, c, value, reclaimCaller, fx) };

/** shrink_page_list: try_to_unmap only `if (page_mapped(page))`; then rmap_walk: page_lock_anon_vma_read / i_mmap_lock_read. */
export const rmapLockRead = (s: ModelState, t: ReclaimThread, fx: Effects): ModelState => {
  if (s.mm.pte[t.page] === null) {
    if (fx.record) fx.events.push(`page ${t.page} not mapped: nothing to unmap`);
    return put(s, finish(t));
  }
  if (fx.record) fx.events.push('anon_vma_lock_read');
  return put(downRead(s, RMAP_LOCK, t.id), { ...t, pc: 'start' });
};

export const rmapUnlockRead = (s: ModelState, t: ReclaimThread, fx: Effects): ModelState => {
  if (fx.record) fx.events.push('anon_vma_unlock_read');
  return put(upRead(s, RMAP_LOCK, t.id), { ...t, pc: 'free' });
};

/** page_vma_mapped_walk finds the PTE only while it maps the page; ptep_clear_flush clears it and flushes the TLB. */
export const ptepClearFlush = (s: ModelState, t: ReclaimThread, fx: Effects): ModelState => {
  const r = clearPtes(s, t, { start: t.page, end: t.page + 1 }, 'try_to_unmap_one: ptep_clear_flush', fx);
  return put(r.s, { ...r.t, pc: 'end' });
};

/** shrink_page_list: the page is freed unless a reference still holds it (a pin: page_ref_freeze fails). */
export const shrinkPageListFree = (world: World, s: ModelState, t: ReclaimThread, fx: Effects): ModelState => {
  const r = tlbFinishMmu(world, s, t, fx, 'shrink_page_list');
  return put(r.s, finish(r.t));
};
