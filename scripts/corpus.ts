/**
 * npm run corpus: save one shrunk case for every violated cell of the expected-verdict matrix
 * (checks/matrix.ts), and the larger set's counterexample of each 'wider' bound, under
 * shrunk-cases/, reusing identical cases (same scenario, schedule and invariant, whatever the key
 * order) and never replacing a different one (docs/design.md §5).
 * Run it after changing the model, then review what changed; a second run adds nothing.
 */
import { familyById } from '../checks/families.ts';
import { HOLDS_RUNS, matrix } from '../checks/matrix.ts';
import { toCase } from '../engine/case-format.ts';
import { saveCase, savePathProblem } from '../engine/cases.ts';
import { DEFAULT_SHORTEST } from '../engine/check.ts';
import { search } from '../engine/random.ts';
import type { Counterexample } from '../engine/result.ts';
import { EXIT, fileArg, isEntry, main, parse, Problems, seedArg, type Command } from './cli.ts';

const HELP = `usage: npm run corpus [-- --seed S] [--dir DIR]

Save a shrunk case for every violated cell of checks/matrix.ts, and the larger set's
counterexample of each 'wider' bound, under shrunk-cases/ (or DIR).
An identical case already there is kept; a different one is never replaced.
`;

export const corpusCommand: Command = (argv, io) => {
  const { values: v } = parse(argv, { seed: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (v.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const p = new Problems();
  const seed = p.take(() => seedArg(v.seed, io.env), 42);
  const dir = v.dir === undefined ? 'shrunk-cases' : p.take(() => fileArg('--dir', v.dir as string), 'shrunk-cases');
  // Before the searches, not after the first of them.
  const unsavable = savePathProblem(dir);
  if (unsavable !== null) p.add(`--dir: ${unsavable}`);
  p.check();
  let added = 0;
  let kept = 0;
  const keep = (cx: Counterexample) => {
    const { file, existed } = saveCase(dir, toCase(cx));
    if (existed) kept++;
    else {
      added++;
      io.stdout.write(`saved ${file} (${cx.steps} steps)\n`);
    }
  };
  for (const row of matrix) {
    const fam = familyById(row.family);
    if (!fam) continue;
    const at = (threads?: readonly string[]) => ({ ...fam.template, strategy: row.strategy, ...(threads ? { threads } : {}) });
    for (const [inv, want] of Object.entries(row.violated)) {
      // A pinned cell is searched with its thread set fixed.
      const cx = search(at(typeof want === 'object' ? want.threads : undefined), inv, { seed, numRuns: HOLDS_RUNS }).counterexample;
      if (cx) keep(cx);
      else io.stderr.write(`not found: ${row.strategy} × ${row.family} × ${inv}\n`);
    }
    // Each 'wider' bound's larger counterexample too, searched on its set at check's budget: saved,
    // it is replayed by every npm test, so the bound's fact stays checked (properties/matrix-larger.test.ts).
    for (const [inv, b] of Object.entries(row.atMost ?? {})) {
      if (b.why !== 'wider') continue;
      const cx = search(at(b.larger.threads.split(',')), inv, { seed, numRuns: HOLDS_RUNS, shortest: DEFAULT_SHORTEST }).counterexample;
      if (!cx || cx.steps > b.larger.steps) {
        io.stderr.write(`not reproduced: ${row.strategy} × ${row.family} × ${inv} in ${b.larger.steps} steps on ${b.larger.threads} (got ${cx?.steps ?? 'none'})\n`);
        continue;
      }
      if (cx.steps < b.larger.steps) io.stderr.write(`shorter than checks/matrix.ts records: ${row.strategy} × ${row.family} × ${inv}, ${cx.steps} steps on ${b.larger.threads}\n`);
      keep(cx);
    }
  }
  io.stdout.write(`${added} saved, ${kept} already there\n`);
  return EXIT.ok;
};

if (isEntry(import.meta.url)) main(corpusCommand);
