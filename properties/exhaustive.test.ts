/**
 * Random vs exhaustive agreement on small scenarios (docs/design.md §4): the exhaustive search is
 * the ground truth; the random engine must reach the same verdict, and its shrunk length must
 * equal the exhaustive shortest length. Bounds: 2 threads; depth 40 where a violation is expected, none
 * where everything holds; each search < 1 s.
 */
import { describe, expect, it } from 'vitest';
import { exhaustive, exhaustiveAll } from '../engine/exhaustive.ts';
import { familyById } from '../checks/families.ts';
import { search } from '../engine/random.ts';
import { seed } from './seed.ts';

const ab = familyById('ab-pair')!.template;
const kvmI915 = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }] } as const;

describe(`random agrees with exhaustive (seed ${seed})`, () => {
  it('skip-all-end, A/B with ioctl:B: StartEndPaired shortest is 10 steps, and random shrinks to it', () => {
    // Arrange
    const scenario = { ...ab, strategy: 'skip-all-end', threads: ['oom_reaper', 'ioctl:B'] };
    // Act
    const ex = exhaustive(scenario, 'StartEndPaired', 40);
    const rnd = search(scenario, 'StartEndPaired', { seed, numRuns: 200 });
    // Assert
    expect(ex.verdict).toBe('violated');
    expect(ex.counterexample?.trace).toHaveLength(10);
    expect(ex.counterexample?.schedule.filter((t) => t === 'ioctl:B')).toHaveLength(1); // B's lock taken before B's trylock
    expect(rnd.verdict).toBe('violated');
    expect(rnd.counterexample?.steps).toBe(ex.counterexample?.trace.length);
  });

  it('skip-all-end, reaper alone: 11 steps (B fails on its intersecting umem instead of a busy lock)', () => {
    const scenario = { ...ab, strategy: 'skip-all-end', threads: ['oom_reaper'] };
    const ex = exhaustive(scenario, 'StartEndPaired', 40);
    const rnd = search(scenario, 'StartEndPaired', { seed, numRuns: 50 });
    expect(ex.counterexample?.trace).toHaveLength(11);
    expect(rnd.counterexample?.steps).toBe(11);
  });

  for (const strategy of ['call-all-end-2021', 'core-counter']) {
    it(`${strategy}, kvm + i915-4.19 with reaper and fault:A: pairing and balance hold on every interleaving`, () => {
      const scenario = { ...kvmI915, strategy, threads: ['oom_reaper', 'fault:A'] };
      const invariants = ['StartEndPaired', 'QuiescentBalanced', 'NoDeadlock'];
      // One complete pass (no depth bound): a proof over every reachable state.
      for (const ex of exhaustiveAll(scenario, invariants)) {
        expect(ex.verdict, `${ex.invariant}: ${ex.counterexample?.witness}`).toBe('holds');
        expect(ex.bound).toBeNull();
        expect(ex.states).toBeGreaterThan(100);
      }
      for (const inv of invariants) expect(search(scenario, inv, { seed, numRuns: 200 }).verdict).toBe('holds');
    });
  }
});
