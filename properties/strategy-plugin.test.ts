/**
 * A strategy is hooks the core calls (docs/design.md §3.3): this file defines one that exists
 * nowhere else — the start walk stops at the first failure and nothing is undone — and runs it
 * through `npm run check`'s own code path (engine/check.ts) with a catalogue that adds it.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../engine/check.ts';
import { BUILTIN, MAINLINE_2018, type Catalogue, type RollbackStrategy } from '../model/index.ts';
import { seed } from './seed.ts';
import { factsOf, notifier, runWithFacts, scenario, times } from './support.ts';

const stopUndoNothing: RollbackStrategy = {
  ...MAINLINE_2018,
  name: 'stop-undo-nothing',
  title: 'stop at the first failure, undo nothing (test-only)',
  domainRef: 'docs/kernel.md §5 (a strawman between §5.0 and §5.2)',
  afterFailedStart: () => 'stop',
  undo: () => 'stop',
};

const catalogue: Catalogue = { ...BUILTIN, strategies: { ...BUILTIN.strategies, [stopUndoNothing.name]: stopUndoNothing } };

// hlist_add_head_rcu: the notifier registered last is walked first (docs/kernel.md §1.4).
const template = (order: 'failing-first' | 'failing-second') => ({
  strategy: stopUndoNothing.name,
  reaper: 'nonblock-per-vma' as const,
  vmas: [{ start: 0, end: 4 }],
  notifiers:
    order === 'failing-first'
      ? [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }]
      : [{ name: 'B', driver: 'i915-4.19', address: 512 }, { name: 'A', driver: 'kvm', address: 256 }],
  threads: ['oom_reaper', 'fault:B'],
});

describe(`a strategy defined in a test file, through check's code path (seed ${seed})`, () => {
  it('is unknown to the built-in catalogue', () => {
    expect(() => check([template('failing-first')], { invariants: ['StartEndPaired'], seed, runs: 10 })).toThrow(/strategy: unknown 'stop-undo-nothing'/);
  });

  it('pairs every start when the failing notifier is walked first: the walk stops before KVM starts', () => {
    const [r] = check([template('failing-first')], { invariants: ['StartEndPaired'], seed, runs: 300, catalogue });
    expect(r.strategy).toBe('stop-undo-nothing');
    expect(r.result.verdict).toBe('holds');
    // Not vacuous: on the same runs, skip-all-end (which walks on after B fails) loses KVM's end.
    const [mainline] = check([{ ...template('failing-first'), strategy: 'skip-all-end' }], { invariants: ['StartEndPaired'], seed, runs: 300, catalogue });
    expect(mainline.result.verdict).toBe('violated');
  });

  it('loses KVM\'s end when KVM is walked first: StartEndPaired, with a shrunk counterexample', () => {
    const [r] = check([template('failing-second')], { invariants: ['StartEndPaired'], seed, runs: 300, catalogue });
    expect(r.result.verdict).toBe('violated');
    const cx = r.result.counterexample;
    expect(cx?.witness).toMatch(/^A\.invalidate_range_start returned 0 in invalidation #\d+ \(oom_reaper, \[0,4\), nonblock\) but A got 0 ends$/);
    // B's start ran after A's and failed; the walk stopped there and no end was called.
    const events = cx?.trace.flatMap((s) => s.events) ?? [];
    expect(events).toContain('A.invalidate_range_start -> 0');
    expect(events).toContain('B.invalidate_range_start -> -EAGAIN');
    expect(events.some((e) => e.endsWith('.invalidate_range_end -> 0'))).toBe(false);
  });

  it('the exhaustive engine agrees and gives the shortest counterexample', () => {
    const [r] = check([template('failing-second')], { invariants: ['StartEndPaired'], seed, runs: 0, exhaustive: true, depth: 40, catalogue });
    expect(r.result.engine).toBe('exhaustive');
    expect(r.result.verdict).toBe('violated');
    const [rnd] = check([template('failing-second')], { invariants: ['StartEndPaired'], seed, runs: 300, catalogue });
    expect(rnd.result.counterexample?.steps).toBeGreaterThanOrEqual(r.result.counterexample?.steps ?? Infinity);
  });
});

// The built-in strategies' walks, seen in one reaper run: kvm A@256 (never fails), odp-4.20
// B@512 (fails a non-blocking start), kvm C@768 (docs/kernel.md §5.0–§5.2).
describe('what each strategy starts and undoes when the middle notifier fails', () => {
  const walk = (strategy: string) => {
    const sc = scenario({ strategy, reaper: 'nonblock-per-vma', notifiers: [notifier('C', 'kvm', 768), notifier('B', 'odp-4.20', 512), notifier('A', 'kvm', 256)], threads: ['oom_reaper'] });
    const r = runWithFacts(sc, times('oom_reaper', 60));
    const first = factsOf(r.facts, 'start_returned')[0].inv;
    return {
      started: factsOf(r.facts, 'start_returned').filter((f) => f.inv === first).map((f) => `${f.sub}=${f.value}`),
      ended: factsOf(r.facts, 'end_called').filter((f) => f.inv === first).map((f) => `${f.sub}${f.inUndo ? ' (undo)' : ''}`),
    };
  };

  it('sorted-undo: the walk runs in address order, stops at B, and ends only the notifiers below B (§5.2)', () => {
    expect(walk('sorted-undo')).toEqual({ started: ['A=0', 'B=-11'], ended: ['A (undo)'] });
  });

  it('skip-all-end: every start is called, no end (§5.0)', () => {
    expect(walk('skip-all-end').started.map((s) => s[0]).sort()).toEqual(['A', 'B', 'C']);
    expect(walk('skip-all-end').ended).toEqual([]);
  });
});
