/**
 * Reachability goals ("sometimes" assertions, as in TLA+ liveness witnesses or Hypothesis's
 * `target`): named situations a run can reach. An invariant says which situations it is about
 * (`Invariant.about`); a "holds" whose runs never reached any of them is vacuous, not evidence.
 * Each goal is judged on a step's facts (cheap) or, for a skipped choice, on its blocker.
 */
import type { Fact } from './facts.ts';
import { holdsDriverLock, memoryShort } from './state.ts';
import type { Blocker, Stepped } from './step.ts';
import type { Invalidation, ModelState, World } from './types.ts';

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
}

const has = <F extends Fact['fact']>(c: GoalContext, kind: F, p: (f: Extract<Fact, { fact: F }>) => boolean = () => true): boolean =>
  c.step.facts.some((f) => f.fact === kind && p(f as Extract<Fact, { fact: F }>));

/** The invalidation a range_start_returned fact speaks of: still on its thread, or just closed. */
const returnedInv = (c: GoalContext, inv: number): Invalidation | null => {
  const t = c.after.threads.find((x) => x.id === c.step.thread);
  if (t?.inv?.id === inv) return t.inv;
  const closed = c.step.facts.find((f) => f.fact === 'inv_closed' && f.inv.id === inv);
  return closed && closed.fact === 'inv_closed' ? closed.inv : null;
};

export const GOALS: readonly Goal[] = [
  { name: 'nonblock_callback', situation: 'a notifier callback ran in a non-blockable invalidation', reached: (c) => has(c, 'start_returned', (f) => !f.blockable) },
  { name: 'nonblock_start_failed', situation: 'a non-blocking invalidate_range_start returned -EAGAIN', reached: (c) => has(c, 'range_start_returned', (f) => !f.blockable && f.ret !== 0) },
  {
    name: 'failed_after_another_started',
    situation: "a non-blocking start returned -EAGAIN after another notifier's start returned 0",
    reached: (c) => has(c, 'range_start_returned', (f) => !f.blockable && f.ret !== 0 && Object.values(returnedInv(c, f.inv)?.results ?? {}).includes('ok')),
  },
  { name: 'rollback_end', situation: "the strategy's error path called an invalidate_range_end", reached: (c) => has(c, 'end_called', (f) => f.inUndo) },
  { name: 'end_after_failed_start', situation: 'an end was called on a notifier whose start failed', reached: (c) => has(c, 'end_called', (f) => f.startResult === 'fail') },
  { name: 'interval_invalidate', situation: "an interval notifier's invalidate ran", reached: (c) => has(c, 'start_returned', (f) => f.form === 'interval') },
  { name: 'register_in_window', situation: 'a notifier joined the hlist while an invalidation was open', reached: (c) => has(c, 'hlist_added', (f) => f.openInvalidations.length > 0) },
  { name: 'insert_deferred', situation: 'mmu_interval_notifier_insert found the tree frozen and deferred the insert', reached: (c) => has(c, 'insert_deferred') },
  { name: 'unregister_in_window', situation: 'a notifier was unlinked while an invalidation was open', reached: (c) => has(c, 'unlinked', (f) => f.openInvalidations.length > 0) },
  { name: 'fault_retry_explained', situation: 'a fault retried because of an invalidation', reached: (c) => has(c, 'fault_retried', (f) => f.explained) },
  { name: 'device_mapped', situation: 'a device made a secondary mapping', reached: (c) => has(c, 'mapped') },
  {
    name: 'unmap_under_device',
    situation: 'PTEs a device mirrors were cleared',
    reached: (c) => has(c, 'pte_cleared', (f) => Object.values(c.before.drivers).some((d) => Object.keys(d.sptes).some((p) => Number(p) >= f.start && Number(p) < f.end))),
  },
  { name: 'frame_freed', situation: 'a frame went back to the allocator', reached: (c) => has(c, 'frame_freed') },
  { name: 'lock_in_callback', situation: 'a driver lock was taken inside a notifier callback', reached: (c) => has(c, 'lockdep_edge', (f) => f.from === 'notifier_map') },
  {
    name: 'reaper_attempt_failed',
    situation: "an OOM reaper attempt failed (trylock or a notifier's -EAGAIN)",
    reached: (c) => {
      const [b, a] = [c.before, c.after].map((s) => s.threads.find((x) => x.kind === 'oom_reaper'));
      return b?.kind === 'oom_reaper' && a?.kind === 'oom_reaper' && a.attempts > b.attempts;
    },
  },
  { name: 'reaper_gave_up', situation: 'the OOM reaper gave up and set MMF_OOM_SKIP', reached: (c) => c.after.threads.some((x) => x.id === c.step.thread && x.outcome === 'unable_to_reap') },
  {
    name: 'reaper_declared_reaped',
    situation: 'the OOM reaper declared the victim reaped',
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

/** Goals reached by a choice the schedule could not take: the thread was blocked. */
export const BLOCKED_GOALS: readonly { readonly name: string; readonly situation: string; readonly reached: (b: Blocker) => boolean }[] = [
  { name: 'waited_for_lock', situation: 'a thread waited for a lock', reached: (b) => b.on === 'lock' },
  { name: 'waited_for_memory', situation: 'a thread waited for free memory (reclaim under OOM)', reached: (b) => b.on === 'memory' },
  { name: 'waited_for_invalidation', situation: 'a reader or a remove waited for an invalidation to end', reached: (b) => b.on === 'invalidation' || b.on === 'counter' },
];

export const GOAL_NAMES: readonly string[] = [...GOALS, ...BLOCKED_GOALS].map((g) => g.name);
