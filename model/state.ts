/**
 * Reading and updating the state. Spread-copy stands in for TLA+'s UNCHANGED: every update
 * returns a new state and shares what it did not touch.
 */
import type { Effects } from './facts.ts';
import type { LockMode } from './program.ts';
import type { Call, Invalidation, Lock, ModelState, Range, StartResult, Subscription, ThreadKind, ThreadState, World } from './types.ts';

export const FREE: Lock = { writer: null, readers: [], waiters: [] };

export const threadById = (s: ModelState, id: string): ThreadState | undefined => s.threads.find((t) => t.id === id);

export const put = (s: ModelState, t: ThreadState): ModelState => ({ ...s, threads: s.threads.map((x) => (x.id === t.id ? t : x)) });

export const setLock = (s: ModelState, id: string, l: Lock): ModelState => ({ ...s, locks: { ...s.locks, [id]: l } });

/** down_read once the caller found the rwsem free of writers: one more reader. */
export const downRead = (s: ModelState, id: string, reader: string): ModelState => {
  const l = s.locks[id];
  return setLock(s, id, { ...l, readers: [...l.readers, reader] });
};

/** up_read: the reader's hold goes away (the state unchanged if it held none). */
export const upRead = (s: ModelState, id: string, reader: string): ModelState => {
  const l = s.locks[id];
  const at = l.readers.indexOf(reader);
  return at < 0 ? s : setLock(s, id, { ...l, readers: l.readers.filter((_, k) => k !== at) });
};

export const setCounter = (s: ModelState, sub: string, counter: string, v: number): ModelState => {
  const d = s.drivers[sub];
  return { ...s, drivers: { ...s.drivers, [sub]: { ...d, counters: { ...d.counters, [counter]: v } } } };
};

export const subOf = (s: ModelState, name: string): Subscription => s.subs.find((x) => x.name === name) as Subscription;

export const setSub = (s: ModelState, sub: Subscription): ModelState => ({ ...s, subs: s.subs.map((x) => (x.name === sub.name ? sub : x)) });

/** MMF_OOM_SKIP: the OOM killer will not pick this mm again (docs/kernel.md §3.2). */
export const setSkip = (s: ModelState): ModelState => ({ ...s, mm: { ...s.mm, MMF_OOM_SKIP: true } });

/** A thread is over: its kind's last pc, done, with this outcome. */
export const finish = <T extends ThreadState>(t: T, outcome: ThreadState['outcome'] = 'finished'): T => ({ ...t, pc: 'done', done: true, outcome });

export const lockBusy = (l: Lock, mode: LockMode): boolean => l.writer !== null || (mode === 'write' && l.readers.length > 0);

export const lockId = (sub: string, lock: string): string => `${sub}.${lock}`;

export const intersects = (a: Range, b: Range): boolean => a.start < b.end && b.start < a.end;

export const vmaRange = (s: ModelState, vma: number): Range => ({ start: s.mm.vmas[vma].start, end: s.mm.vmas[vma].end });

/** mn_itree_is_invalidating for one sub: its seq equals the mm's odd seq (docs/kernel.md §5.3). */
export const isInvalidating = (s: ModelState, sub: Subscription): boolean =>
  (s.core.invalidateSeq & 1) === 1 && sub.invalidateSeq === s.core.invalidateSeq;

export const invalidationActive = (s: ModelState): boolean => s.core.activeInvalidateRanges > 0 || s.threads.some((t) => t.inv !== null);

/** Whether memory is short: the victim is this mm until it is reaped or skipped (docs/kernel.md §3.1, §9). */
export const memoryShort = (world: World, s: ModelState): boolean => world.underOom && !s.mm.MMF_OOM_SKIP;

/**
 * A thread of this kind holds mm_users while it runs (docs/kernel.md §1.1, §10.1 item 1): a device
 * fault or ioctl (mmget_not_zero, or a task of the process), munmap, madvise, a registration. The
 * OOM reaper and unregister hold only mm_count; exit_mmap runs at mm_users == 0.
 */
export const holdsMmUsers = (kind: ThreadKind): boolean => kind === 'fault' || kind === 'ioctl' || kind === 'munmap' || kind === 'madvise' || kind === 'register';

/**
 * tsk_is_oom_victim(current) and fatal_signal_pending(current) (docs/kernel.md §3.4): on a named
 * release whose mm is an OOM victim, a task of the victim process has SIGKILL pending once the
 * OOM kill has happened (the reaper thread's first step, reaper.ts oomKill: __oom_kill_process
 * sends it before mark_oom_victim and wake_oom_reaper). The reaper (a kthread), reclaim (kswapd,
 * or another process's direct reclaim) and a fault run by a kernel worker are not the victim's.
 */
export const fatalSignalPending = (world: World, s: ModelState, t: ThreadState): boolean => {
  if (!world.kernel.victimSignalled || !world.underOom || !oomKilled(s)) return false;
  // The scenario's own list, when it gives one (scenario.ts has checked it names no kthread).
  if (world.scenario.victim !== undefined) return world.scenario.victim.includes(t.id);
  switch (t.kind) {
    case 'munmap':
    case 'madvise':
    case 'exit_mmap':
    case 'ioctl':
    case 'register':
    case 'unregister':
      return true;
    case 'fault':
      return world.defs[t.target].faultInTask !== undefined;
    case 'oom_reaper':
    case 'reclaim':
      return false;
    default:
      return t satisfies never;
  }
};

/** The OOM kill has happened: the reaper thread is past its first step (reaper.ts oomKill). */
const oomKilled = (s: ModelState): boolean => s.threads.some((x) => x.kind === 'oom_reaper' && x.pc !== 'oom_kill');

/**
 * mm_take_all_locks' `if (signal_pending(current)) goto out_unlock;` is inside its loop over the
 * VMAs (v4.14 … v6.6): an mm whose VMAs are all unmapped takes them all without a test.
 */
export const takeAllLocksInterrupted = (world: World, s: ModelState, t: ThreadState): boolean => fatalSignalPending(world, s, t) && s.mm.vmas.some((v) => !v.unmapped);

/** Some start of the invalidation, of either form, returned this (a combined subscription's two results are kept apart: model/kernel.ts). */
export const anyStartResult = (inv: Invalidation, r: StartResult): boolean =>
  Object.values(inv.results).includes(r) || (inv.itreeResults !== undefined && Object.values(inv.itreeResults).includes(r));

export const registerPending = (s: ModelState, sub: string): boolean => s.threads.some((x) => x.id === `register:${sub}` && !x.done);

/** mmu_interval_notifier_insert returned 0 but the tree was frozen: the insert waits on the deferred list (§1.5). */
export const insertDeferred = (s: ModelState, sub: string): boolean => s.core.deferred.some((d) => d.sub === sub && d.op === 'insert');

/** The device's mirror is shut down (released), or unregistered for good. */
export const mirrorGone = (s: ModelState, name: string): boolean => {
  const sub = subOf(s, name);
  return sub.released || (!sub.registered && !registerPending(s, name) && !insertDeferred(s, name));
};

/** Whether the thread holds any lock of this notifier's driver. */
export const holdsDriverLock = (s: ModelState, t: ThreadState, sub: string): boolean =>
  Object.entries(s.locks).some(([id, l]) => id.startsWith(`${sub}.`) && (l.writer === t.id || l.readers.includes(t.id)));

/** Each sptes object's pages, ascending as for-in gives them (for-in over integer keys is slow in V8; the objects are immutable). */
const pagesMemo = new WeakMap<Readonly<Record<number, number>>, readonly number[]>();

/** The pages a driver maps, ascending. */
export const mappedPages = (sptes: Readonly<Record<number, number>>): readonly number[] => {
  let pages = pagesMemo.get(sptes);
  if (pages === undefined) {
    pages = Object.keys(sptes).map(Number);
    pagesMemo.set(sptes, pages);
  }
  return pages;
};

/** The page a fault works on: the first page of the notifier's interval. */
export const faultPage = (s: ModelState, c: Call): Range => {
  const iv = subOf(s, c.sub).interval;
  return { start: iv.start, end: iv.start + 1 };
};

/** The SRCU read section a thread is in, if any: an invalidation's walks, or a ->release (mn_hlist_release, unregister). */
const srcuSection = (x: ThreadState): string | null => {
  // mn_itree_inv_end runs before mn_hlist_invalidate_end's srcu_read_lock.
  if (x.inv !== null && x.inv.phase !== 'returned' && x.inv.phase !== 'itree_end') return `${x.id}#${x.inv.id}`;
  if (x.call?.op === 'release' || (x.kind === 'exit_mmap' && x.pc === 'unhash')) return `${x.id}#release`;
  return null;
};

/** The SRCU read sections in flight now (what synchronize_srcu waits for). */
export const srcuReadersNow = (s: ModelState): string[] => s.threads.map(srcuSection).filter((r): r is string => r !== null);

/** The read sections recorded by synchronize_srcu that have not ended yet. */
export const srcuPending = (s: ModelState, readers: readonly string[]): string[] =>
  readers.filter((r) => {
    const t = threadById(s, r.slice(0, r.lastIndexOf('#')));
    return t !== undefined && srcuSection(t) === r;
  });

/** A driver's teardown of every secondary mapping (->release, or before an interval remove). */
export const releaseMirror = (s: ModelState, name: string, fx: Effects): ModelState => {
  const d = s.drivers[name];
  const pages = Object.keys(d.sptes);
  if (pages.length && fx.record) fx.events.push(`${name}: zap secondary mappings of pages ${pages.join(',')}`);
  const s1 = setSub(s, { ...subOf(s, name), released: true });
  return pages.length ? { ...s1, drivers: { ...s1.drivers, [name]: { ...d, sptes: {} } } } : s1;
};


/** On the hlist: a registered classic notifier (or the classic half of a combined one). */
export const inHlist = (x: Subscription): boolean => x.form !== 'interval' && x.registered;

/** In the interval tree: a registered interval notifier, or a combined one's per-fault interval notifier. */
export const inTree = (x: Subscription): boolean => (x.form === 'interval' ? x.registered : x.form === 'both' && x.inTree);
