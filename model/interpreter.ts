/**
 * The driver-program interpreter (program.ts is the language): one instruction per step, its
 * guard (why it cannot run now), its update, and its label. A callback's `ret` hands control
 * back to the core's walk (core/invalidate.ts) through the caller's continuation.
 */
import type { Effects } from './facts.ts';
import { lockClass, lockdepAcquire } from './lockdep.ts';
import { putPage, unpinZapped } from './mm.ts';
import { intervalTreeInsert, intervalTreeRemove, itreeLockBlocker } from './core/itree.ts';
import { describeCond, lockVerb, tryOnly } from './describe-instr.ts';
import { WITH_FINISH, type Cond, type Instr, type Program } from './program.ts';
import {
  downRead, fatalSignalPending, faultPage, holdsDriverLock, intersects, invalidationActive, isInvalidating, lockId, memoryShort, mirrorGone, put,
  registerPending, releaseMirror, setCounter, setSub, subOf, takeAllLocksInterrupted, upRead,
} from './state.ts';
import { downWrite, readLockBlocker, rmapLockBlocker, trylockFails, upWrite, writeLockBlocker, type Blocker } from './rwsem.ts';
import type { Call, DriverThread, ModelState, Range, ThreadState, World } from './types.ts';

/** Where a driver program returns to: the core's walk (a callback), a ->release caller; null for a fault or an ioctl. */
export interface CallReturn {
  returned(world: World, s: ModelState, t: ThreadState, c: Call, value: number, fx: Effects): ModelState;
}

export interface DriverInstrAction {
  readonly type: 'driver_instr';
  readonly t: ThreadState;
  readonly call: Call;
  readonly instr: Instr;
  readonly back: CallReturn | null;
}

// A call is only ever pushed for an op the notifier has.
export const programOf = (world: World, call: Call): Program => world.ops[call.sub][call.op] as Program;

export const driverInstrAction = (world: World, t: ThreadState, call: Call, back: CallReturn | null): DriverInstrAction =>
  ({ type: 'driver_instr', t, call, instr: programOf(world, call).code[call.pc], back });

/** A fault of a released mirror gives up, once it holds none of the driver's locks. */
const abandons = (s: ModelState, t: ThreadState, c: Call): boolean => mirrorGone(s, c.sub) && !holdsDriverLock(s, t, c.sub);

/** Whether the thread is inside a non-blockable invalidation (the reaper's). */
const inNonblock = (t: ThreadState): boolean => t.inv !== null && !t.inv.blockable;


export const driverInstrBlocker = (world: World, s: ModelState, a: DriverInstrAction): Blocker | null => {
  const { t, call: c, instr: i } = a;
  if (c.op === 'fault' && c.pc === 0 && !subOf(s, c.sub).registered && registerPending(s, c.sub)) return { on: 'registration', sub: c.sub };
  if (c.op === 'fault' && abandons(s, t, c)) return null; // it steps only to give up
  switch (i.op) {
    case 'lock': {
      if (tryOnly(i, c)) return null;
      const id = lockId(c.sub, i.lock);
      if (recursiveJoin(s, i, id)) return null;
      return i.mode === 'read' ? readLockBlocker(world, s, id, t.id) : writeLockBlocker(world, s, id, t.id);
    }
    // An OOM victim's own task takes the ALLOC_OOM reserves instead of waiting (docs/kernel.md §3.4).
    case 'alloc':
      return memoryShort(world, s) && !fatalSignalPending(world, s, t) ? { on: 'memory' } : null;
    // get_user_pages / hmm_range_fault run under mmap_read_lock (docs/kernel.md §2.5 step 2, §6.6).
    case 'gup':
      return readLockBlocker(world, s, 'mmap_lock', t.id);
    case 'waitZero':
      return s.drivers[c.sub].counters[i.counter] !== 0 ? { on: 'counter', sub: c.sub, counter: i.counter } : null;
    // mmu_interval_read_begin reads the seq under subscriptions->lock, then waits without it.
    case 'readBegin': {
      const sub = subOf(s, c.sub);
      return itreeLockBlocker(world, s, t.id) ?? (isInvalidating(s, sub) ? { on: 'invalidation', sub: sub.name } : null);
    }
    // The first insert registers the NULL notifier: mmap_write_lock and mm_take_all_locks (§1.5); the insert takes subscriptions->lock.
    case 'intervalInsert':
      if (s.core.hasItree) return itreeLockBlocker(world, s, t.id);
      // mm_take_all_locks tests signal_pending before it takes an rmap lock (§3.4).
      return writeLockBlocker(world, s, 'mmap_lock', t.id) ?? ((c.op === 'fault' || c.op === 'ioctl') && takeAllLocksInterrupted(world, s, t) ? null : rmapLockBlocker(world, s, t.id));
    // The remove takes subscriptions->lock; a deferred one then waits for invalidate_seq to move
    // (read without the lock up to v5.17, with it from 319561669a59).
    case 'intervalRemove': {
      if (c.locals.removeSeq === undefined || world.kernel.intervalRemoveWaitUnderLock) {
        const locked = itreeLockBlocker(world, s, t.id);
        if (locked !== null) return locked;
      }
      return c.locals.removeSeq !== undefined && s.core.invalidateSeq === c.locals.removeSeq ? { on: 'invalidation', sub: c.sub } : null;
    }
    default:
      return null;
  }
};

/** The index in the program's source (labels counted, as `driver check` numbers it) of instruction `pc`. */
const sourceIndex = (p: Program, pc: number): number => pc + Object.values(p.labels).filter((k) => k <= pc).length;

/** The driver counters a condition reads, in order, once each. */
const condCounters = (c: Cond, out: string[] = []): string[] => {
  if (c.is === 'not') condCounters(c.cond, out);
  else if (c.is === 'any') for (const x of c.conds) condCounters(x, out);
  else if ('counter' in c && !out.includes(c.counter)) out.push(c.counter);
  return out;
};

/** A counter with a declared range (DriverDef.counters min/max) changed to `to`: INV-18 judges it (a WARN_ON when it left the range). */
const rangeCheck = (world: World, t: ThreadState, c: Call, counter: string, to: number, fx: Effects): void => {
  const d = world.defs[c.sub]?.counters[counter];
  if (d === undefined || (d.min === undefined && d.max === undefined)) return;
  const low = d.min !== undefined && to < d.min;
  const high = d.max !== undefined && to > d.max;
  const range = `[${d.min ?? '-inf'}, ${d.max ?? 'inf'}]`;
  const what = `${c.sub}.${counter} = ${to}, outside its declared range ${range} (${opName(world, c)}[${sourceIndex(programOf(world, c), c.pc)}])`;
  fx.facts.push({ fact: 'driver_assert', thread: t.id, sub: c.sub, kind: 'range', fired: low || high, what: low || high ? what : `${c.sub}.${counter} = ${to} in ${range}` });
  if (low || high) fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON(${c.sub}.${counter} ${low ? `< ${d.min}` : `> ${d.max}`})` });
};

/** The thread's call moves to the next instruction, or to a label. */
const advancePc = (world: World, s: ModelState, t: ThreadState, c: Call, label?: string): ModelState =>
  put(s, { ...t, call: { ...c, pc: label === undefined ? c.pc + 1 : programOf(world, c).labels[label] } });

/** The range a callback works on: its invalidation's, or the faulting page. */
const invRange = (s: ModelState, t: ThreadState, c: Call): Range => (t.inv ? t.inv.range : faultPage(s, c));

/** Remembered at the snapshot, to tell an explained collision from a stuck marker. */
const witnessLocals = (s: ModelState) => ({ invStarted: s.nextInvId, invActive: invalidationActive(s) ? 1 : 0 });

/** The callback's kernel name: a two-pass interval notifier's `invalidate` is its ->invalidate_start (v7.1). */
export const opName = (world: World, c: Call): string => (c.op === 'invalidate' && world.ops[c.sub].twoPass ? 'invalidate_start' : c.op);

/** A recursive read lock another open window already read-holds: joined, not taken (program.ts `recursive`). */
const recursiveJoin = (s: ModelState, i: Instr, id: string): boolean => i.op === 'lock' && i.recursive === true && i.mode === 'read' && s.locks[id].readers.length > 0;

const isCallback = (c: Call): boolean => c.op === 'invalidate_range_start' || c.op === 'invalidate_range_end' || c.op === 'invalidate' || c.op === 'invalidate_finish';

/** put_page of the fault's get_user_pages reference, if it holds one. */
const dropPin = (world: World, s: ModelState, t: ThreadState, c: Call, fx: Effects): ModelState =>
  c.locals.pinned === 1 ? putPage(world, s, t, faultPage(s, c).start, c.locals.frame, fx) : s;

/**
 * __get_user_pages tests fatal_signal_pending before each page (-EINTR); get_user_pages_fast only on
 * its slow path, for a page it must fault in; hmm_range_fault never (docs/kernel.md §3.4). An
 * ioctl's lookup is get_user_pages on current->mm.
 */
const gupInterrupted = (world: World, s: ModelState, t: ThreadState, c: Call, present: boolean): boolean => {
  if ((c.op !== 'fault' && c.op !== 'ioctl') || !fatalSignalPending(world, s, t)) return false;
  const gup = c.op === 'fault' ? world.defs[c.sub].faultInTask?.gup : 'always';
  return gup === 'always' || (gup === 'fault-in' && !present);
};

/** A retry goes through a fatal-signal test (the ioctl's return to user space, vcpu_run): a signalled task ends there (§3.4). */
const killedAtRetry = (world: World, s: ModelState, t: ThreadState, c: Call): boolean =>
  fatalSignalPending(world, s, t) && (t.kind === 'ioctl' || world.defs[c.sub].faultInTask?.retry === true);

/** The task ends where the kernel tests the fatal signal: it returns to user space and is killed (docs/kernel.md §3.4). */
const killed = (world: World, s: ModelState, t: ThreadState, c: Call, why: string, fx: Effects): ModelState => {
  if (fx.record) fx.events.push(`${why}: fatal signal pending, ${t.id} exits`);
  return put(dropPin(world, s, t, c, fx), { ...t, call: null, done: true, outcome: 'finished' });
};

/** An invalidation explains the call's collision: active at its snapshot, started since, or active now (INV-14). */
const collisionExplained = (s: ModelState, c: Call): boolean => c.locals.invActive === 1 || c.locals.invStarted !== s.nextInvId || invalidationActive(s);

/** The key under which a spin remembers its notifier's interval seq (not an identifier: no counter is named so). */
const SEQ = '#seq';

/** What a fault's collision check reads, remembered when it begins to spin: its notifier's counters and interval seq. */
const spinWatch = (s: ModelState, c: Call): Readonly<Record<string, number>> => ({ ...s.drivers[c.sub].counters, [SEQ]: subOf(s, c.sub).invalidateSeq });

/** A spinning fault's next turn may end differently: an invalidation explains it, or what its check reads moved. */
const spinResumes = (s: ModelState, t: DriverThread, c: Call): boolean => {
  if (collisionExplained(s, c)) return true;
  const now = s.drivers[c.sub].counters;
  const was = t.spin as Readonly<Record<string, number>>;
  for (const k in now) if (now[k] !== was[k]) return true;
  return subOf(s, c.sub).invalidateSeq !== was[SEQ];
};

/**
 * A thread spinning at its retry whose next step changes nothing (DriverThread.spin): runnable,
 * but nothing else waits on it. The reaper's sleep ends as if it could not step (reaper.ts), the
 * drain takes it as blocked, and a state where only such threads can step is a fair cycle of
 * their spins (model/run.ts, engine/exhaustive.ts; docs/kernel.md §8 INV-14).
 */
export const idleSpinner = (world: World, s: ModelState, t: ThreadState): boolean =>
  (t.kind === 'fault' || t.kind === 'ioctl') && t.spin !== null && t.call !== null && !(t.call.op === 'fault' && abandons(s, t, t.call)) && !killedAtRetry(world, s, t, t.call) && !spinResumes(s, t, t.call);

/** A sleeping operation inside a non-blockable invalidation (INV-5; docs/kernel.md §2.3). */
const sleepAttempt = (t: ThreadState, what: string, fx: Effects): void => {
  if (!inNonblock(t)) return;
  fx.facts.push({ fact: 'sleep_in_nonblock', thread: t.id, what, nonBlockCount: t.nonBlockCount });
  if (t.nonBlockCount > 0)
    fx.diagnostics.push({ kind: 'BUG', text: `BUG: sleeping function called from invalid context (${what}), non_block: ${t.nonBlockCount}` });
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
    case 'above':
      return s.drivers[c.sub].counters[cond.counter] > cond.value;
    case 'below':
      return s.drivers[c.sub].counters[cond.counter] < cond.value;
    case 'not':
      return !evalCond(s, t, c, cond.cond);
    case 'any':
      return cond.conds.some((x) => evalCond(s, t, c, x));
    default:
      return cond satisfies never;
  }
};

export const driverInstr = (world: World, s: ModelState, a: DriverInstrAction, fx: Effects): ModelState => {
  const { t, call: c, instr: i } = a;
  if (c.op === 'fault' && abandons(s, t, c)) {
    // ->release shut the mirror down (docs/kernel.md §1.3): the device faults no more.
    if (fx.record) fx.events.push(`${c.sub}: mirror released, the fault is abandoned`);
    return put(dropPin(world, s, t, c, fx), { ...t, call: null, done: true, outcome: 'finished' });
  }
  switch (i.op) {
    case 'lock': {
      const id = lockId(c.sub, i.lock);
      const only = tryOnly(i, c);
      // An rwsem trylock also fails while a writer is queued (docs/kernel.md §1.1).
      if (only && trylockFails(world, s, id, i.mode, t.id)) {
        if (fx.record) fx.events.push(`${lockVerb(i.mode, true)}(${id}) failed`);
        return advancePc(world, s, t, c, i.else);
      }
      if (recursiveJoin(s, i, id)) {
        // Another window already holds it for read: recursion > 1, no down_read (amdgpu_mn_read_lock).
        if (fx.record) fx.events.push(`${id}: recursion > 1, no down_read`);
        return advancePc(world, downRead(s, id, t.id), t, c);
      }
      if (!only && world.lockKinds[id] !== 'spinlock') sleepAttempt(t, `${lockVerb(i.mode, false)}(${id})`, fx);
      if (fx.record) fx.events.push(`${lockVerb(i.mode, only)}(${id})${only ? ' ok' : ''}`);
      // lockdep adds no dependency for a trylock; inside a callback the notifier map is held.
      const s2 = only ? s : lockdepAcquire(world, s, t, lockClass(world, c.sub, i.lock), isCallback(c) ? ['notifier_map'] : [], fx);
      return advancePc(world, i.mode === 'write' ? downWrite(s2, id, t.id) : downRead(s2, id, t.id), t, c);
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
        return advancePc(world, upWrite(s, id), t, c);
      }
      // up_read by a thread that holds no read hold is the caller's bug: a fact and the debug
      // warning, never a silent change to another reader's hold.
      if (!l.readers.includes(t.id)) {
        fx.facts.push({ fact: 'underflow', what: l.readers.length ? `up_read(${id}) by ${t.id}, which holds no read hold` : `up_read(${id}) with no reader: rwsem count -1`, value: -1 });
        fx.diagnostics.push({ kind: 'WARN_ON', text: `DEBUG_RWSEMS_WARN_ON: up_read of unheld ${id}` });
        return advancePc(world, s, t, c);
      }
      if (fx.record) fx.events.push(`up_read(${id})`);
      return advancePc(world, upRead(s, id, t.id), t, c);
    }
    case 'add': {
      const from = s.drivers[c.sub].counters[i.counter];
      const to = from + i.delta;
      if (fx.record) fx.events.push(`${c.sub}.${i.counter} ${from} -> ${to}`);
      if (to < 0) {
        fx.facts.push({ fact: 'underflow', what: `${c.sub}.${i.counter}`, value: to });
        fx.diagnostics.push({ kind: 'BUG_ON', text: `BUG_ON(${c.sub}.${i.counter} < 0)` });
      }
      rangeCheck(world, t, c, i.counter, to, fx);
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
      const s1 = { ...s, drivers: { ...s.drivers, [c.sub]: { ...d, sptes } } };
      return advancePc(world, unpinZapped(world, s1, t, c.sub, gone.map((p) => ({ page: p, frame: d.sptes[p] })), fx), t, c);
    }
    case 'zapAll': {
      const held = Object.entries(s.drivers[c.sub].sptes).map(([p, f]) => ({ page: Number(p), frame: f }));
      return advancePc(world, unpinZapped(world, releaseMirror(s, c.sub, fx), t, c.sub, held, fx), t, c);
    }
    case 'intervalInsert': {
      if (!s.core.hasItree) {
        // mm_take_all_locks: `if (signal_pending(current)) goto out_unlock;` -> -EINTR, nothing inserted (§3.4).
        if ((c.op === 'fault' || c.op === 'ioctl') && takeAllLocksInterrupted(world, s, t)) return killed(world, lockdepAcquire(world, s, t, 'mmap_lock', [], fx), t, c, 'mmu_notifier_register(NULL): mmap_write_lock; mm_take_all_locks -> -EINTR; mmap_write_unlock', fx);
        // mmu_notifier_register(NULL): has_itree under mm_take_all_locks, locks dropped; the insert is the next step.
        if (fx.record) fx.events.push('mmu_notifier_register(NULL): mmap_write_lock; mm_take_all_locks; has_itree = true; unlock');
        const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
        return put({ ...s1, core: { ...s1.core, hasItree: true, hasSubscriptions: true } }, t);
      }
      return advancePc(world, intervalTreeInsert(s, c.sub, fx), t, c);
    }
    case 'intervalRemove': {
      if (c.locals.removeSeq !== undefined) {
        // The wave that froze the tree ended: the deferred remove was applied (mmdrop).
        const { removeSeq: _, ...locals } = c.locals;
        return advancePc(world, s, t, { ...c, locals });
      }
      const r = intervalTreeRemove(lockdepAcquire(world, s, t, 'notifier_map', [], fx), c.sub, fx);
      return r.waitSeq < 0 ? advancePc(world, r.s, t, c) : put(r.s, { ...t, call: { ...c, locals: { ...c.locals, removeSeq: r.waitSeq } } });
    }
    case 'snapshot':
      return advancePc(world, s, t, { ...c, locals: { ...c.locals, ...witnessLocals(s), [i.into]: s.drivers[c.sub].counters[i.counter] } });
    case 'gup': {
      // mmap_read_lock; resolve; mmap_read_unlock: one step, so only its lockdep edges remain.
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      const page = faultPage(s, c).start;
      // The mm is not exiting: exit_mmap waits for faults and ioctls (mm_users, docs/kernel.md §10.1 item 1). A munmapped page fails.
      const live = s1.mm.vmas.some((v) => !v.unmapped && page >= v.start && page < v.end);
      if (!live) {
        if (fx.record) fx.events.push(`get_user_pages(page ${page}) -> -EFAULT`);
        return put(s1, { ...t, call: null, done: true, outcome: 'finished' });
      }
      // The fault holds a page reference from here to its end (put_page): tlb_finish_mmu does not free it meanwhile.
      const have = s1.mm.pte[page];
      if (gupInterrupted(world, s1, t, c, have !== null && have !== undefined)) return killed(world, s1, t, c, `get_user_pages(page ${page}) -> -EINTR`, fx);
      if (have !== null && have !== undefined) return advancePc(world, s1, t, { ...c, locals: { ...c.locals, frame: have, pinned: 1 } });
      // check_stable_address_space: faulting a page in on an mm the reaper has started on is VM_FAULT_SIGBUS.
      if (s1.mm.MMF_UNSTABLE) {
        if (fx.record) fx.events.push(`get_user_pages(page ${page}) -> -EFAULT (MMF_UNSTABLE)`);
        return put(s1, { ...t, call: null, done: true, outcome: 'finished' });
      }
      // Fault the page back in: a fresh frame (the allocation is not subject to the OOM wait).
      const frame = s1.mm.nextFrame;
      if (fx.record) fx.events.push(`get_user_pages(page ${page}) faults in frame ${frame}`);
      const pte = s1.mm.pte.map((f, p) => (p === page ? frame : f));
      return advancePc(world, { ...s1, mm: { ...s1.mm, pte, nextFrame: frame + 1 } }, t, { ...c, locals: { ...c.locals, frame, pinned: 1 } });
    }
    case 'install': {
      const page = faultPage(s, c).start;
      if (mirrorGone(s, c.sub)) {
        if (fx.record) fx.events.push(`${c.sub}: mirror released, page ${page} not mapped`);
        return advancePc(world, s, t, c);
      }
      const frame = c.locals.frame;
      const d = s.drivers[c.sub];
      fx.facts.push({ fact: 'mapped', sub: c.sub, page, frame });
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
      if (fx.record) fx.events.push(memoryShort(world, s) ? 'kmalloc(GFP_KERNEL): OOM victim, ALLOC_OOM reserves' : 'kmalloc(GFP_KERNEL)');
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
      return i.if === undefined || evalCond(s, t, c, i.if) ? advancePc(world, s, t, c, i.to) : advancePc(world, s, t, c);
    case 'retry': {
      if (t.kind !== 'fault' && t.kind !== 'ioctl') return advancePc(world, s, t, c, i.to); // callbacks do not retry
      // The retry goes through a fatal-signal test (the ioctl's return to user space, vcpu_run): §3.4.
      if (killedAtRetry(world, s, t, c)) return killed(world, s, t, c, 'retry', fx);
      // Spinning (DriverThread.spin): another turn of the loop would collide again, so it is
      // this step, which changes nothing, until something the check reads has changed.
      if (t.spin !== null && !spinResumes(s, t, c)) {
        if (fx.record) fx.events.push('fault collided with no invalidation in progress: retry (spinning)');
        return s;
      }
      // A collision explained by an invalidation (active at the snapshot, started since, or
      // active now) is the protocol working; an unexplained one is a stuck collision marker
      // and repeats forever (INV-14): at the bound the fault spins here.
      const explained = collisionExplained(s, c);
      const retries = explained ? t.retries : Math.min(t.retries + 1, world.knobs.faultRetryBound);
      fx.facts.push({ fact: 'fault_retried', thread: t.id, sub: c.sub, explained });
      if (!explained && t.spin === null && retries >= world.knobs.faultRetryBound) {
        if (fx.record) fx.events.push(`fault on ${c.sub} collided ${retries} times with no invalidation to explain it: it spins`);
        return put(dropPin(world, s, t, c, fx), { ...t, retries, spin: spinWatch(s, c), call: { ...c, locals: { ...c.locals, pinned: 0 } } });
      }
      if (fx.record) fx.events.push(explained ? 'fault collided with an invalidation: retry' : `fault collided with no invalidation in progress: retry (${retries})`);
      return put(dropPin(world, s, t, c, fx), { ...t, retries, spin: null, call: { ...c, pc: programOf(world, c).labels[i.to], locals: { ...c.locals, pinned: 0 } } });
    }
    case 'warn_on':
    case 'bug_on': {
      const fired = evalCond(s, t, c, i.if);
      const kind = i.op === 'warn_on' ? 'WARN_ON' : 'BUG_ON';
      const text = `${kind}(${describeCond(i.if)})`;
      const where = `${c.sub}.${opName(world, c)}[${sourceIndex(programOf(world, c), c.pc)}]`;
      const values = condCounters(i.if).map((k) => `${k} = ${s.drivers[c.sub].counters[k]}`).join(', ');
      const what = `${text} at ${where}${i.message === undefined ? '' : ` (${JSON.stringify(i.message)})`}${fired && values ? `: ${values}` : ''}`;
      fx.facts.push({ fact: 'driver_assert', thread: t.id, sub: c.sub, kind, fired, what });
      if (!fired) return advancePc(world, s, t, c);
      fx.diagnostics.push({ kind, text: `${text} at ${where}${i.message === undefined ? '' : `: ${i.message}`}${values ? ` (${values})` : ''}` });
      if (i.op === 'warn_on') return advancePc(world, s, t, c);
      // BUG(): the task is killed where it stands, its locks held, its invalidation (if any) never finished.
      if (fx.record) fx.events.push(`kernel BUG at ${where}: ${t.id} is killed`);
      return put(s, { ...t, call: null, done: true, outcome: 'bug' });
    }
    case 'ret':
      if (a.back === null) return put(dropPin(world, s, t, c, fx), { ...t, call: null, done: true, outcome: 'finished' });
      // A finish handed out with false is dropped (mn_itree_invalidate: `if (ret && finish)`).
      return a.back.returned(world, s, t, c, i.finish && i.value === 0 ? WITH_FINISH : i.value, fx);
    default:
      return i satisfies never;
  }
};

export { describeInstr } from './describe-instr.ts';
