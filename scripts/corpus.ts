/**
 * npm run corpus: save one shrunk case for every violated cell of the expected-verdict matrix
 * (checks/matrix.ts) under shrunk-cases/, reusing identical cases and never replacing a
 * different one (docs/design.md §5). Run it after changing the model, then review what changed.
 */
import { familyById } from '../checks/families.ts';
import { HOLDS_RUNS, matrix } from '../checks/matrix.ts';
import { toCase } from '../engine/case-format.ts';
import { saveCase } from '../engine/cases.ts';
import { search } from '../engine/random.ts';
import { main, parse, seedArg } from './cli.ts';

main(() => {
  const { values: v } = parse({ seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (v.help) {
    process.stdout.write('usage: npm run corpus [-- --seed S]\n\nSave a shrunk case for every violated cell of checks/matrix.ts under shrunk-cases/.\n');
    return 0;
  }
  const seed = seedArg(v.seed);
  let added = 0;
  let kept = 0;
  for (const row of matrix) {
    const fam = familyById(row.family);
    if (!fam) continue;
    for (const [inv, want] of Object.entries(row.violated)) {
      if (want === 'unsettled') continue;
      const r = search({ ...fam.template, strategy: row.strategy }, inv, { seed, numRuns: HOLDS_RUNS });
      if (!r.counterexample) {
        process.stderr.write(`not found: ${row.strategy} × ${row.family} × ${inv}\n`);
        continue;
      }
      const { file, existed } = saveCase('shrunk-cases', toCase(r.counterexample));
      if (existed) kept++;
      else {
        added++;
        process.stdout.write(`saved ${file} (${r.counterexample.steps} steps)\n`);
      }
    }
  }
  process.stdout.write(`${added} saved, ${kept} already there\n`);
  return 0;
});
