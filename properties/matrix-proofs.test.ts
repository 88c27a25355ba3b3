/**
 * Proofs behind the expected-verdict matrix (checks/matrix.ts; issue #10): the cells a row
 * expects to hold are also searched exhaustively, over every thread set of up to PROOF_THREADS
 * threads the family generates, each set cut at PROOF_STATES states. npm test's budget is a
 * number of states, BUDGET_STATES, spent row by row, the first row of every family first, then
 * the second, …, so every family is covered before any gets a second row; rows past the budget
 * are left to `npm run compare`'s proofs (deterministic: the same rows every run).
 * A violation there is a wrong "holds" in the matrix (the message names the counterexample),
 * unless checks/proof-findings.ts lists it, with its exact shortest length, as one only the
 * exhaustive engine finds. A cell whose every set completed is proved; the others stay backed
 * by the random runs of properties/matrix.*.test.ts. `npm run compare` proves with larger bounds.
 */
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { matrix } from '../checks/matrix.ts';
import { proofFindings } from '../checks/proof-findings.ts';
import { explore } from '../engine/exhaustive.ts';
import { exhaustiveTemplate } from '../engine/threadsets.ts';
import { INVARIANT_NAMES } from '../model/index.ts';

const PROOF_THREADS = 2;
const PROOF_STATES = 3000;
const BUDGET_STATES = 250_000;

/** The rows interleaved by family: each family's first row, then each one's second, … */
const interleaved = (() => {
  const byFamily = new Map<string, (typeof matrix)[number][]>();
  for (const r of matrix) byFamily.set(r.family, [...(byFamily.get(r.family) ?? []), r]);
  const out: (typeof matrix)[number][] = [];
  for (let k = 0; out.length < matrix.length; k++) for (const rows of byFamily.values()) if (rows[k]) out.push(rows[k]);
  return out;
})();
let spent = 0;
let rowsProved = 0;

let cells = 0;
let proved = 0;

const found = (strategy: string, family: string, invariant: string) => proofFindings.find((f) => f.strategy === strategy && f.family === family && f.invariant === invariant);

describe(`the matrix's "holds" cells, proved over every thread set of up to ${PROOF_THREADS} threads (≤ ${PROOF_STATES} states each)`, () => {
  for (const row of interleaved) {
    const holds = INVARIANT_NAMES.filter((i) => !Object.hasOwn(row.violated, i));
    if (holds.length === 0) continue;
    it(`${row.strategy} × ${row.family}: no small thread set breaks what the row says holds (within the budget)`, () => {
      if (spent >= BUDGET_STATES) return; // left to npm run compare
      const fam = familyById(row.family);
      expect(fam).toBeDefined();
      if (!fam) return;
      const results = exhaustiveTemplate({ ...fam.template, strategy: row.strategy }, holds, { maxThreads: PROOF_THREADS, maxStates: PROOF_STATES });
      spent += results[0]?.states ?? 0;
      rowsProved++;
      for (const r of results) {
        const cx = r.counterexample;
        const known = found(row.strategy, row.family, r.invariant);
        if (cx && !known) expect.fail(`${row.strategy} × ${row.family} × ${r.invariant} is expected to hold, but threads ${cx.scenario.threads.join(',')} break it in ${cx.steps} steps: ${cx.witness}`);
        if (known) continue; // asserted below
        cells++;
        if (r.verdict === 'holds') proved++;
      }
    });
  }
  it('proves most of the cells it searched, in a row of every family (a bound that cuts every search proves nothing)', () => {
    expect(rowsProved).toBeGreaterThanOrEqual(new Set(matrix.map((r) => r.family)).size);
    expect(cells).toBeGreaterThan(0);
    expect(proved / cells).toBeGreaterThan(0.6);
  });
});

describe('violations only the exhaustive engine finds (checks/proof-findings.ts), each at its exact shortest length', () => {
  for (const f of proofFindings) {
    it(`${f.strategy} × ${f.family} × ${f.invariant}: ${f.steps} steps with ${f.threads.join(',')}`, () => {
      const fam = familyById(f.family);
      expect(fam).toBeDefined();
      if (!fam) return;
      expect(matrix.find((r) => r.strategy === f.strategy && r.family === f.family)?.violated).not.toHaveProperty(f.invariant);
      const [r] = explore({ ...fam.template, strategy: f.strategy, threads: f.threads }, [f.invariant]).results;
      expect(r.verdict).toBe('violated');
      expect(r.counterexample?.steps).toBe(f.steps);
    });
  }
});
