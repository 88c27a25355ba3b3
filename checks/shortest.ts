/**
 * The exhaustive shortest counterexample of each violated cell of the expected-verdict matrix
 * (checks/matrix.ts), computed with the breadth-first engine (engine/exhaustive.ts `explore`):
 * what the matrix pins its lengths to. `npx tsx scripts/shortest.ts` prints them.
 *
 * A cell whose thread set the family leaves open is searched over every thread set the random
 * engine can generate of up to `maxThreads` threads (engine/threadsets.ts `threadSets`), each to
 * completion (no depth bound), one pass per set judging every invariant of the row; then, when
 * asked (`beyond`), the larger sets too, each only to one step less than the shortest found so
 * far (anything there would be shorter). A pinned cell (`{ threads, steps }`) is searched on its
 * thread set alone. The length is exact when no search was cut by its state bound.
 *
 * Each set's search judges every invariant, not only the row's violated ones (the states are the
 * same): a cell the row says holds but a set breaks comes back too, `expected: 'holds'`, so that
 * regenerating the numbers also checks the matrix's "holds" over every set of up to `maxThreads`
 * (the random runs behind them can miss a violation: docs/kernel.md §6.3's HMM v5.2 underflow
 * was one). checks/proof-findings.ts lists the known ones.
 */
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { explore } from '../engine/exhaustive.ts';
import { threadSets } from '../engine/threadsets.ts';
import { INVARIANT_NAMES, type Catalogue } from '../model/index.ts';
import { familyById } from './families.ts';
import type { Row } from './matrix.ts';

export interface CellShortest {
  readonly strategy: string;
  readonly family: string;
  readonly invariant: string;
  /** What the row says of the cell: a 'holds' cell is only returned when a set breaks it. */
  readonly expected: 'violated' | 'holds';
  /** The cell's fixed thread set (pinned, or the family's own), null when generated. */
  readonly pinned: readonly string[] | null;
  /** The shortest counterexample's length and thread set; null when none was found. */
  readonly steps: number | null;
  readonly threads: readonly string[] | null;
  /** No search was cut by a state bound: `steps` is the shortest over every set searched (null: none violates). */
  readonly complete: boolean;
  /** Every set up to this many threads was searched uncut; sets up to `searchedUpTo` were searched (the larger ones to `steps` − 1). */
  readonly completeUpTo: number;
  readonly searchedUpTo: number;
}

export interface ShortestOptions {
  /** Thread sets searched to completion: up to this many threads (default 3). */
  readonly maxThreads?: number;
  /** Then the larger sets up to this many threads, each to one step less than the best so far (default: none). */
  readonly beyond?: number;
  /** States per larger set's depth-bounded search (default: maxStates). */
  readonly beyondStates?: number;
  /** Distinct states per thread set's search (default 2,000,000). */
  readonly maxStates?: number;
  readonly catalogue?: Catalogue;
  /** After each set's search. */
  readonly onSet?: (threads: readonly string[], states: number, ms: number) => void;
}

/** The exhaustive shortest of every violated cell of one matrix row, and each "holds" cell a set breaks (a search a state bound cut may have missed one: such a cell is not reported), in INVARIANT_NAMES order. */
export const rowShortest = (row: Row, o: ShortestOptions = {}): CellShortest[] => {
  const fam = familyById(row.family);
  if (!fam) throw new Error(`no family ${row.family}`);
  const t: ScenarioTemplate = { ...fam.template, strategy: row.strategy };
  const maxThreads = o.maxThreads ?? 3;
  const maxStates = o.maxStates ?? 2_000_000;
  const cells: CellShortest[] = [];
  // Per invariant: the shortest so far, and the smallest set size whose search a bound cut.
  const best = new Map<string, { steps: number | null; threads: readonly string[] | null; cutAt: number }>();
  /** Search one set for these invariants, to `maxDepth` (none: to completion); keep what is shorter. */
  const searchSet = (threads: readonly string[], invariants: readonly string[], maxDepth?: number, states = maxStates) => {
    const t0 = performance.now();
    const { results, stats } = explore({ ...t, threads }, invariants, { maxStates: states, ...(maxDepth !== undefined ? { maxDepth } : {}), ...(o.catalogue ? { catalogue: o.catalogue } : {}) });
    o.onSet?.(threads, stats.states, performance.now() - t0);
    for (const r of results) {
      const b = best.get(r.invariant) ?? { steps: null, threads: null, cutAt: Infinity };
      const cx = r.counterexample;
      // A depth bound below the best is no cut: anything beyond it is no shorter. Cut by its
      // state bound, a set's search may have missed a shorter one.
      const cut = stats.bound !== null && !(stats.bound === 'depth' && maxDepth !== undefined);
      const cutAt = cut ? Math.min(b.cutAt, threads.length) : b.cutAt;
      if (cx && (b.steps === null || cx.steps < b.steps)) best.set(r.invariant, { steps: cx.steps, threads, cutAt });
      else best.set(r.invariant, { ...b, cutAt });
    }
  };
  const cell = (inv: string, pinned: readonly string[] | null, searchedUpTo: number): CellShortest => {
    const { steps, threads, cutAt } = best.get(inv) ?? { steps: null, threads: null, cutAt: 0 };
    const completeUpTo = Math.min(searchedUpTo, cutAt - 1);
    const expected = Object.hasOwn(row.violated, inv) ? 'violated' : 'holds';
    return { strategy: row.strategy, family: row.family, invariant: inv, expected, pinned, steps, threads, complete: completeUpTo === searchedUpTo, completeUpTo, searchedUpTo };
  };
  const open = Object.keys(row.violated).filter((inv) => typeof row.violated[inv] === 'number');
  const holds = INVARIANT_NAMES.filter((inv) => !Object.hasOwn(row.violated, inv));
  const fixed = t.threads ?? null;
  if (open.length + holds.length > 0) {
    const judged = [...open, ...holds];
    if (fixed) searchSet(fixed, judged);
    else {
      for (const threads of threadSets(t, maxThreads, o.catalogue)) searchSet(threads, judged);
      // Larger sets: each invariant on its own, to one step less than its best (anything there is shorter).
      for (let size = maxThreads + 1; size <= (o.beyond ?? 0); size++) {
        for (const threads of threadSets(t, size, o.catalogue).filter((s) => s.length === size)) {
          for (const inv of open) {
            const steps = best.get(inv)?.steps;
            if (steps && steps > 1) searchSet(threads, [inv], steps - 1, o.beyondStates);
          }
        }
      }
    }
    const searchedUpTo = fixed ? fixed.length : Math.max(maxThreads, o.beyond ?? 0);
    for (const inv of open) cells.push(cell(inv, fixed, searchedUpTo));
    // A "holds" cell some set breaks (searched to completion with the rest, not beyond).
    for (const inv of holds) if (best.get(inv)?.steps != null) cells.push(cell(inv, fixed, fixed ? fixed.length : maxThreads));
  }
  for (const [inv, want] of Object.entries(row.violated)) {
    if (typeof want === 'number') continue;
    best.clear();
    searchSet(want.threads, [inv]);
    cells.push(cell(inv, want.threads, want.threads.length));
  }
  return cells.sort((a, b) => INVARIANT_NAMES.indexOf(a.invariant) - INVARIANT_NAMES.indexOf(b.invariant));
};
