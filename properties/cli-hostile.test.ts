/**
 * A CLI that never crashes (docs/design.md §6): a corpus of bad input to every command —
 * malformed, truncated, binary and wrongly typed files, devices, directories, unknown names
 * (own keys only), unknown and misspelt keys, wrong enum values, out-of-range and non-numeric
 * flags, future formats — each answered with exit 2, one escaped line per problem on stderr,
 * nothing on stdout, no stack trace, and nothing written under shrunk-cases/. Exit 70 (a bug)
 * is reachable from none of it.
 *
 * The corpus runs in one process (properties/fixtures/cli-batch.ts: the commands' own
 * runCommand, as main calls it) in a fresh working directory; a few inputs, the closed stdout
 * and SIGINT are also checked as real processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { CASE_FORMAT, NOTIFIER_FIELD_NAMES, parseCase, SCENARIO_KNOB_NAMES, genericKnobShape } from '../engine/case-format.ts';
import { fromDriverDef } from '../engine/driver-format.ts';
import { BUILTIN, DEFAULT_KNOBS, GENERIC_KNOB_NAMES } from '../model/index.ts';
import { escapeText } from '../report/escape.ts';
import { interruptedLine } from '../report/check.ts';
import { checkCommand } from '../scripts/check.ts';
import { runCommand, type Command, type Io } from '../scripts/cli.ts';
import { compareCommand } from '../scripts/compare.ts';
import type { Invocation, Outcome } from './fixtures/cli-batch.ts';
import { seed } from './seed.ts';

const root = resolve('.');
const tsxLoader = createRequire(import.meta.url).resolve('tsx');
/** A command as `npm run` starts it (scripts/run.mjs: from the bundle in dist/), without npm. */
const script = (name: string) => [join(root, 'scripts', 'run.mjs'), name];

/** What may never reach a terminal raw: C0/C1 controls (but the newline ending each line), BOM and other format characters, lone surrogates. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const STACK = /^\s+at |\bat .*\(.*:\d+:\d+\)|node:internal|Error: .*\n\s+at /m;

// ---------------------------------------------------------------------------------------------
// Files

const dir = mkdtempSync(join(tmpdir(), 'mnc-hostile-'));
const work = mkdtempSync(join(tmpdir(), 'mnc-hostile-cwd-'));
const file = (name: string, content: string | Buffer) => {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
};
const json = (name: string, value: unknown) => file(name, JSON.stringify(value, null, 2));

const scenario = {
  strategy: 'skip-all-end',
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }],
  threads: ['oom_reaper', 'ioctl:B'],
};
const kase = {
  format: CASE_FORMAT,
  scenario,
  schedule: ['ioctl:B'],
  expect: { invariant: 'StartEndPaired', verdict: 'violated', witness: 'A got 0 ends' },
  trace: [{ thread: 'ioctl:B', action: 'B.ioctl: lock(umem_rwsem)', events: ['lock(B.umem_rwsem)'] }],
  provenance: { seed: 42, path: '0', runs: 1, foundWith: 'random' },
};
const withScenario = (patch: Record<string, unknown>) => ({ ...kase, scenario: { ...scenario, ...patch } });
const generic = (knobs: Record<string, unknown>) => ({ ...scenario, notifiers: [{ name: 'A', driver: 'generic', address: 256, ...knobs }] });

/** A driver file: KVM's preset under another name, with this start program. */
const kvmWithStart = (driver: string, start: unknown[]) => {
  const kvm = fromDriverDef(BUILTIN.drivers.kvm);
  return { ...kvm, driver, hlist: { ...kvm.hlist, invalidate_range_start: start } };
};
/** A condition nested `n` deep ('not' of 'not' of …): the validator recurses on it. */
const deepCond = (n: number): unknown => {
  let c: unknown = { is: 'nonblockable' };
  for (let k = 0; k < n; k++) c = { is: 'not', cond: c };
  return c;
};

const subdir = join(dir, 'a-directory');
mkdirSync(subdir);
const F = {
  dir: subdir,
  missing: join(dir, 'missing.json'),
  binary: file('binary.json', Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x00, 0x89, 0x50, 0x4e, 0x47])),
  notUtf8: file('latin1.json', Buffer.from('{"strategy": "caf\xe9"}', 'latin1')),
  big: (() => {
    const f = file('big.json', '');
    truncateSync(f, 11 * 1024 * 1024); // sparse: refused by its size, never read
    return f;
  })(),
  empty: file('empty.json', ''),
  fifo: (() => {
    const f = join(dir, 'fifo.json');
    spawnSync('mkfifo', [f]); // a reader would wait for a writer forever: refused by its kind, never opened
    return f;
  })(),
  malformed: file('malformed.json', '{ "strategy": "skip-all-end", "vmas": ['),
  truncated: file('truncated.json', JSON.stringify(kase).slice(0, 150)),
  bomGarbage: file('bom.json', '\ufeff{ strategy: skip }'),
  controlJson: file('control.json', '{"strategy": \x1b[31m"red"\x07}'),
  array: json('array.json', [scenario]),
  nullJson: file('null.json', 'null'),
  number: file('number.json', '42'),
  // --scenario files
  scUnknownKeys: json('sc-unknown.json', { ...scenario, strategee: 'x', knobs: { registrationTakesAllLock: true, faultRetryBound: 2 }, notifiers: [{ name: 'A', driver: 'generic', address: 1, nonblockstart: 'trylock', hasEnd: true }] }),
  scEnum: json('sc-enum.json', generic({ nonblockStart: 'foo' })),
  scHasEnd: json('sc-hasend.json', generic({ hasEnd: 'no' })),
  scRetry: json('sc-retry.json', { ...scenario, knobs: { faultRetryBound: -1 } }),
  scRetryBig: json('sc-retry-big.json', { ...scenario, knobs: { faultRetryBound: 1e9 } }),
  scThreads: json('sc-threads.json', { ...scenario, threads: [] }),
  scNoThreads: json('sc-nothreads.json', { ...scenario, threads: undefined }),
  scConstructor: json('sc-constructor.json', { ...scenario, strategy: 'constructor' }),
  scProto: file('sc-proto.json', JSON.stringify({ ...scenario, strategy: '__proto__' })),
  scProtoKey: file('sc-proto-key.json', `{"__proto__": {"polluted": true}, ${JSON.stringify(scenario).slice(1)}`),
  scControlName: json('sc-control.json', { ...scenario, strategy: 'skip\u0000all\u001b[31m\ufeffend' }),
  scDriver: json('sc-driver.json', { ...scenario, notifiers: [{ name: 'A', driver: 'floppy', address: 1 }] }),
  scDriverProto: json('sc-driver-proto.json', { ...scenario, notifiers: [{ name: 'A', driver: 'constructor', address: 1 }] }),
  scVma: json('sc-vma.json', { ...scenario, vmas: [{ start: 5, end: 2 }] }),
  scTypes: json('sc-types.json', { strategy: 7, reaper: 'nope', vmas: 'all', notifiers: [{ name: 1, driver: null, address: '256' }], threads: 'oom_reaper', knobs: [] }),
  scManyErrors: json('sc-many.json', { ...generic({ nonblockStart: 'foo', hasEnd: 'no', faultPath: 'maybe', onFailedStart: 1 }), knobs: { faultRetryBound: -1, reaperChecksNotifiersBeforeLok: true } }),
  // case files
  caseFuture: json('case-v2.json', { ...kase, format: 'mmu-notifier-checker/case@2' }),
  caseOtherFormat: json('case-other.json', { ...kase, format: 'something-else' }),
  caseNoFormat: json('case-noformat.json', { ...kase, format: undefined }),
  caseConstructor: json('case-constructor.json', withScenario({ strategy: 'constructor' })),
  caseProto: json('case-proto.json', withScenario({ strategy: '__proto__' })),
  caseThreads: json('case-threads.json', withScenario({ threads: [] })),
  caseUnknownKeys: json('case-unknown.json', { ...kase, shrunk: {}, expect: { ...kase.expect, witnes: 'x' }, trace: [{ ...kase.trace[0], drained: true }], scenario: { ...scenario, knobs: { faultRetryBund: 1 } } }),
  caseEnum: json('case-enum.json', withScenario({ notifiers: [{ name: 'A', driver: 'generic', address: 1, nonblockStart: 'foo', hasEnd: 'no' }] })),
  caseInvariant: json('case-invariant.json', { ...kase, expect: { ...kase.expect, invariant: 'StartEndPair' } }),
  caseInvariantProto: json('case-invariant-proto.json', { ...kase, expect: { ...kase.expect, invariant: 'constructor' } }),
  caseHolds: json('case-holds.json', { ...kase, expect: { invariant: 'StartEndPaired', verdict: 'holds' } }),
  caseSchedule: json('case-schedule.json', { ...kase, schedule: ['fault:Z'] }),
  caseTypes: json('case-types.json', { ...kase, schedule: 'ioctl:B', trace: [{ thread: 'ioctl:B', action: 3, events: 'none' }], provenance: { foundWith: 'luck' } }),
  caseDriver: json('case-driver.json', withScenario({ notifiers: [{ name: 'A', driver: 'floppy', address: 1 }] })),
  caseReaper: json('case-reaper.json', withScenario({ reaper: 'toString' })),
  // nested deeper than any validator's recursion can go (it would end in 'Maximum call stack size exceeded')
  deep: file('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
  deepCond: file('deep-cond.json', JSON.stringify(kvmWithStart('deep-cond', [{ op: 'jump', to: 'out', if: deepCond(3000) }, ':out', { op: 'ret', value: 0 }]))),
  // driver programs the model could not run: control past the last instruction
  drvNoRet: json('drv-no-ret.json', kvmWithStart('no-ret', [{ op: 'zap' }])),
  drvEmpty: json('drv-empty.json', kvmWithStart('empty-code', [])),
  drvLabelOnly: json('drv-label-only.json', kvmWithStart('label-only', [':a', ':b'])),
  // several problems the schema cannot see, all named (resolve reported the first only)
  scResolveMany: json('sc-resolve-many.json', { ...scenario, vmas: [{ start: 5, end: 1 }, { start: 0, end: 4 }, { start: 3, end: 99 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'A', driver: 'odp-4.20', address: 256 }], threads: ['oom_reaper', 'fault:Z', 'toString', 'oom_reaper'] }),
  scFixed: json('sc-fixed.json', scenario),
  scInterval: json('sc-interval.json', { ...scenario, notifiers: [{ ...scenario.notifiers[0], interval: { start: 0, end: 2 ** 53 - 1 } }, { ...scenario.notifiers[1], interval: { start: 2, end: 1 } }] }),
  scOverlap: json('sc-overlap.json', { ...scenario, vmas: [{ start: 0, end: 4 }, { start: 2, end: 6 }, { start: 8, end: 9 }, { start: 3, end: 5 }] }),
  // generic-driver knobs beside a preset: silently ignored before
  scPresetKnobs: json('sc-preset-knobs.json', { ...scenario, notifiers: [{ name: 'A', driver: 'kvm', address: 256, nonblockStart: 'always-eagain', hasEnd: true }, scenario.notifiers[1]] }),
  casePresetKnobs: json('case-preset-knobs.json', withScenario({ notifiers: [scenario.notifiers[0], { ...scenario.notifiers[1], faultPath: 'none' }] })),
  drvTrailing: json('drv-trailing.json', kvmWithStart('trailing', [{ op: 'jump', to: 'end', if: { is: 'nonblockable' } }, { op: 'ret', value: 0 }, ':end'])),
};

// ---------------------------------------------------------------------------------------------
// The corpus: every input must exit 2; `match` lines must each appear; `lines` is the exact count.

interface Bad extends Invocation {
  readonly match?: readonly RegExp[];
  readonly lines?: number;
}
const bad = (cmd: Bad['cmd'], argv: string[], match: RegExp[] = [], lines?: number): Bad => ({ cmd, argv, match, ...(lines !== undefined ? { lines } : {}) });

const corpus: Bad[] = [
  // check: names (own keys only), lists, flags
  bad('check', ['--strategy', 'nope'], [/^error: unknown strategy 'nope' \(valid: skip-all-end, /], 1),
  bad('check', ['--strategy', 'constructor'], [/unknown strategy 'constructor'/], 1),
  bad('check', ['--strategy', '__proto__'], [/unknown strategy '__proto__'/], 1),
  bad('check', ['--strategy', 'toString,hasOwnProperty'], [/unknown strategy 'toString'/, /unknown strategy 'hasOwnProperty'/], 2),
  bad('check', ['--strategy', ''], [/--strategy: expected a comma-separated list of names, got nothing/], 1),
  bad('check', ['--strategy', 'skip-all-end,,sorted-undo'], [/--strategy: expected a comma-separated list/], 1),
  bad('check', ['--strategy', 'skip-all-ends'], [/did you mean 'skip-all-end'/], 1),
  bad('check', ['--invariant', 'Nope'], [/^error: unknown invariant 'Nope' \(valid: StartEndPaired, /], 1),
  bad('check', ['--invariant', ''], [/--invariant: expected a comma-separated list of names, got nothing/], 1),
  bad('check', ['--invariant', 'constructor'], [/unknown invariant 'constructor'/], 1),
  bad('check', ['--invariant', '__proto__,valueOf'], [/unknown invariant '__proto__'/, /unknown invariant 'valueOf'/], 2),
  bad('check', ['--invariant', 'startendpaired'], [/did you mean 'StartEndPaired'/], 1),
  bad('check', ['--notifiers', 'kvm,floppy'], [/^error: unknown driver 'floppy'/], 1),
  bad('check', ['--notifiers', ''], [/--notifiers: expected a comma-separated list/], 1),
  bad('check', ['--notifiers', 'A=kvm@x'], [/--notifiers: cannot read 'A=kvm@x'/], 1),
  bad('check', ['--notifiers', 'constructor,hasOwnProperty,__proto__'], [/unknown driver 'constructor'/, /unknown driver 'hasOwnProperty'/, /--notifiers: cannot read '__proto__'/], 3),
  bad('check', ['--reaper', 'nope'], [/unknown reaper era 'nope' \(valid: no-notify, skip-if-notifiers, nonblock-per-vma\)/], 1),
  bad('check', ['--reaper', '__proto__'], [/unknown reaper era '__proto__'/], 1),
  bad('check', ['--reaper', ''], [/unknown reaper era ''/], 1),
  bad('check', ['--threads', ''], [/--threads: expected a comma-separated list/], 1),
  bad('check', ['--threads', 'fault:Z'], [/^error: threads: 'fault:Z' is not a thread of this scenario/], 1),
  bad('check', ['--threads', 'constructor'], [/threads: 'constructor' is not a thread/], 1),
  bad('check', ['--runs', '0x10'], [/--runs: expected an integer from 1 to 1000000 \(decimal digits\), got '0x10'/], 1),
  bad('check', ['--runs', '1e12'], [/--runs: expected an integer .* got '1e12'/], 1),
  bad('check', ['--runs', ''], [/--runs: expected an integer .* got nothing/], 1),
  bad('check', ['--runs', '0'], [/--runs: '0' is out of range \(1 to 1000000\)/], 1),
  bad('check', ['--runs=-5'], [/--runs: expected an integer/], 1),
  bad('check', ['--runs', '-5'], [/--runs/], 1),
  bad('check', ['--runs', '99999999999999999999999'], [/--runs: '9+' is out of range/], 1),
  bad('check', ['--runs', '1.5'], [/--runs: expected an integer/], 1),
  bad('check', ['--runs', ' 10'], [/--runs: expected an integer/], 1),
  bad('check', ['--runs', 'Infinity'], [/--runs: expected an integer/], 1),
  bad('check', ['--seed', ''], [/--seed: expected an integer from 0 to 4294967295 \(decimal digits\), got nothing/], 1),
  bad('check', ['--seed', '0x2A'], [/--seed: expected an integer/], 1),
  bad('check', ['--seed', '4294967296'], [/--seed: '4294967296' is out of range/], 1),
  bad('check', ['--shortest-states=-1'], [/--shortest-states: expected an integer/], 1),
  bad('check', ['--shortest-states', '1e6'], [/--shortest-states: expected an integer/], 1),
  bad('check', ['--shortest-states', ''], [/--shortest-states: expected an integer .* got nothing/], 1),
  bad('check', ['--shortest-states', '100000001'], [/--shortest-states: '100000001' is out of range \(0 to 100000000\)/], 1),
  bad('check', ['--exhaustive', '--shortest-states', '10'], [/--shortest-states bounds the random search's shortest pass; --exhaustive finds the shortest of each thread set itself/], 1),
  bad('check', ['--exhaustive', '--depth', '0'], [/--depth: '0' is out of range \(1 to 10000\)/], 1),
  bad('check', ['--exhaustive', '--depth', '100000'], [/--depth: '100000' is out of range/], 1),
  bad('check', ['--time-limit', ''], [/--time-limit: expected an integer .* got nothing/], 1),
  bad('check', ['--time-limit', '0'], [/--time-limit: '0' is out of range \(1 to 86400\)/], 1),
  bad('check', ['--time-limit', '1e3'], [/--time-limit: expected an integer/], 1),
  bad('check', ['--time-limit', '999999'], [/--time-limit: '999999' is out of range/], 1),
  bad('check', ['--exhaustive', '--runs', 'x', '--seed', 'y', '--depth', '-', '--strategy', 'nope', '--invariant', 'Nope'], [/--runs: expected an integer/, /--runs counts random runs; --exhaustive explores every interleaving instead/, /--seed/, /--depth/, /unknown strategy/, /unknown invariant/], 6),
  bad('check', ['--bogus'], [/^error: Unknown option '--bogus'$/], 1),
  bad('check', ['--\x07bogus\x1b[2J'], [/Unknown option '--\\x07bogus\\x1b\[2J'/], 1),
  bad('check', ['extra'], [/Unexpected argument 'extra'/], 1),
  bad('check', ['--json=1'], [/--json/], 1),
  bad('check', ['--strategy'], [/--strategy/], 1),
  bad('check', ['--invariant', 'Bad\x1b[31mName\u202e'], [/unknown invariant 'Bad\\x1b\[31mName\\u\{202e\}'/], 1),
  bad('check', ['--strategy', '\ufeffskip-all-end'], [/unknown strategy '\\u\{feff\}skip-all-end'/], 1),
  bad('check', ['--strategy', 'core-counter', '--notifiers', 'odp-4.20'], [/no interval-notifier form/], 1),
  bad('check', ['--max-states', '10', '--depth', '5'], [/--depth bounds the exhaustive search: give --exhaustive too/, /--max-states bounds the exhaustive search/], 2),
  bad('check', ['--exhaustive', '--max-threads', '0', '--max-states', 'x', '--max-memory', '1'], [/--max-threads: '0' is out of range \(1 to 8\)/, /--max-states: expected an integer/, /--max-memory: '1' is out of range \(16 to /], 3),
  // check --scenario: files
  bad('check', ['--scenario', ''], [/--scenario: expected a file name, got nothing/], 1),
  bad('check', ['--scenario', F.dir], [/a-directory: is a directory, not a file$/], 1),
  bad('check', ['--scenario', '/dev/zero'], [/^error: \/dev\/zero: is a character device, not a regular file$/], 1),
  bad('check', ['--scenario', '/dev/urandom'], [/\/dev\/urandom: is a character device/], 1),
  bad('check', ['--scenario', F.missing], [/missing\.json: no such file$/], 1),
  bad('check', ['--scenario', F.fifo], [/fifo\.json: is a pipe, not a regular file$/], 1),
  bad('check', ['--scenario', F.binary], [/binary\.json: contains NUL bytes/], 1),
  bad('check', ['--scenario', F.notUtf8], [/latin1\.json: is not UTF-8 text/], 1),
  bad('check', ['--scenario', F.big], [/big\.json: is 11534336 bytes, larger than the 10485760-byte limit/], 1),
  bad('check', ['--scenario', F.empty], [/empty\.json: empty file, not JSON/], 1),
  bad('check', ['--scenario', F.malformed], [/malformed\.json: not valid JSON/], 1),
  bad('check', ['--scenario', F.truncated], [/truncated\.json: not valid JSON/], 1),
  bad('check', ['--scenario', F.bomGarbage], [/bom\.json: not valid JSON/], 1),
  bad('check', ['--scenario', F.controlJson], [/control\.json: not valid JSON/], 1),
  bad('check', ['--scenario', F.array], [/array\.json: \(top level\): expected object/], 1),
  bad('check', ['--scenario', F.nullJson], [/null\.json: \(top level\): expected object/], 1),
  bad('check', ['--scenario', F.number], [/number\.json: \(top level\): expected object/], 1),
  // check --scenario: content (strict: every problem, one line each with its path)
  bad('check', ['--scenario', F.scUnknownKeys], [/: strategee: unknown key/, /: knobs\.registrationTakesAllLock: unknown key \(did you mean 'registrationTakesAllLocks'\?\)/, /: notifiers\[0\]\.nonblockstart: unknown key \(did you mean 'nonblockStart'\?\)/], 3),
  bad('check', ['--scenario', F.scEnum], [/: notifiers\[0\]\.nonblockStart: expected 'trylock' \| 'always-eagain' \| 'never-fails' \| 'sleeps' \(got 'foo'\)/], 1),
  bad('check', ['--scenario', F.scHasEnd], [/: notifiers\[0\]\.hasEnd: expected boolean \(got 'no'\)/], 1),
  bad('check', ['--scenario', F.scRetry], [/: knobs\.faultRetryBound: expected number to be >=0 \(got -1\)/], 1),
  bad('check', ['--scenario', F.scRetryBig], [/: knobs\.faultRetryBound: expected number to be <=4000/], 1),
  bad('check', ['--scenario', F.scThreads], [/: threads: expected array to have >=1 items/], 1),
  bad('check', ['--scenario', F.scConstructor], [/sc-constructor\.json: unknown strategy 'constructor'/], 1),
  bad('check', ['--scenario', F.scProto], [/sc-proto\.json: unknown strategy '__proto__'/], 1),
  bad('check', ['--scenario', F.scProtoKey], [/: __proto__: unknown key/], 1),
  bad('check', ['--scenario', F.scControlName], [/sc-control\.json: unknown strategy 'skip\\x00all\\x1b\[31m\\u\{feff\}end'/], 1),
  // Every problem: its threads name a notifier B the file does not have.
  bad('check', ['--scenario', F.scDriver], [/sc-driver\.json: notifiers\[0\]\.driver: unknown 'floppy'/, /threads: 'ioctl:B' is not a thread of this scenario/], 2),
  bad('check', ['--scenario', F.scDriverProto], [/notifiers\[0\]\.driver: unknown 'constructor'/, /threads: 'ioctl:B'/], 2),
  bad('check', ['--scenario', F.scVma], [/sc-vma\.json: vmas\[0\]: need integers 0 <= start < end <= 64/], 1),
  bad('check', ['--scenario', F.scTypes], [/: strategy: expected string \(got 7\)/, /: reaper: expected/, /: vmas: expected array/, /: notifiers\[0\]\.name: expected string/, /: notifiers\[0\]\.driver: expected string/, /: notifiers\[0\]\.address: expected number/, /: threads: expected array/, /: knobs: expected object/], 8),
  bad('check', ['--scenario', F.scManyErrors], [/nonblockStart: expected/, /hasEnd: expected boolean/, /faultPath: expected 'seq-retry' \| 'none' \(got 'maybe'\)/, /onFailedStart: expected 'self-undo' \| 'leave' \(got 1\)/, /knobs\.faultRetryBound/, /knobs\.reaperChecksNotifiersBeforeLok: unknown key \(did you mean 'reaperChecksNotifiersBeforeLock'\?\)/], 6),
  bad('check', ['--scenario', F.scEnum, '--notifiers', 'kvm', '--threads', 'oom_reaper'], [/--scenario replaces --notifiers/, /--scenario replaces --threads/, /nonblockStart: expected/], 3),
  // compare
  bad('compare', ['--family', 'nope'], [/unknown family 'nope' \(valid: ab-pair, /], 1),
  bad('compare', ['--family', 'constructor,__proto__'], [/unknown family 'constructor'/, /unknown family '__proto__'/], 2),
  bad('compare', ['--family', ''], [/--family: expected a comma-separated list/], 1),
  bad('compare', ['--runs', '0x10'], [/--runs: expected an integer/], 1),
  bad('compare', ['--runs', '10000000'], [/--runs: '10000000' is out of range/], 1),
  bad('compare', ['--seed', ''], [/--seed: expected an integer .* got nothing/], 1),
  bad('compare', ['--strategy', 'toString'], [/unknown strategy 'toString'/], 1),
  bad('compare', ['--json', '--markdown'], [/--json and --markdown: give one or the other/], 1),
  bad('compare', ['--bogus', 'x'], [/Unknown option '--bogus'/], 1),
  // replay
  bad('replay', [], [/replay takes exactly one case file \(got 0\)/], 1),
  bad('replay', [F.caseFuture, F.caseFuture], [/replay takes exactly one case file \(got 2\)/], 1),
  bad('replay', [''], [/case file: expected a file name, got nothing/], 1),
  bad('replay', [F.dir], [/is a directory, not a file$/], 1),
  bad('replay', ['/dev/zero'], [/\/dev\/zero: is a character device, not a regular file$/], 1),
  bad('replay', ['/dev/urandom'], [/\/dev\/urandom: is a character device/], 1),
  bad('replay', [F.missing], [/no such file$/], 1),
  bad('replay', [F.fifo], [/fifo\.json: is a pipe, not a regular file$/], 1),
  bad('replay', [F.malformed], [/not valid JSON/], 1),
  bad('replay', [F.truncated], [/truncated\.json: not valid JSON/], 1),
  bad('replay', [F.binary], [/contains NUL bytes/], 1),
  bad('replay', [F.big], [/larger than the 10485760-byte limit/], 1),
  bad('replay', [F.nullJson], [/null\.json: \(top level\): expected object/], 1),
  bad('replay', [F.caseFuture], [/case-v2\.json: format: unknown 'mmu-notifier-checker\/case@2' \(this checker reads mmu-notifier-checker\/case@1; a newer format needs a newer checker\)/], 1),
  bad('replay', [F.caseOtherFormat], [/format: unknown 'something-else' \(expected mmu-notifier-checker\/case@1\)/], 1),
  bad('replay', [F.caseNoFormat], [/: format: missing \(expected 'mmu-notifier-checker\/case@1'\)/], 1),
  bad('replay', [F.caseConstructor], [/case-constructor\.json: scenario\.strategy: unknown 'constructor'/], 1),
  bad('replay', [F.caseProto], [/scenario\.strategy: unknown '__proto__'/], 1),
  bad('replay', [F.caseThreads], [/scenario\.threads: expected array to have >=1 items/], 1),
  bad('replay', [F.caseUnknownKeys], [/: shrunk: unknown key \(did you mean 'shrink'\?\)/, /: expect\.witnes: unknown key \(did you mean 'witness'\?\)/, /: trace\[0\]\.drained: unknown key \(did you mean 'drain'\?\)/, /: scenario\.knobs\.faultRetryBund: unknown key \(did you mean 'faultRetryBound'\?\)/], 4),
  bad('replay', [F.caseEnum], [/scenario\.notifiers\[0\]\.nonblockStart: expected .* \(got 'foo'\)/, /scenario\.notifiers\[0\]\.hasEnd: expected boolean \(got 'no'\)/], 2),
  bad('replay', [F.caseInvariant], [/expect\.invariant: unknown 'StartEndPair' \(did you mean 'StartEndPaired'\?\)/], 1),
  bad('replay', [F.caseInvariantProto], [/expect\.invariant: unknown 'constructor'/], 1),
  bad('replay', [F.caseHolds], [/expect\.verdict: expected 'violated' \(got 'holds'\)/, /expect\.witness: missing/], 2),
  bad('replay', [F.caseSchedule], [/schedule\[0\]: 'fault:Z' is not one of the scenario's threads/], 1),
  bad('replay', [F.caseTypes], [/schedule: expected array/, /trace\[0\]\.action: expected string/, /trace\[0\]\.events: expected array/, /provenance\.foundWith: expected 'random' \| 'exhaustive' \(got 'luck'\)/], 4),
  bad('replay', [F.caseDriver], [/scenario\.notifiers\[0\]\.driver: unknown 'floppy'/, /scenario\.threads: 'ioctl:B'/], 2),
  bad('replay', [F.caseReaper], [/scenario\.reaper: expected 'no-notify' \| 'skip-if-notifiers' \| 'nonblock-per-vma' \(got 'toString'\)/], 1),
  bad('replay', [F.caseFuture, '--strategy', 'nope'], [/unknown strategy 'nope'/], 1),
  bad('replay', [F.caseFuture, '--strategy', 'ALL'], [/^error: unknown strategy 'ALL' \(did you mean 'all'\?\) \(valid: .*, core-counter, all\)$/], 1),
  bad('replay', [F.caseFuture, '--strategy', 'skip-all-end,sorted-undo'], [/--strategy: give one strategy or 'all' \(got 2\)/], 1),
  bad('replay', [F.caseFuture, '--strategy', ''], [/--strategy: expected a comma-separated list/], 1),
  bad('replay', [F.caseFuture, '--strategy', 'all', '--mermaid'], [/--mermaid draws one replay/], 1),
  bad('replay', ['--bogus'], [/Unknown option '--bogus'/], 1),
  // corpus and bench: arguments only (they read no file)
  bad('corpus', ['--seed', ''], [/--seed: expected an integer .* got nothing/], 1),
  bad('corpus', ['--seed', '0x10'], [/--seed: expected an integer/], 1),
  bad('corpus', ['--seed', '-1'], [/--seed/], 1),
  bad('corpus', ['--dir', ''], [/--dir: expected a file name, got nothing/], 1),
  bad('corpus', ['extra'], [/Unexpected argument 'extra'/], 1),
  bad('corpus', ['--bogus'], [/Unknown option '--bogus'/], 1),
  bad('bench', ['--bogus'], [/Unknown option '--bogus'/], 1),
  bad('bench', ['--quick=yes'], [/--quick/], 1),
  bad('bench', ['positional'], [/Unexpected argument 'positional'/], 1),
  bad('bench', ['--json', '--seed', '1'], [/Unknown option '--seed'/], 1),
  // nesting, driver programs, flag combinations, schemas' --dir
  bad('check', ['--scenario', F.deep], [/deep\.json: arrays and objects nested more than 64 levels deep/], 1),
  bad('replay', [F.deep], [/nested more than 64 levels deep/], 1),
  bad('driver', ['check', F.deepCond], [/deep-cond\.json: arrays and objects nested more than 64 levels deep/], 1),
  bad('check', ['--driver', F.drvNoRet, '--notifiers', 'kvm,no-ret'], [/hlist\.invalidate_range_start\[0\]: the program can run past its last instruction \('zap'\); end it with a 'ret'/, /unknown driver 'no-ret'/], 2),
  bad('driver', ['check', F.drvEmpty], [/hlist\.invalidate_range_start: a program with no instruction; it needs at least a 'ret'/], 1),
  bad('driver', ['check', F.drvLabelOnly], [/hlist\.invalidate_range_start: a program with no instruction/], 1),
  bad('driver', ['check', F.drvTrailing], [/hlist\.invalidate_range_start\[2\]: label ':end' is after the last instruction/], 1),
  bad('check', ['--exhaustive', '--time-limit', '2'], [/--time-limit bounds the random search; bound --exhaustive with --max-states/], 1),
  bad('check', ['--invariant', 'StartEndPaired', '--invariant', 'NoDeadlock'], [/^error: --invariant is given more than once; give it once \(a list is comma-separated\)$/], 1),
  bad('compare', ['--json', '--json'], [/--json is given more than once/], 1),
  bad('check', ['--runs', '-5'], [/^error: --runs: expected an integer from 1 to 1000000 \(decimal digits\), got '-5'$/], 1),
  // every problem at once: the command line's (unknown flag, positional, value to a boolean) and each value's
  bad('check', ['--strategy', 'bogus', '--bogus', '--runs', 'x', 'extra', '--json=1', '--seed', '-1'], [/^error: Unknown option '--bogus'$/, /^error: Unexpected argument 'extra': this command takes no positional arguments$/, /^error: Option '--json' does not take an argument$/, /unknown strategy 'bogus'/, /--runs: expected an integer/, /--seed: expected an integer/], 6),
  bad('check', ['--help', '--bogus'], [/Unknown option '--bogus'/], 1),
  bad('check', ['--scenario', F.scPresetKnobs], [/notifiers\[0\]\.nonblockStart: only the 'generic' driver takes this knob; 'kvm' behaves as its programs say \(got 'always-eagain'\)/, /notifiers\[0\]\.hasEnd: only the 'generic' driver/], 2),
  bad('replay', [F.casePresetKnobs], [/scenario\.notifiers\[1\]\.faultPath: only the 'generic' driver takes this knob; 'odp-4.20'/], 1),
  bad('check', ['--scenario', F.scResolveMany], [/vmas\[0\]: need integers/, /vmas\[2\]: need integers/, /notifiers\[1\]\.name: duplicate 'A'/, /notifiers\[1\]\.address: need a distinct integer/, /threads: 'fault:Z' is not a thread/, /threads: 'toString' is not a thread/, /threads: duplicate 'oom_reaper'/], 7),
  bad('check', ['--threads', 'oom_reaper', '--max-threads', '2', '--exhaustive'], [/^error: --max-threads chooses the thread sets to search; the threads are fixed here/], 1),
  bad('check', ['--scenario', F.scFixed, '--max-threads', '2', '--exhaustive'], [/--max-threads chooses the thread sets to search; the threads are fixed here \(--threads or the scenario's "threads"\)/], 1),
  bad('check', ['--scenario', F.scInterval], [/notifiers\.A\.interval: need integers 0 <= start < end <= 64/, /notifiers\.B\.interval: need integers/], 2),
  bad('check', ['--scenario', F.scOverlap], [/^error: .*sc-overlap\.json: vmas\[1\]: \[2,6\) overlaps vmas\[0\]; an mm's VMAs never overlap$/, /vmas\[3\]: \[3,5\) overlaps vmas\[0\]/], 2),
  // a flag taken as the value of the one before it: nothing written into ./--check or ./-h
  bad('schemas', ['--dir', '--check'], [/^error: Option '--dir <value>' argument missing \('--check' is a flag; to give a value starting with '-', write --dir=VALUE\)$/], 1),
  bad('corpus', ['--dir', '-h'], [/^error: Option '--dir <value>' argument missing \('-h' is a flag/], 1),
  bad('corpus', ['--dir', F.binary], [/--dir: .* is a file, not a directory: cases cannot be saved under/], 1),
  bad('schemas', ['--dir', F.binary], [/--dir: .* is not a directory/], 1),
  bad('schemas', ['--check', '--dir', F.missing], [/--dir: no directory .* to check/], 1),
];

/** Random hostile arguments to check and compare; an invalid --runs keeps every one of them from starting a search. */
const vocabulary = {
  flag: fc.constantFrom('--strategy', '--invariant', '--notifiers', '--reaper', '--threads', '--scenario', '--seed', '--depth', '--time-limit', '--family', '--json', '--save', '--exhaustive', '--markdown'),
  value: fc.oneof(
    fc.constantFrom('', ',', 'constructor', '__proto__', 'toString', 'skip-all-end', 'kvm', 'generic', '0x10', '1e12', '-1', '4294967296', 'fault:A', 'oom_reaper', '/dev/zero', '/dev/urandom', F.dir, F.binary, F.scManyErrors, F.caseFuture, F.big, '\u0000', '\ufeff', '\x1b[2J'),
    fc.string({ maxLength: 12 }),
  ),
};
const fuzzed: Invocation[] = fc
  .sample(
    fc.tuple(fc.constantFrom<'check' | 'compare'>('check', 'compare'), fc.array(fc.oneof(vocabulary.flag, vocabulary.value), { maxLength: 8 })),
    { seed, numRuns: 150 },
  )
  .map(([cmd, argv]) => ({ cmd, argv: [...argv, '--runs', 'not-a-number'] }));

let results: Outcome[] = [];
let batchMs = 0;

beforeAll(() => {
  const inputs = join(dir, 'inputs.json');
  writeFileSync(inputs, JSON.stringify([...corpus, ...fuzzed].map(({ cmd, argv }) => ({ cmd, argv }))));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', tsxLoader, join(root, 'properties', 'fixtures', 'cli-batch.ts'), inputs], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  batchMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`batch failed (${r.status}): ${r.stderr}`);
  results = JSON.parse(r.stdout) as Outcome[];
});

const expectBadInput = (r: Outcome) => {
  const what = `${r.cmd} ${JSON.stringify(r.argv)}`;
  expect(r.code, `${what}: ${r.err}`).toBe(2);
  expect(r.out, what).toBe('');
  expect(r.err.endsWith('\n'), what).toBe(true);
  const lines = r.err.slice(0, -1).split('\n');
  for (const l of lines) {
    expect(l, what).toMatch(/^error: \S/);
    expect(RAW.test(l), `${what}: raw control character in ${JSON.stringify(l)}`).toBe(false);
  }
  expect(r.err, what).not.toMatch(STACK);
  expect(r.err, what).not.toContain('internal error');
  return lines;
};

describe('bad input to every command: exit 2, one escaped line per problem, no stack trace', () => {
  it(`the corpus holds ${corpus.length} inputs over all seven commands, and ran in one process`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((c) => c.cmd))).toEqual(new Set(['check', 'compare', 'replay', 'corpus', 'bench', 'driver', 'schemas']));
    expect(results).toHaveLength(corpus.length + fuzzed.length);
    expect(batchMs).toBeLessThan(30_000);
  });

  it.each(corpus.map((c, i) => [i, c.cmd, escapeText(c.argv.map((a) => a.replace(dir, '<dir>')).join(' '))] as const))('#%i %s %s', (i) => {
    const c = corpus[i];
    const r = results[i];
    const lines = expectBadInput(r);
    if (c.lines !== undefined) expect(lines, r.err).toHaveLength(c.lines);
    for (const m of c.match ?? []) expect(lines.some((l) => m.test(l)), `${m} in\n${r.err}`).toBe(true);
  });

  it(`${fuzzed.length} random hostile argument lists (seed ${seed}) all end in exit 2, never 70`, () => {
    for (const r of results.slice(corpus.length)) expectBadInput(r);
  });

  it('nothing was written: no shrunk-cases/ in the working directory, no file beside the inputs', () => {
    expect(existsSync(join(work, 'shrunk-cases'))).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it('a slow reader is never started: /dev/zero, /dev/urandom, a FIFO and an 11 MB file are refused at once', () => {
    const slow = results.filter((x) => x.argv.some((a) => a === '/dev/zero' || a === '/dev/urandom' || a === F.big || a === F.fifo));
    expect(slow.length).toBeGreaterThanOrEqual(7);
    for (const r of slow) expect(r.ms).toBeLessThan(1000);
  });
});

describe('the schemas know exactly the model’s knobs', () => {
  it('scenario knobs are the keys of DEFAULT_KNOBS; notifier fields are name, driver, address, interval and the generic knobs', () => {
    expect([...SCENARIO_KNOB_NAMES].sort()).toEqual(Object.keys(DEFAULT_KNOBS).sort());
    expect([...Object.keys(genericKnobShape)].sort()).toEqual([...GENERIC_KNOB_NAMES].sort());
    expect(NOTIFIER_FIELD_NAMES).toEqual(['name', 'driver', 'address', 'interval', ...GENERIC_KNOB_NAMES]);
  });
  it('every family of checks/families.ts passes the strict scenario schema (no knob the schema refuses)', () => {
    for (const f of families) {
      const r = parseCase({ ...kase, scenario: { ...f.template, strategy: 'skip-all-end', threads: ['oom_reaper'] } });
      expect(r.ok ? [] : r.errors, f.id).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// As real processes: the exit code and stderr of node itself, a closed stdout, SIGINT.

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

const start = (args: readonly string[], cwd = root) => {
  const p = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', FC_SEED: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (b) => (out += b));
  p.stderr.on('data', (b) => (err += b));
  const done = new Promise<Ran>((res) => p.on('close', (code, signal) => res({ code, signal, out, err })));
  return { p, done };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('as processes', () => {
  it.concurrent.each([
    [['check', '--scenario', '/dev/zero'], /^error: \/dev\/zero: is a character device, not a regular file\n$/],
    [['replay', '/dev/urandom'], /^error: \/dev\/urandom: is a character device, not a regular file\n$/],
    [['compare', '--runs', '0x10', '--family', 'constructor'], /^error: unknown family 'constructor'.*\nerror: --runs: .*\n$/],
    [['check', '--invariant', 'A\x1bB', '--seed', ''], /^error: unknown invariant 'A\\x1bB'.*\nerror: --seed: .*\n$/],
  ])('%j exits 2 with exactly these lines', async ([cmd, ...argv], want) => {
    const r = await start([...script(cmd as string), ...(argv as string[])]).done;
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(want as RegExp);
  });

  it.concurrent('a closed stdout ends quietly: `check --json | head -1` and `--help | head -c 1`', async () => {
    const pipeline = (cmd: string) => new Promise<Ran>((res) => {
      const p = spawn('bash', ['-c', `${cmd} 2>"$ERRFILE" | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: root, env: { ...process.env, NO_COLOR: '1', FC_SEED: '', ERRFILE: join(dir, `pipe-${cmd.length}.err`) } });
      let out = '';
      p.stdout.on('data', (b) => (out += b));
      p.on('close', (code, signal) => res({ code, signal, out, err: readFileSync(join(dir, `pipe-${cmd.length}.err`), 'utf8') }));
    });
    const node = (cmd: string) => script(cmd).map((a) => `"${a}"`).join(' ');
    const big = await pipeline(`"${process.execPath}" ${node('check')} --strategy skip-all-end --notifiers hmm-5.3 --runs 100 --json`);
    expect(big.err).toBe('');
    expect(['0', '1']).toContain(big.out.trim()); // its own exit code (1: violations), not a crash
    const help = await pipeline(`"${process.execPath}" ${node('compare')} --help`);
    expect(help).toMatchObject({ err: '', out: '0\n' });
  });

  it.concurrent('check --save with a file where shrunk-cases/ goes: said before the search, the verdicts printed, then the error, exit 2, the file untouched', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mnc-save-'));
    writeFileSync(join(cwd, 'shrunk-cases'), 'mine');
    const r = await start([...script('check'), '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '50', '--save'], cwd).done;
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/violated {2}StartEndPaired/);
    const problem = '.*shrunk-cases is a file, not a directory: cases cannot be saved under shrunk-cases';
    expect(r.err).toMatch(new RegExp(`^warning: --save: ${problem}; the search runs and prints its verdicts, but saves nothing \\(exit 2\\)\n`));
    expect(r.err).toMatch(new RegExp(`\nerror: --save: ${problem}\nerror: --save: 1 counterexample was not saved; the verdicts above stand\n$`));
    expect(readFileSync(join(cwd, 'shrunk-cases'), 'utf8')).toBe('mine');
  });

  it.concurrent('an output it cannot write (stdout on /dev/full) is one line and exit 2, not a silent 70', async () => {
    const r = await new Promise<Ran>((res) => {
      const p = spawn('bash', ['-c', `"${process.execPath}" ${script('driver').map((a) => `"${a}"`).join(' ')} show kvm >/dev/full`], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
      let err = '';
      p.stderr.on('data', (b) => (err += b));
      p.on('close', (code, signal) => res({ code, signal, out: '', err }));
    });
    expect(r).toMatchObject({ code: 2, err: 'error: cannot write the output: ENOSPC\n' });
  });

  /**
   * SIGINT once the process runs its search. One that lands while node is still loading the
   * modules ends the process the default way (killed by SIGINT: nothing was found yet); the
   * machine may be busy with other test files, so that case is retried once, later.
   */
  const interrupt = async (args: string[], cwd: string, after: number, sig: 'SIGINT' | 'SIGTERM' = 'SIGINT'): Promise<Ran> => {
    for (const wait of [after, after * 3]) {
      const { p, done } = start(args, cwd);
      await sleep(wait);
      p.kill(sig);
      const r = await done;
      if (r.signal !== sig) return r;
    }
    throw new Error(`${sig} never reached a running search`);
  };

  it.concurrent('SIGTERM (a CI cancel, timeout) during check: exit 143, and what was found is printed', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mnc-sigterm-'));
    const r = await interrupt([...script('check'), '--strategy', 'skip-all-end,call-all-end-2019', '--invariant', 'StartEndPaired', '--runs', '1000000', '--time-limit', '30'], cwd, 3500, 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.err).not.toMatch(STACK);
    expect(r.out).toMatch(/^interrupted \(SIGTERM\) after \d of 2 strategies/m);
  });

  it.concurrent('SIGINT during a long check --save: exit 130, what finished is printed and saved whole, no temporary file', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mnc-sigint-'));
    const r = await interrupt([...script('check'), '--strategy', 'skip-all-end,call-all-end-2019,sorted-undo,reaper-calls-end', '--invariant', 'StartEndPaired,NonBlockingNeverSleeps', '--runs', '1000000', '--time-limit', '1', '--save'], cwd, 3500);
    expect(r.code).toBe(130);
    expect(r.err).not.toMatch(STACK);
    const m = /^interrupted \(SIGINT\) after (\d) of 4 strategies/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    const completed = Number(m?.[1]);
    // One header per finished strategy, each with both verdicts.
    expect(r.out.match(/^\S+ {2}\(seed 42, /gm) ?? []).toHaveLength(completed);
    expect(r.out.match(/^ {2}(violated|holds) /gm) ?? []).toHaveLength(2 * completed);
    const saved = existsSync(join(cwd, 'shrunk-cases')) ? readdirSync(join(cwd, 'shrunk-cases')) : [];
    for (const f of saved) {
      expect(f).toMatch(/\.json$/);
      expect(parseCase(JSON.parse(readFileSync(join(cwd, 'shrunk-cases', f), 'utf8'))).ok).toBe(true);
    }
    expect(saved.length).toBe((r.out.match(/^ {2}saved: /gm) ?? []).length);
  });

  it.concurrent('SIGINT during compare --json: exit 130 and a JSON object that says so', async () => {
    const r = await interrupt([...script('compare'), '--json', '--runs', '1000000', '--family', 'ab-pair'], root, 3000);
    expect(r.code).toBe(130);
    expect(r.err).not.toMatch(STACK);
    const j = JSON.parse(r.out);
    expect(j.interrupted).toMatchObject({ total: 6, unit: 'strategies' });
    expect(j.results).toHaveLength(j.interrupted.completed * 18);
  });
});

describe('an interrupted check or compare prints what finished (the SIGINT path, deterministically)', () => {
  /** Streams as a terminal sees them (so progress is written), with the abort fired by `trigger` on one write. */
  const interrupted = async (cmd: Command, argv: string[], trigger: (s: string) => boolean) => {
    const ac = new AbortController();
    let out = '';
    let err = '';
    const io: Io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: {
        isTTY: true,
        write: (s: string) => {
          err += s;
          if (!ac.signal.aborted && trigger(s)) ac.abort();
        },
      },
      env: { NO_COLOR: '1' },
      signal: ac.signal,
    };
    const code = await runCommand(cmd, argv, io);
    return { code, out, err, aborted: ac.signal.aborted };
  };

  it('check: stopped after its first strategy, exit 130, that strategy’s results and the note', async () => {
    // One worker: with two, the second strategy may have finished too by the time the first is reported.
    const r = await interrupted(checkCommand, ['--strategy', 'skip-all-end,sorted-undo,call-all-end-2021', '--invariant', 'StartEndPaired,UnregisterQuiesces', '--runs', '200', '--workers', '1'], (s) => s === '\r\x1b[K');
    expect(r.aborted).toBe(true);
    expect(r.code).toBe(130);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('interrupted (SIGINT) after 1 of 3 strategies; the results below are those that finished');
    expect(lines.filter((l) => /^\S+ {2}\(seed /.test(l))).toEqual(['skip-all-end  (seed 42, 200 runs)']);
    expect(lines.filter((l) => /^ {2}(violated|holds) /.test(l))).toHaveLength(2);
    expect(r.out).toContain('✘ skip-all-end × StartEndPaired: ');
    expect(r.out).not.toMatch(/sorted-undo|call-all-end-2021/);
  });

  it('check: stopped inside its only strategy, it still names what the runs had violated, with the first run of each (not shrunk)', async () => {
    // Stopped on the first progress line: the one the first violation (run 1) writes.
    const r = await interrupted(checkCommand, ['--strategy', 'skip-all-end', '--invariant', 'StartEndPaired,UnregisterQuiesces', '--runs', '100000', '--workers', '1'], (s) => s.includes('runs'));
    expect(r.code).toBe(130);
    expect(r.out).toBe(
      'interrupted (SIGINT) after 0 of 1 strategies; nothing finished\n' +
        'violated before the stop, not yet shrunk (the first run that broke each: a --runs at least that large finds it again):\n' +
        '  skip-all-end × StartEndPaired (run 1)\n',
    );
  });

  it('check --json: an interrupted run says so in the object (here before anything finished); a whole run does not', async () => {
    const whole = await interrupted(checkCommand, ['--strategy', 'skip-all-end,sorted-undo', '--invariant', 'StartEndPaired', '--runs', '100', '--json'], () => false);
    expect(whole.code).toBe(1);
    expect(JSON.parse(whole.out)).not.toHaveProperty('interrupted');
    const ac = new AbortController();
    ac.abort();
    const writes: string[] = [];
    const code = await runCommand(checkCommand, ['--strategy', 'skip-all-end', '--runs', '100', '--json', '--seed', '7'], { stdout: { write: (s: string) => writes.push(s) }, stderr: { write: () => 0 }, env: {}, signal: ac.signal });
    expect(code).toBe(130);
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0])).toEqual({ format: 'mmu-notifier-checker/check-result@1', seed: 7, interrupted: { signal: 'SIGINT', completed: 0, total: 1, unit: 'strategies' }, results: [] });
  });

  it('compare: stopped while the second strategy runs, exit 130, the matrix of the finished ones', async () => {
    const strategies = ['skip-all-end', 'sorted-undo', 'call-all-end-2021'];
    const r = await interrupted(compareCommand, ['--strategy', strategies.join(','), '--invariant', 'StartEndPaired', '--family', 'ab-pair', '--runs', '50', '--workers', '1'], (s) => s.includes(`${strategies[1]} ×`));
    expect(r.code).toBe(130);
    // In a worker the stop is immediate: finished are the strategies whose tasks are in, skip-all-end
    // and call-all-end-2021, whose proofs one task shares (engine/share.ts), though sorted-undo comes between.
    expect(r.out).toMatch(/^interrupted \(SIGINT\) after 2 of 3 strategies/);
    const header = r.out.split('\n').find((l) => l.startsWith(' '.repeat(14)) && l.includes('skip-all-end'));
    expect(header?.trim().split(/\s+/)).toEqual(['skip-all-end', 'call-all-end-2021']);
  });

  it('compare: stopped inside its only strategy, it still names what the runs had violated, with the family and the first run (not shrunk)', async () => {
    // Stopped on the progress line the first violation (run 1) writes.
    const r = await interrupted(compareCommand, ['--strategy', 'skip-all-end', '--invariant', 'StartEndPaired,UnregisterQuiesces', '--family', 'ab-pair', '--runs', '100000', '--workers', '1'], (s) => s.includes('violated so far'));
    expect(r.code).toBe(130);
    expect(r.err).toContain('skip-all-end × ab-pair: 1 violated so far…');
    expect(r.out).toBe(
      'interrupted (SIGINT) after 0 of 1 strategies; nothing finished\n' +
        'violated before the stop, not yet shrunk (the first run that broke each: a --runs at least that large finds it again):\n' +
        '  skip-all-end × StartEndPaired on ab-pair (run 1)\n',
    );
  });

  it("the note names a proof's find without a run, and escapes a family's name", () => {
    expect(interruptedLine({ completed: 1, total: 2, unit: 'strategies', foundSoFar: [{ strategy: 'sorted-undo', family: 'mine\x1b', invariant: 'NoDeadlock' }] })).toBe(
      'interrupted (SIGINT) after 1 of 2 strategies; the results below are those that finished\n' +
        'violated before the stop, not yet shrunk (the first run that broke each: a --runs at least that large finds it again):\n' +
        '  sorted-undo × NoDeadlock on mine\\x1b (by the exhaustive proof)\n',
    );
  });
});
