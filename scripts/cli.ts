/**
 * Shared CLI plumbing: argument parsing (node:util parseArgs), bad input → one line per problem
 * on stderr and exit 2, notifier specs, input files, and the colour decision. No model logic and
 * no rendering here (report/).
 *
 * A command is a function of its arguments and an Io (streams, environment, the SIGINT signal),
 * so it runs the same in its own process (main) and in a test (runCommand with captured
 * streams). It never exits the process itself.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import picocolors from 'picocolors';
import { declaresAssertions, driverFilesProblems, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { closest, parseScenarioTemplate } from '../engine/case-format.ts';
import { readTextFile, SaveError } from '../engine/cases.ts';
import { ALL_INVARIANT_NAMES, DRIVER_INVARIANT_NAMES, DRIVER_NAMES, INVARIANT_NAMES, KERNEL_NAMES, kernelNamed, REAPER_ERAS, STRATEGY_NAMES, type NotifierSpec, type ReaperEra } from '../model/index.ts';
import type { Colors } from '../report/colors.ts';
import { escapeText } from '../report/escape.ts';
import { DEFAULT_WIDTH } from '../report/timeline.ts';

export interface Out {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  /** A terminal's width (process.stdout.columns): the timeline and the matrix fit it. */
  readonly columns?: number;
}

export interface Io {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT (check and compare stop, print what they have, and return 130). */
  readonly signal?: AbortSignal;
  /** Run the engine in this thread instead of a worker (stops between units only). */
  readonly inline?: boolean;
}

export type Command = (argv: readonly string[], io: Io) => number | Promise<number>;

/**
 * Exit codes (docs/design.md §6). `bounded`: nothing violated, but a bound (--max-states,
 * --max-memory, --depth) cut some search short, so a "holds" is not a proof of every
 * interleaving: check's "holds ≤ bound", compare's proof that did not complete.
 */
export const EXIT = { ok: 0, violated: 1, usage: 2, drift: 3, bounded: 4, internal: 70, interrupted: 130, terminated: 143 } as const;

/** The width to print for: the terminal's, else 100 columns (report/timeline.ts DEFAULT_WIDTH). */
/** How often --progress writes a line when stderr is not a terminal. */
export const PROGRESS_EVERY_MS = 10_000;

/**
 * Progress off a terminal (--progress): the first line at once, then at most one per
 * PROGRESS_EVERY_MS, each a plain line on stderr (a CI log keeps every one).
 */
export const plainProgress = (io: Io): ((line: string) => void) => {
  let last = -Infinity;
  return (line) => {
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    io.stderr.write(`${line}\n`);
  };
};

export const widthFor = (io: Io): number => (io.stdout.isTTY === true && typeof io.stdout.columns === 'number' && io.stdout.columns > 0 ? io.stdout.columns : DEFAULT_WIDTH);

/** Colour only on a terminal (not merely because CI is set), and never with NO_COLOR. */
export const colorsFor = (io: Io): Colors => picocolors.createColors(io.stdout.isTTY === true && !io.env.NO_COLOR);

/** Bad input: every problem, one line each (escaped), exit 2, no stack trace (docs/design.md §6). */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

export const fail = (...problems: string[]): never => {
  throw new UsageError(problems);
};

/** Collects the problems of several arguments so that one run reports all of them. */
export class Problems {
  readonly list: string[] = [];
  /** `f()`, or `dflt` with f's problems recorded. */
  take<T>(f: () => T, dflt: T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      this.list.push(...e.problems);
      return dflt;
    }
  }
  add(...problems: string[]): void {
    this.list.push(...problems);
  }
  /** Throw every problem collected so far, if any. */
  check(): void {
    if (this.list.length) throw new UsageError([...new Set(this.list)]);
  }
}

/** `f()`, its problems (if any) each prefixed, e.g. with the file they come from. */
export const within = <T,>(prefix: string, f: () => T): T => {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.problems.map((p) => `${prefix}${p}`));
    throw e;
  }
};

/** Run a command with its failures mapped to exit codes: 2 bad input, 70 a bug (one line, no stack trace). */
export const runCommand = async (cmd: Command, argv: readonly string[], io: Io): Promise<number> => {
  try {
    return await cmd(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      for (const p of e.problems) io.stderr.write(`error: ${escapeText(p)}\n`);
      return EXIT.usage;
    }
    if (e instanceof SaveError) {
      io.stderr.write(`error: ${escapeText(e.message)}\n`);
      return EXIT.usage;
    }
    reportInternal(e, io.stderr, io.env);
    return EXIT.internal;
  }
};

/** A bug in the tool: one line (its message, control bytes escaped); the stack only with MNC_DEBUG set. */
const reportInternal = (e: unknown, stderr: { write: (s: string) => unknown }, env: Readonly<Record<string, string | undefined>>): void => {
  stderr.write(`internal error: ${escapeText(e instanceof Error ? e.message : String(e))}\n`);
  if (env.MNC_DEBUG && e instanceof Error && e.stack) stderr.write(`${e.stack}\n`);
};

/** Whether `moduleUrl` is the script node was started with (the command then runs as a process). */
export const isEntry = (moduleUrl: string): boolean => {
  // In the bundle (dist/cli.mjs, scripts/run.mjs) every module has the bundle's URL: run.mjs picks the command.
  if (moduleUrl.endsWith('.mjs')) return false;
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(argv1);
  } catch {
    return false;
  }
};

/**
 * Run a command as the process: a closed stdout (`| head -1`) ends it quietly, and with
 * `interruptible` the first SIGINT aborts the command's signal (it prints what it has and
 * returns 130) while a second one exits at once.
 */
export const main = (cmd: Command, opts: { interruptible?: boolean; argv?: readonly string[] } = {}): void => {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      // Output the tool cannot write (a full disk, /dev/full) is the invocation's problem, not a bug: say so once.
      if (stream === process.stdout) {
        try {
          process.stderr.write(`error: cannot write the output: ${escapeText(e.code ?? e.message)}\n`);
        } catch {
          // stderr is gone too: the exit code alone tells
        }
      }
      process.exit(EXIT.usage);
    });
  // A bug outside the command's own promise (an event handler, a timer) is still one line and exit 70, never a stack trace.
  const internal = (e: unknown) => {
    reportInternal(e, process.stderr, process.env);
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', internal);
  process.on('unhandledRejection', internal);
  const ac = new AbortController();
  // SIGTERM (a CI cancel, `timeout`) stops the command as SIGINT does, and exits 128 + 15.
  let terminated = false;
  if (opts.interruptible)
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      process.on(sig, () => {
        if (ac.signal.aborted) process.exit(sig === 'SIGTERM' || terminated ? EXIT.terminated : EXIT.interrupted);
        terminated = sig === 'SIGTERM';
        ac.abort(sig);
      });
  const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: ac.signal };
  // process.exitCode, not process.exit(): a large --json output to a pipe must be flushed first.
  void runCommand(cmd, opts.argv ?? process.argv.slice(2), io).then((code) => {
    process.exitCode = terminated && code === EXIT.interrupted ? EXIT.terminated : code;
  });
};

/** An argument as shown in a message: escaped later, cut when very long. */
const shown = (v: string) => `'${v.length > 80 ? `${v.slice(0, 77)}...` : v}'`;

/** The flags that take a comma-separated list. */
const LIST_FLAGS: readonly string[] = ['strategy', 'invariant', 'notifiers', 'threads', 'family'];

/**
 * The command line and every problem with it, named at once (parseArgs' strict mode stops at
 * the first): unknown options, a value missing or given to a flag that takes none, positionals
 * where none are taken, and a flag given twice (the last value would win silently: '--invariant
 * A --invariant B' judging only B). A value may start with '-' ('--runs -5'): the flag's own
 * check then says what is wrong with it. A flag with a problem is left out of `values`, so the
 * command's own checks of the others still run and report theirs too.
 */
export const parseCollecting = <T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T, allowPositionals = false) => {
  const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const problems: string[] = [];
  const bad = new Set<string>();
  const seen = new Map<string, number>();
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [`-${o.short}`] : [])));
  // The argument after an unknown option is likely its value ('--bogus x'), not a positional of its own.
  let unknownAt = -2;
  for (const t of parsed.tokens ?? []) {
    if (t.kind === 'positional') {
      if (!allowPositionals && t.index !== unknownAt + 1) problems.push(`Unexpected argument ${shown(t.value)}: this command takes no positional arguments`);
      continue;
    }
    if (t.kind !== 'option') continue;
    // Own keys only: '--constructor' is no option.
    const o = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (o === undefined) {
      problems.push(`Unknown option ${shown(t.rawName)}`);
      bad.add(t.name);
      if (t.value === undefined) unknownAt = t.index;
      continue;
    }
    // Non-strict parseArgs takes the next argument as the value whatever it is: '--dir --check'
    // would write into ./--check. A value from the next argument that looks like a flag is none.
    const swallowed = t.value !== undefined && !t.inlineValue && (t.value.startsWith('--') || shorts.has(t.value));
    if (o.type === 'string' && (t.value === undefined || swallowed)) {
      problems.push(`Option '${t.rawName} <value>' argument missing${swallowed ? ` (${shown(t.value as string)} is a flag; to give a value starting with '-', write ${t.rawName}=VALUE)` : ''}`);
      bad.add(t.name);
    }
    if (o.type === 'boolean' && t.value !== undefined) {
      problems.push(`Option '${t.rawName}' does not take an argument`);
      bad.add(t.name);
    }
    if (!o.multiple) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  }
  for (const [name, n] of seen) if (n > 1) problems.push(`--${name} is given more than once; give it once${LIST_FLAGS.includes(name) ? ' (a list is comma-separated)' : ''}`);
  const values = Object.fromEntries(Object.entries(parsed.values).filter(([k]) => !bad.has(k)));
  type Strict = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;
  return { values: values as Strict['values'], positionals: parsed.positionals, problems: [...new Set(problems)] };
};

/** parseCollecting, its problems thrown at once (commands with few flags). */
export const parse = <T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T, allowPositionals = false) => {
  const r = parseCollecting(argv, options, allowPositionals);
  if (r.problems.length) fail(...r.problems);
  return r;
};

/** What to say of a repeated item, per flag: why each item is given once. */
const REPEAT_HINT: Readonly<Record<string, string>> = {
  '--threads': 'each thread id names one thread (several threads of one kind, as two madvise calls, are not supported yet)',
  '--strategy': 'give each strategy once',
  strategy: 'give each strategy once',
  '--invariant': 'give each invariant once',
  '--family': 'give each family once',
};

/** One problem per item given more than once in a list (nothing is dropped silently: 'x,x' is not 'x'). */
export const repeatProblems = (flag: string, items: readonly string[]): string[] =>
  [...new Set(items.filter((x, i) => items.indexOf(x) !== i))].map((x) => {
    const n = items.filter((y) => y === x).length;
    return `${flag}: ${shown(x)} is given ${n === 2 ? 'twice' : `${n} times`}; ${Object.hasOwn(REPEAT_HINT, flag) ? REPEAT_HINT[flag] : 'give each once'}`;
  });

/** A comma-separated list: no empty item, and no item given twice (kept with `keepRepeats`: 'kvm,kvm' is two notifiers). */
export const listArg = (flag: string, v: string, keepRepeats = false): string[] => {
  // Only blanks are trimmed: a BOM or another invisible character stays, to be shown escaped.
  const items = v.split(',').map((x) => x.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (items.some((x) => x === '')) fail(`${flag}: expected a comma-separated list of names, got ${v === '' ? 'nothing' : shown(v)}`);
  if (!keepRepeats) {
    const repeats = repeatProblems(flag, items);
    if (repeats.length) fail(...repeats);
  }
  return items;
};

/** A list of names: every repeat and every unknown name reported at once. */
export const namesArg = (flag: string, what: string, v: string, valid: readonly string[]): string[] => {
  const given = listArg(flag, v, true);
  const p = new Problems();
  p.add(...repeatProblems(flag, given));
  p.take(() => checkNames(what, [...new Set(given)], valid), undefined);
  p.check();
  return given;
};

/** Names looked up in a list of valid ones (an array: 'constructor' or '__proto__' is never found). */
export const checkNames = (what: string, given: readonly string[], valid: readonly string[]): void => {
  const bad = given.filter((g) => !valid.includes(g));
  if (bad.length)
    fail(
      ...bad.map((g) => {
        const near = closest(g, valid);
        return `unknown ${what} ${shown(g)}${near ? ` (did you mean '${near}'?)` : ''} (valid: ${valid.join(', ')})`;
      }),
    );
};

export const strategiesArg = (v: string | undefined, flag = '--strategy'): string[] => {
  if (v === undefined) return [...STRATEGY_NAMES];
  return namesArg(flag, 'strategy', v, STRATEGY_NAMES);
};

/**
 * The invariants named, or by default the protocol's (INV-1 … INV-17, INV-9b) plus DriverAssertions
 * (INV-18) when one of these driver files states assertions of its own (warn_on, bug_on, a counter range).
 */
export const invariantsArg = (v: string | undefined, drivers: readonly DriverFile[] = []): string[] => {
  if (v === undefined) return [...INVARIANT_NAMES, ...(drivers.some(declaresAssertions) ? DRIVER_INVARIANT_NAMES : [])];
  return namesArg('--invariant', 'invariant', v, ALL_INVARIANT_NAMES);
};

/** --kernel RELEASE (model/kernel.ts), or undefined. */
export const kernelArg = (v: string | undefined): string | undefined => {
  if (v === undefined) return undefined;
  checkNames('kernel', [v], KERNEL_NAMES);
  return v;
};

/**
 * --kernel and --reaper: the run's reaper era and kernel. A kernel fixes its reaper (v4.14 runs
 * skip-if-notifiers), so the two together are refused; --reaper alone is the model without a
 * named kernel, as before (docs/kernel.md §11).
 */
export const eraArgs = (p: Problems, v: { readonly kernel?: string; readonly reaper?: string }): { readonly reaper: ReaperEra; readonly kernel?: string } => {
  const kernel = p.take(() => kernelArg(v.kernel), undefined);
  const named = kernel === undefined ? undefined : kernelNamed(kernel);
  if (v.kernel !== undefined && v.reaper !== undefined) {
    p.add(`--kernel fixes the reaper era${named ? ` (${named.name} runs ${named.reaper})` : ''}: give --kernel or --reaper, not both`);
    return { reaper: named?.reaper ?? 'nonblock-per-vma' };
  }
  if (named) return { reaper: named.reaper, kernel };
  return { reaper: p.take(() => reaperArg(v.reaper), 'nonblock-per-vma') };
};

export const reaperArg = (v: string | undefined): ReaperEra => {
  if (v === undefined) return 'nonblock-per-vma';
  checkNames('reaper era', [v], REAPER_ERAS);
  return v as ReaperEra;
};

/**
 * What `@ADDR` is, for --help and for the messages that refuse one: the address of the
 * notifier's struct mmu_notifier as the model uses it (model/strategies/hooks.ts sortedAdd,
 * sorted-undo.ts; docs/kernel.md §5.2).
 */
export const ADDR_TEXT =
  "ADDR (a decimal integer) stands for the address of the notifier's struct mmu_notifier: sorted-undo keeps the hlist sorted by it, ascending, and its undo stops at the first notifier whose address is not below the failing one's; the other strategies walk the list in registration order (newest first) and do not use it. Each notifier needs its own address; without @ADDR the k-th notifier gets 256*k (256, 512, ...)";

/** `[NAME=]DRIVER[@ADDR],...`: names default to A, B, C…; addresses to 256, 512, … */
export const notifiersArg = (v: string, extraDrivers: readonly string[] = []): NotifierSpec[] => {
  const p = new Problems();
  const out: NotifierSpec[] = [];
  const explicit = new Set<number>();
  for (const [i, item] of listArg('--notifiers', v, true).entries()) {
    const m = /^(?:([A-Za-z][A-Za-z0-9_]*)=)?([A-Za-z0-9][A-Za-z0-9._-]*)(?:@(\d{1,9}))?$/.exec(item);
    if (!m) {
      const at = item.indexOf('@');
      p.add(`--notifiers: cannot read ${shown(item)} (expected [NAME=]DRIVER[@ADDR]${at >= 0 ? `; ${ADDR_TEXT}` : ''})`);
      continue;
    }
    const [, name, driver, addr] = m;
    p.take(() => checkNames('driver', [driver], [...DRIVER_NAMES, ...extraDrivers]), undefined);
    if (addr) explicit.add(i);
    out.push({ name: name ?? (i < 26 ? String.fromCharCode(65 + i) : `N${i}`), driver, address: addr ? Number(addr) : 256 * (i + 1) });
  }
  // Two notifiers at one address: named here with what ADDR is (the model would only say "need a distinct integer").
  out.forEach((n, k) => {
    const first = out.findIndex((o) => o.address === n.address);
    if (first === k) return;
    const how = (j: number) => (explicit.has(j) ? `@${out[j].address}` : `${out[j].address} by default, as notifier ${j + 1}`);
    p.add(`--notifiers: ${n.name} (${n.driver}) and ${out[first].name} (${out[first].driver}) have the same address (${n.name}: ${how(k)}; ${out[first].name}: ${how(first)}); ${ADDR_TEXT}`);
  });
  p.check();
  return out;
};

/** A whole decimal number within [min, max]: no hex, exponent, sign, fraction or empty string. */
export const intArg = (flag: string, v: string | undefined, dflt: number, min: number, max: number): number => {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) return fail(`${flag}: expected an integer from ${min} to ${max} (decimal digits), got ${v === '' ? 'nothing' : shown(v)}`);
  const n = Number(v);
  if (n < min || n > max) return fail(`${flag}: ${shown(v)} is out of range (${min} to ${max})`);
  return n;
};

/** Bounds of the numeric flags. */
export const LIMITS = {
  runs: 1_000_000,
  depth: 10_000,
  maxStates: 100_000_000,
  maxMemoryMb: 1 << 20,
  maxThreads: 8,
  workers: 64,
  timeLimitSeconds: 86_400,
  seed: 0xffff_ffff,
} as const;

export const seedArg = (v: string | undefined, env: Io['env']): number => {
  if (v !== undefined) return intArg('--seed', v, 0, 0, LIMITS.seed);
  const fromEnv = env.FC_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return intArg('FC_SEED', fromEnv, 0, 0, LIMITS.seed);
  return 42;
};

/** `--format`: how a counterexample is printed (text: the terminal's timeline; mail: report/mail.ts). */
export const FORMATS = ['text', 'mail'] as const;
export type Format = (typeof FORMATS)[number];
export const formatArg = (v: string | undefined): Format => {
  if (v === undefined) return 'text';
  checkNames('format', [v], FORMATS);
  return v as Format;
};

export const fileArg = (flag: string, v: string): string => (v === '' ? fail(`${flag}: expected a file name, got nothing`) : v);

/** The deepest nesting of arrays and objects an input may have: the formats need fewer than ten levels. */
export const MAX_NESTING = 64;

/** How deeply `v` nests arrays and objects, counted without recursion (a hostile file can nest 100,000 deep). */
const nesting = (v: unknown, limit: number): number => {
  let deepest = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [unknown, number];
    if (x === null || typeof x !== 'object') continue;
    deepest = Math.max(deepest, d + 1);
    if (deepest > limit) return deepest;
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push([y, d + 1]);
  }
  return deepest;
};

/** A JSON input file: a regular file of at most 10 MB of UTF-8 JSON text, nested at most MAX_NESTING deep, else one line naming the file and why. */
export const readJson = (file: string): unknown => {
  const r = readTextFile(file);
  if (!r.ok) return fail(`${file}: ${r.error}`);
  if (r.text.trim() === '') return fail(`${file}: empty file, not JSON`);
  let data: unknown;
  try {
    data = JSON.parse(r.text);
  } catch (e) {
    return fail(`${file}: not valid JSON (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
  // The validators recurse: nesting this deep would exhaust the stack (an internal error, not a message).
  if (nesting(data, MAX_NESTING) > MAX_NESTING) return fail(`${file}: arrays and objects nested more than ${MAX_NESTING} levels deep; no file of this tool needs that`);
  return data;
};

/** A --scenario file: its template (strategy and threads optional) and inline drivers, every problem prefixed with the file. */
export const readScenarioTemplate = (file: string, kernel?: string) => {
  const r = parseScenarioTemplate(readJson(file), kernel);
  return r.ok ? r.value : fail(...r.errors.map((e) => `${file}: ${e}`));
};

/** `--driver FILE` (repeatable): each file read and validated, every problem listed with its file and path. */
export const driversArg = (files: readonly string[] | undefined): DriverFile[] => {
  const p = new Problems();
  const out: DriverFile[] = [];
  for (const f of files ?? []) {
    const file = p.take(() => fileArg('--driver', f), undefined);
    if (file === undefined) continue;
    const data = p.take(() => readJson(file), undefined);
    if (data === undefined) continue;
    const r = parseDriverFile(data);
    if (r.ok) out.push(r.value);
    else for (const e of r.problems) p.add(`${file}: ${e}`);
  }
  for (const e of driverFilesProblems(out)) p.add(`--driver: ${e}`);
  p.check();
  return out;
};

/**
 * A driver file no notifier uses would be read, validated and then ignored, the defaults
 * checked instead: refused, naming the file and what the notifiers are (`where`, `fix`).
 */
export const unusedDriverProblems = (files: readonly string[] | undefined, drivers: readonly DriverFile[], used: readonly string[], where: string, fix: (driver: string) => string): string[] =>
  drivers.flatMap((d, k) => (used.includes(d.driver) ? [] : [`--driver ${shown(files?.[k] ?? d.driver)}: no notifier uses its driver '${d.driver}' (${where}); ${fix(d.driver)}`]));
