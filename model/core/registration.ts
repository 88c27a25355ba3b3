/**
 * Registration and unregistration (docs/kernel.md §1.4, §1.5):
 * - mmu_notifier_register: mmap_write_lock + mm_take_all_locks (knob registrationTakesAllLocks),
 *   hlist_add_head_rcu (or the strategy's insertion), unlock. The first interval insert
 *   registers the NULL notifier the same way, to set has_itree.
 * - mmu_interval_notifier_insert: no mmap lock; deferred while the tree is frozen.
 * - mmu_notifier_unregister: ->release in an SRCU section, hlist_del_init_rcu,
 *   synchronize_srcu, mmdrop; it takes no mmap lock, so it can land between a start and its end.
 * - mmu_interval_notifier_remove: deferred while the tree is frozen, then wait for seq to move.
 *
 * Abstracts: the GFP_KERNEL allocation of the subscriptions struct (it exists already).
 */
import type { Effects } from '../facts.ts';
import { lockdepAcquire } from '../lockdep.ts';
import { unpinZapped } from '../mm.ts';
import { mmapWriteLockBlocker } from '../munmap.ts';
import { finish, takeAllLocksInterrupted, inHlist, put, releaseMirror, setSub, srcuPending, srcuReadersNow, subOf } from '../state.ts';
import { driverInstrAction, type CallReturn, type DriverInstrAction } from '../interpreter.ts';
import { intervalTreeInsert, intervalTreeRemove, itreeLockBlocker } from './itree.ts';
import { downWrite, RMAP_LOCK, rmapLockBlocker, upWrite, type Blocker } from '../rwsem.ts';
import type { ModelState, RegisterThread, Subscription, UnregisterThread, World } from '../types.ts';

export type RegistrationAction =
  | { readonly type: 'mmu_notifier_register'; readonly t: RegisterThread; readonly phase: RegisterPhase }
  | { readonly type: 'mmu_notifier_unregister'; readonly t: UnregisterThread; readonly phase: UnregisterPhase };

/** `eintr`: mmap_write_unlock after mm_take_all_locks returned -EINTR (§3.4). */
export type RegisterPhase = 'lock' | 'insert' | 'unlock' | 'eintr';

/** `unhashed`: at `release`, a classic notifier exit_mmap's mn_hlist_release has already unhashed. */
export type UnregisterPhase = 'release' | 'unhashed' | 'unlink' | 'srcu_wait' | 'seq_wait';

export const registerAction = (world: World, s: ModelState, t: RegisterThread): RegistrationAction | null => {
  if (t.pc === 'done') return null;
  // mm_take_all_locks for a classic notifier, or mmu_notifier_register(NULL) for the first interval insert (has_itree).
  if (t.pc === 'lock')
    return { type: 'mmu_notifier_register', t, phase: world.knobs.registrationTakesAllLocks && (world.ops[t.target].form !== 'interval' || !s.core.hasItree) ? 'lock' : 'insert' };
  return { type: 'mmu_notifier_register', t, phase: t.pc };
};

export const unregisterAction = (world: World, s: ModelState, t: UnregisterThread): RegistrationAction | DriverInstrAction | null => {
  if (t.call) return driverInstrAction(world, t, t.call, releaseReturn);
  if (t.pc === 'done') return null;
  // `if (!hlist_unhashed(&subscription->hlist))` (docs/kernel.md §1.4): unhashed, there is no ->release and no unlink.
  // `if (subscription->ops->release)`: ops without one (on a named release, hooks.ts releaseOf) go straight to the unlink.
  const sub = subOf(s, t.target);
  if (t.pc !== 'release' || sub.form === 'interval') return { type: 'mmu_notifier_unregister', t, phase: t.pc };
  return { type: 'mmu_notifier_unregister', t, phase: !inHlist(sub) ? 'unhashed' : world.ops[t.target].release === null ? 'unlink' : 'release' };
};

/** ->release returned: unlink. */
const releaseReturn: CallReturn = { returned: (_world, s, t) => put(s, { ...(t as UnregisterThread), call: null, pc: 'unlink' }) };

export const registrationBlocker = (world: World, s: ModelState, a: RegistrationAction): Blocker | null => {
  const interval = world.ops[a.t.target].form === 'interval';
  // mm_take_all_locks: mmap_lock, then every rmap lock (reclaim's start…end window, model/reclaim.ts);
  // with SIGKILL pending it fails at its first signal_pending test, before any rmap lock (§3.4).
  if (a.type === 'mmu_notifier_register') {
    if (a.phase === 'lock') return mmapWriteLockBlocker(world, s, a.t.id) ?? (takeAllLocksInterrupted(world, s, a.t) ? null : rmapLockBlocker(world, s, a.t.id));
    return a.phase === 'insert' && interval ? itreeLockBlocker(world, s, a.t.id) : null;
  }
  if (a.phase === 'srcu_wait') {
    const readers = srcuPending(s, a.t.srcuReaders);
    return readers.length ? { on: 'srcu', readers } : null;
  }
  // mmu_interval_notifier_remove: the unlink under subscriptions->lock; the wait reads the seq
  // without it up to v5.17, with it (mmu_interval_seq_released) from 319561669a59.
  if (a.phase === 'unlink' && interval) return itreeLockBlocker(world, s, a.t.id);
  if (a.phase === 'seq_wait') {
    const locked = world.kernel.intervalRemoveWaitUnderLock ? itreeLockBlocker(world, s, a.t.id) : null;
    return locked ?? (s.core.invalidateSeq === a.t.waitSeq ? { on: 'invalidation', sub: a.t.target } : null);
  }
  return null;
};

export const register = (world: World, s: ModelState, t: RegisterThread, phase: RegisterPhase, fx: Effects): ModelState => {
  const name = t.target;
  const sub = subOf(s, name);
  switch (phase) {
    case 'lock': {
      const s0 = downWrite(lockdepAcquire(world, s, t, 'mmap_lock', [], fx), 'mmap_lock', t.id);
      // An OOM victim's own registration: mm_take_all_locks' `if (signal_pending(current)) goto out_unlock;` -> -EINTR.
      if (takeAllLocksInterrupted(world, s, t)) {
        if (fx.record) fx.events.push('mmap_write_lock; mm_take_all_locks: signal pending -> -EINTR');
        return put(s0, { ...t, pc: 'eintr' });
      }
      const s1 = RMAP_LOCK in s0.locks ? downWrite(s0, RMAP_LOCK, t.id) : s0;
      if (sub.form !== 'interval') {
        if (fx.record) fx.events.push('mmap_write_lock; mm_take_all_locks');
        return put(s1, { ...t, pc: 'insert' });
      }
      // mmu_interval_notifier_insert's first call: mmu_notifier_register(NULL) sets has_itree under
      // the locks and drops them; the insert itself comes after, under the spinlock only (§1.5).
      if (fx.record) fx.events.push('mmap_write_lock; mm_take_all_locks; has_itree = true');
      return put({ ...s1, core: { ...s1.core, hasItree: true, hasSubscriptions: true } }, { ...t, pc: 'unlock' });
    }
    case 'eintr':
      if (fx.record) fx.events.push(`mmap_write_unlock: ${name} not registered (-EINTR)`);
      return put(upWrite(s, 'mmap_lock'), finish(t));
    case 'unlock': {
      if (fx.record) fx.events.push('mm_drop_all_locks; mmap_write_unlock');
      const s1 = RMAP_LOCK in s.locks ? upWrite(s, RMAP_LOCK) : s;
      return put(upWrite(s1, 'mmap_lock'), sub.form !== 'interval' ? finish(t) : { ...t, pc: 'insert' });
    }
    case 'insert': {
      const afterInsert: RegisterThread = s.locks.mmap_lock.writer === t.id ? { ...t, pc: 'unlock' } : finish(t);
      if (sub.form !== 'interval') {
        // INV-17: every open start…end window on this mm should have excluded this.
        const open = s.threads.filter((x) => x.inv !== null).map((x) => x.id);
        fx.facts.push({ fact: 'hlist_added', sub: name, thread: t.id, openInvalidations: open });
        const added: Subscription = { ...sub, registered: true };
        const subs = world.strategy.hlistAdd(s.subs.filter((x) => x.name !== name), added);
        if (fx.record) fx.events.push(`${name}: ${world.strategy.hlistAddLabel}`);
        return put({ ...s, subs, core: { ...s.core, hasSubscriptions: true } }, afterInsert);
      }
      // mmu_interval_notifier_insert (v7.1): WARN_ON_ONCE(ops->invalidate_start && !ops->invalidate_finish), then insert anyway.
      const ops = world.ops[name];
      if (ops.twoPass && ops.invalidate_finish === null) fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON_ONCE(ops->invalidate_start && !ops->invalidate_finish): ${name}` });
      return put(intervalTreeInsert({ ...s, core: { ...s.core, hasItree: true, hasSubscriptions: true } }, name, fx), afterInsert);
    }
  }
};

export const unregister = (world: World, s: ModelState, t: UnregisterThread, phase: UnregisterPhase, fx: Effects): ModelState => {
  const name = t.target;
  const sub = subOf(s, name);
  switch (phase) {
    case 'release':
      // A classic notifier's ->release runs in an SRCU section; an interval notifier's driver tears its mirror down itself.
      if (sub.form !== 'interval') return put(s, { ...t, call: { sub: name, op: 'release', pc: 0, blockable: true, nonBlock: false, locals: {} } });
      const held = Object.entries(s.drivers[name].sptes).map(([p, f]) => ({ page: Number(p), frame: f }));
      return put(unpinZapped(world, releaseMirror(s, name, fx), t, name, held, fx), { ...t, pc: 'unlink' });
    case 'unhashed':
      // Straight to synchronize_srcu: the walks now in their SRCU sections may still call it.
      if (fx.record) fx.events.push(`${name} already unhashed: only synchronize_srcu`);
      return put(s, { ...t, pc: 'srcu_wait', srcuReaders: srcuReadersNow(s) });
    case 'unlink': {
      fx.facts.push({ fact: 'unlinked', sub: name, thread: t.id, openInvalidations: s.threads.filter((x) => x.inv !== null).map((x) => x.id) });
      if (sub.form !== 'interval') {
        if (fx.record) fx.events.push(`hlist_del_init_rcu(${name})`);
        return put(setSub(s, { ...sub, registered: false }), { ...t, pc: 'srcu_wait', srcuReaders: srcuReadersNow(s) });
      }
      const r = intervalTreeRemove(lockdepAcquire(world, s, t, 'notifier_map', [], fx), name, fx); // lock_map_acquire before the wait
      return put(r.s, r.waitSeq < 0 ? finish(t) : { ...t, pc: 'seq_wait', waitSeq: r.waitSeq });
    }
    case 'srcu_wait':
    case 'seq_wait':
      fx.facts.push({ fact: 'unregistered', sub: name, thread: t.id });
      return put(s, finish(t));
  }
};

export const describeRegistration = (world: World, a: RegistrationAction): string => {
  const x = a.t.target;
  const hlist = world.ops[x].form !== 'interval';
  if (a.type === 'mmu_notifier_register')
    return a.phase === 'lock' ? (hlist ? 'mmap_write_lock; mm_take_all_locks' : 'mmu_notifier_register(NULL): mmap_write_lock; mm_take_all_locks')
      : a.phase === 'unlock' ? 'mm_drop_all_locks; mmap_write_unlock'
      : a.phase === 'eintr' ? 'mmap_write_unlock (-EINTR)'
      : hlist ? `mmu_notifier_register(${x})` : `mmu_interval_notifier_insert(${x})`;
  switch (a.phase) {
    case 'release':
      return hlist ? `mmu_notifier_unregister(${x}): srcu_read_lock; ->release` : `${x}: shut down secondary mappings`;
    case 'unhashed':
      return `mmu_notifier_unregister(${x}): hlist_unhashed (mmu_notifier_release was first)`;
    case 'unlink':
      return hlist ? `hlist_del_init_rcu(${x})` : `mmu_interval_notifier_remove(${x})`;
    case 'srcu_wait':
      return 'synchronize_srcu; mmdrop';
    case 'seq_wait':
      return 'wait for invalidate_seq to move; mmdrop';
  }
};
