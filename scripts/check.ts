/**
 * npm run check -- [flags]: explore one scenario (or template) per strategy and print a verdict
 * per invariant; each violation with its shrunk per-thread timeline (DESIGN.md §6).
 */
import { saveCase, scenarioSchema, describeZodError, toCase } from '../engine/cases.ts';
import { exhaustive } from '../engine/exhaustive.ts';
import { contextSwitches, searchAll, threadsFor, type ScenarioTemplate, type SearchResult } from '../engine/random.ts';
import { resolve } from '../model/index.ts';
import { fail, intArg, invariantsArg, list, main, notifiersArg, parse, reaperArg, readJson, seedArg, strategiesArg, timeline } from './cli.ts';
import { pc } from './cli.ts';

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
  --depth D                bound for --exhaustive (default 60)
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
    const notifiers = notifiersArg(v.notifiers ?? 'kvm,odp-4.20');
    const reaper = reaperArg(v.reaper);
    const threads = v.threads ? list(v.threads) : undefined;
    templates = strategiesArg(v.strategy).map((strategy) => ({ strategy, reaper, vmas: [{ start: 0, end: 4 }], notifiers, ...(threads ? { threads } : {}) }));
  }
  const invariants = invariantsArg(v.invariant);
  const runs = intArg('--runs', v.runs, 1000, 1);
  const seed = seedArg(v.seed);
  const depth = intArg('--depth', v.depth, 60, 1);
  const timeLimit = v['time-limit'] === undefined ? undefined : intArg('--time-limit', v['time-limit'], 0, 1) * 1000;
  // A strategy named on the command line must accept the notifiers; the default "all" skips
  // the ones that cannot run them (e.g. core-counter with a preset that has no interval form).
  const explicit = v.strategy !== undefined || (v.scenario !== undefined && templates.length === 1);
  const errors: string[] = [];
  templates = templates.filter((t) => {
    const r = resolve({ ...t, threads: t.threads ?? [] });
    if (r.ok) return true;
    if (explicit) fail(r.error);
    errors.push(r.error);
    return false;
  });
  if (templates.length === 0) fail(errors[0] ?? 'nothing to check');
  if (errors.length && !v.json) process.stderr.write(`skipped ${errors.length} strategies that cannot run these notifiers (${errors[0]})\n`);

  const results: { strategy: string; template: ScenarioTemplate; r: SearchResult | ReturnType<typeof exhaustive> }[] = [];
  // Progress on stderr, only when it is a terminal (DESIGN.md §6).
  const tty = process.stderr.isTTY === true && !v.json;
  const progress = (strategy: string, what: string, ms: number) => process.stderr.write(`\r${pc.dim(`  ${strategy}: ${what}, ${(ms / 1000).toFixed(1)} s`)}\x1b[K`);
  for (const t of templates) {
    if (v.exhaustive) {
      const scenario = { ...t, threads: t.threads ?? threadsFor(t) };
      for (const inv of invariants) {
        const onProgress = tty ? (states: number, ms: number) => progress(t.strategy, `${inv}: ${states} states`, ms) : undefined;
        results.push({ strategy: t.strategy, template: scenario, r: exhaustive(scenario, inv, depth, undefined, onProgress) });
      }
    } else {
      const onProgress = tty ? (n: number, ms: number) => progress(t.strategy, `${n}/${runs} runs`, ms) : undefined;
      for (const r of searchAll(t, invariants, { seed, numRuns: runs, ...(timeLimit ? { timeLimitMs: timeLimit } : {}), ...(onProgress ? { onProgress } : {}) }))
        results.push({ strategy: t.strategy, template: t, r });
    }
    if (tty) process.stderr.write('\r\x1b[K');
  }

  const out = results.map(({ strategy, template, r }) => {
    const isEx = 'states' in r;
    const cx = r.counterexample;
    let file: string | null = null;
    if (cx && v.save) {
      const c = isEx
        ? toCase({
            invariant: r.invariant, witness: cx.witness, scenario: { ...template, threads: template.threads ?? [] }, schedule: cx.schedule, trace: cx.trace,
            steps: cx.trace.length, contextSwitches: contextSwitches(cx.trace), fromSteps: cx.trace.length, fromSwitches: contextSwitches(cx.trace), seed, path: '', runs: 0,
          })
        : toCase(cx as NonNullable<SearchResult['counterexample']>);
      if (isEx) c.provenance = { foundWith: 'exhaustive' };
      file = saveCase('shrunk-cases', c).file;
    }
    return {
      strategy,
      invariant: r.invariant,
      verdict: r.verdict,
      engine: isEx ? 'exhaustive' : 'random',
      runs: isEx ? 0 : (r as SearchResult).runs,
      states: isEx ? r.states : 0,
      ms: Math.round(r.ms),
      counterexample: cx
        ? {
            steps: cx.trace.length,
            contextSwitches: contextSwitches(cx.trace),
            witness: cx.witness,
            threads: 'scenario' in cx ? cx.scenario.threads : template.threads,
            schedule: cx.schedule,
            trace: cx.trace,
            file,
            ...('fromSteps' in cx ? { shrunkFrom: cx.fromSteps } : {}),
          }
        : null,
    };
  });

  if (v.json) {
    process.stdout.write(`${JSON.stringify({ seed, results: out }, null, 2)}\n`);
  } else {
    const color = process.stdout.isTTY === true;
    const nameWidth = Math.max(...out.map((o) => o.invariant.length));
    let last = '';
    for (const o of out) {
      if (o.strategy !== last) {
        process.stdout.write(`\n${pc.bold(o.strategy)}  (seed ${seed}${v.exhaustive ? `, exhaustive depth ${depth}` : `, ${runs} runs`})\n`);
        last = o.strategy;
      }
      const tag = o.verdict === 'violated' ? pc.red('violated') : o.verdict === 'holds' ? pc.green('holds   ') : pc.yellow('holds ≤ bound');
      const extent = o.engine === 'exhaustive' ? `${o.states} states` : `${o.runs} runs`;
      process.stdout.write(`  ${tag}  ${o.invariant.padEnd(nameWidth)} ${pc.dim(`${extent}, ${o.ms} ms`)}\n`);
    }
    for (const o of out) {
      const cx = o.counterexample;
      if (!cx) continue;
      process.stdout.write(`\n${pc.red('✘')} ${pc.bold(`${o.strategy} × ${o.invariant}`)}: ${cx.witness}\n`);
      process.stdout.write(`  threads ${JSON.stringify(cx.threads)}; schedule ${JSON.stringify(cx.schedule)}; ${cx.steps} steps${'shrunkFrom' in cx ? ` (shrunk from ${cx.shrunkFrom})` : ''}, ${cx.contextSwitches} context switches\n\n`);
      process.stdout.write(`${timeline(cx.trace, { color })}\n`);
      process.stdout.write(`\n  replay: npm run check -- --strategy ${o.strategy} --invariant ${o.invariant} --seed ${seed}${v.scenario ? ` --scenario ${v.scenario}` : ` --notifiers ${v.notifiers ?? 'kvm,odp-4.20'}`}${v.threads ? ` --threads ${v.threads}` : ''}${v.exhaustive ? ` --exhaustive --depth ${depth}` : ` --runs ${runs}`}\n`);
      if (cx.file) process.stdout.write(`  saved: ${cx.file}  (npm run replay -- ${cx.file})\n`);
    }
  }
  return out.some((o) => o.verdict === 'violated') ? 1 : 0;
});
