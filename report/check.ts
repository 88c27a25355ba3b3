/** What `npm run check` prints: the verdict list, each counterexample's block, and --json. */
import type { TraceStep } from '../model/index.ts';
import type { CheckProgress, Checked } from '../engine/check.ts';
import { plain, type Colors } from './colors.ts';
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
}

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

export const checkJson = (checked: readonly Checked[], seed: number): string => `${JSON.stringify({ seed, results: checkRows(checked) }, null, 2)}\n`;

export const replayCommand = (row: Pick<CheckRow, 'strategy' | 'invariant'>, how: CheckInvocation): string =>
  `npm run check -- --strategy ${row.strategy} --invariant ${row.invariant} --seed ${how.seed}${how.scenarioFile ? ` --scenario ${how.scenarioFile}` : ` --notifiers ${how.notifiers}`}${how.threads ? ` --threads ${how.threads}` : ''}${how.exhaustive ? ` --exhaustive --depth ${how.depth}` : ` --runs ${how.runs}`}`;

/** A verdict line per strategy × invariant, then each counterexample with its timeline. */
export const checkText = (checked: readonly Checked[], how: CheckInvocation, pc: Colors = plain): string => {
  const rows = checkRows(checked);
  const out: string[] = [];
  const nameWidth = Math.max(...rows.map((o) => o.invariant.length));
  let last = '';
  for (const o of rows) {
    if (o.strategy !== last) {
      out.push(`\n${pc.bold(o.strategy)}  (seed ${how.seed}${how.exhaustive ? `, exhaustive depth ${how.depth}` : `, ${how.runs} runs`})\n`);
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
    out.push(`\n  replay: ${replayCommand(o, how)}\n`);
    if (cx.file) out.push(`  saved: ${cx.file}  (npm run replay -- ${cx.file})\n`);
  }
  return out.join('');
};

/** The progress line on a terminal: overwritten in place, cleared after each strategy. */
export const progressLine = (p: CheckProgress, pc: Colors = plain): string => {
  const what = p.engine === 'exhaustive' ? `${p.invariant}: ${p.states} states` : `${p.runs}/${p.of} runs`;
  return `\r${pc.dim(`  ${p.strategy}: ${what}, ${(p.ms / 1000).toFixed(1)} s`)}\x1b[K`;
};
