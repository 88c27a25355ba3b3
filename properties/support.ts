/**
 * Shared scenario builders and steppers for the property tests: one copy of each.
 */
import { expect } from 'vitest';
import { EAGAIN, resolve, run, step, threadById, type Catalogue, type Fact, type ModelState, type NotifierSpec, type Range, type RunOptions, type RunReport, type Scenario, type Stepped, type ThreadKind, type ThreadState, type World } from '../model/index.ts';

export const VMA: Range = { start: 0, end: 4 };

export const times = <T,>(x: T, n: number): T[] => Array.from({ length: n }, () => x);

/** A notifier spec; the interval only when given. */
export const notifier = (name: string, driver: string, address: number, interval?: Range): NotifierSpec => ({ name, driver, address, ...(interval ? { interval } : {}) });

/** A scenario with the common defaults: skip-all-end, the v4.19+ reaper, one VMA [0,4), the reaper alone. */
export const scenario = (o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => ({
  strategy: o.strategy ?? 'skip-all-end',
  reaper: o.reaper ?? 'nonblock-per-vma',
  vmas: o.vmas ?? [VMA],
  notifiers: o.notifiers,
  threads: o.threads ?? ['oom_reaper'],
  ...(o.knobs ? { knobs: o.knobs } : {}),
});

/** The static world and the initial state; an invalid scenario is a test bug. */
export const world = (s: Scenario, catalogue?: Catalogue): { world: World; state: ModelState } => {
  const r = resolve(s, catalogue);
  if (!r.ok) throw new Error(r.error);
  return { world: r.world, state: r.state };
};

/** Every state reachable from `s0`, breadth-first, each once (by its exact JSON): for small scenarios. */
export const reachable = (w: World, s0: ModelState): ModelState[] => {
  const seen = new Set<string>([JSON.stringify(s0)]);
  const queue: ModelState[] = [s0];
  for (let n = 0; n < queue.length; n++)
    for (const t of queue[n].threads) {
      const next = step(w, queue[n], t.id, false);
      if (next.tag !== 'stepped') continue;
      const k = JSON.stringify(next.state);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(next.state);
      }
    }
  return queue;
};

/** One step that must happen. */
export const stepOnce = (w: World, s: ModelState, id: string): Stepped => {
  const r = step(w, s, id);
  if (r.tag !== 'stepped') throw new Error(`${id} cannot step (${r.tag})`);
  return r;
};

/** Step `id` until `until(state, thread)` holds (at most `max` steps), pushing each step's label to `labels`. */
export const stepUntil = (w: World, s: ModelState, id: string, until: (s: ModelState, t: ThreadState) => boolean, max = 200, labels?: string[]): ModelState => {
  let cur = s;
  for (let k = 0; k < max; k++) {
    if (until(cur, threadById(cur, id) as ThreadState)) return cur;
    const r = stepOnce(w, cur, id);
    labels?.push(r.label);
    cur = r.state;
  }
  if (until(cur, threadById(cur, id) as ThreadState)) return cur;
  throw new Error(`${id}: condition not reached in ${max} steps`);
};

/** The thread `id`, which must be of this kind. */
export const threadOf = <K extends ThreadKind>(s: ModelState, id: string, kind: K): Extract<ThreadState, { kind: K }> => {
  const t = threadById(s, id);
  if (!t || t.kind !== kind) throw new Error(`no ${kind} thread ${id}`);
  return t as Extract<ThreadState, { kind: K }>;
};

export const reaperOf = (s: ModelState) => threadOf(s, 'oom_reaper', 'oom_reaper');

/** Replace fields of one thread (for hand-made states). */
export const withThread = (s: ModelState, id: string, patch: Partial<ThreadState>): ModelState => ({
  ...s,
  threads: s.threads.map((t) => (t.id === id ? ({ ...t, ...patch } as ThreadState) : t)),
});

export type RunWithFacts = RunReport & { readonly facts: readonly (Fact & { readonly step: number })[] };

/** A run that keeps every step's facts (with its 1-based step): what the invariants judge, for tests to assert on. */
export const runWithFacts = (sc: Scenario, schedule: readonly string[], opts: RunOptions = {}): RunWithFacts => {
  const facts: (Fact & { step: number })[] = [];
  let n = 0;
  const r = run(sc, schedule, { ...opts, onStep: (st) => { n++; for (const f of st.facts) facts.push({ ...f, step: n }); } });
  return { ...r, facts };
};

/** What a callback or the whole start returned, as the kernel writes it (retText). */
export const returned = (value: number, form: 'hlist' | 'interval'): string => (form === 'interval' ? (value === 0 ? 'true' : 'false') : value === EAGAIN ? '-EAGAIN' : String(value));

/** The facts of one kind. */
export const factsOf = <F extends Fact['fact']>(facts: readonly Fact[], kind: F): Extract<Fact, { fact: F }>[] =>
  facts.filter((f): f is Extract<Fact, { fact: F }> => f.fact === kind);

/**
 * Step `thread` from `before` with and without recording: the unrecorded step prints nothing and
 * builds the same state, facts and diagnostics (events are the only thing recording adds).
 */
export const sameRecordedOrNot = (w: World, before: ModelState, thread: string): Stepped => {
  const on = step(w, before, thread, true);
  const off = step(w, before, thread, false);
  if (on.tag !== 'stepped' || off.tag !== 'stepped') throw new Error(`${thread} did not step`);
  expect(off.events).toEqual([]);
  expect(JSON.stringify(off.state)).toBe(JSON.stringify(on.state));
  expect(off.facts).toEqual(on.facts);
  expect(off.diagnostics).toEqual(on.diagnostics);
  return on;
};

/** The scenario's world past the OOM kill: the reaper thread's first step on a named release (model/reaper.ts oomKill, docs/kernel.md §3.4); as `world` otherwise. */
export const killedWorld = (s: Scenario, catalogue?: Catalogue): { world: World; state: ModelState } => {
  const r = world(s, catalogue);
  const reaper = r.state.threads.find((t) => t.kind === 'oom_reaper' && t.pc === 'oom_kill');
  return reaper ? { ...r, state: stepOnce(r.world, r.state, reaper.id).state } : r;
};
