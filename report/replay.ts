/** What `npm run replay` prints around the timeline or diagram of a replayed case. */
import type { SavedCase } from '../engine/case-format.ts';
import type { ReplayOutcome } from '../engine/cases.ts';
import { contextSwitches } from '../engine/judge.ts';
import { plain, type Colors } from './colors.ts';
import { escapeText } from './escape.ts';
import { switchesText } from './timeline.ts';

type Ran = Extract<ReplayOutcome, { kind: 'reproduced' | 'verdict-changed' }>;

/** `--strategy all`: one line per strategy. */
export const replayUnderLine = (strategy: string, invariant: string, o: ReplayOutcome, pc: Colors = plain): string => {
  const what =
    o.kind === 'invalid' ? pc.dim(`cannot run: ${escapeText(o.errors.join('; '))}`)
    : o.kind === 'reproduced' ? `${pc.red('violated')} at step ${o.step}: ${o.witness}`
    : o.kind === 'verdict-changed' ? (o.verdict === 'holds' ? pc.green('holds') : `${pc.red('violated')}: ${o.witness}`)
    : `drift at step ${o.step}${o.field ? ` (${escapeText(o.field)})` : ''}: recorded '${escapeText(o.expected)}', now '${escapeText(o.actual)}'`;
  return `${strategy.padEnd(18)} ${invariant}: ${what}\n`;
};

/** The file, the case, and the verdict the replay reached (`other`: the strategy it ran under instead). */
export const replaySummary = (file: string, c: SavedCase, other: string | undefined, out: Ran, pc: Colors = plain): string => {
  const head = `${pc.bold(escapeText(file))}\n  ${other ? `${c.scenario.strategy} case replayed under ${pc.bold(other)}` : c.scenario.strategy} × ${c.expect.invariant}; threads ${JSON.stringify(c.scenario.threads)}; schedule ${JSON.stringify(c.schedule)}\n`;
  if (out.kind === 'reproduced') {
    const at = out.cycleFrom !== undefined ? `forever (steps ${out.cycleFrom + 1}-${out.step} repeat)` : `at step ${out.step}`;
    return `${head}  ${pc.red('violated')} ${c.expect.invariant} ${at}: ${out.witness}\n  ${out.trace.length} steps, ${switchesText(contextSwitches(out.trace))}\n\n`;
  }
  return `${head}  ${out.verdict === 'holds' ? pc.green('holds') : pc.red('violated')} ${c.expect.invariant}${out.witness ? `: ${out.witness}` : ''} (recorded: ${c.expect.verdict})\n\n`;
};

/** One line: the file, the first differing step and field, what the case recorded and what the model does now. */
export const driftLine = (file: string, out: Extract<ReplayOutcome, { kind: 'drift' }>): string =>
  `drift: ${escapeText(file)}: the ${out.field ? 'case' : 'schedule'} no longer fits the model at step ${out.step}${out.field ? ` (${escapeText(out.field)})` : ''}: recorded '${escapeText(out.expected)}', now '${escapeText(out.actual)}'\n`;
