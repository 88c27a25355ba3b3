/**
 * The built-in rollback strategies (model/strategies/; docs/kernel.md §5, docs/design.md §3.3):
 * the registry, what each strategy's hooks make the core do at registration, in the start walk
 * and in the undo walk. Written against the mutants StrykerJS left alive in those files (issue
 * #12 item 4).
 *
 * This file imports the model only inside its tests (no top-level import of model/ or of
 * support.ts, which imports it): a mutant that makes a strategy module throw while loading then
 * fails these tests, where a top-level import would leave the file with no test at all, which
 * StrykerJS's vitest runner reports as a surviving mutant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../model/index.ts';

const model = () => import('../model/index.ts');
const support = () => import('./support.ts');

const EXPECTED = ['skip-all-end', 'call-all-end-2019', 'call-all-end-2021', 'reaper-calls-end', 'sorted-undo', 'core-counter'];

describe('the strategy registry (model/strategies/index.ts)', () => {
  it('names each built-in strategy by its own name, in registration order', async () => {
    const { strategies, STRATEGY_NAMES } = await model();
    expect(STRATEGY_NAMES).toEqual(EXPECTED);
    for (const n of EXPECTED) expect(strategies[n].name).toBe(n);
  });

  it('gives each strategy its own title, and a domainRef naming a section of docs/kernel.md §5', async () => {
    const { strategies } = await model();
    const kernel = readFileSync(new URL('../docs/kernel.md', import.meta.url), 'utf8');
    const titles = EXPECTED.map((n) => strategies[n].title);
    expect(titles.every((t) => t.trim().length > 0)).toBe(true);
    expect(new Set(titles).size).toBe(EXPECTED.length);
    const refs = EXPECTED.map((n) => strategies[n].domainRef);
    expect(refs).toEqual(['docs/kernel.md §5.0', 'docs/kernel.md §5.1a', 'docs/kernel.md §5.1c', 'docs/kernel.md §5.1b', 'docs/kernel.md §5.2', 'docs/kernel.md §5.3']);
    for (const ref of refs) {
      const section = ref.replace('docs/kernel.md §', '');
      expect(new RegExp(`^#{3,4} ${section.replace('.', '\\.')} `, 'm').test(kernel), ref).toBe(true);
    }
  });
});

describe('registration: where a classic notifier joins the hlist, and how the step says it (docs/kernel.md §1.4, §5.2)', () => {
  const registering = (strategy: string): Scenario => ({
    strategy, reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }],
    notifiers: [{ name: 'A', driver: 'kvm', address: 100 }, { name: 'B', driver: 'kvm', address: 300 }, { name: 'C', driver: 'kvm', address: 200 }],
    threads: ['register:C'],
  });

  it('mainline: hlist_add_head_rcu, the newest first', async () => {
    const { run } = await model();
    const r = run(registering('skip-all-end'), []);
    expect(r.trace.flatMap((s) => s.events)).toContain('C: hlist_add_head_rcu');
    expect(r.final.subs.map((x) => x.name)).toEqual(['C', 'B', 'A']);
  });

  it('sorted-undo: inserted in address order', async () => {
    const { run } = await model();
    const r = run(registering('sorted-undo'), []);
    expect(r.trace.flatMap((s) => s.events)).toContain('C: insert sorted by address');
    expect(r.final.subs.map((x) => x.name)).toEqual(['A', 'C', 'B']);
  });

  it('each notifier runs in the form the strategy gives it: classic on the hlist, interval in the tree, nouveau both', async () => {
    const { resolve } = await model();
    const sc = (strategy: string): Scenario => ({
      strategy, reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], threads: [],
      notifiers: [{ name: 'K', driver: 'kvm', address: 256 }, { name: 'O', driver: 'odp-5.5', address: 512 }, { name: 'V', driver: 'nouveau-5.5', address: 768 }],
    });
    const forms = (strategy: string) => {
      const r = resolve(sc(strategy));
      if (!r.ok) throw new Error(r.error);
      return Object.fromEntries(r.state.subs.map((x) => [x.name, x.form]));
    };
    expect(forms('call-all-end-2021')).toEqual({ K: 'hlist', O: 'interval', V: 'both' });
    expect(forms('core-counter')).toEqual({ K: 'interval', O: 'interval', V: 'interval' });
  });
});

describe('the start and undo walks, strategy by strategy (docs/kernel.md §5.1a, §5.2)', () => {
  /** One reaper start: who started with what, who got an end in the undo walk, and the verdicts. */
  const walk = async (strategy: string, notifiers: Scenario['notifiers']) => {
    const { factsOf, runWithFacts, times } = await support();
    const r = runWithFacts({ strategy, reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers, threads: ['oom_reaper'] }, times('oom_reaper', 40));
    const first = factsOf(r.facts, 'start_returned')[0].inv;
    return {
      started: factsOf(r.facts, 'start_returned').filter((f) => f.inv === first).map((f) => `${f.sub}=${f.value}`),
      ended: factsOf(r.facts, 'end_called').filter((f) => f.inv === first).map(({ sub, startResult, inUndo, promised }) => ({ sub, startResult, inUndo, promised })),
      verdicts: r.verdicts,
    };
  };
  const generic = (name: string, address: number, nonblockStart: 'never-fails' | 'always-eagain', hasEnd: boolean) =>
    ({ name, driver: 'generic', address, nonblockStart, hasEnd, countsInStart: false });

  it('sorted-undo: the start walk stops at the failing notifier; the undo ends those below it that have an end, passes the others by, and stops at it', async () => {
    // A (kvm) and N (no end) start fine; F fails every non-blocking start and has an end; C is above F.
    const w = await walk('sorted-undo', [
      { name: 'C', driver: 'kvm', address: 768 }, generic('F', 512, 'always-eagain', true), generic('N', 384, 'never-fails', false), { name: 'A', driver: 'kvm', address: 256 },
    ]);
    expect(w.started).toEqual(['A=0', 'N=0', 'F=-11']); // C, above F, is never started
    expect(w.ended).toEqual([{ sub: 'A', startResult: 'ok', inUndo: true, promised: false }]);
    expect(w.verdicts.StartEndPaired).toEqual({ status: 'holds' });
    expect(w.verdicts.NoEndWithoutStart).toEqual({ status: 'holds' });
  });

  it('call-all-end-2019: every notifier with an end gets one, the failing one as a promised end, which NoEndWithoutStart accepts', async () => {
    // F here is odp-4.20: its non-blocking start fails on an intersecting umem, and it has an end.
    const w = await walk('call-all-end-2019', [{ name: 'F', driver: 'odp-4.20', address: 512 }, { name: 'A', driver: 'kvm', address: 256 }]);
    expect(w.started).toEqual(['A=0', 'F=-11']);
    expect(w.ended).toMatchObject([
      { sub: 'A', startResult: 'ok', inUndo: true },
      { sub: 'F', startResult: 'fail', inUndo: true, promised: true },
    ]);
    expect(w.verdicts.NoEndWithoutStart).toEqual({ status: 'holds' });
  });
});
