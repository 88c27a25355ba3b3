/**
 * Liveness on cycles (docs/design.md §3.5, §4; engine/lasso.ts): a driver callback that loops
 * forever is a NoDeadlock violation with a lasso, in both engines; the lasso is saved, replayed
 * and checked (a tampered one is refused); an unfair cycle is not reported, nor is the seed A/B
 * pair's mutex contention (a lock is handed to its waiter); a drain that hits its bound is a
 * livelock only when a fair cycle confirms it.
 */
import { describe, expect, it } from 'vitest';
import { parseCase, toCase, type SavedCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { catalogueWith, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { explore } from '../engine/exhaustive.ts';
import { exactKey } from '../engine/fingerprint.ts';
import { confirmDrain } from '../engine/judge.ts';
import { lassoProblem, runPath } from '../engine/lasso.ts';
import { searchAll } from '../engine/random.ts';
import type { Counterexample } from '../engine/result.ts';
import { threadSets } from '../engine/threadsets.ts';
import { checkJson, checkMail, checkText } from '../report/check.ts';
import { mermaid } from '../report/mermaid.ts';
import { NoDeadlock, resolve, runWorld, step, type Scenario } from '../model/index.ts';

const driver = (d: Omit<DriverFile, 'format' | 'era' | 'summary' | 'source' | 'interval' | 'ioctl'> & Partial<DriverFile>): DriverFile => {
  const r = parseDriverFile({ format: 'mmu-notifier-checker/driver@1', era: 'test', summary: 'a test driver', source: 'none', interval: null, ioctl: null, ...d });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
};

/** invalidate_range_start spins forever. */
const LOOPER = driver({ driver: 'LOOPER', locks: {}, counters: {}, hlist: { invalidate_range_start: [':l', { op: 'jump', to: 'l' }], invalidate_range_end: null, fault: null } });
/** invalidate_range_start spins while c is nonzero; the ioctl raises c, then lowers it. */
const SPIN = driver({
  driver: 'SPIN',
  locks: {},
  counters: { c: { balanced: false } },
  hlist: { invalidate_range_start: [':l', { op: 'jump', to: 'l', if: { is: 'nonzero', counter: 'c' } }, { op: 'ret', value: 0 }], invalidate_range_end: null, fault: null },
  ioctl: [{ op: 'add', counter: 'c', delta: 1 }, { op: 'add', counter: 'c', delta: -1 }, { op: 'ret', value: 0 }],
});
const catalogue = catalogueWith([LOOPER, SPIN]);

const base = { strategy: 'skip-all-end', reaper: 'nonblock-per-vma' as const, vmas: [{ start: 0, end: 4 }] };
const looping: Scenario = { ...base, notifiers: [{ name: 'A', driver: 'LOOPER', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }], threads: ['oom_reaper', 'ioctl:B'] };
const spinning: Scenario = { ...base, notifiers: [{ name: 'A', driver: 'SPIN', address: 256 }], threads: ['oom_reaper', 'ioctl:A'] };

/** The lasso re-run from the scenario's initial state, and what lassoProblem says of it. */
const recheck = (cx: Counterexample) => {
  const r = resolve(cx.scenario, catalogue);
  if (!r.ok) throw new Error(r.error);
  const from = cx.cycle?.from ?? -1;
  const ran = runPath(r.world, r.state, cx.schedule, from);
  if ('failedAt' in ran) throw new Error(`step ${ran.failedAt} did not step`);
  return { ran, problem: lassoProblem(r.world, ran, from) };
};

const exhaustiveLasso = (): Counterexample => {
  const [res] = explore(looping, ['NoDeadlock'], { catalogue }).results;
  expect(res.verdict).toBe('violated');
  return res.counterexample as Counterexample;
};

describe('a callback that loops forever', () => {
  it('the exhaustive engine: NoDeadlock violated by a lasso naming the looping thread', () => {
    const cx = exhaustiveLasso();
    expect(cx.cycle).toBeDefined();
    expect(cx.witness).toMatch(/^livelock: oom_reaper repeats A\.invalidate_range_start: goto l forever; ioctl:B /);
    const from = cx.cycle?.from as number;
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThan(cx.trace.length);
    expect(cx.trace.slice(from).map((s) => `${s.thread} ${s.action}`)).toEqual(['oom_reaper A.invalidate_range_start: goto l']);
    expect(cx.schedule).toEqual(cx.trace.map((s) => s.thread));
    expect(cx.trace.some((s) => s.drain)).toBe(false);
    const { ran, problem } = recheck(cx);
    expect(problem).toBeNull();
    expect(exactKey(ran.last)).toBe(exactKey(ran.cycleStates[0]));
  });

  it('the random engine: the drain that hits its bound is confirmed by the same kind of lasso', () => {
    const [res] = searchAll({ ...looping }, ['NoDeadlock'], { seed: 42, numRuns: 20, catalogue, shortest: 0 });
    expect(res.verdict).toBe('violated');
    const cx = res.counterexample as Counterexample;
    expect(cx.cycle).toBeDefined();
    expect(cx.witness).toMatch(/^livelock: oom_reaper repeats A\.invalidate_range_start: goto l forever/);
    // Cut at the first visit of the cycle's start: not the 4,000 drain steps.
    expect(cx.steps).toBeLessThan(20);
    expect(recheck(cx).problem).toBeNull();
  });

  it('is printed with the cycle under "repeats forever:" (text, mail, Mermaid) and carried in JSON', () => {
    const cx = exhaustiveLasso();
    const result = { engine: 'exhaustive' as const, invariant: 'NoDeadlock', verdict: 'violated' as const, states: 1, depth: cx.steps, ms: 0, counterexample: cx, bound: null };
    const how = { seed: 42, runs: 0, exhaustive: true, notifiers: 'A=LOOPER,B=odp-4.20' };
    const text = checkText([{ strategy: 'skip-all-end', result, file: null }], how);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.trim() === 'repeats forever:');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(new RegExp(`^${cx.steps}\\s+A\\.invalidate_range_start: goto l`));
    expect(checkMail([{ strategy: 'skip-all-end', result, file: null }], how, catalogue)).toContain('-- repeats forever: --');
    expect(mermaid(cx.trace, cx.cycle?.from)).toMatch(/loop repeats forever\n {2}oom_reaper->>N_A: invalidate_range_start: goto l\n {2}end$/);
    const json = JSON.parse(checkJson([{ strategy: 'skip-all-end', result, file: null }], 42));
    expect(json.results[0].counterexample.cycle).toEqual(cx.cycle);
  });
});

describe('a saved lasso', () => {
  const saved = (): SavedCase => {
    const c = parseCase(JSON.parse(JSON.stringify(toCase(exhaustiveLasso(), [LOOPER]))));
    if (!c.ok) throw new Error(c.error);
    return c.value;
  };

  it('replays: the schedule, the trace, back to the cycle start, a fair cycle, the same witness', () => {
    const c = saved();
    expect(c.cycle).toEqual({ from: c.schedule.length - 1 });
    const out = replayCase(c, undefined, catalogue);
    expect(out.kind).toBe('reproduced');
    if (out.kind === 'reproduced') expect(out.cycleFrom).toBe(c.cycle?.from);
  });

  it('a tampered lasso is refused', () => {
    const c = saved();
    // The cycle moved one step earlier: the state after it is not the state it starts in.
    const moved = replayCase({ ...c, cycle: { from: (c.cycle?.from as number) - 1 } }, undefined, catalogue);
    expect(moved).toMatchObject({ kind: 'drift', field: 'cycle' });
    // One more turn of the loop recorded as the cycle's start: still a fair lasso, but the trace no longer fits.
    const longer = replayCase({ ...c, schedule: [...c.schedule, 'oom_reaper'] }, undefined, catalogue);
    expect(longer).toMatchObject({ kind: 'drift', field: 'trace length' });
    // A prefix step dropped: the recorded steps differ.
    expect(replayCase({ ...c, schedule: c.schedule.slice(1), trace: c.trace.slice(1), cycle: { from: (c.cycle?.from as number) - 1 } }, undefined, catalogue).kind).toBe('drift');
    // A cycle that starts after the last step is no cycle: the file is refused as it is read.
    const empty = parseCase(JSON.parse(JSON.stringify({ ...c, cycle: { from: c.schedule.length } })));
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error).toMatch(/^cycle\.from: /);
  });

  it('an unfair cycle is refused by the replay', () => {
    // The SPIN reaper spins while the ioctl, enabled throughout, never steps.
    const r = resolve(spinning, catalogue);
    if (!r.ok) throw new Error(r.error);
    const prefix = ['ioctl:A', 'oom_reaper', 'oom_reaper', 'oom_reaper'];
    const ran = runPath(r.world, r.state, [...prefix, 'oom_reaper'], prefix.length);
    if ('failedAt' in ran) throw new Error(`step ${ran.failedAt} did not step`);
    expect(exactKey(ran.last)).toBe(exactKey(ran.cycleStates[0])); // a cycle, but
    expect(lassoProblem(r.world, ran, prefix.length)).toMatch(/^the cycle is unfair: ioctl:A is enabled in every state of it and never steps/);
  });
});

describe('the cost is paid only by searches that judge cycles', () => {
  it('with NoDeadlock the search records edges and takes every transition; without it, it keeps the reduction', () => {
    const ab = { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }], threads: ['oom_reaper', 'madvise'] };
    const withCycles = explore(ab, ['NoDeadlock', 'LockOrder'], { stopWhen: [] }).stats;
    const without = explore(ab, ['LockOrder'], { stopWhen: [] }).stats;
    expect([withCycles.cycles, withCycles.pruned]).toEqual([true, 0]);
    expect(without.cycles).toBe(false);
    expect(without.pruned).toBeGreaterThan(0);
    expect(without.states).toBe(withCycles.states);
    expect(without.transitions + without.pruned).toBe(withCycles.transitions);
    expect(without.tableBytes).toBeLessThan(withCycles.tableBytes);
  });
});

describe('fairness', () => {
  it('a cycle in which a thread stays enabled and never steps is not a livelock', () => {
    const r = resolve(spinning, catalogue);
    if (!r.ok) throw new Error(r.error);
    // The reaper spinning on c = 1 returns to the same state: a cycle exists.
    let s = r.state;
    for (const th of ['ioctl:A', 'oom_reaper', 'oom_reaper', 'oom_reaper']) {
      const res = step(r.world, s, th, false);
      if (res.tag !== 'stepped') throw new Error(`${th} did not step`);
      s = res.state;
    }
    const again = step(r.world, s, 'oom_reaper', false);
    expect(again.tag === 'stepped' && exactKey(again.state) === exactKey(s)).toBe(true);
    const [res] = explore(spinning, ['NoDeadlock'], { catalogue }).results;
    expect(res.verdict).toBe('holds');
    expect(res.counterexample).toBeNull();
  });

  it('a drain that hits its bound without a fair cycle is no livelock', () => {
    const r = resolve(spinning, catalogue);
    if (!r.ok) throw new Error(r.error);
    // A drain bound of 3 stops the run with the reaper spinning: the confirmation finds no fair cycle.
    const report = runWorld(r.world, r.state, ['ioctl:A'], { invariants: [NoDeadlock], drainBound: 3 });
    expect(report.exhausted).toBe(true);
    expect(confirmDrain(spinning, r.world, r.state, report, [NoDeadlock], catalogue).verdicts.NoDeadlock.status).toBe('holds');
    // The looping driver's is confirmed, with a lasso path.
    const l = resolve(looping, catalogue);
    if (!l.ok) throw new Error(l.error);
    const looped = runWorld(l.world, l.state, [], { invariants: [NoDeadlock], drainBound: 50 });
    const v = confirmDrain(looping, l.world, l.state, looped, [NoDeadlock], catalogue).verdicts.NoDeadlock;
    expect(v).toMatchObject({ status: 'violated' });
    if (v.status === 'violated') expect(v.cycleFrom).toBeDefined();
  });

  it('the seed A/B pair (skip-all-end, kvm,odp-4.20) reports no livelock: a lock freed under its waiter is handed to it', () => {
    const t = { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }] };
    // madvise,fault:B: the fault takes and drops B.umem_mutex while retrying and madvise, waiting
    // for it, is offered it at every drop: weakly fair, but no kernel mutex starves its waiter.
    const lassos = threadSets(t, 2).flatMap((threads) => {
      const [res] = explore({ ...t, threads }, ['NoDeadlock']).results;
      return res.counterexample?.cycle ? [`${threads.join(',')}: ${res.counterexample.witness}`] : [];
    });
    expect(lassos).toEqual([]);
    const [random] = searchAll(t, ['NoDeadlock'], { seed: 42, numRuns: 300, shortest: 0 });
    expect(random.counterexample?.witness ?? '').not.toMatch(/^livelock/);
  });
});
