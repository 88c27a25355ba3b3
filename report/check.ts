/** What `npm run check` prints: the verdict list, each counterexample's block, --json and --format mail. */
import type { Stats } from '../engine/stats.ts';
import { BUILTIN, invariantByName, type Catalogue, type TraceStep } from '../model/index.ts';
import { DEFAULT_MAX_THREADS, DEFAULT_SHORTEST, type CheckProgress, type Checked } from '../engine/check.ts';
import type { FoundInFamily } from '../engine/compare.ts';
import { vacuous } from '../engine/result.ts';
import { plain, type Colors } from './colors.ts';
import { match } from 'ts-pattern';
import { escapeText, shellWord } from './escape.ts';
import { mailText, MAIL_WIDTH } from './mail.ts';
import { DEFAULT_WIDTH, switchesText, timeline } from './timeline.ts';
import { ascii, wrap } from './wrap.ts';

/** The `format` of check's --json object (docs/design.md §6). */
export const CHECK_RESULT_FORMAT = 'mmu-notifier-checker/check-result@1';

/** One result as printed, and as the --json object's `results` holds it. */
export interface CheckRow {
  readonly strategy: string;
  readonly invariant: string;
  readonly verdict: 'holds' | 'violated' | 'holds-up-to-bound';
  readonly engine: 'random' | 'exhaustive';
  readonly runs: number;
  readonly states: number;
  readonly ms: number;
  /** A "holds" whose runs reached none of the situations its invariant is about (engine/result.ts vacuous). */
  readonly vacuous: boolean;
  /** How often each reachability goal (model/goals.ts) was reached: in how many runs (random), or 1/0 whether any explored step reached it (exhaustive); null when violated. */
  readonly goals: Readonly<Record<string, number>> | null;
  /** The exhaustive engine: what cut the search ("holds-up-to-bound"), else null; null for the random engine. */
  readonly bound: 'states' | 'depth' | 'memory' | 'time' | null;
  /** The exhaustive engine over a template without fixed threads: the thread sets searched. */
  readonly threadSets: readonly (readonly string[])[] | null;
  readonly counterexample: {
    readonly steps: number;
    readonly contextSwitches: number;
    readonly witness: string;
    readonly threads: readonly string[];
    readonly schedule: readonly string[];
    readonly trace: readonly TraceStep[];
    readonly file: string | null;
    /** Only a random counterexample was shrunk. */
    readonly shrunkFrom?: number;
    /** No shorter counterexample on its thread set (engine/result.ts Counterexample). */
    readonly shortestOnThreads: boolean;
    /** A lasso: `trace` from index `from` on repeats forever (engine/result.ts Counterexample.cycle). */
    readonly cycle?: { readonly from: number };
  } | null;
}

/** How check was invoked: the header and the `replay:` line repeat it. */
export interface CheckInvocation {
  readonly seed: number;
  readonly runs: number;
  readonly exhaustive: boolean;
  /** The exhaustive bounds given on the command line (absent: the engine's defaults). */
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxMemoryBytes?: number;
  readonly maxThreads?: number;
  /** --shortest-states as given (absent: DEFAULT_SHORTEST). */
  readonly shortest?: number;
  /** As given on the command line: a --scenario file, else the notifier spec. */
  readonly scenarioFile?: string;
  readonly notifiers: string;
  readonly threads?: string;
  /** The reaper era, when not the default (`nonblock-per-vma`) and not from a --scenario file. */
  readonly reaper?: string;
  /** --kernel: the release (it fixes the reaper era). */
  readonly kernel?: string;
  /** --time-limit in seconds: the header then reports the runs actually done. */
  readonly timeLimit?: number;
  /** Per strategy, runs known to be done beyond the results' own counts (the search's progress). */
  readonly runsSeen?: Readonly<Record<string, number>>;
  /** Columns of the output (the timeline fits them); default DEFAULT_WIDTH. */
  readonly width?: number;
  /** --driver files as given: the replay line repeats them (the scenario names their drivers). */
  readonly drivers?: readonly string[];
}

/** A run stopped by SIGINT: `completed` of `total` units (strategies, or strategy × invariant searches) finished. */
export interface Interrupted {
  /** The signal that stopped it (default SIGINT). */
  readonly signal?: 'SIGINT' | 'SIGTERM';
  readonly completed: number;
  readonly total: number;
  readonly unit: string;
  /**
   * Of the strategies the stop cut short: the invariants their runs had violated, and the first
   * run of each (not shrunk); compare's also name the family, and its proofs' finds have no run.
   */
  readonly foundSoFar?: readonly (FoundInFamily & { readonly strategy: string; readonly family?: string })[];
}

export const interruptedLine = (i: Interrupted): string =>
  `interrupted (${i.signal ?? 'SIGINT'}) after ${i.completed} of ${i.total} ${i.unit}${i.completed ? '; the results below are those that finished' : '; nothing finished'}\n` +
  (i.foundSoFar?.length
    ? `violated before the stop, not yet shrunk (the first run that broke each: a --runs at least that large finds it again):\n${i.foundSoFar.map((f) => `  ${f.strategy} × ${f.invariant}${f.family !== undefined ? ` on ${escapeText(f.family)}` : ''} (${f.run !== undefined ? `run ${f.run}` : 'by the exhaustive proof'})\n`).join('')}`
    : '');

export const checkRows = (checked: readonly Checked[]): CheckRow[] =>
  checked.map(({ strategy, result: r, file }) => {
    const cx = r.counterexample;
    return {
      strategy,
      invariant: r.invariant,
      verdict: r.verdict,
      engine: r.engine,
      runs: r.engine === 'random' ? r.runs : 0,
      states: r.engine === 'exhaustive' ? r.states : 0,
      ms: Math.round(r.ms),
      vacuous: vacuous(r),
      goals: r.goals ?? null,
      bound: r.engine === 'exhaustive' ? (r.bound ?? null) : null,
      threadSets: r.engine === 'exhaustive' ? (r.threadSets ?? null) : null,
      counterexample: cx
        ? {
            steps: cx.steps,
            contextSwitches: cx.contextSwitches,
            witness: cx.witness,
            threads: cx.scenario.threads,
            schedule: cx.schedule,
            trace: cx.trace,
            file,
            ...(cx.provenance.foundWith === 'random' ? { shrunkFrom: cx.fromSteps } : {}),
            shortestOnThreads: cx.shortestOnThreads === true,
            ...(cx.cycle ? { cycle: cx.cycle } : {}),
          }
        : null,
    };
  });

export const checkJson = (checked: readonly Checked[], seed: number, interrupted?: Interrupted, stats?: readonly Stats[]): string =>
  `${JSON.stringify({ format: CHECK_RESULT_FORMAT, seed, ...(interrupted ? { interrupted } : {}), results: checkRows(checked), ...(stats ? { stats } : {}) }, null, 2)}\n`;

/** The goals an invariant is about that no run of this result reached (all of them when it is vacuous). */
export const unreachedGoals = (row: Pick<CheckRow, 'invariant' | 'goals'>): string[] =>
  row.goals ? (invariantByName(row.invariant)?.about ?? []).filter((g) => !(row.goals?.[g] ?? 0)) : [];

/**
 * The command that finds the same counterexample again: every flag that defines the scenario
 * (--scenario, or --notifiers, --reaper and --threads), the seed and the runs (with a time
 * limit, the runs that were done: the same seed and that many runs give the same result).
 */
export const replayCommand = (row: Pick<CheckRow, 'strategy' | 'invariant'>, how: CheckInvocation): string =>
  `npm run check -- ${replayArgs(row, how).map(shellWord).join(' ')}`;

/** replayCommand's arguments after `npm run check --`, unquoted. */
export const replayArgs = (row: Pick<CheckRow, 'strategy' | 'invariant'>, how: CheckInvocation): string[] => {
  const args = ['--strategy', row.strategy, '--invariant', row.invariant, '--seed', String(how.seed)];
  for (const d of how.drivers ?? []) args.push('--driver', d);
  if (how.scenarioFile) args.push('--scenario', how.scenarioFile);
  else {
    args.push('--notifiers', how.notifiers);
    if (!how.kernel && how.reaper && how.reaper !== 'nonblock-per-vma') args.push('--reaper', how.reaper);
  }
  if (how.kernel) args.push('--kernel', how.kernel);
  if (how.threads) args.push('--threads', how.threads);
  if (how.exhaustive) {
    args.push('--exhaustive');
    if (how.maxThreads !== undefined) args.push('--max-threads', String(how.maxThreads));
    if (how.maxStates !== undefined) args.push('--max-states', String(how.maxStates));
    if (how.maxMemoryBytes !== undefined) args.push('--max-memory', String(Math.round(how.maxMemoryBytes / (1 << 20))));
    if (how.depth !== undefined) args.push('--depth', String(how.depth));
  }
  else {
    args.push('--runs', String(how.runs));
    if (how.shortest !== undefined) args.push('--shortest-states', String(how.shortest));
  }
  return args;
};

/** The runs a strategy's search did: exact when some invariant held (it ran them all), else at least the latest first violation or progress report. */
const runsDone = (rows: readonly CheckRow[], seen = 0): { runs: number; exact: boolean } => {
  const held = rows.find((r) => r.verdict !== 'violated');
  return held ? { runs: held.runs, exact: true } : { runs: Math.max(seen, ...rows.map((r) => r.runs)), exact: false };
};

/** A verdict line per strategy × invariant, then each counterexample with its timeline. */
export const checkText = (checked: readonly Checked[], how: CheckInvocation, pc: Colors = plain, interrupted?: Interrupted): string => {
  const rows = checkRows(checked);
  const out: string[] = interrupted ? [interruptedLine(interrupted)] : [];
  const { done, extentOf } = extents(rows, how);
  const nameWidth = Math.max(...rows.map((o) => o.invariant.length));
  let last = '';
  for (const o of rows) {
    if (o.strategy !== last) {
      out.push(`\n${pc.bold(o.strategy)}  (seed ${how.seed}, ${extentOf(o.strategy)})\n`);
      last = o.strategy;
    }
    const tag = o.verdict === 'violated' ? pc.red('violated') : o.vacuous ? pc.yellow('vacuous ') : o.verdict === 'holds' ? pc.green('holds   ') : pc.yellow('holds ≤ bound');
    const extent =
      o.engine === 'exhaustive'
        ? `${o.states} states${o.threadSets ? ` over ${o.threadSets.length} thread sets of up to ${how.maxThreads ?? DEFAULT_MAX_THREADS} thread${(how.maxThreads ?? DEFAULT_MAX_THREADS) === 1 ? '' : 's'}` : ''}${o.verdict === 'holds' ? ', every interleaving' : o.bound ? `, cut by the ${o.bound} bound` : ''}`
        : `${o.runs} runs`;
    const unreached = o.vacuous ? `; no ${o.engine === 'exhaustive' ? 'step explored' : 'run'} reached ${unreachedGoals(o).join(', ')}` : '';
    out.push(`  ${tag}  ${o.invariant.padEnd(nameWidth)} ${pc.dim(`${extent}, ${o.ms} ms`)}${unreached ? pc.yellow(unreached) : ''}\n`);
  }
  for (const o of rows) {
    const cx = o.counterexample;
    if (!cx) continue;
    out.push(`\n${pc.red('✘')} ${pc.bold(`${o.strategy} × ${o.invariant}`)}: ${cx.witness}\n`);
    out.push(`  threads ${JSON.stringify(cx.threads)}; schedule ${JSON.stringify(cx.schedule)}; ${cx.steps} steps${cx.shrunkFrom !== undefined ? ` (shrunk from ${cx.shrunkFrom})` : ''}${cx.shortestOnThreads ? ', the fewest these threads allow' : ''}, ${switchesText(cx.contextSwitches)}\n`);
    // A scenario's thread that never stepped before the violation has no column in the timeline: say why.
    const unused = cx.threads.filter((th) => !cx.trace.some((s) => s.thread === th));
    if (unused.length > 0) out.push(`${pc.dim(`  (${unused.join(', ')} ${unused.length === 1 ? 'takes' : 'take'} no step before the violation)`)}\n`);
    if (cx.cycle) out.push(`${pc.dim(`  a lasso: steps ${cx.cycle.from + 1}-${cx.steps} return to the state before step ${cx.cycle.from + 1} and repeat forever (not the shortest such)`)}\n`);
    else if (!cx.shortestOnThreads && o.engine === 'random') out.push(`${pc.dim(`  ${maybeShorter(cx.threads, how)}`)}\n`);
    out.push(`\n${timeline(cx.trace, { pc, width: how.width ?? DEFAULT_WIDTH, ...(cx.cycle ? { cycleFrom: cx.cycle.from } : {}) })}\n`);
    const d = done.get(o.strategy);
    out.push(`\n  replay: ${escapeText(replayCommand(o, d ? { ...how, runs: d.runs } : how))}\n`);
    if (cx.file) out.push(`  saved: ${escapeText(cx.file)}  (npm run replay -- ${escapeText(shellWord(cx.file))})\n`);
  }
  return out.join('');
};

/** A random counterexample not proven the shortest on its threads: why, and how to search further. */
const maybeShorter = (threads: readonly string[], how: CheckInvocation): string => {
  const budget = how.shortest ?? DEFAULT_SHORTEST;
  // A --scenario file holds the threads: --threads beside it is refused.
  const exhaustive = how.scenarioFile !== undefined ? `--exhaustive with "threads": ${JSON.stringify(threads)} in ${how.scenarioFile}` : `--exhaustive --threads ${threads.join(',')}`;
  return budget === 0
    ? `(not shortened: --shortest-states 0; ${exhaustive} finds the fewest steps these threads allow, within --max-states)`
    : `(these threads may allow fewer steps: the shortest pass stopped at its budget of ${budget} ${budget === 1 ? 'state' : 'states'}; try a larger --shortest-states, or ${exhaustive})`;
};

/** With a time limit, each strategy's runs are those done, not those asked for. */
const extents = (rows: readonly CheckRow[], how: CheckInvocation) => {
  const done = new Map<string, { runs: number; exact: boolean }>();
  if (how.timeLimit !== undefined && !how.exhaustive) for (const s of new Set(rows.map((r) => r.strategy))) done.set(s, runsDone(rows.filter((r) => r.strategy === s), how.runsSeen?.[s]));
  const extentOf = (strategy: string): string => {
    const d = done.get(strategy);
    if (!d) return how.exhaustive ? `exhaustive${how.depth !== undefined ? `, depth ≤ ${how.depth}` : ''}` : `${how.runs} runs`;
    return `${d.exact ? '' : '≥'}${d.runs} runs${d.runs < how.runs || !d.exact ? ` of ${how.runs}, time limit ${how.timeLimit} s` : ''}`;
  };
  return { done, extentOf };
};

/**
 * `check --format mail`: per strategy one line of verdicts, then each counterexample as a mail
 * (report/mail.ts), separated by a rule. Every line ASCII, at most 72 columns.
 */
export const checkMail = (checked: readonly Checked[], how: CheckInvocation, catalogue: Catalogue = BUILTIN, interrupted?: Interrupted): string => {
  const rows = checkRows(checked);
  const { done, extentOf } = extents(rows, how);
  const out: string[] = [];
  // Each line of the note on its own (ascii() would print a newline as '\x0a').
  if (interrupted) out.push(...interruptedLine(interrupted).trim().split('\n').flatMap((l) => wrap(ascii(l), MAIL_WIDTH)), '');
  for (const s of new Set(rows.map((r) => r.strategy))) {
    const mine = rows.filter((r) => r.strategy === s);
    const names = (p: (r: CheckRow) => boolean) => mine.filter(p).map((r) => r.invariant);
    const violated = names((r) => r.verdict === 'violated');
    const vac = names((r) => r.vacuous);
    const held = mine.length - violated.length - vac.length;
    const parts = [
      violated.length ? `violates ${violated.join(', ')}` : 'violates nothing',
      ...(held ? [`holds ${held === mine.length ? 'every invariant checked' : `${held} other${held === 1 ? '' : 's'}`}${mine.some((r) => r.verdict === 'holds-up-to-bound') ? ' (up to the bound)' : ''}`] : []),
      ...(vac.length ? [`vacuously holds ${vac.join(', ')}`] : []),
    ];
    out.push(...wrap(ascii(`${s} (seed ${how.seed}, ${extentOf(s)}): ${parts.join('; ')}.`), MAIL_WIDTH, 2));
  }
  for (const [k, c] of checked.entries()) {
    const cx = c.result.counterexample;
    if (!cx) continue;
    const row = rows[k];
    const d = done.get(row.strategy);
    const found =
      cx.provenance.foundWith === 'random'
        ? `random search, seed ${cx.provenance.seed}, run ${cx.provenance.runs}, shrunk from ${cx.fromSteps} to ${cx.steps} steps${cx.shortestOnThreads ? ', the fewest these threads allow' : ''}`
        : `exhaustive search: ${cx.cycle ? 'a lasso through the first fair cycle the search entered' : cx.shortestOnThreads ? 'a shortest counterexample' : 'the first found before a bound cut the search'}`;
    const replay: string[][] = [['npm', 'run', 'check', '--', ...replayArgs(row, d ? { ...how, runs: d.runs } : how)]];
    if (c.file) replay.unshift(['npm', 'run', 'replay', '--', c.file]);
    out.push('', '-'.repeat(MAIL_WIDTH), '');
    out.push(
      mailText(
        { scenario: cx.scenario, invariant: cx.invariant, verdict: 'violated', witness: cx.witness, trace: cx.trace, contextSwitches: cx.contextSwitches, replay, found, ...(cx.cycle ? { cycleFrom: cx.cycle.from } : {}) },
        catalogue,
      ).trimEnd(),
    );
  }
  return `${out.join('\n')}\n`;
};

/** The progress line on a terminal: overwritten in place, cleared after each strategy. */
export const progressLine = (p: CheckProgress, pc: Colors = plain): string => `\r${pc.dim(progressText(p))}\x1b[K`;

/** The progress of a search in words, as one line (without the terminal's rewrite codes). */
export const progressText = (p: CheckProgress): string => {
  const [what, ms] = match(p)
    .with({ engine: 'exhaustive' }, (x) => [`${x.of > 1 ? `thread set ${x.set + 1}/${x.of} (${x.threads.join(',')}), ` : ''}${x.states} states`, x.ms] as const)
    .with({ engine: 'random' }, (x) => [`${x.runs}/${x.of} runs`, x.ms] as const)
    .with({ engine: 'pass', pass: { phase: 'shrinking' } }, ({ pass: x }) => [`shrinking ${x.invariant}`, x.ms] as const)
    .with({ engine: 'pass', pass: { phase: 'shortest' } }, ({ pass: x }) => [`shortest pass on ${x.threads.join(',')}${x.idle?.length ? ` (${x.idle.join(',')} held at their start)` : ''}, ${x.states} states`, x.ms] as const)
    .exhaustive();
  return `  ${p.strategy}: ${what}, ${(ms / 1000).toFixed(1)} s`;
};
