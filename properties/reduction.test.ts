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
import { fingerprint } from '../engine/fingerprint.ts';
import { Resources } from '../engine/reduction.ts';
import { threadSets } from '../engine/threadsets.ts';
import { INVARIANT_NAMES, invariantByName, resolve, step, STRATEGY_NAMES, type ModelState, type Scenario } from '../model/index.ts';

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

describe('a footprint names every part of the state its step wrote', () => {
  // What a step writes is read off the state it returns (engine/reduction.ts): a part it changed
  // and left out would let two conflicting steps look independent. Another thread changed, or a
  // new invalidation id, makes the step "anything".
  const cases: [string, string, string[]][] = [
    ['ab-pair', 'skip-all-end', ['oom_reaper', 'munmap', 'ioctl:B']],
    ['failing-self-undo', 'call-all-end-2021', ['madvise', 'unregister:A', 'fault:B']],
    ['registration-unlocked', 'sorted-undo', ['madvise', 'register:A', 'fault:B']],
    ['interval-and-hlist', 'core-counter', ['munmap', 'fault:A', 'unregister:B']],
  ];
  for (const [id, strategy, threads] of cases)
    it(`${id}, ${strategy}, ${threads.join(',')}`, () => {
      const fam = families.find((f) => f.id === id) as (typeof families)[number];
      const r = resolve({ ...fam.template, strategy, threads });
      if (!r.ok) throw new Error(r.error);
      const { world, state: initial } = r;
      const res = new Resources(initial);
      const seen = new Set([fingerprint(initial).join(':')]);
      const queue: ModelState[] = [initial];
      const written = new Set<string>();
      let checked = 0;
      for (let n = 0; n < queue.length && n < 300; n++) {
        const s = queue[n];
        s.threads.forEach((t, ti) => {
          const x = step(world, s, t.id, false);
          if (x.tag !== 'stepped') return;
          const a = x.state;
          const { fp } = res.footprint(world, s, x, ti);
          const where = `${t.id} from state ${n}`;
          if (a.nextInvId !== s.nextInvId || a.threads.some((u, j) => j !== ti && u !== s.threads[j])) expect(fp.all, where).toBe(true);
          const parts = (['mm', 'subs', 'core', 'lockdep'] as const).filter((k) => a[k] !== s[k]);
          for (const l of Object.keys(s.locks)) if (a.locks[l] !== s.locks[l]) parts.push(`lock:${l}` as never);
          for (const d of Object.keys(s.drivers)) if (a.drivers[d] !== s.drivers[d]) parts.push(`driver:${d}` as never);
          for (const p of parts) {
            expect(res.writes(fp, p), `${where} writes ${p}`).toBe(true);
            expect(res.reads(fp, p), `${where} writes, so reads, ${p}`).toBe(true);
            if (!fp.all) written.add(p);
          }
          checked++;
          const k = fingerprint(a).join(':');
          if (!seen.has(k)) {
            seen.add(k);
            queue.push(a);
          }
        });
      }
      expect(checked).toBeGreaterThan(100);
      // Not vacuous: steps with a footprint of their own wrote parts of the state.
      expect(written.size, [...written].join(', ')).toBeGreaterThan(0);
    });
});
