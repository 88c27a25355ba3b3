/**
 * The shrunk-cases corpus (docs/design.md §5): writing never overwrites a different case; replay
 * reproduces the verdict and the trace or reports drift at the first differing step.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invariantByName, resolve, runWorld, type Catalogue, type Scenario, type TraceStep } from '../model/index.ts';
import { parseCase, type Loaded, type SavedCase } from './case-format.ts';

const slug = (s: Scenario): string =>
  [
    ...s.notifiers.map((n) => n.driver),
    ...s.threads.filter((t) => t !== 'oom_reaper').map((t) => t.replace(':', '-')),
    ...(s.reaper === 'nonblock-per-vma' ? [] : [s.reaper]),
    ...Object.entries(s.knobs ?? {}).map(([k, v]) => `${k}-${v}`),
  ]
    .join('_')
    .replace(/[^A-Za-z0-9._-]/g, '-');

const sameCase = (a: SavedCase, b: SavedCase) =>
  JSON.stringify([a.scenario, a.schedule, a.expect.invariant]) === JSON.stringify([b.scenario, b.schedule, b.expect.invariant]);

/** Write a case; an identical one already there is reused, a different one is never replaced. */
export const saveCase = (dir: string, c: SavedCase): { file: string; existed: boolean } => {
  mkdirSync(dir, { recursive: true });
  const stem = `${c.scenario.strategy}__${c.expect.invariant}__${slug(c.scenario as Scenario)}`;
  for (let k = 1; ; k++) {
    const file = join(dir, `${stem}${k === 1 ? '' : `-${k}`}.json`);
    if (!existsSync(file)) {
      writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`, { flag: 'wx' });
      return { file, existed: false };
    }
    let other: Loaded;
    try {
      other = parseCase(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      continue;
    }
    if (other.ok && sameCase(other.value, c)) return { file, existed: true };
  }
};

export type ReplayOutcome =
  | { kind: 'reproduced'; trace: readonly TraceStep[]; witness: string; step: number }
  | { kind: 'verdict-changed'; trace: readonly TraceStep[]; verdict: string; witness: string | null }
  | { kind: 'drift'; step: number; expected: string; actual: string; trace: readonly TraceStep[] }
  | { kind: 'invalid'; error: string };

const stepText = (s: TraceStep | undefined) => (s ? `${s.thread}: ${s.action}` : '(nothing)');

/** Replay a case: same scenario + schedule must give the recorded trace and verdict. */
export const replayCase = (c: SavedCase, strategyOverride?: string, catalogue?: Catalogue): ReplayOutcome => {
  const scenario = { ...(c.scenario as Scenario), ...(strategyOverride ? { strategy: strategyOverride } : {}) };
  const r = resolve(scenario, catalogue);
  if (!r.ok) return { kind: 'invalid', error: `scenario.${r.error}` };
  const inv = invariantByName(c.expect.invariant);
  if (!inv) return { kind: 'invalid', error: `expect.invariant: unknown '${c.expect.invariant}'` };
  for (const [i, th] of c.schedule.entries())
    if (!c.scenario.threads.includes(th)) return { kind: 'invalid', error: `schedule[${i}]: '${th}' is not one of the scenario's threads (${c.scenario.threads.join(', ')})` };
  const report = runWorld(r.world, r.state, c.schedule, { invariants: [inv] });
  const v = report.verdicts[inv.name];
  if (!strategyOverride) {
    // The schedule must still fit: every choice executed, and the trace the same step by step.
    if (report.executed.length !== c.schedule.length || !c.schedule.every((x, i) => report.executed[i] === x)) {
      const k = c.schedule.findIndex((x, i) => report.executed[i] !== x);
      const at = c.trace.findIndex((s, i) => report.trace[i]?.thread !== s.thread || report.trace[i]?.action !== s.action);
      const step = at < 0 ? k : at;
      return { kind: 'drift', step: step + 1, expected: stepText(c.trace[step]), actual: stepText(report.trace[step]), trace: report.trace };
    }
    for (let i = 0; i < c.trace.length; i++) {
      const a = report.trace[i];
      const e = c.trace[i];
      if (!a || a.thread !== e.thread || a.action !== e.action || JSON.stringify(a.events) !== JSON.stringify(e.events))
        return { kind: 'drift', step: i + 1, expected: stepText(e), actual: stepText(a), trace: report.trace };
    }
  }
  if (v.status === 'violated' && c.expect.verdict === 'violated') return { kind: 'reproduced', trace: report.trace.slice(0, v.step), witness: v.witness, step: v.step };
  return { kind: 'verdict-changed', trace: report.trace, verdict: v.status, witness: v.status === 'violated' ? v.witness : null };
};
