/**
 * Proofs shared between strategies (engine/share.ts): compare with sharing gives the cells it
 * gives with each strategy proved alone (timings aside), on a family whose oom_reaper sets make
 * the two call-all-end rules answer the undo and WARN hooks differently in what the step reports
 * only (so call-all-end-2021 follows call-all-end-2019's search, judged on its own facts), and
 * reaper-calls-end's reaper hook differently in what it does (so it is searched again), and
 * whose other sets call no hook (so they are shared outright). Judged on call-all-end-2019's
 * facts, call-all-end-2021 would take its proof of NoEndWithoutStart (2019 promises its end to a
 * failed start; 2021 calls it unpromised).
 */
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { compare, type FamilyTemplate } from '../engine/compare.ts';
import { exhaustiveShared, shareGroups, type SharedSearch } from '../engine/share.ts';
import { exhaustiveTemplate } from '../engine/threadsets.ts';
import { BUILTIN, INVARIANT_NAMES, MAINLINE_2018, sortedAdd, STRATEGY_NAMES, type Catalogue, type RollbackStrategy } from '../model/index.ts';
import { seed } from './seed.ts';

const timeless = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'ms' ? undefined : v)));

describe('which strategies may share proofs', () => {
  it('the built-in ones: the four with mainline 2018\'s resolve-time parts, then sorted-undo and core-counter alone', () => {
    expect(shareGroups(STRATEGY_NAMES)).toEqual([['skip-all-end', 'call-all-end-2019', 'call-all-end-2021', 'reaper-calls-end'], ['sorted-undo'], ['core-counter']]);
  });

  it('a strategy of the user\'s joins by its parts, not its name', () => {
    const mine = (name: string, o: Partial<RollbackStrategy> = {}): RollbackStrategy => ({ ...MAINLINE_2018, name, title: name, domainRef: '', ...o });
    const catalogue: Catalogue = { ...BUILTIN, strategies: { ...BUILTIN.strategies, a: mine('a', { undo: () => 'end' }), b: mine('b', { hlistAdd: sortedAdd }), c: mine('c', { hlistAddLabel: 'elsewhere' }) } };
    expect(shareGroups(['sorted-undo', 'a', 'skip-all-end', 'b', 'c', 'nope'], catalogue)).toEqual([['sorted-undo'], ['a', 'skip-all-end'], ['b'], ['c'], ['nope']]);
  });
});

describe(`compare shares proofs and gives the same cells (seed ${seed})`, () => {
  it('failing-expects-end, call-all-end-2019, -2021 and reaper-calls-end, sets of up to 2 threads: shared where they agree, judged apart where only the reports differ, searched again where not', () => {
    const fam = familyById('failing-expects-end') as FamilyTemplate;
    const strategies = ['call-all-end-2019', 'call-all-end-2021', 'reaper-calls-end'];
    const o = { seed, runs: 20, proof: { maxThreads: 2, maxStates: 100_000 } };
    const searches: SharedSearch[] = [];
    const shared = compare(strategies, INVARIANT_NAMES, [fam], { ...o, onShared: (_f, s) => searches.push(s) });
    const alone = compare(strategies, INVARIANT_NAMES, [fam], { ...o, share: false });
    expect(timeless(shared)).toEqual(timeless(alone));
    // Not vacuous: some set was shared outright, on some the reports told 2019 and 2021 apart, and on some the reaper's hook told reaper-calls-end apart.
    expect(searches.some((s) => s.agreed.includes('call-all-end-2021'))).toBe(true);
    const reported = searches.filter((s) => s.reported.includes('call-all-end-2021'));
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((s) => s.threads.includes('oom_reaper') && s.leader === 'call-all-end-2019')).toBe(true);
    const apart = searches.filter((s) => s.disagreed.includes('reaper-calls-end'));
    expect(apart.length).toBeGreaterThan(0);
    expect(apart.every((s) => s.threads.includes('oom_reaper'))).toBe(true);
    // A set told apart is searched again under reaper-calls-end itself.
    for (const s of apart) expect(searches.some((x) => x.leader === 'reaper-calls-end' && x.threads.join() === s.threads.join())).toBe(true);
    // The cells this depends on: 2019 keeps NoEndWithoutStart, 2021 breaks it.
    const cell = (st: string) => shared.find((c) => c.strategy === st && c.invariant === 'NoEndWithoutStart');
    expect([cell('call-all-end-2019')?.verdict, cell('call-all-end-2021')?.verdict]).toEqual(['holds', 'violated']);
  }, 30_000);
});

describe('a shared proof gives each member the results it gets alone', () => {
  it('failing-expects-end, call-all-end-2019 and -2021, every invariant, sets of up to 2 threads: results and counterexamples (their scenario names the member)', () => {
    const fam = familyById('failing-expects-end') as FamilyTemplate;
    const members = ['call-all-end-2019', 'call-all-end-2021'].map((strategy) => ({ strategy, invariants: INVARIANT_NAMES }));
    // As compare proves: the keyed search's own counterexamples kept (engine/compare.ts).
    const o = { proofKey: true, refind: () => false, maxThreads: 2, maxStates: 100_000 };
    const searches: SharedSearch[] = [];
    const shared = exhaustiveShared(fam.template, members, INVARIANT_NAMES, { ...o, onSearch: (s) => searches.push(s) });
    // A violated result's `states` may be another member's re-search's (engine/share.ts); the rest is the member's own.
    const own = (rs: readonly unknown[]) => (timeless(rs) as { verdict: string; states?: number }[]).map((r) => (r.verdict === 'violated' ? { ...r, states: undefined } : r));
    members.forEach((m, i) => expect(own(shared[i])).toEqual(own(exhaustiveTemplate({ ...fam.template, strategy: m.strategy }, m.invariants, o))));
    // Not vacuous: call-all-end-2021 keeps a counterexample from a set call-all-end-2019 led, and
    // breaks NoEndWithoutStart, which 2019 keeps, on a set where it followed 2019's search judged on its own facts.
    const led = (field: 'agreed' | 'reported') => new Set(searches.filter((s) => s.leader === 'call-all-end-2019' && s[field].includes('call-all-end-2021')).map((s) => s.threads.join()));
    expect(shared[1].some((r) => r.counterexample && led('agreed').has(r.counterexample.scenario.threads.join()))).toBe(true);
    const verdict = (i: number) => shared[i].find((r) => r.invariant === 'NoEndWithoutStart');
    expect(verdict(0)?.verdict).toBe('holds');
    expect(led('reported').has(verdict(1)?.counterexample?.scenario.threads.join() ?? '')).toBe(true);
  }, 30_000);
  it("led by call-all-end-2021: call-all-end-2019 follows its search and keeps NoEndWithoutStart, the leader's verdict on a step that reported otherwise not taken", () => {
    const fam = familyById('failing-expects-end') as FamilyTemplate;
    const members = ['call-all-end-2021', 'call-all-end-2019'].map((strategy) => ({ strategy, invariants: ['NoEndWithoutStart', 'NoDeadlock'] }));
    const o = { proofKey: true, refind: () => false, maxThreads: 2, maxStates: 100_000 };
    const searches: SharedSearch[] = [];
    const shared = exhaustiveShared(fam.template, members, INVARIANT_NAMES, { ...o, onSearch: (s) => searches.push(s) });
    members.forEach((m, i) => expect(timeless(shared[i])).toEqual(timeless(exhaustiveTemplate({ ...fam.template, strategy: m.strategy }, m.invariants, o))));
    expect(shared.map((rs) => rs[0].verdict)).toEqual(['violated', 'holds']);
    expect(searches.some((s) => s.leader === 'call-all-end-2021' && s.reported.includes('call-all-end-2019'))).toBe(true);
  }, 30_000);
});
