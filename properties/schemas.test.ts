/**
 * schemas/*.schema.json are generated from the zod validators (npm run schemas): the committed
 * files must be exactly what the generator gives now, so a format is never written twice by
 * hand; and they must say what the validators accept.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASE_FORMAT } from '../engine/case-format.ts';
import { DRIVER_FORMAT } from '../engine/driver-format.ts';
import { GENERIC_KNOB_NAMES, KERNEL_NAMES, REAPER_ERAS } from '../model/index.ts';
import { runCommand } from '../scripts/cli.ts';
import { schemaFiles, schemasCommand, SCHEMAS_DIR } from '../scripts/schemas.ts';

const files = schemaFiles();
// A JSON Schema document, walked by key in the assertions below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (name: string): any => JSON.parse(files[name]);

const run = async (argv: string[]) => {
  let out = '';
  const code = await runCommand(schemasCommand, argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => 0 }, env: {} });
  return { code, out };
};

describe('the committed schemas', () => {
  it.each(Object.keys(files))('schemas/%s is what npm run schemas generates now', (name) => {
    expect(readFileSync(join(SCHEMAS_DIR, name), 'utf8')).toBe(files[name]);
  });
  it('there are three: scenario, driver and case', () => {
    expect(Object.keys(files).sort()).toEqual(['case.schema.json', 'driver.schema.json', 'scenario.schema.json']);
  });
  it('npm run schemas -- --check: exit 0 when up to date, 1 naming each stale or missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnc-schemas-'));
    expect((await run(['--check', '--dir', dir])).code).toBe(1);
    expect(await run(['--dir', dir])).toMatchObject({ code: 0 });
    expect(await run(['--check', '--dir', dir])).toEqual({ code: 0, out: `3 schemas up to date in ${dir}/\n` });
    writeFileSync(join(dir, 'driver.schema.json'), '{}\n');
    expect(await run(['--check', '--dir', dir])).toEqual({ code: 1, out: `out of date: ${join(dir, 'driver.schema.json')} (run npm run schemas)\n` });
  });
});

describe('they say what the validators accept', () => {
  it('scenario: strict objects, the reaper eras, every generic knob with its values; strategy and threads optional', () => {
    const s = load('scenario.schema.json');
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.reaper.enum).toEqual([...REAPER_ERAS]);
    expect(s.required).toEqual(expect.arrayContaining(['vmas', 'notifiers']));
    // A kernel release fixes the reaper era, so the file may give either (engine/case-format.ts).
    expect(s.required).not.toContain('reaper');
    expect(s.properties.kernel.enum).toEqual([...KERNEL_NAMES]);
    expect(s.required).not.toContain('strategy');
    expect(s.required).not.toContain('threads');
    const notifier = s.properties.notifiers.items;
    expect(notifier.additionalProperties).toBe(false);
    expect(Object.keys(notifier.properties)).toEqual(expect.arrayContaining([...GENERIC_KNOB_NAMES]));
    expect(notifier.properties.nonblockStart.enum).toEqual(['trylock', 'always-eagain', 'never-fails', 'sleeps']);
    expect(s.properties.knobs.additionalProperties).toBe(false);
  });
  it(`case: the format ${CASE_FORMAT}, a full scenario (threads required), the expected violation, embedded drivers`, () => {
    const c = load('case.schema.json');
    expect(c.properties.format.const).toBe(CASE_FORMAT);
    expect(c.required).toEqual(expect.arrayContaining(['format', 'scenario', 'schedule', 'expect', 'trace', 'provenance']));
    expect(c.properties.scenario.required).toEqual(expect.arrayContaining(['strategy', 'threads']));
    expect(c.properties.expect.properties.verdict.const).toBe('violated');
    expect(c.properties.drivers.items).toBeDefined();
  });
  it(`driver: the format ${DRIVER_FORMAT} and every instruction of the micro-language`, () => {
    const d = load('driver.schema.json');
    expect(d.properties.format.const).toBe(DRIVER_FORMAT);
    const ops = [...files['driver.schema.json'].matchAll(/"op": \{\s*"type": "string",\s*"const": "(\w+)"/g)].map((m) => m[1]);
    expect(new Set(ops)).toEqual(new Set(['lock', 'unlock', 'add', 'zap', 'zapAll', 'intervalInsert', 'intervalRemove', 'snapshot', 'gup', 'install', 'setSeq', 'readBegin', 'readRetry', 'alloc', 'waitFence', 'waitZero', 'jump', 'retry', 'warn_on', 'bug_on', 'ret']));
  });
});
