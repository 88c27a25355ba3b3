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
import { BUILTIN, classicOps, reaperNotifies, resolve, type Catalogue, type ReaperEra } from '../model/index.ts';
import type { ScenarioTemplate } from './arbitraries.ts';
import { searchAll, type FoundSoFar } from './random.ts';
import { vacuous, type ExhaustiveResult, type SearchResult } from './result.ts';
import { exhaustiveShared, shareGroups, type SharedSearch } from './share.ts';
import { exhaustiveTemplate } from './threadsets.ts';

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
  /** The exhaustive proof found it where the random runs had not. */
  readonly foundBy?: 'exhaustive';
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
  /** Families where the exhaustive search held it over every thread set up to the proof's size, completely. */
  provedIn: string[];
  /** Held and proved in every family that ran it. */
  proved: boolean;
  /** The proofs' bound: every thread set of up to this many threads (null: no proof searched this cell). */
  maxThreads: number | null;
  /** Distinct states the proofs explored, summed over families and thread sets. */
  proofStates: number;
  /** Runs that reached each goal (model/goals.ts), summed over the families. */
  goals: Record<string, number>;
  /** The shortest counterexample over the families, and its time to first counterexample. */
  ms: number | null;
  steps: number | null;
  family: string | null;
  witness: string | null;
}

/** The exhaustive proof behind each held cell: every thread set up to `maxThreads`, each cut at `maxStates`. */
export interface ProofOptions {
  readonly maxThreads: number;
  readonly maxStates: number;
  readonly maxMemoryBytes?: number;
  /**
   * Key states by the proofs' form (engine/liveness.ts; default on): a proof needs verdicts and
   * lengths, which the key keeps; a counterexample it reports is the keyed search's own, a real
   * trace as short as the plain search's (docs/design.md §4.2).
   */
  readonly proofKey?: boolean;
}

/** compare's proofs by default: every thread set of up to two threads (seconds per strategy). */
// Up to 3 threads: several bugs need three (issue #21; reaper-calls-end × UnregisterQuiesces, the rows of checks/proof-findings.ts).
export const DEFAULT_PROOF: ProofOptions = { maxThreads: 3, maxStates: 500_000 };

export interface CompareOptions {
  readonly seed: number;
  /** Random cases per strategy and family. */
  readonly runs: number;
  /** Back each held cell with an exhaustive search (null: sample only). */
  readonly proof?: ProofOptions | null;
  readonly catalogue?: Catalogue;
  /** Before each family's search, and before its proof (for a progress line). */
  readonly onFamily?: (strategy: string, family: string, phase: 'sampling' | 'proving') => void;
  /**
   * What a family's search has violated so far (the runs', with the first run of each; after the
   * proof, its finds too, without a run): all an interrupted compare can say of a strategy it cut short.
   */
  readonly onFound?: (strategy: string, family: string, found: readonly FoundInFamily[]) => void;
  /**
   * Share proofs between the strategies of a group (engine/share.ts; default true): the same
   * cells, each thread set searched once for every strategy that agrees on it. False: each alone.
   */
  readonly share?: boolean;
  /** After each search of a shared proof (for tests: that sharing, and disagreeing, happened). */
  readonly onShared?: (family: string, s: SharedSearch) => void;
}

/** An invariant a family's search violated: by its runs (the first that did), or by its proof (no run). */
export type FoundInFamily = Pick<FoundSoFar, 'invariant'> & Partial<Pick<FoundSoFar, 'run'>>;

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
  provedIn: [],
  proved: false,
  maxThreads: null,
  proofStates: 0,
  goals: {},
  ms: null,
  steps: null,
  family: null,
  witness: null,
});

/**
 * One strategy on one family: a cell per invariant (in the given order) holding that family's
 * evidence, or null when the strategy cannot run the family's drivers (e.g. a preset with no
 * interval form under core-counter). `mergeCells` adds families up.
 */
export const compareFamily = (strategy: string, invariants: readonly string[], fam: FamilyTemplate, o: CompareOptions): Cell[] | null => compareGroup([strategy], invariants, fam, o)[0];

/**
 * compareFamily for each strategy of a shareGroups group (engine/share.ts), in its order: each
 * sampled on its own, then their proofs shared (unless `share` is false), with the same cells
 * as each would get alone.
 */
export const compareGroup = (group: readonly string[], invariants: readonly string[], fam: FamilyTemplate, o: CompareOptions): (Cell[] | null)[] => {
  const { onFound } = o;
  const sampled = group.map((strategy) => {
    const template = { ...fam.template, strategy };
    if (!resolve({ ...template, threads: template.threads ?? [] }, o.catalogue).ok) return null;
    o.onFamily?.(strategy, fam.id, 'sampling');
    return searchAll(template, invariants, { seed: o.seed, numRuns: o.runs, catalogue: o.catalogue, ...(onFound ? { onProgress: (_runs: number, _ms: number, found: readonly FoundSoFar[]) => onFound(strategy, fam.id, found) } : {}) });
  });
  // The invariants the runs held, proved (or refuted) by one exhaustive pass over the family's thread sets.
  const held = sampled.map((rs) => (rs ?? []).filter((r) => r.verdict === 'holds').map((r) => r.invariant));
  const proving = group.flatMap((strategy, i) => (o.proof && held[i].length ? [{ strategy, invariants: held[i] }] : []));
  for (const m of proving) o.onFamily?.(m.strategy, fam.id, 'proving');
  // The proof's own counterexamples are kept, not found again unkeyed: compare prints their
  // length and witness, not their trace (a lasso is still found again: its cycle closes only
  // up to the key). docs/design.md §4.2.
  const proofOptions = { proofKey: true, refind: () => false, ...o.proof, catalogue: o.catalogue };
  const proved = o.share === false || proving.length < 2
    ? proving.map((m) => exhaustiveTemplate({ ...fam.template, strategy: m.strategy }, m.invariants, proofOptions))
    : exhaustiveShared(fam.template, proving, invariants, { ...proofOptions, ...(o.onShared ? { onSearch: (s: SharedSearch) => o.onShared?.(fam.id, s) } : {}) });
  return group.map((strategy, i) => {
    const runs = sampled[i];
    if (runs === null) return null;
    const at = proving.findIndex((m) => m.strategy === strategy);
    return cellsOf(strategy, fam.id, runs, at < 0 ? [] : proved[at], o);
  });
};

/** A strategy's cells on one family: its runs' results, and its proof's of the invariants they held. */
const cellsOf = (strategy: string, family: string, sampled: readonly SearchResult[], proofs: readonly ExhaustiveResult[], o: CompareOptions): Cell[] => {
  const byProof = proofs.filter((p) => p.verdict === 'violated').map((p) => ({ invariant: p.invariant }));
  if (o.onFound && byProof.length) o.onFound(strategy, family, [...sampled.flatMap((r) => (r.counterexample ? [{ invariant: r.invariant, run: r.runs }] : [])), ...byProof]);
  return sampled.map((r) => {
    const c = emptyCell(strategy, r.invariant);
    c.runs = r.runs;
    c.familiesRun = 1;
    c.ranIn = [family];
    c.goals = { ...r.goals };
    c.verdict = 'holds';
    const proof = proofs.find((p) => p.invariant === r.invariant);
    if (proof && o.proof) c.maxThreads = o.proof.maxThreads;
    if (proof?.verdict === 'holds') {
      c.provedIn = [family];
      c.proofStates = proof.states;
    }
    // Vacuous only if neither the runs nor the proof reached a situation the invariant is about.
    if (vacuous(r) && (!proof || proof.verdict !== 'holds' || vacuous(proof))) c.vacuousIn = [family];
    const found = r.counterexample ?? proof?.counterexample ?? null;
    if (found) {
      const ms = Math.round(r.counterexample ? r.ms : (proof?.ms ?? 0));
      c.verdict = 'violated';
      c.violatedIn = [{ family, steps: found.steps, ms, witness: found.witness, cause: null, ...(r.counterexample ? {} : { foundBy: 'exhaustive' as const }) }];
      Object.assign(c, { ms, steps: found.steps, family, witness: found.witness });
    }
    return c;
  });
};

/** One strategy's cells over families (each from compareFamily, in family order; null: could not run it). */
export const mergeCells = (strategy: string, invariants: readonly string[], perFamily: readonly (readonly Cell[] | null)[]): Cell[] =>
  invariants.map((invariant, k) => {
    const c = emptyCell(strategy, invariant);
    for (const cells of perFamily) {
      const f = cells?.[k];
      if (!f) continue;
      c.runs += f.runs;
      c.familiesRun += f.familiesRun;
      c.ranIn.push(...f.ranIn);
      c.vacuousIn.push(...f.vacuousIn);
      c.provedIn.push(...f.provedIn);
      c.proofStates += f.proofStates;
      if (f.maxThreads !== null) c.maxThreads = Math.max(c.maxThreads ?? 0, f.maxThreads);
      for (const [g, n] of Object.entries(f.goals)) c.goals[g] = (c.goals[g] ?? 0) + n;
      if (c.verdict !== 'violated') c.verdict = f.verdict;
      c.violatedIn.push(...f.violatedIn);
      // The shortest counterexample over the families (the first family's on a tie).
      if (f.steps !== null && (c.steps === null || f.steps < c.steps)) Object.assign(c, { ms: f.ms, steps: f.steps, family: f.family, witness: f.witness });
    }
    c.vacuous = c.verdict === 'holds' && c.familiesRun > 0 && c.vacuousIn.length === c.familiesRun;
    c.proved = c.verdict === 'holds' && c.familiesRun > 0 && c.provedIn.length === c.familiesRun;
    return c;
  });

/** Cells strategy-major, invariants in the given order, each violation attributed among these strategies. */
export const compare = (strategies: readonly string[], invariants: readonly string[], families: readonly FamilyTemplate[], o: CompareOptions): Cell[] => {
  const perFamily = new Map<string, Cell[] | null>();
  for (const group of o.share === false ? strategies.map((s) => [s]) : shareGroups(strategies, o.catalogue))
    for (const fam of families) compareGroup(group, invariants, fam, o).forEach((cells, i) => perFamily.set(`${group[i]}\0${fam.id}`, cells));
  const cells = strategies.flatMap((strategy) => mergeCells(strategy, invariants, families.map((fam) => perFamily.get(`${strategy}\0${fam.id}`) ?? null)));
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
  /** It ran the family and every invariant it did not break there was proved there (the exhaustive proof completed). */
  readonly proved: boolean;
}

export interface StrategyDecision {
  readonly strategy: string;
  readonly familiesRun: readonly string[];
  /** It ran some family and broke nothing in any. */
  readonly keepsEveryInvariant: boolean;
  /** It ran some family and every violation it has is one no strategy avoids (driver, reaper era). */
  readonly keepsEveryInvariantItDecides: boolean;
  readonly breaks: readonly (Broken & { readonly family: string })[];
  /** It ran some family and every invariant it holds was proved in every family it ran. */
  readonly proved: boolean;
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
      const kept = mine.filter((c) => c.ranIn.includes(family) && !c.violatedIn.some((v) => v.family === family));
      const proved = ran && kept.every((c) => c.provedIn.includes(family));
      perFamily.push({ family, strategy, ran, keepsEveryInvariant: ran && breaks.length === 0, breaks, vacuous: mine.filter((c) => c.vacuousIn.includes(family)).map((c) => c.invariant), proved });
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
      proved: mine.length > 0 && cells.filter((c) => c.strategy === strategy && c.verdict === 'holds').every((c) => c.proved),
    };
  });
  return {
    perFamily,
    perStrategy,
    keepEveryInvariant: perStrategy.filter((s) => s.keepsEveryInvariant).map((s) => s.strategy),
    keepEveryInvariantTheyDecide: perStrategy.filter((s) => s.keepsEveryInvariantItDecides).map((s) => s.strategy),
  };
};

/**
 * What compare adapted to run a strategy over a family's drivers (issue #23): a driver run in
 * another form than its own (`interval-form`: a classic hlist preset through its interval
 * notifier, e.g. under core-counter; `folded`: a preset with both an hlist notifier and a
 * per-fault interval notifier run as one interval notifier), or a strategy that could not run
 * the family at all (`cannot-run`: its row is missing from the family's decision). One entry
 * per strategy, driver and kind, with the families it applies to.
 */
export interface Adaptation {
  readonly strategy: string;
  readonly kind: 'interval-form' | 'folded' | 'cannot-run';
  /** The driver adapted or that could not run; null when the strategy could not run the family for another reason. */
  readonly driver: string | null;
  readonly families: readonly string[];
  /** cannot-run: why, as resolve says it. */
  readonly reason?: string;
}

/** The driver's own form: what the classic strategies run (its hlist form when it has one). */
const ownForm = (def: Parameters<typeof classicOps>[0]) => classicOps(def)?.form ?? null;

/** Every adaptation compare makes to run `strategies` over `families` (in that order; see Adaptation). */
export const adaptations = (strategies: readonly string[], families: readonly FamilyTemplate[], catalogue: Catalogue = BUILTIN): Adaptation[] => {
  const found = new Map<string, { strategy: string; kind: Adaptation['kind']; driver: string | null; families: string[]; reason?: string }>();
  const note = (strategy: string, kind: Adaptation['kind'], driver: string | null, family: string, reason?: string) => {
    const key = `${strategy}\0${kind}\0${driver ?? ''}\0${reason ?? ''}`;
    const a = found.get(key) ?? { strategy, kind, driver, families: [], ...(reason !== undefined ? { reason } : {}) };
    if (!a.families.includes(family)) a.families.push(family);
    found.set(key, a);
  };
  for (const strategy of strategies)
    for (const fam of families) {
      const r = resolve({ ...fam.template, strategy, threads: fam.template.threads ?? [] }, catalogue);
      if (!r.ok) {
        // Each driver the strategy has no form for (resolve's words for it); else the scenario's first problem under it.
        const missing = fam.template.notifiers.flatMap((n, i) => {
          const e = r.errors.find((x) => x.startsWith(`notifiers[${i}].driver: `) && x.includes('cannot run under'));
          return e ? [{ driver: n.driver, reason: e.replace(/^notifiers\[\d+\]\.driver: /, '') }] : [];
        });
        if (missing.length) for (const m of missing) note(strategy, 'cannot-run', m.driver, fam.id, m.reason);
        else note(strategy, 'cannot-run', null, fam.id, r.errors[0] ?? r.error);
        continue;
      }
      for (const n of fam.template.notifiers) {
        const def = r.world.defs[n.name];
        const form = r.world.ops[n.name]?.form;
        const own = def ? ownForm(def) : null;
        if (!form || !own || form === own) continue;
        note(strategy, own === 'both' && form === 'interval' ? 'folded' : 'interval-form', n.driver, fam.id);
      }
    }
  return [...found.values()];
};
