/** Running one generated candidate and judging it: what the search, the minimizer and check share. */
import { invariantByName, runWorld, resolve, step, type Catalogue, type Invariant, type ModelState, type RunReport, type Scenario, type World } from '../model/index.ts';
import type { Candidate, ScenarioTemplate } from './arbitraries.ts';
import { explore } from './exhaustive.ts';
import { exactKey, fingerprint } from './fingerprint.ts';

export interface Judged {
  readonly report: RunReport;
  readonly violated: boolean;
  /** Steps up to and including the violating one (docs/design.md §3.5: schedule plus drain). */
  readonly steps: number;
}

export interface JudgeOptions {
  /** Keep the trace (only for the run that gets printed: recording costs time). */
  readonly record?: boolean;
  readonly catalogue?: Catalogue;
  /** Collect the reachability goals the run reaches (model/goals.ts). */
  readonly goals?: Set<string>;
}

type Resolved = Extract<ReturnType<typeof resolve>, { ok: true }>;
// The last template's thread sets only: a search runs one template at a time, and compare's many
// templates would otherwise keep every world alive for the proofs' garbage collector to scan.
let cachedFor: { readonly t: ScenarioTemplate; readonly catalogue: Catalogue | undefined; readonly sets: Map<string, Resolved> } | null = null;

/**
 * The template resolved with these threads, once per thread set: a search's runs share a few sets,
 * and resolve is pure (its world and initial state are never mutated), so a cached one is the same.
 */
const resolvedFor = (t: ScenarioTemplate, threads: readonly string[], catalogue?: Catalogue): Resolved => {
  if (cachedFor === null || cachedFor.t !== t || cachedFor.catalogue !== catalogue) cachedFor = { t, catalogue, sets: new Map() };
  const key = threads.join(',');
  const hit = cachedFor.sets.get(key);
  if (hit) return hit;
  const r = resolve({ ...t, threads }, catalogue);
  if (!r.ok) throw new Error(r.error); // candidates only name threads the template allows
  cachedFor.sets.set(key, r);
  return r;
};

/** Run one candidate, judging these invariants and stopping as soon as all are decided. */
export const runCandidate = (t: ScenarioTemplate, invariants: readonly Invariant[], c: Candidate, o: JudgeOptions = {}): RunReport => {
  const scenario = { ...t, threads: c.threads };
  const r = resolvedFor(t, c.threads, o.catalogue);
  const report = runWorld(r.world, r.state, c.schedule, { invariants, stopWhenDecided: true, record: o.record ?? false, ...(o.goals ? { goals: o.goals } : {}) });
  return confirmDrain(scenario, r.world, r.state, report, invariants, o.catalogue);
};

/**
 * The states a confirmation searches at most: a drain that hit its bound is judged by a search
 * of the fair cycles reachable from where it stopped; cut by this bound with none found, the run
 * counts as holding (docs/design.md §3.5).
 */
export const CONFIRM_STATES = 100_000;

/**
 * A run whose drain hit its bound decides nothing about the invariants judged on cycles: search
 * every interleaving from where it stopped (explore's `from`). A fair cycle, or a stuck state,
 * found there is the verdict, its path the run's steps then the search's (every one a schedule
 * choice); a lasso's prefix is cut at the first time the run was in its cycle's first state.
 * None found: the run holds them (honestly only when the search was complete; CONFIRM_STATES).
 */
export const confirmDrain = (scenario: Scenario, world: World, initial: ModelState, report: RunReport, invariants: readonly Invariant[], catalogue?: Catalogue): RunReport => {
  if (!report.exhausted) return report;
  const open = invariants.filter((i) => i.onCycle && report.verdicts[i.name]?.status !== 'violated');
  if (open.length === 0) return report;
  const ran = report.trace.map((s) => s.thread);
  const { results } = explore(scenario, open.map((i) => i.name), { from: report.final, maxStates: CONFIRM_STATES, ...(catalogue ? { catalogue } : {}) });
  const verdicts = { ...report.verdicts };
  for (const res of results) {
    const cx = res.counterexample;
    if (!cx) continue;
    let path = [...ran, ...cx.schedule];
    let cycleFrom = cx.cycle ? ran.length + cx.cycle.from : undefined;
    if (cycleFrom !== undefined) {
      const at = firstVisit(world, initial, path, cycleFrom);
      path = [...path.slice(0, at), ...path.slice(cycleFrom)];
      cycleFrom = at;
    }
    verdicts[res.invariant] = { status: 'violated', step: path.length, witness: cx.witness, path, ...(cycleFrom !== undefined ? { cycleFrom } : {}) };
  }
  return { ...report, verdicts };
};

/** The first step k ≤ `at` after which `path` (run from `initial`) is in the state it is in after `at` steps. */
const firstVisit = (world: World, initial: ModelState, path: readonly string[], at: number): number => {
  const states: ModelState[] = [initial];
  let s = initial;
  for (let k = 0; k < at; k++) {
    const res = step(world, s, path[k], false);
    if (res.tag !== 'stepped') throw new Error(`confirm: step ${k + 1} of the run did not step`);
    s = res.state;
    states.push(s);
  }
  const [a, b] = fingerprint(s);
  const key = exactKey(s);
  return states.findIndex((x) => {
    const [c, d] = fingerprint(x);
    return c === a && d === b && exactKey(x) === key;
  });
};

/** Run one candidate and judge one invariant. */
export const judge = (t: ScenarioTemplate, inv: Invariant, c: Candidate, o: JudgeOptions = {}): Judged => {
  const report = runCandidate(t, [inv], c, o);
  const v = report.verdicts[inv.name];
  return { report, violated: v.status === 'violated', steps: v.status === 'violated' ? v.step : report.trace.length };
};

export const contextSwitches = (trace: readonly { thread: string }[]): number =>
  trace.reduce((n, s, i) => (i > 0 && trace[i - 1].thread !== s.thread ? n + 1 : n), 0);

/** The invariants by name, in the order given (the CLI has validated the names). */
export const invariantsNamed = (names: readonly string[]): Invariant[] =>
  names.map((n) => {
    const inv = invariantByName(n);
    if (!inv) throw new Error(`unknown invariant ${n}`);
    return inv;
  });
