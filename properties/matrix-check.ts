/** Shared body of the matrix test files: one describe per row. */
import { describe, expect, it } from 'vitest';
import { saveCase, toCase } from '../engine/cases.ts';
import { familyById } from '../engine/families.ts';
import { searchAll } from '../engine/random.ts';
import { HOLDS_RUNS, matrix } from './matrix.ts';
import { seed } from './seed.ts';

export const checkRows = (family: string): void => {
  const fam = familyById(family);
  if (!fam) throw new Error(`no family ${family}`);
  for (const row of matrix.filter((r) => r.family === family)) {
    describe(`${row.strategy} × ${family} (seed ${seed})`, () => {
      const names = Object.keys(row.cells);
      let results: ReturnType<typeof searchAll> | undefined;
      const get = () => (results ??= searchAll({ ...fam.template, strategy: row.strategy }, names, { seed, numRuns: HOLDS_RUNS }));
      for (const name of names) {
        const want = row.cells[name];
        it(`${name}: ${want === 'holds' ? 'holds' : `violated, shrunk to <= ${want.violated} steps`}`, () => {
          const r = get().find((x) => x.invariant === name);
          expect(r).toBeDefined();
          if (!r) return;
          if (want === 'holds') {
            if (r.counterexample) {
              const { file } = saveCase('shrunk-cases', toCase(r.counterexample));
              expect.fail(`${row.strategy} × ${name} expected to hold but: ${r.counterexample.witness}; saved ${file}`);
            }
            expect(r.verdict).toBe('holds');
            expect(r.runs).toBeGreaterThanOrEqual(HOLDS_RUNS);
          } else {
            expect(r.verdict, `${row.strategy} × ${name} expected a violation in ${r.runs} runs`).toBe('violated');
            expect(r.counterexample?.steps).toBeLessThanOrEqual(want.violated);
          }
        });
      }
    });
  }
};
