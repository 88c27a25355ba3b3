/**
 * Partial-order reduction (engine/reduction.ts, docs/design.md §4.1) is sound: on small
 * scenarios of every family, under every strategy that can run it, the reduced and the
 * unreduced search reach the same states, take between them the same steps (each one either
 * taken or asleep), and give every invariant the same verdict and the same shortest length.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { explore } from '../engine/exhaustive.ts';
import { threadSets } from '../engine/threadsets.ts';
import { INVARIANT_NAMES, invariantByName, resolve, STRATEGY_NAMES, type Scenario } from '../model/index.ts';

/** Six of the family's thread sets of two threads, spread over its list (tens to hundreds of states each). */
const smallSets = (t: ScenarioTemplate): string[][] => {
  const pairs = threadSets(t, 2).filter((s) => s.length === 2);
  const every = Math.max(1, Math.floor(pairs.length / 6));
  return pairs.filter((_, k) => k % every === 0).slice(0, 6);
};

// An invariant judged on cycles turns the reduction off (docs/design.md §4): judged without them.
const REDUCIBLE = INVARIANT_NAMES.filter((n) => !invariantByName(n)?.onCycle);

const verdicts = (s: Scenario, reduce: boolean) => {
  const { results, stats } = explore(s, REDUCIBLE, { reduce });
  return { stats, verdicts: results.map((r) => `${r.invariant} ${r.verdict}${r.counterexample ? ` ${r.counterexample.steps}` : ''}`) };
};

let prunedAnywhere = 0;

for (const fam of families) {
  describe(fam.id, () => {
    for (const strategy of STRATEGY_NAMES) {
      const template: ScenarioTemplate = { ...fam.template, strategy };
      if (!resolve({ ...template, threads: [] }).ok) continue;
      it(`${strategy}: reduced and unreduced agree on every small thread set`, () => {
        for (const threads of smallSets(template)) {
          const s: Scenario = { ...template, threads };
          const full = verdicts(s, false);
          const por = verdicts(s, true);
          const where = `${strategy} ${threads.join(',')}`;
          expect(por.verdicts, where).toEqual(full.verdicts);
          expect(por.stats.states, where).toBe(full.stats.states);
          expect(full.stats.pruned, where).toBe(0);
          expect(por.stats.transitions + por.stats.pruned, where).toBe(full.stats.transitions);
          prunedAnywhere += por.stats.pruned;
        }
      });
    }
  });
}

describe('the reduction prunes', () => {
  it('some step somewhere (a reduction that never prunes proves nothing about itself)', () => {
    expect(prunedAnywhere).toBeGreaterThan(0);
  });
});
