/** Running one generated candidate and judging it: what the search, the minimizer and check share. */
import { invariantByName, runWorld, resolve, type Catalogue, type Invariant, type RunReport } from '../model/index.ts';
import type { Candidate, ScenarioTemplate } from './arbitraries.ts';

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

/** Run one candidate, judging these invariants and stopping as soon as all are decided. */
export const runCandidate = (t: ScenarioTemplate, invariants: readonly Invariant[], c: Candidate, o: JudgeOptions = {}): RunReport => {
  const r = resolve({ ...t, threads: c.threads }, o.catalogue);
  if (!r.ok) throw new Error(r.error); // candidates only name threads the template allows
  return runWorld(r.world, r.state, c.schedule, { invariants, stopWhenDecided: true, record: o.record ?? false, ...(o.goals ? { goals: o.goals } : {}) });
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
