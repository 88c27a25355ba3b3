/**
 * Every command `npm run <name>` starts, by name: scripts/run.mjs bundles this module into
 * dist/cli.mjs and calls `run` (docs/design.md §6). Each script still runs on its own under tsx
 * (`npx tsx scripts/check.ts`), through its `isEntry` line.
 */
import { benchCommand } from './bench.ts';
import { checkCommand } from './check.ts';
import { main, type Command } from './cli.ts';
import { compareCommand } from './compare.ts';
import { corpusCommand } from './corpus.ts';
import { driverCommand } from './driver.ts';
import { replayCaseCommand } from './replay.ts';
import { schemasCommand } from './schemas.ts';

/** The command and whether Ctrl-C ends it with what it found so far (cli.ts `main`). */
export const commands: Readonly<Record<string, { readonly command: Command; readonly interruptible: boolean }>> = {
  bench: { command: benchCommand, interruptible: false },
  check: { command: checkCommand, interruptible: true },
  compare: { command: compareCommand, interruptible: true },
  corpus: { command: corpusCommand, interruptible: false },
  driver: { command: driverCommand, interruptible: false },
  replay: { command: replayCaseCommand, interruptible: false },
  schemas: { command: schemasCommand, interruptible: false },
};

/** Run the named command as the process, with these arguments. */
export const run = (name: string, argv: readonly string[]): void => {
  const c = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!c) {
    process.stderr.write(`error: no command '${name}' (commands: ${Object.keys(commands).join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  main(c.command, { interruptible: c.interruptible, argv });
};
