/**
 * `npm run compare` without its arguments and its printing: every strategy over scenario
 * families, aggregated into one strategy × invariant cell each. A cell is violated if any
 * family breaks it; the shortest counterexample over the families names its family.
 *
 * Each violation is attributed (`attribute`): to the *strategy* when another strategy compared
 * holds the same invariant on the same family, else to the *reaper era* when the family's era
 * is one that does not notify properly (≤ v4.13, v4.14), else to the *driver* (it breaks under
 * every strategy that can run these drivers). `decide` turns the cells into the decision the
 * user asked for: per family and strategy, every invariant kept, or those broken.
 */
import { reaperNotifies, resolve, type Catalogue, type ReaperEra } from '../model/index.ts';
import type { ScenarioTemplate } from './arbitraries.ts';
import { searchAll } from './random.ts';
import { vacuous } from './result.ts';

/** A scenario family as compare needs it (checks/families.ts has the standard ones; a user's scenario is one too). */
export interface FamilyTemplate {
  readonly id: string;
  readonly template: Omit<ScenarioTemplate, 'strategy'>;
}

/** Why a strategy breaks an invariant on a family. */
export type Cause = 'strategy' | 'driver' | 'reaper-era';


export interface Violation {
  readonly family: string;
  readonly steps: number;
  readonly ms: number;
  readonly witness: string;
  /** null until attributed (a single strategy's search cannot attribute: see `attribute`). */
  readonly cause: Cause | null;
}

export interface Cell {
  strategy: string;
  invariant: string;
  verdict: 'holds' | 'violated' | 'n/a';
  runs: number;
  /** The families this strategy can run, and those that break the invariant. */
  familiesRun: number;
  ranIn: string[];
  violatedIn: Violation[];
  /** Families where the invariant held but no run reached a situation it is about (engine/result.ts vacuous). */
  vacuousIn: string[];
  /** Held, and vacuously so in every family that ran it. */
  vacuous: boolean;
  /** Runs that reached each goal (model/goals.ts), summed over the families. */
  goals: Record<string, number>;
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

const emptyCell = (strategy: string, invariant: string): Cell => ({
  strategy,
  invariant,
  verdict: 'n/a',
  runs: 0,
  familiesRun: 0,
  ranIn: [],
  violatedIn: [],
  vacuousIn: [],
  vacuous: false,
  goals: {},
  ms: null,
  steps: null,
  family: null,
  witness: null,
});

/** Cells strategy-major, invariants in the given order, each violation attributed among these strategies. */
export const compare = (strategies: readonly string[], invariants: readonly string[], families: readonly FamilyTemplate[], o: CompareOptions): Cell[] => {
  const cells: Cell[] = [];
  for (const strategy of strategies) {
    const per: Record<string, Cell> = Object.fromEntries(invariants.map((i) => [i, emptyCell(strategy, i)]));
    for (const fam of families) {
      const template = { ...fam.template, strategy };
      if (!resolve({ ...template, threads: template.threads ?? [] }, o.catalogue).ok) continue; // e.g. a preset with no interval form under core-counter
      o.onFamily?.(strategy, fam.id);
      for (const r of searchAll(template, invariants, { seed: o.seed, numRuns: o.runs, catalogue: o.catalogue })) {
        const c = per[r.invariant];
        c.runs += r.runs;
        c.familiesRun++;
        c.ranIn.push(fam.id);
        for (const [g, n] of Object.entries(r.goals ?? {})) c.goals[g] = (c.goals[g] ?? 0) + n;
        if (c.verdict === 'n/a') c.verdict = 'holds';
        if (vacuous(r)) c.vacuousIn.push(fam.id);
        const cx = r.counterexample;
        if (r.verdict !== 'violated' || !cx) continue;
        c.verdict = 'violated';
        c.violatedIn.push({ family: fam.id, steps: cx.steps, ms: Math.round(r.ms), witness: cx.witness, cause: null });
        if (c.steps === null || cx.steps < c.steps) {
          c.ms = Math.round(r.ms);
          c.steps = cx.steps;
          c.family = fam.id;
          c.witness = cx.witness;
        }
      }
    }
    for (const c of Object.values(per)) c.vacuous = c.verdict === 'holds' && c.familiesRun > 0 && c.vacuousIn.length === c.familiesRun;
    cells.push(...invariants.map((i) => per[i]));
  }
  return attribute(cells, Object.fromEntries(families.map((f) => [f.id, f.template.reaper])));
};

/**
 * Each violation's cause, among the strategies of `cells` (so run them together: with one
 * strategy compared, nothing can be the strategy's doing). `eras`: each family's reaper era.
 */
export const attribute = (cells: readonly Cell[], eras: Readonly<Record<string, ReaperEra>>): Cell[] =>
  cells.map((c) => ({
    ...c,
    violatedIn: c.violatedIn.map((v): Violation => {
      const others = cells.filter((o) => o.invariant === c.invariant && o.strategy !== c.strategy && o.ranIn.includes(v.family));
      const heldElsewhere = others.some((o) => !o.violatedIn.some((w) => w.family === v.family));
      const cause: Cause = heldElsewhere ? 'strategy' : Object.hasOwn(eras, v.family) && !reaperNotifies(eras[v.family]) ? 'reaper-era' : 'driver';
      return { ...v, cause };
    }),
  }));

/** One invariant a strategy breaks on a family, and why. */
export interface Broken {
  readonly invariant: string;
  readonly cause: Cause;
  readonly steps: number;
}

/** Family (or the user's scenario) × strategy. */
export interface FamilyDecision {
  readonly family: string;
  readonly strategy: string;
  /** False when the strategy cannot run the family's drivers (e.g. no interval form under core-counter). */
  readonly ran: boolean;
  readonly keepsEveryInvariant: boolean;
  readonly breaks: readonly Broken[];
  /** Invariants kept only vacuously on this family (no run reached a situation they are about). */
  readonly vacuous: readonly string[];
}

export interface StrategyDecision {
  readonly strategy: string;
  readonly familiesRun: readonly string[];
  /** It ran some family and broke nothing in any. */
  readonly keepsEveryInvariant: boolean;
  /** It ran some family and every violation it has is one no strategy avoids (driver, reaper era). */
  readonly keepsEveryInvariantItDecides: boolean;
  readonly breaks: readonly (Broken & { readonly family: string })[];
}

export interface Decision {
  readonly perFamily: readonly FamilyDecision[];
  readonly perStrategy: readonly StrategyDecision[];
  /** Strategies that keep every invariant in every family they ran. */
  readonly keepEveryInvariant: readonly string[];
  /** Strategies whose only violations are the drivers' or the reaper era's. */
  readonly keepEveryInvariantTheyDecide: readonly string[];
}

/** The decision view of attributed cells: `strategies` and `families` in the order to print. */
export const decide = (cells: readonly Cell[], strategies: readonly string[], families: readonly string[]): Decision => {
  const perFamily: FamilyDecision[] = [];
  for (const family of families)
    for (const strategy of strategies) {
      const mine = cells.filter((c) => c.strategy === strategy);
      const ran = mine.some((c) => c.ranIn.includes(family));
      const breaks = mine.flatMap((c) => c.violatedIn.filter((v) => v.family === family).map((v): Broken => ({ invariant: c.invariant, cause: v.cause ?? 'driver', steps: v.steps })));
      perFamily.push({ family, strategy, ran, keepsEveryInvariant: ran && breaks.length === 0, breaks, vacuous: mine.filter((c) => c.vacuousIn.includes(family)).map((c) => c.invariant) });
    }
  const perStrategy = strategies.map((strategy): StrategyDecision => {
    const mine = perFamily.filter((d) => d.strategy === strategy && d.ran);
    const breaks = mine.flatMap((d) => d.breaks.map((b) => ({ ...b, family: d.family })));
    return {
      strategy,
      familiesRun: mine.map((d) => d.family),
      keepsEveryInvariant: mine.length > 0 && breaks.length === 0,
      keepsEveryInvariantItDecides: mine.length > 0 && breaks.every((b) => b.cause !== 'strategy'),
      breaks,
    };
  });
  return {
    perFamily,
    perStrategy,
    keepEveryInvariant: perStrategy.filter((s) => s.keepsEveryInvariant).map((s) => s.strategy),
    keepEveryInvariantTheyDecide: perStrategy.filter((s) => s.keepsEveryInvariantItDecides).map((s) => s.strategy),
  };
};
