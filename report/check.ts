/** What `npm run check` prints: the verdict list, each counterexample's block, and --json. */
import type { TraceStep } from '../model/index.ts';
import type { CheckProgress, Checked } from '../engine/check.ts';
import { plain, type Colors } from './colors.ts';
import { escapeText, shellWord } from './escape.ts';
import { timeline } from './timeline.ts';

/** One result as printed, and as the --json object's `results` holds it. */
export interface CheckRow {
  readonly strategy: string;
  readonly invariant: string;
  readonly verdict: 'holds' | 'violated' | 'holds-up-to-bound';
  readonly engine: 'random' | 'exhaustive';
  readonly runs: number;
  readonly states: number;
  readonly ms: number;
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
  } | null;
}

/** How check was invoked: the header and the `replay:` line repeat it. */
export interface CheckInvocation {
  readonly seed: number;
  readonly runs: number;
  readonly exhaustive: boolean;
  readonly depth: number;
  /** As given on the command line: a --scenario file, else the notifier spec. */
  readonly scenarioFile?: string;
  readonly notifiers: string;
  readonly threads?: string;
  /** The reaper era, when not the default (`nonblock-per-vma`) and not from a --scenario file. */
  readonly reaper?: string;
  /** --time-limit in seconds: the header then reports the runs actually done. */
  readonly timeLimit?: number;
  /** Per strategy, runs known to be done beyond the results' own counts (the search's progress). */
  readonly runsSeen?: Readonly<Record<string, number>>;
}

/** A run stopped by SIGINT: `completed` of `total` units (strategies, or strategy × invariant searches) finished. */
export interface Interrupted {
  readonly completed: number;
  readonly total: number;
  readonly unit: string;
}

export const interruptedLine = (i: Interrupted): string =>
  `interrupted (SIGINT) after ${i.completed} of ${i.total} ${i.unit}${i.completed ? '; the results below are those that finished' : '; nothing finished'}\n`;

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
          }
        : null,
    };
  });

export const checkJson = (checked: readonly Checked[], seed: number, interrupted?: Interrupted): string =>
  `${JSON.stringify({ seed, ...(interrupted ? { interrupted } : {}), results: checkRows(checked) }, null, 2)}\n`;

/**
 * The command that finds the same counterexample again: every flag that defines the scenario
 * (--scenario, or --notifiers, --reaper and --threads), the seed and the runs (with a time
 * limit, the runs that were done: the same seed and that many runs give the same result).
 */
export const replayCommand = (row: Pick<CheckRow, 'strategy' | 'invariant'>, how: CheckInvocation): string => {
  const args = ['--strategy', row.strategy, '--invariant', row.invariant, '--seed', String(how.seed)];
  if (how.scenarioFile) args.push('--scenario', how.scenarioFile);
  else {
    args.push('--notifiers', how.notifiers);
    if (how.reaper && how.reaper !== 'nonblock-per-vma') args.push('--reaper', how.reaper);
  }
  if (how.threads) args.push('--threads', how.threads);
  if (how.exhaustive) args.push('--exhaustive', '--depth', String(how.depth));
  else args.push('--runs', String(how.runs));
  return `npm run check -- ${args.map(shellWord).join(' ')}`;
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
  // With a time limit, each strategy's runs are those done, not those asked for.
  const done = new Map<string, { runs: number; exact: boolean }>();
  if (how.timeLimit !== undefined && !how.exhaustive) for (const s of new Set(rows.map((r) => r.strategy))) done.set(s, runsDone(rows.filter((r) => r.strategy === s), how.runsSeen?.[s]));
  const extentOf = (strategy: string): string => {
    const d = done.get(strategy);
    if (!d) return how.exhaustive ? `exhaustive depth ${how.depth}` : `${how.runs} runs`;
    return `${d.exact ? '' : '≥'}${d.runs} runs${d.runs < how.runs || !d.exact ? ` of ${how.runs}, time limit ${how.timeLimit} s` : ''}`;
  };
  const nameWidth = Math.max(...rows.map((o) => o.invariant.length));
  let last = '';
  for (const o of rows) {
    if (o.strategy !== last) {
      out.push(`\n${pc.bold(o.strategy)}  (seed ${how.seed}, ${extentOf(o.strategy)})\n`);
      last = o.strategy;
    }
    const tag = o.verdict === 'violated' ? pc.red('violated') : o.verdict === 'holds' ? pc.green('holds   ') : pc.yellow('holds ≤ bound');
    const extent = o.engine === 'exhaustive' ? `${o.states} states` : `${o.runs} runs`;
    out.push(`  ${tag}  ${o.invariant.padEnd(nameWidth)} ${pc.dim(`${extent}, ${o.ms} ms`)}\n`);
  }
  for (const o of rows) {
    const cx = o.counterexample;
    if (!cx) continue;
    out.push(`\n${pc.red('✘')} ${pc.bold(`${o.strategy} × ${o.invariant}`)}: ${cx.witness}\n`);
    out.push(`  threads ${JSON.stringify(cx.threads)}; schedule ${JSON.stringify(cx.schedule)}; ${cx.steps} steps${cx.shrunkFrom !== undefined ? ` (shrunk from ${cx.shrunkFrom})` : ''}, ${cx.contextSwitches} context switches\n\n`);
    out.push(`${timeline(cx.trace, { pc })}\n`);
    const d = done.get(o.strategy);
    out.push(`\n  replay: ${escapeText(replayCommand(o, d ? { ...how, runs: d.runs } : how))}\n`);
    if (cx.file) out.push(`  saved: ${escapeText(cx.file)}  (npm run replay -- ${escapeText(shellWord(cx.file))})\n`);
  }
  return out.join('');
};

/** The progress line on a terminal: overwritten in place, cleared after each strategy. */
export const progressLine = (p: CheckProgress, pc: Colors = plain): string => {
  const what = p.engine === 'exhaustive' ? `${p.invariant}: ${p.states} states` : `${p.runs}/${p.of} runs`;
  return `\r${pc.dim(`  ${p.strategy}: ${what}, ${(p.ms / 1000).toFixed(1)} s`)}\x1b[K`;
};
