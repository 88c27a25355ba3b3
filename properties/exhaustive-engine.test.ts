/**
 * The exhaustive engine itself (docs/design.md §4): one pass judges every invariant as the
 * per-invariant searches do; fingerprints key the same states as the exact canonical JSON; the
 * abstraction of history-only fields keeps every verdict and shortest length; a bound never
 * says "holds"; the thread sets searched are those the random engine generates.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { candidateArb, allowedThreadSet, threadsFor, type ScenarioTemplate } from '../engine/arbitraries.ts';
import { exhaustive, exhaustiveAll, explore } from '../engine/exhaustive.ts';
import { exactKey, fingerprint } from '../engine/fingerprint.ts';
import type { ExhaustiveResult } from '../engine/result.ts';
import { exhaustiveTemplate, mergeSets, threadSets } from '../engine/threadsets.ts';
import { INVARIANT_NAMES, resolve, type ModelState, type Scenario } from '../model/index.ts';
import { seed } from './seed.ts';
import { stepUntil, world } from './support.ts';

const sc = (family: string, strategy: string, threads: string[]): Scenario => ({ ...(familyById(family)?.template as ScenarioTemplate), strategy, threads });

/** Small scenarios (100–400 states) with violations of several lengths, liveness among them. */
const small: readonly Scenario[] = [
  sc('ab-pair', 'skip-all-end', ['oom_reaper', 'ioctl:B']),
  sc('lock-across-window', 'call-all-end-2021', ['munmap', 'ioctl:B']),
  sc('registration-unlocked', 'sorted-undo', ['oom_reaper', 'register:B']),
  sc('nonblock-sleeps', 'skip-all-end', ['oom_reaper', 'munmap']),
];
const name = (s: Scenario) => `${s.strategy} ${s.notifiers.map((n) => n.driver).join('+')} ${s.threads.join(',')}`;
const summary = (rs: readonly ExhaustiveResult[]) => rs.map((r) => [r.invariant, r.verdict, r.counterexample?.steps ?? null]);

describe('one pass judges every invariant as the per-invariant searches do', () => {
  for (const s of small) {
    it(name(s), () => {
      const all = exhaustiveAll(s, INVARIANT_NAMES);
      const each = INVARIANT_NAMES.map((inv) => exhaustive(s, inv, Infinity));
      expect(summary(all)).toEqual(summary(each));
      // A complete search counts every reachable state, whichever invariants it judges.
      for (const r of all) if (r.verdict === 'holds') expect(r.states).toBe(all.find((x) => x.verdict === 'holds')?.states);
      for (const r of all) if (r.counterexample) expect(r.counterexample.trace).toHaveLength(r.counterexample.steps);
    });
  }
});

describe('fingerprints key the same states as the exact canonical JSON', () => {
  const withIds: readonly Scenario[] = [
    ...small,
    sc('ab-pair', 'call-all-end-2021', ['munmap', 'unregister:A']), // srcuReaders name munmap's invalidation
    sc('failing-no-end', 'call-all-end-2021', ['exit_mmap', 'unregister:B']),
    sc('interval-and-hlist', 'core-counter', ['exit_mmap', 'fault:B']),
    sc('interval-and-hlist', 'call-all-end-2021', ['oom_reaper', 'munmap']), // ids renamed: fewer states than the raw ones
  ];
  for (const s of withIds) {
    it(name(s), () => {
      const fp = explore(s, INVARIANT_NAMES);
      const exact = explore(s, INVARIANT_NAMES, { exact: true });
      expect(fp.stats.states).toBe(exact.stats.states);
      expect(summary(fp.results)).toEqual(summary(exact.results));
    });
  }

  it('renaming invalidation ids consistently, or building a record in another order, keeps the key', () => {
    const s0 = sc('ab-pair', 'call-all-end-2021', ['munmap', 'fault:A']);
    const { world: w, state } = world(s0);
    // munmap inside its invalidation, the fault after its snapshot of nextInvId.
    const mid = stepUntil(w, stepUntil(w, state, 'fault:A', (_, t) => t.call?.locals.invStarted !== undefined), 'munmap', (_, t) => t.inv !== null);
    const shift = (s: ModelState, by: number): ModelState => ({
      ...s,
      nextInvId: s.nextInvId + by,
      threads: s.threads.map((t) => ({
        ...t,
        inv: t.inv && { ...t.inv, id: t.inv.id + by },
        call: t.call && { ...t.call, locals: { ...t.call.locals, ...(t.call.locals.invStarted !== undefined ? { invStarted: t.call.locals.invStarted + by } : {}) } },
      })) as ModelState['threads'],
    });
    const reordered: ModelState = { ...mid, lockdep: [...mid.lockdep].reverse(), drivers: Object.fromEntries(Object.entries(mid.drivers).reverse()) };
    for (const other of [shift(mid, 5), reordered]) {
      expect(fingerprint(other)).toEqual(fingerprint(mid));
      expect(exactKey(other)).toBe(exactKey(mid));
    }
    expect(fingerprint(shift(mid, 5), false)).not.toEqual(fingerprint(mid, false));
    // A different number of invalidations started since the fault's snapshot is a different state.
    const fault = mid.threads.findIndex((t) => t.id === 'fault:A');
    const stale = { ...mid, threads: mid.threads.map((t, i) => (i === fault && t.call ? { ...t, call: { ...t.call, locals: { ...t.call.locals, invStarted: mid.nextInvId } } } : t)) as ModelState['threads'] };
    expect(fingerprint(stale)).not.toEqual(fingerprint(mid));
  });
});

describe('the abstraction of history-only fields keeps every verdict and shortest length', () => {
  // Two invalidations in flight (ids), and lockdep edges added in either order.
  for (const s of [sc('interval-and-hlist', 'call-all-end-2021', ['oom_reaper', 'munmap']), sc('lock-across-window', 'call-all-end-2021', ['munmap', 'ioctl:B'])]) {
    it(name(s), () => {
      const abstract = explore(s, INVARIANT_NAMES);
      const raw = explore(s, INVARIANT_NAMES, { abstract: false });
      expect(summary(abstract.results)).toEqual(summary(raw.results));
      expect(abstract.stats.states).toBeLessThan(raw.stats.states); // these two merge states
    });
  }
});

describe('a bound never says "holds"', () => {
  const s = small[0];
  const complete = exhaustiveAll(s, INVARIANT_NAMES);

  it('complete: "holds" with no bound, every reachable state counted', () => {
    const held = complete.filter((r) => r.verdict === 'holds');
    expect(held.length).toBeGreaterThan(0);
    for (const r of held) expect(r.bound).toBeNull();
  });

  for (const [bound, o] of [['states', { maxStates: 50 }], ['depth', { maxDepth: 5 }]] as const) {
    it(`${bound} bound: every unviolated invariant "holds-up-to-bound" (${bound})`, () => {
      const cut = exhaustiveAll(s, INVARIANT_NAMES, o);
      for (const r of cut) {
        expect(r.verdict).not.toBe('holds');
        if (r.verdict !== 'violated') expect(r.bound).toBe(bound);
      }
      if (bound === 'states') expect(Math.max(...cut.map((r) => r.states))).toBeLessThanOrEqual(50);
      // What it finds within the bound is still a shortest counterexample of its invariant.
      for (const r of cut) if (r.counterexample) expect(r.counterexample.steps).toBe(complete.find((x) => x.invariant === r.invariant)?.counterexample?.steps);
    });
  }

  it('memory bound: the search ends cleanly with what it found so far', () => {
    const big = sc('failing-self-undo', 'call-all-end-2019', ['oom_reaper', 'madvise']); // 4032 states
    const { results, stats } = explore(big, INVARIANT_NAMES, { maxMemoryBytes: 1 });
    expect(stats.bound).toBe('memory');
    expect(stats.states).toBeLessThan(4032);
    for (const r of results) expect(r.verdict === 'violated' || (r.verdict === 'holds-up-to-bound' && r.bound === 'memory')).toBe(true);
  });
});

describe(`thread sets: those the random engine generates (seed ${seed})`, () => {
  const t: ScenarioTemplate = { ...(familyById('ab-pair')?.template as ScenarioTemplate), strategy: 'skip-all-end' };
  const all = threadsFor(t);

  it('every generated set is enumerated (up to its size), and every enumerated set is allowed and runs', () => {
    const enumerated = new Set(threadSets(t, all.length).map((ts) => ts.join(',')));
    for (const c of fc.sample(candidateArb(t), { numRuns: 300, seed })) expect(enumerated.has(c.threads.join(','))).toBe(true);
    for (const ts of threadSets(t, 3)) {
      expect(ts.length).toBeLessThanOrEqual(3);
      expect(allowedThreadSet(ts)).toBe(true);
      expect(resolve({ ...t, threads: ts }).ok).toBe(true);
    }
    const sizes = threadSets(t, 3).map((ts) => ts.length);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b)); // smallest first
  });

  it('a template without threads: the shortest counterexample over its sets, and which sets were searched', () => {
    const [r] = exhaustiveTemplate(t, ['StartEndPaired'], { maxThreads: 2 });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.steps).toBe(10);
    expect(r.counterexample?.scenario.threads).toEqual(['oom_reaper', 'ioctl:B']);
    expect(r.threadSets).toEqual(threadSets(t, 2));
  });

  it('merge: violated in any set, holds only when every set holds completely', () => {
    const res = (verdict: ExhaustiveResult['verdict'], steps?: number, bound: ExhaustiveResult['bound'] = null): ExhaustiveResult => ({
      engine: 'exhaustive', invariant: 'I', verdict, states: 10, depth: 3, ms: 1, bound,
      counterexample: steps === undefined ? null : ({ steps, trace: [] } as unknown as ExhaustiveResult['counterexample']),
    });
    const sets = [['a'], ['b'], ['c']];
    expect(mergeSets([[res('holds')], [res('holds')], [res('holds')]], sets)[0]).toMatchObject({ verdict: 'holds', states: 30, bound: null, threadSets: sets });
    expect(mergeSets([[res('holds')], [res('holds-up-to-bound', undefined, 'states')], [res('holds')]], sets)[0]).toMatchObject({ verdict: 'holds-up-to-bound', bound: 'states' });
    expect(mergeSets([[res('violated', 9)], [res('holds-up-to-bound', undefined, 'memory')], [res('violated', 7)]], sets)[0]).toMatchObject({ verdict: 'violated', bound: null, counterexample: { steps: 7 } });
  });
});
