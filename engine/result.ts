/**
 * What both engines return (docs/design.md §4): one result per invariant, discriminated by the
 * engine, with one counterexample shape so printing and saving never ask which engine found it.
 */
import { invariantByName, type Scenario, type TraceStep } from '../model/index.ts';

/** How a counterexample was found: a random one can be regenerated from its seed and path. */
export type Provenance =
  | { readonly foundWith: 'random'; readonly seed: number; readonly path: string; readonly runs: number }
  | { readonly foundWith: 'exhaustive' };

export interface Counterexample {
  readonly invariant: string;
  readonly witness: string;
  readonly scenario: Scenario;
  /** Executed schedule choices (the drain's steps are in `trace`). */
  readonly schedule: readonly string[];
  /** The steps up to and including the violating one. */
  readonly trace: readonly TraceStep[];
  readonly steps: number;
  readonly contextSwitches: number;
  /** Before minimizing; the exhaustive engine's trace is already shortest, so these equal the above. */
  readonly fromSteps: number;
  readonly fromSwitches: number;
  readonly provenance: Provenance;
  /** No shorter counterexample exists on its thread set: a breadth-first search of that set judged every length below it (the exhaustive engine's own, or the random engine's shortest pass). */
  readonly shortestOnThreads?: boolean;
  /**
   * A lasso (docs/design.md §3.5): `trace` and `schedule` are a prefix and one turn of a fair
   * cycle that starts at index `from`; the state after the last step is the one before step
   * `from`, so the cycle repeats forever. Every step is a schedule choice (no drain).
   */
  readonly cycle?: { readonly from: number };
}

/** The random engine's result: `runs` generated cases (up to the first failing one when violated). */
export interface SearchResult {
  readonly engine: 'random';
  readonly invariant: string;
  readonly verdict: 'holds' | 'violated';
  readonly runs: number;
  readonly ms: number;
  readonly counterexample: Counterexample | null;
  /** searchAll: in how many of its runs each reachability goal was reached (model/goals.ts). */
  readonly goals?: Readonly<Record<string, number>>;
}

/** What cut an exhaustive search short: its state, depth or memory bound. */
export type Bound = 'states' | 'depth' | 'memory' | 'time';

/**
 * The exhaustive engine's result: "holds" only when every reachable state was explored,
 * "holds-up-to-bound" when a bound cut the search (`bound` says which).
 */
export interface ExhaustiveResult {
  readonly engine: 'exhaustive';
  readonly invariant: string;
  readonly verdict: 'holds' | 'violated' | 'holds-up-to-bound';
  /** Distinct states explored (when violated: when the counterexample was found); summed over thread sets. */
  readonly states: number;
  readonly depth: number;
  readonly ms: number;
  readonly counterexample: Counterexample | null;
  /** Why the verdict is "holds-up-to-bound"; null otherwise. */
  readonly bound?: Bound | null;
  /** A template without fixed threads: the thread sets searched, smallest first. */
  readonly threadSets?: readonly (readonly string[])[];
  /** When it holds: 1 for each reachability goal (model/goals.ts) some step explored reached, else 0. */
  readonly goals?: Readonly<Record<string, number>>;
}

export type EngineResult = SearchResult | ExhaustiveResult;

/**
 * A "holds" is vacuous when the runs (or the states) behind it never reached any situation its
 * invariant is about (Invariant.about): it says nothing about that situation.
 */
export const vacuous = (r: EngineResult): boolean => {
  // A search a bound cut short says so ("holds up to bound") rather than "vacuous".
  if (r.verdict !== 'holds' || !r.goals) return false;
  const about = invariantByName(r.invariant)?.about ?? [];
  return about.length > 0 && about.every((g) => !(r.goals?.[g] ?? 0));
};
