/**
 * FaultLiveness (INV-14) judged on fair cycles (docs/kernel.md §8 INV-14, docs/design.md §3.5;
 * engine/lasso.ts): a fault that retries forever with no invalidation started or in progress is
 * a lasso whose cycle is its spin at the retry; a collision that the reaper's next attempt ends
 * (it reaps, and the fault fails on MMF_UNSTABLE) or that an open invalidation explains is not
 * reported; each cycle search looks for a cycle in its invariant's scope, not the first fair one.
 */
import { describe, expect, it } from 'vitest';
import { parseCase, toCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { catalogueWith, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { explore } from '../engine/exhaustive.ts';
import { cycleContext, EdgeGraph, lassoProblem, runPath } from '../engine/lasso.ts';
import { search } from '../engine/random.ts';
import type { Counterexample } from '../engine/result.ts';
import { FaultLiveness, NoDeadlock, QuiescentBalanced, resolve, run, type Catalogue, type Scenario } from '../model/index.ts';
import { seed } from './seed.ts';

const base = { reaper: 'nonblock-per-vma' as const, vmas: [{ start: 0, end: 4 }] };
/** kvm + gntdev under the v4.19–v5.11 rule: gntdev fails every non-blocking start, and A's end is lost each time, until the reaper gives up. */
const gntdev: Scenario = { ...base, strategy: 'skip-all-end', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'gntdev', address: 512 }], threads: ['oom_reaper', 'fault:A'] };
/** kvm + hmm-5.2: the reaper's first attempt loses A's end, but its next one reaps. */
const hmm52: Scenario = { ...base, strategy: 'skip-all-end', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'hmm-5.2', address: 512 }], threads: ['oom_reaper', 'fault:A', 'ioctl:B'] };

/** The lasso re-run from the initial state: lassoProblem's verdict, and the state its cycle starts in. */
const recheck = (cx: Counterexample, catalogue?: Catalogue) => {
  const r = resolve(cx.scenario, catalogue);
  if (!r.ok) throw new Error(r.error);
  const from = cx.cycle?.from ?? -1;
  const ran = runPath(r.world, r.state, cx.schedule, from);
  if ('failedAt' in ran) throw new Error(`step ${ran.failedAt} did not step`);
  return { problem: lassoProblem(r.world, ran, from), start: ran.cycleStates[0] };
};

describe('a lost end the reaper never makes up for: a lasso', () => {
  const exhaustive = () => explore(gntdev, ['FaultLiveness', 'NoDeadlock']).results;

  it('the exhaustive engine (kvm + gntdev, oom_reaper,fault:A): the fault spins forever once the reaper gave up, with no invalidation open', () => {
    const [fl, nd] = exhaustive();
    expect(fl.verdict).toBe('violated');
    const cx = fl.counterexample as Counterexample;
    expect(cx.cycle).toBeDefined();
    expect(cx.witness).toMatch(/^fault:A retries forever with no invalidation started or in progress: A's collision marker is stuck \(A\.mmu_invalidate_in_progress = 10/);
    // The cycle is the fault's spin at its retry; every other thread is done.
    const from = cx.cycle?.from as number;
    expect(cx.trace.slice(from).map((x) => `${x.thread} ${x.action}`)).toEqual(['fault:A A.fault: retry']);
    const { problem, start } = recheck(cx);
    expect(problem).toBeNull();
    expect(start.threads.filter((t) => !t.done).map((t) => t.id)).toEqual(['fault:A']);
    expect(start.threads.find((t) => t.kind === 'oom_reaper')?.outcome).toBe('unable_to_reap');
    expect(start.threads.some((t) => t.inv !== null)).toBe(false);
    // One cause, reported once: the spin is not also a NoDeadlock livelock.
    expect(nd.verdict).toBe('holds');
  });

  it('the random engine reports the same kind of lasso, fair when re-run', () => {
    const r = search(gntdev, 'FaultLiveness', { seed, numRuns: 200 });
    expect(r.verdict).toBe('violated');
    const cx = r.counterexample as Counterexample;
    expect(cx.cycle).toBeDefined();
    expect(cx.witness).toMatch(/^fault:A retries forever/);
    expect(recheck(cx).problem).toBeNull();
  });

  it('is saved and replayed as a lasso', () => {
    const cx = exhaustive()[0].counterexample as Counterexample;
    const c = parseCase(JSON.parse(JSON.stringify(toCase(cx, []))));
    if (!c.ok) throw new Error(c.error);
    expect(c.value.cycle).toEqual({ from: c.value.schedule.length - 1 });
    const out = replayCase(c.value);
    expect(out.kind).toBe('reproduced');
    if (out.kind === 'reproduced') expect(out.cycleFrom).toBe(cx.cycle?.from);
  });

  it('a thread waiting on the spinning fault is not a deadlock too (oom_reaper,exit_mmap,fault:A)', () => {
    const sc: Scenario = { ...gntdev, threads: ['oom_reaper', 'exit_mmap', 'fault:A'] };
    const [fl, nd] = explore(sc, ['FaultLiveness', 'NoDeadlock']).results;
    expect(fl.verdict).toBe('violated');
    const { start } = recheck(fl.counterexample as Counterexample);
    // exit_mmap runs at mm_users == 0, and the spinning fault holds mm_users.
    expect(start.threads.filter((t) => !t.done).map((t) => t.id).sort()).toEqual(['exit_mmap', 'fault:A']);
    expect(nd.verdict).toBe('holds');
  });
});

describe('what the fair definition rejects is not reported', () => {
  it('a collision the reaper\'s next attempt ends: it reaps, and the fault fails on MMF_UNSTABLE (kvm + hmm-5.2)', () => {
    expect(explore(hmm52, ['FaultLiveness']).results[0].verdict).toBe('holds');
    expect(search(hmm52, 'FaultLiveness', { seed, numRuns: 300 }).verdict).toBe('holds');
    // The run the per-step judgement reported (25 steps: two collisions with no invalidation to
    // explain them): the reaper's first attempt loses A's end while ioctl:B holds mirrors_sem.
    const schedule = [...Array(5).fill('oom_reaper'), 'ioctl:B', ...Array(7).fill('oom_reaper'), ...Array(12).fill('fault:A')];
    const report = run(hmm52, schedule, { invariants: [FaultLiveness, QuiescentBalanced] });
    const events = report.trace.map((x) => `${x.thread}: ${x.events.join('; ')}`);
    expect(events[24]).toBe('fault:A: fault on A collided 2 times with no invalidation to explain it: it spins');
    // Its spin lets the reaper's sleep end; the next attempt reaps, and the fault's get_user_pages fails.
    expect(events.slice(25).some((e) => /^oom_reaper: .*reaped; set MMF_OOM_SKIP/.test(e))).toBe(true);
    expect(events.slice(25).some((e) => /^fault:A: get_user_pages\(page 0\) -> -EFAULT \(MMF_UNSTABLE\)/.test(e))).toBe(true);
    expect(report.final.threads.every((t) => t.done)).toBe(true);
    expect(report.verdicts.FaultLiveness).toEqual({ status: 'holds' });
    // The end is lost all the same: QuiescentBalanced's.
    expect(report.verdicts.QuiescentBalanced).toMatchObject({ status: 'violated', witness: 'A.mmu_invalidate_in_progress = 1 at quiescence (expected 0)' });
  });

  /** invalidate_range_start spins forever: its invalidation never ends. */
  const looper: DriverFile = (() => {
    const r = parseDriverFile({
      format: 'mmu-notifier-checker/driver@1', driver: 'LOOPER', era: 'test', summary: 'a test driver', source: 'none', interval: null, ioctl: null,
      locks: {}, counters: {}, hlist: { invalidate_range_start: [':l', { op: 'jump', to: 'l' }], invalidate_range_end: null, fault: null },
    });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    return r.value;
  })();

  it('retries an open invalidation explains, forever: NoDeadlock\'s livelock, not FaultLiveness', () => {
    const catalogue = catalogueWith([looper]);
    // KVM's start raises its count (the walk takes the notifier registered last first), then B's
    // start loops: every retry of A's fault is explained.
    const sc: Scenario = { ...base, strategy: 'skip-all-end', notifiers: [{ name: 'B', driver: 'LOOPER', address: 256 }, { name: 'A', driver: 'kvm', address: 512 }], threads: ['madvise', 'fault:A'] };
    const r = resolve(sc, catalogue);
    if (!r.ok) throw new Error(r.error);
    // madvise into B's loop (A's count is 1) and a first turn of the fault's loop; then the
    // cycle: one turn of the fault's retry loop and one of B's.
    const prefix = [...Array(7).fill('madvise'), ...Array(6).fill('fault:A')];
    const turn = [...Array(6).fill('fault:A'), 'madvise'];
    const ran = runPath(r.world, r.state, [...prefix, ...turn], prefix.length);
    if ('failedAt' in ran) throw new Error(`step ${ran.failedAt + 1} did not step`);
    expect(ran.trace.slice(prefix.length).map((x) => x.action)).toEqual([
      'A.fault: snap = mmu_invalidate_seq', 'A.fault: get_user_pages', 'A.fault: lock(mmu_lock)',
      'A.fault: if (mmu_invalidate_in_progress != 0 || mmu_invalidate_seq != snap)', 'A.fault: unlock(mmu_lock)', 'A.fault: retry', 'B.invalidate_range_start: goto l',
    ]);
    // A fair cycle in which the fault retries, each retry explained by madvise's open invalidation.
    expect(lassoProblem(r.world, ran, prefix.length)).toBeNull();
    const cycle = cycleContext(r.world, ran, prefix.length);
    expect(FaultLiveness.onCycle?.(cycle)).toBeNull();
    expect(NoDeadlock.onCycle?.(cycle)).toMatch(/^livelock: madvise repeats B\.invalidate_range_start: goto l forever; fault:A repeats A\.fault: snap/);
    const [fl, nd] = explore(sc, ['FaultLiveness', 'NoDeadlock'], { catalogue }).results;
    expect(fl.verdict).toBe('holds');
    expect(nd.verdict).toBe('violated');
    expect(search(sc, 'FaultLiveness', { seed, numRuns: 100, catalogue }).verdict).toBe('holds');
  });
});

describe('the cycle search looks for a cycle in the scope (lasso.ts Scope)', () => {
  // 0 → 1 ⟲ by thread 0 (a state marked 2: "an invalidation is open"), 0 → 2 ⟲ by thread 1 (marked 1).
  // Each loop is fair: the other thread is disabled there. Breadth-first, node 1 comes first.
  const graph = () => {
    const g = new EdgeGraph();
    g.edge(1, 0);
    g.edge(2, 1);
    g.close(0b11, 0, 0b11, 0b01);
    g.edge(1, 0);
    g.close(0b01, 0, 0b11, 0b10);
    g.edge(2, 1);
    g.close(0b10, 0, 0b11, 0b01);
    return g;
  };

  it('unscoped: the fair cycle entered first', () => {
    expect(graph().fairCycle(2)).toEqual({ entry: 1, steps: [{ to: 1, via: 0 }] });
  });

  it('within the states marked 1, with a step of thread 1: the later cycle', () => {
    expect(graph().fairCycle(2, { within: 0b01, stepper: 0b10 })).toEqual({ entry: 2, steps: [{ to: 2, via: 1 }] });
    expect(graph().fairCycle(2, { within: 0b01, stepper: 0b01 })).toBeNull();
  });

  it('a cycle through a state marked 2, or with an idle unfinished thread', () => {
    expect(graph().fairCycle(2, { has: 0b10 })?.entry).toBe(1);
    expect(graph().fairCycle(2, { stepper: 0, idle: true })?.entry).toBe(1);
    expect(graph().fairCycle(2, { has: 0b100 })).toBeNull();
  });
});
