/**
 * The per-thread timeline of a trace: one column per thread, one row per step, and the step's
 * effects last. It fits the given width (the terminal's: scripts pass process.stdout.columns);
 * a cell too long for its column wraps onto continuation lines, so no action is ever cut.
 */
import type { TraceStep } from '../model/index.ts';
import { plain, type Colors } from './colors.ts';
import { tokens, wrapTokens, type Token } from './wrap.ts';

/** The width when the output is not a terminal. */
export const DEFAULT_WIDTH = 100;

/** "1 context switch", "3 context switches". */
export const switchesText = (n: number): string => `${n} context switch${n === 1 ? '' : 'es'}`;

const SEP = ' │ ';
const MIN_COLUMN = 12;
const MIN_EFFECT = 24;

/**
 * Column widths (the threads', then the effect column's): each gets what its longest text needs
 * when everything fits; otherwise the room is shared out, a column needing less than its share
 * giving the rest to the others, none narrower than its minimum.
 */
const layout = (needs: readonly number[], minimums: readonly number[], room: number): number[] => {
  const widths = needs.map(() => 0);
  let left = room;
  let open = needs.map((_, i) => i);
  while (open.length) {
    const share = Math.floor(left / open.length);
    // Settled this round: columns needing no more than the share, and those whose minimum exceeds it.
    const settled = open.filter((i) => needs[i] <= share || minimums[i] >= share);
    if (settled.length === 0) {
      for (const i of open) widths[i] = share;
      break;
    }
    for (const i of settled) {
      widths[i] = Math.max(minimums[i], Math.min(needs[i], share));
      left -= widths[i];
    }
    open = open.filter((i) => !settled.includes(i));
  }
  return widths;
};

/** The line a lasso's cycle starts under (engine/result.ts Counterexample.cycle). */
export const REPEATS = 'repeats forever:';

/**
 * Plus the step's effects, the kernel's diagnostics in red, and `(drain)` on the fair drain's
 * steps; `cycleFrom`: a lasso, whose steps from that index on repeat forever (a line before them).
 */
export const timeline = (trace: readonly TraceStep[], opts: { width?: number; pc?: Colors; cycleFrom?: number } = {}): string => {
  const pc = opts.pc ?? plain;
  const width = opts.width ?? DEFAULT_WIDTH;
  const threads = [...new Set(trace.map((s) => s.thread))];
  const num = String(trace.length).length;
  const needs = threads.map((t) => Math.max(t.length, ...trace.filter((s) => s.thread === t).map((s) => s.action.length)));
  const effectNeed = Math.max(MIN_EFFECT, ...trace.map((s) => [...s.events, ...(s.diagnostics ?? [])].join('; ').length + (s.drain ? 8 : 0)));
  const widths = layout([...needs, effectNeed], [...needs.map(() => MIN_COLUMN), MIN_EFFECT], width - (num + 2) - SEP.length * threads.length);
  const columns = widths.slice(0, -1);
  const effect = widths[widths.length - 1];
  // A cell's lines: continuation lines indented by two, so a wrapped action reads as one.
  const cell = (text: string, w: number): string[] => (text === '' ? [''] : wrapTokens(tokens(text), w, 2));
  const row = (lead: string, cells: readonly string[][], fx: string[]): string[] => {
    const height = Math.max(fx.length, ...cells.map((c) => c.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      const parts = cells.map((c, i) => (c[k] ?? '').padEnd(columns[i]));
      out.push(`${k === 0 ? lead : ' '.repeat(num)}  ${parts.join(SEP)}${SEP}${fx[k] ?? ''}`.trimEnd());
    }
    return out;
  };
  const lines: string[] = [];
  // The header's cells are bold line by line (padding outside the escape codes keeps the columns).
  const head = threads.map((t, i) => cell(t, columns[i]));
  const headHeight = Math.max(...head.map((c) => c.length));
  for (let k = 0; k < headHeight; k++) {
    const parts = head.map((c, i) => pc.bold((c[k] ?? '').padEnd(columns[i])));
    lines.push(`${k === 0 ? pc.bold('#'.padStart(num)) : ' '.repeat(num)}  ${parts.join(SEP)}${SEP}${k === 0 ? pc.bold('effect') : ''}`.trimEnd());
  }
  lines.push(`${'-'.repeat(num)}  ${columns.map((w) => '-'.repeat(w)).join('─┼─')}─┼─${'-'.repeat(Math.min(effect, 20))}`);
  for (const [k, s] of trace.entries()) {
    if (k === opts.cycleFrom) lines.push(pc.bold(`${' '.repeat(num)}  ${REPEATS}`));
    const cells = threads.map((t, i) => (t === s.thread ? cell(s.action, columns[i]) : ['']));
    const fx: Token[] = [...(s.drain ? tokens('(drain)', pc.dim) : [])];
    const parts = [...s.events.map((e) => ({ text: e, style: undefined })), ...(s.diagnostics ?? []).map((d) => ({ text: d, style: pc.red }))];
    parts.forEach((p, j) => {
      const words = tokens(p.text, p.style);
      // Effects are separated by '; ', as one line always printed them.
      if (j < parts.length - 1 && words.length) words[words.length - 1] = { ...words[words.length - 1], text: `${words[words.length - 1].text};` };
      for (const w of words) fx.push(w);
    });
    lines.push(...row(String(k + 1).padStart(num), cells, fx.length ? wrapTokens(fx, effect, 2) : []));
  }
  return lines.join('\n');
};
