/**
 * Reachability goals ("sometimes" assertions, as in TLA+ liveness witnesses or Hypothesis's
 * `target`): named situations a run can reach. An invariant says which situations it is about
 * (`Invariant.about`); a "holds" whose runs never reached any of them is vacuous, not evidence.
 * Each goal is judged on a step's facts (cheap) or, for a skipped choice, on its blocker.
 */
import type { Fact } from './facts.ts';
import { stepNeeds, type StepNeeds } from './hints.ts';
import { anyStartResult, holdsDriverLock, mappedPages, memoryShort } from './state.ts';
import type { Blocker } from './rwsem.ts';
import type { Stepped } from './step.ts';
import type { Invalidation, ModelState, ThreadKind, World } from './types.ts';

export interface GoalContext {
  readonly world: World;
  readonly before: ModelState;
  readonly after: ModelState;
  readonly step: Stepped;
}

export interface Goal {
  readonly name: string;
  /** The situation, in kernel terms. */
  readonly situation: string;
  readonly reached: (c: GoalContext) => boolean;
  /** When given, `reached` is false on a step with no fact of these kinds: a search may skip it there. */
  readonly facts?: readonly Fact['fact'][];
  /** When given, `reached` is false on a step of a thread of another kind: a search may skip it there. */
  readonly threadKinds?: readonly ThreadKind[];
}

const has = <F extends Fact['fact']>(c: GoalContext, kind: F, p: (f: Extract<Fact, { fact: F }>) => boolean = () => true): boolean =>
  c.step.facts.some((f) => f.fact === kind && p(f as Extract<Fact, { fact: F }>));

/** A goal reached by a step with a fact of this kind (that `p` accepts). */
const onFact = <F extends Fact['fact']>(name: string, situation: string, kind: F, p?: (f: Extract<Fact, { fact: F }>, c: GoalContext) => boolean): Goal => ({
  name,
  situation,
  facts: [kind],
  reached: p === undefined ? (c) => has(c, kind) : (c) => has(c, kind, (f) => p(f, c)),
});

/** Some start of the invalidation returned 0 (or an interval invalidate true), of either form of a combined subscription. */
const someStartOk = (inv: Invalidation | null): boolean => inv !== null && anyStartResult(inv, 'ok');

/** The invalidation a range_start_returned fact speaks of: still on its thread, or just closed. */
const returnedInv = (c: GoalContext, inv: number): Invalidation | null => {
  const t = c.after.threads.find((x) => x.id === c.step.thread);
  if (t?.inv?.id === inv) return t.inv;
  const closed = c.step.facts.find((f) => f.fact === 'inv_closed' && f.inv.id === inv);
  return closed && closed.fact === 'inv_closed' ? closed.inv : null;
};

export const GOALS: readonly Goal[] = [
  onFact('nonblock_callback', 'a notifier callback ran in a non-blockable invalidation', 'start_returned', (f) => !f.blockable),
  onFact('nonblock_start_failed', 'a non-blocking invalidate_range_start returned -EAGAIN', 'range_start_returned', (f) => !f.blockable && f.ret !== 0),
  onFact('failed_after_another_started', "a non-blocking start returned -EAGAIN after another notifier's start returned 0", 'range_start_returned', (f, c) =>
    !f.blockable && f.ret !== 0 && someStartOk(returnedInv(c, f.inv))),
  onFact('rollback_end', "the strategy's error path called an invalidate_range_end", 'end_called', (f) => f.inUndo),
  onFact('end_after_failed_start', 'an end was called on a notifier whose start failed', 'end_called', (f) => f.startResult === 'fail'),
  onFact('interval_invalidate', "an interval notifier's invalidate ran", 'start_returned', (f) => f.form === 'interval'),
  onFact('register_in_window', 'a notifier joined the hlist while an invalidation was open', 'hlist_added', (f) => f.openInvalidations.length > 0),
  onFact('insert_deferred', 'mmu_interval_notifier_insert found the tree frozen and deferred the insert', 'insert_deferred'),
  onFact('unregister_in_window', 'a notifier was unlinked while an invalidation was open', 'unlinked', (f) => f.openInvalidations.length > 0),
  onFact('fault_retry_explained', 'a fault retried because of an invalidation', 'fault_retried', (f) => f.explained),
  onFact('device_mapped', 'a device made a secondary mapping', 'mapped'),
  onFact('unmap_under_device', 'PTEs a device mirrors were cleared', 'pte_cleared', (f, c) =>
    Object.values(c.before.drivers).some((d) => mappedPages(d.sptes).some((p) => p >= f.start && p < f.end))),
  onFact('frame_freed', 'a frame went back to the allocator', 'frame_freed'),
  onFact('driver_assertion_checked', "a driver's own WARN_ON / BUG_ON was reached, or a counter with a declared range changed", 'driver_assert'),
  onFact('lock_in_callback', 'a driver lock was taken inside a notifier callback', 'lockdep_edge', (f) => f.from === 'notifier_map'),
  {
    name: 'reaper_attempt_failed',
    situation: "an OOM reaper attempt failed (trylock or a notifier's -EAGAIN)",
    reached: (c) => {
      const b = c.before.threads.find((x) => x.kind === 'oom_reaper');
      const a = c.after.threads.find((x) => x.kind === 'oom_reaper');
      return b?.kind === 'oom_reaper' && a?.kind === 'oom_reaper' && a.attempts > b.attempts;
    },
  },
  {
    name: 'reaper_gave_up',
    situation: 'the OOM reaper gave up and set MMF_OOM_SKIP',
    threadKinds: ['oom_reaper'], // only the reaper's outcome is unable_to_reap (reaper.ts)
    reached: (c) => c.after.threads.some((x) => x.id === c.step.thread && x.outcome === 'unable_to_reap'),
  },
  {
    name: 'reaper_declared_reaped',
    situation: 'the OOM reaper declared the victim reaped',
    threadKinds: ['oom_reaper'],
    reached: (c) => c.after.threads.some((x) => x.id === c.step.thread && x.kind === 'oom_reaper' && x.outcome === 'reaped'),
  },
  {
    name: 'alloc_under_lock_in_oom',
    situation: 'a thread holding a driver lock reached a GFP_KERNEL allocation while the victim was unreaped',
    reached: (c) => {
      const t = c.after.threads.find((x) => x.id === c.step.thread);
      if (!t?.call || !memoryShort(c.world, c.after)) return false;
      const p = c.world.ops[t.call.sub][t.call.op];
      return p?.code[t.call.pc]?.op === 'alloc' && holdsDriverLock(c.after, t, t.call.sub);
    },
  },
];

/** Each step goal with where it can fire (hints.ts), as both searches judge them. */
export const STEP_GOALS: readonly { readonly goal: Goal; readonly needs: StepNeeds }[] = GOALS.map((goal) => ({ goal, needs: stepNeeds(goal) }));

/** Goals reached by a choice the schedule could not take: the thread was blocked. */
export const BLOCKED_GOALS: readonly { readonly name: string; readonly situation: string; readonly reached: (b: Blocker) => boolean }[] = [
  { name: 'waited_for_lock', situation: 'a thread waited for a lock', reached: (b) => b.on === 'lock' },
  { name: 'waited_for_memory', situation: 'a thread waited for free memory (reclaim under OOM)', reached: (b) => b.on === 'memory' },
  { name: 'waited_for_invalidation', situation: 'a reader or a remove waited for an invalidation to end', reached: (b) => b.on === 'invalidation' || b.on === 'counter' },
];

export const GOAL_NAMES: readonly string[] = [...GOALS, ...BLOCKED_GOALS].map((g) => g.name);

/** Goals only a driver file reaches (its own assertions, INV-18): no preset family does. */
export const DRIVER_GOAL_NAMES: readonly string[] = ['driver_assertion_checked'];
