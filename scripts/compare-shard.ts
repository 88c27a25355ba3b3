/**
 * `compare --shard K/N --json` and `compare --merge FILE…` (issue #23 item 6; docs/design.md §6):
 * a shard runs the tasks of compare's job (scripts/jobs.ts compareTasks: a (group of strategies
 * that share proofs, family) pair each) whose index is K-1 modulo N, and writes their per-task results with every option
 * the results depend on; a merge reads the N shards, checks that they are one job's N parts
 * (the same options, each K once, each task's results where the rule puts them), and hands
 * compare's printing the units combined as the worker threads' results are (combineUnits).
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { families as FAMILIES } from '../checks/families.ts';
import { describeIssues, parseScenarioTemplate } from '../engine/case-format.ts';
import type { Cell, FamilyTemplate, ProofOptions } from '../engine/compare.ts';
import { parseDriverFile, driverFilesProblems, type DriverFile } from '../engine/driver-format.ts';
import { ALL_INVARIANT_NAMES, STRATEGY_NAMES } from '../model/index.ts';
import { fail, LIMITS, Problems, readJson } from './cli.ts';
import { compareTasks, planOf, shardTasks, type CompareJob, type TaskResult } from './jobs.ts';

/** The `format` of a shard file (a new field may be added within a version). */
export const COMPARE_SHARD_FORMAT = 'mmu-notifier-checker/compare-shard@2';

/** At most this many shards (a CI matrix of more jobs than compare has tasks would run empty ones). */
export const MAX_SHARDS = 1000;

/** Everything a shard's results depend on, and what the printing needs: equal in every shard of one run. */
export interface ShardOptions {
  readonly seed: number;
  readonly runs: number;
  readonly proof: ProofOptions | null;
  readonly strategies: readonly string[];
  readonly invariants: readonly string[];
  /** The families with their templates (or the user's scenario as the one family). */
  readonly families: readonly FamilyTemplate[];
  /** Driver files (--driver, a scenario's inline drivers), as data. */
  readonly drivers: readonly DriverFile[];
  /** The user's scenario (--notifiers, --scenario) and the flags that give check the same one. */
  readonly userScenario?: string;
  readonly checkArgs: readonly string[];
}

export interface ShardFile {
  readonly format: typeof COMPARE_SHARD_FORMAT;
  readonly shard: { readonly k: number; readonly n: number };
  /** The job's tasks in all (every shard's). */
  readonly tasks: number;
  readonly options: ShardOptions;
  /**
   * This shard's tasks, ascending, an entry per strategy of a task's group in its order: the
   * task, the (strategy, family) and what compareGroup gave it (null: it cannot run the family).
   */
  readonly results: readonly { readonly task: number; readonly strategy: string; readonly family: string; readonly cells: readonly Cell[] | null }[];
}

/** `K/N`, 1 ≤ K ≤ N ≤ MAX_SHARDS. */
export const shardArg = (v: string): { k: number; n: number } => {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(v);
  if (!m) return fail(`--shard: expected K/N (as 1/3: the first of three shards), got '${v}'`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > MAX_SHARDS) return fail(`--shard ${v}: N must be from 1 to ${MAX_SHARDS}`);
  if (k < 1 || k > n) return fail(`--shard ${v}: K must be from 1 to N (${n})`);
  return { k, n };
};

export const jobOf = (o: ShardOptions): CompareJob => ({ kind: 'compare', strategies: o.strategies, invariants: o.invariants, families: o.families, seed: o.seed, runs: o.runs, proof: o.proof, drivers: o.drivers });

/** The strategies and family of each task of the job, in task order. */
const taskNames = (o: ShardOptions): { strategies: readonly string[]; family: string }[] => compareTasks(jobOf(o)).map((t) => ({ strategies: t.strategies, family: t.family.id }));

/** The results' entries of these tasks: one per strategy of each. */
const entriesOf = (names: readonly { strategies: readonly string[]; family: string }[], tasks: readonly number[]) =>
  tasks.flatMap((task) => names[task].strategies.map((strategy, k) => ({ task, strategy, family: names[task].family, k })));

export const shardFile = (o: ShardOptions, k: number, n: number, tasks: readonly (TaskResult | undefined)[]): ShardFile => {
  const names = taskNames(o);
  return {
    format: COMPARE_SHARD_FORMAT,
    shard: { k, n },
    tasks: names.length,
    options: o,
    results: entriesOf(names, shardTasks(names.length, k, n)).map(({ task, strategy, family, k: at }) => {
      const r = tasks[task];
      if (r?.kind !== 'family') throw new Error(`shard ${k}/${n}: task ${task} has no result`);
      return { task, strategy, family, cells: r.cells[at] ?? null };
    }),
  };
};

const count = z.number().int().min(0);
const violation = z.strictObject({ family: z.string(), steps: count, ms: z.number().min(0), witness: z.string(), cause: z.null(), foundBy: z.literal('exhaustive').optional() });
const cell = z.strictObject({
  strategy: z.string(),
  invariant: z.string(),
  verdict: z.enum(['holds', 'violated', 'n/a']),
  runs: count,
  familiesRun: count,
  ranIn: z.array(z.string()),
  violatedIn: z.array(violation),
  vacuousIn: z.array(z.string()),
  vacuous: z.boolean(),
  provedIn: z.array(z.string()),
  proved: z.boolean(),
  maxThreads: count.nullable(),
  proofStates: count,
  goals: z.record(z.string(), count),
  ms: z.number().min(0).nullable(),
  steps: count.nullable(),
  family: z.string().nullable(),
  witness: z.string().nullable(),
});
const shardSchema = z.strictObject({
  format: z.literal(COMPARE_SHARD_FORMAT),
  shard: z.strictObject({ k: z.number().int().min(1).max(MAX_SHARDS), n: z.number().int().min(1).max(MAX_SHARDS) }),
  tasks: count,
  options: z.strictObject({
    seed: z.number().int().min(0).max(LIMITS.seed),
    runs: z.number().int().min(1).max(LIMITS.runs),
    proof: z.strictObject({ maxThreads: z.number().int().min(1).max(LIMITS.maxThreads), maxStates: z.number().int().min(1).max(LIMITS.maxStates) }).nullable(),
    strategies: z.array(z.enum(STRATEGY_NAMES as [string, ...string[]])).min(1),
    invariants: z.array(z.enum(ALL_INVARIANT_NAMES as [string, ...string[]])).min(1),
    families: z.array(z.strictObject({ id: z.string(), template: z.unknown() })).min(1),
    drivers: z.array(z.unknown()),
    userScenario: z.string().optional(),
    checkArgs: z.array(z.string()),
  }),
  results: z.array(z.strictObject({ task: count, strategy: z.string(), family: z.string(), cells: z.array(cell).nullable() })),
});

/** A shard file read and checked on its own (the schema, its drivers and families, its tasks where K/N puts them), or its problems. */
export const parseShard = (data: unknown): { ok: true; value: ShardFile } | { ok: false; problems: string[] } => {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || (data as { format?: unknown }).format !== COMPARE_SHARD_FORMAT) {
    const f = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as { format?: unknown }).format : undefined;
    return { ok: false, problems: [`not a compare shard (its format is ${typeof f === 'string' ? `'${f}'` : 'missing'}, not '${COMPARE_SHARD_FORMAT}'; write one with compare --shard K/N --json)`] };
  }
  const r = shardSchema.safeParse(data);
  if (!r.success) return { ok: false, problems: describeIssues(r.error, shardSchema) };
  const s = r.data;
  const p: string[] = [];
  if (s.shard.k > s.shard.n) p.push(`shard: ${s.shard.k}/${s.shard.n}: K is above N`);
  const drivers: DriverFile[] = [];
  s.options.drivers.forEach((d, i) => {
    const pd = parseDriverFile(d);
    if (pd.ok) drivers.push(pd.value);
    else p.push(...pd.problems.map((e) => `options.drivers[${i}]: ${e}`));
  });
  p.push(...driverFilesProblems(drivers).map((e) => `options.drivers: ${e}`));
  const fams = s.options.families as FamilyTemplate[];
  for (const [i, f] of fams.entries()) {
    if (s.options.userScenario === undefined) {
      const std = FAMILIES.find((x) => x.id === f.id);
      if (!std) p.push(`options.families[${i}]: unknown family '${f.id}'`);
      else if (!isDeepStrictEqual(std.template, f.template)) p.push(`options.families[${i}]: family '${f.id}' differs from this version's (a shard of another version of the tool?)`);
    } else {
      if (fams.length !== 1 || f.id !== s.options.userScenario) p.push(`options.families: the user's scenario '${s.options.userScenario}' must be the one family`);
      const t = parseScenarioTemplate(f.template);
      if (!t.ok) p.push(...t.errors.map((e) => `options.families[${i}].template: ${e}`));
      else if ('strategy' in t.value.template || t.value.drivers.length) p.push(`options.families[${i}].template: a strategy or drivers inside the template (they are options.strategies and options.drivers)`);
    }
  }
  for (const [what, xs] of [['strategies', s.options.strategies], ['invariants', s.options.invariants], ['families', fams.map((f) => f.id)]] as const) {
    const twice = xs.filter((x, i) => xs.indexOf(x) !== i);
    if (twice.length) p.push(`options.${what}: '${twice[0]}' given twice`);
  }
  if (p.length) return { ok: false, problems: p };
  const options: ShardOptions = { ...s.options, drivers, families: fams } as ShardOptions;
  // The tasks: as many as the options make, this shard's exactly (an entry per strategy of each), each with its names and a cell per invariant.
  const names = taskNames(options);
  if (s.tasks !== names.length) p.push(`tasks: ${s.tasks}, but its options make ${names.length} (${options.strategies.length} strategies in ${new Set(names.map((x) => x.strategies.join())).size} groups sharing proofs × ${fams.length} families)`);
  const want = entriesOf(names, shardTasks(names.length, s.shard.k, s.shard.n));
  const got = s.results.map((x) => x.task);
  if (!isDeepStrictEqual(got, want.map((x) => x.task)))
    p.push(`results: tasks ${got.join(', ') || 'none'}, but shard ${s.shard.k}/${s.shard.n} is tasks ${want.map((x) => x.task).join(', ') || 'none'} (task index mod ${s.shard.n} = ${s.shard.k - 1}; a task's entry once per strategy of its group)`);
  for (const [i, x] of s.results.entries()) {
    const nm = names[x.task];
    if (!nm) continue;
    // Its place among its task's entries: which of the group's strategies it must be.
    const at = s.results.slice(0, i).filter((y) => y.task === x.task).length;
    const strategy = nm.strategies[at];
    if (strategy === undefined) p.push(`results[${i}]: task ${x.task} has ${nm.strategies.length} strategies (${nm.strategies.join(', ')}), and this entry is one more`);
    else if (x.strategy !== strategy || x.family !== nm.family) p.push(`results[${i}]: task ${x.task} is ${strategy} × ${nm.family}, not ${x.strategy} × ${x.family}`);
    if (strategy !== undefined && x.cells && !isDeepStrictEqual(x.cells.map((c) => [c.strategy, c.invariant]), options.invariants.map((inv) => [strategy, inv])))
      p.push(`results[${i}].cells: one cell per invariant of options.invariants, in order, for ${strategy}`);
  }
  return p.length ? { ok: false, problems: p } : { ok: true, value: { ...s, options } as ShardFile };
};

/** Keys sorted, so that options compare by value whatever order a file lists them in. */
const canon = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));

const OPTION_TEXT: Readonly<Record<keyof ShardOptions, string>> = {
  seed: '--seed',
  runs: '--runs',
  proof: '--max-threads/--max-states',
  strategies: '--strategy',
  invariants: '--invariant',
  families: 'the families (--family, --notifiers, --scenario)',
  drivers: 'the drivers (--driver, the scenario\'s)',
  userScenario: 'the user\'s scenario (--notifiers, --scenario)',
  checkArgs: 'the scenario\'s flags (--notifiers, --reaper, --threads, --driver, --scenario)',
};

/**
 * `compare --merge FILE…`: the shards read and checked together (one N, each K once, the same
 * options), every problem named; then the job's options and every task's result in task order.
 */
export const readShards = (files: readonly string[]): { options: ShardOptions; tasks: TaskResult[] } => {
  const p = new Problems();
  if (files.length === 0) fail('--merge: give the shard files (compare --shard K/N --json writes one)');
  const read: { file: string; s: ShardFile }[] = [];
  for (const file of files) {
    const data = p.take(() => readJson(file), undefined);
    if (data === undefined) continue;
    const r = parseShard(data);
    if (r.ok) read.push({ file, s: r.value });
    else p.add(...r.problems.map((e) => `${file}: ${e}`));
  }
  const twice = files.filter((f, i) => files.indexOf(f) !== i);
  for (const f of new Set(twice)) p.add(`--merge: ${f} is given more than once`);
  // Every problem at once: each file's own, then how the files that could be read fit together.
  const [first] = read;
  if (!first) p.check();
  const o = first.s.options;
  let sameSplit = true;
  for (const { file, s } of read.slice(1)) {
    if (s.shard.n !== first.s.shard.n) {
      sameSplit = false;
      p.add(`${file}: shard ${s.shard.k}/${s.shard.n}, but ${first.file} is ${first.s.shard.k}/${first.s.shard.n}: the shards of one run split it the same way`);
    }
    for (const key of Object.keys(OPTION_TEXT) as (keyof ShardOptions)[])
      if (canon(s.options[key]) !== canon(o[key])) {
        const plain = (x: unknown) => x === undefined || typeof x !== 'object';
        const detail = plain(s.options[key]) && plain(o[key]) ? `: ${String(s.options[key] ?? 'none')} against ${String(o[key] ?? 'none')}` : '';
        p.add(`${file}: its ${OPTION_TEXT[key]} differs from ${first.file}'s${detail}; the shards of one run are made with the same options`);
      }
  }
  const n = first.s.shard.n;
  if (sameSplit) {
    const byK = new Map<number, string[]>();
    for (const { file, s } of read) byK.set(s.shard.k, [...(byK.get(s.shard.k) ?? []), file]);
    for (const [k, fs] of [...byK].sort(([x], [y]) => x - y)) if (new Set(fs).size > 1) p.add(`shard ${k}/${n} is given ${new Set(fs).size} times (${[...new Set(fs)].join(', ')})`);
    // A file that could not be read may be the shard missing: named only when every file was read.
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !byK.has(k));
    if (missing.length && read.length === files.length) p.add(`shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing: a merge needs all ${n}`);
  }
  p.check();
  // Each task's entries, one per strategy of its group in order (parseShard checked), make its result.
  const cells = new Map<number, (readonly Cell[] | null)[]>();
  for (const { s } of read) for (const x of s.results) cells.set(x.task, [...(cells.get(x.task) ?? []), x.cells]);
  const tasks = planOf(jobOf(o)).tasks.map((_, i): TaskResult | undefined => {
    const c = cells.get(i);
    return c && { kind: 'family', cells: c };
  });
  const lost = tasks.flatMap((t, i) => (t ? [] : [i]));
  if (lost.length) fail(`--merge: tasks ${lost.join(', ')} are in no shard`);
  return { options: o, tasks: tasks as TaskResult[] };
};
