/**
 * npm run check -- [flags]: explore one scenario (or template) per strategy and print a verdict
 * per invariant; each violation with its shrunk per-thread timeline (docs/design.md §6).
 * Parse → engine/check.ts (in a worker: scripts/jobs.ts) → report/check.ts.
 */
import { threadsFor, type ScenarioTemplate } from '../engine/arbitraries.ts';
import { toCase, type SavedCase } from '../engine/case-format.ts';
import { SaveError, saveCase, savePathProblem } from '../engine/cases.ts';
import { commonestErrors, DEFAULT_MAX_STATES, DEFAULT_MAX_THREADS, DEFAULT_SHORTEST, exhaustiveBounds, runnable, type Checked } from '../engine/check.ts';
import { DEFAULT_MAX_MEMORY } from '../engine/exhaustive.ts';
import { CHECK_RESULT_FORMAT, checkJson, checkMail, checkText, progressLine, progressText } from '../report/check.ts';
import { KERNEL_NAMES, resolve } from '../model/index.ts';
import { escapeText } from '../report/escape.ts';
import { catalogueWith, driverFilesProblems, type DriverFile } from '../engine/driver-format.ts';
import { colorsFor, driversArg, EXIT, eraArgs, fail, within, fileArg, intArg, invariantsArg, isEntry, kernelArg, LIMITS, listArg, main, notifiersArg, parseCollecting, plainProgress, Problems, readScenarioTemplate, seedArg, strategiesArg, unusedDriverProblems, widthFor, formatArg, type Command } from './cli.ts';
import { defaultWorkers, runJob } from './jobs.ts';
import { collectStats, exhaustiveStats, type Stats } from '../engine/stats.ts';
import { statsText } from '../report/stats.ts';

const DEFAULT_NOTIFIERS = 'kvm,odp-4.20';

const MB = 1 << 20;

const HELP = `usage: npm run check -- [flags]

Explore the mmu_notifier model and report, per strategy and invariant, whether it holds.

  --strategy NAME[,NAME]   strategies to check (default: all)
  --notifiers SPEC         [NAME=]DRIVER[@ADDR],... (default: kvm,odp-4.20; @ADDR: below)
  --reaper ERA             no-notify | skip-if-notifiers | nonblock-per-vma (default)
  --kernel RELEASE         run that kernel release instead of --reaper: its reaper, munmap,
                           non_block, lockdep map, interval notifiers, mainline rule and presets
                           (docs/kernel.md §11). Without it: v5.10's core with --reaper's era.
                           Releases: ${KERNEL_NAMES.slice(0, 8).join(', ')},
                           ${KERNEL_NAMES.slice(8).join(', ')}
  --threads LIST           fix the threads (default: generated from the notifiers): oom_reaper,
                           munmap, madvise, exit_mmap, fault:NAME, ioctl:NAME, register:NAME,
                           unregister:NAME, and with --kernel reclaim (never generated); each id
                           names one thread, so a repeat is refused (several threads of one kind
                           are not supported yet)
  --scenario FILE.json     a whole scenario instead of the three flags above (knobs too)
  --invariant NAME[,NAME]  invariants to judge (default: all; DriverAssertions only when a
                           driver file states assertions: warn_on, bug_on, a counter range)
  --runs N                 random cases per strategy (default 1000, at most ${LIMITS.runs})
  --seed S                 fast-check seed (default: FC_SEED or 42)
  --time-limit SECONDS     stop the runs, and the shortest pass, after this long per strategy (at most ${LIMITS.timeLimitSeconds});
                           not with --exhaustive, which --max-states and --max-memory bound
  --shortest-states N      after shrinking, a breadth-first pass looks for a shorter
                           counterexample over its thread set and nearby ones, visiting at
                           most N states per counterexample (default ${DEFAULT_SHORTEST}, at most
                           ${LIMITS.maxStates}; 0: off); not with --exhaustive, and not
                           bounded by --time-limit
  --exhaustive             breadth-first search of every reachable state instead, all
                           invariants in one pass; "holds" then means every interleaving
  --max-threads N          --exhaustive without fixed threads: every thread set of up to
                           N threads (default ${DEFAULT_MAX_THREADS}, at most ${LIMITS.maxThreads})
  --max-states N           --exhaustive: stop a thread set's search after N distinct states
                           (default ${DEFAULT_MAX_STATES}; per set when the threads are generated)
  --max-memory MB          --exhaustive: stop when heap and tables reach MB (default ${Math.round(DEFAULT_MAX_MEMORY / MB)})
  --depth D                --exhaustive: explore paths of at most D steps (default: no bound)
                           A bound that cuts the search turns "holds" into "holds <= bound"
                           (exit 4 when nothing is violated).
  --progress               progress on stderr when it is not a terminal too: a plain line at
                           most every 10 s (on a terminal it is always shown, in place)
  --workers N              worker threads (default 1; ${defaultWorkers()} cores here): strategies, and
                           --exhaustive's thread sets, side by side; the same results
  --json                   one JSON object on stdout (format ${CHECK_RESULT_FORMAT})
  --format text|mail       text (default): verdicts and timelines fitting the terminal;
                           mail: each counterexample as plain ASCII within 72 columns,
                           ready to paste into a mail to linux-mm
  --stats                  after the verdicts, what the runs exercised: per action, driver
                           instruction and strategy decision point how often it ran, the
                           distinct states, and the driver instructions no run executed;
                           with --exhaustive, the same counts over every transition of the
                           state space (each state's steps once, the sleep-set reduction
                           off; summed over the thread sets): a second search, as long as
                           the first, and the instructions never executed in it
  --save                   write each counterexample under shrunk-cases/ (with every
                           driver file it uses, so it replays anywhere)
  --driver FILE.json       a driver definition (repeatable); name it in --notifiers or the
                           scenario (npm run driver -- show kvm prints a preset in this format);
                           a file no notifier names is refused, not ignored

@ADDR is the address of the notifier's struct mmu_notifier, a decimal integer, distinct per
notifier (default: 256, 512, ... by position). sorted-undo keeps the hlist sorted by it and
stops its undo at the first notifier not below the failing one; the other strategies walk the
list in registration order (newest first) and do not use it.

Every name is used: a --driver file no notifier names, or a repeated strategy, invariant or
thread, is refused (exit 2), not ignored.

A "holds" whose runs never reached a situation its invariant is about (a failed non-blocking
start, an end in the error path, a fault retrying, ...: model/goals.ts) prints as "vacuous",
naming those situations: it says nothing about them.

Ctrl-C stops the search and prints the results of the strategies that finished (exit 130).

--save checks before the search that it can create files under shrunk-cases/; should a case
still fail to save (a disk that fills meanwhile), the verdicts are printed first, then the
error, and the exit is 2.

exit: 0 all hold, 1 a violation was found, 2 bad input (or --save failed), 4 nothing violated but a bound
(--max-states, --max-memory, --depth) cut an exhaustive search ("holds <= bound"), 130 interrupted

examples:
  npm run check -- --strategy skip-all-end --notifiers kvm,odp-4.20
  npm run check -- --strategy call-all-end-2021 --notifiers kvm,i915-4.19 --json
  npm run check -- --strategy skip-all-end --notifiers kvm,odp-4.20 --threads oom_reaper,ioctl:B --exhaustive
  npm run check -- --strategy call-all-end-2021 --notifiers kvm,gntdev --exhaustive --max-threads 2
`;

export const checkCommand: Command = async (argv, io) => {
  const { values: v, problems: argProblems } = parseCollecting(argv, {
    strategy: { type: 'string' },
    notifiers: { type: 'string' },
    reaper: { type: 'string' },
    kernel: { type: 'string' },
    progress: { type: 'boolean' },
    threads: { type: 'string' },
    scenario: { type: 'string' },
    invariant: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    'time-limit': { type: 'string' },
    exhaustive: { type: 'boolean' },
    depth: { type: 'string' },
    'max-states': { type: 'string' },
    'max-memory': { type: 'string' },
    'max-threads': { type: 'string' },
    'shortest-states': { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    format: { type: 'string' },
    save: { type: 'boolean' },
    stats: { type: 'boolean' },
    driver: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help && argProblems.length === 0) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  // Every problem with the arguments is reported at once, one line each.
  const p = new Problems();
  // Every problem at once: the command line's and each flag's value's.
  p.add(...argProblems);
  const fileDrivers = p.take(() => driversArg(v.driver), []);
  // Drivers inline in a --scenario file join the --driver files (one name, one definition).
  const inline: DriverFile[] = [];
  let templates: ScenarioTemplate[] = [];
  let scenarioFile: string | undefined;
  let reaper: string | undefined;
  let kernel: string | undefined;
  let notifiersText = DEFAULT_NOTIFIERS;
  let threads: string[] | undefined;
  if (v.scenario !== undefined) {
    for (const f of ['notifiers', 'reaper', 'threads'] as const) if (v[f] !== undefined) p.add(`--scenario replaces --${f}; give one or the other`);
    kernel = p.take(() => kernelArg(v.kernel), undefined);
    const file = p.take(() => fileArg('--scenario', v.scenario as string), undefined);
    // --kernel is merged into the file's scenario as it is read (engine/case-format.ts parseScenarioTemplate).
    const read = file === undefined ? undefined : p.take(() => readScenarioTemplate(file, kernel), undefined);
    const sc = read?.template;
    if (read) inline.push(...read.drivers);
    if (sc) p.add(...unusedDriverProblems(v.driver, fileDrivers, sc.notifiers.map((n) => n.driver), `${file}'s notifiers use ${[...new Set(sc.notifiers.map((n) => n.driver))].join(', ') || 'no driver'}`, (d) => `name it in the scenario's notifiers ({"name": ..., "driver": "${d}", "address": ...})`));
    const fromFile = sc?.strategy;
    const strategies = p.take(() => (v.strategy !== undefined || fromFile === undefined ? strategiesArg(v.strategy) : within(`${file}: `, () => strategiesArg(fromFile, 'strategy'))), []);
    scenarioFile = file;
    if (sc) templates = strategies.map((strategy) => ({ ...sc, strategy }));
  } else {
    const notifiers = p.take(() => notifiersArg(v.notifiers ?? DEFAULT_NOTIFIERS, fileDrivers.map((d) => d.driver)), []);
    notifiersText = notifiers.length ? listArg('--notifiers', v.notifiers ?? DEFAULT_NOTIFIERS, true).join(',') : DEFAULT_NOTIFIERS;
    if (notifiers.length)
      p.add(
        ...unusedDriverProblems(v.driver, fileDrivers, notifiers.map((n) => n.driver), v.notifiers === undefined ? `no --notifiers given, so the default ${DEFAULT_NOTIFIERS} is checked` : `--notifiers ${notifiersText}`, (d) => `name it in --notifiers, as --notifiers ${v.notifiers === undefined ? 'kvm' : notifiersText},${d}`),
      );
    const eras = eraArgs(p, v);
    const era = eras.reaper;
    kernel = eras.kernel;
    reaper = kernel === undefined ? era : undefined;
    threads = v.threads === undefined ? undefined : p.take(() => listArg('--threads', v.threads as string), undefined);
    const strategies = p.take(() => strategiesArg(v.strategy), []);
    templates = strategies.map((strategy) => ({ strategy, reaper: era, vmas: [{ start: 0, end: 4 }], notifiers, ...(threads ? { threads } : {}), ...(kernel !== undefined ? { kernel } : {}) }));
  }
  // DriverAssertions joins the default when a driver file of the run states assertions (INV-18).
  const invariants = p.take(() => invariantsArg(v.invariant, [...fileDrivers, ...inline]), []);
  const runs = p.take(() => intArg('--runs', v.runs, 1000, 1, LIMITS.runs), 1000);
  const seed = p.take(() => seedArg(v.seed, io.env), 42);
  const depth = v.depth === undefined ? undefined : p.take(() => intArg('--depth', v.depth, 0, 1, LIMITS.depth), undefined);
  const maxStates = v['max-states'] === undefined ? undefined : p.take(() => intArg('--max-states', v['max-states'], 0, 1, LIMITS.maxStates), undefined);
  const maxMemoryMb = v['max-memory'] === undefined ? undefined : p.take(() => intArg('--max-memory', v['max-memory'], 0, 16, LIMITS.maxMemoryMb), undefined);
  const maxThreads = v['max-threads'] === undefined ? undefined : p.take(() => intArg('--max-threads', v['max-threads'], 0, 1, LIMITS.maxThreads), undefined);
  const shortest = v['shortest-states'] === undefined ? undefined : p.take(() => intArg('--shortest-states', v['shortest-states'], DEFAULT_SHORTEST, 0, LIMITS.maxStates), undefined);
  const pass = shortest !== undefined ? { shortest } : {};
  if (v.exhaustive && shortest !== undefined) p.add('--shortest-states bounds the random search\'s shortest pass; --exhaustive finds the shortest of each thread set itself');
  // Flags that would be ignored are refused, as --max-states is without --exhaustive.
  if (v.exhaustive && v.runs !== undefined) p.add('--runs counts random runs; --exhaustive explores every interleaving instead');
  if (v['max-threads'] !== undefined && (v.threads !== undefined || (templates.length > 0 && templates.every((t) => t.threads !== undefined))))
    p.add('--max-threads chooses the thread sets to search; the threads are fixed here (--threads or the scenario\'s "threads")');
  // The exhaustive search is bounded by states and memory (deterministic), not by time.
  if (v.exhaustive && v['time-limit'] !== undefined) p.add('--time-limit bounds the random search; bound --exhaustive with --max-states, --max-memory or --depth');
  // Found out before the search, not after it (a file in the way of shrunk-cases/, a read-only
  // directory): said at once, then the search runs and prints its verdicts, and the error ends it (exit 2).
  const unsavable = v.save ? savePathProblem('shrunk-cases') : null;
  if (!v.exhaustive) for (const f of ['depth', 'max-states', 'max-memory', 'max-threads'] as const) if (v[f] !== undefined) p.add(`--${f} bounds the exhaustive search: give --exhaustive too`);
  const bounds = { ...(depth !== undefined ? { depth } : {}), ...(maxStates !== undefined ? { maxStates } : {}), ...(maxMemoryMb !== undefined ? { maxMemoryBytes: maxMemoryMb * MB } : {}), ...(maxThreads !== undefined ? { maxThreads } : {}) };
  // One by default: most checks are one strategy's search, where a second worker only costs its start-up.
  const workers = p.take(() => intArg('--workers', v.workers, 1, 1, LIMITS.workers), 1);
  const timeLimit = v['time-limit'] === undefined ? undefined : p.take(() => intArg('--time-limit', v['time-limit'], 0, 1, LIMITS.timeLimitSeconds), undefined);
  const format = p.take(() => formatArg(v.format), 'text');
  if (v.json && v.format !== undefined) p.add('--json and --format: give one or the other');
  if (v.stats && v.format === 'mail') p.add('--stats and --format mail: give one or the other');
  const drivers = [...fileDrivers, ...inline];
  if (inline.length) for (const e of driverFilesProblems(drivers)) p.add(`--driver and the scenario's drivers: ${e}`);
  p.check();
  const catalogue = catalogueWith(drivers);

  // A strategy named on the command line must accept the notifiers; the default "all" skips
  // the ones that cannot run them (e.g. core-counter with a preset that has no interval form).
  const explicit = v.strategy !== undefined || (scenarioFile !== undefined && templates.length === 1);
  const { ok, errors } = runnable(templates, catalogue);
  const where = (e: string) => (scenarioFile !== undefined ? `${scenarioFile}: ${e}` : e);
  const distinct = [...new Set(errors)].map(where);
  if (errors.length && explicit) fail(...distinct);
  if (ok.length === 0) {
    // Nothing can run: the problem most strategies share is the scenario's (a strategy's own refusal is noise then).
    fail(...(errors.length ? commonestErrors(errors).map(where) : ['nothing to check']));
  }
  // Counted by template: one that cannot run may have several problems.
  if (errors.length && !v.json) io.stderr.write(`skipped ${templates.length - ok.length} strategies that cannot run these notifiers (${escapeText(distinct[0])})\n`);

  // Progress on stderr: rewritten in place on a terminal; off one only with --progress, a plain line now and then (docs/design.md §6).
  const pc = colorsFor(io);
  const tty = io.stderr.isTTY === true && !v.json;
  const slow = !tty && v.progress === true ? plainProgress(io) : null;
  const checked: Checked[] = [];
  // A case that cannot be saved (the disk filled during the search) loses no verdict: they are printed, then the error, exit 2.
  const saveErrors: string[] = unsavable !== null ? [unsavable] : [];
  if (unsavable !== null) io.stderr.write(`warning: --save: ${escapeText(unsavable)}; the search runs and prints its verdicts, but saves nothing (exit 2)\n`);
  let unsaved = 0;
  const save = (c: SavedCase): string | null => {
    if (unsavable !== null) {
      unsaved++;
      return null;
    }
    try {
      return saveCase('shrunk-cases', c).file;
    } catch (e) {
      if (!(e instanceof SaveError)) throw e;
      if (!saveErrors.includes(e.message)) saveErrors.push(e.message);
      unsaved++;
      return null;
    }
  };
  const runsSeen: Record<string, number> = {};
  // Per strategy, what its runs had violated so far: all an interrupted check can say of a strategy it cut short.
  const foundSoFar = new Map<string, readonly { readonly invariant: string; readonly run: number }[]>();
  const run = await runJob(
    { kind: 'check', templates: ok, invariants, seed, runs, exhaustive: v.exhaustive === true, ...bounds, ...pass, drivers, ...(timeLimit ? { timeLimitMs: timeLimit * 1000 } : {}) },
    {
      signal: io.signal,
      inline: io.inline,
      workers,
      // Saved here, in the main thread, as each strategy finishes: in result order, so a name clash resolves as it always did.
      onUnit: (r) => {
        if (r.kind !== 'check') return;
        for (const c of r.checked) {
          runsSeen[c.strategy] = Math.max(runsSeen[c.strategy] ?? 0, r.runsSeen);
          const cx = c.result.counterexample;
          checked.push({ ...c, file: cx && v.save ? save(toCase(cx, drivers)) : null });
        }
        if (tty) io.stderr.write('\r\x1b[K');
      },
      onProgress: (pr) => {
        if (pr.engine === 'random' && pr.found) foundSoFar.set(pr.strategy, pr.found);
        if (pr.engine === 'compare' || pr.engine === 'compare-found') return;
        if (tty) io.stderr.write(progressLine(pr, pc));
        else slow?.(progressText(pr));
      },
    },
  );
  if (tty) io.stderr.write('\r\x1b[K');
  const finished = new Set(checked.map((c) => c.strategy));
  const cutShort = [...foundSoFar].filter(([strategy]) => !finished.has(strategy)).flatMap(([strategy, fs]) => fs.map((f) => ({ strategy, ...f })));
  const interrupted = run.interrupted ? { signal: io.signal?.reason === 'SIGTERM' ? ('SIGTERM' as const) : ('SIGINT' as const), completed: run.results.length, total: run.total, unit: 'strategies', ...(cutShort.length ? { foundSoFar: cutShort } : {}) } : undefined;

  // The same seed and runs as the search, replayed with counters (engine/stats.ts); skipped when interrupted.
  // With --exhaustive, a search of its own over the same thread sets and bounds, counting every transition (engine/stats.ts exhaustiveStats).
  const statsProgress = tty ? (states: number) => io.stderr.write(`\r\x1b[K--stats: ${states} states`) : undefined;
  const stats: Stats[] | undefined =
    v.stats && !interrupted
      ? ok.map((t) =>
          v.exhaustive
            ? exhaustiveStats(t, { ...exhaustiveBounds({ ...bounds, catalogue }), ...(maxThreads !== undefined ? { maxThreads } : {}), ...(statsProgress ? { onProgress: statsProgress } : {}) })
            : collectStats(t, { seed, runs, catalogue }),
        )
      : undefined;
  if (tty && stats) io.stderr.write('\r\x1b[K');
  if (v.json) io.stdout.write(checkJson(checked, seed, interrupted, stats));
  else {
    const how = {
      seed,
      runs,
      exhaustive: v.exhaustive === true,
      ...bounds,
      ...pass,
      notifiers: notifiersText,
      ...(scenarioFile !== undefined ? { scenarioFile } : {}),
      ...(threads ? { threads: threads.join(',') } : {}),
      ...(reaper !== undefined ? { reaper } : {}),
      ...(kernel !== undefined ? { kernel } : {}),
      ...(timeLimit !== undefined ? { timeLimit, runsSeen } : {}),
      width: widthFor(io),
      ...(v.driver?.length ? { drivers: v.driver } : {}),
    };
    io.stdout.write(format === 'mail' ? checkMail(checked, how, catalogue, interrupted) : checkText(checked, how, pc, interrupted));
    if (stats)
      io.stdout.write(
        v.exhaustive
          ? `\n${pc.bold('what the state space holds')} (--stats --exhaustive: counts over the transitions of the state space, each state's steps once, not over runs; the sleep-set reduction off)\n\n${statsText(stats)}`
          : `\n${pc.bold('what the runs exercised')} (--stats, seed ${seed}, ${runs} runs per strategy)\n\n${statsText(stats)}`,
      );
  }
  if (saveErrors.length) {
    for (const e of saveErrors) io.stderr.write(`error: --save: ${escapeText(e)}\n`);
    io.stderr.write(unsaved === 0 ? 'error: --save: no counterexample to save was found; the verdicts above stand\n' : `error: --save: ${unsaved} counterexample${unsaved === 1 ? ' was' : 's were'} not saved; the verdicts above stand\n`);
    return EXIT.usage;
  }
  if (interrupted) return EXIT.interrupted;
  // A violation wins over a cut search; a "holds ≤ bound" is not the complete proof exit 0 means.
  if (checked.some((c) => c.result.verdict === 'violated')) return EXIT.violated;
  return checked.some((c) => c.result.verdict === 'holds-up-to-bound') ? EXIT.bounded : EXIT.ok;
};

if (isEntry(import.meta.url)) main(checkCommand, { interruptible: true });
