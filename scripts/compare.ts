/**
 * npm run compare -- [flags]: the strategy × invariant matrix over the standard scenario
 * families (checks/families.ts): verdict, runs, time to first counterexample, shrunk length.
 * A cell is "violated" if any family breaks it; the family is named.
 * Parse → engine/compare.ts (in a worker: scripts/jobs.ts) → report/matrix.ts.
 */
import { families } from '../checks/families.ts';
import type { Cell } from '../engine/compare.ts';
import { interruptedLine } from '../report/check.ts';
import { jsonMatrix, markdownMatrix, terminalMatrix } from '../report/matrix.ts';
import { checkNames, colorsFor, EXIT, intArg, invariantsArg, isEntry, LIMITS, listArg, main, parse, Problems, seedArg, strategiesArg, type Command } from './cli.ts';
import { runJob } from './jobs.ts';

const FAMILY_IDS = families.map((f) => f.id);

const HELP = `usage: npm run compare -- [flags]

Compare the rollback strategies: for every strategy and invariant, run the standard scenario
families and report the verdict, the runs, the time to the first counterexample and its
shrunk length.

  --strategy NAME[,NAME]   strategies (default: all)
  --invariant NAME[,NAME]  invariants (default: all)
  --family ID[,ID]         scenario families (default: all: ${FAMILY_IDS.join(', ')})
  --runs N                 random cases per strategy and family (default 300, at most ${LIMITS.runs})
  --seed S                 fast-check seed (default: FC_SEED or 42)
  --markdown               print a Markdown table
  --json                   print one JSON object

Ctrl-C stops and prints the matrix of the strategies that finished (exit 130).

exit: 0 every cell holds, 1 some cell is violated, 2 bad input, 130 interrupted
`;

export const compareCommand: Command = async (argv, io) => {
  const { values: v } = parse(argv, {
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
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const p = new Problems();
  const strategies = p.take(() => strategiesArg(v.strategy), []);
  const invariants = p.take(() => invariantsArg(v.invariant), []);
  const fams = v.family === undefined ? FAMILY_IDS : p.take(() => {
    const f = listArg('--family', v.family as string);
    checkNames('family', f, FAMILY_IDS);
    return f;
  }, []);
  const runs = p.take(() => intArg('--runs', v.runs, 300, 1, LIMITS.runs), 300);
  const seed = p.take(() => seedArg(v.seed, io.env), 42);
  if (v.json && v.markdown) p.add('--json and --markdown: give one or the other');
  p.check();

  // Progress on stderr, only when it is a terminal and the output is the terminal table.
  const pc = colorsFor(io);
  const tty = io.stderr.isTTY === true && !v.json && !v.markdown;
  const run = await runJob(
    { kind: 'compare', strategies, invariants, families: fams, seed, runs },
    {
      signal: io.signal,
      inline: io.inline,
      ...(tty ? { onProgress: (pr) => void (pr.engine === 'compare' && io.stderr.write(pc.dim(`  ${pr.strategy} × ${pr.family}…\r`))) } : {}),
    },
  );
  if (tty) io.stderr.write(`${' '.repeat(60)}\r`);

  const cells: Cell[] = run.results.flatMap((r) => (r.kind === 'compare' ? r.cells : []));
  const done = strategies.slice(0, run.results.length);
  const interrupted = run.interrupted ? { completed: run.results.length, total: run.total, unit: 'strategies' } : undefined;
  const matrixRun = { seed, runs, families: fams };
  if (v.json) io.stdout.write(interrupted ? `${JSON.stringify({ ...JSON.parse(jsonMatrix(cells, matrixRun)), interrupted }, null, 2)}\n` : jsonMatrix(cells, matrixRun));
  else {
    if (interrupted) io.stdout.write(`${interruptedLine(interrupted)}\n`);
    if (done.length) io.stdout.write(v.markdown ? markdownMatrix(done, invariants, cells) : terminalMatrix(done, invariants, cells, matrixRun, pc));
  }
  if (interrupted) return EXIT.interrupted;
  return cells.some((c) => c.verdict === 'violated') ? EXIT.violated : EXIT.ok;
};

if (isEntry(import.meta.url)) main(compareCommand, { interruptible: true });
