/**
 * Sweep of every driver preset under every strategy (docs/design.md §3.3–§3.4): the random engine
 * runs all invariants on a one-notifier template, and on a kvm + preset pair, and must finish
 * with a well-formed verdict for each. The expected verdicts live in the matrix tests; this file
 * checks that no preset × strategy combination crashes the engine, that a counterexample's
 * trace has the length it reports, and that the generated thread set really contains the
 * preset's fault handler and ioctl thread in the form the strategy gives it.
 *
 * Budget: the whole file stays well under 20 s on 2 cores (docs/design.md §7 gives npm test 2 min).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateArb, threadsFor, type ScenarioTemplate } from '../engine/arbitraries.ts';
import { searchAll } from '../engine/random.ts';
import type { SearchResult } from '../engine/result.ts';
import { presets } from '../model/index.ts';
import { INVARIANT_NAMES } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import { STRATEGY_NAMES, strategies } from '../model/index.ts';
import type { NotifierSpec } from '../model/index.ts';
import { seed } from './seed.ts';

/** Runs per template: enough to reach faults and ioctls in most schedules, cheap enough for 99 templates. */
const SINGLE_RUNS = 40;
const PAIR_RUNS = 25;
const PAIR_STRATEGIES = ['call-all-end-2021', 'core-counter'];
/** The shortest pass runs (its traces are checked too) on a small budget: lengths are the matrix's business. */
const SWEEP_SHORTEST = 300;

/** A preset with two-pass interval ops runs only on a release that has them (v7.1, docs/kernel.md §2.6). */
const kernelFor = (notifiers: NotifierSpec[]): { kernel?: string } =>
  notifiers.some((n) => presets[n.driver]?.interval?.invalidate_finish !== undefined) ? { kernel: 'v7.1' } : {};

const template = (strategy: string, notifiers: NotifierSpec[]): ScenarioTemplate => ({
  strategy,
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers,
  ...kernelFor(notifiers),
});

/** On a named release, a mainline rule of other releases is refused (docs/kernel.md §11). */
const notItsRelease = (t: ScenarioTemplate, error: string): boolean =>
  t.kernel !== undefined && strategies[t.strategy].mainline !== undefined && error.startsWith(`strategy: ${t.strategy} is mainline's rule`);

/** searchAll's results are well formed: one per invariant, holds or violated, consistent counterexamples. */
const expectWellFormed = (results: readonly SearchResult[]): void => {
  expect(results.map((r) => r.invariant)).toEqual([...INVARIANT_NAMES]);
  for (const r of results) {
    expect(['holds', 'violated'], r.invariant).toContain(r.verdict);
    if (r.verdict === 'holds') {
      expect(r.counterexample, r.invariant).toBeNull();
      continue;
    }
    const ce = r.counterexample;
    expect(ce, `${r.invariant}: violated without a counterexample`).not.toBeNull();
    if (!ce) continue;
    expect(ce.invariant).toBe(r.invariant);
    expect(ce.steps, `${r.invariant}: ${ce.witness}`).toBeGreaterThan(0);
    expect(ce.trace.length, `${r.invariant}: trace length vs steps (${ce.witness})`).toBe(ce.steps);
    expect(ce.witness, r.invariant).not.toBe('');
  }
};

/**
 * The candidate threads contain `fault:<n>` / `ioctl:<n>` exactly when the resolved form of n has
 * that program, and generated candidates actually pick them.
 */
const expectThreadsCover = (t: ScenarioTemplate): void => {
  const r = resolve({ ...t, threads: [] });
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  const threads = threadsFor(t);
  expect(threads).toContain('oom_reaper');
  expect(threads).toContain('munmap');
  const wanted: string[] = [];
  for (const n of t.notifiers) {
    const ops = r.world.ops[n.name];
    expect(threads.includes(`fault:${n.name}`), `fault:${n.name} (${n.driver}, ${ops.form} form)`).toBe(ops.fault !== null);
    expect(threads.includes(`ioctl:${n.name}`), `ioctl:${n.name} (${n.driver})`).toBe(ops.ioctl !== null);
    if (ops.fault) wanted.push(`fault:${n.name}`);
    if (ops.ioctl) wanted.push(`ioctl:${n.name}`);
  }
  // The generator picks them too: some sampled candidate runs each one.
  const sample = fc.sample(candidateArb(t), { seed, numRuns: 100 });
  for (const w of wanted) expect(sample.some((c) => c.threads.includes(w) && c.schedule.includes(w)), `generated candidates with ${w}`).toBe(true);
};

describe(`every preset under every strategy, alone (seed ${seed}, ${SINGLE_RUNS} runs)`, () => {
  for (const driver of Object.keys(presets)) {
    for (const strategy of STRATEGY_NAMES) {
      const t = template(strategy, [{ name: 'A', driver, address: 256 }]);
      const r = resolve({ ...t, threads: [] });
      if (!r.ok && notItsRelease(t, r.error)) {
        it(`${driver} × ${strategy}: not ${t.kernel}'s rule`, () => expect(r.error).toMatch(/^strategy: .* is mainline's rule/));
        continue;
      }
      if (!r.ok) {
        // Only core-counter rejects a preset, and only one without an interval form (docs/design.md §3.3).
        it(`${driver} × ${strategy}: rejected by resolve (no form for this strategy)`, () => {
          expect(strategies[strategy].opsFor(presets[driver])).toBeNull();
          expect(presets[driver].interval).toBeNull();
          expect(r.error).toBe(`notifiers[0].driver: '${driver}' has no interval-notifier form, so it cannot run under ${strategy}`);
        });
        continue;
      }
      it(`${driver} × ${strategy} (${r.world.ops.A.form}): thread candidates cover fault/ioctl; searchAll completes with well-formed verdicts`, () => {
        expectThreadsCover(t);
        let results: SearchResult[] = [];
        expect(() => {
          results = searchAll(t, INVARIANT_NAMES, { seed, numRuns: SINGLE_RUNS, shortest: SWEEP_SHORTEST });
        }).not.toThrow();
        expectWellFormed(results);
      });
    }
  }
});

describe(`kvm (A) + every preset (B) (seed ${seed}, ${PAIR_RUNS} runs)`, () => {
  for (const driver of Object.keys(presets)) {
    for (const strategy of PAIR_STRATEGIES) {
      const t = template(strategy, [
        { name: 'A', driver: 'kvm', address: 256 },
        { name: 'B', driver, address: 512 },
      ]);
      const r = resolve({ ...t, threads: [] });
      if (!r.ok) {
        it(`kvm + ${driver} × ${strategy}: rejected by resolve (no form for this strategy)`, () => {
          expect(strategies[strategy].opsFor(presets[driver])).toBeNull();
          expect(presets[driver].interval).toBeNull();
          expect(r.error).toBe(`notifiers[1].driver: '${driver}' has no interval-notifier form, so it cannot run under ${strategy}`);
        });
        continue;
      }
      it(`kvm + ${driver} × ${strategy}: thread candidates cover fault/ioctl; searchAll completes with well-formed verdicts`, () => {
        expectThreadsCover(t);
        let results: SearchResult[] = [];
        expect(() => {
          results = searchAll(t, INVARIANT_NAMES, { seed, numRuns: PAIR_RUNS, shortest: SWEEP_SHORTEST });
        }).not.toThrow();
        expectWellFormed(results);
      });
    }
  }
});
