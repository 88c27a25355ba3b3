/**
 * npm run compare -- [flags]: the strategy × invariant matrix over the standard scenario
 * families (checks/families.ts), or over the user's own scenario (--notifiers, --scenario, with
 * --driver files): verdict, runs, time to first counterexample, shrunk length; each violation
 * attributed to the strategy, the drivers or the reaper era; then the decision view (family ×
 * strategy) and which strategies keep every invariant (docs/design.md §6).
 * Parse → engine/compare.ts (in a worker: scripts/jobs.ts) → attribute → report/matrix.ts.
 */
import { families } from '../checks/families.ts';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { commonestErrors, runnable } from '../engine/check.ts';
import { adaptations, attribute, decide, DEFAULT_PROOF, type Cell, type FamilyTemplate, type FoundInFamily } from '../engine/compare.ts';
import { catalogueWith, driverFilesProblems, type DriverFile } from '../engine/driver-format.ts';
import { KERNEL_NAMES, type Catalogue } from '../model/index.ts';
import { interruptedLine, type Interrupted } from '../report/check.ts';
import { compareMail, familyCheckArgs, type FamilyCheck } from '../report/compare-mail.ts';
import { escapeText, shellWord } from '../report/escape.ts';
import { COMPARE_RESULT_FORMAT, jsonMatrix, markdownMatrix, terminalMatrix } from '../report/matrix.ts';
import { colorsFor, driversArg, EXIT, fail, fileArg, intArg, invariantsArg, isEntry, LIMITS, listArg, main, namesArg, notifiersArg, parseCollecting, plainProgress, Problems, eraArgs, kernelArg, readScenarioTemplate, seedArg, strategiesArg, unusedDriverProblems, widthFor, type Command, type Io } from './cli.ts';
import { jobOf, readShards, shardArg, shardFile, type ShardOptions } from './compare-shard.ts';
import { combineUnits, defaultWorkers, planOf, runJob, shardTasks, type UnitResult } from './jobs.ts';

const FAMILY_IDS = families.map((f) => f.id);

const HELP = `usage: npm run compare -- [flags]

Compare the rollback strategies: for every strategy and invariant, run the standard scenario
families (or your own drivers: --notifiers or --scenario) and report the verdict, the runs, the
time to the first counterexample and its shrunk length; then the decision: per family and
strategy, every invariant kept or the ones broken, and which strategies keep every invariant.

Each violation is attributed: to the strategy (another strategy holds the invariant on the same
family), to the drivers (it breaks under every strategy that can run them), or to the reaper era
(<= v4.14 eras, broken under every strategy). The terminal matrix shows the strategy's first
and folds the others under their cause.

  --strategy NAME[,NAME]   strategies (default: all)
  --invariant NAME[,NAME]  invariants (default: all)
  --family ID[,ID]         scenario families (default: all: ${FAMILY_IDS.join(', ')})
  --notifiers SPEC         your drivers instead of the families: [NAME=]DRIVER[@ADDR],...
                           (@ADDR: below)
  --reaper ERA             with --notifiers: no-notify | skip-if-notifiers | nonblock-per-vma (default)
  --kernel RELEASE         with --notifiers or --scenario: run that release (docs/kernel.md §11):
                           its mainline rule and the proposals are compared, on its reaper,
                           munmap, non_block, lockdep map and presets.
                           Releases: ${KERNEL_NAMES.slice(0, 8).join(', ')},
                           ${KERNEL_NAMES.slice(8).join(', ')}
  --threads LIST           with --notifiers: fix the threads (default: generated); each id
                           (madvise, fault:NAME, ...) names one thread, so a repeat is
                           refused (several threads of one kind are not supported yet)
  --scenario FILE.json     your scenario instead of the families (its strategy, if any, is
                           ignored: every --strategy is compared)
  --driver FILE.json       a driver definition (repeatable); name it in --notifiers or the
                           scenario (a file no notifier names is refused, not ignored)
  --runs N                 random cases per strategy and family (default 300, at most ${LIMITS.runs})
  --seed S                 fast-check seed (default: FC_SEED or 42)
  --max-threads N          prove each held cell: an exhaustive search of every thread set of
                           up to N threads per family (default ${DEFAULT_PROOF.maxThreads}, at most ${LIMITS.maxThreads}; 0: sample only)
  --max-states N           a proof gives up on a thread set after N distinct states (default
                           ${DEFAULT_PROOF.maxStates}); the cell is then "sampled", not "proved"
  --progress               progress on stderr when it is not a terminal too: a plain line at
                           most every 10 s (on a terminal it is always shown, in place)
  --workers N              worker threads (default: one per core, ${defaultWorkers()} here): families and
                           strategies side by side; the same results
  --format FORMAT          text (default: the matrix, then the decision, wrapped to the
                           terminal, 100 columns when piped), mail (ASCII within 72 columns
                           for a mail: the decision first, then each cell that decides it
                           with its witness and the command that reproduces it) or markdown
  --markdown               the same as --format markdown (Markdown tables)
  --json                   print one JSON object (format ${COMPARE_RESULT_FORMAT})
  --shard K/N              with --json: run only shard K of N of the work (the
                           strategy × family tasks whose index is K-1 modulo N) and
                           print a shard file for --merge (exit 0 once written: the
                           verdicts come from the merge)
  --merge FILE...          from the N shard files of one run (each K once, the same
                           options), print what that run prints unsharded (text,
                           --format, --json) with its exit code; each counterexample's
                           ms is the shard's. No other flag: the shards fix them

@ADDR is the address of the notifier's struct mmu_notifier, a decimal integer, distinct per
notifier (default: 256, 512, ... by position). sorted-undo keeps the hlist sorted by it and
stops its undo at the first notifier not below the failing one; the other strategies walk the
list in registration order (newest first) and do not use it.

A held cell prints "✔ <=T threads (S)" (as "✔ ≤2 threads (106k)") when every family's proof
of every thread set of up to T threads completed (S: states explored), "✔ sampled (N)" when some
proof hit --max-states and only the N runs back it. A proof can also
find a violation the runs missed: it is reported as one, found by the proof.

The decision names every adaptation it rests on: a driver run in another form under a strategy
(under core-counter a hlist-era preset runs its interval form; nouveau-5.5's two notifiers are
folded into one), and a strategy that cannot run a family's drivers (its row is missing).

Ctrl-C stops and prints the matrix of the strategies that finished (exit 130).

exit: the decision's answer: 0 some strategy keeps every invariant in every family it ran
(with proofs on, proved), 1 no strategy does, 4 one does but only sampled (a proof hit
--max-states), 2 bad input, 130 interrupted (a --shard run cut short writes no file); --merge
exits as the run would, and a --shard run 0 once its file is written

examples:
  npm run compare -- --notifiers kvm,i915-4.19,odp-5.5
  npm run compare -- --notifiers kvm,odp-4.20 --format mail
  npm run compare -- --driver examples/dmirror.json --notifiers kvm,dmirror --json
  npm run compare -- --shard 1/2 --json > a.json    (on one machine)
  npm run compare -- --shard 2/2 --json > b.json    (on another)
  npm run compare -- --merge a.json b.json
`;

/** Flags that set what a run computes: a merge takes them from its shards. */
const WORK_FLAGS = ['strategy', 'invariant', 'family', 'notifiers', 'reaper', 'kernel', 'threads', 'scenario', 'driver', 'runs', 'seed', 'max-threads', 'max-states', 'workers', 'shard'] as const;

type OutputFormat = 'text' | 'mail' | 'markdown' | 'json';

/** The output asked for, its problems recorded: --format, --markdown, --json. */
const formatOf = (v: { format?: string; markdown?: boolean; json?: boolean }, p: Problems): OutputFormat => {
  // --markdown is --format markdown; --json stays its own flag (its output is an object, not a text format).
  const FORMATS = ['text', 'mail', 'markdown'] as const;
  if (v.format !== undefined && !(FORMATS as readonly string[]).includes(v.format)) p.add(`--format: unknown '${escapeText(v.format)}' (valid: ${FORMATS.join(', ')})`);
  if (v.format !== undefined && v.json) p.add(`--format ${escapeText(v.format)} and --json: give one or the other`);
  if (v.format !== undefined && v.markdown) p.add(`--format ${escapeText(v.format)} and --markdown (the same as --format markdown): give one or the other`);
  if (v.json && v.markdown) p.add('--json and --markdown: give one or the other');
  return v.json ? 'json' : v.markdown ? 'markdown' : ((v.format as (typeof FORMATS)[number] | undefined) ?? 'text');
};

/**
 * The user's scenario must run under some strategy compared (a strategy that cannot run it shows
 * as such in the decision); in text, stderr says how many cannot.
 */
const checkRunnable = (o: ShardOptions, catalogue: Catalogue, format: OutputFormat, scenarioFile: boolean, io: Io): void => {
  if (o.userScenario === undefined) return;
  const templates: ScenarioTemplate[] = o.strategies.map((strategy) => ({ ...o.families[0].template, strategy }));
  const { ok, errors } = runnable(templates, catalogue);
  const where = (e: string) => (scenarioFile ? `${o.userScenario}: ${e}` : e);
  if (ok.length === 0) fail(...commonestErrors(errors).map(where));
  // Counted by template: one that cannot run may have several problems.
  if (errors.length && format === 'text') io.stderr.write(`${templates.length - ok.length} of ${o.strategies.length} strategies cannot run this scenario (${escapeText(where(errors[0]))})\n`);
};

/**
 * What compare prints of its units' results (a run's, or the shards' merged) and its exit code:
 * the cells attributed among the strategies that finished, then the matrix and the decision.
 */
const report = (io: Io, o: ShardOptions, format: OutputFormat, units: readonly UnitResult[], completed: readonly number[], interrupted: Interrupted | undefined, catalogue: Catalogue): number => {
  const { strategies, invariants, seed, runs, proof, userScenario, checkArgs } = o;
  const fams = o.families;
  // Each violation attributed among the strategies that finished.
  const eras = Object.fromEntries(fams.map((f) => [f.id, f.template.reaper]));
  const cells: Cell[] = attribute(units.flatMap((r) => (r.kind === 'compare' ? r.cells : [])), eras);
  const done = completed.map((k) => strategies[k]);
  // Every adaptation behind the decision: a driver run in another form, a strategy that could not run a family (of the strategies that finished).
  const adapted = adaptations(done, fams, catalogue);
  // Each family's scenario as check's flags, for the mail's replay commands (the user's scenario: the flags it was given).
  const familyCheck: Record<string, FamilyCheck | null> = Object.fromEntries(
    fams.map((f) => [f.id, userScenario !== undefined ? { args: [...checkArgs], fixedThreads: f.template.threads !== undefined } : familyCheckArgs(f.template)]),
  );
  const checkFlags = checkArgs.map(shellWord).join(' ');
  const matrixRun = { seed, runs, proof, families: fams.map((f) => f.id), adaptations: adapted, ...(userScenario !== undefined ? { userScenario, checkFlags, checkArgs } : {}) };
  const width = widthFor(io);
  const pc = colorsFor(io);
  if (format === 'json') io.stdout.write(jsonMatrix(cells, matrixRun, done, interrupted));
  else if (format === 'mail') io.stdout.write(compareMail(done, cells, { ...matrixRun, familyCheck }, interrupted));
  else {
    if (interrupted) io.stdout.write(`${interruptedLine(interrupted)}${done.length ? '\n' : ''}`);
    if (done.length) io.stdout.write(format === 'markdown' ? markdownMatrix(done, invariants, cells, matrixRun) : terminalMatrix(done, invariants, cells, matrixRun, pc, width));
  }
  if (interrupted) return EXIT.interrupted;
  // The exit code answers the decision's question: does some strategy keep every invariant in
  // every family it ran? 0 yes (proved, or sampled when proofs are off), 4 yes but only sampled
  // (a proof hit --max-states), 1 no.
  const d = decide(cells, done, fams.map((f) => f.id));
  if (d.keepEveryInvariant.length === 0) return EXIT.violated;
  const proved = d.perStrategy.some((s) => d.keepEveryInvariant.includes(s.strategy) && s.proved);
  return proof && !proved ? EXIT.bounded : EXIT.ok;
};

/** `compare --merge FILE…`: the shards' tasks combined into units as the worker threads' are, then printed as one run would print them. */
const mergeCommand = (files: readonly string[], v: Record<string, unknown>, p: Problems, io: Io): number => {
  for (const f of WORK_FLAGS) if (v[f] !== undefined) p.add(`--merge takes every option from the shards: --${f} is not given with it (give it to each --shard run)`);
  const format = formatOf(v, p);
  p.check();
  const { options, tasks } = readShards(files);
  const catalogue = catalogueWith(options.drivers);
  checkRunnable(options, catalogue, format, options.checkArgs.includes('--scenario'), io);
  const units = combineUnits(planOf(jobOf(options)).units, tasks);
  return report(io, options, format, units, units.map((_, k) => k), undefined, catalogue);
};

export const compareCommand: Command = async (argv, io) => {
  // Positionals are the shard files of --merge, and nothing otherwise.
  const merging = argv.includes('--merge');
  const { values: v, positionals, problems: argProblems } = parseCollecting(argv, {
    strategy: { type: 'string' },
    invariant: { type: 'string' },
    family: { type: 'string' },
    notifiers: { type: 'string' },
    reaper: { type: 'string' },
    kernel: { type: 'string' },
    progress: { type: 'boolean' },
    threads: { type: 'string' },
    scenario: { type: 'string' },
    driver: { type: 'string', multiple: true },
    runs: { type: 'string' },
    seed: { type: 'string' },
    'max-threads': { type: 'string' },
    'max-states': { type: 'string' },
    workers: { type: 'string' },
    format: { type: 'string' },
    markdown: { type: 'boolean' },
    json: { type: 'boolean' },
    shard: { type: 'string' },
    merge: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, merging);
  if (v.help && argProblems.length === 0) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const p = new Problems();
  // Every problem at once: the command line's and each flag's value's.
  p.add(...argProblems);
  if (v.merge) return mergeCommand(positionals, v, p, io);
  const shard = v.shard === undefined ? undefined : p.take(() => shardArg(v.shard as string), undefined);
  // A shard is only what --merge reads: JSON of its tasks, never a partial matrix to read as an answer.
  if (v.shard !== undefined && !v.json) p.add(`--shard ${escapeText(v.shard)} writes a shard file for --merge: add --json (the matrix is printed by compare --merge)`);
  const fileDrivers = p.take(() => driversArg(v.driver), []);
  // Drivers inline in a --scenario file join the --driver files (one name, one definition).
  const inline: DriverFile[] = [];
  const strategies = p.take(() => strategiesArg(v.strategy), []);
  // The families compared: the standard ones, or the user's scenario as the one family.
  let fams: FamilyTemplate[] = [];
  let userScenario: string | undefined;
  let checkArgs: string[] = [];
  if (v.scenario !== undefined) {
    for (const f of ['notifiers', 'reaper', 'threads', 'family'] as const) if (v[f] !== undefined) p.add(`--scenario replaces --${f}; give one or the other`);
    const file = p.take(() => fileArg('--scenario', v.scenario as string), undefined);
    const kernel = p.take(() => kernelArg(v.kernel), undefined);
    // --kernel is merged into the file's scenario as it is read (engine/case-format.ts parseScenarioTemplate).
    const read = file === undefined ? undefined : p.take(() => readScenarioTemplate(file, kernel), undefined);
    const sc = read?.template;
    if (read) inline.push(...read.drivers);
    if (sc) p.add(...unusedDriverProblems(v.driver, fileDrivers, sc.notifiers.map((n) => n.driver), `${file}'s notifiers use ${[...new Set(sc.notifiers.map((n) => n.driver))].join(', ') || 'no driver'}`, (d) => `name it in the scenario's notifiers ({"name": ..., "driver": "${d}", "address": ...})`));
    if (file !== undefined && sc) {
      const { strategy: _ignored, ...template } = sc;
      userScenario = file;
      checkArgs = [...(v.driver ?? []).flatMap((d) => ['--driver', d]), '--scenario', file, ...(kernel !== undefined ? ['--kernel', kernel] : [])];
      fams = [{ id: file, template }];
    }
  } else if (v.notifiers !== undefined) {
    if (v.family !== undefined) p.add('--notifiers replaces --family: your drivers are the one scenario compared; give one or the other');
    const notifiers = p.take(() => notifiersArg(v.notifiers as string, fileDrivers.map((d) => d.driver)), []);
    const { reaper: era, kernel } = eraArgs(p, v);
    const threads = v.threads === undefined ? undefined : p.take(() => listArg('--threads', v.threads as string), undefined);
    if (notifiers.length) {
      userScenario = listArg('--notifiers', v.notifiers, true).join(',');
      p.add(...unusedDriverProblems(v.driver, fileDrivers, notifiers.map((n) => n.driver), `--notifiers ${userScenario}`, (d) => `name it in --notifiers, as --notifiers ${userScenario},${d}`));
      checkArgs = [...(v.driver ?? []).flatMap((d) => ['--driver', d]), '--notifiers', userScenario, ...(kernel !== undefined ? ['--kernel', kernel] : era !== 'nonblock-per-vma' ? ['--reaper', era] : []), ...(threads ? ['--threads', threads.join(',')] : [])];
      fams = [{ id: userScenario, template: { reaper: era, vmas: [{ start: 0, end: 4 }], notifiers, ...(threads ? { threads } : {}), ...(kernel !== undefined ? { kernel } : {}) } }];
    }
  } else {
    for (const f of ['reaper', 'threads'] as const) if (v[f] !== undefined) p.add(`--${f} goes with --notifiers (the families fix their own)`);
    if (v.kernel !== undefined) p.add('--kernel goes with --notifiers or --scenario (each standard family fixes its own era)');
    // The families run presets only: a driver file would be read and ignored.
    p.add(...unusedDriverProblems(v.driver, fileDrivers, [], 'the standard families run presets only', (d) => `compare your driver with --notifiers, as --notifiers kvm,${d}, or with --scenario`));
    const ids =
      v.family === undefined
        ? FAMILY_IDS
        : p.take(() => namesArg('--family', 'family', v.family as string, FAMILY_IDS), []);
    fams = families.filter((f) => ids.includes(f.id)).map((f) => ({ id: f.id, template: f.template }));
  }
  // After the scenario file's inline drivers are read: a driver that states assertions brings DriverAssertions into the default list.
  const invariants = p.take(() => invariantsArg(v.invariant, [...fileDrivers, ...inline]), []);
  const runs = p.take(() => intArg('--runs', v.runs, 300, 1, LIMITS.runs), 300);
  const seed = p.take(() => seedArg(v.seed, io.env), 42);
  const maxThreads = p.take(() => intArg('--max-threads', v['max-threads'], DEFAULT_PROOF.maxThreads, 0, LIMITS.maxThreads), DEFAULT_PROOF.maxThreads);
  const maxStates = p.take(() => intArg('--max-states', v['max-states'], DEFAULT_PROOF.maxStates, 1, LIMITS.maxStates), DEFAULT_PROOF.maxStates);
  if (maxThreads === 0 && v['max-states'] !== undefined) p.add('--max-states bounds the proofs, and --max-threads 0 turns them off: give one or the other');
  const proof = maxThreads === 0 ? null : { maxThreads, maxStates };
  const workers = p.take(() => intArg('--workers', v.workers, defaultWorkers(), 1, LIMITS.workers), 1);
  const format = formatOf(v, p);
  const drivers = [...fileDrivers, ...inline];
  if (inline.length) for (const e of driverFilesProblems(drivers)) p.add(`--driver and the scenario's drivers: ${e}`);
  p.check();
  const catalogue = catalogueWith(drivers);

  const options: ShardOptions = { seed, runs, proof, strategies, invariants, families: fams, drivers, ...(userScenario !== undefined ? { userScenario } : {}), checkArgs };
  checkRunnable(options, catalogue, format, v.scenario !== undefined, io);

  // Progress on stderr, only when it is a terminal and the output is the terminal table.
  const pc = colorsFor(io);
  const tty = io.stderr.isTTY === true && format === 'text';
  // Off a terminal only with --progress: a plain line now and then (a CI log keeps each).
  const slow = !tty && v.progress === true ? plainProgress(io) : null;
  // Per strategy and family, what its search had violated so far: all an interrupted compare can say of a strategy it cut short.
  const foundSoFar = new Map<string, { strategy: string; family: string; found: readonly FoundInFamily[] }>();
  const job = jobOf(options);
  const only = shard && shardTasks(planOf(job).tasks.length, shard.k, shard.n);
  const run = await runJob(
    job,
    {
      ...(only ? { only } : {}),
      signal: io.signal,
      inline: io.inline,
      workers,
      onProgress: (pr) => {
        if (pr.engine === 'compare-found') {
          foundSoFar.set(`${pr.strategy}\0${pr.family}`, pr);
          if (tty && pr.found.length) io.stderr.write(pc.dim(`  ${pr.strategy} × ${escapeText(pr.family)}: ${pr.found.length} violated so far…${' '.repeat(20)}\r`));
        } else if (tty && pr.engine === 'compare') io.stderr.write(pc.dim(`  ${pr.strategy} × ${escapeText(pr.family)}: ${pr.phase}…${' '.repeat(20)}\r`));
        else if (pr.engine === 'compare') slow?.(`  ${pr.strategy} × ${escapeText(pr.family)}: ${pr.phase}…`);
      },
    },
  );
  if (tty) io.stderr.write(`${' '.repeat(60)}\r`);
  const signal = io.signal?.reason === 'SIGTERM' ? ('SIGTERM' as const) : ('SIGINT' as const);
  if (shard) {
    // A shard cut short cannot be merged: nothing on stdout, and the exit code says so.
    if (run.interrupted) {
      io.stderr.write(`interrupted (${signal}): shard ${shard.k}/${shard.n} is incomplete, so no shard file was written\n`);
      return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    }
    io.stdout.write(`${JSON.stringify(shardFile(options, shard.k, shard.n, run.tasks))}\n`);
    return EXIT.ok;
  }
  const done = run.completed.map((k) => strategies[k]);
  // In the matrix's order (strategy, family, invariant), whichever worker reported first.
  const familyIds = fams.map((f) => f.id);
  const cutShort = [...foundSoFar.values()]
    .filter((f) => !done.includes(f.strategy))
    .flatMap(({ strategy, family, found }) => found.map((f) => ({ strategy, family, ...f })))
    .sort((a, b) => strategies.indexOf(a.strategy) - strategies.indexOf(b.strategy) || familyIds.indexOf(a.family) - familyIds.indexOf(b.family) || invariants.indexOf(a.invariant) - invariants.indexOf(b.invariant));
  const interrupted = run.interrupted ? { signal, completed: run.results.length, total: run.total, unit: 'strategies', ...(cutShort.length ? { foundSoFar: cutShort } : {}) } : undefined;
  return report(io, options, format, run.results, run.completed, interrupted, catalogue);
};

if (isEntry(import.meta.url)) main(compareCommand, { interruptible: true });
