/**
 * The shortest pass (engine/random.ts shortestPasses, docs/design.md §4) and the per-depth state
 * counts it charges its budgets with (engine/exhaustive.ts statesToDepth).
 */
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { explore } from '../engine/exhaustive.ts';
import { judge } from '../engine/judge.ts';
import { search, searchAll, shortestPasses } from '../engine/random.ts';
import { INVARIANT_NAMES, invariantByName } from '../model/index.ts';
import { seed } from './seed.ts';

const abPair = { ...familyById('ab-pair')!.template, strategy: 'skip-all-end' };

it('statesToDepth[d] is the number of distinct states a search bounded at depth d stores', () => {
  const sc = { ...abPair, threads: ['oom_reaper', 'madvise', 'ioctl:B'] };
  const { stats } = explore(sc, ['StartEndPaired', 'FaultLiveness']);
  expect(stats.statesToDepth.length).toBeGreaterThan(12);
  for (let d = 0; d <= 12; d++) expect(explore(sc, ['StartEndPaired', 'FaultLiveness'], { maxDepth: d }).stats.states, `depth ${d}`).toBe(stats.statesToDepth[d]);
});

it(`the pass only shortens, each result a real counterexample, shortest on its own set within a large budget, and says so (seed ${seed})`, () => {
  const off = searchAll(abPair, INVARIANT_NAMES, { seed, numRuns: 150, shortest: 0 });
  const on = searchAll(abPair, INVARIANT_NAMES, { seed, numRuns: 150, shortest: 50_000 });
  const violated = off.filter((r) => r.counterexample);
  expect(violated.length).toBeGreaterThan(3);
  for (const r of violated) {
    const cx = on.find((x) => x.invariant === r.invariant)?.counterexample;
    expect(cx, r.invariant).toBeDefined();
    if (!cx || !r.counterexample) continue;
    expect(cx.steps, r.invariant).toBeLessThanOrEqual(r.counterexample.steps);
    expect(cx.trace.length, r.invariant).toBe(cx.steps);
    // A lasso (FaultLiveness's spin) is never called shortest: another cycle may close sooner.
    if (cx.cycle) {
      expect(cx.shortestOnThreads, r.invariant).toBe(false);
      continue;
    }
    // Breadth-first on the set it reports, the exhaustive engine finds nothing shorter.
    const { results } = explore({ ...abPair, threads: cx.scenario.threads }, [r.invariant], { maxDepth: cx.steps });
    expect(results[0].counterexample?.steps, `${r.invariant} on ${cx.scenario.threads.join(',')}`).toBe(cx.steps);
    // …which the pass knew: it searched that set one step short of it.
    expect(cx.shortestOnThreads, r.invariant).toBe(true);
    expect(off.find((x) => x.invariant === r.invariant)?.counterexample?.shortestOnThreads, `${r.invariant} without the pass`).toBe(false);
  }
});

it('the pass searches the sets one thread smaller too: a thread the shortest does not need is dropped', () => {
  // interval-and-hlist × QuiescentBalanced: 27 steps at best with fault:A among the threads, 26
  // without it; on the 4-thread set alone, 26 steps deep takes more than the budget below.
  const interval = { ...familyById('interval-and-hlist')!.template, strategy: 'skip-all-end' };
  const four = ['oom_reaper', 'fault:A', 'unregister:A', 'unregister:B'];
  const { results, stats } = explore({ ...interval, threads: four }, ['QuiescentBalanced'], { stopWhen: ['QuiescentBalanced'] });
  const cx = results[0].counterexample;
  expect(cx?.steps).toBe(27);
  expect(stats.statesToDepth[26]).toBeGreaterThan(4_000);
  if (!cx) return;
  const seen: string[] = [];
  const inv = invariantByName('QuiescentBalanced')!;
  const { shorter, proven } = shortestPasses(interval, [{ inv, cx }], 4_000, undefined, (s) => seen.push(s.threads.join(',')));
  expect(seen).toContain('oom_reaper,unregister:A,unregister:B');
  expect(shorter[0]?.steps).toBe(26);
  expect(shorter[0]?.scenario.threads).toEqual(['oom_reaper', 'unregister:A', 'unregister:B']);
  expect(proven[0]).toBe(true);
});

it('a search with `only` steps those threads alone: its counterexample is one of the whole scenario, not called shortest, and no at-end verdict', () => {
  const sc = { ...abPair, threads: ['oom_reaper', 'madvise', 'ioctl:B'] };
  const only = ['oom_reaper', 'ioctl:B'];
  const whole = explore(sc, ['StartEndPaired']);
  const part = explore(sc, ['StartEndPaired'], { only });
  expect(part.stats.states).toBeLessThan(whole.stats.states);
  const cx = part.results[0].counterexample;
  expect(cx, 'StartEndPaired with oom_reaper and ioctl:B alone').not.toBeNull();
  if (!cx) return;
  expect(cx.scenario.threads).toEqual(sc.threads);
  expect(new Set(cx.schedule)).toEqual(new Set(only));
  expect(cx.shortestOnThreads).toBe(false);
  // The same schedule, run on the whole scenario, breaks the invariant at the same step.
  const j = judge(sc, invariantByName('StartEndPaired')!, { threads: sc.threads, schedule: cx.schedule });
  expect([j.violated, j.steps]).toEqual([true, cx.steps]);
  // A state where the others are done is not terminal while an idle thread could still step:
  // judged at the end there, NoDeadlock would break although every interleaving ends well.
  const three = { ...abPair, threads: ['oom_reaper', 'madvise', 'fault:A'] };
  expect(explore(three, ['NoDeadlock']).results[0].verdict).toBe('holds');
  expect(explore(three, ['NoDeadlock'], { only: ['oom_reaper', 'fault:A'] }).results[0].verdict).toBe('holds');
});

it(`with fixed threads the pass searches subsets of them, the rest idle: a shorter counterexample that leaves threads out (seed ${seed})`, () => {
  // failing-self-undo × NoStaleSecondaryMapping on its five pinned threads (checks/matrix.ts):
  // shrinking leaves 48 steps or so; madvise and fault:B alone race in 29, which the search of all
  // five reaches only after 530,000 states or more.
  const t = { ...familyById('failing-self-undo')!.template, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'] };
  const seen: string[] = [];
  const off = search(t, 'NoStaleSecondaryMapping', { seed, numRuns: 1000, shortest: 0 });
  const on = search(t, 'NoStaleSecondaryMapping', { seed, numRuns: 1000, shortest: 8_000, onShortestSet: (s) => seen.push((s.only ?? s.threads).join(',')) });
  const cx = on.counterexample;
  expect(off.counterexample?.steps).toBeGreaterThan(29);
  expect(cx?.steps).toBeLessThanOrEqual(29);
  expect(seen).toContain('madvise,fault:B');
  if (!cx) return;
  expect(cx.scenario.threads).toEqual(t.threads);
  expect(cx.shortestOnThreads).toBe(false);
  const j = judge(t, invariantByName('NoStaleSecondaryMapping')!, { threads: t.threads, schedule: cx.schedule });
  expect([j.violated, j.steps]).toEqual([true, cx.steps]);
});

it(`with fixed threads the whole set keeps half the budget after the subsets: a short counterexample is still proven shortest (seed ${seed})`, () => {
  // Searched first, the 5-thread set's subsets to depth 8 would spend the whole 5,000 states
  // (without the reserve: 14 steps, not proven; 5,000 since the rwsem wait list's queue step, 4,000 before).
  const t = { ...abPair, threads: ['oom_reaper', 'munmap', 'madvise', 'fault:A', 'ioctl:B'] };
  const r = search(t, 'LockOrder', { seed, numRuns: 200, shortest: 5_000 });
  expect(r.counterexample?.steps).toBe(9);
  expect(r.counterexample?.shortestOnThreads).toBe(true);
});

describe('--time-limit bounds the shortest pass too (a deadline already past, so nothing here depends on the clock)', () => {
  const six = { ...abPair, threads: ['oom_reaper', 'munmap', 'madvise', 'unregister:A', 'fault:B', 'ioctl:B'] };
  it("explore stops at its deadline, cut by the 'time' bound, and calls nothing it found then shortest", () => {
    const { stats } = explore(six, ['NoDeadlock'], { deadline: performance.now(), cycles: false });
    expect(stats.bound).toBe('time');
    expect(stats.states).toBeLessThan(20_000); // the whole space is far larger: 211,319 states to depth 18
  });
  it('a pass whose deadline has passed begins no thread set, and keeps what it was given', () => {
    const cx = search({ ...abPair }, 'NoDeadlock', { seed, numRuns: 1000, shortest: 0 }).counterexample;
    expect(cx).not.toBeNull();
    const inv = invariantByName('NoDeadlock');
    if (!cx || !inv) return expect.fail('no counterexample to shorten');
    const sets: string[] = [];
    const late = shortestPasses(abPair, [{ inv, cx, hints: [] }], 4_000, undefined, (x) => void sets.push(x.threads.join(',')), undefined, performance.now());
    expect(sets).toEqual([]);
    expect(late.shorter).toEqual([null]);
    const timely = shortestPasses(abPair, [{ inv, cx, hints: [] }], 4_000, undefined, (x) => void sets.push(x.threads.join(',')));
    expect(sets.length).toBeGreaterThan(0); // with no deadline the same pass searches
    expect(timely.proven).toHaveLength(1);
  });
});
