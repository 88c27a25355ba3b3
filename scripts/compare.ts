/**
 * npm run compare -- [flags]: the strategy × invariant matrix over the standard scenario
 * families (checks/families.ts): verdict, runs, time to first counterexample, shrunk length.
 * A cell is "violated" if any family breaks it; the family is named.
 * Parse → engine/compare.ts → report/matrix.ts.
 */
import { families } from '../checks/families.ts';
import { compare } from '../engine/compare.ts';
import { jsonMatrix, markdownMatrix, terminalMatrix } from '../report/matrix.ts';
import { fail, intArg, invariantsArg, list, main, parse, pc, seedArg, strategiesArg } from './cli.ts';

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

  // Progress on stderr, only when it is a terminal and the output is the terminal table.
  const tty = process.stderr.isTTY === true && !v.json && !v.markdown;
  const cells = compare(strategies, invariants, families.filter((f) => fams.includes(f.id)), {
    seed,
    runs,
    ...(tty ? { onFamily: (strategy: string, family: string) => process.stderr.write(pc.dim(`  ${strategy} × ${family}…\r`)) } : {}),
  });
  if (tty) process.stderr.write(' '.repeat(60) + '\r');

  const run = { seed, runs, families: fams };
  if (v.json) process.stdout.write(jsonMatrix(cells, run));
  else if (v.markdown) process.stdout.write(markdownMatrix(strategies, invariants, cells));
  else process.stdout.write(terminalMatrix(strategies, invariants, cells, run, pc));
  return cells.some((c) => c.verdict === 'violated') ? 1 : 0;
});
