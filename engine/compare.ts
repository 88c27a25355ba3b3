/**
 * `npm run compare` without its arguments and its printing: every strategy over scenario
 * families, aggregated into one strategy × invariant cell each. A cell is violated if any
 * family breaks it; the shortest counterexample over the families names its family.
 */
import { resolve, type Catalogue } from '../model/index.ts';
import type { ScenarioTemplate } from './arbitraries.ts';
import { searchAll } from './random.ts';

/** A scenario family as compare needs it (checks/families.ts has the standard ones). */
export interface FamilyTemplate {
  readonly id: string;
  readonly template: Omit<ScenarioTemplate, 'strategy'>;
}

export interface Cell {
  strategy: string;
  invariant: string;
  verdict: 'holds' | 'violated' | 'n/a';
  runs: number;
  /** The families this strategy can run, and those that break the invariant. */
  familiesRun: number;
  violatedIn: { family: string; steps: number; ms: number; witness: string }[];
  /** The shortest counterexample over the families, and its time to first counterexample. */
  ms: number | null;
  steps: number | null;
  family: string | null;
  witness: string | null;
}

export interface CompareOptions {
  readonly seed: number;
  /** Random cases per strategy and family. */
  readonly runs: number;
  readonly catalogue?: Catalogue;
  /** Before each family's search (for a progress line). */
  readonly onFamily?: (strategy: string, family: string) => void;
}

/** Cells strategy-major, invariants in the given order. */
export const compare = (strategies: readonly string[], invariants: readonly string[], families: readonly FamilyTemplate[], o: CompareOptions): Cell[] => {
  const cells: Cell[] = [];
  for (const strategy of strategies) {
    const per: Record<string, Cell> = Object.fromEntries(
      invariants.map((i) => [i, { strategy, invariant: i, verdict: 'n/a', runs: 0, familiesRun: 0, violatedIn: [], ms: null, steps: null, family: null, witness: null } as Cell]),
    );
    for (const fam of families) {
      const template = { ...fam.template, strategy };
      if (!resolve({ ...template, threads: [] }, o.catalogue).ok) continue; // e.g. a preset with no interval form under core-counter
      o.onFamily?.(strategy, fam.id);
      for (const r of searchAll(template, invariants, { seed: o.seed, numRuns: o.runs, catalogue: o.catalogue })) {
        const c = per[r.invariant];
        c.runs += r.runs;
        c.familiesRun++;
        if (c.verdict === 'n/a') c.verdict = 'holds';
        const cx = r.counterexample;
        if (r.verdict !== 'violated' || !cx) continue;
        c.verdict = 'violated';
        c.violatedIn.push({ family: fam.id, steps: cx.steps, ms: Math.round(r.ms), witness: cx.witness });
        if (c.steps === null || cx.steps < c.steps) {
          c.ms = Math.round(r.ms);
          c.steps = cx.steps;
          c.family = fam.id;
          c.witness = cx.witness;
        }
      }
    }
    cells.push(...invariants.map((i) => per[i]));
  }
  return cells;
};
