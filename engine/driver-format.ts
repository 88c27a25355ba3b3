/**
 * Drivers as data (docs/design.md §3.4): the JSON form of a DriverDef, `mmu-notifier-checker/
 * driver@1`, in the same micro-language as the presets (model/program.ts). A file is validated
 * strictly — unknown keys, unknown instructions, labels, locks and counters a program names but
 * the driver does not declare — and every problem is reported with its path.
 */
import { z } from 'zod';
import { formatPath, shown } from './issue-text.ts';
import { BUILTIN, EAGAIN, program, type Catalogue, type DriverDef, type Instr, type Program, type Scenario } from '../model/index.ts';

export const DRIVER_FORMAT = 'mmu-notifier-checker/driver@1';

type CondJson = z.infer<typeof condBase> | { is: 'not'; cond: CondJson } | { is: 'any'; conds: CondJson[] };
const condBase = z.discriminatedUnion('is', [
  z.strictObject({ is: z.literal('nonblockable') }),
  z.strictObject({ is: z.literal('intersects') }),
  z.strictObject({ is: z.literal('nonzero'), counter: z.string() }),
  z.strictObject({ is: z.literal('changed'), counter: z.string(), since: z.string() }),
  z.strictObject({ is: z.literal('above'), counter: z.string(), value: z.number().int() }),
  z.strictObject({ is: z.literal('below'), counter: z.string(), value: z.number().int() }),
]);
const cond: z.ZodType<CondJson> = z.lazy(() =>
  z.union([condBase, z.strictObject({ is: z.literal('not'), cond }), z.strictObject({ is: z.literal('any'), conds: z.array(cond).min(1) })]),
);

const mode = z.enum(['read', 'write']);
// Bounded so a trace line stays a line (no input `driver check` accepts may overflow the renderer).
const name = z.string().max(64).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a C identifier');
const instr = z.discriminatedUnion('op', [
  // recursive: a read lock taken once per open window (amdgpu_mn_read_lock's recursion count, docs/kernel.md §6.4).
  z.strictObject({ op: z.literal('lock'), lock: name, mode, how: z.enum(['lock', 'trylock', 'nbTrylock']), else: name.optional(), recursive: z.literal(true).optional() }),
  z.strictObject({ op: z.literal('unlock'), lock: name, mode }),
  z.strictObject({ op: z.literal('add'), counter: name, delta: z.number().int() }),
  z.strictObject({ op: z.literal('zap') }),
  z.strictObject({ op: z.literal('zapAll') }),
  z.strictObject({ op: z.literal('intervalInsert') }),
  z.strictObject({ op: z.literal('intervalRemove') }),
  z.strictObject({ op: z.literal('snapshot'), counter: name, into: name }),
  z.strictObject({ op: z.literal('gup') }),
  z.strictObject({ op: z.literal('install') }),
  z.strictObject({ op: z.literal('setSeq') }),
  z.strictObject({ op: z.literal('readBegin'), into: name }),
  z.strictObject({ op: z.literal('readRetry'), since: name, then: name }),
  z.strictObject({ op: z.literal('alloc') }),
  z.strictObject({ op: z.literal('waitFence') }),
  z.strictObject({ op: z.literal('waitZero'), counter: name }),
  z.strictObject({ op: z.literal('jump'), to: name, if: cond.optional() }),
  z.strictObject({ op: z.literal('retry'), to: name }),
  // The driver's own assertions (INV-18): WARN_ON(cond) reports and goes on, BUG_ON(cond) also kills the thread.
  z.strictObject({ op: z.literal('warn_on'), if: cond, message: z.string().max(200).optional() }),
  z.strictObject({ op: z.literal('bug_on'), if: cond, message: z.string().max(200).optional() }),
  // finish: an invalidate_start's `*finish = ...; return true` (v7.1 two-pass, docs/kernel.md §2.6).
  z.strictObject({ op: z.literal('ret'), value: z.number().int(), finish: z.literal(true).optional() }),
]);
/** Instructions interleaved with ':label' strings, as model/program.ts's ProgramSource. */
const source = z.array(z.union([instr, z.string().max(65).regex(/^:[A-Za-z_][A-Za-z0-9_]*$/, "a label ':name'")]));

const release = z.string().regex(/^v\d+\.\d+$/, "a kernel release 'v<major>.<minor>'");

export const driverFileSchema = z.strictObject({
  format: z.literal(DRIVER_FORMAT),
  driver: z.string().max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ -'),
  era: z.string(),
  /** The releases the driver's code is from (model/kernel.ts; docs/kernel.md §11); absent: every release. */
  kernels: z.strictObject({ from: release.optional(), until: release.optional() }).optional(),
  summary: z.string(),
  /** Where the behaviour comes from: the kernel file, function and version. */
  source: z.string(),
  locks: z.record(name, z.enum(['spinlock', 'mutex', 'rwsem'])),
  /** `min` / `max`: the range the driver declares for the counter, judged after every step that changes it (INV-18). */
  counters: z.record(name, z.strictObject({ balanced: z.boolean(), min: z.number().int().optional(), max: z.number().int().optional() })),
  /** `release`: null when the driver's mmu_notifier_ops have no .release (none runs on a named release); absent: it zaps every secondary mapping. */
  hlist: z.strictObject({ invalidate_range_start: source, invalidate_range_end: source.nullable(), release: source.nullable().optional(), fault: source.nullable() }).nullable(),
  /** One-pass (`invalidate`) or, from v7.1, two-pass (`invalidate_start` and `invalidate_finish`): parseDriverFile checks which. */
  interval: z.strictObject({ invalidate: source.optional(), invalidate_start: source.optional(), invalidate_finish: source.optional(), fault: source.nullable() }).nullable(),
  combined: z.strictObject({ invalidate: source, fault: source.nullable() }).optional(),
  ioctl: source.nullable(),
  pinsPages: z.boolean().optional(),
  /**
   * The fault runs in a task of the process, signalled when the mm is an OOM victim (docs/kernel.md
   * §3.4): where its page lookup tests the signal, and whether its retry does. Absent: a kernel worker.
   */
  faultInTask: z.strictObject({ gup: z.enum(['always', 'fault-in', 'never']), retry: z.boolean() }).optional(),
});

export type DriverFile = z.infer<typeof driverFileSchema>;
type Source = z.infer<typeof source>;

/** Every problem with its path: `hlist.invalidate_range_start[3].lock: unknown lock 'mmu'`. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * What each callback may return, as the kernel types it (include/linux/mmu_notifier.h): the
 * model reads a nonzero value as failure, so any other value would be taken silently as
 * -EAGAIN or false. A fault's or an ioctl's value ends the program and nothing reads it.
 */
const RETURNS: Readonly<Record<string, { readonly values: readonly number[]; readonly text: string }>> = {
  'hlist.invalidate_range_start': {
    values: [0, EAGAIN],
    text: "invalidate_range_start returns an int, 0 or -EAGAIN: write 0, or -11 for -EAGAIN (only when non-blockable; the core WARNs on any other value)",
  },
  'hlist.invalidate_range_end': { values: [0], text: "invalidate_range_end returns void: write 'ret' with value 0" },
  'hlist.release': { values: [0], text: "release returns void: write 'ret' with value 0" },
  'interval.invalidate': {
    values: [0, EAGAIN],
    text: "an interval notifier's invalidate returns bool, true or false: write 0 for true, or -11 for false (it would have to sleep; only when non-blockable)",
  },
  'interval.invalidate_start': {
    values: [0, EAGAIN],
    text: "a two-pass invalidate_start returns bool, true or false: write 0 for true (with \"finish\": true when it hands the core a finish), or -11 for false (only when non-blockable)",
  },
  'interval.invalidate_finish': { values: [0], text: "invalidate_finish returns void: write 'ret' with value 0" },
  'combined.invalidate': {
    values: [0, EAGAIN],
    text: "an interval notifier's invalidate returns bool, true or false: write 0 for true, or -11 for false (it would have to sleep; only when non-blockable)",
  },
};

/** Whether control can go on past the instruction (the model steps to the next one). */
const fallsThrough = (i: Exclude<Source[number], string>): boolean => !(i.op === 'ret' || i.op === 'retry' || (i.op === 'jump' && i.if === undefined));

/**
 * Locks, counters and labels a program names must exist, and control must never run past its
 * last instruction (the model would have no instruction to step).
 */
const checkProgram = (f: DriverFile, at: string, src: Source, problems: string[]): void => {
  const labels = new Set(src.filter((x): x is string => typeof x === 'string').map((x) => x.slice(1)));
  // A label defined twice: a jump would go to one of them, silently (the model takes the last).
  const firstAt = new Map<string, number>();
  src.forEach((x, k) => {
    if (typeof x !== 'string') return;
    const first = firstAt.get(x);
    if (first === undefined) firstAt.set(x, k);
    else problems.push(`${at}[${k}]: label '${x}' is defined twice (first at [${first}]); give each label one place`);
  });
  const returns = RETURNS[at];
  let lastAt = src.length - 1;
  while (lastAt >= 0 && typeof src[lastAt] === 'string') lastAt--;
  if (lastAt < 0) problems.push(`${at}: a program with no instruction; it needs at least a 'ret'`);
  else {
    const last = src[lastAt] as Exclude<Source[number], string>;
    if (fallsThrough(last)) problems.push(`${at}[${lastAt}]: the program can run past its last instruction ('${last.op}'); end it with a 'ret', a 'retry' or a 'jump' without 'if'`);
    src.forEach((x, k) => {
      if (typeof x === 'string' && k > lastAt) problems.push(`${at}[${k}]: label '${x}' is after the last instruction; a jump to it would run past the end`);
    });
  }
  const conds = (c: CondJson, p: string): void => {
    if (c.is === 'nonzero' || c.is === 'changed' || c.is === 'above' || c.is === 'below') if (!Object.hasOwn(f.counters, c.counter)) problems.push(`${p}.counter: unknown counter '${c.counter}' (declared: ${Object.keys(f.counters).join(', ') || 'none'})`);
    if (c.is === 'not') conds(c.cond, `${p}.cond`);
    if (c.is === 'any') c.conds.forEach((x, k) => conds(x, `${p}.conds[${k}]`));
  };
  src.forEach((i, k) => {
    if (typeof i === 'string') return;
    const p = `${at}[${k}]`;
    const target = i.op === 'jump' || i.op === 'retry' ? i.to : i.op === 'readRetry' ? i.then : i.op === 'lock' ? i.else : undefined;
    if (target !== undefined && !labels.has(target)) problems.push(`${p}: no label ':${target}' in this program`);
    if ((i.op === 'lock' || i.op === 'unlock') && !Object.hasOwn(f.locks, i.lock)) problems.push(`${p}.lock: unknown lock '${i.lock}' (declared: ${Object.keys(f.locks).join(', ') || 'none'})`);
    if (i.op === 'lock' && i.how !== 'lock' && i.else === undefined) problems.push(`${p}.else: a ${i.how} needs the label to go to when the lock is busy`);
    if (i.op === 'lock' && i.recursive && (i.mode !== 'read' || i.how !== 'lock' || f.locks[i.lock] !== 'rwsem')) problems.push(`${p}.recursive: only a plain read lock of an rwsem is taken once per open window (mode 'read', how 'lock')`);
    if ((i.op === 'add' || i.op === 'snapshot' || i.op === 'waitZero') && !Object.hasOwn(f.counters, i.counter)) problems.push(`${p}.counter: unknown counter '${i.counter}' (declared: ${Object.keys(f.counters).join(', ') || 'none'})`);
    if ((i.op === 'jump' || i.op === 'warn_on' || i.op === 'bug_on') && i.if) conds(i.if, `${p}.if`);
    if (i.op === 'ret' && returns && !returns.values.includes(i.value)) problems.push(`${p}.value: ${returns.text} (got ${i.value})`);
    if (i.op === 'ret' && i.finish && at !== 'interval.invalidate_start') problems.push(`${p}.finish: only a two-pass invalidate_start hands the core a finish (v7.1); this is ${at}`);
    if (i.op === 'ret' && i.finish && i.value !== 0) problems.push(`${p}.finish: a finish goes with true (value 0); with false the core drops it`);
    // get_user_pages resolves the faulting page for a thread that holds mm_users (docs/kernel.md §10.1 item 1); in a callback the thread is the invalidator.
    if (i.op === 'gup' && !(at.endsWith('.fault') || at === 'ioctl')) problems.push(`${p}: 'gup' only in a fault or ioctl program (it resolves the page a device faults on)`);
  });
};

const programs = (f: DriverFile): [string, Source][] => {
  const all: [string, Source | null | undefined][] = [
    ['hlist.invalidate_range_start', f.hlist?.invalidate_range_start],
    ['hlist.invalidate_range_end', f.hlist?.invalidate_range_end],
    ['hlist.release', f.hlist?.release],
    ['hlist.fault', f.hlist?.fault],
    ['interval.invalidate', f.interval?.invalidate],
    ['interval.invalidate_start', f.interval?.invalidate_start],
    ['interval.invalidate_finish', f.interval?.invalidate_finish],
    ['interval.fault', f.interval?.fault],
    ['combined.invalidate', f.combined?.invalidate],
    ['combined.fault', f.combined?.fault],
    ['ioctl', f.ioctl],
  ];
  return all.filter((x): x is [string, Source] => x[1] !== null && x[1] !== undefined);
};

const INSTR_OPS: readonly string[] = instr.options.map((o) => (o.shape.op as z.ZodLiteral<string>).value);
const COND_KINDS: readonly string[] = ['nonblockable', 'intersects', 'nonzero', 'changed', 'above', 'below', 'not', 'any'];

/** The value at `path` in `data`. */
const at = (data: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((x, k) => (typeof x === 'object' && x !== null && Object.hasOwn(x, k) ? (x as Record<PropertyKey, unknown>)[k] : undefined), data);

/** A plain issue (no union) at `path` as one line. */
const plain = (i: z.core.$ZodIssue, path: readonly PropertyKey[], value: unknown): string => {
  if (i.code === 'invalid_type') return `${formatPath(path)}: ${value === undefined ? `missing (expected ${i.expected})` : `expected ${i.expected} (got ${shown(value)})`}`;
  if (i.code === 'invalid_value') return `${formatPath(path)}: ${value === undefined ? `missing (expected ${i.values.map(shown).join(' | ')})` : `expected ${i.values.map(shown).join(' | ')} (got ${shown(value)})`}`;
  // A record's key: say what is wrong with the key (zod's own message is "Invalid key in record").
  if (i.code === 'invalid_key') return `${formatPath(path)}: the name is invalid: ${i.issues.map((k) => k.message.replace(/^Invalid input: /, '').replace(/^T/, 't')).join('; ')}`;
  return `${formatPath(path)}: ${i.message.replace(/^Invalid input: /, '')}${value !== undefined && typeof value !== 'object' ? ` (got ${shown(value)})` : ''}`;
};

/** What is wrong with a jump's condition at `path`, checked form by form (never through the union, whose message says nothing). */
const condProblems = (c: unknown, path: readonly PropertyKey[]): string[] => {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return [`${formatPath(path)}: expected a condition {"is": …} (got ${shown(c)})`];
  const o = c as Record<string, unknown>;
  if (!COND_KINDS.includes(String(o.is))) return [`${formatPath(path)}.is: ${o.is === undefined ? 'missing' : `unknown condition ${shown(o.is)}`} (valid: ${COND_KINDS.join(', ')})`];
  const extra = Object.keys(o).filter((k) => k !== 'is' && k !== (o.is === 'not' ? 'cond' : o.is === 'any' ? 'conds' : '')).map((k) => `${formatPath([...path, k])}: unknown key`);
  if (o.is === 'not') return [...extra, ...condProblems(o.cond, [...path, 'cond'])];
  if (o.is === 'any') {
    if (!Array.isArray(o.conds) || o.conds.length === 0) return [...extra, `${formatPath([...path, 'conds'])}: expected a non-empty array of conditions (got ${shown(o.conds)})`];
    return [...extra, ...o.conds.flatMap((x, k) => condProblems(x, [...path, 'conds', k]))];
  }
  const r = condBase.safeParse(o);
  return r.success ? [] : r.error.issues.map((x) => plain(x, [...path, ...x.path], at(o, x.path)));
};

/** Whether an issue's path is a condition's place: a jump's `if`, a `not`'s `cond`, an element of an `any`'s `conds`. */
const isCondPath = (path: readonly PropertyKey[]): boolean => path.at(-1) === 'if' || path.at(-1) === 'cond' || path.at(-2) === 'conds';

/**
 * An issue as lines a driver author can act on. zod reports a program element or a condition
 * that matches none of its forms as "Invalid input": say which op or condition is unknown, or
 * validate the instruction on its own for what is wrong inside it.
 */
const describe = (data: unknown, i: z.core.$ZodIssue, base: readonly PropertyKey[] = []): string[] => {
  const path = [...base, ...i.path];
  const value = at(data, path);
  if (i.code === 'invalid_union' && isCondPath(path)) return condProblems(value, path);
  if (i.code === 'invalid_union' || (i.code === 'invalid_value' && path.at(-1) === 'op')) {
    const el = i.code === 'invalid_union' ? value : at(data, path.slice(0, -1));
    const elPath = i.code === 'invalid_union' ? path : path.slice(0, -1);
    if (typeof el === 'string') return [`${formatPath(elPath)}: ${shown(el)} is neither an instruction nor a label ':name'`];
    if (typeof el !== 'object' || el === null || Array.isArray(el)) return [`${formatPath(elPath)}: expected an instruction {"op": …} or a label ':name' (got ${shown(el)})`];
    const o = el as Record<string, unknown>;
    if (!INSTR_OPS.includes(String(o.op))) return [`${formatPath(elPath)}.op: ${o.op === undefined ? 'missing' : `unknown op ${shown(o.op)}`} (valid: ${INSTR_OPS.join(', ')})`];
    // The op is known, so the discriminated union reports fields (and an `if` as a union at its own path): no loop.
    const r = instr.safeParse(o);
    return r.success ? [`${formatPath(elPath)}: invalid instruction`] : r.error.issues.flatMap((x) => describe(data, x, elPath));
  }
  return [plain(i, path, value)];
};

/** Validate a parsed JSON value as a driver file; every problem is listed. */
export const parseDriverFile = (data: unknown): Parsed<DriverFile> => {
  const r = driverFileSchema.safeParse(data);
  if (!r.success) return { ok: false, problems: [...new Set(r.error.issues.flatMap((i) => describe(data, i)))] };
  const problems: string[] = [];
  if (!r.data.hlist && !r.data.interval) problems.push('hlist, interval: a driver needs a classic (hlist) or an interval form');
  if (r.data.combined && !r.data.hlist) problems.push('combined: a combined per-fault interval notifier needs the classic (hlist) form beside it');
  const iv = r.data.interval;
  if (iv) {
    if (iv.invalidate && iv.invalidate_start) problems.push('interval: give invalidate (one pass) or invalidate_start with invalidate_finish (two passes, v7.1), not both');
    else if (!iv.invalidate && !iv.invalidate_start) problems.push('interval.invalidate: missing: an interval notifier needs invalidate, or invalidate_start with invalidate_finish (v7.1)');
    if (iv.invalidate_start && !iv.invalidate_finish)
      problems.push('interval.invalidate_finish: missing: an invalidate_start without an invalidate_finish (mmu_interval_notifier_insert: WARN_ON_ONCE(ops->invalidate_start && !ops->invalidate_finish); a finish it hands out would be called through NULL)');
    if (iv.invalidate_finish && !iv.invalidate_start) problems.push('interval.invalidate_finish: a finish goes with invalidate_start (two passes), not with invalidate');
  }
  for (const [at, src] of programs(r.data)) checkProgram(r.data, at, src, problems);
  for (const [c, d] of Object.entries(r.data.counters))
    if (d.min !== undefined && d.max !== undefined && d.min > d.max) problems.push(`counters.${c}: min ${d.min} is above max ${d.max}; the range would be empty`);
  return problems.length ? { ok: false, problems } : { ok: true, value: r.data };
};

/** Where control can go from the instruction at `k` (code indices): on, and to a label. */
const successors = (i: Exclude<Source[number], string>, k: number, label: (l: string) => number | undefined): number[] => {
  const to = i.op === 'jump' || i.op === 'retry' ? i.to : i.op === 'readRetry' ? i.then : i.op === 'lock' ? i.else : undefined;
  const jumped = to === undefined ? undefined : label(to);
  return [...(fallsThrough(i) ? [k + 1] : []), ...(jumped === undefined ? [] : [jumped])];
};

/**
 * What `driver check` warns of in a valid file: a label no instruction jumps to, and
 * instructions no path from the program's start reaches (after a 'ret', a 'retry' or a 'jump'
 * without 'if', with no label jumped to before them). Neither changes what the model checks,
 * as a C compiler only warns of them; each is likely a slip (a misspelt jump, a lost label).
 */
export const driverFileWarnings = (f: DriverFile): string[] => {
  const out: string[] = [];
  for (const [at, src] of programs(f)) {
    const code: { instr: Exclude<Source[number], string>; src: number }[] = [];
    const labels = new Map<string, number>();
    src.forEach((x, k) => {
      if (typeof x === 'string') labels.set(x.slice(1), code.length);
      else code.push({ instr: x, src: k });
    });
    const targeted = new Set(code.flatMap(({ instr: i }) => (i.op === 'jump' || i.op === 'retry' ? [i.to] : i.op === 'readRetry' ? [i.then] : i.op === 'lock' && i.else !== undefined ? [i.else] : [])));
    src.forEach((x, k) => {
      if (typeof x === 'string' && !targeted.has(x.slice(1))) out.push(`${at}[${k}]: label '${x}' is unused: no instruction jumps to it`);
    });
    const reached = new Set<number>();
    const todo = code.length ? [0] : [];
    while (todo.length) {
      const k = todo.pop() as number;
      if (reached.has(k) || k >= code.length) continue;
      reached.add(k);
      todo.push(...successors(code[k].instr, k, (l) => labels.get(l)));
    }
    // Consecutive unreachable instructions as one warning.
    for (let k = 0; k < code.length; k++) {
      if (reached.has(k)) continue;
      let e = k;
      while (e + 1 < code.length && !reached.has(e + 1)) e++;
      const n = e - k + 1;
      const before = k > 0 ? ` (after '${code[k - 1].instr.op}' at [${code[k - 1].src}])` : '';
      out.push(`${at}[${code[k].src}]${n > 1 ? `..[${code[e].src}]` : ''}: unreachable: no path from the program's start reaches ${n > 1 ? `these ${n} instructions` : 'this instruction'}${before}`);
      k = e;
    }
  }
  return out;
};

const compile = (src: Source): Program => program(src as readonly (Instr | `:${string}`)[]);

/** The model's definition of a validated driver file. */
export const toDriverDef = (f: DriverFile): DriverDef => ({
  driver: f.driver,
  era: f.era,
  ...(f.kernels ? { kernels: f.kernels } : {}),
  domainRef: f.source,
  summary: f.summary,
  locks: f.locks,
  counters: f.counters,
  hlist: f.hlist && {
    invalidate_range_start: compile(f.hlist.invalidate_range_start),
    invalidate_range_end: f.hlist.invalidate_range_end && compile(f.hlist.invalidate_range_end),
    ...(f.hlist.release !== undefined ? { release: f.hlist.release && compile(f.hlist.release) } : {}),
    fault: f.hlist.fault && compile(f.hlist.fault),
  },
  interval: f.interval && {
    invalidate: compile((f.interval.invalidate ?? f.interval.invalidate_start) as Source),
    fault: f.interval.fault && compile(f.interval.fault),
    ...(f.interval.invalidate_start ? { invalidate_finish: f.interval.invalidate_finish ? compile(f.interval.invalidate_finish) : null } : {}),
  },
  ...(f.combined ? { combined: { invalidate: compile(f.combined.invalidate), fault: f.combined.fault && compile(f.combined.fault) } } : {}),
  ioctl: f.ioctl && compile(f.ioctl),
  ...(f.pinsPages ? { pinsPages: true } : {}),
  ...(f.faultInTask ? { faultInTask: { ...f.faultInTask } } : {}),
});

/** A compiled program back to its source: each label before the instruction it names. */
const decompile = (p: Program): Source => {
  const at = new Map<number, string[]>();
  for (const [l, i] of Object.entries(p.labels)) at.set(i, [...(at.get(i) ?? []), `:${l}`]);
  const out: Source = [];
  p.code.forEach((i, k) => out.push(...(at.get(k) ?? []), i as Source[number]));
  out.push(...(at.get(p.code.length) ?? []));
  return out;
};

/** Any definition (a preset) in the file format: the usual way to start a driver of one's own. */
export const fromDriverDef = (d: DriverDef): DriverFile => ({
  format: DRIVER_FORMAT,
  driver: d.driver,
  era: d.era,
  ...(d.kernels ? { kernels: { ...d.kernels } } : {}),
  summary: d.summary,
  source: d.domainRef,
  locks: { ...d.locks },
  counters: Object.fromEntries(Object.entries(d.counters).map(([k, v]) => [k, { balanced: v.balanced, ...(v.min !== undefined ? { min: v.min } : {}), ...(v.max !== undefined ? { max: v.max } : {}) }])),
  hlist: d.hlist && {
    invalidate_range_start: decompile(d.hlist.invalidate_range_start),
    invalidate_range_end: d.hlist.invalidate_range_end && decompile(d.hlist.invalidate_range_end),
    ...(d.hlist.release !== undefined ? { release: d.hlist.release && decompile(d.hlist.release) } : {}),
    fault: d.hlist.fault && decompile(d.hlist.fault),
  },
  interval:
    d.interval &&
    (d.interval.invalidate_finish !== undefined
      ? { invalidate_start: decompile(d.interval.invalidate), ...(d.interval.invalidate_finish ? { invalidate_finish: decompile(d.interval.invalidate_finish) } : {}), fault: d.interval.fault && decompile(d.interval.fault) }
      : { invalidate: decompile(d.interval.invalidate), fault: d.interval.fault && decompile(d.interval.fault) }),
  ...(d.combined ? { combined: { invalidate: decompile(d.combined.invalidate), fault: d.combined.fault && decompile(d.combined.fault) } } : {}),
  ioctl: d.ioctl && decompile(d.ioctl),
  ...(d.pinsPages ? { pinsPages: true } : {}),
  ...(d.faultInTask ? { faultInTask: { ...d.faultInTask } } : {}),
});

/** The built-in catalogue plus these drivers (a file may not reuse a preset's name: see driverFilesProblems). */
export const catalogueWith = (files: readonly DriverFile[]): Catalogue =>
  files.length === 0 ? BUILTIN : { ...BUILTIN, drivers: { ...BUILTIN.drivers, ...Object.fromEntries(files.map((f) => [f.driver, toDriverDef(f)])) } };

/** Problems with a set of driver files as a whole: a preset's name, or the same name twice. */
export const driverFilesProblems = (files: readonly DriverFile[]): string[] => {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (Object.hasOwn(BUILTIN.drivers, f.driver) || f.driver === 'generic') out.push(`driver: '${f.driver}' is a preset's name; give the file's driver a name of its own`);
    else if (seen.has(f.driver)) out.push(`driver: '${f.driver}' is defined twice`);
    seen.add(f.driver);
  }
  return out;
};

/** Whether the file states assertions of its own (INV-18): a `warn_on` or `bug_on`, or a counter with a declared range. */
export const declaresAssertions = (f: DriverFile): boolean =>
  Object.values(f.counters).some((c) => c.min !== undefined || c.max !== undefined) ||
  programs(f).some(([, src]) => src.some((i) => typeof i !== 'string' && (i.op === 'warn_on' || i.op === 'bug_on')));

/** The driver files a scenario uses (a saved case embeds them, so the stock tool can replay it). */
export const driversUsed = (scenario: Pick<Scenario, 'notifiers'>, files: readonly DriverFile[]): DriverFile[] =>
  files.filter((f) => scenario.notifiers.some((n) => n.driver === f.driver));
