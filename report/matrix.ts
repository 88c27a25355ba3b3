/** The strategy × invariant matrix of `npm run compare`: terminal, Markdown and JSON. */
import type { Cell } from '../engine/compare.ts';
import { plain, type Colors } from './colors.ts';

/** What the matrix was computed from, printed in its header and JSON. */
export interface MatrixRun {
  readonly seed: number;
  readonly runs: number;
  readonly families: readonly string[];
}

const cellAt = (cells: readonly Cell[], s: string, i: string) => cells.find((c) => c.strategy === s && c.invariant === i) as Cell;

const cellText = (c: Cell): string =>
  c.verdict === 'violated' ? `✘ ${c.violatedIn.length}/${c.familiesRun} · ${c.steps} st` : c.verdict === 'holds' ? `✔ ${c.runs}` : 'n/a';

export const markdownMatrix = (strategies: readonly string[], invariants: readonly string[], cells: readonly Cell[]): string => {
  const lines = [
    `| invariant | ${strategies.join(' | ')} |`,
    `|---|${strategies.map(() => '---').join('|')}|`,
    ...invariants.map((i) => `| ${i} | ${strategies.map((s) => cellText(cellAt(cells, s, i))).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n\n✘ k/n · s st: violated in k of the n families the strategy runs; s: the shortest shrunk counterexample, in steps. ✔ n: held in all n generated runs.\n`;
};

export const terminalMatrix = (strategies: readonly string[], invariants: readonly string[], cells: readonly Cell[], run: MatrixRun, pc: Colors = plain): string => {
  const w = Math.max(14, ...strategies.map((s) => s.length));
  const iw = Math.max(...invariants.map((i) => i.length));
  const out = [`strategy × invariant (seed ${run.seed}, ${run.runs} runs per family; families: ${run.families.join(', ')})`, ''];
  out.push(`${''.padEnd(iw)}  ${strategies.map((s) => pc.bold(s.padEnd(w))).join(' ')}`);
  for (const i of invariants) {
    const row = strategies.map((s) => {
      const c = cellAt(cells, s, i);
      const t = c.verdict === 'violated' ? `✘ ${c.violatedIn.length}/${c.familiesRun} ${c.steps}st` : c.verdict === 'holds' ? `✔ ${c.runs} runs` : 'n/a';
      const p = t.padEnd(w);
      return c.verdict === 'violated' ? pc.red(p) : c.verdict === 'holds' ? pc.green(p) : pc.dim(p);
    });
    out.push(`${i.padEnd(iw)}  ${row.join(' ')}`);
  }
  out.push('', '✘ k/n Sst: violated in k of the n families the strategy runs, shortest counterexample S steps. ✔ N runs: held in N generated runs.', '');
  for (const c of cells.filter((c) => c.verdict === 'violated'))
    out.push(`  ${c.strategy} × ${c.invariant}: ${c.violatedIn.map((f) => `${f.family} (${f.steps} st, ${f.ms} ms)`).join(', ')}`, `      shortest: ${c.witness}`);
  out.push('', 'details: npm run check -- --strategy NAME --invariant NAME --notifiers ...', '');
  return out.join('\n');
};

export const jsonMatrix = (cells: readonly Cell[], run: MatrixRun): string =>
  `${JSON.stringify({ seed: run.seed, runsPerFamily: run.runs, families: run.families, results: cells }, null, 2)}\n`;
