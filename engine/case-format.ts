/**
 * The saved-case format `mmu-notifier-checker/case@1` (docs/design.md §5), validated with zod: one
 * file is a scenario, a schedule, the expected verdict and the trace that shows it.
 */
import { z } from 'zod';
import { INVARIANT_NAMES } from '../model/index.ts';
import type { Counterexample } from './result.ts';

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

export const toCase = (cx: Counterexample): SavedCase => {
  const p = cx.provenance;
  return {
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
    // The file's key order predates the union: seed, path, runs, foundWith.
    provenance: p.foundWith === 'random' ? { seed: p.seed, path: p.path, runs: p.runs, foundWith: 'random' } : { foundWith: 'exhaustive' },
    shrink: { fromSteps: cx.fromSteps, toSteps: cx.steps, contextSwitches: cx.contextSwitches, fromContextSwitches: cx.fromSwitches },
  };
};
