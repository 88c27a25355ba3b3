/**
 * The invariant registry (DESIGN.md §3.5): named pure predicates, each citing its DOMAIN.md §8
 * entry. `safety` and `contract` invariants are judged after every step from the step's facts;
 * `liveness` ones once, after the drain. A predicate returns null (ok) or a witness sentence
 * that says what broke and where.
 */
import { blocker, threadById, type StepResult } from './step.ts';
import type { ModelState, World } from './types.ts';
import { EAGAIN } from './program.ts';

export interface StepContext {
  readonly world: World;
  readonly after: ModelState;
  readonly step: StepResult;
}

export interface EndContext {
  readonly world: World;
  readonly state: ModelState;
  /** Threads unfinished while none can step. */
  readonly stuck: boolean;
  /** The drain hit its bound with threads still stepping. */
  readonly exhausted: boolean;
}

export interface Invariant {
  readonly name: string;
  readonly kind: 'safety' | 'liveness' | 'contract';
  readonly inv: string;
  readonly domainRef: string;
  readonly summary: string;
  readonly onStep?: (c: StepContext) => string | null;
  readonly atEnd?: (c: EndContext) => string | null;
}

const firstFact = <F extends StepResult['facts'][number]['fact']>(
  c: StepContext,
  kind: F,
  witness: (f: Extract<StepResult['facts'][number], { fact: F }>) => string | null,
): string | null => {
  for (const f of c.step.facts) {
    if (f.fact !== kind) continue;
    const w = witness(f as Extract<StepResult['facts'][number], { fact: F }>);
    if (w !== null) return w;
  }
  return null;
};

export const StartEndPaired: Invariant = {
  name: 'StartEndPaired',
  kind: 'safety',
  inv: 'INV-1',
  domainRef: 'DOMAIN.md §8 INV-1; header comment on struct mmu_notifier_ops (MNH-5.15)',
  summary: 'every notifier with an end whose start returned 0 gets exactly one end before the invalidation is over',
  onStep: (c) =>
    firstFact(c, 'inv_closed', (f) => {
      for (const n of f.hasEnd) {
        const started = f.inv.results[n] === 'ok';
        const ends = f.inv.ends[n] ?? 0;
        if ((started && ends !== 1) || ends > 1) {
          const r = f.inv.range;
          return `${n}.invalidate_range_start returned 0 in invalidation #${f.inv.id} (${f.thread}, [${r.start},${r.end})${f.inv.blockable ? '' : ', nonblock'}) but ${n} got ${ends} end${ends === 1 ? '' : 's'}`;
        }
      }
      return null;
    }),
};

export const NoEndWithoutStart: Invariant = {
  name: 'NoEndWithoutStart',
  kind: 'safety',
  inv: 'INV-2',
  domainRef: 'DOMAIN.md §8 INV-2; §5.1b (Jason: "invalidate_end should *not* be called")',
  summary: 'an end is only called on a notifier whose start returned 0 in the same invalidation',
  onStep: (c) =>
    firstFact(c, 'end_called', (f) => {
      if (f.startResult === 'ok') return null;
      // §5.1a: the 2019 RFC makes "end after a failed start" the failing notifier's contract.
      if (f.startResult === 'fail' && f.inUndo && c.world.strategy.failingNotifierExpectsEnd) return null;
      return `${f.sub}.invalidate_range_end called in invalidation #${f.inv} but its start ${f.startResult === 'fail' ? 'returned -EAGAIN' : 'was never called'}`;
    }),
};

export const NoCounterUnderflow: Invariant = {
  name: 'NoCounterUnderflow',
  kind: 'safety',
  inv: 'INV-4',
  domainRef: 'DOMAIN.md §8 INV-4; KVM BUG_ON(mmu_notifier_count < 0) (§2.3)',
  summary: 'no counter, rwsem read count or core active count goes below zero',
  onStep: (c) => firstFact(c, 'underflow', (f) => `${f.what} went to ${f.value}`),
};

export const NonBlockingNeverSleeps: Invariant = {
  name: 'NonBlockingNeverSleeps',
  kind: 'contract',
  inv: 'INV-5',
  domainRef: 'DOMAIN.md §8 INV-5; §2.3 non_block_start/end (L-2019-NB); §3.1',
  summary: 'inside a non-blockable invalidation no thread sleeps (mutex/rwsem wait, fence wait, reclaim)',
  onStep: (c) => {
    const w = firstFact(c, 'sleep_in_nonblock', (f) =>
      `${f.thread} sleeps in a non-blockable invalidation: ${f.what}${f.nonBlockCount > 0 ? '' : ' (outside non_block_start/end: the debug check would not fire)'}`);
    if (w) return w;
    // Reaching a sleeping wait that cannot proceed is the same violation (the thread would sleep now).
    const t = threadById(c.after, c.step.thread);
    if (!t || t.done || !t.inv || t.inv.blockable) return null;
    const b = blocker(c.world, c.after, t);
    if (b === null || (b.on === 'lock' && c.world.lockKinds[b.lock] === 'spinlock')) return null;
    const what =
      b.on === 'lock' ? b.lock
      : b.on === 'memory' ? 'free memory'
      : b.on === 'counter' ? `${b.sub}.${b.counter} to reach 0`
      : b.on === 'srcu' ? 'synchronize_srcu'
      : b.on === 'registration' ? `${b.sub} to be registered`
      : `${b.sub}'s invalidation to end`;
    return `${t.id} would sleep in a non-blockable invalidation waiting for ${what}`;
  },
};

export const StartReturnContract: Invariant = {
  name: 'StartReturnContract',
  kind: 'contract',
  inv: 'INV-6',
  domainRef: 'DOMAIN.md §8 INV-6; §2.3 WARN_ON(blockable || ret != -EAGAIN)',
  summary: 'a start returns 0 or -EAGAIN, and -EAGAIN (interval: false) only when non-blockable',
  onStep: (c) =>
    firstFact(c, 'start_returned', (f) =>
      (f.value !== 0 && f.value !== EAGAIN) || (f.value !== 0 && f.blockable)
        ? `${f.sub} start returned ${f.value} in a ${f.blockable ? 'blockable' : 'non-blockable'} invalidation #${f.inv}`
        : null),
};

export const FailableStartHasNoEnd: Invariant = {
  name: 'FailableStartHasNoEnd',
  kind: 'contract',
  inv: 'INV-7',
  domainRef: 'DOMAIN.md §8 INV-7; §2.3 WARN_ON(ops->invalidate_range_end) (c2655835fd8c, v5.12)',
  summary: 'a notifier whose start fails has no end op',
  onStep: (c) =>
    firstFact(c, 'start_returned', (f) =>
      f.value !== 0 && f.hasEnd && f.form === 'hlist' ? `${f.sub}.invalidate_range_start returned -EAGAIN but ${f.sub} has an invalidate_range_end` : null),
};

export const QuiescentBalanced: Invariant = {
  name: 'QuiescentBalanced',
  kind: 'liveness',
  inv: 'INV-3',
  domainRef: 'DOMAIN.md §8 INV-3',
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
  kind: 'liveness',
  inv: 'INV-10',
  domainRef: 'DOMAIN.md §8 INV-10; §3.1 (the reclaim cycle)',
  summary: 'the drain never gets stuck: some unfinished thread can always step (waits-for graph acyclic)',
  atEnd: ({ world, state, stuck, exhausted }) => {
    if (exhausted) return 'the drain hit its bound: a livelock';
    if (!stuck) return null;
    return waitsFor(world, state);
  },
};

/** The waits-for chain from the first blocked thread (threads → locks → holders, memory → reaper). */
export const waitsFor = (world: World, s: ModelState): string => {
  const edge = (id: string): { text: string; next: string | null } => {
    const t = threadById(s, id);
    if (!t || t.done) return { text: `${id} (finished)`, next: null };
    const b = blocker(world, s, t);
    if (b === null) return { text: id, next: null };
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
    return { text: `${id} waits for the invalidation of ${b.sub} to end`, next: s.threads.find((x) => x.inv !== null)?.id ?? null };
  };
  const first = s.threads.find((t) => !t.done);
  if (!first) return 'no thread left';
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

export const FaultLiveness: Invariant = {
  name: 'FaultLiveness',
  kind: 'liveness',
  inv: 'INV-14',
  domainRef: 'DOMAIN.md §8 INV-14; §6.1 (a lost end makes every fault retry forever)',
  summary: 'a fault retries only because of an invalidation: never on a collision marker nothing will clear',
  onStep: (c) =>
    firstFact(c, 'fault_gave_up', (f) =>
      `${f.thread} collided ${f.retries} times with no invalidation started or in progress: ${f.sub}'s collision marker is stuck, so the fault retries forever`),
};

export const invariants: readonly Invariant[] = [
  StartEndPaired,
  NoEndWithoutStart,
  QuiescentBalanced,
  NoCounterUnderflow,
  NonBlockingNeverSleeps,
  StartReturnContract,
  FailableStartHasNoEnd,
  NoDeadlock,
  FaultLiveness,
];

export const INVARIANT_NAMES: readonly string[] = invariants.map((i) => i.name);

export const invariantByName = (name: string): Invariant | undefined => invariants.find((i) => i.name === name);
