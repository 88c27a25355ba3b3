/**
 * npm run check -- [flags]: explore one scenario (or template) per strategy and print a verdict
 * per invariant; each violation with its shrunk per-thread timeline (docs/design.md §6).
 * Parse → engine/check.ts → report/check.ts.
 */
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { describeZodError, scenarioSchema } from '../engine/case-format.ts';
import { check, DEFAULT_DEPTH, runnable } from '../engine/check.ts';
import { checkJson, checkText, progressLine } from '../report/check.ts';
import { fail, intArg, invariantsArg, list, main, notifiersArg, parse, pc, reaperArg, readJson, seedArg, strategiesArg } from './cli.ts';

const DEFAULT_NOTIFIERS = 'kvm,odp-4.20';

const HELP = `usage: npm run check -- [flags]

Explore the mmu_notifier model and report, per strategy and invariant, whether it holds.

  --strategy NAME[,NAME]   strategies to check (default: all)
  --notifiers SPEC         [NAME=]DRIVER[@ADDR],... (default: kvm,odp-4.20)
  --reaper ERA             no-notify | skip-if-notifiers | nonblock-per-vma (default)
  --threads LIST           fix the threads (default: generated from the notifiers)
  --scenario FILE.json     a whole scenario instead of the four flags above (knobs too)
  --invariant NAME[,NAME]  invariants to judge (default: all)
  --runs N                 random cases per strategy (default 1000)
  --seed S                 fast-check seed (default: FC_SEED or 42)
  --time-limit SECONDS     stop generating after this long per strategy
  --exhaustive             breadth-first search of every interleaving instead
  --depth D                bound for --exhaustive (default ${DEFAULT_DEPTH})
  --json                   one JSON object on stdout
  --save                   write each counterexample under shrunk-cases/

exit: 0 all hold, 1 a violation was found, 2 bad input

examples:
  npm run check -- --strategy skip-all-end --notifiers kvm,odp-4.20
  npm run check -- --strategy call-all-end-2021 --notifiers kvm,i915-4.19 --json
  npm run check -- --strategy skip-all-end --notifiers kvm,odp-4.20 --threads oom_reaper,ioctl:B --exhaustive --depth 30
`;

main(async () => {
  const { values: v } = parse({
    strategy: { type: 'string' },
    notifiers: { type: 'string' },
    reaper: { type: 'string' },
    threads: { type: 'string' },
    scenario: { type: 'string' },
    invariant: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    'time-limit': { type: 'string' },
    exhaustive: { type: 'boolean' },
    depth: { type: 'string' },
    json: { type: 'boolean' },
    save: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let templates: ScenarioTemplate[];
  if (v.scenario) {
    for (const f of ['notifiers', 'reaper', 'threads'] as const) if (v[f] !== undefined) fail(`--scenario replaces --${f}; give one or the other`);
    const parsed = scenarioSchema.partial({ threads: true, strategy: true }).safeParse(readJson(v.scenario));
    if (!parsed.success) fail(`${v.scenario}: ${describeZodError(parsed.error)}`);
    const sc = parsed.data as ScenarioTemplate & { strategy?: string };
    const strategies = v.strategy ? strategiesArg(v.strategy) : sc.strategy ? strategiesArg(sc.strategy) : strategiesArg(undefined);
    templates = strategies.map((strategy) => ({ ...sc, strategy }));
  } else {
    const notifiers = notifiersArg(v.notifiers ?? DEFAULT_NOTIFIERS);
    const reaper = reaperArg(v.reaper);
    const threads = v.threads ? list(v.threads) : undefined;
    templates = strategiesArg(v.strategy).map((strategy) => ({ strategy, reaper, vmas: [{ start: 0, end: 4 }], notifiers, ...(threads ? { threads } : {}) }));
  }
  const invariants = invariantsArg(v.invariant);
  const runs = intArg('--runs', v.runs, 1000, 1);
  const seed = seedArg(v.seed);
  const depth = intArg('--depth', v.depth, DEFAULT_DEPTH, 1);
  const timeLimit = v['time-limit'] === undefined ? undefined : intArg('--time-limit', v['time-limit'], 0, 1) * 1000;
  // A strategy named on the command line must accept the notifiers; the default "all" skips
  // the ones that cannot run them (e.g. core-counter with a preset that has no interval form).
  const explicit = v.strategy !== undefined || (v.scenario !== undefined && templates.length === 1);
  const { ok, errors } = runnable(templates);
  if (errors.length && explicit) fail(errors[0]);
  if (ok.length === 0) fail(errors[0] ?? 'nothing to check');
  if (errors.length && !v.json) process.stderr.write(`skipped ${errors.length} strategies that cannot run these notifiers (${errors[0]})\n`);

  // Progress on stderr, only when it is a terminal (docs/design.md §6).
  const tty = process.stderr.isTTY === true && !v.json;
  const checked = check(ok, {
    invariants,
    seed,
    runs,
    exhaustive: v.exhaustive === true,
    depth,
    ...(timeLimit ? { timeLimitMs: timeLimit } : {}),
    ...(v.save ? { saveDir: 'shrunk-cases' } : {}),
    ...(tty ? { onProgress: (p) => process.stderr.write(progressLine(p, pc)), onStrategyDone: () => process.stderr.write('\r\x1b[K') } : {}),
  });

  if (v.json) process.stdout.write(checkJson(checked, seed));
  else {
    const how = { seed, runs, exhaustive: v.exhaustive === true, depth, notifiers: v.notifiers ?? DEFAULT_NOTIFIERS, ...(v.scenario ? { scenarioFile: v.scenario } : {}), ...(v.threads ? { threads: v.threads } : {}) };
    process.stdout.write(checkText(checked, how, pc));
  }
  return checked.some((c) => c.result.verdict === 'violated') ? 1 : 0;
});
