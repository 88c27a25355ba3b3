/**
 * After a model change that changes traces (engineering rule 8): every saved case that no longer
 * replays is searched again on its own scenario (its strategy and thread set fixed, its seed) and
 * re-saved under its own name; a case whose invariant no longer breaks on its threads is kept as
 * it is and named, for a person to decide. Nothing else is touched.
 *
 *   npx tsx scripts/resave.ts [--dir shrunk-cases] [--dry-run]
 *
 * It prints one line per case it changes (old → new steps) and why the others failed, so the
 * commit message can say what moved.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HOLDS_RUNS } from '../checks/matrix.ts';
import { parseCase, toCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { DEFAULT_SHORTEST } from '../engine/check.ts';
import { explore } from '../engine/exhaustive.ts';
import { search } from '../engine/random.ts';
import type { Scenario } from '../model/index.ts';

const { values: v } = parseArgs({ options: { dir: { type: 'string', default: 'shrunk-cases' }, 'dry-run': { type: 'boolean', default: false } } });
const dir = v.dir as string;
const EXHAUSTIVE_STATES = 2_000_000;
let resaved = 0;
let unchanged = 0;
const left: string[] = [];
for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
  const path = join(dir, f);
  const loaded = parseCase(JSON.parse(readFileSync(path, 'utf8')));
  if (!loaded.ok) {
    left.push(`${f}: unreadable: ${loaded.error}`);
    continue;
  }
  const c = loaded.value;
  const out = replayCase(c);
  if (out.kind === 'reproduced') {
    unchanged++;
    continue;
  }
  const why = out.kind === 'drift' ? `drift at step ${out.step} (${out.field ?? 'step'})` : out.kind === 'verdict-changed' ? `verdict now ${out.verdict}` : `invalid: ${out.errors.join('; ')}`;
  const sc = c.scenario as Scenario;
  const p = c.provenance;
  // The random search first, as the case was found; where its runs miss, a breadth-first search of the same threads.
  const cx =
    (p.foundWith === 'random' ? search(sc, c.expect.invariant, { seed: p.seed ?? 42, numRuns: HOLDS_RUNS, shortest: DEFAULT_SHORTEST }).counterexample : null) ??
    explore(sc, [c.expect.invariant], { maxStates: EXHAUSTIVE_STATES }).results[0].counterexample ??
    null;
  if (cx === null) {
    left.push(`${f}: ${why}; ${c.expect.invariant} no longer breaks on ${sc.threads.join(',')} under ${sc.strategy} (random runs, then every state up to ${EXHAUSTIVE_STATES}): kept as it is`);
    continue;
  }
  const next = toCase(cx);
  if (!replayCase(next).kind.startsWith('reproduced')) {
    left.push(`${f}: ${why}; the new counterexample does not replay: kept as it is`);
    continue;
  }
  resaved++;
  process.stdout.write(`${f}: ${why}; ${c.trace.length} -> ${next.trace.length} steps\n`);
  if (!v['dry-run']) {
    writeFileSync(`${path}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }
}
process.stdout.write(`${resaved} re-saved, ${unchanged} unchanged, ${left.length} left as they are\n`);
for (const l of left) process.stdout.write(`left: ${l}\n`);
