/**
 * npm run replay -- FILE [--strategy NAME|all] [--mermaid | --format mail]: replay a saved case (docs/design.md §5, §6).
 * The case is checked whole: every recorded step, the schedule, and the invariant violated at the
 * last step with the recorded witness. Exit 0 when reproduced, 1 when the verdict changed, 3 on
 * drift (the first differing step and field), 2 on bad input. Under another --strategy the
 * outcome there is printed with exit 0; under --strategy all the case's own strategy decides.
 */
import { parseCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { catalogueWith, driverFilesProblems } from '../engine/driver-format.ts';
import { contextSwitches } from '../engine/judge.ts';
import { kernelNamed, STRATEGY_NAMES, type Kernel } from '../model/index.ts';
import { mailText } from '../report/mail.ts';
import { mermaid } from '../report/mermaid.ts';
import { driftLine, replaySummary, replayUnderLine } from '../report/replay.ts';
import { timeline } from '../report/timeline.ts';
import { checkNames, colorsFor, driversArg, EXIT, fail, fileArg, formatArg, isEntry, kernelArg, listArg, main, parse, Problems, readJson, unusedDriverProblems, widthFor, type Command } from './cli.ts';

const HELP = `usage: npm run replay -- FILE [--strategy NAME|all] [--kernel RELEASE]
                      [--mermaid | --format text|mail] [--driver FILE]

Replay a saved case from shrunk-cases/: print its per-thread timeline, the invariant and the
witness. The case must reproduce whole: every recorded step (thread, action, events,
diagnostics, drain), the schedule, and the violation at its last step with the same witness;
a lasso (a "cycle" field) must also end in the state its cycle starts in, with a fair cycle.
--kernel RELEASE replays the same scenario and schedule on that kernel release (its reaper with
it; docs/kernel.md §11) and prints the outcome there, as --strategy does.
--strategy replays the same scenario and schedule under another strategy
(all: under each, one line per strategy; the case's own strategy decides the exit code);
--mermaid prints a Mermaid sequence diagram instead of the timeline.
--driver FILE.json (repeatable) defines a driver the case names but does not embed
(a saved case embeds every driver file it uses; a name defined twice, or a file whose driver
the case does not name, is refused).
--format mail prints the case as plain ASCII within 72 columns, ready to paste into a mail to
linux-mm: the strategy, the reaper era, the drivers, the invariant broken, the trace (one
column per CPU, or numbered steps) and the command that replays it.

exit: 0 reproduced (or, with --strategy NAME, the outcome there was printed), 1 verdict changed,
      2 bad input, 3 drift (the first step or field that differs from the case)
`;

export const replayCaseCommand: Command = (argv, io) => {
  const { values: v, positionals } = parse(argv, { strategy: { type: 'string' }, kernel: { type: 'string' }, mermaid: { type: 'boolean' }, format: { type: 'string' }, driver: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } }, true);
  if (v.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const p = new Problems();
  if (positionals.length !== 1) p.add(`replay takes exactly one case file (got ${positionals.length})`);
  const file = positionals.length === 1 ? p.take(() => fileArg('case file', positionals[0]), undefined) : undefined;
  const strategy =
    v.strategy === undefined || v.strategy === 'all'
      ? v.strategy
      : p.take(() => {
          const s = listArg('--strategy', v.strategy as string);
          if (s.length !== 1) return fail(`--strategy: give one strategy or 'all' (got ${s.length})`);
          checkNames('strategy', s, [...STRATEGY_NAMES, 'all']);
          return s[0];
        }, undefined);
  if (strategy === 'all' && v.mermaid) p.add('--mermaid draws one replay: give --strategy NAME or none');
  const format = p.take(() => formatArg(v.format), 'text');
  const fileDrivers = p.take(() => driversArg(v.driver), []);
  if (v.mermaid && v.format !== undefined) p.add('--mermaid and --format: give one or the other');
  if (strategy === 'all' && format === 'mail') p.add('--format mail writes one replay: give --strategy NAME or none');
  const kernel = p.take(() => kernelArg(v.kernel), undefined);
  if (v.kernel !== undefined && strategy === 'all') p.add('--kernel replays under one strategy: give --strategy NAME or none');
  p.check();
  if (file === undefined) return fail('replay takes exactly one case file');

  const loaded = parseCase(readJson(file));
  if (!loaded.ok) return fail(...loaded.errors.map((e) => `${file}: ${e}`));
  // --kernel: the same case under that release, with its reaper; like another --strategy, only the outcome is printed.
  const c = kernel === undefined ? loaded.value : { ...loaded.value, scenario: { ...loaded.value.scenario, kernel, reaper: (kernelNamed(kernel) as Kernel).reaper } };
  // A case embeds the drivers it uses that are not presets: it replays with the stock tool.
  // --driver adds the definitions a hand-written case names but does not carry.
  const drivers = [...(c.drivers ?? []), ...fileDrivers];
  if (fileDrivers.length) {
    const clash = driverFilesProblems(drivers);
    const used = c.scenario.notifiers.map((n) => n.driver);
    const unused = unusedDriverProblems(v.driver, fileDrivers, used, `${file}'s notifiers use ${[...new Set(used)].join(', ') || 'no driver'}`, () => 'give only the drivers the case names');
    if (clash.length || unused.length) return fail(...clash.map((e) => `--driver and ${file}'s embedded drivers: ${e}`), ...unused);
  }
  const catalogue = catalogueWith(drivers);
  const pc = colorsFor(io);
  const own = c.scenario.strategy;

  if (strategy === 'all') {
    // The same scenario and schedule under every strategy, one line each; the case's own strategy is replayed in full.
    const mine = replayCase(c, undefined, catalogue);
    if (mine.kind === 'invalid') return fail(...mine.errors.map((e) => `${file}: ${e}`));
    for (const name of STRATEGY_NAMES) io.stdout.write(replayUnderLine(name, c.expect.invariant, name === own ? mine : replayCase(c, name, catalogue), pc));
    if (mine.kind === 'drift') {
      io.stderr.write(driftLine(file, mine));
      return EXIT.drift;
    }
    return mine.kind === 'reproduced' ? EXIT.ok : EXIT.violated;
  }
  const otherStrategy = strategy !== undefined && strategy !== own ? strategy : undefined;
  const out = replayCase(c, otherStrategy ?? (kernel !== undefined ? own : undefined), catalogue);
  // What the summary says it was replayed under.
  const other = otherStrategy !== undefined || kernel !== undefined ? `${otherStrategy ?? own}${kernel !== undefined ? ` on ${kernel}` : ''}` : undefined;
  if (out.kind === 'invalid') return fail(...out.errors.map((e) => `${file}: ${e}`));
  if (out.kind === 'drift') {
    io.stderr.write(driftLine(file, out));
    return EXIT.drift;
  }
  if (format === 'mail') {
    // Only the mail on stdout: plain ASCII, at most 72 columns.
    const replay = [['npm', 'run', 'replay', '--', file, ...(otherStrategy ? ['--strategy', otherStrategy] : []), ...(kernel !== undefined ? ['--kernel', kernel] : [])]];
    const sc = otherStrategy ? { ...c.scenario, strategy: otherStrategy } : c.scenario;
    // Reproduced: violated at its last step; else (under another strategy) the whole run, which held.
    const violated = out.kind === 'reproduced';
    const cycle = out.kind === 'reproduced' && out.cycleFrom !== undefined ? { cycleFrom: out.cycleFrom } : {};
    io.stdout.write(mailText({ scenario: sc, invariant: c.expect.invariant, verdict: violated ? 'violated' : 'holds', witness: out.witness, trace: out.trace, contextSwitches: contextSwitches(out.trace), replay, ...cycle }, catalogue));
    return out.kind === 'reproduced' || other ? EXIT.ok : EXIT.violated;
  }
  // With --mermaid, stdout is only the diagram (pipe it to a renderer); the summary goes to stderr.
  (v.mermaid ? io.stderr : io.stdout).write(replaySummary(file, c, other, out, pc));
  const cycleFrom = out.kind === 'reproduced' ? out.cycleFrom : undefined;
  io.stdout.write(`${v.mermaid ? mermaid(out.trace, cycleFrom) : timeline(out.trace, { pc, width: widthFor(io), ...(cycleFrom !== undefined ? { cycleFrom } : {}) })}\n`);
  return out.kind === 'reproduced' || other ? EXIT.ok : EXIT.violated;
};

if (isEntry(import.meta.url)) main(replayCaseCommand);
