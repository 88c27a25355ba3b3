/**
 * The mmu_notifier core's invalidation (docs/kernel.md §2.2): __mmu_notifier_invalidate_range_start
 * (the interval-tree part, then the hlist walk, then the strategy's rollback walk),
 * __mmu_notifier_invalidate_range_end (mn_itree_inv_end, then the hlist end walk) and the
 * deferred interval inserts and removes applied at the last inv_end (§1.5).
 *
 * The core does not know who called it. Its caller (the OOM reaper, munmap, exit_mmap) passes
 * an InvalidationCaller: what happens when start returns and when the instance is over.
 *
 * The hlist walk follows the live list (nextInHlist); the interval walk takes the intersecting
 * subscriptions when the wave starts (the tree cannot change while seq is odd).
 */
import type { Effects } from '../facts.ts';
import { lockdepAcquire } from '../lockdep.ts';
import { EAGAIN, retText, WITH_FINISH } from '../program.ts';
import { downWrite, upWrite } from '../rwsem.ts';
import { inHlist, inTree, intersects, put, subOf } from '../state.ts';
import { ITREE_LOCK } from './itree.ts';
import type { Call, CallOp, InvalidatingThread, Invalidation, ModelState, Range, StartResult, Subscription, World } from '../types.ts';

/** The caller's continuation (defunctionalised: plain functions, the state stays data). */
export interface InvalidationCaller<T extends InvalidatingThread = InvalidatingThread> {
  /** __mmu_notifier_invalidate_range_start returned `ret`; `t.inv.phase` is 'returned'. */
  startReturned(world: World, s: ModelState, t: T, ret: number, fx: Effects): ModelState;
  /** The invalidation instance is over; `t.inv` is null again. */
  closed(world: World, s: ModelState, t: T, fx: Effects): ModelState;
}

export interface StartArgs {
  readonly blockable: boolean;
  readonly range: Range;
  /** mn_itree_release at exit_mmap: the interval part only; the hlist gets ->release instead. */
  readonly release: boolean;
}

/**
 * mn_itree_invalidate's failure: mn_itree_inv_end, then -EAGAIN. On a named release the last end
 * of a wave is two steps under subscriptions->lock, as at invalidate_range_end: this step takes
 * the lock and makes the seq even; the thread's next step (its start action again,
 * invalidateRangeStart, which sees the phase) applies the deferred list, unlocks and returns.
 */
const failedInvEnd = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  if (world.kernel.subscriptionsLock && lastEnd(s)) {
    return invEndFirstStep(s, t, fx);
  }
  return finishStart(world, itreeInvEnd(s, fx, t.id), t, EAGAIN, k, fx);
};

/** __mmu_notifier_invalidate_range_start: itree part first, then the hlist walk (docs/kernel.md §2.2). */
export const invalidateRangeStart = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, a: StartArgs, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  if (t.inv !== null && t.inv.phase === 'itree_end') {
    // The second step of a failed start's last inv_end (failedInvEnd), then -EAGAIN.
    return finishStart(world, invEndSecondStep(s, t.id, fx), t, EAGAIN, k, fx);
  }
  let s2 = s;
  let curSeq = s.core.invalidateSeq;
  let walk: string[];
  let phase: Invalidation['phase'] = 'hlist_start';
  if (s.core.hasItree) {
    // inv_start_range: active++; if any sub intersects, seq |= 1 (the tree is "fully excluded").
    walk = s.subs.filter((x) => inTree(x) && intersects(x.interval, a.range)).sort((x, y) => x.interval.start - y.interval.start).map((x) => x.name);
    curSeq = walk.length > 0 ? s.core.invalidateSeq | 1 : s.core.invalidateSeq;
    s2 = { ...s, core: { ...s.core, activeInvalidateRanges: s.core.activeInvalidateRanges + 1, invalidateSeq: curSeq } };
    if (fx.record) fx.events.push(`active_invalidate_ranges -> ${s2.core.activeInvalidateRanges}, invalidate_seq ${curSeq}`);
    phase = 'itree_start';
  } else walk = [];
  const inv: Invalidation = { id: s.nextInvId, blockable: a.blockable, release: a.release, range: a.range, phase, curSeq, walk, cursor: 0, last: null, results: {}, ends: {}, failedAt: null, finishes: [] };
  // lock_map_acquire(&__mmu_notifier_invalidate_range_start_map) under mmap_lock (23b68395c7c7).
  const s3 = lockdepAcquire(world, s2, t, 'notifier_map', [], fx);
  return advance(world, { ...s3, nextInvId: s.nextInvId + 1 }, { ...t, inv }, k, fx);
};

/** __mmu_notifier_invalidate_range_end: mn_itree_inv_end, then every hlist end (docs/kernel.md §2.2). */
export const invalidateRangeEnd = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  const inv = t.inv as Invalidation;
  const toHlist = { ...inv, phase: 'hlist_end', last: inv.release ? END : null } as const;
  if (inv.phase === 'itree_end') {
    return advance(world, invEndSecondStep(s, t.id, fx), { ...t, inv: toHlist }, k, fx);
  }
  if (s.core.hasItree && world.kernel.subscriptionsLock && lastEnd(s)) {
    // The last end of a wave, under subscriptions->lock: seq++ now, the deferred list in the next
    // step. A reader without the lock (v5.5-v5.17 remove's wait) sees the seq move in between.
    return invEndFirstStep(s, t, fx);
  }
  const s2 = s.core.hasItree ? itreeInvEnd(s, fx, t.id) : s;
  return advance(world, s2, { ...t, inv: toHlist }, k, fx);
};

/** A callback returned: record its result, apply the core's WARNs (docs/kernel.md §2.2, §2.3), go on walking. */
export const callbackReturned = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, c: Call, value: number, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  const inv = t.inv as Invalidation;
  const t1: T = { ...t, call: null, nonBlockCount: t.nonBlockCount - (c.nonBlock ? 1 : 0) }; // non_block_end()
  if (fx.record) fx.events.push(`${c.sub}.${c.op === 'invalidate' && world.ops[c.sub].twoPass ? 'invalidate_start' : c.op} -> ${retText(c.op, value)}`);
  if (c.op === 'invalidate_range_end') {
    const ends = { ...inv.ends, [c.sub]: (inv.ends[c.sub] ?? 0) + 1 };
    return advance(world, s, { ...t1, inv: { ...inv, ends } }, k, fx);
  }
  if (c.op === 'invalidate_finish') {
    fx.facts.push({ fact: 'finish_returned', sub: c.sub, inv: inv.id });
    return advance(world, s, t1, k, fx);
  }
  const hasEnd = world.ops[c.sub].invalidate_range_end !== null;
  // "true, *finish set" is a true as far as the start's contract goes.
  fx.facts.push({ fact: 'start_returned', sub: c.sub, inv: inv.id, value: value === WITH_FINISH ? 0 : value, blockable: inv.blockable, hasEnd, form: c.op === 'invalidate' ? 'interval' : 'hlist' });
  const result: StartResult = value === 0 || value === WITH_FINISH ? 'ok' : 'fail';
  const results = { ...inv.results, [c.sub]: result };
  if (c.op === 'invalidate') {
    const name = world.ops[c.sub].twoPass ? 'invalidate_start' : 'invalidate';
    // A combined subscription's interval notifier is another object than its hlist notifier: its
    // result is its own, or the hlist walk would read it as the hlist start's (model/kernel.ts).
    const apart = world.kernel.combinedResultsApart && world.ops[c.sub].form === 'both';
    const record = (r: StartResult): Partial<Invalidation> => (apart ? { itreeResults: { ...inv.itreeResults, [c.sub]: r } } : { results: { ...inv.results, [c.sub]: r } });
    if (result === 'fail' && inv.blockable) {
      // mn_itree_invalidate: `if (WARN_ON(mmu_notifier_range_blockable(range))) continue;` — the walk goes on and start returns 0.
      fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON(mmu_notifier_range_blockable(range)): ${c.sub}.${name} returned false` });
      return advance(world, s, { ...t1, inv: { ...inv, ...record('ok') } }, k, fx);
    }
    if (result === 'fail') {
      // v5.5: out_would_block: mn_itree_inv_end, then -EAGAIN without visiting the hlist. v7.1:
      // the walk breaks, the finishes of the starts before it run, then inv_end and -EAGAIN.
      if (inv.finishes.length > 0) return advance(world, s, { ...t1, inv: { ...inv, ...record(result), failedAt: c.sub, phase: 'itree_finish' } }, k, fx);
      return failedInvEnd(world, s, { ...t1, inv: { ...inv, ...record(result), failedAt: c.sub } }, k, fx);
    }
    // `*finish` set: the core links it for the finish pass (mn_itree_invalidate, v7.1).
    const finishes = value === WITH_FINISH ? [...inv.finishes, c.sub] : inv.finishes;
    if (value === WITH_FINISH) fx.facts.push({ fact: 'finish_pending', sub: c.sub, inv: inv.id });
    return advance(world, s, { ...t1, inv: { ...inv, ...record(result), finishes } }, k, fx);
  }
  let failedAt = inv.failedAt;
  if (result === 'fail') {
    if (inv.blockable || value !== EAGAIN) fx.diagnostics.push({ kind: 'WARN_ON', text: `WARN_ON(blockable || ret != -EAGAIN): ${c.sub} returned ${value}` });
    const warn = world.strategy.warnOnFailedStart(c.sub, hasEnd);
    if (warn !== null) fx.diagnostics.push({ kind: 'WARN_ON', text: warn });
    failedAt ??= c.sub;
  }
  return advance(world, s, { ...t1, inv: { ...inv, results, failedAt } }, k, fx);
};

/** Push the next callback of the current walk, or move to the next phase (docs/kernel.md §2.2; the strategy's hooks, §5). */
const advance = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  let inv = t.inv as Invalidation;
  for (;;) {
    if (inv.phase === 'itree_finish') {
      // mn_itree_finish_pass: each linked finish in walk order, no core lock held (v7.1).
      const [next, ...rest] = inv.finishes;
      if (next !== undefined) {
        inv = { ...inv, finishes: rest };
        return put(s, { ...t, inv, call: { sub: next, op: 'invalidate_finish', pc: 0, blockable: inv.blockable, nonBlock: false, locals: {} } });
      }
      // After a non-blocking failure: mn_itree_inv_end, then -EAGAIN without visiting the hlist.
      if (inv.failedAt !== null) return failedInvEnd(world, s, { ...t, inv }, k, fx);
      inv = { ...inv, phase: 'hlist_start', last: inv.release ? END : null };
      continue;
    }
    const sub = inv.phase === 'itree_start' ? nextInTree(s, inv) : nextInHlist(s, inv);
    if (sub !== null) {
      inv = inv.phase === 'itree_start' ? { ...inv, cursor: inv.cursor + 1 } : { ...inv, last: sub.name };
      if (inv.phase === 'itree_start' ? !inTree(sub) : !inHlist(sub)) continue; // unlinked under SRCU since the walk began
      const call = pushFor(world, s, inv, sub, fx);
      if (call === 'stop') {
        inv = inv.phase === 'itree_start' ? { ...inv, cursor: inv.walk.length } : { ...inv, last: END };
        continue;
      }
      if (call === null) continue;
      return put(s, { ...t, inv, call, nonBlockCount: t.nonBlockCount + (call.nonBlock ? 1 : 0) }); // non_block_start()
    }
    // The walk is exhausted: next phase.
    if (inv.phase === 'itree_start') {
      inv = inv.finishes.length > 0 ? { ...inv, phase: 'itree_finish' } : { ...inv, phase: 'hlist_start', last: inv.release ? END : null };
      continue;
    }
    if (inv.phase === 'hlist_start') {
      if (!Object.values(inv.results).includes('fail')) return finishStart(world, s, { ...t, inv }, 0, k, fx);
      inv = { ...inv, phase: 'undo', last: null };
      continue;
    }
    if (inv.phase === 'undo') return finishStart(world, s, { ...t, inv }, EAGAIN, k, fx);
    // hlist_end (itree_end is done inside invalidate_range_end): the instance is over.
    return closeInvalidation(world, s, { ...t, inv }, k, fx);
  }
};

/** The walk is over (stopped by the strategy, or a release invalidation that has no hlist part). */
const END = '';

/** The next interval subscription of mn_itree_invalidate's snapshot. */
const nextInTree = (s: ModelState, inv: Invalidation): Subscription | null => (inv.cursor < inv.walk.length ? subOf(s, inv.walk[inv.cursor]) : null);

/**
 * hlist_for_each_entry_rcu from the entry visited last: the next registered classic notifier in
 * the list's current order. An entry unlinked (hlist_del_init_rcu) keeps its place for a walker
 * already on it, as its ->next is left intact.
 */
const nextInHlist = (s: ModelState, inv: Invalidation): Subscription | null => {
  if (inv.last === END) return null;
  const from = inv.last === null ? 0 : s.subs.findIndex((x) => x.name === inv.last) + 1;
  for (let i = from; i < s.subs.length; i++) if (inHlist(s.subs[i])) return s.subs[i];
  return null;
};

/** The call to make on `sub` in the current phase; null to pass it by; 'stop' to end the walk. */
const pushFor = (world: World, s: ModelState, inv: Invalidation, sub: Subscription, fx: Effects): Call | null | 'stop' => {
  const ops = world.ops[sub.name];
  // Non-blockable hlist callbacks run inside non_block_start/end; interval invalidate callbacks
  // (mn_itree_invalidate) and the v5.12 error-path end walk are not wrapped (docs/kernel.md §2.2).
  const mk = (op: CallOp): Call => ({ sub: sub.name, op, pc: 0, blockable: inv.blockable, nonBlock: world.kernel.nonBlock && !inv.blockable && op !== 'invalidate' && inv.phase !== 'undo', locals: {} });
  if (inv.phase === 'itree_start') return mk('invalidate');
  if (inv.phase === 'hlist_start') {
    if (inv.failedAt !== null && world.strategy.afterFailedStart() === 'stop') return 'stop';
    return mk('invalidate_range_start');
  }
  const startResult: StartResult = inv.results[sub.name] ?? 'notCalled';
  const hasEnd = ops.invalidate_range_end !== null;
  if (inv.phase === 'undo') {
    const failedAt = inv.failedAt === null ? null : subOf(s, inv.failedAt);
    const d = world.strategy.undo({ failedAt, sub, startResult, hasEnd });
    if (d === 'stop') return 'stop';
    if (d === 'skip') return null;
    fx.facts.push({ fact: 'end_called', sub: sub.name, inv: inv.id, startResult, inUndo: true, promised: d === 'end-promised' });
    return mk('invalidate_range_end');
  }
  if (!hasEnd) return null;
  fx.facts.push({ fact: 'end_called', sub: sub.name, inv: inv.id, startResult, inUndo: false, promised: false });
  return mk('invalidate_range_end');
};

/** __mmu_notifier_invalidate_range_start returns to its caller. */
const finishStart = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, ret: number, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  const inv: Invalidation = { ...(t.inv as Invalidation), phase: 'returned' };
  if (fx.record) fx.events.push(`invalidate_range_start${inv.blockable ? '' : '_nonblock'} -> ${retText('invalidate_range_start', ret)}`);
  fx.facts.push({ fact: 'range_start_returned', thread: t.id, inv: inv.id, blockable: inv.blockable, ret });
  return k.startReturned(world, s, { ...t, inv }, ret, fx);
};

/** The instance is over: judge pairing (INV-1) and return to the caller's next step. */
export const closeInvalidation = <T extends InvalidatingThread>(world: World, s: ModelState, t: T, k: InvalidationCaller<T>, fx: Effects): ModelState => {
  const inv = t.inv as Invalidation;
  const live = s.subs.filter(inHlist);
  fx.facts.push({
    fact: 'inv_closed',
    inv,
    thread: t.id,
    registered: live.map((x) => x.name),
    hasEnd: live.filter((x) => world.ops[x.name].invalidate_range_end !== null).map((x) => x.name),
  });
  return k.closed(world, s, { ...t, inv: null }, fx);
};

/** This inv_end is the last of a wave: active_invalidate_ranges goes to 0 with the tree frozen (seq odd). */
const lastEnd = (s: ModelState): boolean => s.core.activeInvalidateRanges === 1 && (s.core.invalidateSeq & 1) === 1;

/**
 * The last inv_end's first step on a named release: spin_lock(subscriptions->lock),
 * active_invalidate_ranges 1 -> 0, invalidate_seq++ (even); the thread's invalidation waits in
 * phase itree_end for invEndSecondStep.
 */
const invEndFirstStep = <T extends InvalidatingThread>(s: ModelState, t: T, fx: Effects): ModelState => {
  const seq = s.core.invalidateSeq;
  if (fx.record) fx.events.push('spin_lock(subscriptions->lock)', `active_invalidate_ranges 1 -> 0, invalidate_seq -> ${seq + 1}`);
  const s2 = downWrite({ ...s, core: { ...s.core, activeInvalidateRanges: 0, invalidateSeq: seq + 1 } }, ITREE_LOCK, t.id);
  return put(s2, { ...t, inv: { ...(t.inv as Invalidation), phase: 'itree_end' } });
};

/** The deferred entries in words: `insert A, remove B`. */
const deferredText = (s: ModelState): string => s.core.deferred.map((d) => `${d.op} ${d.sub}`).join(', ');

/** The deferred inserts and removes, in order (§1.5), and the list emptied; each touches its notifier (a fact). */
const withDeferred = (s: ModelState, thread: string, fx: Effects): ModelState => {
  const { deferred } = s.core;
  if (deferred.length === 0) return s;
  for (const d of deferred) fx.facts.push({ fact: 'deferred_applied', sub: d.sub, op: d.op, thread });
  const subs = s.subs.map((x) => {
    const d = deferred.filter((e) => e.sub === x.name).at(-1);
    if (!d) return x;
    return x.form === 'both' ? { ...x, inTree: d.op === 'insert' } : { ...x, registered: d.op === 'insert' };
  });
  return { ...s, subs, core: { ...s.core, deferred: [] } };
};

/** The last inv_end's second step on a named release: the deferred list, spin_unlock, wake_up_all. */
const invEndSecondStep = (s: ModelState, thread: string, fx: Effects): ModelState => {
  if (fx.record && s.core.deferred.length) fx.events.push(`deferred ${deferredText(s)}`);
  if (fx.record) fx.events.push('spin_unlock(subscriptions->lock); wake_up_all');
  return upWrite(withDeferred(s, thread, fx), ITREE_LOCK);
};

/** mn_itree_inv_end in one step: active--, and at 0 with seq odd: seq++ and the deferred list (docs/kernel.md §2.2, §1.5). */
export const itreeInvEnd = (s: ModelState, fx: Effects, thread: string): ModelState => {
  const active = s.core.activeInvalidateRanges - 1;
  if (active < 0) fx.facts.push({ fact: 'underflow', what: 'active_invalidate_ranges', value: active });
  const seq = s.core.invalidateSeq;
  if (active !== 0 || (seq & 1) === 0) {
    if (fx.record) fx.events.push(`active_invalidate_ranges ${active + 1} -> ${active}`);
    return { ...s, core: { ...s.core, activeInvalidateRanges: active } };
  }
  // The last end of a wave: seq++ (even), then apply the deferred inserts and removes (§1.5).
  if (fx.record) fx.events.push(`active_invalidate_ranges 1 -> 0, invalidate_seq -> ${seq + 1}${s.core.deferred.length ? `; deferred ${deferredText(s)}` : ''}`);
  return withDeferred({ ...s, core: { ...s.core, activeInvalidateRanges: 0, invalidateSeq: seq + 1 } }, thread, fx);
};

// ---------------------------------------------------------------------------------------------
// The core's two actions, as its callers request them

export type CoreAction =
  | ({ readonly type: 'invalidate_range_start'; readonly t: InvalidatingThread; readonly k: InvalidationCaller } & StartArgs)
  | { readonly type: 'invalidate_range_end'; readonly t: InvalidatingThread; readonly k: InvalidationCaller };

export const describeStart = (a: StartArgs & { readonly t?: InvalidatingThread }): string =>
  a.t?.inv?.phase === 'itree_end'
    ? 'mn_itree_inv_end: the deferred list, spin_unlock'
    : a.release ? 'mmu_notifier_release: mn_itree_release' : `invalidate_range_start${a.blockable ? '' : '_nonblock'} [${a.range.start},${a.range.end})`;
