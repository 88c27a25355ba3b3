/**
 * Print the exhaustive shortest counterexample of every violated cell of checks/matrix.ts
 * (checks/shortest.ts): the lengths the matrix pins. Slow (about 15 minutes for the whole matrix
 * on a 2-core machine, every set of up to 3 threads searched to completion): not part of npm test.
 * A cell whose random search does not report that length (`npm run bench`, shrunkVsExhaustive,
 * its `reported` column) gets the shortest pass's budget that reaches it (`states`, measured by
 * scripts/pass-budgets.ts), or, when a larger thread set is shorter, a 'wider' bound in `atMost`.
 * A cell the matrix says holds but a set breaks is printed as `HOLDS? …` (a finding: pin it in
 * the matrix, or list it in checks/proof-findings.ts if the random runs miss it even pinned).
 *
 *   npx tsx scripts/shortest.ts [--family ID]... [--strategy S]... [--max-threads 3] [--beyond N] [--beyond-states N] [--max-states 2000000] [--json]
 */
import { parseArgs } from 'node:util';
import { matrix } from '../checks/matrix.ts';
import { proofFindings } from '../checks/proof-findings.ts';
import { rowShortest, type CellShortest } from '../checks/shortest.ts';

const { values: v } = parseArgs({
  options: { family: { type: 'string', multiple: true }, strategy: { type: 'string', multiple: true }, 'max-threads': { type: 'string' }, beyond: { type: 'string' }, 'max-states': { type: 'string' }, 'beyond-states': { type: 'string' }, json: { type: 'boolean' } },
});
const opts = {
  maxThreads: Number(v['max-threads'] ?? 3),
  beyond: Number(v.beyond ?? 0),
  maxStates: Number(v['max-states'] ?? 2_000_000),
  ...(v['beyond-states'] ? { beyondStates: Number(v['beyond-states']) } : {}),
};
const out: CellShortest[] = [];
for (const row of matrix) {
  if (v.family && !v.family.includes(row.family)) continue;
  if (v.strategy && !v.strategy.includes(row.strategy)) continue;
  const t0 = performance.now();
  const cells = rowShortest(row, opts);
  out.push(...cells);
  if (v.json) {
    // One line per row as it is done: a long run can be read while it goes.
    process.stderr.write(`${JSON.stringify(cells)}\n`);
    continue;
  }
  const known = (c: CellShortest) => proofFindings.some((f) => f.strategy === c.strategy && f.family === c.family && f.invariant === c.invariant);
  const text = cells.map(
    (c) =>
      `${c.expected === 'holds' ? `HOLDS? ${known(c) ? '(a proof finding) ' : ''}` : ''}${c.invariant}: ${c.steps ?? 'none'}${c.complete ? '' : ` (cut above ${c.completeUpTo} threads)`}${c.pinned ? '' : ` [${c.threads?.join(',') ?? '-'}]`}`,
  );
  process.stdout.write(`${row.strategy} × ${row.family} (${Math.round(performance.now() - t0)} ms): ${text.join('; ') || '-'}\n`);
}
if (v.json) process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
