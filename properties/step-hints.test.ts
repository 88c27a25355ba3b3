/**
 * The hints that let the exhaustive search skip an invariant or a goal on a step (`facts`,
 * `threadKinds`; engine/exhaustive.ts, docs/design.md §4) must never skip one that would have
 * fired: on every step of generated runs of every family under every strategy, an invariant or
 * goal whose hint says "skip" returns nothing there. The hand-written ones matter most
 * (CallerContractAfterFailure's fact kinds, the reaper's thread kind). Checked by hand: dropping
 * end_called from CallerContractAfterFailure's kinds, or giving reaper_gave_up the munmap kind,
 * fails it. A wrong hint on an invariant no sampled run violates (ReaperBounded: the model's
 * reaper is bounded) cannot show here; it would when a change made the invariant fire.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { candidateArb } from '../engine/arbitraries.ts';
import { factMask, GOALS, invariants, mayFire, resolve, runWorld, stepNeeds, STRATEGY_NAMES, threadById, type Invariant } from '../model/index.ts';
import { seed } from './seed.ts';

/** Runs per template: over the ~60 family × strategy templates, a few hundred runs and tens of thousands of steps. */
const RUNS_PER_TEMPLATE = 6;

it(`a step an invariant's or goal's hint skips is one where it finds nothing (seed ${seed})`, () => {
  const hintedInvariants = invariants.filter((i) => i.onStep && (i.facts || i.threadKinds));
  const hintedGoals = GOALS.filter((g) => g.facts || g.threadKinds);
  // Per hinted invariant or goal: the skipped steps checked (each must be > 0, or this proved nothing).
  const checked = new Map<string, number>([...hintedInvariants, ...hintedGoals].map((h) => [h.name, 0]));
  const invNeeds = hintedInvariants.map((inv) => ({ inv, needs: stepNeeds(inv) }));
  const goalNeeds = hintedGoals.map((g) => ({ g, needs: stepNeeds(g) }));
  let steps = 0;
  // Collected, then asserted once: an expect per skipped step was most of this test's time.
  const fired: string[] = [];
  let firings = 0;
  const fire = (what: string) => {
    if (firings++ < 20) fired.push(what);
  };
  for (const fam of families) {
    for (const strategy of STRATEGY_NAMES) {
      const t = { ...fam.template, strategy };
      if (!resolve({ ...t, threads: [] }).ok) continue;
      for (const c of fc.sample(candidateArb(t, 40), { seed, numRuns: RUNS_PER_TEMPLATE })) {
        const r = resolve({ ...t, threads: c.threads });
        if (!r.ok) continue;
        const { world } = r;
        runWorld(world, r.state, c.schedule, {
          record: false,
          onStep: (step, before) => {
            steps++;
            // What the searches skip (model/hints.ts), asked exactly as they ask it.
            const facts = factMask(step.facts);
            const kind = threadById(step.state, step.thread)!.kind;
            for (const { inv, needs } of invNeeds) {
              if (mayFire(needs, facts, kind)) continue;
              checked.set(inv.name, (checked.get(inv.name) ?? 0) + 1);
              const w = (inv.onStep as NonNullable<Invariant['onStep']>)({ world, after: step.state, step });
              if (w !== null) fire(`${inv.name} fired on a step its hint skips: ${strategy} × ${fam.id}, ${step.thread} with facts [${step.facts.map((f) => f.fact).join(', ')}]: ${w}`);
            }
            for (const { g, needs } of goalNeeds) {
              if (mayFire(needs, facts, kind)) continue;
              checked.set(g.name, (checked.get(g.name) ?? 0) + 1);
              if (g.reached({ world, before, after: step.state, step })) fire(`goal ${g.name} reached on a step its hint skips: ${strategy} × ${fam.id}, ${step.thread}`);
            }
          },
        });
      }
    }
  }
  expect(fired, `${firings} in all (the first 20 shown)`).toEqual([]);
  expect(hintedInvariants.length + hintedGoals.length).toBeGreaterThan(0);
  expect(steps, 'steps checked').toBeGreaterThan(10_000);
  for (const [name, n] of checked) expect(n, `${name}: no step its hint skips was checked`).toBeGreaterThan(0);
});
