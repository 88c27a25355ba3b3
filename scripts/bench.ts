/**
 * npm run bench: the performance figures of docs/design.md §8, as a table and as JSON (--json).
 * Measured, never asserted. --quick uses fewer seeds and runs.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { growth, proofSets, shrunkVsShortest } from '../checks/bench.ts';
import { commandMs, reductionRows, speedTargets } from '../checks/bench-engines.ts';
import { families } from '../checks/families.ts';
import { matrix } from '../checks/matrix.ts';
import { candidateArb } from '../engine/arbitraries.ts';
import { exhaustive, explore } from '../engine/exhaustive.ts';
import { search } from '../engine/random.ts';
import { INVARIANT_NAMES, resolve, runWorld, STRATEGY_NAMES } from '../model/index.ts';
import { DEFAULT_SHORTEST } from '../engine/check.ts';
import { EXIT, isEntry, main, parse, type Command } from './cli.ts';

/** The `--shortest-states` that bench tries where check's default pass stays above a cell's shortest. */
const LARGER_SHORTEST = 1_000_000;

export const benchCommand: Command = (argv, io) => {
  const { values: v } = parse(argv, { json: { type: 'boolean' }, quick: { type: 'boolean' }, targets: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (v.help) {
    io.stdout.write('usage: npm run bench [-- --quick | --targets] [--json]\n\n--targets: only issue #21\'s three speed targets (compare over 3 and 4 threads, the A/B check), about 10 minutes.\n\nThe performance figures of docs/design.md §8: random runs per second per strategy and family, time to\nfirst counterexample (median over 20 seeds, 5 with --quick) per violated matrix cell, shrunk length\nvs the exhaustive shortest (every violated matrix cell; share where they are equal), exhaustive states per second as notifiers and threads\ngrow, complete verdicts, the same searches with and without partial-order reduction, and the A/B check from process start.\n');
    return EXIT.ok;
  }
  if (v.targets) {
    const rows = speedTargets();
    io.stdout.write(v.json ? `${JSON.stringify({ speedTargets: rows }, null, 2)}\n` : `\nspeedTargets\n${tableText(rows)}`);
    return EXIT.ok;
  }
  const seeds = v.quick ? 5 : 20;
  const out: Record<string, unknown[]> = { runsPerSecond: [], timeToFirstCounterexample: [], shrunkVsExhaustive: [], shrunkEqualsShortest: [], exhaustive: [], completeVerdicts: [], reduction: [], abCheck: [], speedTargets: [] };

  // 1. random runs per second per strategy and family (generation + run + judging every invariant)
  for (const fam of families) {
    for (const strategy of STRATEGY_NAMES) {
      const t = { ...fam.template, strategy };
      if (!resolve({ ...t, threads: [] }).ok) continue;
      const samples = fc.sample(candidateArb(t, 40), { seed: 1, numRuns: v.quick ? 200 : 1000 });
      const t0 = performance.now();
      for (const c of samples) {
        const r = resolve({ ...t, threads: c.threads });
        if (r.ok) runWorld(r.world, r.state, c.schedule);
      }
      const s = (performance.now() - t0) / 1000;
      out.runsPerSecond.push({ family: fam.id, strategy, runsPerSecond: Math.round(samples.length / s) });
    }
  }
  // 2. time to first counterexample, median over seeds, for each violated matrix cell
  for (const row of matrix) {
    const fam = families.find((f) => f.id === row.family)!;
    for (const [inv, want] of Object.entries(row.violated)) {
      // A pinned cell is searched with its thread set fixed.
      const threads = typeof want === 'object' ? { threads: want.threads } : {};
      const ms: number[] = [];
      const steps: number[] = [];
      for (let k = 0; k < seeds; k++) {
        const r = search({ ...fam.template, strategy: row.strategy, ...threads }, inv, { seed: 1000 + k, numRuns: 1000 });
        if (r.counterexample) {
          ms.push(r.ms);
          steps.push(r.counterexample.steps);
        }
      }
      ms.sort((a, b) => a - b);
      out.timeToFirstCounterexample.push({ strategy: row.strategy, family: row.family, invariant: inv, found: `${ms.length}/${seeds}`, medianMs: Math.round(ms[ms.length >> 1] ?? -1), maxSteps: Math.max(...steps) });
    }
  }
  // 3. shrunk length vs exhaustive shortest: every violated matrix cell, searched as its test does
  //    (seed 42, and two more without --quick), the shortest pass off (shrunk) and on (reported),
  //    and without --quick at check's budget too (seed 42)
  const cells = v.quick ? shrunkVsShortest([42]) : [...shrunkVsShortest([42], undefined, DEFAULT_SHORTEST, LARGER_SHORTEST), ...shrunkVsShortest([1, 2])];
  out.shrunkVsExhaustive.push(...cells.map((c) => ({ ...c, bound: c.bound ?? '-' })));
  // Against the exhaustive shortest of every cell (a 'wider' one: over sets of up to 3 threads, which a larger set beats).
  const share = (k: 'shrunk' | 'reported' | 'reportedByDefault' | 'reportedByCheck') => {
    const of = cells.filter((c) => c[k] !== undefined);
    const equal = of.filter((c) => c[k] === c.shortest).length;
    return of.length === 0 ? '-' : `${equal} of ${of.length} (${Math.round((100 * equal) / of.length)}%; ${of.filter((c) => typeof c[k] === 'number' && (c[k] as number) < c.shortest).length} shorter)`;
  };
  // With check's pass, or where it stays above, with --shortest-states LARGER_SHORTEST: at or below the shortest.
  const byCheck = cells.filter((c) => c.reportedByCheck !== undefined);
  const reached = byCheck.filter((c) => { const got = c.reportedByLargerBudget ?? c.reportedByCheck; return typeof got === 'number' && got <= c.shortest; }).length;
  const larger = byCheck.filter((c) => c.reportedByLargerBudget !== undefined);
  const reachedLarger = larger.filter((c) => typeof c.reportedByLargerBudget === 'number' && c.reportedByLargerBudget <= c.shortest).length;
  const withLarger = byCheck.length === 0 ? '-' : `${reached} of ${byCheck.length} at or below (${reachedLarger} of the ${larger.length} check's pass left above, with ${LARGER_SHORTEST} states)`;
  out.shrunkEqualsShortest = [{ cells: cells.length, shrunkOnly: share('shrunk'), withShortestPass: share('reported'), withDefaultPass: share('reportedByDefault'), withChecksPass: share('reportedByCheck'), withLargerBudget: withLarger, assertedExactly: cells.filter((c) => c.exact).length }];
  // 4. exhaustive states per second as notifiers and threads grow
  for (const n of [2, 3, 4]) {
    for (const nt of [2, 3]) {
      const e = exhaustive(growth(n, nt), 'StartEndPaired', 400, { maxStates: v.quick ? 20_000 : 200_000 });
      out.exhaustive.push({ notifiers: n, threads: nt, states: e.states, verdict: e.verdict, ms: Math.round(e.ms), statesPerSecond: Math.round(e.states / (e.ms / 1000)) });
    }
  }
  // 5. every invariant in one pass, complete, on issue #10's four thread sets (the last only without --quick)
  for (const sc of v.quick ? proofSets.slice(0, 3) : proofSets) {
    const { results, stats } = explore(sc, INVARIANT_NAMES);
    out.completeVerdicts.push({
      threads: sc.threads.join(','), states: stats.states, transitions: stats.transitions, complete: stats.bound === null,
      violated: results.filter((r) => r.verdict === 'violated').map((r) => r.invariant).join(',') || '-',
      ms: Math.round(stats.ms), statesPerSecond: Math.round(stats.states / (stats.ms / 1000)), bytesPerState: Math.round(stats.tableBytes / stats.states), peakHeapMB: Math.round(stats.peakHeapBytes / (1 << 20)),
    });
  }
  // 6. partial-order reduction: the same complete searches without and with sleep sets (states, steps taken and pruned)
  out.reduction.push(...reductionRows(v.quick ? proofSets.slice(0, 3) : proofSets));
  // 7. the A/B check of README's first example, from process start to printed, shrunk traces (npm and tsx included)
  out.abCheck.push(commandMs(['check', '--', '--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20'], v.quick ? 1 : 3));
  // 8. issue #21's speed targets (not with --quick: about 10 minutes)
  if (!v.quick) out.speedTargets.push(...speedTargets());
  if (v.json) io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else for (const [k, rows] of Object.entries(out)) io.stdout.write(`\n${k}\n${tableText(rows)}`);
  return EXIT.ok;
};

/** console.table's rendering, as text for io.stdout. */
const tableText = (rows: readonly unknown[]): string => {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  new Console({ stdout: sink }).table(rows);
  return text;
};

if (isEntry(import.meta.url)) main(benchCommand);
