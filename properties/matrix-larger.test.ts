/**
 * A 'wider' bound of the matrix (checks/matrix.ts) says a larger thread set has a shorter
 * counterexample than every set of up to 3 threads: `larger`, its set and length. That is a fact
 * about the model, so it is kept as a saved case (`npm run corpus` saves one per bound), which
 * properties/cases.test.ts replays step for step on every run: here, each bound has its case.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { matrix } from '../checks/matrix.ts';
import { parseCase, type SavedCase } from '../engine/case-format.ts';

const dir = 'shrunk-cases';
const cases: SavedCase[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const c = parseCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    return c.ok ? [c.value] : [];
  });

const bounds = matrix.flatMap((row) => Object.entries(row.atMost ?? {}).flatMap(([invariant, b]) => (b.why === 'wider' ? [{ row, invariant, larger: b.larger }] : [])));

describe("each 'wider' bound's larger counterexample is a saved case", () => {
  it('there are such bounds', () => {
    expect(bounds.length).toBeGreaterThan(0);
  });
  for (const { row, invariant, larger } of bounds) {
    it(`${row.strategy} × ${row.family} × ${invariant}: ${larger.steps} steps on ${larger.threads}`, () => {
      const fam = familyById(row.family);
      expect(fam).toBeDefined();
      const scenario = { ...fam?.template, strategy: row.strategy, threads: larger.threads.split(',') };
      const found = cases.filter((c) => c.expect.invariant === invariant && isDeepStrictEqual(c.scenario, scenario));
      expect(found.map((c) => c.trace.length), `no saved case of ${larger.steps} steps: run npm run corpus`).toContain(larger.steps);
    });
  }
});
