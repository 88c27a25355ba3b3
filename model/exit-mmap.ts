/**
 * exit_mmap of the victim (v5.10, docs/kernel.md §1.4, §3.2): mmu_notifier_release —
 * mn_itree_release (one blocking invalidation of every interval notifier), then mn_hlist_release
 * (each hlist notifier's ->release inside SRCU, which may take driver locks; unhash them all;
 * synchronize_srcu) —; for an OOM victim __oom_reap_task_mm (a non-blocking start/end through the
 * interval tree around each VMA's unmap; the hlist is empty by now) and MMF_OOM_SKIP, set before
 * mmap_write_lock/unlock waits for the reaper to be out; unmap_vmas; tlb_finish_mmu.
 */
import { callbackReturned, closeInvalidation, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from './interpreter.ts';
import { lockdepAcquire } from './lockdep.ts';
import { clearPtes, tlbFinishMmu, wholeMm } from './mm.ts';
import { mmapWriteLockBlocker } from './munmap.ts';
import { finish, holdsMmUsers, inHlist, put, setSkip, setSub, srcuPending, srcuReadersNow, subOf, vmaRange } from './state.ts';
import type { Blocker } from './rwsem.ts';
import type { Call, ExitMmapThread, ModelState, World } from './types.ts';

export type ExitPhase = 'hlist_release' | 'unhash' | 'srcu' | 'oom_unmap' | 'oom_tlb_finish' | 'oom_skip' | 'lock' | 'unmap' | 'tlb_finish';
export type ExitMmapAction = { readonly type: 'exit_mmap'; readonly t: ExitMmapThread; readonly phase: ExitPhase };

export const exitMmapAction = (world: World, s: ModelState, t: ExitMmapThread): ExitMmapAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, t.call.op === 'release' ? releaseReturn : t.pc === 'itree_end' || t.pc === 'itree_release' ? itreeReleaseReturn : reapReturn);
  switch (t.pc) {
    case 'itree_release': // mn_itree_release only when some interval notifier was ever inserted
      return s.core.hasItree
        ? { type: 'invalidate_range_start', t, k: itreeReleaseCaller, blockable: true, range: wholeMm(s), release: true }
        : { type: 'exit_mmap', t, phase: 'hlist_release' };
    case 'itree_end':
      return { type: 'invalidate_range_end', t, k: itreeReleaseCaller };
    case 'oom_vma':
      return { type: 'invalidate_range_start', t, k: reapCaller, blockable: false, range: vmaRange(s, t.vma), release: false };
    case 'oom_end':
      return { type: 'invalidate_range_end', t, k: reapCaller };
    case 'done':
      return null;
    default:
      return { type: 'exit_mmap', t, phase: t.pc };
  }
};

/** mn_itree_release: invalidate every interval notifier, then inv_end; then the hlist's ->release. */
const itreeReleaseCaller: InvalidationCaller<ExitMmapThread> = {
  startReturned: (_world, s, t) => put(s, { ...t, pc: 'itree_end' }),
  closed: (_world, s, t) => put(s, { ...t, pc: 'hlist_release' }),
};
const itreeReleaseReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as ExitMmapThread, c, value, itreeReleaseCaller, fx) };

/** The exit-time __oom_reap_task_mm: a failed non-blocking start skips the VMA (exit_mmap ignores the result). */
const reapCaller: InvalidationCaller<ExitMmapThread> = {
  startReturned: (world, s, t, ret, fx) => (ret === 0 ? put(s, { ...t, pc: 'oom_unmap' }) : closeInvalidation(world, s, t, reapCaller, fx)),
  closed: (world, s, t) => put(s, t.gather.length ? { ...t, pc: 'oom_tlb_finish' } : nextReapVma(world, s, t, t.vma + 1)),
};
const reapReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as ExitMmapThread, c, value, reapCaller, fx) };

/** The next VMA to reap; after the last, set MMF_OOM_SKIP, then fence the reaper out. */
const nextReapVma = (_world: World, s: ModelState, t: ExitMmapThread, from: number): ExitMmapThread => {
  const i = s.mm.vmas.findIndex((v, k) => k >= from && !v.unmapped);
  return i < 0 ? { ...t, pc: 'oom_skip' } : { ...t, pc: 'oom_vma', vma: i };
};

const releaseCall = (sub: string): Call => ({ sub, op: 'release', pc: 0, blockable: true, nonBlock: false, locals: {} });

/**
 * A ->release returned: the next notifier's, or unhash them all. The walk follows the live list
 * (hlist_for_each_entry_rcu under SRCU, docs/kernel.md §1.4): one unregister unlinked meanwhile is not reached. Not
 * modelled: a walker on an entry unlinked under it following its stale ->next (docs/kernel.md §10.1 item 6).
 */
const releaseReturn: CallReturn = {
  returned: (_world, s, t) => {
    const x = t as ExitMmapThread;
    const [next, ...rest] = x.releasing.filter((n) => inHlist(subOf(s, n)));
    return put(s, next === undefined ? { ...x, call: null, pc: 'unhash' } : { ...x, call: releaseCall(next), releasing: rest });
  },
};

/** exit_mmap begins at mm_users == 0, so after every thread that uses the mm (state.ts holdsMmUsers, docs/kernel.md §1.4). */
export const mmUsersBlocker = (s: ModelState, t: ExitMmapThread): Blocker | null => {
  const begun = t.pc !== 'itree_release' || t.inv !== null || t.call !== null;
  const user = begun ? undefined : s.threads.find((x) => !x.done && holdsMmUsers(x.kind));
  return user ? { on: 'mm_users', thread: user.id } : null;
};

export const exitMmapBlocker = (world: World, s: ModelState, a: ExitMmapAction): Blocker | null => {
  if (a.phase === 'lock') return mmapWriteLockBlocker(world, s, a.t.id);
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
      // srcu_read_lock; each hlist notifier's ->release in list order.
      const [first, ...rest] = s.subs.filter(inHlist).map((x) => x.name);
      if (fx.record) fx.events.push(first === undefined ? 'no hlist notifier' : `->release of ${[first, ...rest].join(', ')}`);
      return put(s, first === undefined ? { ...t, pc: 'unhash' } : { ...t, call: releaseCall(first), releasing: rest });
    }
    case 'unhash': {
      // Under subscriptions->lock: hlist_del_init_rcu of every notifier; srcu_read_unlock.
      let s1 = s;
      for (const x of s.subs.filter(inHlist)) s1 = setSub(s1, { ...subOf(s1, x.name), registered: false, released: true });
      if (fx.record) fx.events.push('hlist_del_init_rcu of every notifier');
      return put(s1, { ...t, pc: 'srcu', srcuReaders: srcuReadersNow(s) });
    }
    case 'srcu':
      if (fx.record) fx.events.push('synchronize_srcu');
      return put(s, world.underOom ? nextReapVma(world, s, t, 0) : { ...t, pc: 'lock' });
    case 'oom_unmap': {
      const r = clearPtes(s, t, s.mm.vmas[t.vma], 'unmap_page_range', fx);
      return put(r.s, { ...r.t, pc: 'oom_end' });
    }
    case 'oom_tlb_finish': {
      const r = tlbFinishMmu(world, s, t, fx);
      return put(r.s, nextReapVma(world, r.s, r.t, t.vma + 1));
    }
    // set_bit(MMF_OOM_SKIP) comes before mmap_write_lock, which may wait for the reaper's read
    // hold: the flag already ends the wait of an allocation under OOM (docs/kernel.md §3.2).
    case 'oom_skip':
      if (fx.record) fx.events.push('set MMF_OOM_SKIP');
      return put(setSkip(s), { ...t, pc: 'lock' });
    case 'lock': {
      if (fx.record) fx.events.push(world.underOom ? 'mmap_write_lock; mmap_write_unlock (the reaper is out)' : 'mmap_write_lock; mmap_write_unlock');
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      return put(s1, { ...t, pc: 'unmap' });
    }
    case 'unmap': {
      const r = clearPtes(s, t, wholeMm(s), 'unmap_vmas', fx);
      return put({ ...r.s, mm: { ...r.s.mm, vmas: r.s.mm.vmas.map((v) => ({ ...v, unmapped: true })) } }, { ...r.t, pc: 'tlb_finish' });
    }
    case 'tlb_finish': {
      const r = tlbFinishMmu(world, s, t, fx);
      return put(r.s, finish(r.t));
    }
  }
};

export const describeExitMmap = (a: ExitMmapAction): string => {
  switch (a.phase) {
    case 'hlist_release':
      return 'mmu_notifier_release: srcu_read_lock; ->release of each notifier';
    case 'unhash':
      return 'hlist_del_init_rcu of every notifier; srcu_read_unlock';
    case 'srcu':
      return 'synchronize_srcu';
    case 'oom_unmap':
      return `__oom_reap_task_mm: unmap_page_range vma ${a.t.vma}`;
    case 'oom_tlb_finish':
      return 'tlb_finish_mmu';
    case 'oom_skip':
      return 'set_bit(MMF_OOM_SKIP)';
    case 'lock':
      return 'mmap_write_lock; mmap_write_unlock';
    case 'unmap':
      return 'unmap_vmas; free_pgtables';
    case 'tlb_finish':
      return 'tlb_finish_mmu';
  }
};
