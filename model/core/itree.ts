/**
 * The interval tree's insert and remove under subscriptions->lock (docs/kernel.md §1.5): below
 * both registration.ts (register, unregister) and the driver interpreter (a fault's per-fault
 * notifier), so neither imports the other for them.
 */
import type { Effects } from '../facts.ts';
import type { Blocker } from '../rwsem.ts';
import { setSub, subOf } from '../state.ts';
import type { ModelState, World } from '../types.ts';

/** subscriptions->lock, a spinlock with a holder on named releases (model/kernel.ts subscriptionsLock). */
export const ITREE_LOCK = 'subscriptions_lock';

/** A path that takes subscriptions->lock spins while another thread holds it (the holder itself goes on). */
export const itreeLockBlocker = (world: World, s: ModelState, self: string): Blocker | null => {
  if (!world.kernel.subscriptionsLock) return null;
  const holder = s.locks[ITREE_LOCK].writer;
  return holder !== null && holder !== self ? { on: 'lock', lock: ITREE_LOCK, mode: 'write' } : null;
};

/**
 * __mmu_interval_notifier_insert under subscriptions->lock (docs/kernel.md §1.5): idle, insert
 * with invalidate_seq = seq - 1; an invalidation active but the tree not frozen, insert and freeze
 * (seq |= 1) so a reader waits for this wave; frozen, defer the insert to the last inv_end.
 */
export const intervalTreeInsert = (s: ModelState, name: string, fx: Effects): ModelState => {
  const sub = subOf(s, name);
  const { activeInvalidateRanges: active, invalidateSeq: seq } = s.core;
  if (active > 0 && (seq & 1) === 1) {
    fx.facts.push({ fact: 'insert_deferred', sub: name });
    if (fx.record) fx.events.push(`${name}: tree frozen (invalidate_seq ${seq}): deferred insert`);
    return { ...setSub(s, { ...sub, invalidateSeq: seq }), core: { ...s.core, deferred: [...s.core.deferred, { sub: name, op: 'insert' }] } };
  }
  const cur = active > 0 ? seq | 1 : seq;
  if (fx.record) fx.events.push(`${name}: interval_tree_insert, invalidate_seq ${active > 0 ? cur : seq - 1}`);
  const inserted = sub.form === 'both' ? { ...sub, inTree: true } : { ...sub, registered: true };
  return { ...setSub(s, { ...inserted, invalidateSeq: active > 0 ? cur : seq - 1 }), core: { ...s.core, invalidateSeq: cur } };
};

/**
 * mmu_interval_notifier_remove: while the tree is frozen, drop a still-deferred insert, or defer
 * the remove and report the seq to wait past; else remove now. Returns the seq to wait past, or -1.
 */
export const intervalTreeRemove = (s: ModelState, name: string, fx: Effects): { s: ModelState; waitSeq: number } => {
  const sub = subOf(s, name);
  const seq = s.core.invalidateSeq;
  if ((seq & 1) === 1) {
    if (s.core.deferred.some((d) => d.sub === name && d.op === 'insert')) {
      if (fx.record) fx.events.push(`${name}: never inserted: drop the deferred insert`);
      return { s: { ...s, core: { ...s.core, deferred: s.core.deferred.filter((d) => d.sub !== name) } }, waitSeq: -1 };
    }
    if (fx.record) fx.events.push(`${name}: tree frozen (invalidate_seq ${seq}): deferred remove`);
    return { s: { ...s, core: { ...s.core, deferred: [...s.core.deferred, { sub: name, op: 'remove' }] } }, waitSeq: seq };
  }
  if (fx.record) fx.events.push(`${name}: interval_tree_remove`);
  return { s: setSub(s, sub.form === 'both' ? { ...sub, inTree: false } : { ...sub, registered: false }), waitSeq: -1 };
};
