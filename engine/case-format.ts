/**
 * The saved-case format `mmu-notifier-checker/case@1` (docs/design.md §5) and the scenario of
 * docs/design.md §3.1, validated with zod. Every object is strict: an unknown or misspelt key is
 * an error, and every problem is reported, one line each with its path.
 */
import { z } from 'zod';
import { DEFAULT_KNOBS, DRAIN_BOUND, GENERIC_KNOB_NAMES, ALL_INVARIANT_NAMES, KERNEL_NAMES, kernelNamed, REAPER_ERAS, type GenericKnobs, type Kernel, type Knobs, type ReaperEra } from '../model/index.ts';
import type { ScenarioTemplate } from './arbitraries.ts';
import type { Counterexample } from './result.ts';

import { formatPath, shown } from './issue-text.ts';
import { driverFileSchema, driverFilesProblems, driversUsed, parseDriverFile, type DriverFile } from './driver-format.ts';

export const CASE_FORMAT = 'mmu-notifier-checker/case@1';

const range = z.strictObject({ start: z.number().int(), end: z.number().int() });

/**
 * The generic driver's knobs (docs/design.md §3.4). The mapped type makes the compiler list a
 * knob added to GenericKnobs and missing here; a test checks the names against GENERIC_KNOB_NAMES.
 */
export const genericKnobShape: { readonly [K in keyof GenericKnobs]-?: z.ZodType<GenericKnobs[K]> } = {
  hasEnd: z.boolean(),
  nonblockStart: z.enum(['trylock', 'always-eagain', 'never-fails', 'sleeps']),
  onFailedStart: z.enum(['self-undo', 'leave']),
  countsInStart: z.boolean(),
  holdsLockAcrossWindow: z.boolean(),
  allocatesUnderLock: z.boolean(),
  faultPath: z.enum(['seq-retry', 'none']),
};

/**
 * The scenario knobs, one per key of DEFAULT_KNOBS, typed by its default: a flag, or a count
 * (a non-negative integer no larger than the drain bound, which caps every run anyway); a knob
 * of another type added to the model is checked as that type until it gets its own rule here.
 */
const knobRule = (v: unknown): z.ZodType =>
  typeof v === 'boolean' ? z.boolean()
  : typeof v === 'number' ? z.number().int().min(0).max(DRAIN_BOUND)
  : typeof v === 'string' ? z.string()
  : z.unknown();
const knobShape = Object.fromEntries(Object.entries(DEFAULT_KNOBS).map(([k, v]) => [k, knobRule(v)])) as unknown as { readonly [K in keyof Knobs]: z.ZodType<Knobs[K]> };

const optionalGenericKnobs = Object.fromEntries(Object.entries(genericKnobShape).map(([k, s]) => [k, s.optional()])) as {
  readonly [K in keyof GenericKnobs]: z.ZodOptional<z.ZodType<GenericKnobs[K]>>;
};

/** A notifier: its name, driver, address and interval, and (for the generic driver) its knobs. */
export const notifierSchema = z.strictObject({
  name: z.string(),
  driver: z.string(),
  address: z.number().int(),
  interval: range.optional(),
  ...optionalGenericKnobs,
});

export const scenarioSchema = z.strictObject({
  strategy: z.string(),
  reaper: z.enum(REAPER_ERAS as [ReaperEra, ...ReaperEra[]]),
  vmas: z.array(range).min(1),
  notifiers: z.array(notifierSchema),
  threads: z.array(z.string()).min(1),
  knobs: z.strictObject(knobShape).partial().optional(),
  /** The kernel release (model/kernel.ts); absent: v5.10's core with `reaper` (docs/kernel.md §11). */
  kernel: z.enum(KERNEL_NAMES as [string, ...string[]]).optional(),
  /** The OOM victim's threads (model/types.ts Scenario.victim; docs/kernel.md §3.4). */
  victim: z.array(z.string()).optional(),
});

/** What `check --scenario FILE` reads: a scenario whose strategy and threads may be left open. */
/** A --scenario file: a scenario whose strategy and threads may be left open, with the driver files it names inline (docs/design.md §3.4). */
// reaper may be left out when kernel names a release, which fixes it (model/kernel.ts; parseScenarioTemplate).
export const scenarioTemplateSchema = scenarioSchema.partial({ strategy: true, threads: true, reaper: true }).extend({ drivers: z.array(driverFileSchema).optional() });

const traceStep = z.strictObject({
  thread: z.string(),
  action: z.string(),
  events: z.array(z.string()),
  diagnostics: z.array(z.string()).optional(),
  drain: z.boolean().optional(),
});

export const caseSchema = z.strictObject({
  format: z.literal(CASE_FORMAT),
  scenario: scenarioSchema,
  schedule: z.array(z.string()),
  // A case records a counterexample: the invariant, violated at the last recorded step, and its witness.
  expect: z.strictObject({ invariant: z.string(), verdict: z.literal('violated'), witness: z.string() }),
  trace: z.array(traceStep),
  provenance: z.strictObject({
    seed: z.number().int().optional(),
    path: z.string().optional(),
    runs: z.number().int().min(0).optional(),
    foundWith: z.enum(['random', 'exhaustive']),
  }),
  shrink: z
    .strictObject({ fromSteps: z.number().int().min(0), toSteps: z.number().int().min(0), contextSwitches: z.number().int().min(0), fromContextSwitches: z.number().int().min(0).optional() })
    .optional(),
  /** Every driver the scenario uses that is not a preset, whole (engine/driver-format.ts). */
  drivers: z.array(driverFileSchema).optional(),
  /**
   * A lasso (docs/design.md §3.5): every step is a schedule choice, and the steps from index
   * `from` on are a fair cycle: the state after the last one is the state before step `from`.
   */
  cycle: z.strictObject({ from: z.number().int().min(0) }).optional(),
});

export type SavedCase = z.infer<typeof caseSchema>;


/** The keys an object schema accepts at `path` (through arrays, optionals and records), for an unknown-key message. */
const keysAt = (schema: z.ZodType, path: readonly PropertyKey[]): string[] => {
  let s: z.ZodType | undefined = schema;
  for (const p of [...path, null]) {
    while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    if (p === null) break;
    if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(p)];
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
};

/** The valid name closest to a misspelt one (case-insensitively equal, or at most two edits away). */
export const closest = (given: string, valid: readonly string[]): string | undefined => {
  const lower = given.toLowerCase();
  const exact = valid.find((v) => v.toLowerCase() === lower);
  if (exact) return exact;
  const dist = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length];
  };
  let best: string | undefined;
  let bestD = 3;
  for (const v of valid) {
    const d = dist(lower, v.toLowerCase());
    if (d < bestD) [best, bestD] = [v, d];
  }
  return best;
};


/** One line per problem, each with its path (`scenario.notifiers[0].hasEnd: expected boolean, got "no"`); an unknown key is one line per key. */
export const describeIssues = (e: z.ZodError, schema: z.ZodType): string[] =>
  e.issues.flatMap((i): string[] => {
    if (i.code === 'unrecognized_keys') {
      const valid = keysAt(schema, i.path);
      return i.keys.map((k) => {
        const near = closest(k, valid);
        return `${formatPath([...i.path, k])}: unknown key${near ? ` (did you mean '${near}'?)` : ''}${valid.length ? ` (valid: ${valid.join(', ')})` : ''}`;
      });
    }
    const got = 'input' in i && i.input !== undefined ? ` (got ${shown(i.input)})` : '';
    if (i.code === 'invalid_value') {
      const want = i.values.map((v) => shown(v)).join(' | ');
      return [`${formatPath(i.path)}: ${'input' in i && i.input === undefined ? `missing (expected ${want})` : `expected ${want}${got}`}`];
    }
    if (i.code === 'invalid_type') return [`${formatPath(i.path)}: ${i.input === undefined ? `missing (expected ${i.expected})` : `expected ${i.expected}${got}`}`];
    const msg = i.message.replace(/^(Invalid input|Too small|Too big): /, '');
    return [`${formatPath(i.path)}: ${msg}${got}`];
  });

/** The first problem only (kept for callers that print one line). */
export const describeZodError = (e: z.ZodError, schema: z.ZodType = caseSchema): string => describeIssues(e, schema)[0] ?? '(top level): invalid';

export type Loaded<T = SavedCase> = { ok: true; value: T } | { ok: false; error: string; errors: string[] };

const failed = (errors: string[]): { ok: false; error: string; errors: string[] } => ({ ok: false, error: errors.join('\n'), errors });

/** A case file's content: every problem listed, or the case. */
export const parseCase = (data: unknown): Loaded => {
  // Another format (e.g. a newer version) is not read further: its other fields mean other things.
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && 'format' in data) {
    const f = (data as { format: unknown }).format;
    if (f !== CASE_FORMAT)
      return failed([
        typeof f === 'string' && /^mmu-notifier-checker\/case@\d+$/.test(f)
          ? `format: unknown ${shown(f)} (this checker reads ${CASE_FORMAT}; a newer format needs a newer checker)`
          : `format: unknown ${shown(f)} (expected ${CASE_FORMAT})`,
      ]);
  }
  const r = caseSchema.safeParse(data, { reportInput: true });
  const errors = r.success ? [] : describeIssues(r.error, caseSchema);
  const inv = r.success ? r.data.expect.invariant : (data as { expect?: { invariant?: unknown } } | null)?.expect?.invariant;
  if (typeof inv === 'string' && !ALL_INVARIANT_NAMES.includes(inv)) {
    const near = closest(inv, ALL_INVARIANT_NAMES);
    errors.push(`expect.invariant: unknown ${shown(inv)}${near ? ` (did you mean '${near}'?)` : ''} (valid: ${ALL_INVARIANT_NAMES.join(', ')})`);
  }
  if (r.success && r.data.drivers) errors.push(...embeddedDriverProblems(r.data.drivers));
  if (r.success) errors.push(...knobProblems(r.data.scenario.notifiers, 'scenario.'));
  if (r.success && r.data.cycle && r.data.cycle.from >= r.data.schedule.length)
    errors.push(`cycle.from: ${r.data.cycle.from} leaves the cycle empty (the schedule has ${r.data.schedule.length} choices; a lasso's cycle starts at a smaller index)`);
  if (!r.success || errors.length) return failed(errors);
  return { ok: true, value: r.data };
};

/** Generic-driver knobs beside another driver: a preset or a driver file is its programs, so they would be silently ignored. */
const knobProblems = (notifiers: readonly { readonly driver: string }[], at: string): string[] =>
  notifiers.flatMap((n, k) =>
    n.driver === 'generic'
      ? []
      : GENERIC_KNOB_NAMES.filter((g) => (n as Record<string, unknown>)[g] !== undefined).map(
          (g) => `${at}notifiers[${k}].${g}: only the 'generic' driver takes this knob; '${n.driver}' behaves as its programs say (got ${shown((n as Record<string, unknown>)[g])})`,
        ),
  );

/** Drivers carried in a case or a scenario file: the schema checked their shape; their programs, then their names as a set. */
const embeddedDriverProblems = (drivers: readonly DriverFile[]): string[] => [
  ...drivers.flatMap((d, k) => {
    const dr = parseDriverFile(d);
    return dr.ok ? [] : dr.problems.map((e) => `drivers[${k}].${e}`);
  }),
  ...driverFilesProblems(drivers).map((e) => `drivers.${e}`),
];

/** A `--scenario` file's content: every problem listed, or the template. */
/**
 * A --scenario file, with `kernel` the release --kernel names (if any): the file may then name
 * the same release or none, and a reaper only if it is that release's (--kernel with --reaper is
 * refused the same way); without --kernel it names a reaper, a kernel, or both.
 */
export const parseScenarioTemplate = (data: unknown, kernel?: string): Loaded<{ readonly template: Omit<ScenarioTemplate, 'strategy'> & { readonly strategy?: string }; readonly drivers: readonly DriverFile[] }> => {
  const r = scenarioTemplateSchema.safeParse(data, { reportInput: true });
  if (!r.success) return failed(describeIssues(r.error, scenarioTemplateSchema));
  const { drivers = [], reaper: fileReaper, ...fileRest } = r.data;
  const named = kernel ?? fileRest.kernel;
  const release = named === undefined ? undefined : (kernelNamed(named) as Kernel);
  if (kernel !== undefined && fileRest.kernel !== undefined && fileRest.kernel !== kernel) return failed([`kernel: the file names ${fileRest.kernel} and --kernel ${kernel}: give one or the other`]);
  if (kernel !== undefined && fileReaper !== undefined && release && fileReaper !== release.reaper)
    return failed([`reaper: '${fileReaper}' is not the reaper of --kernel ${kernel} ('${release.reaper}'): a release fixes its reaper; give the file's reaper or --kernel, not both`]);
  if (fileReaper === undefined && release === undefined) return failed(['reaper: missing: give reaper (no-notify, skip-if-notifiers or nonblock-per-vma), or kernel (a release, which fixes its reaper)']);
  const rest = kernel !== undefined ? { ...fileRest, kernel } : fileRest;
  const template = { ...rest, reaper: fileReaper ?? (release as Kernel).reaper };
  // A driver defined here that no notifier uses would be read and ignored, the notifiers checked without it.
  const used = template.notifiers.map((n) => n.driver);
  const unused = drivers.flatMap((d, k) =>
    used.includes(d.driver) ? [] : [`drivers[${k}]: no notifier uses driver '${d.driver}' (the notifiers use ${[...new Set(used)].join(', ') || 'no driver'}); name it in notifiers, or leave it out`],
  );
  // Fixed threads without an oom_reaper make no OOM victim: the list would be ignored (docs/kernel.md §3.4).
  const noVictim = template.victim !== undefined && template.threads !== undefined && !template.threads.includes('oom_reaper')
    ? ['victim: the threads have no oom_reaper, so the mm is no OOM victim and no thread is signalled; add oom_reaper or leave victim out']
    : [];
  const errors = [...knobProblems(template.notifiers, ''), ...embeddedDriverProblems(drivers), ...unused, ...noVictim];
  if (errors.length) return failed(errors);
  return { ok: true, value: { template, drivers } };
};

/** The knob names the schemas accept (for tests and help texts). */
export const SCENARIO_KNOB_NAMES: readonly string[] = Object.keys(knobShape);
export const NOTIFIER_FIELD_NAMES: readonly string[] = ['name', 'driver', 'address', 'interval', ...GENERIC_KNOB_NAMES];

export const toCase = (cx: Counterexample, drivers: readonly DriverFile[] = []): SavedCase => {
  const p = cx.provenance;
  const used = driversUsed(cx.scenario, drivers);
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
    ...(used.length ? { drivers: used } : {}),
    ...(cx.cycle ? { cycle: { from: cx.cycle.from } } : {}),
  };
};
