/**
 * npm run replay -- FILE [--strategy NAME] [--mermaid]: replay a saved case (DESIGN.md §5, §6).
 * Exit 0 when the recorded outcome is reproduced, 1 when the verdict changed (or, under
 * --strategy, the invariant holds there is reported with exit 0), 3 on drift, 2 on bad input.
 */
import { parseCase, replayCase } from '../engine/cases.ts';
import { contextSwitches } from '../engine/random.ts';
import type { TraceStep } from '../model/index.ts';
import { STRATEGY_NAMES } from '../model/index.ts';
import { fail, main, parse, readJson, strategiesArg, timeline } from './cli.ts';
import { mermaid } from './mermaid.ts';
import { pc } from './cli.ts';

const HELP = `usage: npm run replay -- FILE [--strategy NAME|all] [--mermaid]

Replay a saved case from shrunk-cases/: print its per-thread timeline, the invariant and the
witness. --strategy replays the same scenario and schedule under another strategy
(all: under each, one line per strategy);
--mermaid prints a Mermaid sequence diagram instead of the timeline.

exit: 0 reproduced (or, with --strategy, the outcome there was printed), 1 verdict changed,
      2 bad input, 3 drift (the schedule no longer fits the model)
`;

main(() => {
  const { values: v, positionals } = parse({ strategy: { type: 'string' }, mermaid: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) fail(`replay takes exactly one case file (got ${positionals.length})`);
  const file = positionals[0];
  const loaded = parseCase(readJson(file));
  if (!loaded.ok) return fail(`${file}: ${loaded.error}`);
  const c = loaded.value;
  if (v.strategy === 'all') {
    // The same scenario and schedule under every strategy, one line each.
    for (const name of STRATEGY_NAMES) {
      const o = replayCase(c, name);
      const what =
        o.kind === 'invalid' ? pc.dim(`cannot run: ${o.error}`)
        : o.kind === 'reproduced' ? `${pc.red('violated')} at step ${o.step}: ${o.witness}`
        : o.kind === 'verdict-changed' ? (o.verdict === 'holds' ? pc.green('holds') : `${pc.red('violated')}: ${o.witness}`)
        : `drift at step ${o.step}`;
      process.stdout.write(`${name.padEnd(18)} ${c.expect.invariant}: ${what}\n`);
    }
    return 0;
  }
  const other = v.strategy ? strategiesArg(v.strategy)[0] : undefined;
  const out = replayCase(c, other);
  const color = process.stdout.isTTY === true;
  // With --mermaid, stdout is only the diagram (pipe it to a renderer); the summary goes to stderr.
  const info = (text: string) => (v.mermaid ? process.stderr : process.stdout).write(text);
  const head = `${pc.bold(file)}\n  ${other ? `${c.scenario.strategy} case replayed under ${pc.bold(other)}` : c.scenario.strategy} × ${c.expect.invariant}; threads ${JSON.stringify(c.scenario.threads)}; schedule ${JSON.stringify(c.schedule)}\n`;
  switch (out.kind) {
    case 'invalid':
      return fail(`${file}: ${out.error}`);
    case 'drift':
      process.stderr.write(`drift: ${file}: the schedule no longer fits the model at step ${out.step}: recorded '${out.expected}', now '${out.actual}'\n`);
      return 3;
    case 'reproduced':
      info(head);
      info(`  ${pc.red('violated')} ${c.expect.invariant} at step ${out.step}: ${out.witness}\n`);
      info(`  ${out.trace.length} steps, ${contextSwitches(out.trace)} context switches\n\n`);
      process.stdout.write(`${v.mermaid ? mermaid(out.trace) : timeline(out.trace, { color })}\n`);
      return 0;
    case 'verdict-changed':
      info(head);
      info(`  ${out.verdict === 'holds' ? pc.green('holds') : pc.red('violated')} ${c.expect.invariant}${out.witness ? `: ${out.witness}` : ''} (recorded: ${c.expect.verdict})\n\n`);
      process.stdout.write(`${v.mermaid ? mermaid(out.trace) : timeline(out.trace, { color })}\n`);
      return other ? 0 : 1;
  }
});
