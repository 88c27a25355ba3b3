/**
 * Proofs shared between strategies (issue #21 item 5; docs/design.md §8). The model reads a
 * strategy at resolve (`opsFor`, `hlistAdd`) and, while stepping, through `hlistAddLabel` and
 * four pure hooks. Strategies with the same resolve-time parts (`shareGroups`) have worlds that
 * differ only in those hooks; on a thread set where every hook call the search made under one of
 * them gives the same answer under another, the other's search is the same computation, so it
 * takes the first's results. The agreement is observed, call by call, never assumed.
 */
import type { Catalogue, RollbackStrategy, World } from '../model/index.ts';
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

/**
 * The leader's strategy, each hook also asked of `others` with the same arguments; `differs(k)`
 * once others[k] answers otherwise (then it is asked no more). Hooks are pure, so asking is free
 * of effects; strings (the WARN text) compare by equality.
 */
const agreeing = (lead: RollbackStrategy, others: readonly RollbackStrategy[], differs: (k: number) => void): RollbackStrategy => {
  const open = others.map(() => true);
  const check = <T,>(d: T, ask: (s: RollbackStrategy) => T): T => {
    for (let k = 0; k < others.length; k++)
      if (open[k] && ask(others[k]) !== d) {
        open[k] = false;
        differs(k);
      }
    return d;
  };
  return {
    ...lead,
    afterFailedStart: () => check(lead.afterFailedStart(), (s) => s.afterFailedStart()),
    warnOnFailedStart: (sub, hasEnd) => check(lead.warnOnFailedStart(sub, hasEnd), (s) => s.warnOnFailedStart(sub, hasEnd)),
    undo: (c) => check(lead.undo(c), (s) => s.undo(c)),
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
      const observe = (w: World) => ({
        world: { ...w, strategy: agreeing(w.strategy, others.map((i) => catalogue.strategies[members[i].strategy]), (k) => differ.add(others[k])) },
        onTransition: () => {},
      });
      // A counterexample is found again without the key when a member that may take it keeps it
      // (strictly shorter than its best so far); asked after the keyed search, so one that
      // disagreed there is out. A member that takes a result it would not have found again has a
      // best as short already, so mergeSets drops it either way.
      const refind = (inv: string, steps: number) => (o.refind?.(inv, steps) ?? true) && cohort.some((i) => !differ.has(i) && members[i].invariants.includes(inv) && steps < (best[i].get(inv) ?? Infinity));
      const { results } = explore({ ...t, strategy: members[lead].strategy, threads }, names, { ...o, observe, ...(o.proofKey && !t.threads ? { refind } : {}) });
      const took = cohort.filter((i) => !differ.has(i));
      for (const i of took) {
        const mine = members[i].invariants.map((inv) => relabel(results[names.indexOf(inv)], members[i].strategy));
        perSet[i].push(mine);
        for (const r of mine) if (r.counterexample && r.counterexample.steps < (best[i].get(r.invariant) ?? Infinity)) best[i].set(r.invariant, r.counterexample.steps);
      }
      o.onSearch?.({ threads, leader: members[lead].strategy, agreed: took.slice(1).map((i) => members[i].strategy), disagreed: [...differ].map((i) => members[i].strategy) });
      remaining = remaining.filter((i) => !took.includes(i));
    }
  }
  return members.map((m, i) => out[i] ?? (m.invariants.length === 0 ? [] : t.threads ? perSet[i][0] : mergeSets(perSet[i], sets)));
};

/** A result searched under another member's strategy, as the member's own: its counterexample's scenario names the member. */
const relabel = (r: ExhaustiveResult, strategy: string): ExhaustiveResult =>
  r.counterexample && r.counterexample.scenario.strategy !== strategy ? { ...r, counterexample: { ...r.counterexample, scenario: { ...r.counterexample.scenario, strategy } } } : r;
