/**
 * Adding a thread never removes behaviour (docs/kernel.md §1.6): a thread that has not taken its
 * first step is invisible to every other thread. Metamorphic: every saved counterexample, and a
 * sample of random runs over the families, replays step for step — same labels, events,
 * diagnostics, and the same verdict of every invariant at every step (and at the end) — when any
 * other thread the scenario allows is added and never scheduled. The exceptions are the ones
 * docs/kernel.md §1.6 lists: a thread holding mm_users beside exit_mmap, a registration (which
 * makes its notifier start unregistered), the OOM reaper (which makes the mm an OOM victim), and
 * the reaper's sleep between attempts, which ends only once no other thread can step: there the
 * comparison stops (counted, and bounded below).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { parseCase } from '../engine/case-format.ts';
import { candidateArb, threadsFor } from '../engine/arbitraries.ts';
import { runCandidate } from '../engine/judge.ts';
import { holdsMmUsers, invariantByName, invariants, resolve, step, STRATEGY_NAMES, threadKind, type Invariant, type Scenario, type TraceStep } from '../model/index.ts';
import { seed } from './seed.ts';

/** The threads that may be added idle to `sc` (docs/kernel.md §1.6 names the exceptions). */
const idleExtras = (sc: Scenario): string[] => {
  const all = ['oom_reaper', 'munmap', 'madvise', 'exit_mmap', ...sc.notifiers.flatMap((n) => [`fault:${n.name}`, `ioctl:${n.name}`, `unregister:${n.name}`])];
  return all.filter((x) => {
    if (sc.threads.includes(x)) return false;
    const k = threadKind(x)?.kind;
    // A registration makes its notifier start unregistered; the reaper's thread makes the mm an OOM victim (§1.6).
    if (k === undefined || k === 'register' || k === 'oom_reaper') return false;
    if (holdsMmUsers(k) && sc.threads.includes('exit_mmap')) return false; // exit_mmap waits for it (§1.6)
    if (x === 'exit_mmap' && sc.threads.some((t) => holdsMmUsers(threadKind(t)?.kind ?? 'oom_reaper'))) return false;
    return true;
  });
};

/**
 * Re-run `trace`'s thread sequence on `sc` with `extra` added and never scheduled: the first
 * difference from the run without it (label, events, diagnostics, a step that no longer steps,
 * a verdict that changes), or null. `stuck` at the end is judged over the scenario's own threads.
 */
const idleDifference = (sc: Scenario, trace: readonly TraceStep[], judged: readonly Invariant[], extra: string): string | null => {
  const a = resolve(sc);
  const b = resolve({ ...sc, threads: [...sc.threads, extra] });
  if (!a.ok) return `the scenario does not resolve: ${a.error}`;
  if (!b.ok) return null; // the scenario refuses the extra thread: nothing to compare
  let sa = a.state;
  let sb = b.state;
  for (let i = 0; i < trace.length; i++) {
    const th = trace[i].thread;
    const ra = step(a.world, sa, th, true);
    const rb = step(b.world, sb, th, true);
    if (ra.tag !== 'stepped') return `step ${i + 1}: ${th} does not step without ${extra} either (${ra.tag})`;
    // The reaper's sleep ends only once no other thread can step, started or not (§1.6's exception): from here the runs part.
    if (rb.tag === 'blocked' && rb.blocker.on === 'timeout') {
      timerPartings++;
      return null;
    }
    if (rb.tag !== 'stepped') return `step ${i + 1}: ${th} ${rb.tag === 'blocked' ? `is blocked (${JSON.stringify(rb.blocker)})` : 'has finished'} once ${extra} exists`;
    if (ra.label !== rb.label) return `step ${i + 1}: '${ra.label}' becomes '${rb.label}'`;
    if (JSON.stringify(ra.events) !== JSON.stringify(rb.events)) return `step ${i + 1} (${ra.label}): events ${JSON.stringify(ra.events)} become ${JSON.stringify(rb.events)}`;
    if (JSON.stringify(ra.diagnostics) !== JSON.stringify(rb.diagnostics)) return `step ${i + 1}: diagnostics differ`;
    for (const inv of judged) {
      if (!inv.onStep) continue;
      const wa = inv.onStep({ world: a.world, after: ra.state, step: ra });
      const wb = inv.onStep({ world: b.world, after: rb.state, step: rb });
      if (wa !== wb) return `step ${i + 1}: ${inv.name} says ${JSON.stringify(wa)} alone, ${JSON.stringify(wb)} with ${extra}`;
    }
    sa = ra.state;
    sb = rb.state;
  }
  const stuck = (s: typeof sa) => s.threads.some((t) => sc.threads.includes(t.id) && !t.done);
  for (const inv of judged) {
    if (!inv.atEnd) continue;
    const wa = inv.atEnd({ world: a.world, state: sa, stuck: stuck(sa), exhausted: false });
    const wb = inv.atEnd({ world: b.world, state: sb, stuck: stuck(sb), exhausted: false });
    if (wa !== wb) return `at the end: ${inv.name} says ${JSON.stringify(wa)} alone, ${JSON.stringify(wb)} with ${extra}`;
  }
  return null;
};

/** How often the comparison stopped at the reaper's sleep (the exception): counted, so that it cannot be most of them. */
let timerPartings = 0;
let comparisons = 0;

const dir = 'shrunk-cases';
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('a thread that has not started is invisible: every saved case replays the same with any other thread added idle', () => {
  let compared = 0;
  for (const f of files) {
    it(f, () => {
      const loaded = parseCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      if (!loaded.ok) return expect.fail(`${f}: ${loaded.error}`);
      const c = loaded.value;
      const sc = c.scenario as Scenario;
      const inv = invariantByName(c.expect.invariant);
      expect(inv).toBeDefined();
      const extras = idleExtras(sc);
      comparisons += extras.length;
      const problems = extras.map((x) => [x, idleDifference(sc, c.trace, [inv as Invariant], x)] as const).filter(([, d]) => d !== null);
      expect(problems.map(([x, d]) => `+${x}: ${d}`)).toEqual([]);
      compared += extras.length;
    });
  }
  it('compared the cases with some added thread (a corpus where nothing could be added would prove nothing), most of them to the end', () => {
    expect(compared).toBeGreaterThan(files.length);
    expect(timerPartings).toBeLessThan(comparisons / 2);
  });
});

describe('a thread that has not started is invisible: random runs of every family', () => {
  for (const fam of families) {
    it(`${fam.id}: every step and every invariant's verdict are the same with any other thread added idle`, () => {
      // The strategies that can run the family's drivers, each with candidates from the family's own generator.
      const runnable = STRATEGY_NAMES.filter((strategy) => fam.template.threads !== undefined || threadsFor({ ...fam.template, strategy }).length > 0);
      expect(runnable.length).toBeGreaterThan(0);
      const arb = fc.constantFrom(...runnable).chain((strategy) => candidateArb({ ...fam.template, strategy }, 30).map((cand) => ({ strategy, cand })));
      fc.assert(
        fc.property(arb, ({ strategy, cand }) => {
          const t = { ...fam.template, strategy };
          const sc = { ...t, threads: [...cand.threads] } as Scenario;
          expect(resolve(sc).ok).toBe(true);
          const report = runCandidate(t, invariants, cand, { record: true });
          const extras = idleExtras(sc).filter((x) => threadsFor(t).includes(x));
          for (const x of extras) {
            const d = idleDifference(sc, report.trace, invariants, x);
            if (d !== null) throw new Error(`${strategy} × ${fam.id}, threads ${cand.threads.join(',')} +${x} idle: ${d}`);
          }
        }),
        { seed, numRuns: 12 },
      );
    });
  }
});
