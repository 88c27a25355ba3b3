/**
 * exit_mmap of the victim (docs/kernel.md §1.4, §3.2), in the order of the release the scenario
 * names (model/kernel.ts `exitMmap`). Every era begins with mmu_notifier_release —
 * mn_itree_release (one blocking invalidation of every interval notifier), then mn_hlist_release
 * (each hlist notifier's ->release inside SRCU, which may take driver locks; unhash them all;
 * synchronize_srcu) — and then:
 *
 * - 'reap-then-skip' (27ae357fa82b, v4.17–v6.0; v5.10 read): for an OOM victim __oom_reap_task_mm
 *   (a non-blocking start/end through the interval tree around each VMA's unmap; the hlist is
 *   empty by now) and MMF_OOM_SKIP, set before mmap_write_lock/unlock waits for the reaper to be
 *   out; unmap_vmas; free_pgtables, tlb_finish_mmu, remove_vma.
 * - 'unmap-then-skip' (212925802454, v4.14.0): unmap_vmas with no lock held (the reaper may unmap
 *   beside it); set_bit(MMF_OOM_SKIP) for every mm; for an OOM victim down_write/up_write of
 *   mmap_sem; free_pgtables, tlb_finish_mmu, remove_vma.
 * - 'no-oom-code' (bf3980c85212, v6.1+): mmap_read_lock, unmap_vmas, mmap_read_unlock (the
 *   reaper's read hold and this one overlap); set_bit(MMF_OOM_SKIP) for every mm;
 *   mmap_write_lock; free_pgtables, tlb_finish_mmu, remove_vma, mmap_write_unlock.
 *
 * On a named release unmap_vmas is the kernel's: a blockable mmu_notifier_invalidate_range_start
 * (MMU_NOTIFY_UNMAP, the whole mm) — which reaches the interval notifiers again, the hlist being
 * empty —, unmap_single_vma per VMA (a step each: no lock is held between them), then
 * invalidate_range_end; the VMAs leave the mm at remove_vma. The model without a named kernel
 * keeps its v5.10 order with a notifier-less unmap_vmas of the whole mm in one step, so its saved
 * cases and standard families keep their traces (docs/kernel.md §10.1 item 2, §11).
 */
import { callbackReturned, closeInvalidation, type CoreAction, type InvalidationCaller } from './core/invalidate.ts';
import type { Effects } from './facts.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from './interpreter.ts';
import { lockdepAcquire } from './lockdep.ts';
import { clearPtes, tlbFinishMmu, wholeMm } from './mm.ts';
import { mmapWriteLockBlocker } from './munmap.ts';
import { downRead, finish, holdsMmUsers, inHlist, put, setSkip, setSub, srcuPending, srcuReadersNow, subOf, upRead, vmaRange } from './state.ts';
import { downWrite, readLockBlocker, upWrite, type Blocker } from './rwsem.ts';
import type { Call, ExitMmapEra, ExitMmapThread, ModelState, World } from './types.ts';

export type ExitPhase =
  | 'hlist_release' | 'unhash' | 'srcu' | 'oom_unmap' | 'oom_tlb_finish' | 'oom_skip' | 'lock'
  | 'read_lock' | 'unmap' | 'read_unlock' | 'write_lock' | 'tlb_finish';
/** `era`: the exit_mmap being run; null for the model without a named kernel (its v5.10 steps and labels). */
export type ExitMmapAction = { readonly type: 'exit_mmap'; readonly t: ExitMmapThread; readonly phase: ExitPhase; readonly era: ExitMmapEra | null };

/** The release's exit_mmap order; null without a named kernel, which keeps today's v5.10 steps exactly. */
const eraOf = (world: World): ExitMmapEra | null => (world.kernel.name === null ? null : world.kernel.exitMmap);

export const exitMmapAction = (world: World, s: ModelState, t: ExitMmapThread): ExitMmapAction | CoreAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, returnFor(t));
  switch (t.pc) {
    case 'itree_release': // mn_itree_release only when some interval notifier was ever inserted
      return s.core.hasItree
        ? { type: 'invalidate_range_start', t, k: itreeReleaseCaller, blockable: true, range: wholeMm(s), release: true }
        : { type: 'exit_mmap', t, phase: 'hlist_release', era: eraOf(world) };
    case 'itree_end':
      return { type: 'invalidate_range_end', t, k: itreeReleaseCaller };
    case 'oom_vma':
      return { type: 'invalidate_range_start', t, k: reapCaller, blockable: false, range: vmaRange(s, t.vma), release: false };
    case 'oom_end':
      return { type: 'invalidate_range_end', t, k: reapCaller };
    // unmap_vmas: mmu_notifier_range_init(MMU_NOTIFY_UNMAP, 0, [0, ULONG_MAX)), a blockable start.
    case 'unmap_start':
      return { type: 'invalidate_range_start', t, k: unmapCaller, blockable: true, range: wholeMm(s), release: false };
    case 'unmap_end':
      return { type: 'invalidate_range_end', t, k: unmapCaller };
    case 'done':
      return null;
    default:
      return { type: 'exit_mmap', t, phase: t.pc, era: eraOf(world) };
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

/** The first VMA still in the mm from `from` on, or -1. */
const vmaFrom = (s: ModelState, from: number): number => s.mm.vmas.findIndex((v, k) => k >= from && !v.unmapped);

/** The next VMA to reap; after the last, set MMF_OOM_SKIP, then fence the reaper out. */
const nextReapVma = (_world: World, s: ModelState, t: ExitMmapThread, from: number): ExitMmapThread => {
  const i = vmaFrom(s, from);
  return i < 0 ? { ...t, pc: 'oom_skip' } : { ...t, pc: 'oom_vma', vma: i };
};

/**
 * unmap_vmas on a named release: a blocking caller (its start cannot fail), then unmap_single_vma
 * of each VMA, then end; what follows is the era's (afterUnmap).
 */
const unmapCaller: InvalidationCaller<ExitMmapThread> = {
  startReturned: (_world, s, t) => put(s, nextUnmapVma(s, t, 0)),
  closed: (world, s, t) => put(s, afterUnmap(world, t)),
};
const unmapReturn: CallReturn = { returned: (world, s, t, c, value, fx) => callbackReturned(world, s, t as ExitMmapThread, c, value, unmapCaller, fx) };

const nextUnmapVma = (s: ModelState, t: ExitMmapThread, from: number): ExitMmapThread => {
  const i = vmaFrom(s, from);
  return i < 0 ? { ...t, pc: 'unmap_end' } : { ...t, pc: 'unmap', vma: i };
};

/** Where a driver callback returns to: ->release, mn_itree_release, unmap_vmas, or the exit-time reap. */
const returnFor = (t: ExitMmapThread): CallReturn => {
  if (t.call?.op === 'release') return releaseReturn;
  switch (t.pc) {
    case 'itree_release':
    case 'itree_end':
      return itreeReleaseReturn;
    case 'unmap_start':
    case 'unmap_end':
      return unmapReturn;
    default:
      return reapReturn;
  }
};

/**
 * `if (!vma) return;` — "Can happen if dup_mmap() received an OOM", here when munmap detached the
 * only VMA: on a named release exit_mmap ends before unmap_vmas (v4.14–v6.0: without freeing
 * anything; v6.1+: after mmap_read_unlock, without MMF_OOM_SKIP).
 */
const noVma = (s: ModelState): boolean => vmaFrom(s, 0) < 0;

/** After synchronize_srcu, the end of mmu_notifier_release. */
const afterRelease = (world: World, s: ModelState, t: ExitMmapThread): ExitMmapThread => {
  switch (eraOf(world)) {
    case null:
      return world.underOom ? nextReapVma(world, s, t, 0) : { ...t, pc: 'lock' };
    case 'reap-then-skip': // if (mm_is_oom_victim(mm)) { __oom_reap_task_mm; MMF_OOM_SKIP; the write-lock cycle }
      return world.underOom ? nextReapVma(world, s, t, 0) : afterCycle(world, s, t);
    case 'unmap-then-skip':
      return noVma(s) ? finish(t) : { ...t, pc: 'unmap_start' };
    case 'no-oom-code':
      return { ...t, pc: 'read_lock' };
  }
};

/** After the write-lock cycle (v4.17–v6.0: then unmap_vmas; v4.14: then free_pgtables). */
const afterCycle = (world: World, s: ModelState, t: ExitMmapThread): ExitMmapThread => {
  switch (eraOf(world)) {
    case null:
      return { ...t, pc: 'unmap' };
    case 'reap-then-skip':
      return noVma(s) ? finish(t) : { ...t, pc: 'unmap_start' };
    case 'unmap-then-skip':
    case 'no-oom-code': // (no cycle in v6.1+)
      return { ...t, pc: 'tlb_finish' };
  }
};

/** After unmap_vmas' invalidate_range_end. */
const afterUnmap = (world: World, t: ExitMmapThread): ExitMmapThread => {
  switch (eraOf(world)) {
    case 'no-oom-code':
      return { ...t, pc: 'read_unlock' };
    case 'unmap-then-skip':
      return { ...t, pc: 'oom_skip' };
    case null: // (the model without a kernel has no notifier around unmap_vmas)
    case 'reap-then-skip':
      return { ...t, pc: 'tlb_finish' };
  }
};

/** After set_bit(MMF_OOM_SKIP). */
const afterSkip = (world: World, t: ExitMmapThread): ExitMmapThread => {
  switch (eraOf(world)) {
    case null:
    case 'reap-then-skip':
      return { ...t, pc: 'lock' };
    case 'unmap-then-skip': // if (unlikely(tsk_is_oom_victim(current))) { down_write; up_write }
      return world.underOom ? { ...t, pc: 'lock' } : { ...t, pc: 'tlb_finish' };
    case 'no-oom-code':
      return { ...t, pc: 'write_lock' };
  }
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
  if (a.phase === 'lock' || a.phase === 'write_lock') return mmapWriteLockBlocker(world, s, a.t.id);
  if (a.phase === 'read_lock') return readLockBlocker(world, s, 'mmap_lock', a.t.id);
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
      // srcu_read_lock; in list order, `if (subscription->ops->release) subscription->ops->release(...)`
      // (a driver whose ops have none gets none on a named release: model/strategies/hooks.ts releaseOf).
      const hashed = s.subs.filter(inHlist).map((x) => x.name);
      const [first, ...rest] = hashed.filter((n) => world.ops[n].release !== null);
      const none = hashed.filter((n) => world.ops[n].release === null);
      if (fx.record)
        fx.events.push(
          hashed.length === 0 ? 'no hlist notifier' : [first === undefined ? '' : `->release of ${[first, ...rest].join(', ')}`, none.length ? `no ->release: ${none.join(', ')}` : ''].filter(Boolean).join('; '),
        );
      return put(s, first === undefined ? { ...t, pc: 'unhash' } : { ...t, call: releaseCall(first), releasing: rest });
    }
    case 'unhash': {
      // Under subscriptions->lock: hlist_del_init_rcu of every notifier; srcu_read_unlock.
      let s1 = s;
      // `released` stays as ->release left it: a driver without one still maps what it mapped.
      for (const x of s.subs.filter(inHlist)) s1 = setSub(s1, { ...subOf(s1, x.name), registered: false });
      if (fx.record) fx.events.push('hlist_del_init_rcu of every notifier');
      return put(s1, { ...t, pc: 'srcu', srcuReaders: srcuReadersNow(s) });
    }
    case 'srcu':
      if (fx.record) fx.events.push('synchronize_srcu');
      return put(s, afterRelease(world, s, t));
    case 'oom_unmap': {
      const r = clearPtes(s, t, s.mm.vmas[t.vma], 'unmap_page_range', fx);
      return put(r.s, { ...r.t, pc: 'oom_end' });
    }
    case 'oom_tlb_finish': {
      const r = tlbFinishMmu(world, s, t, fx);
      return put(r.s, nextReapVma(world, r.s, r.t, t.vma + 1));
    }
    // set_bit(MMF_OOM_SKIP) comes before mmap_write_lock, which may wait for the reaper's read
    // hold: the flag already ends the wait of an allocation under OOM (docs/kernel.md §3.2). v4.14
    // and v6.1+ set it for every mm, after unmap_vmas.
    case 'oom_skip':
      if (fx.record) fx.events.push('set MMF_OOM_SKIP');
      return put(setSkip(s), afterSkip(world, t));
    case 'lock': {
      if (fx.record) fx.events.push(`${a.era === 'unmap-then-skip' ? 'down_write(mmap_sem); up_write(mmap_sem)' : 'mmap_write_lock; mmap_write_unlock'}${world.underOom ? ' (the reaper is out)' : ''}`);
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      return put(s1, afterCycle(world, s1, t));
    }
    // v6.1+: mmap_read_lock; with no VMA left, mmap_read_unlock and return at once.
    case 'read_lock': {
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      if (noVma(s1)) {
        if (fx.record) fx.events.push('mmap_read_lock; no VMA: mmap_read_unlock; return');
        return put(s1, finish(t));
      }
      if (fx.record) fx.events.push('mmap_read_lock');
      return put(downRead(s1, 'mmap_lock', t.id), { ...t, pc: 'unmap_start' });
    }
    case 'unmap': {
      if (a.era === null) {
        const r = clearPtes(s, t, wholeMm(s), 'unmap_vmas', fx);
        return put({ ...r.s, mm: { ...r.s.mm, vmas: r.s.mm.vmas.map((v) => ({ ...v, unmapped: true })) } }, { ...r.t, pc: 'tlb_finish' });
      }
      // unmap_single_vma of one VMA; the VMA stays in the mm until remove_vma.
      const r = clearPtes(s, t, s.mm.vmas[t.vma], 'unmap_single_vma', fx);
      return put(r.s, nextUnmapVma(r.s, r.t, t.vma + 1));
    }
    case 'read_unlock':
      if (fx.record) fx.events.push('mmap_read_unlock');
      return put(upRead(s, 'mmap_lock', t.id), { ...t, pc: 'oom_skip' });
    case 'write_lock': {
      if (fx.record) fx.events.push('mmap_write_lock');
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      return put(downWrite(s1, 'mmap_lock', t.id), { ...t, pc: 'tlb_finish' });
    }
    case 'tlb_finish': {
      const r = tlbFinishMmu(world, s, t, fx);
      if (a.era === null) return put(r.s, finish(r.t));
      // free_pgtables; tlb_finish_mmu; remove_vma of each VMA (v6.1+: then mmap_write_unlock).
      const removed: ModelState = { ...r.s, mm: { ...r.s.mm, vmas: r.s.mm.vmas.map((v) => ({ ...v, unmapped: true })) } };
      if (fx.record) fx.events.push(a.era === 'no-oom-code' ? 'remove_vma of every VMA; mmap_write_unlock' : 'remove_vma of every VMA');
      return put(a.era === 'no-oom-code' ? upWrite(removed, 'mmap_lock') : removed, finish(r.t));
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
      return a.era === 'unmap-then-skip' ? 'down_write(mmap_sem); up_write(mmap_sem)' : 'mmap_write_lock; mmap_write_unlock';
    case 'read_lock':
      return 'mmap_read_lock';
    case 'unmap':
      return a.era === null ? 'unmap_vmas; free_pgtables' : `unmap_vmas: unmap_single_vma vma ${a.t.vma}`;
    case 'read_unlock':
      return 'mmap_read_unlock';
    case 'write_lock':
      return 'mmap_write_lock';
    case 'tlb_finish':
      return a.era === null ? 'tlb_finish_mmu' : a.era === 'no-oom-code' ? 'free_pgtables; tlb_finish_mmu; remove_vma; mmap_write_unlock' : 'free_pgtables; tlb_finish_mmu; remove_vma';
  }
};
