/**
 * npm run schemas [-- --check]: the JSON Schemas of the input formats under schemas/, generated
 * from the zod validators the tool itself reads them with (engine/case-format.ts,
 * engine/driver-format.ts), so a format is written down once. `--check` writes nothing and
 * exits 1 when a committed file differs from what the validators give now
 * (properties/schemas.test.ts does the same in npm test).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CASE_FORMAT, caseSchema, scenarioTemplateSchema } from '../engine/case-format.ts';
import { makeDir, replaceFile } from '../engine/cases.ts';
import { DRIVER_FORMAT, driverFileSchema } from '../engine/driver-format.ts';
import { EXIT, fileArg, isEntry, main, parse, Problems, type Command } from './cli.ts';

export const SCHEMAS_DIR = 'schemas';

const HELP = `usage: npm run schemas [-- --check] [--dir DIR]

Write the JSON Schemas of the input formats, generated from the validators:
  ${SCHEMAS_DIR}/scenario.schema.json  a --scenario file (strategy and threads may be left open)
  ${SCHEMAS_DIR}/driver.schema.json    a --driver file (${DRIVER_FORMAT})
  ${SCHEMAS_DIR}/case.schema.json      a saved case under shrunk-cases/ (${CASE_FORMAT})

--check writes nothing and exits 1 when a file differs from what the validators give now.
The schemas state the shape; the tool also checks what a schema cannot say (a program's labels,
locks and counters, a case's invariant name) and lists every problem with its path.

exit: 0 written (or, with --check, up to date), 1 out of date, 2 bad input
`;

const schemaText = (schema: z.ZodType, title: string, description: string): string => {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input', reused: 'ref' }) as Record<string, unknown>;
  return `${JSON.stringify({ $schema, title, description, ...rest }, null, 2)}\n`;
};

/** Each schema file's name and content, as the validators give them now. */
export const schemaFiles = (): Record<string, string> => ({
  'scenario.schema.json': schemaText(
    scenarioTemplateSchema,
    'mmu-notifier-checker scenario',
    'A --scenario file (docs/design.md §3.1): the victim mm, its notifiers and knobs. strategy and threads may be left out (every strategy is checked; the threads are generated). Generated from engine/case-format.ts by npm run schemas.',
  ),
  'driver.schema.json': schemaText(
    driverFileSchema,
    `mmu-notifier-checker driver file (${DRIVER_FORMAT})`,
    'A --driver file (docs/design.md §3.4): a driver definition in the micro-language of model/program.ts. Labels, locks and counters a program names must be declared (checked by the tool, not by this schema). Generated from engine/driver-format.ts by npm run schemas.',
  ),
  'case.schema.json': schemaText(
    caseSchema,
    `mmu-notifier-checker saved case (${CASE_FORMAT})`,
    'A saved counterexample under shrunk-cases/ (docs/design.md §5): the scenario, the schedule, the trace and the invariant it violates, with every non-preset driver it uses embedded. Generated from engine/case-format.ts by npm run schemas.',
  ),
});

export const schemasCommand: Command = (argv, io) => {
  const { values: v } = parse(argv, { check: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (v.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const p = new Problems();
  const dir = v.dir === undefined ? SCHEMAS_DIR : p.take(() => fileArg('--dir', v.dir as string), SCHEMAS_DIR);
  const kind = (() => {
    try {
      return statSync(dir).isDirectory() ? 'dir' : 'other';
    } catch {
      return 'none';
    }
  })();
  if (kind === 'other') p.add(`--dir: ${dir} is not a directory`);
  if (kind === 'none' && v.check) p.add(`--dir: no directory ${dir} to check`);
  p.check();
  const files = schemaFiles();
  if (v.check) {
    const stale = Object.entries(files).filter(([name, text]) => {
      try {
        return readFileSync(join(dir, name), 'utf8') !== text;
      } catch {
        return true;
      }
    });
    for (const [name] of stale) io.stdout.write(`out of date: ${join(dir, name)} (run npm run schemas)\n`);
    if (!stale.length) io.stdout.write(`${Object.keys(files).length} schemas up to date in ${dir}/\n`);
    return stale.length ? EXIT.violated : EXIT.ok;
  }
  const written = (f: () => void, what: string) => {
    try {
      f();
    } catch (e) {
      p.add(`cannot write ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      p.check();
    }
  };
  written(() => makeDir(dir), dir);
  for (const [name, text] of Object.entries(files)) {
    // Whole or not at all: a full disk leaves the committed schema as it was, not truncated.
    written(() => replaceFile(join(dir, name), text), join(dir, name));
    io.stdout.write(`wrote ${join(dir, name)}\n`);
  }
  return EXIT.ok;
};

if (isEntry(import.meta.url)) main(schemasCommand);
