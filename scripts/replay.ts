/**
 * npm run replay -- FILE [--strategy NAME] [--mermaid]: replay a saved case (docs/design.md §5, §6).
 * Exit 0 when the recorded outcome is reproduced, 1 when the verdict changed (or, under
 * --strategy, the invariant holds there is reported with exit 0), 3 on drift, 2 on bad input.
 */
import { parseCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { STRATEGY_NAMES } from '../model/index.ts';
import { mermaid } from '../report/mermaid.ts';
import { driftLine, replaySummary, replayUnderLine } from '../report/replay.ts';
import { timeline } from '../report/timeline.ts';
import { fail, main, parse, pc, readJson, strategiesArg } from './cli.ts';

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
    for (const name of STRATEGY_NAMES) process.stdout.write(replayUnderLine(name, c.expect.invariant, replayCase(c, name), pc));
    return 0;
  }
  const other = v.strategy ? strategiesArg(v.strategy)[0] : undefined;
  const out = replayCase(c, other);
  if (out.kind === 'invalid') return fail(`${file}: ${out.error}`);
  if (out.kind === 'drift') {
    process.stderr.write(driftLine(file, out));
    return 3;
  }
  // With --mermaid, stdout is only the diagram (pipe it to a renderer); the summary goes to stderr.
  (v.mermaid ? process.stderr : process.stdout).write(replaySummary(file, c, other, out, pc));
  process.stdout.write(`${v.mermaid ? mermaid(out.trace) : timeline(out.trace, { pc })}\n`);
  return out.kind === 'reproduced' || other ? 0 : 1;
});
