/**
 * The post-shrink pass (docs/design.md §4): fast-check only deletes choices, so after its shrink we
 * also insert, drop unused threads, and reorder to reduce context switches.
 */
import type { Catalogue, Invariant } from '../model/index.ts';
import { sensible, threadsFor, type Candidate, type ScenarioTemplate } from './arbitraries.ts';
import { contextSwitches, judge, type Judged } from './judge.ts';

/**
 * Greedy post-shrink: (1) delete single choices while the violation stays and the
 * counterexample gets no longer; (2) move a choice next to its thread's previous run when
 * that lowers the context switches without lengthening the trace.
 */
export const minimize = (
  t: ScenarioTemplate,
  inv: Invariant,
  starts: readonly Candidate[],
  catalogue?: Catalogue,
): { candidate: Candidate; judged: Judged } => {
  const run = (c: Candidate) => judge(t, inv, c, { catalogue });
  let best = starts[0];
  let bestJ = run(best);
  const score = (j: Judged) => [j.steps, contextSwitches(j.report.trace.slice(0, j.steps))] as const;
  const better = (j: Judged) => {
    if (!j.violated) return false;
    const [a, b] = score(j);
    const [x, y] = score(bestJ);
    return a < x || (a === x && b < y);
  };
  const tryC = (c: Candidate, tieOk = false): boolean => {
    const j = run(c);
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
  for (const th of [...best.threads, ...(t.threads ? [] : threadsFor(t, catalogue).filter((x) => !best.threads.includes(x)))]) {
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
