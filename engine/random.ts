/**
 * Random exploration with fast-check (DESIGN.md §4): a scenario's thread set (when not fixed)
 * and a schedule are generated as data; a choice whose thread cannot step is skipped, so
 * deleting choices keeps the others' meaning and fast-check's shrinking stays effective. After
 * fast-check's shrink, `minimize` deletes steps and then reduces context switches.
 */
import fc from 'fast-check';
import { invariantByName, type Invariant } from '../model/index.ts';
import { runWorld, type RunReport, type TraceStep } from '../model/index.ts';
import { candidateThreads, resolve } from '../model/index.ts';
import type { Scenario } from '../model/index.ts';

/** A scenario whose threads may be left open: then the engine generates the thread set too. */
export type ScenarioTemplate = Omit<Scenario, 'threads'> & { readonly threads?: readonly string[] };

export interface SearchOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Longest generated schedule (the drain comes on top). */
  readonly maxSchedule?: number;
  readonly timeLimitMs?: number;
  /** Called every 100 generated runs (for a progress line on a terminal). */
  readonly onProgress?: (runs: number, ms: number) => void;
}

export interface Counterexample {
  readonly invariant: string;
  readonly witness: string;
  readonly scenario: Scenario;
  /** Executed schedule choices (the drain's steps are in `trace`). */
  readonly schedule: readonly string[];
  readonly trace: readonly TraceStep[];
  readonly steps: number;
  readonly contextSwitches: number;
  readonly fromSteps: number;
  readonly fromSwitches: number;
  readonly seed: number;
  readonly path: string;
  readonly runs: number;
}

export interface SearchResult {
  readonly invariant: string;
  readonly verdict: 'holds' | 'violated';
  readonly runs: number;
  readonly ms: number;
  readonly counterexample: Counterexample | null;
}

interface Candidate {
  readonly threads: readonly string[];
  readonly schedule: readonly string[];
}

/** Every thread the template's notifiers make sensible (DESIGN.md §6). */
export const threadsFor = (t: ScenarioTemplate): string[] => {
  const r = resolve({ ...t, threads: [] });
  if (!r.ok) return [];
  return candidateThreads(r.world, t.notifiers.map((n) => n.name));
};

/**
 * Thread combinations a real system cannot produce: a notifier is registered or unregistered,
 * not both; a driver ioctl (MR registration, command submission) holds a reference on its
 * mirror, so the mirror is not unregistered under it; and ioctls and munmap run in tasks of
 * this mm, so the mm does not reach exit_mmap while they run.
 */
const sensibleWith = (x: string, ts: readonly string[]): boolean => {
  const [kind, n] = x.split(':');
  // Registration needs mm_users > 0 (BUG_ON in __mmu_notifier_register): not once exit_mmap runs.
  if (kind === 'register') return !ts.includes(`unregister:${n}`) && !ts.includes('exit_mmap');
  // An ioctl's task, like munmap's, holds mm_users: the mm cannot reach exit_mmap meanwhile.
  if (kind === 'ioctl') return !ts.includes(`unregister:${n}`) && !ts.includes('exit_mmap');
  if (kind === 'munmap') return !ts.includes('exit_mmap');
  return true;
};

const sensible = (ts: readonly string[]): boolean => ts.every((x) => sensibleWith(x, ts));

export const candidateArb = (t: ScenarioTemplate, maxSchedule = 40): fc.Arbitrary<Candidate> => {
  const all = t.threads ?? threadsFor(t);
  const threads = t.threads
    ? fc.constant(t.threads)
    : fc
        .subarray([...all], { minLength: 1 })
        .filter((ts) => (ts.includes('oom_reaper') || ts.includes('munmap') || ts.includes('exit_mmap')) && sensible(ts));
  return fc.record({ threads, schedule: fc.array(fc.constantFrom(...all), { maxLength: maxSchedule }) });
};

export interface Judged {
  readonly report: RunReport;
  readonly violated: boolean;
  /** Steps up to and including the violating one (DESIGN.md §3.5: schedule plus drain). */
  readonly steps: number;
}

/** Run one candidate, judging these invariants and stopping as soon as all are decided. */
const runCandidate = (t: ScenarioTemplate, invariants: readonly Invariant[], c: Candidate, record = false): RunReport => {
  const r = resolve({ ...t, threads: c.threads });
  if (!r.ok) throw new Error(r.error); // candidates only name threads the template allows
  return runWorld(r.world, r.state, c.schedule, { invariants, stopWhenDecided: true, record });
};

/** Run one candidate and judge one invariant. */
export const judge = (t: ScenarioTemplate, inv: Invariant, c: Candidate, record = false): Judged => {
  const report = runCandidate(t, [inv], c, record);
  const v = report.verdicts[inv.name];
  return { report, violated: v.status === 'violated', steps: v.status === 'violated' ? v.step : report.trace.length };
};

export const contextSwitches = (trace: readonly { thread: string }[]): number =>
  trace.reduce((n, s, i) => (i > 0 && trace[i - 1].thread !== s.thread ? n + 1 : n), 0);

/**
 * Greedy post-shrink: (1) delete single choices while the violation stays and the
 * counterexample gets no longer; (2) move a choice next to its thread's previous run when
 * that lowers the context switches without lengthening the trace.
 */
export const minimize = (t: ScenarioTemplate, inv: Invariant, starts: readonly Candidate[]): { candidate: Candidate; judged: Judged } => {
  let best = starts[0];
  let bestJ = judge(t, inv, best);
  const score = (j: Judged) => [j.steps, contextSwitches(j.report.trace.slice(0, j.steps))] as const;
  const better = (j: Judged) => {
    if (!j.violated) return false;
    const [a, b] = score(j);
    const [x, y] = score(bestJ);
    return a < x || (a === x && b < y);
  };
  const tryC = (c: Candidate, tieOk = false): boolean => {
    const j = judge(t, inv, c);
    const [a, b] = score(j);
    const [x, y] = score(bestJ);
    if (!(better(j) || (tieOk && j.violated && a === x && b === y))) return false;
    best = c;
    bestJ = j;
    return true;
  };
  for (const c of starts.slice(1)) tryC(c);
  // Only the executed choices matter.
  tryC({ threads: best.threads, schedule: bestJ.report.executed });
  if (!t.threads) {
    for (const th of best.threads) {
      // A thread that plays no part goes, even when the trace stays as long.
      if (best.threads.length > 1) tryC({ threads: best.threads.filter((x) => x !== th), schedule: best.schedule.filter((x) => x !== th) }, true);
    }
  }
  // Insert one choice where it shortens the counterexample (fast-check only ever deletes),
  // including one of a thread the candidate lacks when the thread set is generated.
  for (const th of [...best.threads, ...(t.threads ? [] : threadsFor(t).filter((x) => !best.threads.includes(x)))]) {
    const threads = best.threads.includes(th) ? best.threads : [...best.threads, th];
    if (!sensible(threads)) continue;
    for (let i = 0; i <= Math.min(best.schedule.length, 24); i++) tryC({ threads, schedule: [...best.schedule.slice(0, i), th, ...best.schedule.slice(i)] });
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < best.schedule.length; i++) {
      const s = best.schedule;
      if (tryC({ threads: best.threads, schedule: [...s.slice(0, i), ...s.slice(i + 1)] })) {
        changed = true;
        i--;
      }
    }
    for (let i = 1; i < best.schedule.length; i++) {
      const s = best.schedule;
      const prev = s.lastIndexOf(s[i], i - 1);
      if (prev < 0 || prev === i - 1) continue;
      const moved = [...s.slice(0, prev + 1), s[i], ...s.slice(prev + 1, i), ...s.slice(i + 1)];
      if (tryC({ threads: best.threads, schedule: moved })) changed = true;
    }
  }
  return { candidate: best, judged: bestJ };
};

export const search = (t: ScenarioTemplate, invariantName: string, o: SearchOptions): SearchResult => {
  const inv = invariantByName(invariantName);
  if (!inv) throw new Error(`unknown invariant ${invariantName}`);
  const t0 = performance.now();
  let first: Judged | null = null;
  let firstC: Candidate | null = null;
  const prop = fc.property(candidateArb(t, o.maxSchedule), (c) => {
    const j = judge(t, inv, c);
    if (j.violated && first === null) {
      first = j;
      firstC = c;
    }
    return !j.violated;
  });
  const details = fc.check(prop, {
    seed: o.seed,
    numRuns: o.numRuns,
    ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}),
  });
  if (!details.failed || !details.counterexample) {
    return { invariant: inv.name, verdict: 'holds', runs: details.numRuns, ms: performance.now() - t0, counterexample: null };
  }
  const firstFailRuns = details.numRuns;
  const [shrunk] = details.counterexample as [Candidate];
  const before = (first ?? judge(t, inv, shrunk)) as Judged;
  const { candidate } = minimize(t, inv, firstC ? [shrunk, firstC] : [shrunk]);
  const judged = judge(t, inv, candidate, true); // once more, recording the trace to print
  const trace = judged.report.trace.slice(0, judged.steps);
  const v = judged.report.verdicts[inv.name];
  const ms = performance.now() - t0;
  return {
    invariant: inv.name,
    verdict: 'violated',
    runs: firstFailRuns,
    ms,
    counterexample: {
      invariant: inv.name,
      witness: v.status === 'violated' ? v.witness : '',
      scenario: { ...t, threads: candidate.threads },
      schedule: judged.report.executed,
      trace,
      steps: judged.steps,
      contextSwitches: contextSwitches(trace),
      fromSteps: before.steps,
      fromSwitches: contextSwitches(before.report.trace.slice(0, before.steps)),
      seed: o.seed,
      path: details.counterexamplePath ?? '',
      runs: firstFailRuns,
    },
  };
};

/**
 * Judge several invariants on the same generated runs (phase 1), then shrink each violated one
 * with its own fast-check run from the same seed (phase 2). A "holds" verdict means every one
 * of the `runs` generated cases held.
 */
export const searchAll = (t: ScenarioTemplate, names: readonly string[], o: SearchOptions): SearchResult[] => {
  const invs = names.map((n) => {
    const inv = invariantByName(n);
    if (!inv) throw new Error(`unknown invariant ${n}`);
    return inv;
  });
  const t0 = performance.now();
  const firstAt: Record<string, { run: number; ms: number }> = {};
  let runs = 0;
  const prop = fc.property(candidateArb(t, o.maxSchedule), (c) => {
    runs++;
    if (o.onProgress && runs % 100 === 0) o.onProgress(runs, performance.now() - t0);
    const pending = invs.filter((i) => !firstAt[i.name]);
    const report = runCandidate(t, pending, c);
    for (const i of pending) if (report.verdicts[i.name].status === 'violated') firstAt[i.name] = { run: runs, ms: performance.now() - t0 };
    return true;
  });
  const done = fc.check(prop, { seed: o.seed, numRuns: o.numRuns, ...(o.timeLimitMs ? { interruptAfterTimeLimit: o.timeLimitMs } : {}) });
  if (done.failed) throw new Error(`model error while searching: ${String(done.errorInstance)}`); // the property itself never fails
  const phase1 = performance.now() - t0;
  return invs.map((inv) => {
    const f = firstAt[inv.name];
    if (!f) return { invariant: inv.name, verdict: 'holds', runs: done.numRuns, ms: phase1, counterexample: null };
    const r = search(t, inv.name, { ...o, numRuns: f.run });
    return { ...r, runs: f.run, ms: f.ms };
  });
};
