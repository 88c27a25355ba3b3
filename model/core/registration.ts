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
import { mmapWriteLockBlocker } from '../munmap.ts';
import { FREE, finish, put, setLock, setSub, srcuPending, srcuReadersNow, subOf } from '../state.ts';
import type { Blocker } from '../step.ts';
import type { ModelState, RegisterThread, Subscription, UnregisterThread, World } from '../types.ts';

export type RegistrationAction =
  | { readonly type: 'mmu_notifier_register'; readonly t: RegisterThread; readonly phase: 'lock' | 'insert' | 'unlock' }
  | { readonly type: 'mmu_notifier_unregister'; readonly t: UnregisterThread; readonly phase: 'release' | 'unlink' | 'srcu_wait' | 'seq_wait' };

export const registerAction = (world: World, s: ModelState, t: RegisterThread): RegistrationAction | null => {
  if (t.pc === 'done') return null;
  // mm_take_all_locks for a classic notifier, or for the first interval insert (has_itree).
  if (t.pc === 'lock')
    return { type: 'mmu_notifier_register', t, phase: world.knobs.registrationTakesAllLocks && (world.ops[t.target].form === 'hlist' || !s.core.hasItree) ? 'lock' : 'insert' };
  return { type: 'mmu_notifier_register', t, phase: t.pc };
};

export const unregisterAction = (t: UnregisterThread): RegistrationAction | null => (t.pc === 'done' ? null : { type: 'mmu_notifier_unregister', t, phase: t.pc });

export const registrationBlocker = (s: ModelState, a: RegistrationAction): Blocker | null => {
  if (a.type === 'mmu_notifier_register') return a.phase === 'lock' ? mmapWriteLockBlocker(s) : null;
  if (a.phase === 'srcu_wait') {
    const readers = srcuPending(s, a.t.srcuReaders);
    return readers.length ? { on: 'srcu', readers } : null;
  }
  if (a.phase === 'seq_wait') return s.core.invalidateSeq === a.t.waitSeq ? { on: 'invalidation', sub: a.t.target } : null;
  return null;
};

/** A driver's teardown of every secondary mapping (->release, or before an interval remove). */
export const releaseMirror = (s: ModelState, name: string, fx: Effects): ModelState => {
  const d = s.drivers[name];
  const pages = Object.keys(d.sptes);
  if (pages.length && fx.record) fx.events.push(`${name}: zap secondary mappings of pages ${pages.join(',')}`);
  const s1 = setSub(s, { ...subOf(s, name), released: true });
  return pages.length ? { ...s1, drivers: { ...s1.drivers, [name]: { ...d, sptes: {} } } } : s1;
};

export const register = (world: World, s: ModelState, t: RegisterThread, phase: 'lock' | 'insert' | 'unlock', fx: Effects): ModelState => {
  const name = t.target;
  const sub = subOf(s, name);
  switch (phase) {
    case 'lock': {
      if (fx.record) fx.events.push('mmap_write_lock; mm_take_all_locks');
      const s1 = lockdepAcquire(world, s, t, 'mmap_lock', [], fx);
      return put(setLock(s1, 'mmap_lock', { writer: t.id, readers: [] }), { ...t, pc: 'insert' });
    }
    case 'unlock': {
      if (fx.record) fx.events.push('mm_drop_all_locks; mmap_write_unlock');
      return put(setLock(s, 'mmap_lock', FREE), finish(t));
    }
    case 'insert': {
      const afterInsert: RegisterThread = s.locks.mmap_lock.writer === t.id ? { ...t, pc: 'unlock' } : finish(t);
      if (sub.form === 'hlist') {
        // INV-17: every open start…end window on this mm should have excluded this.
        const open = s.threads.filter((x) => x.inv !== null).map((x) => x.id);
        fx.facts.push({ fact: 'hlist_added', sub: name, thread: t.id, openInvalidations: open });
        const added: Subscription = { ...sub, registered: true };
        const subs = world.strategy.hlistAdd(s.subs.filter((x) => x.name !== name), added);
        if (fx.record) fx.events.push(`${name}: ${world.strategy.hlistAddLabel}`);
        return put({ ...s, subs, core: { ...s.core, hasSubscriptions: true } }, afterInsert);
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

export const unregister = (world: World, s: ModelState, t: UnregisterThread, phase: 'release' | 'unlink' | 'srcu_wait' | 'seq_wait', fx: Effects): ModelState => {
  const name = t.target;
  const sub = subOf(s, name);
  switch (phase) {
    case 'release':
      return put(releaseMirror(s, name, fx), { ...t, pc: 'unlink' });
    case 'unlink': {
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
          return put({ ...s1, core: { ...s1.core, deferred: s1.core.deferred.filter((d) => d.sub !== name) } }, finish(t));
        }
        if (fx.record) fx.events.push(`${name}: tree frozen (invalidate_seq ${seq}): deferred remove`);
        return put({ ...s1, core: { ...s1.core, deferred: [...s1.core.deferred, { sub: name, op: 'remove' }] } }, { ...t, pc: 'seq_wait', waitSeq: seq });
      }
      if (fx.record) fx.events.push(`${name}: interval_tree_remove`);
      return put(setSub(s1, { ...sub, registered: false }), finish(t));
    }
    case 'srcu_wait':
    case 'seq_wait':
      fx.facts.push({ fact: 'unregistered', sub: name, thread: t.id });
      return put(s, finish(t));
  }
};

export const describeRegistration = (world: World, a: RegistrationAction): string => {
  const x = a.t.target;
  const hlist = world.ops[x].form === 'hlist';
  if (a.type === 'mmu_notifier_register')
    return a.phase === 'lock' ? 'mmap_write_lock; mm_take_all_locks' : a.phase === 'unlock' ? 'mm_drop_all_locks; mmap_write_unlock' : hlist ? `mmu_notifier_register(${x})` : `mmu_interval_notifier_insert(${x})`;
  switch (a.phase) {
    case 'release':
      return `${x}->release: shut down secondary mappings`;
    case 'unlink':
      return hlist ? `hlist_del_init_rcu(${x})` : `mmu_interval_notifier_remove(${x})`;
    case 'srcu_wait':
      return 'synchronize_srcu; mmdrop';
    case 'seq_wait':
      return 'wait for invalidate_seq to move; mmdrop';
  }
};
