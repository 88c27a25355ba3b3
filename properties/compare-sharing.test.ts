/**
 * Proofs shared between strategies (engine/share.ts): compare with sharing gives the cells it
 * gives with each strategy proved alone (timings aside), on a family whose oom_reaper sets make
 * the two call-all-end rules answer the undo hook differently (so some sets are not shared) and
 * whose other sets call no hook (so some are). Without the agreement check, call-all-end-2021
 * would take call-all-end-2019's proof of NoEndWithoutStart (2019 promises its end to a failed
 * start; 2021 calls it unpromised).
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
  it('failing-expects-end, call-all-end-2019 and -2021, sets of up to 2 threads: shared where they agree, searched again where not', () => {
    const fam = familyById('failing-expects-end') as FamilyTemplate;
    const strategies = ['call-all-end-2019', 'call-all-end-2021'];
    const o = { seed, runs: 20, proof: { maxThreads: 2, maxStates: 100_000 } };
    const searches: SharedSearch[] = [];
    const shared = compare(strategies, INVARIANT_NAMES, [fam], { ...o, onShared: (_f, s) => searches.push(s) });
    const alone = compare(strategies, INVARIANT_NAMES, [fam], { ...o, share: false });
    expect(timeless(shared)).toEqual(timeless(alone));
    // Not vacuous: some set was shared, and on some the undo hook told them apart.
    expect(searches.some((s) => s.agreed.includes('call-all-end-2021'))).toBe(true);
    const apart = searches.filter((s) => s.disagreed.includes('call-all-end-2021'));
    expect(apart.length).toBeGreaterThan(0);
    expect(apart.every((s) => s.threads.includes('oom_reaper'))).toBe(true);
    // A set told apart is searched again under call-all-end-2021 itself.
    for (const s of apart) expect(searches.some((x) => x.leader === 'call-all-end-2021' && x.threads.join() === s.threads.join())).toBe(true);
    // The cells this depends on: 2019 keeps NoEndWithoutStart, 2021 breaks it.
    const cell = (st: string) => shared.find((c) => c.strategy === st && c.invariant === 'NoEndWithoutStart');
    expect([cell('call-all-end-2019')?.verdict, cell('call-all-end-2021')?.verdict]).toEqual(['holds', 'violated']);
  }, 30_000);
});

describe('a shared proof gives each member the results it gets alone', () => {
  it('failing-expects-end, call-all-end-2019 and -2021, every invariant, sets of up to 2 threads: results and counterexamples (their scenario names the member)', () => {
    const fam = familyById('failing-expects-end') as FamilyTemplate;
    const members = ['call-all-end-2019', 'call-all-end-2021'].map((strategy) => ({ strategy, invariants: INVARIANT_NAMES }));
    const o = { proofKey: true, maxThreads: 2, maxStates: 100_000 };
    const searches: SharedSearch[] = [];
    const shared = exhaustiveShared(fam.template, members, INVARIANT_NAMES, { ...o, onSearch: (s) => searches.push(s) });
    // A violated result's `states` may be another member's re-search's (engine/share.ts); the rest is the member's own.
    const own = (rs: readonly unknown[]) => (timeless(rs) as { verdict: string; states?: number }[]).map((r) => (r.verdict === 'violated' ? { ...r, states: undefined } : r));
    members.forEach((m, i) => expect(own(shared[i])).toEqual(own(exhaustiveTemplate({ ...fam.template, strategy: m.strategy }, m.invariants, o))));
    // Not vacuous: call-all-end-2021 keeps a counterexample from a set call-all-end-2019 led.
    const led = new Set(searches.filter((s) => s.leader === 'call-all-end-2019' && s.agreed.includes('call-all-end-2021')).map((s) => s.threads.join()));
    expect(shared[1].some((r) => r.counterexample && led.has(r.counterexample.scenario.threads.join()))).toBe(true);
  }, 30_000);
});
