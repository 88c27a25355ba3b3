/**
 * The shortest pass's budget each matrix row or pinned cell needs (checks/matrix.ts `states`):
 * every violated cell searched as its test does (seed 42, or FC_SEED), first at the default
 * budget (engine/random.ts SHORTEST_BUDGET), then up a ladder (×1.5, ×4/3 in turn) until the
 * search reports the cell's exhaustive shortest; a row's cells are searched together, as their
 * test does, until every one does. Prints what the matrix names and what it should. Rerun it
 * after scripts/shortest.ts moves a cell, or when the model or the pass changes. Not part of npm test
 * (about two minutes).
 *
 *   npx tsx scripts/pass-budgets.ts [--family ID]... [--strategy S]...
 */
import { parseArgs } from 'node:util';
import { familyById } from '../checks/families.ts';
import { HOLDS_RUNS, matrix, passBudget, type Row } from '../checks/matrix.ts';
import { search, searchAll, SHORTEST_BUDGET } from '../engine/random.ts';
import { INVARIANT_NAMES } from '../model/index.ts';

const { values: v } = parseArgs({ options: { family: { type: 'string', multiple: true }, strategy: { type: 'string', multiple: true } } });
const seed = Number(process.env.FC_SEED ?? 42);
const LADDER = [SHORTEST_BUDGET, 6_000, 8_000, 12_000, 16_000, 24_000, 32_000, 48_000, 64_000, 96_000, 128_000, 192_000, 256_000];

/** The exhaustive shortest a cell's test asserts, or null for a 'wider' cell (only a bound). */
const exactOf = (row: Row, inv: string): number | null => {
  if (row.atMost?.[inv]) return null;
  const want = row.violated[inv];
  return typeof want === 'object' ? want.steps : want;
};

/** The first budget of the ladder at which `reached` holds, or null. */
const firstOf = (reached: (budget: number) => boolean): number | null => LADDER.find(reached) ?? null;

const show = (n: number | null | undefined) => (n === null ? `none up to ${LADDER[LADDER.length - 1]}` : n === undefined ? 'the default' : String(n));
let changed = 0;
for (const row of matrix) {
  if (v.family && !v.family.includes(row.family)) continue;
  if (v.strategy && !v.strategy.includes(row.strategy)) continue;
  const fam = familyById(row.family);
  if (!fam) continue;
  const t = { ...fam.template, strategy: row.strategy };
  const report = (what: string, named: number | undefined, needed: number | null) => {
    const same = (needed === SHORTEST_BUDGET ? undefined : needed) === named;
    if (!same) changed++;
    process.stdout.write(`${same ? '  ' : '≠ '}${row.strategy} × ${row.family}${what}: names ${show(named)}, needs ${needed === SHORTEST_BUDGET ? 'the default' : show(needed)}\n`);
  };
  const open = Object.keys(row.violated).filter((inv) => typeof row.violated[inv] === 'number' && exactOf(row, inv) !== null);
  if (open.length > 0) {
    const needed = firstOf((shortest) => {
      const rs = searchAll(t, INVARIANT_NAMES, { seed, numRuns: HOLDS_RUNS, shortest });
      return open.every((inv) => rs.find((r) => r.invariant === inv)?.counterexample?.steps === exactOf(row, inv));
    });
    report('', row.states, needed);
  } else if (row.states) report(' (no cell its search asserts exactly)', row.states, SHORTEST_BUDGET);
  for (const [inv, want] of Object.entries(row.violated)) {
    if (typeof want !== 'object' || exactOf(row, inv) === null) continue;
    const needed = firstOf((shortest) => search({ ...t, threads: want.threads }, inv, { seed, numRuns: HOLDS_RUNS, shortest }).counterexample?.steps === want.steps);
    report(` × ${inv} on ${want.threads.join(',')}`, passBudget(row, inv), needed);
  }
}
process.stdout.write(`${changed} to change in checks/matrix.ts\n`);
