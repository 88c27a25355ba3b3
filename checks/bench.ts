/**
 * The scenarios `npm run bench` measures (docs/design.md §8), as data beside the families.
 */
import { SHORTEST_BUDGET, search, searchAll, type SearchOptions } from '../engine/random.ts';
import type { SearchResult } from '../engine/result.ts';
import { INVARIANT_NAMES, type Scenario } from '../model/index.ts';
import { familyById } from './families.ts';
import { HOLDS_RUNS, matrix, passBudget, type Bound } from './matrix.ts';

/** One violated matrix cell: the random search's length (with and without its shortest pass) against the matrix's exhaustive shortest. */
export interface ShrunkVsShortest {
  readonly strategy: string;
  readonly family: string;
  readonly invariant: string;
  readonly seed: number;
  /** The exhaustive shortest over every thread set of up to 3 threads (a pinned cell: over its set), and whether the matrix asserts it exactly (else `bound`: why not). */
  readonly shortest: number;
  readonly exact: boolean;
  readonly bound: Bound['why'] | null;
  /**
   * Shrunk and minimized only; then after the shortest pass as the tests search (the default
   * budget, or the matrix's `states` for the cell); at the default budget (what compare reports);
   * and at check's (absent: not measured). null: no counterexample.
   */
  readonly shrunk: number | null;
  readonly reported: number | null;
  readonly reportedByDefault: number | null;
  readonly reportedByCheck?: number | null;
  /** Where check's pass stayed above the shortest, the pass at the larger budget asked for (absent: not measured). */
  readonly reportedByLargerBudget?: number | null;
  /** States the shortest pass visited. */
  readonly passStates: number;
}

/**
 * Every violated cell of the matrix searched as its test does (searchAll over the family, or
 * search on a pinned thread set), with the shortest pass off and on (at the matrix's budget for
 * the cell, and at the default too where that differs), under each seed; with
 * `checkBudget`, once more with the pass at that budget (check's, DEFAULT_SHORTEST); with
 * `largerBudget` too, where that is still above the shortest, once more at `largerBudget`.
 */
export const shrunkVsShortest = (seeds: readonly number[], onCell?: (c: ShrunkVsShortest) => void, checkBudget?: number, largerBudget?: number): ShrunkVsShortest[] => {
  const out: ShrunkVsShortest[] = [];
  for (const seed of seeds)
    for (const row of matrix) {
      const fam = familyById(row.family);
      if (!fam) continue;
      const t = { ...fam.template, strategy: row.strategy };
      const open = Object.keys(row.violated).filter((inv) => typeof row.violated[inv] === 'number');
      // Searched as the tests do: searchAll over every invariant (its passes told apart by invariant), search on a pinned set.
      const cells: [string, number, (o: SearchOptions) => SearchResult][] = [];
      const all = new Map<string, SearchResult>();
      const once = (o: SearchOptions, inv: string) => {
        if (!all.has(`${o.shortest}:${inv}`)) for (const r of searchAll(t, INVARIANT_NAMES, o)) all.set(`${o.shortest}:${r.invariant}`, r);
        return all.get(`${o.shortest}:${inv}`) as SearchResult;
      };
      // A bound's shortest is in the bound; an exact cell's is its number.
      const shortestOf = (inv: string, n: number) => row.atMost?.[inv]?.shortest ?? n;
      for (const inv of open) cells.push([inv, shortestOf(inv, row.violated[inv] as number), (o) => once(o, inv)]);
      for (const [inv, want] of Object.entries(row.violated))
        if (typeof want === 'object') cells.push([inv, shortestOf(inv, want.steps), (o) => search({ ...t, threads: want.threads }, inv, o)]);
      const passStates: Record<string, number> = {};
      // A set's states count for every invariant it was searched for (searchAll's pass shares a search among them).
      const onShortestSet: SearchOptions['onShortestSet'] = (p) => { for (const inv of p.named) passStates[inv] = (passStates[inv] ?? 0) + p.states; };
      for (const [invariant, shortest, run] of cells) {
        const base = { seed, numRuns: HOLDS_RUNS };
        const off = run({ ...base, shortest: 0 });
        const budget = passBudget(row, invariant);
        const on = run({ ...base, shortest: budget ?? SHORTEST_BUDGET, onShortestSet });
        const byDefault = budget ? run({ ...base, shortest: SHORTEST_BUDGET }) : null;
        const byCheck = checkBudget ? run({ ...base, shortest: checkBudget }) : null;
        const checkSteps = byCheck?.counterexample?.steps;
        const byLarger = largerBudget && checkSteps !== undefined && checkSteps > shortest ? run({ ...base, shortest: largerBudget }) : null;
        const c = {
          strategy: row.strategy, family: row.family, invariant, seed, shortest, exact: row.atMost?.[invariant] === undefined, bound: row.atMost?.[invariant]?.why ?? null,
          shrunk: off.counterexample?.steps ?? null, reported: on.counterexample?.steps ?? null, reportedByDefault: (byDefault ?? on).counterexample?.steps ?? null,
          ...(byCheck ? { reportedByCheck: checkSteps ?? null } : {}), ...(byLarger ? { reportedByLargerBudget: byLarger.counterexample?.steps ?? null } : {}),
          passStates: passStates[invariant] ?? 0,
        };
        onCell?.(c);
        out.push(c);
      }
    }
  return out;
};

/** n notifiers (kvm…, then i915-4.19) under mainline, the reaper plus faults of the first nt − 1: exhaustive growth. */
export const growth = (n: number, nt: number): Scenario => {
  const notifiers = Array.from({ length: n }, (_, i) => ({ name: String.fromCharCode(65 + i), driver: i === n - 1 ? 'i915-4.19' : 'kvm', address: 256 * (i + 1) }));
  const threads = ['oom_reaper', ...notifiers.slice(0, nt - 1).map((x) => `fault:${x.name}`)];
  return { strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers, threads };
};

/** Issue #10's four thread sets on kvm A + i915-4.19 B under call-all-end-2021: time to a complete verdict on every invariant. */
export const proofSets: readonly Scenario[] = [['oom_reaper', 'fault:A'], ['oom_reaper', 'munmap', 'fault:B'], ['oom_reaper', 'munmap', 'fault:A'], ['oom_reaper', 'munmap', 'fault:A', 'fault:B']].map((threads) => ({
  strategy: 'call-all-end-2021',
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }],
  threads,
}));
