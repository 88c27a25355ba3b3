/**
 * Reachability goals (model/goals.ts): every goal is reached by some scenario family, every
 * invariant names the situations it is about, and a "holds" that never reached them is vacuous.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { exhaustiveTemplate } from '../engine/threadsets.ts';
import { searchAll } from '../engine/random.ts';
import { vacuous } from '../engine/result.ts';
import { DRIVER_GOAL_NAMES, GOAL_NAMES, invariants, resolve, STRATEGY_NAMES } from '../model/index.ts';
import { seed } from './seed.ts';

describe(`reachability goals (seed ${seed})`, () => {
  it('every invariant is about at least one known goal', () => {
    for (const inv of invariants) {
      expect(inv.about.length, inv.name).toBeGreaterThan(0);
      for (const g of inv.about) expect(GOAL_NAMES, `${inv.name} is about '${g}'`).toContain(g);
    }
  });

  // A driver's own assertions (INV-18) are a driver file's: no preset has one, and
  // properties/driver-asserts.test.ts shows examples/ reaching them.
  it('every goal is reached by some family under some strategy (but the driver files\' own)', () => {
    const reached = new Set<string>();
    for (const fam of families) {
      for (const strategy of STRATEGY_NAMES) {
        const t = { ...fam.template, strategy };
        if (!resolve({ ...t, threads: [] }).ok) continue;
        const [r] = searchAll(t, ['StartReturnContract'], { seed, numRuns: 60 });
        for (const [g, n] of Object.entries(r.goals ?? {})) if (n > 0) reached.add(g);
      }
    }
    expect(GOAL_NAMES.filter((g) => !reached.has(g) && !DRIVER_GOAL_NAMES.includes(g)), 'goals no family reaches').toEqual([]);
  });

  it('a "holds" whose runs never reached its situation is vacuous: StartEndPaired with KVM alone (nothing fails)', () => {
    const t = { strategy: 'skip-all-end', reaper: 'nonblock-per-vma' as const, vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }] };
    const [paired, balanced] = searchAll(t, ['StartEndPaired', 'NoDeadlock'], { seed, numRuns: 200 });
    expect(paired.verdict).toBe('holds');
    expect(paired.goals?.failed_after_another_started).toBe(0);
    expect(vacuous(paired)).toBe(true);
    // The same runs did reach a thread waiting for a lock: NoDeadlock's "holds" is evidence.
    expect(balanced.verdict).toBe('holds');
    expect(vacuous(balanced)).toBe(false);
  });

  it('the exhaustive engine reports its goals too: with KVM alone StartEndPaired is proved only vacuously, NoDeadlock is not', () => {
    const t = { strategy: 'skip-all-end', reaper: 'nonblock-per-vma' as const, vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }] };
    const [paired, deadlock] = exhaustiveTemplate(t, ['StartEndPaired', 'NoDeadlock'], { maxThreads: 2 });
    expect(paired.verdict).toBe('holds');
    expect(paired.goals?.failed_after_another_started).toBe(0);
    expect(vacuous(paired)).toBe(true);
    expect(deadlock.verdict).toBe('holds');
    expect(deadlock.goals?.waited_for_lock).toBeGreaterThan(0);
    expect(vacuous(deadlock)).toBe(false);
    // A reachable goal is reached in the complete search whenever a run reaches it.
    const ab = families.find((f) => f.id === 'ab-pair')!.template;
    const [proved] = exhaustiveTemplate({ ...ab, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'fault:A'] }, ['StartEndPaired']);
    expect(proved.verdict).toBe('holds');
    expect(proved.goals?.failed_after_another_started).toBeGreaterThan(0);
    expect(vacuous(proved)).toBe(false);
  });

  it('the A/B pair reaches "a failure after another notifier started" in most runs that fail at all', () => {
    const ab = families.find((f) => f.id === 'ab-pair')!.template;
    const [r] = searchAll({ ...ab, strategy: 'call-all-end-2021' }, ['StartEndPaired'], { seed, numRuns: 300 });
    expect(r.verdict).toBe('holds');
    expect(r.goals?.failed_after_another_started).toBeGreaterThan(0);
    expect(vacuous(r)).toBe(false);
  });
});
