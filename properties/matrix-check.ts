/** Shared body of the matrix test files: one describe per row, one test per invariant. */
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { allowedThreadSet } from '../engine/arbitraries.ts';
import { search, searchAll, SHORTEST_BUDGET } from '../engine/random.ts';
import type { SearchResult } from '../engine/result.ts';
import { INVARIANT_NAMES } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import { STRATEGY_NAMES } from '../model/index.ts';
import { boundReason, HOLDS_RUNS, matrix, passBudget, type Row } from '../checks/matrix.ts';
import { seed } from './seed.ts';

/** The counterexample's length against the cell's: exactly the exhaustive shortest, or at most a bound (`atMost` says why). */
const expectLength = (row: Row, name: string, r: SearchResult, steps: number): void => {
  const got = r.counterexample?.steps;
  const where = `${row.strategy} × ${row.family} × ${name}`;
  const threads = JSON.stringify(r.counterexample?.scenario.threads);
  const bound = row.atMost?.[name];
  if (bound) expect(got, `${where}: at most ${steps} steps (${boundReason(bound)}); threads ${threads}`).toBeLessThanOrEqual(steps);
  else
    expect(
      got,
      `${where}: the exhaustive shortest is ${steps} steps (checks/shortest.ts); got ${got} with threads ${threads} and schedule ${JSON.stringify(r.counterexample?.schedule)}` +
        (got !== undefined && got < steps
          ? ': shorter than every thread set the exhaustive search covered, so regenerate with a larger --beyond'
          : `: the shortest pass missed it within ${passBudget(row, name) ?? SHORTEST_BUDGET} states (the matrix's \`states\` can raise it)`),
    ).toBe(steps);
};

export const checkRows = (family: string): void => {
  const fam = familyById(family);
  if (!fam) throw new Error(`no family ${family}`);
  const rows = matrix.filter((r) => r.family === family);

  it(`${family}: a row for every strategy that can run it, naming only known invariants`, () => {
    const runnable = STRATEGY_NAMES.filter((strategy) => resolve({ ...fam.template, strategy, threads: [] }).ok);
    expect(rows.map((r) => r.strategy).sort()).toEqual([...runnable].sort());
    for (const r of rows) for (const name of [...Object.keys(r.violated), ...Object.keys(r.atMost ?? {})]) expect(INVARIANT_NAMES).toContain(name);
    // A bound names a violated cell; its shortest is over a set of up to 3 threads the family
    // allows (a pinned cell's: its own set); a larger set's counterexample is on more threads, and shorter.
    // A budget of the shortest pass is above the default (where it is needed at all: scripts/pass-budgets.ts).
    for (const r of rows) for (const name of Object.keys(r.violated)) expect(passBudget(r, name) ?? Infinity, `${r.strategy} × ${family} × ${name}`).toBeGreaterThan(SHORTEST_BUDGET);
    for (const r of rows)
      for (const [name, b] of Object.entries(r.atMost ?? {})) {
        expect(Object.keys(r.violated)).toContain(name);
        const where = `${r.strategy} × ${family} × ${name}`;
        const threads = b.threads.split(',');
        const pinned = r.violated[name];
        if (typeof pinned === 'object') expect(b.threads, `${where}: a pinned cell's bound is on its set`).toBe(pinned.threads.join(','));
        else expect(threads.length, `${where}: the bound's set ${b.threads}`).toBeLessThanOrEqual(3);
        expect(allowedThreadSet(threads), `${where}: ${b.threads} is a set the family allows`).toBe(true);
        // A 'pass' bound is above the exhaustive shortest it names.
        if (b.why === 'pass') expect(typeof pinned === 'number' ? pinned : pinned.steps, `${where}: the bound is above the shortest`).toBeGreaterThan(b.shortest);
        if (b.why !== 'wider') continue;
        const larger = b.larger.threads.split(',');
        expect(larger.length, `${where}: ${b.larger.threads} has more than 3 threads`).toBeGreaterThan(3);
        expect(allowedThreadSet(larger), `${where}: ${b.larger.threads} is a set the family allows`).toBe(true);
        expect(b.larger.steps, `${where}: the larger set's counterexample is shorter`).toBeLessThan(b.shortest);
      }
  });

  for (const row of rows) {
    describe(`${row.strategy} × ${family} (seed ${seed}${row.states ? `, shortest pass ${row.states} states` : ''})`, () => {
      let results: SearchResult[] | undefined;
      const get = () => (results ??= searchAll({ ...fam.template, strategy: row.strategy }, INVARIANT_NAMES, { seed, numRuns: HOLDS_RUNS, ...(row.states ? { shortest: row.states } : {}) }));
      const length = (name: string, steps: number) => (row.atMost?.[name] !== undefined ? `<= ${steps}` : `${steps}`);
      for (const name of INVARIANT_NAMES) {
        const want = row.violated[name];
        if (typeof want === 'object') {
          // Reached from the generated thread sets under some seeds only: asserted on its thread set.
          it(`${name}: violated with threads ${want.threads.join(',')}, ${length(name, want.steps)} steps${want.states ? ` (shortest pass ${want.states} states)` : ''}`, () => {
            const r = search({ ...fam.template, strategy: row.strategy, threads: want.threads }, name, { seed, numRuns: HOLDS_RUNS, ...(want.states ? { shortest: want.states } : {}) });
            expect(r.verdict, `${row.strategy} × ${name} expected a violation with threads ${want.threads.join(',')}`).toBe('violated');
            expectLength(row, name, r, want.steps);
          });
          continue;
        }
        it(`${name}: ${want === undefined ? 'holds' : `violated, ${length(name, want)} steps`}`, () => {
          const r = get().find((x) => x.invariant === name);
          expect(r).toBeDefined();
          if (!r) return;
          if (want === undefined) {
            // No side effect on shrunk-cases/: the failure message carries what it takes to replay it.
            if (r.counterexample) {
              const cx = r.counterexample;
              expect.fail(`${row.strategy} × ${name} expected to hold but: ${cx.witness}\n  threads ${JSON.stringify(cx.scenario.threads)}; schedule ${JSON.stringify(cx.schedule)}\n  save it: npm run check -- --scenario <this family's scenario> --strategy ${row.strategy} --invariant ${name} --save`);
            }
            expect(r.runs).toBeGreaterThanOrEqual(HOLDS_RUNS);
          } else {
            expect(r.verdict, `${row.strategy} × ${name} expected a violation in ${r.runs} runs`).toBe('violated');
            expectLength(row, name, r, want);
          }
        });
      }
    });
  }
};
