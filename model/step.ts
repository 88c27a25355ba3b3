/**
 * One atomic step of one thread: `step(world, state, threadId)`, pure and total (DESIGN.md §3.2).
 *
 * A thread is either running core code (the OOM reaper loop, munmap, the core's walks over the
 * subscriptions) or a driver program (a callback, a fault handler, an ioctl). `nextAction`
 * reads what the thread does next off its program counters; `step` dispatches on it with one
 * exhaustive ts-pattern match, and driver instructions with a second one.
 *
 * Abstracts: SRCU (a walk snapshots the registered list when it begins and skips entries
 * unlinked since); rwsem writer-preference (a waiting writer does not stop new readers);
 * TLB gathering; the reaper's sleep between attempts (any interleaving may happen there).
 */
import { match } from 'ts-pattern';
import { EAGAIN, type Cond, type Instr, type Program } from './program.ts';
import { noEffects, type Diagnostic, type Effects, type Fact } from './facts.ts';
import { FREE } from './scenario.ts';
import type { LockMode } from './program.ts';
import type { Call, CallOp, Invalidation, Lock, ModelState, Range, StartResult, Subscription, ThreadState, World } from './types.ts';

export const MAX_OOM_REAP_RETRIES = 10; // mm/oom_kill.c

export type Action =
  | { readonly type: 'driver_instr'; readonly call: Call; readonly instr: Instr }
  | { readonly type: 'mmap_read_trylock' }
  | { readonly type: 'mmap_write_lock' }
  | { readonly type: 'mmap_unlock' }
  | { readonly type: 'invalidate_range_start'; readonly blockable: boolean; readonly range: Range; readonly release: boolean }
  | { readonly type: 'unmap_page_range'; readonly vma: number }
  | { readonly type: 'invalidate_range_end' }
  | { readonly type: 'oom_reaper_skip' }
  | { readonly type: 'mmu_notifier_register'; readonly phase: 'reg_lock' | 'reg_insert' | 'reg_unlock' }
  | { readonly type: 'mmu_notifier_unregister'; readonly phase: 'unreg_release' | 'unreg_unlink' | 'srcu_wait' | 'seq_wait' }
  | { readonly type: 'exit_mmap'; readonly phase: 'exit_hlist' | 'exit_srcu' | 'exit_oom' | 'exit_lock' | 'exit_unmap' }
  | { readonly type: 'exited' };

/** What a blocked thread waits for (edges of the waits-for graph, INV-10). */
export type Blocker =
  | { readonly on: 'lock'; readonly lock: string; readonly mode: LockMode }
  | { readonly on: 'memory' } // reclaim under OOM: waits for the victim to be reaped or skipped
  | { readonly on: 'invalidation'; readonly sub: string } // mmu_interval_read_begin: waits for seq to move
  | { readonly on: 'counter'; readonly sub: string; readonly counter: string } // wait_event(wq, counter == 0): waits for the ends
  | { readonly on: 'srcu'; readonly readers: readonly string[] } // synchronize_srcu: waits for these walks to finish
  | { readonly on: 'registration'; readonly sub: string }; // a device faults only once its notifier is registered

export interface StepResult extends Effects {
  readonly state: ModelState;
  readonly thread: string;
  readonly label: string;
}

// ---------------------------------------------------------------------------------------------
// Reading the state

// A call is only ever pushed for an op the notifier has.
export const programOf = (world: World, call: Call): Program => world.ops[call.sub][call.op] as Program;

export const nextAction = (world: World, s: ModelState, t: ThreadState): Action => {
  if (t.done) return { type: 'exited' };
  if (t.call) return { type: 'driver_instr', call: t.call, instr: programOf(world, t.call).code[t.call.pc] };
  // The reaper: trylock → (skip) → per VMA: vma → unmap → end → … → unlock.
  // munmap, a blocking invalidation of VMA 0: lock → start → unmap → end → unlock.
  switch (t.pc) {
    case 'trylock':
      return world.scenario.reaper === 'skip-if-notifiers' && world.knobs.reaperChecksNotifiersBeforeLock && s.core.hasSubscriptions
        ? { type: 'oom_reaper_skip' }
        : { type: 'mmap_read_trylock' };
    case 'skip':
      return { type: 'oom_reaper_skip' };
    case 'vma':
      return world.scenario.reaper === 'no-notify' ? { type: 'unmap_page_range', vma: t.vma } : { type: 'invalidate_range_start', blockable: false, range: vmaRange(s, t.vma), release: false };
    case 'lock':
      return { type: 'mmap_write_lock' };
    case 'start':
      return { type: 'invalidate_range_start', blockable: true, range: vmaRange(s, t.vma), release: false };
    case 'unmap':
      return { type: 'unmap_page_range', vma: t.vma };
    case 'end':
      return { type: 'invalidate_range_end' };
    case 'unlock':
      return { type: 'mmap_unlock' };
    case 'reg_lock': // mmap_write_lock + mm_take_all_locks: a classic notifier, or the first
      // interval insert, which registers the NULL notifier to set has_itree (§1.4, §1.5)
      return {
        type: 'mmu_notifier_register',
        phase: world.knobs.registrationTakesAllLocks && (world.ops[t.target as string].form === 'hlist' || !s.core.hasItree) ? 'reg_lock' : 'reg_insert',
      };
    case 'reg_insert':
    case 'reg_unlock':
      return { type: 'mmu_notifier_register', phase: t.pc };
    case 'unreg_release':
    case 'unreg_unlink':
    case 'srcu_wait':
    case 'seq_wait':
      return { type: 'mmu_notifier_unregister', phase: t.pc };
    case 'exit_release': // mn_itree_release only when some interval notifier was ever inserted
      return s.core.hasItree
        ? { type: 'invalidate_range_start', blockable: true, range: { start: 0, end: s.mm.pte.length }, release: true }
        : { type: 'exit_mmap', phase: 'exit_hlist' };
    case 'exit_hlist':
    case 'exit_srcu':
    case 'exit_oom':
    case 'exit_lock':
    case 'exit_unmap':
      return { type: 'exit_mmap', phase: t.pc };
    case 'call': // a driver thread whose call is over is done
    case 'done':
      return { type: 'exited' };
    default:
      return t.pc satisfies never;
  }
};

const lockBusy = (l: Lock, mode: LockMode): boolean => l.writer !== null || (mode === 'write' && l.readers.length > 0);

export const lockId = (sub: string, lock: string): string => `${sub}.${lock}`;

/** Why a thread cannot step now, or null when it can. */
export const blocker = (world: World, s: ModelState, t: ThreadState): Blocker | null =>
  t.done ? null : blockerOf(world, s, t, nextAction(world, s, t));

/** Whether memory is short: the victim is this mm until it is reaped or skipped (DOMAIN.md §3.1, §9). */
const memoryShort = (world: World, s: ModelState): boolean => world.underOom && !s.mm.MMF_OOM_SKIP;

const blockerOf = (world: World, s: ModelState, t: ThreadState, a: Action): Blocker | null => {
  if ((a.type === 'mmu_notifier_register' && a.phase === 'reg_lock') || (a.type === 'exit_mmap' && a.phase === 'exit_lock'))
    return lockBusy(s.locks.mmap_lock, 'write') ? { on: 'lock', lock: 'mmap_lock', mode: 'write' } : null;
  if ((a.type === 'mmu_notifier_unregister' && a.phase === 'srcu_wait') || (a.type === 'exit_mmap' && a.phase === 'exit_srcu')) {
    const readers = srcuPending(s, t);
    return readers.length ? { on: 'srcu', readers } : null;
  }
  if (a.type === 'mmu_notifier_unregister' && a.phase === 'seq_wait')
    return s.core.invalidateSeq === t.waitSeq ? { on: 'invalidation', sub: t.target as string } : null;
  if (a.type === 'mmap_write_lock') return lockBusy(s.locks.mmap_lock, 'write') ? { on: 'lock', lock: 'mmap_lock', mode: 'write' } : null;
  if (a.type !== 'driver_instr') return null;
  const i = a.instr;
  if (a.call.op === 'fault' && a.call.pc === 0 && !subOf(s, a.call.sub).registered && registerPending(s, a.call.sub))
    return { on: 'registration', sub: a.call.sub };
  if (a.call.op === 'fault' && abandons(s, t, a.call)) return null; // it steps only to give up
  if (i.op === 'lock' && (i.how === 'lock' || (i.how === 'nbTrylock' && a.call.blockable))) {
    const id = lockId(a.call.sub, i.lock);
    return lockBusy(s.locks[id], i.mode) ? { on: 'lock', lock: id, mode: i.mode } : null;
  }
  if (i.op === 'alloc') return memoryShort(world, s) ? { on: 'memory' } : null;
  // get_user_pages / hmm_range_fault run under mmap_read_lock (DOMAIN.md §2.5 step 2, §6.6).
  if (i.op === 'gup') return lockBusy(s.locks.mmap_lock, 'read') ? { on: 'lock', lock: 'mmap_lock', mode: 'read' } : null;
  if (i.op === 'waitZero') return s.drivers[a.call.sub].counters[i.counter] !== 0 ? { on: 'counter', sub: a.call.sub, counter: i.counter } : null;
  if (i.op === 'readBegin') {
    const sub = subOf(s, a.call.sub);
    return isInvalidating(s, sub) ? { on: 'invalidation', sub: sub.name } : null;
  }
  return null;
};

export const isEnabled = (world: World, s: ModelState, t: ThreadState): boolean => !t.done && blocker(world, s, t) === null;

export const enabledThreads = (world: World, s: ModelState): string[] =>
  s.threads.filter((t) => isEnabled(world, s, t)).map((t) => t.id);

/** The walks recorded by synchronize_srcu that are still traversing the list. */
const srcuPending = (s: ModelState, t: ThreadState): string[] =>
  t.srcuReaders.filter((r) => {
    const [tid, inv] = r.split('#');
    const w = threadById(s, tid)?.inv;
    return w !== null && w !== undefined && String(w.id) === inv && w.phase !== 'returned';
  });

/** Walks in flight now: every thread inside a start, undo or end walk (an SRCU read section). */
const srcuReadersNow = (s: ModelState): string[] =>
  s.threads.filter((x) => x.inv !== null && x.inv.phase !== 'returned').map((x) => `${x.id}#${(x.inv as Invalidation).id}`);

const registerPending = (s: ModelState, sub: string): boolean => s.threads.some((x) => x.id === `register:${sub}` && !x.done);

/** The thread's call moves to the next instruction, or to a label. */
const advancePc = (world: World, s: ModelState, t: ThreadState, c: Call, label?: string): ModelState =>
  put(s, { ...t, call: { ...c, pc: label === undefined ? c.pc + 1 : programOf(world, c).labels[label] } });

/** The range a callback works on: its invalidation's, or the faulting page. */
const invRange = (s: ModelState, t: ThreadState, c: Call): Range => (t.inv ? t.inv.range : faultPage(s, c));

/** A fault of a released mirror gives up, once it holds none of the driver's locks. */
const abandons = (s: ModelState, t: ThreadState, c: Call): boolean =>
  mirrorGone(s, c.sub) && !Object.entries(s.locks).some(([id, l]) => id.startsWith(`${c.sub}.`) && (l.writer === t.id || l.readers.includes(t.id)));

/** exit_mmap has begun: mm_users reached 0. */
const mmExiting = (s: ModelState): boolean => s.threads.some((x) => x.kind === 'exit_mmap' && (x.pc !== 'exit_release' || x.inv !== null));

/** The device's mirror is shut down (released), or unregistered for good. */
const mirrorGone = (s: ModelState, name: string): boolean => {
  const sub = subOf(s, name);
  return sub.released || (!sub.registered && !registerPending(s, name));
};

const vmaRange = (s: ModelState, vma: number): Range => ({ start: s.mm.vmas[vma].start, end: s.mm.vmas[vma].end });

/** mn_itree_is_invalidating for one sub: its seq equals the mm's odd seq (DOMAIN.md §5.3). */
const isInvalidating = (s: ModelState, sub: Subscription): boolean =>
  (s.core.invalidateSeq & 1) === 1 && sub.invalidateSeq === s.core.invalidateSeq;

const subOf = (s: ModelState, name: string): Subscription => s.subs.find((x) => x.name === name) as Subscription;

const intersects = (a: Range, b: Range): boolean => a.start < b.end && b.start < a.end;

/** Whether the thread is inside a non-blockable invalidation (the reaper's). */
const inNonblock = (t: ThreadState): boolean => t.inv !== null && !t.inv.blockable;

export const threadById = (s: ModelState, id: string): ThreadState | undefined => s.threads.find((t) => t.id === id);

// ---------------------------------------------------------------------------------------------
// The step

/** Step one thread; null when it is not enabled (done or blocked). */
/** `record`: build the printable events (the facts the invariants judge are always built). */
export const step = (world: World, s: ModelState, threadId: string, record = true): StepResult | null => {
  const t = threadById(s, threadId);
  if (!t || t.done) return null;
  const a = nextAction(world, s, t);
  if (blockerOf(world, s, t, a) !== null) return null;
  const fx = noEffects(record);
  const next = match(a)
    .with({ type: 'driver_instr' }, (a) => driverInstr(world, s, t, a.call, a.instr, fx))
    .with({ type: 'mmap_read_trylock' }, () => mmapReadTrylock(world, s, t, fx))
    .with({ type: 'mmap_write_lock' }, () => {
      if (fx.record) fx.events.push('mmap_write_lock(mm)');
      return put(setLock(s, 'mmap_lock', { writer: t.id, readers: [] }), { ...t, pc: 'start' });
    })
    .with({ type: 'mmap_unlock' }, () => mmapUnlock(s, t, fx))
    .with({ type: 'invalidate_range_start' }, (a) => invalidateRangeStart(world, s, t, a.blockable, a.range, a.release, fx))
    .with({ type: 'unmap_page_range' }, (a) => unmapPageRange(world, s, t, a.vma, fx))
    .with({ type: 'invalidate_range_end' }, () => invalidateRangeEnd(world, s, t, fx))
    .with({ type: 'oom_reaper_skip' }, () => oomReaperSkip(s, t, fx))
    .with({ type: 'mmu_notifier_register' }, (a) => register(world, s, t, a.phase, fx))
    .with({ type: 'mmu_notifier_unregister' }, (a) => unregister(world, s, t, a.phase, fx))
    .with({ type: 'exit_mmap' }, (a) => exitMmap(world, s, t, a.phase, fx))
    .with({ type: 'exited' }, () => s)
    .exhaustive();
  // The label is formatted only when asked for: searching runs never print it.
  return {
    state: next,
    thread: threadId,
    get label() {
      return describe(world, t, a);
    },
    ...fx,
  };
};

export const describe = (world: World, t: ThreadState, a: Action): string =>
  match(a)
    .with({ type: 'driver_instr' }, (a) => `${a.call.sub}.${a.call.op}: ${describeInstr(a.call, a.instr)}`)
    .with({ type: 'mmap_read_trylock' }, () => 'mmap_read_trylock')
    .with({ type: 'mmap_write_lock' }, () => 'mmap_write_lock')
    .with({ type: 'mmap_unlock' }, () => (t.kind === 'oom_reaper' ? 'mmap_read_unlock' : 'mmap_write_unlock'))
    .with({ type: 'invalidate_range_start' }, (a) =>
      a.release ? 'mmu_notifier_release: mn_itree_release' : `invalidate_range_start${a.blockable ? '' : '_nonblock'} [${a.range.start},${a.range.end})`)
    .with({ type: 'unmap_page_range' }, (a) => `unmap_page_range vma ${a.vma}`)
    .with({ type: 'invalidate_range_end' }, () => 'invalidate_range_end')
    .with({ type: 'oom_reaper_skip' }, () => 'oom_reaper: skip mm with notifiers')
    .with({ type: 'mmu_notifier_register' }, (a) =>
      a.phase === 'reg_lock' ? 'mmap_write_lock; mm_take_all_locks'
      : a.phase === 'reg_unlock' ? 'mm_drop_all_locks; mmap_write_unlock'
      : world.ops[t.target as string].form === 'hlist' ? `mmu_notifier_register(${t.target})` : `mmu_interval_notifier_insert(${t.target})`)
    .with({ type: 'mmu_notifier_unregister' }, (a) =>
      a.phase === 'unreg_release' ? `${t.target}->release: shut down secondary mappings`
      : a.phase === 'unreg_unlink' ? (world.ops[t.target as string].form === 'hlist' ? `hlist_del_init_rcu(${t.target})` : `mmu_interval_notifier_remove(${t.target})`)
      : a.phase === 'srcu_wait' ? 'synchronize_srcu; mmdrop' : 'wait for invalidate_seq to move; mmdrop')
    .with({ type: 'exit_mmap' }, (a) =>
      a.phase === 'exit_hlist' ? 'mmu_notifier_release: ->release, unhash all'
      : a.phase === 'exit_srcu' ? 'synchronize_srcu'
      : a.phase === 'exit_oom' ? '__oom_reap_task_mm; set MMF_OOM_SKIP'
      : a.phase === 'exit_lock' ? 'mmap_write_lock; mmap_write_unlock' : 'unmap_vmas; free_pgtables')
    .with({ type: 'exited' }, () => 'exited')
    .exhaustive();

const describeInstr = (c: Call, i: Instr): string => {
  switch (i.op) {
    case 'lock':
      return `${lockVerb(i.mode, i.how === 'trylock' || (i.how === 'nbTrylock' && !c.blockable))}(${i.lock})`;
    case 'unlock':
      return `${i.mode === 'read' ? 'up_read' : 'unlock'}(${i.lock})`;
    case 'add':
      return `${i.counter}${i.delta > 0 ? '++' : '--'}`;
    case 'zap':
      return 'zap secondary mappings';
    case 'snapshot':
      return `${i.into} = ${i.counter}`;
    case 'gup':
      return 'get_user_pages';
    case 'install':
      return 'install secondary mapping';
    case 'setSeq':
      return 'mmu_interval_set_seq';
    case 'readBegin':
      return 'mmu_interval_read_begin';
    case 'readRetry':
      return 'mmu_interval_read_retry';
    case 'alloc':
      return 'kmalloc(GFP_KERNEL)';
    case 'waitFence':
      return 'dma_fence_wait';
    case 'waitZero':
      return `wait_event(${i.counter} == 0)`;
    case 'jump':
      return (i.if ? `if (${describeCond(i.if)})` : `goto ${i.to}`);
    case 'retry':
      return 'retry';
    case 'ret':
      return `return ${retText(c.op, i.value)}`;
    default:
      return i satisfies never;
  }
};

const lockVerb = (mode: LockMode, tryOnly: boolean): string =>
  tryOnly ? (mode === 'read' ? 'down_read_trylock' : 'trylock') : mode === 'read' ? 'down_read' : 'lock';

const describeCond = (c: Cond): string => {
  switch (c.is) {
    case 'nonblockable':
      return '!blockable';
    case 'intersects':
      return 'range intersects';
    case 'nonzero':
      return `${c.counter} != 0`;
    case 'changed':
      return `${c.counter} != ${c.since}`;
    case 'not':
      return `!(${describeCond(c.cond)})`;
    case 'any':
      return c.conds.map(describeCond).join(' || ');
    default:
      return c satisfies never;
  }
};

export const retText = (op: CallOp, v: number): string =>
  op === 'invalidate' ? (v === 0 ? 'true' : 'false') : v === EAGAIN ? '-EAGAIN' : String(v);

// ---------------------------------------------------------------------------------------------
// State helpers (spread-copy stands in for TLA+'s UNCHANGED)

const put = (s: ModelState, t: ThreadState): ModelState => ({ ...s, threads: s.threads.map((x) => (x.id === t.id ? t : x)) });

const setLock = (s: ModelState, id: string, l: Lock): ModelState => ({ ...s, locks: { ...s.locks, [id]: l } });

const setCounter = (s: ModelState, sub: string, counter: string, v: number): ModelState => {
  const d = s.drivers[sub];
  return { ...s, drivers: { ...s.drivers, [sub]: { ...d, counters: { ...d.counters, [counter]: v } } } };
};

const setSub = (s: ModelState, sub: Subscription): ModelState => ({ ...s, subs: s.subs.map((x) => (x.name === sub.name ? sub : x)) });

const setSkip = (s: ModelState): ModelState => ({ ...s, mm: { ...s.mm, MMF_OOM_SKIP: true } });

// ---------------------------------------------------------------------------------------------
// Driver instructions

const driverInstr = (world: World, s: ModelState, t: ThreadState, c: Call, i: Instr, fx: Effects): ModelState => {
  if (c.op === 'fault' && abandons(s, t, c)) {
    // ->release shut the mirror down (DOMAIN.md §1.3): the device faults no more.
    if (fx.record) fx.events.push(`${c.sub}: mirror released, the fault is abandoned`);
    return put(s, { ...t, call: null, done: true, outcome: 'finished' });
  }
  switch (i.op) {
    case 'lock': {
      const id = lockId(c.sub, i.lock);
      const l = s.locks[id];
      const tryOnly = i.how === 'trylock' || (i.how === 'nbTrylock' && !c.blockable);
      if (tryOnly && lockBusy(l, i.mode)) {
        if (fx.record) fx.events.push(`${lockVerb(i.mode, true)}(${id}) failed`);
        return advancePc(world, s, t, c, i.else);
      }
      if (!tryOnly && world.lockKinds[id] !== 'spinlock') sleepAttempt(t, `${lockVerb(i.mode, false)}(${id})`, fx);
      if (fx.record) fx.events.push(`${lockVerb(i.mode, tryOnly)}(${id})${tryOnly ? ' ok' : ''}`);
      const held: Lock = i.mode === 'write' ? { writer: t.id, readers: l.readers } : { writer: l.writer, readers: [...l.readers, t.id] };
      // lockdep adds no dependency for a trylock; inside a callback the notifier map is held.
      const s2 = tryOnly ? s : lockdepAcquire(world, s, t, lockClass(world, c.sub, i.lock), isCallback(c) ? ['notifier_map'] : [], fx);
      return advancePc(world, setLock(s2, id, held), t, c);
    }
    case 'unlock': {
      const id = lockId(c.sub, i.lock);
      const l = s.locks[id];
      if (i.mode === 'write') {
        if (l.writer !== t.id) {
          fx.facts.push({ fact: 'underflow', what: `unlock of ${id}, which ${t.id} does not hold`, value: -1 });
          fx.diagnostics.push({ kind: 'WARN_ON', text: `DEBUG_LOCKS_WARN_ON: unlock of unheld ${id}` });
          return advancePc(world, s, t, c);
        }
        if (fx.record) fx.events.push(`unlock(${id})`);
        return advancePc(world, setLock(s, id, { writer: null, readers: l.readers }), t, c);
      }
      const at = l.readers.includes(t.id) ? l.readers.indexOf(t.id) : l.readers.length - 1;
      if (at < 0) {
        fx.facts.push({ fact: 'underflow', what: `up_read(${id}) with no reader: rwsem count -1`, value: -1 });
        fx.diagnostics.push({ kind: 'WARN_ON', text: `DEBUG_RWSEMS_WARN_ON: up_read of unheld ${id}` });
        return advancePc(world, s, t, c);
      }
      if (fx.record) fx.events.push(`up_read(${id})`);
      return advancePc(world, setLock(s, id, { writer: l.writer, readers: l.readers.filter((_, k) => k !== at) }), t, c);
    }
    case 'add': {
      const from = s.drivers[c.sub].counters[i.counter];
      const to = from + i.delta;
      if (fx.record) fx.events.push(`${c.sub}.${i.counter} ${from} -> ${to}`);
      if (to < 0) {
        fx.facts.push({ fact: 'underflow', what: `${c.sub}.${i.counter}`, value: to });
        fx.diagnostics.push({ kind: 'BUG_ON', text: `BUG_ON(${c.sub}.${i.counter} < 0)` });
      }
      return advancePc(world, setCounter(s, c.sub, i.counter, to), t, c);
    }
    case 'zap': {
      const r = invRange(s, t, c);
      const d = s.drivers[c.sub];
      const gone = Object.keys(d.sptes).map(Number).filter((p) => p >= r.start && p < r.end);
      if (gone.length === 0) return advancePc(world, s, t, c);
      if (fx.record) fx.events.push(`${c.sub}: zap secondary mappings of pages ${gone.join(',')}`);
      const sptes = { ...d.sptes };
      for (const p of gone) delete sptes[p];
      return advancePc(world, { ...s, drivers: { ...s.drivers, [c.sub]: { ...d, sptes } } }, t, c);
    }
    case 'snapshot':
      return advancePc(world, s, t, { ...c, locals: { ...c.locals, ...witnessLocals(s), [i.into]: s.drivers[c.sub].counters[i.counter] } });
    case 'gup': {
      // mmap_read_lock; resolve; mmap_read_unlock: one step, so only its lockdep edges remain.
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      const page = faultPage(s, c).start;
      // mmget_not_zero fails once the mm is exiting (mm_users is 0 by exit_mmap).
      const live = !mmExiting(s1) && s1.mm.vmas.some((v) => !v.unmapped && page >= v.start && page < v.end);
      if (!live) {
        if (fx.record) fx.events.push(`get_user_pages(page ${page}) -> -EFAULT`);
        return put(s1, { ...t, call: null, done: true, outcome: 'finished' });
      }
      const have = s1.mm.pte[page];
      if (have !== null && have !== undefined) return advancePc(world, s1, t, { ...c, locals: { ...c.locals, frame: have } });
      // Fault the page back in: a fresh frame (the allocation is not subject to the OOM wait).
      const frame = s1.mm.nextFrame;
      if (fx.record) fx.events.push(`get_user_pages(page ${page}) faults in frame ${frame}`);
      const pte = s1.mm.pte.map((f, p) => (p === page ? frame : f));
      return advancePc(world, { ...s1, mm: { ...s1.mm, pte, nextFrame: frame + 1 } }, t, { ...c, locals: { ...c.locals, frame } });
    }
    case 'install': {
      const page = faultPage(s, c).start;
      if (mirrorGone(s, c.sub)) {
        if (fx.record) fx.events.push(`${c.sub}: mirror released, page ${page} not mapped`);
        return advancePc(world, s, t, c);
      }
      const frame = c.locals.frame;
      const d = s.drivers[c.sub];
      if (fx.record) fx.events.push(`${c.sub}: map page ${page} -> frame ${frame}`);
      return advancePc(world, { ...s, drivers: { ...s.drivers, [c.sub]: { ...d, sptes: { ...d.sptes, [page]: frame } } } }, t, c);
    }
    case 'setSeq': {
      const sub = subOf(s, c.sub);
      const cur = t.inv ? t.inv.curSeq : s.core.invalidateSeq;
      if (fx.record) fx.events.push(`${c.sub}.invalidate_seq ${sub.invalidateSeq} -> ${cur}`);
      return advancePc(world, setSub(s, { ...sub, invalidateSeq: cur }), t, c);
    }
    case 'readBegin': {
      const seq = subOf(s, c.sub).invalidateSeq;
      sleepAttempt(t, 'mmu_interval_read_begin', fx);
      // lock_map_acquire/release of the notifier map: the caller must not hold a lock invalidate takes (§5.3 P3).
      return advancePc(world, lockdepAcquire(world, s, t, 'notifier_map', [], fx), t, { ...c, locals: { ...c.locals, ...witnessLocals(s), [i.into]: seq } });
    }
    case 'readRetry': {
      const retry = subOf(s, c.sub).invalidateSeq !== c.locals[i.since];
      if (retry && fx.record) fx.events.push(`mmu_interval_read_retry -> true`);
      return retry ? advancePc(world, s, t, c, i.then) : advancePc(world, s, t, c);
    }
    case 'alloc': {
      sleepAttempt(t, 'kmalloc(GFP_KERNEL)', fx);
      if (fx.record) fx.events.push('kmalloc(GFP_KERNEL)');
      // might_alloc → fs_reclaim_acquire (f920e413ff9c, v5.11): every held lock → fs_reclaim.
      return advancePc(world, lockdepAcquire(world, s, t, 'fs_reclaim', [], fx), t, c);
    }
    case 'waitFence': {
      sleepAttempt(t, 'dma_fence_wait', fx);
      if (fx.record) fx.events.push('dma_fence_wait (hardware done)');
      return advancePc(world, s, t, c);
    }
    case 'waitZero': {
      // Enabled only once the counter is 0 (blocker); remembers the witness like a snapshot does.
      sleepAttempt(t, `wait_event(${i.counter} == 0)`, fx);
      return advancePc(world, s, t, { ...c, locals: { ...c.locals, ...witnessLocals(s) } });
    }
    case 'jump':
      return (i.if === undefined || evalCond(s, t, c, i.if) ? advancePc(world, s, t, c, i.to) : advancePc(world, s, t, c));
    case 'retry': {
      // A collision explained by an invalidation (active at the snapshot, started since, or
      // active now) is the protocol working; an unexplained one is a stuck collision marker
      // and repeats forever, so only those count towards the bound (INV-14).
      const explained = c.locals.invActive === 1 || c.locals.invStarted !== s.nextInvId || invalidationActive(s);
      const retries = explained ? t.retries : t.retries + 1;
      if (retries >= world.knobs.faultRetryBound) {
        if (fx.record) fx.events.push(`fault on ${c.sub} collided ${retries} times with no invalidation to explain it: give up`);
        fx.facts.push({ fact: 'fault_gave_up', thread: t.id, sub: c.sub, retries });
        return put(s, { ...t, call: null, retries, done: true, outcome: 'gave_up' });
      }
      if (fx.record) fx.events.push(explained ? 'fault collided with an invalidation: retry' : `fault collided with no invalidation in progress: retry (${retries})`);
      return put(s, { ...t, retries, call: { ...c, pc: programOf(world, c).labels[i.to] } });
    }
    case 'ret':
      return returnFromCall(world, s, t, c, i.value, fx);
    default:
      return i satisfies never;
  }
};

const invalidationActive = (s: ModelState): boolean => s.core.activeInvalidateRanges > 0 || s.threads.some((t) => t.inv !== null);

/** Remembered at the snapshot, to tell an explained collision from a stuck marker. */
const witnessLocals = (s: ModelState) => ({ invStarted: s.nextInvId, invActive: invalidationActive(s) ? 1 : 0 });

const isCallback = (c: Call): boolean => c.op === 'invalidate_range_start' || c.op === 'invalidate_range_end' || c.op === 'invalidate';

/** The lockdep class of a driver lock: one class per driver and lock name, whatever the instance. */
const lockClass = (world: World, sub: string, lock: string): string => `${world.defs[sub].driver}:${lock}`;

/** The lock classes a thread holds now. */
const heldClasses = (world: World, s: ModelState, t: ThreadState): string[] => {
  const out: string[] = [];
  for (const [id, l] of Object.entries(s.locks)) {
    if (l.writer !== t.id && !l.readers.includes(t.id)) continue;
    const dot = id.indexOf('.');
    out.push(dot < 0 ? id : lockClass(world, id.slice(0, dot), id.slice(dot + 1)));
  }
  return out;
};

/**
 * lockdep's check_prevs_add: acquiring `to` while holding locks adds held → to for each
 * (DOMAIN.md §8 INV-11). `implicit` are pseudo-locks held by context (the notifier map in a callback).
 */
const lockdepAcquire = (world: World, s: ModelState, t: ThreadState, to: string, implicit: readonly string[], fx: Effects): ModelState => {
  const from = [...implicit, ...heldClasses(world, s, t)];
  let lockdep = s.lockdep;
  for (const f of from) {
    const e = `${f}→${to}`;
    if (f === to || lockdep.includes(e)) continue;
    lockdep = [...lockdep, e];
    fx.facts.push({ fact: 'lockdep_edge', thread: t.id, from: f, to, why: implicit.includes(f) ? 'taken inside a notifier callback' : `taken while holding ${f}` });
  }
  return lockdep === s.lockdep ? s : { ...s, lockdep };
};

const faultPage = (s: ModelState, c: Call): Range => {
  const iv = subOf(s, c.sub).interval;
  return { start: iv.start, end: iv.start + 1 };
};

const evalCond = (s: ModelState, t: ThreadState, c: Call, cond: Cond): boolean => {
  switch (cond.is) {
    case 'nonblockable':
      return !c.blockable;
    case 'intersects':
      return intersects(t.inv ? t.inv.range : faultPage(s, c), subOf(s, c.sub).interval);
    case 'nonzero':
      return s.drivers[c.sub].counters[cond.counter] !== 0;
    case 'changed':
      return s.drivers[c.sub].counters[cond.counter] !== c.locals[cond.since];
    case 'not':
      return !evalCond(s, t, c, cond.cond);
    case 'any':
      return cond.conds.some((x) => evalCond(s, t, c, x));
    default:
      return cond satisfies never;
  }
};

/** A sleeping operation inside a non-blockable invalidation (INV-5; DOMAIN.md §2.3). */
const sleepAttempt = (t: ThreadState, what: string, fx: Effects): void => {
  if (!inNonblock(t)) return;
  fx.facts.push({ fact: 'sleep_in_nonblock', thread: t.id, what, nonBlockCount: t.nonBlockCount });
  if (t.nonBlockCount > 0)
    fx.diagnostics.push({ kind: 'BUG', text: `BUG: sleeping function called from invalid context (${what}), non_block: ${t.nonBlockCount}` });
};

// ---------------------------------------------------------------------------------------------
// The core's walks (DOMAIN.md §2.2) and the strategies' hooks (§5)

/** A callback returned: record its result, apply the core's WARNs (DOMAIN.md §2.2, §2.3), go on walking. */
const returnFromCall = (world: World, s: ModelState, t: ThreadState, c: Call, value: number, fx: Effects): ModelState => {
  if (c.op === 'fault' || c.op === 'ioctl') return put(s, { ...t, call: null, done: true, outcome: 'finished' });
  const inv = t.inv as Invalidation;
  const t1: ThreadState = { ...t, call: null, nonBlockCount: t.nonBlockCount - (c.nonBlock ? 1 : 0) }; // non_block_end()
  if (fx.record) fx.events.push(`${c.sub}.${c.op} -> ${retText(c.op, value)}`);
  if (c.op === 'invalidate_range_end') {
    const ends = { ...inv.ends, [c.sub]: (inv.ends[c.sub] ?? 0) + 1 };
    return advance(world, s, { ...t1, inv: { ...inv, ends } }, fx);
  }
  const hasEnd = world.ops[c.sub].invalidate_range_end !== null;
  fx.facts.push({ fact: 'start_returned', sub: c.sub, inv: inv.id, value, blockable: inv.blockable, hasEnd, form: c.op === 'invalidate' ? 'interval' : 'hlist' });
  const result: StartResult = value === 0 ? 'ok' : 'fail';
  const results = { ...inv.results, [c.sub]: result };
  if (c.op === 'invalidate') {
    if (result === 'fail' && inv.blockable) fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON: ${c.sub}.invalidate returned false in blockable mode` });
    if (result === 'fail' && !inv.blockable) {
      // out_would_block: mn_itree_inv_end, then -EAGAIN without visiting the hlist.
      const s2 = itreeInvEnd(s, fx);
      return finishStart(world, s2, { ...t1, inv: { ...inv, results, failedAt: c.sub } }, EAGAIN, fx);
    }
    return advance(world, s, { ...t1, inv: { ...inv, results } }, fx);
  }
  let failedAt = inv.failedAt;
  if (result === 'fail') {
    if (inv.blockable || value !== EAGAIN) fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON(blockable || ret != -EAGAIN): ${c.sub} returned ${value}` });
    if (world.strategy.warnIfFailingHasEnd && hasEnd) fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON(ops->invalidate_range_end): ${c.sub} failed start but has an end` });
    failedAt ??= c.sub;
  }
  return advance(world, s, { ...t1, inv: { ...inv, results, failedAt } }, fx);
};

/** Push the next callback of the current walk, or move to the next phase (DOMAIN.md §2.2; the strategy's hooks, §5). */
const advance = (world: World, s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  let inv = t.inv as Invalidation;
  for (;;) {
    if (inv.cursor < inv.walk.length) {
      const name = inv.walk[inv.cursor];
      inv = { ...inv, cursor: inv.cursor + 1 };
      const sub = subOf(s, name);
      if (!sub.registered) continue; // unlinked under SRCU since the walk began
      const call = pushFor(world, s, inv, sub, fx);
      if (call === 'stop') {
        inv = { ...inv, cursor: inv.walk.length };
        continue;
      }
      if (call === null) continue;
      return put(s, { ...t, inv, call, nonBlockCount: t.nonBlockCount + (call.nonBlock ? 1 : 0) }); // non_block_start()
    }
    // The walk is exhausted: next phase.
    if (inv.phase === 'itree_start') {
      inv = { ...inv, phase: 'hlist_start', walk: inv.release ? [] : hlistNames(s), cursor: 0 };
      continue;
    }
    if (inv.phase === 'hlist_start') {
      const failed = Object.values(inv.results).includes('fail');
      if (failed && world.strategy.undo !== null) {
        inv = { ...inv, phase: 'undo', walk: hlistNames(s), cursor: 0 };
        continue;
      }
      return finishStart(world, s, { ...t, inv }, failed ? EAGAIN : 0, fx);
    }
    if (inv.phase === 'undo') return finishStart(world, s, { ...t, inv }, EAGAIN, fx);
    // hlist_end (itree_end is done inside invalidate_range_end): the instance is over.
    return closeInvalidation(world, s, { ...t, inv }, fx);
  }
};

const hlistNames = (s: ModelState): string[] => s.subs.filter((x) => x.registered && x.form === 'hlist').map((x) => x.name);

/** The call to make on `sub` in the current phase; null to pass it by; 'stop' to end the walk. */
const pushFor = (world: World, s: ModelState, inv: Invalidation, sub: Subscription, fx: Effects): Call | null | 'stop' => {
  const ops = world.ops[sub.name];
  // Non-blockable callbacks run inside non_block_start/end, except on the v5.12 error-path end
  // walk, which is not wrapped (DOMAIN.md §2.2 [A]).
  const mk = (op: CallOp): Call => ({ sub: sub.name, op, pc: 0, blockable: inv.blockable, nonBlock: !inv.blockable && inv.phase !== 'undo', locals: {} });
  if (inv.phase === 'itree_start') return mk('invalidate');
  if (inv.phase === 'hlist_start') {
    if (inv.failedAt !== null && !world.strategy.continueAfterFailure) return 'stop';
    return mk('invalidate_range_start');
  }
  const startResult: StartResult = inv.results[sub.name] ?? 'notCalled';
  const hasEnd = ops.invalidate_range_end !== null;
  if (inv.phase === 'undo') {
    const failedAt = inv.failedAt === null ? null : subOf(s, inv.failedAt);
    const d = (world.strategy.undo as NonNullable<typeof world.strategy.undo>)({ failedAt, sub, startResult, hasEnd });
    if (d !== 'end') return d === 'stop' ? 'stop' : null;
    fx.facts.push({ fact: 'end_called', sub: sub.name, inv: inv.id, startResult, inUndo: true });
    return mk('invalidate_range_end');
  }
  if (!hasEnd) return null;
  fx.facts.push({ fact: 'end_called', sub: sub.name, inv: inv.id, startResult, inUndo: false });
  return mk('invalidate_range_end');
};

/** __mmu_notifier_invalidate_range_start returns to its caller. */
const finishStart = (world: World, s: ModelState, t: ThreadState, ret: number, fx: Effects): ModelState => {
  const inv: Invalidation = { ...(t.inv as Invalidation), phase: 'returned' };
  if (fx.record) fx.events.push(`invalidate_range_start${inv.blockable ? '' : '_nonblock'} -> ${retText('invalidate_range_start', ret)}`);
  if (t.kind === 'munmap') return put(s, { ...t, inv, pc: 'unmap' }); // blocking callers ignore the result
  if (t.kind === 'exit_mmap') return put(s, { ...t, inv, pc: 'end' }); // mn_itree_release: invalidate, then inv_end
  if (ret === 0) return put(s, { ...t, inv, pc: 'unmap' });
  // __oom_reap_task_mm: skip this VMA, ret = false, no end (unless the strategy says otherwise).
  if (world.strategy.reaperCallsEndAfterFailure) return put(s, { ...t, inv, pc: 'end', attemptOk: false });
  return closeInvalidation(world, s, { ...t, inv, attemptOk: false }, fx);
};

/** The instance is over: judge pairing (INV-1) and return to the caller's next step. */
const closeInvalidation = (world: World, s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  const inv = t.inv as Invalidation;
  const live = s.subs.filter((x) => x.registered && x.form === 'hlist');
  fx.facts.push({
    fact: 'inv_closed',
    inv,
    thread: t.id,
    registered: live.map((x) => x.name),
    hasEnd: live.filter((x) => world.ops[x.name].invalidate_range_end !== null).map((x) => x.name),
  });
  const t2: ThreadState = { ...t, inv: null };
  if (t.kind === 'munmap') return put(s, { ...t2, pc: 'unlock' });
  if (t.kind === 'exit_mmap') return put(s, { ...t2, pc: 'exit_hlist' });
  return put(s, nextVma(s, t2, t.vma + 1));
};

/** __oom_reap_task_mm's VMA loop: the next VMA still mapped, else unlock (DOMAIN.md §3.2). */
const nextVma = (s: ModelState, t: ThreadState, from: number): ThreadState => {
  const i = s.mm.vmas.findIndex((v, k) => k >= from && !v.unmapped);
  return i < 0 ? { ...t, pc: 'unlock' } : { ...t, pc: 'vma', vma: i };
};

/** mn_itree_inv_end: active--, and at 0 with seq odd: seq++ (DOMAIN.md §2.2). */
const itreeInvEnd = (s: ModelState, fx: Effects): ModelState => {
  const active = s.core.activeInvalidateRanges - 1;
  if (active < 0) fx.facts.push({ fact: 'underflow', what: 'active_invalidate_ranges', value: active });
  const seq = s.core.invalidateSeq;
  if (active !== 0 || (seq & 1) === 0) {
    if (fx.record) fx.events.push(`active_invalidate_ranges ${active + 1} -> ${active}`);
    return { ...s, core: { ...s.core, activeInvalidateRanges: active } };
  }
  // The last end of a wave: seq++ (even), then apply the deferred inserts and removes (§1.5).
  const { deferred } = s.core;
  if (fx.record) fx.events.push(`active_invalidate_ranges 1 -> 0, invalidate_seq -> ${seq + 1}${deferred.length ? `; deferred ${deferred.map((d) => `${d.op} ${d.sub}`).join(', ')}` : ''}`);
  const subs = deferred.length
    ? s.subs.map((x) => {
        const d = deferred.filter((e) => e.sub === x.name).at(-1);
        return d ? { ...x, registered: d.op === 'insert' } : x;
      })
    : s.subs;
  return { ...s, subs, core: { ...s.core, activeInvalidateRanges: 0, invalidateSeq: seq + 1, deferred: [] } };
};

/** __mmu_notifier_invalidate_range_start: itree part first, then the hlist walk (DOMAIN.md §2.2). */
const invalidateRangeStart = (world: World, s: ModelState, t: ThreadState, blockable: boolean, range: Range, release: boolean, fx: Effects): ModelState => {
  let s2 = s;
  let curSeq = s.core.invalidateSeq;
  let walk: string[] = [];
  let phase: Invalidation['phase'] = 'hlist_start';
  if (s.core.hasItree) {
    // inv_start_range: active++; if any sub intersects, seq |= 1 (the tree is "fully excluded").
    walk = s.subs.filter((x) => x.registered && x.form === 'interval' && intersects(x.interval, range)).sort((a, b) => a.interval.start - b.interval.start).map((x) => x.name);
    curSeq = walk.length > 0 ? s.core.invalidateSeq | 1 : s.core.invalidateSeq;
    s2 = { ...s, core: { ...s.core, activeInvalidateRanges: s.core.activeInvalidateRanges + 1, invalidateSeq: curSeq } };
    if (fx.record) fx.events.push(`active_invalidate_ranges -> ${s2.core.activeInvalidateRanges}, invalidate_seq ${curSeq}`);
    phase = 'itree_start';
  } else walk = hlistNames(s);
  const inv: Invalidation = { id: s.nextInvId, blockable, release, range, phase, curSeq, walk, cursor: 0, results: {}, ends: {}, failedAt: null };
  // lock_map_acquire(&__mmu_notifier_invalidate_range_start_map) under mmap_lock (23b68395c7c7).
  const s3 = lockdepAcquire(world, s2, t, 'notifier_map', [], fx);
  return advance(world, { ...s3, nextInvId: s.nextInvId + 1 }, { ...t, inv }, fx);
};

/** __mmu_notifier_invalidate_range_end: mn_itree_inv_end, then every hlist end (DOMAIN.md §2.2). */
const invalidateRangeEnd = (world: World, s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  const inv = t.inv as Invalidation;
  const s2 = s.core.hasItree ? itreeInvEnd(s, fx) : s;
  return advance(world, s2, { ...t, inv: { ...inv, phase: 'hlist_end', walk: inv.release ? [] : hlistNames(s), cursor: 0 } }, fx);
};

/** Clear the PTEs of a range and free their frames, noting any a device still maps (INV-8, INV-13). */
const clearPtes = (s: ModelState, t: ThreadState, r: Range, what: string, fx: Effects): ModelState => {
  const freed: number[] = [];
  const afterFailedStart = t.inv !== null && Object.values(t.inv.results).includes('fail');
  fx.facts.push({ fact: 'pte_cleared', thread: t.id, start: r.start, end: r.end, afterFailedStart });
  const pte = s.mm.pte.map((f, p) => {
    if (p < r.start || p >= r.end || f === null) return f;
    freed.push(f);
    const mappedBy = Object.keys(s.drivers).filter((n) => s.drivers[n].sptes[p] === f);
    fx.facts.push({ fact: 'frame_freed', thread: t.id, page: p, frame: f, mappedBy });
    return null;
  });
  if (fx.record) fx.events.push(`${what} [${r.start},${r.end}): free frames ${freed.length ? freed.join(',') : '(none)'}`);
  return { ...s, mm: { ...s.mm, pte, freedFrames: [...s.mm.freedFrames, ...freed] } };
};

/** unmap_page_range: clear the PTEs and free the frames (DOMAIN.md §3.2; munmap also drops the VMA). */
const unmapPageRange = (world: World, s: ModelState, t: ThreadState, vma: number, fx: Effects): ModelState => {
  const v = s.mm.vmas[vma];
  const s1 = clearPtes(s, t, v, 'unmap_page_range', fx);
  const vmas = t.kind === 'munmap' ? s1.mm.vmas.map((x, k) => (k === vma ? { ...x, unmapped: true } : x)) : s1.mm.vmas;
  const s2: ModelState = { ...s1, mm: { ...s1.mm, vmas } };
  if (world.scenario.reaper === 'no-notify' && t.kind === 'oom_reaper') return put(s2, nextVma(s2, t, vma + 1));
  return put(s2, { ...t, pc: 'end' });
};

/** oom_reap_task_mm: mmap_read_trylock, MMF_OOM_SKIP check, MMF_UNSTABLE (DOMAIN.md §3.2, §3.3). */
const mmapReadTrylock = (world: World, s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  if (lockBusy(s.locks.mmap_lock, 'read')) {
    if (fx.record) fx.events.push('mmap_read_trylock failed');
    return failedAttempt(s, t, fx);
  }
  const s2 = setLock(s, 'mmap_lock', { writer: null, readers: [...s.locks.mmap_lock.readers, t.id] });
  // v4.14: mm_has_notifiers() once mmap_lock is read-held (Andrea's placement, Seed2), before
  // the MMF_OOM_SKIP test and before MMF_UNSTABLE is set.
  if (world.scenario.reaper === 'skip-if-notifiers' && s.core.hasSubscriptions) {
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
const failedAttempt = (s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  const attempts = t.attempts + 1;
  if (attempts >= MAX_OOM_REAP_RETRIES) {
    if (fx.record) fx.events.push(`oom_reaper: unable to reap after ${attempts} attempts; set MMF_OOM_SKIP`);
    return put(setSkip(s), { ...t, attempts, pc: 'done', done: true, outcome: 'unable_to_reap' });
  }
  return put(s, { ...t, attempts, pc: 'trylock', attemptOk: true });
};

/** mmap_read_unlock at the end of an attempt (DOMAIN.md §3.2), or munmap's mmap_write_unlock. */
const mmapUnlock = (s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  const l = s.locks.mmap_lock;
  if (t.kind === 'munmap') {
    if (fx.record) fx.events.push('mmap_write_unlock');
    return put(setLock(s, 'mmap_lock', { writer: null, readers: l.readers }), { ...t, pc: 'done', done: true, outcome: 'finished' });
  }
  const at = l.readers.indexOf(t.id);
  const s2 = setLock(s, 'mmap_lock', { writer: l.writer, readers: l.readers.filter((_, k) => k !== at) });
  if (t.attemptOk) {
    if (fx.record) fx.events.push(s.mm.MMF_OOM_SKIP ? 'mmap_read_unlock' : 'mmap_read_unlock; reaped; set MMF_OOM_SKIP');
    return put(setSkip(s2), { ...t, pc: 'done', done: true, outcome: s.mm.MMF_OOM_SKIP ? 'finished' : 'reaped' });
  }
  if (fx.record) fx.events.push('mmap_read_unlock; attempt failed');
  return failedAttempt(s2, t, fx);
};

/** v4.14 (4d4bbd8526a8): an mm with notifiers is skipped and declared done (DOMAIN.md §3.3). */
const oomReaperSkip = (s: ModelState, t: ThreadState, fx: Effects): ModelState => {
  const l = s.locks.mmap_lock;
  if (fx.record) fx.events.push('mm_has_notifiers: skip; schedule_timeout_idle(HZ); set MMF_OOM_SKIP');
  const s2 = l.readers.includes(t.id) ? setLock(s, 'mmap_lock', { writer: l.writer, readers: l.readers.filter((r) => r !== t.id) }) : s;
  return put(setSkip(s2), { ...t, pc: 'done', done: true, outcome: 'reaped' });
};

export type { Diagnostic, Fact };

// ---------------------------------------------------------------------------------------------
// Registration, unregistration and exit (DOMAIN.md §1.4, §1.5, §3.2)

const finished = (t: ThreadState): ThreadState => ({ ...t, pc: 'done', done: true, outcome: 'finished' });

/** A driver's teardown of every secondary mapping (->release, or before an interval remove). */
const releaseMirror = (s: ModelState, name: string, fx: Effects): ModelState => {
  const d = s.drivers[name];
  const pages = Object.keys(d.sptes);
  if (pages.length && fx.record) fx.events.push(`${name}: zap secondary mappings of pages ${pages.join(',')}`);
  const s1 = setSub(s, { ...subOf(s, name), released: true });
  return pages.length ? { ...s1, drivers: { ...s1.drivers, [name]: { ...d, sptes: {} } } } : s1;
};

/**
 * mmu_notifier_register: mmap_write_lock + mm_take_all_locks (knob registrationTakesAllLocks),
 * hlist_add_head_rcu (or the sorted insert of §5.2), unlock. mmu_interval_notifier_insert takes
 * no mmap lock and defers the insert while the tree is frozen (DOMAIN.md §1.4, §1.5).
 * Abstracts: the GFP_KERNEL allocation of the subscriptions struct (it exists already).
 */
const register = (world: World, s: ModelState, t: ThreadState, phase: 'reg_lock' | 'reg_insert' | 'reg_unlock', fx: Effects): ModelState => {
  const name = t.target as string;
  const sub = subOf(s, name);
  switch (phase) {
    case 'reg_lock': {
      if (fx.record) fx.events.push('mmap_write_lock; mm_take_all_locks');
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      return put(setLock(s1, 'mmap_lock', { writer: t.id, readers: [] }), { ...t, pc: 'reg_insert' });
    }
    case 'reg_unlock': {
      if (fx.record) fx.events.push('mm_drop_all_locks; mmap_write_unlock');
      return put(setLock(s, 'mmap_lock', FREE), finished(t));
    }
    case 'reg_insert': {
      const afterInsert = s.locks.mmap_lock.writer === t.id ? { ...t, pc: 'reg_unlock' as const } : finished(t);
      if (sub.form === 'hlist') {
        // INV-17: every open start…end window on this mm should have excluded this.
        const open = s.threads.filter((x) => x.inv !== null).map((x) => x.id);
        fx.facts.push({ fact: 'hlist_added', sub: name, thread: t.id, openInvalidations: open });
        const added: Subscription = { ...sub, registered: true };
        const rest = s.subs.filter((x) => x.name !== name);
        const head = world.strategy.insertion === 'head';
        const subs = head ? [added, ...rest] : [...rest, added].sort((a, b) => a.address - b.address);
        if (fx.record) fx.events.push(`${name}: ${head ? 'hlist_add_head_rcu' : 'insert sorted by address'}`);
        const s1: ModelState = { ...s, subs, core: { ...s.core, hasSubscriptions: true } };
        return put(s1, afterInsert);
      }
      const { activeInvalidateRanges: active, invalidateSeq: seq } = s.core;
      const core = { ...s.core, hasItree: true, hasSubscriptions: true };
      if (active > 0 && (seq & 1) === 1) {
        if (fx.record) fx.events.push(`${name}: tree frozen (invalidate_seq ${seq}): deferred insert`);
        const s1: ModelState = { ...setSub(s, { ...sub, invalidateSeq: seq }), core: { ...core, deferred: [...core.deferred, { sub: name, op: 'insert' }] } };
        return put(s1, afterInsert);
      }
      // Active but not frozen: freeze (seq |= 1) so a reader waits for this wave; idle: seq - 1.
      const cur = active > 0 ? seq | 1 : seq;
      if (fx.record) fx.events.push(`${name}: interval_tree_insert, invalidate_seq ${active > 0 ? cur : seq - 1}`);
      const s1: ModelState = { ...setSub(s, { ...sub, registered: true, invalidateSeq: active > 0 ? cur : seq - 1 }), core: { ...core, invalidateSeq: cur } };
      return put(s1, afterInsert);
    }
  }
};

/**
 * mmu_notifier_unregister: ->release in an SRCU section, hlist_del_init_rcu, synchronize_srcu,
 * mmdrop; it takes no mmap lock, so it can land between a start and its end (DOMAIN.md §1.4).
 * mmu_interval_notifier_remove: deferred while the tree is frozen, then wait for seq to move (§1.5).
 */
const unregister = (world: World, s: ModelState, t: ThreadState, phase: 'unreg_release' | 'unreg_unlink' | 'srcu_wait' | 'seq_wait', fx: Effects): ModelState => {
  const name = t.target as string;
  const sub = subOf(s, name);
  switch (phase) {
    case 'unreg_release':
      return put(releaseMirror(s, name, fx), { ...t, pc: 'unreg_unlink' });
    case 'unreg_unlink': {
      if (sub.form === 'hlist') {
        if (fx.record) fx.events.push(`hlist_del_init_rcu(${name})`);
        return put(setSub(s, { ...sub, registered: false }), { ...t, pc: 'srcu_wait', srcuReaders: srcuReadersNow(s) });
      }
      const s1 = lockdepAcquire(world, s, t, 'notifier_map', [], fx); // lock_map_acquire before the wait
      const seq = s1.core.invalidateSeq;
      if ((seq & 1) === 1) {
        const pendingInsert = s1.core.deferred.some((d) => d.sub === name && d.op === 'insert');
        if (pendingInsert) {
          if (fx.record) fx.events.push(`${name}: never inserted: drop the deferred insert`);
          return put({ ...s1, core: { ...s1.core, deferred: s1.core.deferred.filter((d) => d.sub !== name) } }, finished(t));
        }
        if (fx.record) fx.events.push(`${name}: tree frozen (invalidate_seq ${seq}): deferred remove`);
        return put({ ...s1, core: { ...s1.core, deferred: [...s1.core.deferred, { sub: name, op: 'remove' }] } }, { ...t, pc: 'seq_wait', waitSeq: seq });
      }
      if (fx.record) fx.events.push(`${name}: interval_tree_remove`);
      return put(setSub(s1, { ...sub, registered: false }), finished(t));
    }
    case 'srcu_wait':
    case 'seq_wait':
      fx.facts.push({ fact: 'unregistered', sub: name, thread: t.id });
      return put(s, finished(t));
  }
};

/**
 * exit_mmap of the victim (≈v4.19–v5.x): mmu_notifier_release (mn_itree_release, then ->release
 * on every hlist notifier, unhash, synchronize_srcu); for an OOM victim __oom_reap_task_mm and
 * MMF_OOM_SKIP; mmap_write_lock/unlock so the reaper is out; unmap_vmas (DOMAIN.md §1.4, §3.2).
 * Abstracts: exit's own __oom_reap_task_mm notifies no interval notifier (mn_itree_release has
 * just invalidated them all).
 */
const exitMmap = (world: World, s: ModelState, t: ThreadState, phase: 'exit_hlist' | 'exit_srcu' | 'exit_oom' | 'exit_lock' | 'exit_unmap', fx: Effects): ModelState => {
  const all: Range = { start: 0, end: s.mm.pte.length };
  switch (phase) {
    case 'exit_hlist': {
      let s1 = s;
      for (const x of s.subs.filter((x) => x.registered && x.form === 'hlist')) {
        if (fx.record) fx.events.push(`${x.name}->release`);
        const r = releaseMirror(s1, x.name, fx);
        s1 = setSub(r, { ...subOf(r, x.name), registered: false });
      }
      return put(s1, { ...t, pc: 'exit_srcu', srcuReaders: srcuReadersNow(s) });
    }
    case 'exit_srcu':
      if (fx.record) fx.events.push('synchronize_srcu');
      return put(s, { ...t, pc: world.underOom ? 'exit_oom' : 'exit_lock' });
    case 'exit_oom':
      return put(setSkip(clearPtes(s, t, all, '__oom_reap_task_mm', fx)), { ...t, pc: 'exit_lock' });
    case 'exit_lock':
      if (fx.record) fx.events.push('mmap_write_lock; mmap_write_unlock (the reaper is out)');
      return put(lockdepAcquire(world, s, t, 'mmap_lock', [], fx), { ...t, pc: 'exit_unmap' });
    case 'exit_unmap': {
      const s1 = clearPtes(s, t, all, 'unmap_vmas', fx);
      return put({ ...s1, mm: { ...s1.mm, vmas: s1.mm.vmas.map((v) => ({ ...v, unmapped: true })) } }, finished(t));
    }
  }
};
