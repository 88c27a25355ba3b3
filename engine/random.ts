/**
 * Random exploration with fast-check (docs/design.md §4): generate candidates (arbitraries.ts), judge
 * them (judge.ts), and after fast-check's shrink, minimize (minimize.ts); then a bounded
 * breadth-first pass (`shortestPass`, the exhaustive engine over a few thread sets) replaces the
 * counterexample by a shortest one when it finds one. search and searchAll share it.
 */
import fc from 'fast-check';
import { GOAL_NAMES, invariantByName, type Catalogue, type Invariant } from '../model/index.ts';
import { candidateArb, type Candidate, type ScenarioTemplate } from './arbitraries.ts';
import { contextSwitches, invariantsNamed, judge, runCandidate, type Judged } from './judge.ts';
import { explore } from './exhaustive.ts';
import { minimize } from './minimize.ts';
import type { Counterexample, SearchResult } from './result.ts';

export interface SearchOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Longest generated schedule (the drain comes on top). */
  readonly maxSchedule?: number;
  readonly timeLimitMs?: number;
  /** Called every 100 generated runs (for a progress line on a terminal). */
  readonly onProgress?: (runs: number, ms: number) => void;
  readonly catalogue?: Catalogue;
  /**
   * After shrinking, a bounded breadth-first pass looks for a shorter counterexample (shrinking
   * alone can stop above the shortest): over the counterexample's thread set and `hints`, each
   * only to one step less than the shortest so far, together visiting at most this many states
   * (`shortestPass`). Default SHORTEST_BUDGET; 0 turns it off.
   */
  readonly shortest?: number;
  /**
   * Other thread sets known to violate the invariant, most promising first (searchAll passes
   * those its runs violated it with, by their violating step): the pass searches them too.
   */
  readonly hints?: readonly (readonly string[])[];
  /** Called after each thread set the shortest pass searched: the states it visited, the length it found (null: none shorter). */
  readonly onShortestSet?: (set: { readonly invariant: string; readonly threads: readonly string[]; readonly states: number; readonly steps: number | null }) => void;
}

/**
 * The shortest pass's default budget in states, for every search that does not say (compare, the
 * tests): 1,000 states, a few hundredths of a second, reach the exhaustive shortest in seven of ten
 * matrix cells (`npm run bench` counts them; 2,000 reach 178 of 234 rather than 165 but cost the
 * test suite time it does not have); check passes a larger one (engine/check.ts).
 */
export const SHORTEST_BUDGET = 1_000;

/** Thread sets searched by the shortest pass beside the counterexample's own (searchAll's hints). */
export const SHORTEST_HINTS = 4;

/**
 * The final pass (docs/design.md §4): breadth-first over the counterexample's thread set and
 * each hinted set (a template with fixed threads has only its own), smallest set first, each to
 * one step less than the shortest found so far, within `budget` states in all. Breadth-first, so
 * what it returns is a shortest counterexample of the sets it searched completely; null: none
 * shorter than `cx`.
 */
export const shortestPass = (
  t: ScenarioTemplate,
  inv: Invariant,
  cx: Counterexample,
  budget: number,
  hints: readonly (readonly string[])[] = [],
  catalogue?: Catalogue,
  onSet?: SearchOptions['onShortestSet'],
): Counterexample | null => {
  // Smaller sets first: they are cheap, and what they find lowers the depth of the larger ones.
  const sets = t.threads ? [cx.scenario.threads] : [cx.scenario.threads, ...hints].sort((a, b) => a.length - b.length);
  const seen = new Set<string>();
  let best: Counterexample | null = null;
  let left = budget;
  for (const threads of sets) {
    const key = threads.join(',');
    const steps = (best ?? cx).steps;
    if (seen.has(key) || steps <= 1 || left <= 0) continue;
    seen.add(key);
    const { results, stats } = explore({ ...t, threads }, [inv.name], { maxDepth: steps - 1, maxStates: left, ...(catalogue ? { catalogue } : {}) });
    left -= stats.states;
    const found = results[0].counterexample;
    if (found && found.steps < steps) best = found;
    onSet?.({ invariant: inv.name, threads, states: stats.states, steps: found && found.steps < steps ? found.steps : null });
  }
  return best;
};

export const search = (t: ScenarioTemplate, invariantName: string, o: SearchOptions): SearchResult => {
  const inv = invariantByName(invariantName);
  if (!inv) throw new Error(`unknown invariant ${invariantName}`);
  const { catalogue } = o;
  const t0 = performance.now();
  let first: Judged | null = null;
  let firstC: Candidate | null = null;
  const prop = fc.property(candidateArb(t, o.maxSchedule, catalogue), (c) => {
    const j = judge(t, inv, c, { catalogue });
    if (j.violated && first === null) {
      first = j;
      firstC = c;
    }
    return !j.violated;
  });
  const details = fc.check(prop, {
    seed: o.seed,
    numRuns: o.numRuns,
    ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}),
  });
  if (!details.failed || !details.counterexample) {
    return { engine: 'random', invariant: inv.name, verdict: 'holds', runs: details.numRuns, ms: performance.now() - t0, counterexample: null };
  }
  const firstFailRuns = details.numRuns;
  const [shrunk] = details.counterexample as [Candidate];
  const before = (first ?? judge(t, inv, shrunk, { catalogue })) as Judged;
  const { candidate } = minimize(t, inv, firstC ? [shrunk, firstC] : [shrunk], catalogue);
  const judged = judge(t, inv, candidate, { record: true, catalogue }); // once more, recording the trace to print
  const trace = judged.report.trace.slice(0, judged.steps);
  const v = judged.report.verdicts[inv.name];
  const provenance = { foundWith: 'random', seed: o.seed, path: details.counterexamplePath ?? '', runs: firstFailRuns } as const;
  const shrunkCx: Counterexample = {
    invariant: inv.name,
    witness: v.status === 'violated' ? v.witness : '',
    scenario: { ...t, threads: candidate.threads },
    schedule: judged.report.executed,
    trace,
    steps: judged.steps,
    contextSwitches: contextSwitches(trace),
    fromSteps: before.steps,
    fromSwitches: contextSwitches(before.report.trace.slice(0, before.steps)),
    provenance,
  };
  const budget = o.shortest ?? SHORTEST_BUDGET;
  const shorter = budget > 0 ? shortestPass(t, inv, shrunkCx, budget, o.hints, catalogue, o.onShortestSet) : null;
  const counterexample = shorter ? { ...shorter, fromSteps: shrunkCx.fromSteps, fromSwitches: shrunkCx.fromSwitches, provenance } : shrunkCx;
  return { engine: 'random', invariant: inv.name, verdict: 'violated', runs: firstFailRuns, ms: performance.now() - t0, counterexample };
};

/**
 * Judge several invariants on the same generated runs (phase 1), then shrink each violated one
 * with its own fast-check run from the same seed (phase 2), then looks for a shorter one (the
 * shortest pass, hinted with the thread sets the runs violated it with).
 * A "holds" verdict means every one of the `runs` generated cases held.
 */
export const searchAll = (t: ScenarioTemplate, names: readonly string[], o: SearchOptions): SearchResult[] => {
  const invs = invariantsNamed(names);
  const { catalogue } = o;
  const t0 = performance.now();
  const firstAt: Record<string, { run: number; ms: number }> = {};
  // In how many runs each reachability goal was reached: a "holds" that never reached its situation is vacuous.
  const goals: Record<string, number> = Object.fromEntries(GOAL_NAMES.map((g) => [g, 0]));
  // Per invariant, the thread sets its runs violated it with and the earliest violating step of each: the shortest pass's hints.
  const violatedWith: Record<string, Map<string, { threads: readonly string[]; step: number }>> = Object.fromEntries(invs.map((i) => [i.name, new Map()]));
  let runs = 0;
  const prop = fc.property(candidateArb(t, o.maxSchedule, catalogue), (c) => {
    runs++;
    if (o.onProgress && runs % 100 === 0) o.onProgress(runs, performance.now() - t0);
    const reached = new Set<string>();
    // Violated ones stay judged for the hints while the run is needed anyway; once every one is found, runs stop at once.
    const report = runCandidate(t, invs.some((i) => !firstAt[i.name]) ? invs : [], c, { catalogue, goals: reached });
    for (const g of reached) goals[g]++;
    for (const i of invs) {
      const v = report.verdicts[i.name];
      if (v?.status !== 'violated') continue;
      firstAt[i.name] ??= { run: runs, ms: performance.now() - t0 };
      const key = c.threads.join(',');
      const seen = violatedWith[i.name].get(key);
      if (!seen || v.step < seen.step) violatedWith[i.name].set(key, { threads: c.threads, step: v.step });
    }
    return true;
  });
  const done = fc.check(prop, { seed: o.seed, numRuns: o.numRuns, ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}) });
  if (done.failed) throw new Error(`model error while searching: ${String(done.errorInstance)}`); // the property itself never fails
  const phase1 = performance.now() - t0;
  return invs.map((inv): SearchResult => {
    const f = firstAt[inv.name];
    if (!f) return { engine: 'random', invariant: inv.name, verdict: 'holds', runs: done.numRuns, ms: phase1, counterexample: null, goals };
    const hints = [...violatedWith[inv.name].values()].sort((a, b) => a.step - b.step).slice(0, SHORTEST_HINTS).map((h) => h.threads);
    const r = search(t, inv.name, { ...o, numRuns: f.run, hints });
    return { ...r, runs: f.run, ms: f.ms, goals };
  });
};
