/**
 * Proofs shared between strategies (issue #21 item 5; docs/design.md §8). The model reads a
 * strategy at resolve (`opsFor`, `hlistAdd`) and, while stepping, through `hlistAddLabel` and
 * four pure hooks. Strategies with the same resolve-time parts (`shareGroups`) have worlds that
 * differ only in those hooks; on a thread set where every hook call the search made under one of
 * them gives the same answer under another, the other's search is the same computation, so it
 * takes the first's results. The agreement is observed, call by call, never assumed.
 */
import type { Catalogue, RollbackStrategy, UndoDecision, World } from '../model/index.ts';
import { BUILTIN, invariantByName } from '../model/index.ts';
import type { ScenarioTemplate } from './arbitraries.ts';
import { explore } from './exhaustive.ts';
import type { ExhaustiveResult } from './result.ts';
import { DEFAULT_MAX_THREADS, exhaustiveTemplate, mergeSets, threadSets, type ThreadSetOptions } from './threadsets.ts';

/**
 * The strategies (in the given order) split into groups that may share proofs: the same
 * `opsFor` and `hlistAdd` (by identity) and `hlistAddLabel`. A name the catalogue lacks is alone.
 */
export const shareGroups = (strategies: readonly string[], catalogue: Catalogue = BUILTIN): string[][] => {
  const groups: string[][] = [];
  const of = (name: string): RollbackStrategy | undefined => (Object.hasOwn(catalogue.strategies, name) ? catalogue.strategies[name] : undefined);
  for (const name of strategies) {
    const s = of(name);
    const g = s && groups.find((x) => {
      const f = of(x[0]);
      return f !== undefined && f.opsFor === s.opsFor && f.hlistAdd === s.hlistAdd && f.hlistAddLabel === s.hlistAddLabel;
    });
    if (g) g.push(name);
    else groups.push([name]);
  }
  return groups;
};

/** An end promised to a failed start (§5.1a) and a plain one call the same end: only the `end_called` fact differs. */
const sameCall = (a: UndoDecision, b: UndoDecision): boolean => (a === 'end-promised' ? 'end' : a) === (b === 'end-promised' ? 'end' : b);

/**
 * The leader's strategy, each hook also asked of `others` with the same arguments; `differs(k)`
 * once others[k] answers otherwise (then it is asked no more). Hooks are pure, so asking is free
 * of effects; strings (the WARN text) compare by equality. With `soft`, an answer that changes
 * only what the step reports (a WARN's text or none; an end promised or not, model/core/invalidate.ts)
 * calls `soft(k)` instead: the step reaches the same state, and others[k] is judged on its own facts.
 */
const agreeing = (lead: RollbackStrategy, others: readonly RollbackStrategy[], differs: (k: number) => void, soft: ((k: number) => void) | null): RollbackStrategy => {
  const open = others.map(() => true);
  const check = <T,>(d: T, ask: (s: RollbackStrategy) => T, same?: (a: T, b: T) => boolean): T => {
    for (let k = 0; k < others.length; k++) {
      if (!open[k]) continue;
      const a = ask(others[k]);
      if (a === d) continue;
      if (soft !== null && same?.(a, d)) soft(k);
      else {
        open[k] = false;
        differs(k);
      }
    }
    return d;
  };
  return {
    ...lead,
    afterFailedStart: () => check(lead.afterFailedStart(), (s) => s.afterFailedStart()),
    // A WARN is a diagnostic: the state after it is the same.
    warnOnFailedStart: (sub, hasEnd) => check(lead.warnOnFailedStart(sub, hasEnd), (s) => s.warnOnFailedStart(sub, hasEnd), () => true),
    undo: (c) => check(lead.undo(c), (s) => s.undo(c), sameCall),
    reaperAfterFailedStart: () => check(lead.reaperAfterFailedStart(), (s) => s.reaperAfterFailedStart()),
  };
};

/** A strategy whose proof a shared search may give: its name and the invariants to prove (its runs held them). */
export interface Sharer {
  readonly strategy: string;
  readonly invariants: readonly string[];
}

/** One search of a shared proof: the set, the strategy searched under, who took its results and who did not. */
export interface SharedSearch {
  readonly threads: readonly string[];
  readonly leader: string;
  /** Other members that agreed on every hook call and took the leader's results. */
  readonly agreed: readonly string[];
  /**
   * Members that took part in the same search though some hook answer differed in what a step
   * reports only (a WARN, an end promised or not): judged on their own facts, they took their own results.
   */
  readonly reported: readonly string[];
  /** Members searched with it that answered some hook call otherwise (each is searched again, later). */
  readonly disagreed: readonly string[];
}

export interface SharedOptions extends Omit<ThreadSetOptions, 'observe' | 'onSet' | 'onSetDone'> {
  readonly onSearch?: (s: SharedSearch) => void;
}

/** An invariant judged on fair cycles: the search then keeps an edge graph and takes every transition (no sleep sets). */
const onCycle = (name: string): boolean => invariantByName(name)?.onCycle !== undefined;

/**
 * exhaustiveTemplate for each member (of one shareGroups group), over the same template: per
 * member, in its invariants' order, the verdicts and counterexamples it would get alone (and the
 * held results' states; a violated one's `states` may be another member's re-search's). Per thread set, the first
 * member still to prove it leads one search of every remaining member's invariants (in the
 * union's order: the order of `order`); a member that agreed with it on every hook call takes
 * its results for its own invariants; the others are searched again, led by the first of them.
 * Members must also agree on judging fair cycles (an `onCycle` invariant among theirs), which
 * switches the sleep sets off and so may change which of equally short traces is found first.
 */
export const exhaustiveShared = (t: Omit<ScenarioTemplate, 'strategy'>, members: readonly Sharer[], order: readonly string[], o: SharedOptions = {}): ExhaustiveResult[][] => {
  const catalogue = o.catalogue ?? BUILTIN;
  const setsOf = (strategy: string) => (t.threads ? [t.threads] : threadSets({ ...t, strategy }, o.maxThreads ?? DEFAULT_MAX_THREADS, o.catalogue));
  const sets = members.length ? setsOf(members[0].strategy) : [];
  // Defensive: a member whose thread sets differ (its worlds would too) is proved alone.
  const alone = members.map((m) => m.invariants.length > 0 && JSON.stringify(setsOf(m.strategy)) !== JSON.stringify(sets));
  const out: (ExhaustiveResult[] | null)[] = members.map((m, i) => (alone[i] ? exhaustiveTemplate({ ...t, strategy: m.strategy }, m.invariants, o) : null));
  const perSet: ExhaustiveResult[][][] = members.map(() => []);
  // Per member, per invariant: the shortest counterexample of the sets so far (exhaustiveTemplate's refind rule).
  const best = members.map(() => new Map<string, number>());
  const cycles = members.map((m) => m.invariants.some(onCycle));
  for (const threads of sets) {
    let remaining = members.flatMap((m, i) => (m.invariants.length > 0 && !alone[i] ? [i] : []));
    while (remaining.length > 0) {
      const lead = remaining[0];
      const cohort = remaining.filter((i) => cycles[i] === cycles[lead]);
      const others = cohort.slice(1);
      const names = [...new Set([...order, ...cohort.flatMap((i) => members[i].invariants)])].filter((inv) => cohort.some((i) => members[i].invariants.includes(inv)));
      const differ = new Set<number>();
      // Judging fair cycles, the sleep sets are off, so a member whose answers differ only in what a step reports follows the same search (exhaustive.ts Variants).
      const follow = cycles[lead];
      const softly = new Set<number>();
      let now: number[] = [];
      const NONE: readonly number[] = [];
      const observe = (w: World) => ({
        world: {
          ...w,
          strategy: agreeing(
            w.strategy,
            others.map((i) => catalogue.strategies[members[i].strategy]),
            (k) => differ.add(others[k]),
            follow
              ? (k) => {
                  softly.add(others[k]);
                  if (!now.includes(k)) now.push(k);
                }
              : null,
          ),
        },
        onTransition: () => {},
        ...(follow
          ? {
              variants: {
                worlds: others.map((i) => ({ ...w, strategy: catalogue.strategies[members[i].strategy] })),
                softIn: () => {
                  if (now.length === 0) return NONE;
                  const r = now;
                  now = [];
                  return r;
                },
                differs: (k: number) => differ.has(others[k]),
              },
            }
          : {}),
      });
      // A counterexample is found again without the key when a member that may take it keeps it
      // (strictly shorter than its best so far); asked after the keyed search, so one that
      // disagreed there is out. A member that takes a result it would not have found again has a
      // best as short already, so mergeSets drops it either way.
      const refind = (inv: string, steps: number) => (o.refind?.(inv, steps) ?? true) && cohort.some((i) => !differ.has(i) && members[i].invariants.includes(inv) && steps < (best[i].get(inv) ?? Infinity));
      const found = explore({ ...t, strategy: members[lead].strategy, threads }, names, { ...o, observe, ...(o.proofKey && !t.threads ? { refind } : {}) });
      // Each other member's results: its own as a variant (judged on its own facts), or the leader's; none when told apart.
      const resultsOf = (i: number) => (i === lead ? found.results : found.variants ? found.variants[others.indexOf(i)] : found.results);
      for (const i of others) if (resultsOf(i) === null) differ.add(i);
      const took = cohort.filter((i) => !differ.has(i));
      for (const i of took) {
        const results = resultsOf(i) as ExhaustiveResult[];
        const mine = members[i].invariants.map((inv) => relabel(results[names.indexOf(inv)], members[i].strategy));
        perSet[i].push(mine);
        for (const r of mine) if (r.counterexample && r.counterexample.steps < (best[i].get(r.invariant) ?? Infinity)) best[i].set(r.invariant, r.counterexample.steps);
      }
      o.onSearch?.({
        threads,
        leader: members[lead].strategy,
        agreed: took.slice(1).filter((i) => !softly.has(i)).map((i) => members[i].strategy),
        reported: took.slice(1).filter((i) => softly.has(i)).map((i) => members[i].strategy),
        disagreed: [...differ].map((i) => members[i].strategy),
      });
      remaining = remaining.filter((i) => !took.includes(i));
    }
  }
  return members.map((m, i) => out[i] ?? (m.invariants.length === 0 ? [] : t.threads ? perSet[i][0] : mergeSets(perSet[i], sets)));
};

/** A result searched under another member's strategy, as the member's own: its counterexample's scenario names the member. */
const relabel = (r: ExhaustiveResult, strategy: string): ExhaustiveResult =>
  r.counterexample && r.counterexample.scenario.strategy !== strategy ? { ...r, counterexample: { ...r.counterexample, scenario: { ...r.counterexample.scenario, strategy } } } : r;
