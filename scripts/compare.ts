/**
 * npm run compare -- [flags]: the strategy × invariant matrix over the standard scenario
 * families (engine/families.ts): verdict, runs, time to first counterexample, shrunk length.
 * A cell is "violated" if any family breaks it; the family is named.
 */
import { families } from '../checks/families.ts';
import { searchAll, type SearchResult } from '../engine/random.ts';
import { resolve } from '../model/index.ts';
import { fail, intArg, invariantsArg, list, main, parse, seedArg, strategiesArg } from './cli.ts';
import { pc } from './cli.ts';

const HELP = `usage: npm run compare -- [flags]

Compare the rollback strategies: for every strategy and invariant, run the standard scenario
families and report the verdict, the runs, the time to the first counterexample and its
shrunk length.

  --strategy NAME[,NAME]   strategies (default: all)
  --invariant NAME[,NAME]  invariants (default: all)
  --family ID[,ID]         scenario families (default: all: ${families.map((f) => f.id).join(', ')})
  --runs N                 random cases per strategy and family (default 300)
  --seed S                 fast-check seed (default: FC_SEED or 42)
  --markdown               print a Markdown table
  --json                   print one JSON object

exit: 0 every cell holds, 1 some cell is violated, 2 bad input
`;

interface Cell {
  strategy: string;
  invariant: string;
  verdict: 'holds' | 'violated' | 'n/a';
  runs: number;
  /** The families this strategy can run, and those that break the invariant. */
  familiesRun: number;
  violatedIn: { family: string; steps: number; ms: number; witness: string }[];
  /** The shortest counterexample over the families, and its time to first counterexample. */
  ms: number | null;
  steps: number | null;
  family: string | null;
  witness: string | null;
}

main(() => {
  const { values: v } = parse({
    strategy: { type: 'string' },
    invariant: { type: 'string' },
    family: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    markdown: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const strategies = strategiesArg(v.strategy);
  const invariants = invariantsArg(v.invariant);
  const fams = v.family ? list(v.family) : families.map((f) => f.id);
  for (const f of fams) if (!families.some((x) => x.id === f)) fail(`unknown family '${f}' (valid: ${families.map((x) => x.id).join(', ')})`);
  const runs = intArg('--runs', v.runs, 300, 1);
  const seed = seedArg(v.seed);

  const cells: Cell[] = [];
  for (const strategy of strategies) {
    const per: Record<string, Cell> = Object.fromEntries(
      invariants.map((i) => [i, { strategy, invariant: i, verdict: 'n/a', runs: 0, familiesRun: 0, violatedIn: [], ms: null, steps: null, family: null, witness: null } as Cell]),
    );
    for (const fam of families.filter((f) => fams.includes(f.id))) {
      const template = { ...fam.template, strategy };
      if (!resolve({ ...template, threads: [] }).ok) continue; // e.g. a preset with no interval form under core-counter
      if (process.stderr.isTTY && !v.json && !v.markdown) process.stderr.write(pc.dim(`  ${strategy} × ${fam.id}…\r`));
      const results: SearchResult[] = searchAll(template, invariants, { seed, numRuns: runs });
      for (const r of results) {
        const c = per[r.invariant];
        c.runs += r.runs;
        c.familiesRun++;
        if (c.verdict === 'n/a') c.verdict = 'holds';
        const cx = r.counterexample;
        if (r.verdict !== 'violated' || !cx) continue;
        c.verdict = 'violated';
        c.violatedIn.push({ family: fam.id, steps: cx.steps, ms: Math.round(r.ms), witness: cx.witness });
        if (c.steps === null || cx.steps < c.steps) {
          c.ms = Math.round(r.ms);
          c.steps = cx.steps;
          c.family = fam.id;
          c.witness = cx.witness;
        }
      }
    }
    cells.push(...invariants.map((i) => per[i]));
  }
  if (process.stderr.isTTY && !v.json && !v.markdown) process.stderr.write(' '.repeat(60) + '\r');

  if (v.json) {
    process.stdout.write(`${JSON.stringify({ seed, runsPerFamily: runs, families: fams, results: cells }, null, 2)}\n`);
  } else if (v.markdown) {
    process.stdout.write(markdown(strategies, invariants, cells));
  } else {
    process.stdout.write(terminal(strategies, invariants, cells, seed, runs, fams));
  }
  return cells.some((c) => c.verdict === 'violated') ? 1 : 0;
});

const cellText = (c: Cell): string =>
  c.verdict === 'violated' ? `✘ ${c.violatedIn.length}/${c.familiesRun} · ${c.steps} st` : c.verdict === 'holds' ? `✔ ${c.runs}` : 'n/a';

export function markdown(strategies: string[], invariants: string[], cells: Cell[]): string {
  const get = (s: string, i: string) => cells.find((c) => c.strategy === s && c.invariant === i) as Cell;
  const lines = [
    `| invariant | ${strategies.join(' | ')} |`,
    `|---|${strategies.map(() => '---').join('|')}|`,
    ...invariants.map((i) => `| ${i} | ${strategies.map((s) => cellText(get(s, i))).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n\n✘ k/n · s st: violated in k of the n families the strategy runs; s: the shortest shrunk counterexample, in steps. ✔ n: held in all n generated runs.\n`;
}

function terminal(strategies: string[], invariants: string[], cells: Cell[], seed: number, runs: number, fams: string[]): string {
  const w = Math.max(14, ...strategies.map((s) => s.length));
  const iw = Math.max(...invariants.map((i) => i.length));
  const get = (s: string, i: string) => cells.find((c) => c.strategy === s && c.invariant === i) as Cell;
  const out = [`strategy × invariant (seed ${seed}, ${runs} runs per family; families: ${fams.join(', ')})`, ''];
  out.push(`${''.padEnd(iw)}  ${strategies.map((s) => pc.bold(s.padEnd(w))).join(' ')}`);
  for (const i of invariants) {
    const row = strategies.map((s) => {
      const c = get(s, i);
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
}
