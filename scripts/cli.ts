/**
 * Shared CLI plumbing: argument parsing (node:util parseArgs), bad input → one line + exit 2,
 * notifier specs, and the colour decision. No model logic and no rendering here (report/).
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import picocolors from 'picocolors';
import { DRIVER_NAMES } from '../model/index.ts';
import { INVARIANT_NAMES } from '../model/index.ts';
import { STRATEGY_NAMES } from '../model/index.ts';
import { REAPER_ERAS, type NotifierSpec, type ReaperEra } from '../model/index.ts';

/** Colour only on a terminal (not merely because CI is set), and never with NO_COLOR. */
export const pc = picocolors.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);

export class UsageError extends Error {}

/** Bad input: one clear line on stderr, exit 2, no stack trace (docs/design.md §6). */
export const fail = (msg: string): never => {
  throw new UsageError(msg);
};

export const main = (body: () => number | Promise<number>): void => {
  // process.exitCode, not process.exit(): a large --json output to a pipe must be flushed first.
  Promise.resolve()
    .then(body)
    .then((code) => {
      process.exitCode = code;
    })
    .catch((e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      const m = e instanceof Error ? e.message : String(e);
      process.stderr.write(`internal error: ${m}\n`);
      process.exitCode = 70;
    });
};

export const parse = <T extends NonNullable<ParseArgsConfig['options']>>(options: T, allowPositionals = false) => {
  try {
    return parseArgs({ options, allowPositionals, strict: true });
  } catch (e) {
    return fail((e instanceof Error ? e.message : String(e)).split('\n')[0]);
  }
};

export const list = (v: string | undefined): string[] => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

export const checkNames = (what: string, given: readonly string[], valid: readonly string[]): void => {
  for (const g of given) if (!valid.includes(g)) fail(`unknown ${what} '${g}' (valid: ${valid.join(', ')})`);
};

export const strategiesArg = (v: string | undefined): string[] => {
  const s = v ? list(v) : [...STRATEGY_NAMES];
  checkNames('strategy', s, STRATEGY_NAMES);
  return s;
};

export const invariantsArg = (v: string | undefined, dflt: readonly string[] = INVARIANT_NAMES): string[] => {
  const s = v ? list(v) : [...dflt];
  checkNames('invariant', s, INVARIANT_NAMES);
  return s;
};

export const reaperArg = (v: string | undefined): ReaperEra => {
  const r = (v ?? 'nonblock-per-vma') as ReaperEra;
  checkNames('reaper era', [r], REAPER_ERAS);
  return r;
};

/** `[NAME=]DRIVER[@ADDR],...`: names default to A, B, C…; addresses to 256, 512, … */
export const notifiersArg = (v: string): NotifierSpec[] => {
  const out: NotifierSpec[] = [];
  for (const [i, item] of list(v).entries()) {
    const m = /^(?:([A-Za-z][A-Za-z0-9_]*)=)?([A-Za-z0-9.\-]+)(?:@(\d+))?$/.exec(item);
    if (!m) fail(`--notifiers: cannot read '${item}' (expected [NAME=]DRIVER[@ADDR])`);
    const [, name, driver, addr] = m as RegExpExecArray;
    checkNames('driver', [driver], DRIVER_NAMES);
    out.push({ name: name ?? String.fromCharCode(65 + i), driver, address: addr ? Number(addr) : 256 * (i + 1) });
  }
  if (out.length === 0) fail('--notifiers: give at least one driver');
  return out;
};

export const intArg = (flag: string, v: string | undefined, dflt: number, min = 0): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`${flag}: expected an integer >= ${min}, got '${v}'`);
  return n;
};

export const readJson = (file: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`${file}: ${code === 'EISDIR' ? 'is a directory, not a file' : code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${file}: not valid JSON (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
};

export const seedArg = (v: string | undefined): number => {
  if (v !== undefined) return intArg('--seed', v, 0);
  const env = process.env.FC_SEED;
  if (env !== undefined && env !== '') return intArg('FC_SEED', env, 0);
  return 42;
};
