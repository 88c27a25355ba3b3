/**
 * Exhaustive search over a template whose threads are left open (docs/design.md §4): every
 * thread set the random engine can generate (arbitraries.ts: a subset of `threadsFor` in its
 * order, sensible, with an invalidator) up to `maxThreads` threads, each searched on its own,
 * merged per invariant.
 */
import type { Catalogue } from '../model/index.ts';
import { allowedThreadSet, threadsFor, type ScenarioTemplate } from './arbitraries.ts';
import { explore, type ExhaustiveOptions, type ExploreStats } from './exhaustive.ts';
import type { ExhaustiveResult } from './result.ts';

export const DEFAULT_MAX_THREADS = 3;

/** The thread sets of up to `maxThreads` threads, smallest first, each in `threadsFor`'s order. */
export const threadSets = (t: ScenarioTemplate, maxThreads = DEFAULT_MAX_THREADS, catalogue?: Catalogue): string[][] => {
  const all = threadsFor(t, catalogue);
  const out: string[][] = [];
  const pick = (from: number, size: number, acc: string[]) => {
    if (acc.length === size) {
      if (allowedThreadSet(acc)) out.push([...acc]);
      return;
    }
    for (let i = from; i <= all.length - (size - acc.length); i++) pick(i + 1, size, [...acc, all[i]]);
  };
  for (let size = 1; size <= Math.min(maxThreads, all.length); size++) pick(0, size, []);
  return out;
};

export interface ThreadSetOptions extends ExhaustiveOptions {
  readonly maxThreads?: number;
  /** Called before each thread set's search. */
  readonly onSet?: (threads: readonly string[], index: number, of: number) => void;
  /** Called after each thread set's search, with what it did. */
  readonly onSetDone?: (threads: readonly string[], stats: ExploreStats) => void;
}

/**
 * Per invariant: violated when any set violates it, with the shortest counterexample across
 * sets (the first set's on a tie); "holds" only when every set holds completely; else
 * "holds-up-to-bound" with the first set's bound. `states` and `ms` add up over the sets.
 */
export const mergeSets = (perSet: readonly (readonly ExhaustiveResult[])[], sets: readonly (readonly string[])[]): ExhaustiveResult[] => {
  if (perSet.length === 0) return [];
  return perSet[0].map((first, k) => {
    const rs = perSet.map((results) => results[k]);
    const states = rs.reduce((n, r) => n + r.states, 0);
    const ms = rs.reduce((n, r) => n + r.ms, 0);
    const depth = Math.max(...rs.map((r) => r.depth));
    let best: ExhaustiveResult | null = null;
    for (const r of rs) if (r.counterexample && (!best?.counterexample || r.counterexample.steps < best.counterexample.steps)) best = r;
    const common = { engine: 'exhaustive', invariant: first.invariant, states, ms, threadSets: sets } as const;
    if (best?.counterexample) return { ...common, verdict: 'violated', depth: best.depth, counterexample: best.counterexample, bound: null };
    const cut = rs.find((r) => r.verdict === 'holds-up-to-bound');
    const goals: Record<string, number> = {};
    for (const r of rs) for (const [g, n] of Object.entries(r.goals ?? {})) goals[g] = Math.max(goals[g] ?? 0, n);
    return { ...common, verdict: cut ? 'holds-up-to-bound' : 'holds', depth, counterexample: null, bound: cut?.bound ?? null, goals };
  });
};

/**
 * Every invariant named, over the template: its fixed threads, or else every thread set up to
 * `maxThreads` (each result says which sets in `threadSets`).
 */
export const exhaustiveTemplate = (t: ScenarioTemplate, invariantNames: readonly string[], o: ThreadSetOptions = {}): ExhaustiveResult[] => {
  if (t.threads) {
    const { results, stats } = explore({ ...t, threads: t.threads }, invariantNames, o);
    o.onSetDone?.(t.threads, stats);
    return results;
  }
  const sets = threadSets(t, o.maxThreads ?? DEFAULT_MAX_THREADS, o.catalogue);
  // Under the proofs' key, a set's counterexample is found again without it only when mergeSets
  // keeps it: strictly shorter than every earlier set's (a tie keeps the first).
  const best = new Map<string, number>();
  const refind = (invariant: string, steps: number) => (o.refind?.(invariant, steps) ?? true) && steps < (best.get(invariant) ?? Infinity);
  const perSet = sets.map((threads, i) => {
    o.onSet?.(threads, i, sets.length);
    const { results, stats } = explore({ ...t, threads }, invariantNames, o.proofKey ? { ...o, refind } : o);
    o.onSetDone?.(threads, stats);
    for (const r of results) if (r.counterexample && r.counterexample.steps < (best.get(r.invariant) ?? Infinity)) best.set(r.invariant, r.counterexample.steps);
    return results;
  });
  return mergeSets(perSet, sets);
};
