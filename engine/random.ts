/**
 * Random exploration with fast-check (docs/design.md §4): generate candidates (arbitraries.ts), judge
 * them (judge.ts), and after fast-check's shrink, minimize (minimize.ts).
 */
import fc from 'fast-check';
import { GOAL_NAMES, invariantByName, type Catalogue } from '../model/index.ts';
import { candidateArb, type Candidate, type ScenarioTemplate } from './arbitraries.ts';
import { contextSwitches, invariantsNamed, judge, runCandidate, type Judged } from './judge.ts';
import { exhaustive } from './exhaustive.ts';
import { minimize } from './minimize.ts';
import type { SearchResult } from './result.ts';

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
   * After shrinking, a breadth-first search over the counterexample's thread set, bounded by its
   * length and this many states, looks for a shorter one (shrinking alone can stop above the
   * shortest). Off when absent.
   */
  readonly shortest?: number;
}

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
  if (o.shortest && judged.steps > 1) {
    const ex = exhaustive({ ...t, threads: candidate.threads }, inv.name, judged.steps - 1, { maxStates: o.shortest, ...(catalogue ? { catalogue } : {}) });
    const cx = ex.counterexample;
    if (ex.verdict === 'violated' && cx && cx.steps < judged.steps)
      return {
        engine: 'random', invariant: inv.name, verdict: 'violated', runs: firstFailRuns, ms: performance.now() - t0,
        counterexample: { ...cx, fromSteps: before.steps, fromSwitches: contextSwitches(before.report.trace.slice(0, before.steps)), provenance },
      };
  }
  const ms = performance.now() - t0;
  return {
    engine: 'random',
    invariant: inv.name,
    verdict: 'violated',
    runs: firstFailRuns,
    ms,
    counterexample: {
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
    },
  };
};

/**
 * Judge several invariants on the same generated runs (phase 1), then shrink each violated one
 * with its own fast-check run from the same seed (phase 2). A "holds" verdict means every one
 * of the `runs` generated cases held.
 */
export const searchAll = (t: ScenarioTemplate, names: readonly string[], o: SearchOptions): SearchResult[] => {
  const invs = invariantsNamed(names);
  const { catalogue } = o;
  const t0 = performance.now();
  const firstAt: Record<string, { run: number; ms: number }> = {};
  // In how many runs each reachability goal was reached: a "holds" that never reached its situation is vacuous.
  const goals: Record<string, number> = Object.fromEntries(GOAL_NAMES.map((g) => [g, 0]));
  let runs = 0;
  const prop = fc.property(candidateArb(t, o.maxSchedule, catalogue), (c) => {
    runs++;
    if (o.onProgress && runs % 100 === 0) o.onProgress(runs, performance.now() - t0);
    const pending = invs.filter((i) => !firstAt[i.name]);
    const reached = new Set<string>();
    const report = runCandidate(t, pending, c, { catalogue, goals: reached });
    for (const g of reached) goals[g]++;
    for (const i of pending) if (report.verdicts[i.name].status === 'violated') firstAt[i.name] = { run: runs, ms: performance.now() - t0 };
    return true;
  });
  const done = fc.check(prop, { seed: o.seed, numRuns: o.numRuns, ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}) });
  if (done.failed) throw new Error(`model error while searching: ${String(done.errorInstance)}`); // the property itself never fails
  const phase1 = performance.now() - t0;
  return invs.map((inv): SearchResult => {
    const f = firstAt[inv.name];
    if (!f) return { engine: 'random', invariant: inv.name, verdict: 'holds', runs: done.numRuns, ms: phase1, counterexample: null, goals };
    const r = search(t, inv.name, { ...o, numRuns: f.run });
    return { ...r, runs: f.run, ms: f.ms, goals };
  });
};
