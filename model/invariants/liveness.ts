/** Sleeping, balance, deadlock and fault progress: INV-5, 3, 10, 14 (docs/kernel.md §8). */
import { idleSpinner } from '../interpreter.ts';
import { invalidationActive, threadById } from '../state.ts';
import { blocker, waitOf } from '../step.ts';
import type { ModelState, World } from '../types.ts';
import { firstFact, judgedOnCycles, type CycleContext, type Invariant } from './types.ts';

export const NonBlockingNeverSleeps: Invariant = {
  name: 'NonBlockingNeverSleeps',
  about: ['nonblock_callback'],
  kind: 'contract',
  id: 'INV-5',
  domainRef: 'docs/kernel.md §8 INV-5; §2.3 non_block_start/end (L-2019-NB); §3.1',
  summary: 'inside a non-blockable invalidation no thread sleeps (mutex/rwsem wait, fence wait, reclaim)',
  onStep: (c) => {
    const w = firstFact(c, 'sleep_in_nonblock', (f) =>
      `${f.thread} sleeps in a non-blockable invalidation: ${f.what}${f.nonBlockCount > 0 ? '' : ' (outside non_block_start/end: the debug check would not fire)'}`);
    if (w) return w;
    // Reaching a sleeping wait that cannot proceed is the same violation (the thread would sleep
    // now; a contended down_write would first queue, then sleep).
    const t = threadById(c.after, c.step.thread);
    if (!t || t.done || !t.inv || t.inv.blockable) return null;
    const b = waitOf(c.world, c.after, t);
    if (b === null || (b.on === 'lock' && c.world.lockKinds[b.lock] === 'spinlock')) return null;
    const what =
      b.on === 'lock' ? b.lock
      : b.on === 'memory' ? 'free memory'
      : b.on === 'counter' ? `${b.sub}.${b.counter} to reach 0`
      : b.on === 'srcu' ? 'synchronize_srcu'
      : b.on === 'registration' ? `${b.sub} to be registered`
      : b.on === 'mm_users' ? `${b.thread} to drop mm_users`
      : b.on === 'timeout' ? 'its sleep between attempts'
      : `${b.sub}'s invalidation to end`;
    return `${t.id} would sleep in a non-blockable invalidation waiting for ${what}`;
  },
};

export const QuiescentBalanced: Invariant = {
  name: 'QuiescentBalanced',
  about: ['nonblock_start_failed', 'unregister_in_window'],
  kind: 'liveness',
  id: 'INV-3',
  domainRef: 'docs/kernel.md §8 INV-3',
  summary: 'with no invalidation open after the drain: driver counters 0, core idle, no lock held by a finished thread',
  atEnd: ({ world, state }) => {
    if (state.threads.some((t) => t.inv !== null)) return null; // not quiescent: NoDeadlock speaks
    for (const [sub, d] of Object.entries(state.drivers)) {
      // An unregistered notifier may have seen a start without an end; its state is being freed (§1.4).
      if (!state.subs.find((x) => x.name === sub)?.registered) continue;
      for (const [counter, v] of Object.entries(d.counters)) {
        if (world.defs[sub].counters[counter]?.balanced && v !== 0) return `${sub}.${counter} = ${v} at quiescence (expected 0)`;
      }
    }
    if (state.core.activeInvalidateRanges !== 0) return `active_invalidate_ranges = ${state.core.activeInvalidateRanges} at quiescence`;
    if (state.core.invalidateSeq & 1) return `invalidate_seq = ${state.core.invalidateSeq} (odd) at quiescence`;
    for (const [id, l] of Object.entries(state.locks)) {
      const holders = [...(l.writer ? [l.writer] : []), ...l.readers];
      const dead = holders.find((h) => threadById(state, h)?.done);
      if (dead) return `${id} is still held${l.writer === dead ? '' : ' for read'} by ${dead}, which has finished`;
    }
    const nb = state.threads.find((t) => t.nonBlockCount !== 0);
    if (nb) return `${nb.id}.non_block_count = ${nb.nonBlockCount} at quiescence`;
    return null;
  },
};

export const NoDeadlock: Invariant = {
  name: 'NoDeadlock',
  about: ['waited_for_lock', 'waited_for_memory', 'waited_for_invalidation'],
  kind: 'liveness',
  id: 'INV-10',
  domainRef: 'docs/kernel.md §8 INV-10; §3.1 (the reclaim cycle)',
  summary: 'every thread finishes: the drain never gets stuck (waits-for graph acyclic), and no fair cycle repeats forever (livelock)',
  // A drain that hits its bound proves nothing by itself: the engine confirms it by a fair cycle.
  // A thread waiting on a fault that spins at its retry is FaultLiveness's (INV-14): one cause, reported once.
  atEnd: ({ world, state, stuck }) => (stuck ? waitsFor(world, state) : null),
  // Not a cycle in which only faults step, and every other unfinished thread waits on one of them,
  // with no invalidation started or in progress: faults retrying forever on a marker nothing
  // clears are FaultLiveness's.
  ...judgedOnCycles({ stepper: (t) => t.kind !== 'fault', has: invalidationActive, idle: (world, s, t) => !waitsOnSpinner(world, s, t.id) }, ({ world, states, steps }) => {
    const start = states[0];
    const parts = start.threads.flatMap((t): string[] => {
      const mine = steps.filter((s) => s.thread === t.id).map((s) => s.action);
      if (mine.length > 0) return [`${t.id} repeats ${shownActions(mine)} forever`];
      if (t.done) return [];
      // It takes no step: fairness says it is disabled somewhere in the cycle.
      const at = states.find((s) => waitText(world, s, t.id).next !== undefined) ?? start;
      return [waitText(world, at, t.id).text];
    });
    return `livelock: ${parts.join('; ')}`;
  }),
};

/** A thread's distinct steps in a cycle, at most three of them named. */
const shownActions = (mine: readonly string[]): string => {
  const distinct = [...new Set(mine)];
  return (distinct.length > 3 ? [...distinct.slice(0, 3), `… (${distinct.length} distinct steps)`] : distinct).join(', ');
};

/** Whether thread `id`'s waits-for chain ends at a thread spinning at its retry (interpreter.ts idleSpinner). */
export const waitsOnSpinner = (world: World, s: ModelState, id: string): boolean => {
  // Most states have no spinning thread: then no chain is followed (a search asks of every state).
  if (!s.threads.some((t) => (t.kind === 'fault' || t.kind === 'ioctl') && t.spin !== null)) return false;
  const seen: string[] = [];
  for (let cur: string | null | undefined = id; cur && !seen.includes(cur); cur = waitText(world, s, cur).next) {
    const t = threadById(s, cur);
    if (t && idleSpinner(world, s, t)) return true;
    seen.push(cur);
  }
  return false;
};

/**
 * The waits-for chain from the first blocked thread (threads → locks → holders, memory → reaper)
 * that does not wait on a spinning fault; null when every one does.
 */
export const waitsFor = (world: World, s: ModelState): string | null => {
  const edge = (id: string): { text: string; next: string | null } => {
    const w = waitText(world, s, id);
    return { text: w.text, next: w.next ?? null };
  };
  const first = s.threads.find((t) => !t.done && !waitsOnSpinner(world, s, t.id));
  if (!first) return s.threads.some((t) => !t.done) ? null : 'no thread left';
  const seen: string[] = [];
  const parts: string[] = [];
  let cur: string | null = first.id;
  while (cur !== null && !seen.includes(cur)) {
    seen.push(cur);
    const e = edge(cur);
    parts.push(e.text);
    cur = e.next;
  }
  return `stuck: ${parts.join(' → ')}${cur !== null ? ` → ${cur} (cycle)` : ''}`;
};

/** What thread `id` waits for in `s`, and the thread it waits on (null: none; undefined: it is not blocked). */
export const waitText = (world: World, s: ModelState, id: string): { text: string; next?: string | null } => {
  const t = threadById(s, id);
  if (!t || t.done) return { text: `${id} (finished)`, next: null };
  if (idleSpinner(world, s, t)) return { text: `${id} retries forever on ${t.call?.sub}'s collision marker`, next: null };
  const b = blocker(world, s, t);
  if (b === null) return { text: id };
  if (b.on === 'lock') {
    const l = s.locks[b.lock];
    const holder = l.writer ?? l.readers.find((r) => r !== id) ?? l.readers[0] ?? null;
    return { text: `${id} waits for ${b.lock}${holder ? ` (held${l.writer ? '' : ' for read'} by ${holder})` : ''}`, next: holder };
  }
  if (b.on === 'memory') {
    const reaper = s.threads.find((x) => x.kind === 'oom_reaper');
    return { text: `${id} waits for free memory ← victim reaped ← oom_reaper${reaper ? '' : ' (absent)'}`, next: null };
  }
  if (b.on === 'counter') {
    // The counter drops in invalidate_range_end: some open invalidation must still run it.
    const ender = s.threads.find((x) => x.inv !== null)?.id ?? null;
    const v = s.drivers[b.sub].counters[b.counter];
    return { text: `${id} waits for ${b.sub}.${b.counter} = ${v} to reach 0${ender ? ' ← its invalidate_range_end in' : ' (no invalidation open: its end was lost)'}`, next: ender };
  }
  if (b.on === 'srcu') return { text: `${id} waits in synchronize_srcu for ${b.readers.join(', ')}`, next: b.readers[0].split('#')[0] };
  if (b.on === 'registration') return { text: `${id} waits for ${b.sub} to be registered`, next: `register:${b.sub}` };
  if (b.on === 'mm_users') return { text: `${id} waits for ${b.thread} to drop mm_users (exit_mmap runs at mm_users == 0)`, next: b.thread };
  if (b.on === 'timeout') return { text: `${id} sleeps between attempts`, next: null };
  return { text: `${id} waits for the invalidation of ${b.sub} to end`, next: s.threads.find((x) => x.inv !== null)?.id ?? null };
};

export const FaultLiveness: Invariant = {
  name: 'FaultLiveness',
  about: ['fault_retry_explained'],
  kind: 'liveness',
  id: 'INV-14',
  domainRef: 'docs/kernel.md §8 INV-14; §6.1 (a lost end makes every fault retry forever)',
  summary: 'a fault retries only because of an invalidation: never forever on a collision marker nothing will clear',
  // A fair cycle in which a fault steps and no invalidation is started or in progress: nothing
  // explains its retries, so its collision marker is stuck (a lost end, §6.1).
  ...judgedOnCycles({ within: (s) => !invalidationActive(s), stepper: (t) => t.kind === 'fault' }, ({ world, states, steps }) => {
    const faults = states[0].threads.filter((t) => t.kind === 'fault' && steps.some((x) => x.thread === t.id));
    return faults.map((t) => `${t.id} ${spinText(world, states[0], t.id, steps)}`).join('; ');
  }),
};

/** What a fault repeats with nothing to explain it, and the counters its check reads. */
const spinText = (world: World, s: ModelState, id: string, steps: CycleContext['steps']): string => {
  const t = threadById(s, id);
  const sub = t?.call?.sub ?? '?';
  const counters = Object.entries(s.drivers[sub]?.counters ?? {}).map(([k, v]) => `${sub}.${k} = ${v}`).join(', ');
  const what = t !== undefined && idleSpinner(world, s, t) ? 'retries forever' : `repeats ${shownActions(steps.filter((x) => x.thread === id).map((x) => x.action))} forever`;
  return `${what} with no invalidation started or in progress: ${sub}'s collision marker is stuck${counters ? ` (${counters})` : ''}`;
};
