/**
 * Random exploration with fast-check (docs/design.md §4): generate candidates (arbitraries.ts), judge
 * them (judge.ts), and after fast-check's shrink, minimize (minimize.ts); then a bounded
 * breadth-first pass (`shortestPass`, the exhaustive engine over a few thread sets) replaces the
 * counterexample by a shortest one when it finds one. search and searchAll share it.
 */
import fc from 'fast-check';
import { GOAL_NAMES, invariantByName, resolve, type Catalogue, type Invariant, type TraceStep } from '../model/index.ts';
import { allowedThreadSet, candidateArb, type Candidate, type ScenarioTemplate } from './arbitraries.ts';
import { contextSwitches, invariantsNamed, judge, runCandidate, type Judged } from './judge.ts';
import { explore } from './exhaustive.ts';
import { runPath } from './lasso.ts';
import { threadSets } from './threadsets.ts';
import { minimize } from './minimize.ts';
import type { Counterexample, SearchResult } from './result.ts';

/** An invariant the runs violated, and the first run that did (1-based). */
export interface FoundSoFar {
  readonly invariant: string;
  readonly run: number;
}

export interface SearchOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Longest generated schedule (the drain comes on top). */
  readonly maxSchedule?: number;
  readonly timeLimitMs?: number;
  /**
   * Called every 100 generated runs (for a progress line on a terminal), and on the run that first
   * violates an invariant, with the invariants violated so far and that first run of each (what an
   * interrupted check can still tell, before shrinking).
   */
  readonly onProgress?: (runs: number, ms: number, found: readonly FoundSoFar[]) => void;
  readonly catalogue?: Catalogue;
  /**
   * After shrinking, a bounded breadth-first pass looks for a shorter counterexample (shrinking
   * alone can stop above the shortest): over the counterexample's thread set, `hints`, and the
   * sets one thread smaller than those of up to five threads, each only to one step less than the
   * shortest so far, visiting at most this many states for it (`shortestPasses`). Default
   * SHORTEST_BUDGET; 0 turns it off.
   */
  readonly shortest?: number;
  /**
   * Other thread sets known to violate the invariant, most promising first (searchAll passes
   * those its runs violated it with, by their violating step): the pass searches them too.
   */
  readonly hints?: readonly (readonly string[])[];
  /**
   * After phase 1, for a progress line: before each violated invariant is shrunk, and as the
   * shortest pass searches a thread set (at its start, then every 5000 states); `ms` since the search began.
   */
  readonly onPass?: (p: PassProgress) => void;
  /**
   * The run, of those `numRuns` generate, known to be the first to violate the invariant (searchAll
   * found it in phase 1): fast-check starts there (its `path`), neither judging the runs before it
   * nor changing what it generates or shrinks to.
   */
  readonly firstFailing?: number;
  /** Called after each thread set the shortest pass searched (with `only`: those of its threads alone stepped): the states it visited, the invariants it was searched for (`named`) and judged, and the length it found of each judged one (null: none shorter). */
  readonly onShortestSet?: (set: { readonly threads: readonly string[]; readonly only?: readonly string[]; readonly states: number; readonly named: readonly string[]; readonly invariants: readonly string[]; readonly steps: readonly (number | null)[] }) => void;
}

/** What a search does after its runs: shrinking a counterexample, or the shortest pass searching a thread set. */
export type PassProgress =
  | { readonly phase: 'shrinking'; readonly invariant: string; readonly ms: number }
  | { readonly phase: 'shortest'; readonly threads: readonly string[]; readonly idle?: readonly string[]; readonly states: number; readonly ms: number };

/**
 * The shortest pass's default budget in states per counterexample it shortens, for every search
 * that does not say (compare, most tests): 4,000 states, about a tenth of a second. With the
 * matrix's rows searched with it, 4,000 bring 211 of its 246 violated cells to their exhaustive
 * shortest (`npm run bench` counts them, before the pass searched under the proofs' key, which
 * reaches deeper per state; 1,000 brought 168 before the pass searched smaller sets); the matrix names a larger one where its tests need it (checks/matrix.ts `states`), and
 * check passes a larger one (engine/check.ts).
 */
export const SHORTEST_BUDGET = 4_000;

/** Thread sets searched by the shortest pass beside the counterexample's own (searchAll's hints). */
export const SHORTEST_HINTS = 4;

/** One counterexample the pass tries to shorten, and the other thread sets known to violate its invariant. */
export interface PassItem {
  readonly inv: Invariant;
  readonly cx: Counterexample;
  readonly hints?: readonly (readonly string[])[];
}

/**
 * The sets one thread smaller than `threads` that the random engine could generate. A shrunk
 * counterexample, or a run's, often carries a thread its shortest does not need, and the smaller
 * set is the cheaper search: without them the pass spent check's whole budget on a 4-thread set
 * 66 steps deep while a 3-thread subset of a hinted set holds a 26-step counterexample within 642
 * states (interval-and-hlist × QuiescentBalanced).
 */
const dropOne = (threads: readonly string[]): string[][] =>
  threads.length < 2 ? [] : threads.map((_, i) => threads.filter((__, j) => j !== i)).filter(allowedThreadSet);

/**
 * A thread set the pass searches, for the items `for`; with `only`, just those of its threads step
 * (engine/exhaustive.ts): what a fixed thread set searches instead of smaller sets.
 */
interface PassSet {
  readonly threads: readonly string[];
  readonly for: number[];
  readonly only?: readonly string[];
  /** With `only`: the fewest steps those threads took in a counterexample it was named for (the order among equal sizes). */
  weight?: number;
}

/**
 * The proper subsets of a fixed thread set of up to SMALLER_OF + 1 threads (none of a larger
 * one: a subset one thread smaller costs about what the whole set does) whose threads alone the
 * pass lets step, each with an invalidator. A pinned set's shortest often leaves some of its
 * threads idle: failing-self-undo's 28-step stale mapping on its five pinned threads
 * (checks/matrix.ts) needs only madvise, unregister:A and fault:B, 2,894 states with those alone,
 * where the search of all five visits 530,000 to reach that depth.
 */
const idleSubsets = (threads: readonly string[]): string[][] => {
  const n = threads.length;
  if (n > SMALLER_OF + 1) return [];
  const out: string[][] = [];
  for (let m = 1; m < (1 << n) - 1; m++) {
    const sub = threads.filter((_, i) => m & (1 << i));
    if (allowedThreadSet(sub)) out.push(sub);
  }
  return out;
};

/**
 * The largest set whose smaller sets the pass searches: five of a 6-thread hint cost the A/B
 * check 1.5 s and shortened nothing; with 4, the tests' pass reaches two matrix cells fewer.
 */
const SMALLER_OF = 5;

/**
 * The final pass (docs/design.md §4), over several counterexamples of one template at once:
 * breadth-first over each one's thread set, its hinted sets, and the sets one thread smaller than
 * those of up to SMALLER_OF threads (a template with fixed threads has only its own set, which
 * it also searches with only a subset of its threads stepping: `idleSubsets`, for step
 * invariants, spending at most half of an item's budget), smallest set first, each to one step
 * less than the longest counterexample of those it was named for, within `budget` states per
 * item; then, with what is left, every set of up to two threads the template allows, where it
 * was not yet searched that deep. One search per set judges every invariant still above one
 * step (the states are the same, only the verdicts differ), so a row of violated cells costs
 * about what its hardest one does. Breadth-first, so each counterexample it returns is a
 * shortest one of the sets (or subgraphs, with idle threads) it searched completely; null: none
 * shorter than the item's. `proven`: the whole thread set of the item's best was searched one
 * step short of it, so no shorter one exists there.
 */
export const shortestPasses = (
  t: ScenarioTemplate,
  items: readonly PassItem[],
  budget: number,
  catalogue?: Catalogue,
  onSet?: SearchOptions['onShortestSet'],
  onProgress?: (threads: readonly string[], states: number, idle?: readonly string[]) => void,
  /** performance.now() after which no further thread set is searched (--time-limit): what was found so far stands. */
  deadline?: number,
): { readonly shorter: (Counterexample | null)[]; readonly proven: boolean[] } => {
  const best: Counterexample[] = items.map((i) => i.cx);
  const shorter: (Counterexample | null)[] = items.map(() => null);
  const sets = new Map<string, PassSet>();
  const keyOf = (threads: readonly string[], only?: readonly string[]) => (only ? `${threads.join(',')}|${only.join(',')}` : threads.join(','));
  const name = (threads: readonly string[], k: number, only?: readonly string[]) => {
    const key = keyOf(threads, only);
    const set: PassSet = sets.get(key) ?? { threads, for: [], ...(only ? { only } : {}) };
    if (!set.for.includes(k)) set.for.push(k);
    if (only) set.weight = Math.min(set.weight ?? Infinity, items[k].cx.trace.filter((x) => only.includes(x.thread)).length);
    sets.set(key, set);
  };
  // Fixed threads have no smaller sets, but a counterexample may need only some of them (the same subsets for every item).
  const subsets = t.threads ? idleSubsets(t.threads) : [];
  items.forEach((item, k) => {
    if (t.threads) {
      name(item.cx.scenario.threads, k);
      if (item.inv.onStep) for (const only of subsets) name(item.cx.scenario.threads, k, only);
    } else {
      const own = [item.cx.scenario.threads, ...(item.hints ?? [])];
      for (const threads of [...own, ...own.filter((s) => s.length <= SMALLER_OF).flatMap(dropOne)]) name(threads, k);
    }
  });
  // Each item has its own budget, as if its sets were searched for it alone: a search is charged
  // to each item it was named for only up to that item's depth (fewer states than the whole
  // search when another one needs it deeper), and judges the others for free.
  const left = items.map(() => budget);
  // How deep each set was searched completely: an item needing no more depth gains nothing there.
  const searched = new Map<string, number>();
  const depthOf = (k: number) => best[k].steps - 1;
  // What searches with idle threads leave of an item's budget: the whole set, searched last, keeps
  // at least half, so a short counterexample there is still proven shortest. On ab-pair's 4- and
  // 5-thread sets at 4,000 states, with every step invariant, this shortens 12 counterexamples,
  // lengthens 2 and keeps 315 of the 337 proofs the whole set alone gave. A first search of the
  // whole set with three quarters of the budget kept 325 but shortened 9, and needed twice these
  // budgets for the matrix's pinned cells (checks/matrix.ts), a restart costing what the first
  // search spent.
  const reserve = (set: PassSet) => (set.only ? Math.floor(budget / 2) : 0);
  const searchSets = (order: readonly PassSet[]) => {
    for (const set of order) {
      if (deadline !== undefined && performance.now() >= deadline) return;
      const key = keyOf(set.threads, set.only);
      const named = set.for.filter((k) => best[k].steps > 1 && left[k] > reserve(set) && depthOf(k) > (searched.get(key) ?? -1));
      if (named.length === 0) continue;
      const judged = items.map((_, k) => k).filter((k) => best[k].steps > 1);
      const maxDepth = Math.max(...named.map(depthOf));
      const idle = set.only ? set.threads.filter((x) => !set.only?.includes(x)) : undefined;
      onProgress?.(set.only ?? set.threads, 0, idle);
      // It stops once the named ones are decided: the others only ride along.
      const { results, stats } = explore({ ...t, threads: set.threads }, judged.map((k) => items[k].inv.name), {
        maxDepth,
        maxStates: Math.max(...named.map((k) => left[k] - reserve(set))),
        stopWhen: named.map((k) => items[k].inv.name),
        cycles: false, // a depth-bounded search for a shorter stuck state: no edge graph (exhaustive.ts)
        // Keyed by the proofs' form: the same shortest lengths in fewer states (a quarter on the A/B
        // check's 6-thread set); the trace is the keyed search's own, a real one, not found again.
        proofKey: true,
        refind: () => false,
        ...(deadline !== undefined ? { deadline } : {}),
        ...(set.only ? { only: set.only } : {}),
        ...(catalogue ? { catalogue } : {}),
        ...(onProgress ? { onProgress: (states: number) => onProgress(set.only ?? set.threads, states, idle) } : {}),
      });
      // Cut by a bound, or stopped once the named ones were decided, the search completed the
      // depths before the one it was in; at its depth bound, that depth; at the space's end, all.
      const stopped = stats.bound === 'states' || stats.bound === 'memory' || stats.bound === 'time' || stats.decided;
      searched.set(key, Math.max(searched.get(key) ?? -1, stopped ? stats.statesToDepth.length - 2 : stats.bound === 'depth' ? maxDepth : Infinity));
      // Each named one pays the states up to its depth, or up to where it was found.
      for (const k of named) {
        const r = results[judged.indexOf(k)];
        const upTo = stats.statesToDepth[depthOf(k)] ?? stats.states;
        left[k] -= Math.min(left[k], r.counterexample ? Math.min(upTo, r.states) : upTo);
      }
      const steps = results.map((r, j) => {
        const k = judged[j];
        const found = r.counterexample;
        if (!found || found.steps >= best[k].steps) return null;
        best[k] = shorter[k] = found;
        return found.steps;
      });
      onSet?.({ threads: set.threads, ...(set.only ? { only: set.only } : {}), states: stats.states, named: named.map((k) => items[k].inv.name), invariants: judged.map((k) => items[k].inv.name), steps });
    }
  };
  // Smaller sets first: cheap, and what they find lowers the depth of the larger ones.
  // Among subsets of one size, those whose threads took fewer steps first: fewer interleavings to
  // the same depth (failing-self-undo's stale mapping: madvise, unregister:A and fault:B before the reaper's sets).
  const bySize = (m: Map<string, PassSet>) =>
    [...m.values()].sort((a, b) => (a.only ?? a.threads).length - (b.only ?? b.threads).length || (a.weight ?? 0) - (b.weight ?? 0));
  searchSets(bySize(sets));
  if (!t.threads) {
    // Then every set of up to two threads the template allows, with what is left: cheap, and a
    // short counterexample may need only an invalidator and one thread the runs combined with more.
    sets.clear();
    for (const small of threadSets(t, 2, catalogue)) items.forEach((_, k) => name(small, k));
    searchSets(bySize(sets));
  }
  // Proven when the set of its best counterexample was searched one step short of it (a 1-step
  // one is never searched: nothing is shorter); never a lasso, whose cycle is not the shortest.
  const proven = best.map((cx) => !cx.cycle && (cx.steps <= 1 || (searched.get(cx.scenario.threads.join(',')) ?? -1) >= cx.steps - 1));
  return { shorter, proven };
};

/** The printable trace of a path every step of which is a schedule choice (a confirmed drain's). */
const lassoTrace = (t: ScenarioTemplate, c: Candidate, path: readonly string[], cycleFrom: number | undefined, catalogue?: Catalogue): TraceStep[] => {
  const r = resolve({ ...t, threads: c.threads }, catalogue);
  if (!r.ok) throw new Error(r.error);
  const ran = runPath(r.world, r.state, path, cycleFrom ?? path.length);
  if ('failedAt' in ran) throw new Error(`random: step ${ran.failedAt + 1} of a confirmed path did not step`);
  return ran.trace;
};

/** The pass's progress as PassProgress, timed from `t0`. */
const passProgress = (onPass: SearchOptions['onPass'], t0: number) =>
  onPass && ((threads: readonly string[], states: number, idle?: readonly string[]) => onPass({ phase: 'shortest', threads, ...(idle ? { idle } : {}), states, ms: performance.now() - t0 }));

export const search = (t: ScenarioTemplate, invariantName: string, o: SearchOptions): SearchResult => {
  const inv = invariantByName(invariantName);
  if (!inv) throw new Error(`unknown invariant ${invariantName}`);
  const { catalogue } = o;
  const t0 = performance.now();
  let first: Judged | null = null;
  let firstC: Candidate | null = null;
  const prop = fc.property(candidateArb(t, o.maxSchedule, catalogue), (c) => {
    const j = judge(t, inv, c, { catalogue });
    if (j.violated && first === null) {
      first = j;
      firstC = c;
    }
    return !j.violated;
  });
  const details = fc.check(prop, {
    seed: o.seed,
    numRuns: o.numRuns,
    ...(o.firstFailing ? { path: String(o.firstFailing - 1) } : {}),
    ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}),
  });
  if (!details.failed || !details.counterexample) {
    return { engine: 'random', invariant: inv.name, verdict: 'holds', runs: details.numRuns, ms: performance.now() - t0, counterexample: null };
  }
  const firstFailRuns = o.firstFailing ?? details.numRuns;
  const [shrunk] = details.counterexample as [Candidate];
  const before = (first ?? judge(t, inv, shrunk, { catalogue })) as Judged;
  const { candidate } = minimize(t, inv, firstC ? [shrunk, firstC] : [shrunk], catalogue);
  const judged = judge(t, inv, candidate, { record: true, catalogue }); // once more, recording the trace to print
  const v = judged.report.verdicts[inv.name];
  // A drain confirmed by a search (judge.ts confirmDrain): its path is the schedule, its trace re-run.
  const extended = v.status === 'violated' && v.path ? lassoTrace(t, candidate, v.path, v.cycleFrom, catalogue) : null;
  const trace = extended ?? judged.report.trace.slice(0, judged.steps);
  const provenance = { foundWith: 'random', seed: o.seed, path: details.counterexamplePath ?? '', runs: firstFailRuns } as const;
  const shrunkCx: Counterexample = {
    invariant: inv.name,
    witness: v.status === 'violated' ? v.witness : '',
    scenario: { ...t, threads: candidate.threads },
    schedule: v.status === 'violated' && v.path ? v.path : judged.report.executed,
    ...(v.status === 'violated' && v.cycleFrom !== undefined ? { cycle: { from: v.cycleFrom } } : {}),
    trace,
    steps: judged.steps,
    contextSwitches: contextSwitches(trace),
    fromSteps: before.steps,
    fromSwitches: contextSwitches(before.report.trace.slice(0, before.steps)),
    provenance,
  };
  const budget = o.shortest ?? SHORTEST_BUDGET;
  const pass = budget > 0 ? shortestPasses(t, [{ inv, cx: shrunkCx, hints: o.hints }], budget, catalogue, o.onShortestSet, passProgress(o.onPass, t0)) : null;
  const shorter = pass?.shorter[0] ?? null;
  const counterexample = { ...(shorter ? { ...shorter, fromSteps: shrunkCx.fromSteps, fromSwitches: shrunkCx.fromSwitches, provenance } : shrunkCx), shortestOnThreads: pass?.proven[0] ?? false };
  return { engine: 'random', invariant: inv.name, verdict: 'violated', runs: firstFailRuns, ms: performance.now() - t0, counterexample };
};

/**
 * Judge several invariants on the same generated runs (phase 1), then shrink each violated one
 * with its own fast-check run from the same seed, started at the run that first violated it
 * (phase 2; `firstFailing`), then looks for a shorter one (the
 * shortest pass, hinted with the thread sets the runs violated it with).
 * A "holds" verdict means every one of the `runs` generated cases held.
 */
export const searchAll = (t: ScenarioTemplate, names: readonly string[], o: SearchOptions): SearchResult[] => {
  const invs = invariantsNamed(names);
  const { catalogue } = o;
  const t0 = performance.now();
  const firstAt: Record<string, { run: number; ms: number }> = {};
  // In how many runs each reachability goal was reached: a "holds" that never reached its situation is vacuous.
  const goals: Record<string, number> = Object.fromEntries(GOAL_NAMES.map((g) => [g, 0]));
  // Per invariant, the thread sets its runs violated it with and the earliest violating step of each: the shortest pass's hints.
  const violatedWith: Record<string, Map<string, { threads: readonly string[]; step: number }>> = Object.fromEntries(invs.map((i) => [i.name, new Map()]));
  let runs = 0;
  const found = (): FoundSoFar[] => Object.entries(firstAt).map(([invariant, f]) => ({ invariant, run: f.run }));
  const prop = fc.property(candidateArb(t, o.maxSchedule, catalogue), (c) => {
    runs++;
    let fresh = false; // this run is the first to violate some invariant
    const reached = new Set<string>();
    // Violated ones stay judged for the hints while the run is needed anyway; once every one is found, runs stop at once.
    const report = runCandidate(t, invs.some((i) => !firstAt[i.name]) ? invs : [], c, { catalogue, goals: reached });
    for (const g of reached) goals[g]++;
    for (const i of invs) {
      const v = report.verdicts[i.name];
      if (v?.status !== 'violated') continue;
      if (!firstAt[i.name]) {
        firstAt[i.name] = { run: runs, ms: performance.now() - t0 };
        fresh = true;
      }
      const key = c.threads.join(',');
      const seen = violatedWith[i.name].get(key);
      if (!seen || v.step < seen.step) violatedWith[i.name].set(key, { threads: c.threads, step: v.step });
    }
    if (o.onProgress && (runs % 100 === 0 || fresh)) o.onProgress(runs, performance.now() - t0, found());
    return true;
  });
  const done = fc.check(prop, { seed: o.seed, numRuns: o.numRuns, ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}) });
  if (done.failed) throw new Error(`model error while searching: ${String(done.errorInstance)}`); // the property itself never fails
  const phase1 = performance.now() - t0;
  // Each violated one shrunk on its own, then one shortest pass over them all.
  const shrunk = invs.map((inv): SearchResult => {
    const f = firstAt[inv.name];
    if (!f) return { engine: 'random', invariant: inv.name, verdict: 'holds', runs: done.numRuns, ms: phase1, counterexample: null, goals };
    o.onPass?.({ phase: 'shrinking', invariant: inv.name, ms: performance.now() - t0 });
    const r = search(t, inv.name, { ...o, numRuns: f.run, firstFailing: f.run, shortest: 0 });
    return { ...r, runs: f.run, ms: f.ms, goals };
  });
  const items = shrunk.flatMap((r, k): (PassItem & { k: number })[] => {
    const cx = r.counterexample;
    if (!cx) return [];
    const inv = invs[k];
    const hints = [...violatedWith[inv.name].values()].sort((a, b) => a.step - b.step).slice(0, SHORTEST_HINTS).map((h) => h.threads);
    return [{ inv, cx, hints, k }];
  });
  const budget = o.shortest ?? SHORTEST_BUDGET;
  // --time-limit bounds the pass too: a search under way stops at it, and no thread set is begun after it.
  const deadline = o.timeLimitMs ? t0 + o.timeLimitMs : undefined;
  const passed = budget > 0 ? shortestPasses(t, items, budget, catalogue, o.onShortestSet, passProgress(o.onPass, t0), deadline) : null;
  items.forEach((item, j) => {
    const found = passed?.shorter[j] ?? null;
    const r = shrunk[item.k];
    const cx = r.counterexample;
    if (!cx) return;
    const kept = found ? { ...found, fromSteps: cx.fromSteps, fromSwitches: cx.fromSwitches, provenance: cx.provenance } : cx;
    shrunk[item.k] = { ...r, counterexample: { ...kept, shortestOnThreads: passed?.proven[j] ?? false } };
  });
  return shrunk;
};
