/**
 * Saved shrunk cases (DESIGN.md §5): format `mmu-notifier-checker/case@1`, validated with zod;
 * writing never overwrites a different case; replay reproduces the verdict and the trace or
 * reports drift at the first differing step.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { INVARIANT_NAMES, invariantByName } from '../model/index.ts';
import { runWorld, type TraceStep } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import type { Scenario } from '../model/index.ts';
import type { Counterexample } from './random.ts';

export const CASE_FORMAT = 'mmu-notifier-checker/case@1';

const range = z.object({ start: z.number().int(), end: z.number().int() });

export const scenarioSchema = z.object({
  strategy: z.string(),
  reaper: z.enum(['no-notify', 'skip-if-notifiers', 'nonblock-per-vma']),
  vmas: z.array(range).min(1),
  notifiers: z.array(
    z.looseObject({ name: z.string(), driver: z.string(), address: z.number().int(), interval: range.optional() }),
  ),
  threads: z.array(z.string()),
  knobs: z.record(z.string(), z.union([z.boolean(), z.number()])).optional(),
});

const traceStep = z.object({
  thread: z.string(),
  action: z.string(),
  events: z.array(z.string()),
  diagnostics: z.array(z.string()).optional(),
  drain: z.boolean().optional(),
});

export const caseSchema = z.object({
  format: z.literal(CASE_FORMAT),
  scenario: scenarioSchema,
  schedule: z.array(z.string()),
  expect: z.object({ invariant: z.string(), verdict: z.enum(['violated', 'holds']), witness: z.string().optional() }),
  trace: z.array(traceStep),
  provenance: z.object({ seed: z.number().optional(), path: z.string().optional(), runs: z.number().optional(), foundWith: z.enum(['random', 'exhaustive']) }),
  shrink: z.object({ fromSteps: z.number(), toSteps: z.number(), contextSwitches: z.number(), fromContextSwitches: z.number().optional() }).optional(),
});

export type SavedCase = z.infer<typeof caseSchema>;

/** One line naming the first problem: `field: message`. */
export const describeZodError = (e: z.ZodError): string => {
  const i = e.issues[0];
  const where = i.path.length ? i.path.join('.') : '(top level)';
  return `${where}: ${i.message}`;
};

export type Loaded = { ok: true; value: SavedCase } | { ok: false; error: string };

export const parseCase = (data: unknown): Loaded => {
  if (typeof data === 'object' && data !== null && 'format' in data && (data as { format: unknown }).format !== CASE_FORMAT)
    return { ok: false, error: `format: unknown '${String((data as { format: unknown }).format)}' (expected ${CASE_FORMAT})` };
  const r = caseSchema.safeParse(data);
  if (!r.success) return { ok: false, error: describeZodError(r.error) };
  if (!INVARIANT_NAMES.includes(r.data.expect.invariant))
    return { ok: false, error: `expect.invariant: unknown '${r.data.expect.invariant}' (valid: ${INVARIANT_NAMES.join(', ')})` };
  return { ok: true, value: r.data };
};

export const toCase = (cx: Counterexample): SavedCase => ({
  format: CASE_FORMAT,
  scenario: cx.scenario as SavedCase['scenario'],
  schedule: [...cx.schedule],
  expect: { invariant: cx.invariant, verdict: 'violated', witness: cx.witness },
  trace: cx.trace.map((s) => ({
    thread: s.thread,
    action: s.action,
    events: [...s.events],
    ...(s.diagnostics ? { diagnostics: [...s.diagnostics] } : {}),
    ...(s.drain ? { drain: true } : {}),
  })),
  provenance: { seed: cx.seed, path: cx.path, runs: cx.runs, foundWith: 'random' },
  shrink: { fromSteps: cx.fromSteps, toSteps: cx.steps, contextSwitches: cx.contextSwitches, fromContextSwitches: cx.fromSwitches },
});

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
export const replayCase = (c: SavedCase, strategyOverride?: string): ReplayOutcome => {
  const scenario = { ...(c.scenario as Scenario), ...(strategyOverride ? { strategy: strategyOverride } : {}) };
  const r = resolve(scenario);
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
