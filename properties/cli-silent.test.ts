/**
 * Nothing silent (issue #23 item 2): a repeated thread, strategy, invariant or family, a driver
 * file no notifier uses (--driver to check, compare and replay, or inline in a scenario), a
 * duplicate label, a return value its callback cannot return and a clashing @ADDR are refused,
 * each named (exit 2); unused labels and unreachable instructions are warnings of `driver check`
 * (exit 0). And work never lost on --save (item 5): an unwritable shrunk-cases/ is found before
 * the search; a case that still fails to save (here: a file-size limit, as a disk that fills)
 * comes after the verdicts, exit 2, with no truncated file; a schema is replaced whole or not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CASE_FORMAT } from '../engine/case-format.ts';
import { fromDriverDef } from '../engine/driver-format.ts';
import { BUILTIN } from '../model/index.ts';
import { checkCommand } from '../scripts/check.ts';
import { runCommand, type Command, type Io } from '../scripts/cli.ts';
import { compareCommand } from '../scripts/compare.ts';
import { driverCommand } from '../scripts/driver.ts';
import { replayCaseCommand } from '../scripts/replay.ts';

const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'mnc-silent-'));
const json = (name: string, value: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(value, null, 2));
  return f;
};
const dmirror = join(root, 'examples', 'dmirror.json');

/** A command in this process, as its main runs it. */
const run = async (cmd: Command, argv: readonly string[]) => {
  let out = '';
  let err = '';
  const io: Io = { stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (err += x) }, env: { NO_COLOR: '1' }, inline: true };
  const code = await runCommand(cmd, argv, io);
  return { code, out, err, lines: err.split('\n').filter((l) => l !== '') };
};

/** Refused: exit 2, nothing on stdout, every stderr line an error, one of them matching each pattern. */
const refused = async (cmd: Command, argv: readonly string[], ...patterns: RegExp[]) => {
  const r = await run(cmd, argv);
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  for (const l of r.lines) expect(l).toMatch(/^error: \S/);
  for (const p of patterns) expect(r.lines.some((l) => p.test(l)), `${p} in\n${r.err}`).toBe(true);
  return r;
};

const kvm = fromDriverDef(BUILTIN.drivers.kvm);
const odp55 = fromDriverDef(BUILTIN.drivers['odp-5.5']);
const scenario = {
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [
    { name: 'A', driver: 'kvm', address: 256 },
    { name: 'B', driver: 'odp-4.20', address: 512 },
  ],
};

describe('a list item given twice is refused, not dropped', () => {
  it('--threads madvise,madvise (check and compare): each thread id names one thread', async () => {
    const r = await refused(checkCommand, ['--threads', 'madvise,oom_reaper,madvise'], /^error: --threads: 'madvise' is given twice; each thread id names one thread \(several threads of one kind, as two madvise calls, are not supported yet\)$/);
    expect(r.lines).toHaveLength(1);
    await refused(compareCommand, ['--notifiers', 'kvm', '--threads', 'fault:A,fault:A,fault:A'], /--threads: 'fault:A' is given 3 times; each thread id names one thread/);
  });
  it('--strategy x,x, --invariant, --family: the repeat named, with any unknown name beside it', async () => {
    await refused(checkCommand, ['--strategy', 'skip-all-end,skip-all-end'], /^error: --strategy: 'skip-all-end' is given twice; give each strategy once$/);
    const r = await refused(compareCommand, ['--strategy', 'x,x', '--invariant', 'NoDeadlock,NoDeadlock'], /--strategy: 'x' is given twice/, /unknown strategy 'x'/, /--invariant: 'NoDeadlock' is given twice; give each invariant once/);
    expect(r.lines).toHaveLength(3);
    await refused(compareCommand, ['--family', 'ab-pair,ab-pair'], /--family: 'ab-pair' is given twice; give each family once/);
  });
  it('--help says so, and explains @ADDR', async () => {
    for (const cmd of [checkCommand, compareCommand]) {
      const r = await run(cmd, ['--help']);
      expect(r.code).toBe(0);
      expect(r.out.replace(/\s+/g, ' ')).toMatch(/names one thread, so a repeat is refused \(several threads of one kind are not supported yet\)/);
      expect(r.out.replace(/\s+/g, ' ')).toMatch(/@ADDR is the address of the notifier's struct mmu_notifier, a decimal integer, distinct per notifier .* sorted-undo keeps the hlist sorted by it/);
    }
  });
});

describe('@ADDR: a clash or a malformed address is explained', () => {
  it('two notifiers at one address: both named, with what ADDR is', async () => {
    const r = await refused(checkCommand, ['--notifiers', 'kvm,odp-4.20@256'], /^error: --notifiers: B \(odp-4\.20\) and A \(kvm\) have the same address \(B: @256; A: 256 by default, as notifier 1\); ADDR .*struct mmu_notifier: sorted-undo keeps the hlist sorted by it/);
    expect(r.lines).toHaveLength(1);
    expect(r.err).not.toContain('need a distinct integer');
  });
  it('an address that is not a decimal integer', async () => {
    await refused(compareCommand, ['--notifiers', 'kvm@0x100'], /cannot read 'kvm@0x100' \(expected \[NAME=\]DRIVER\[@ADDR\]; ADDR \(a decimal integer\) stands for the address of the notifier's struct mmu_notifier/);
  });
});

describe('a driver file no notifier uses is an error naming it', () => {
  it('check --driver without --notifiers: the defaults would have been checked instead', async () => {
    const r = await refused(checkCommand, ['--driver', dmirror], /^error: --driver '.*examples\/dmirror\.json': no notifier uses its driver 'dmirror' \(no --notifiers given, so the default kvm,odp-4\.20 is checked\); name it in --notifiers, as --notifiers kvm,dmirror$/);
    expect(r.lines).toHaveLength(1);
    await refused(checkCommand, ['--driver', dmirror, '--notifiers', 'kvm,gntdev'], /--driver '.*dmirror\.json': no notifier uses its driver 'dmirror' \(--notifiers kvm,gntdev\)/);
  });
  it('check --driver used by a notifier still runs', async () => {
    const r = await run(checkCommand, ['--driver', dmirror, '--notifiers', 'kvm,dmirror', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '3', '--shortest-states', '0']);
    expect([0, 1, 4]).toContain(r.code);
    expect(r.err).not.toMatch(/error/);
  });
  it('a --scenario: a --driver its notifiers do not name, and an inline driver no notifier uses', async () => {
    const sc = json('sc.json', scenario);
    await refused(checkCommand, ['--scenario', sc, '--driver', dmirror], /--driver '.*dmirror\.json': no notifier uses its driver 'dmirror' \(.*sc\.json's notifiers use kvm, odp-4\.20\)/);
    await refused(compareCommand, ['--scenario', sc, '--driver', dmirror], /no notifier uses its driver 'dmirror'/);
    const inline = json('sc-inline.json', { ...scenario, drivers: [{ ...kvm, driver: 'kvm-mine' }] });
    await refused(checkCommand, ['--scenario', inline], /sc-inline\.json: drivers\[0\]: no notifier uses driver 'kvm-mine' \(the notifiers use kvm, odp-4\.20\)/);
  });
  it('compare: the families run presets only; --notifiers without it', async () => {
    await refused(compareCommand, ['--driver', dmirror], /no notifier uses its driver 'dmirror' \(the standard families run presets only\); compare your driver with --notifiers, as --notifiers kvm,dmirror, or with --scenario/);
    await refused(compareCommand, ['--driver', dmirror, '--notifiers', 'kvm'], /no notifier uses its driver 'dmirror' \(--notifiers kvm\)/);
  });
  it('replay --driver a case does not name', async () => {
    const kase = json('case.json', {
      format: CASE_FORMAT,
      scenario: { ...scenario, strategy: 'skip-all-end', threads: ['oom_reaper', 'ioctl:B'] },
      schedule: ['ioctl:B'],
      expect: { invariant: 'StartEndPaired', verdict: 'violated', witness: 'A got 0 ends' },
      trace: [{ thread: 'ioctl:B', action: 'B.ioctl: lock(umem_rwsem)', events: ['lock(B.umem_rwsem)'] }],
      provenance: { seed: 42, path: '0', runs: 1, foundWith: 'random' },
    });
    await refused(replayCaseCommand, [kase, '--driver', dmirror], /--driver '.*dmirror\.json': no notifier uses its driver 'dmirror' \(.*case\.json's notifiers use kvm, odp-4\.20\)/);
  });
});

describe('driver check: errors refuse the file, warnings do not', () => {
  const withStart = (name: string, start: unknown[]) => json(`${name}.json`, { ...kvm, driver: name, hlist: { ...kvm.hlist, invalidate_range_start: start } });
  it('a label defined twice is an error (a jump would go to one of them silently)', async () => {
    const f = withStart('dup', [{ op: 'jump', to: 'out', if: { is: 'nonblockable' } }, ':out', { op: 'zap' }, ':out', { op: 'ret', value: 0 }]);
    const r = await refused(driverCommand, ['check', f], /dup\.json: hlist\.invalidate_range_start\[3\]: label ':out' is defined twice \(first at \[1\]\)/);
    expect(r.lines).toHaveLength(1);
  });
  it('an unused label and unreachable instructions are warnings: printed, exit 0', async () => {
    const f = withStart('dead', [':top', { op: 'zap' }, { op: 'ret', value: 0 }, { op: 'add', counter: 'mmu_invalidate_in_progress', delta: 1 }, { op: 'ret', value: 0 }]);
    const r = await run(driverCommand, ['check', f]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('dead: ok (2 warnings)\n');
    expect(r.lines).toEqual([
      `warning: ${f}: hlist.invalidate_range_start[0]: label ':top' is unused: no instruction jumps to it`,
      `warning: ${f}: hlist.invalidate_range_start[3]..[4]: unreachable: no path from the program's start reaches these 2 instructions (after 'ret' at [2])`,
    ]);
  });
  it('code after a ret that a jump reaches through its label is not unreachable', async () => {
    const f = withStart('reached', [{ op: 'jump', to: 'out', if: { is: 'nonblockable' } }, { op: 'ret', value: 0 }, ':out', { op: 'ret', value: -11 }]);
    const r = await run(driverCommand, ['check', f]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
  });
  it('returns are typed per callback: an interval invalidate returns true or false, a start 0 or -EAGAIN, an end void', async () => {
    const iv = json('iv.json', { ...odp55, driver: 'odp-mine', interval: { ...odp55.interval, invalidate: [{ op: 'ret', value: 1 }] } });
    await refused(driverCommand, ['check', iv], /iv\.json: interval\.invalidate\[0\]\.value: an interval notifier's invalidate returns bool, true or false: write 0 for true, or -11 for false .* \(got 1\)$/);
    await refused(driverCommand, ['check', withStart('enomem', [{ op: 'ret', value: -12 }])], /hlist\.invalidate_range_start\[0\]\.value: invalidate_range_start returns an int, 0 or -EAGAIN: write 0, or -11 for -EAGAIN .* \(got -12\)$/);
    const end = json('end.json', { ...kvm, driver: 'kvm-end', hlist: { ...kvm.hlist, invalidate_range_end: [{ op: 'ret', value: -11 }] } });
    await refused(driverCommand, ['check', end], /hlist\.invalidate_range_end\[0\]\.value: invalidate_range_end returns void: write 'ret' with value 0 \(got -11\)$/);
    // The same file is refused where it is used, not only by driver check.
    await refused(checkCommand, ['--driver', iv, '--notifiers', 'kvm,odp-mine'], /interval\.invalidate\[0\]\.value: an interval notifier's invalidate returns bool/);
  });
  it('every preset, as driver show prints it, passes driver check without a warning', async () => {
    const files = Object.keys(BUILTIN.drivers).map((n) => json(`preset-${n}.json`, { ...fromDriverDef(BUILTIN.drivers[n]), driver: `${n}-copy` }));
    const r = await run(driverCommand, ['check', ...files]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toHaveLength(files.length);
  });
});

// ---------------------------------------------------------------------------------------------
// --save and schemas, as processes in a directory of their own

/** The bundle scripts/run.mjs runs, started directly (no rebuild under a file-size limit). */
const launcher = join(dir, 'launch.mjs');
const bundle = pathToFileURL(join(root, 'dist', 'cli.mjs')).href;
/** A command with a file-size limit of one 1024-byte block (ulimit -f 1): a disk that fills after the first kilobyte. */
const limited = (cwd: string, name: string, args: string[]) =>
  spawnSync('bash', ['-c', 'ulimit -f 1; exec "$0" "$@"', process.execPath, launcher, bundle, name, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FC_SEED: '' }, timeout: 60_000 });

describe('--save and schemas never lose work', () => {
  beforeAll(() => {
    writeFileSync(launcher, 'const m = await import(process.argv[2]);\nm.run(process.argv[3], process.argv.slice(4));\n');
    // Brings dist/ up to date with the sources.
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'run.mjs'), 'driver', 'show', 'kvm'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('an unwritable shrunk-cases/ is said before the search, whose verdicts are printed, then the error, exit 2 (a directory no file can be created in, even by root)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mnc-silent-ro-'));
    symlinkSync('/proc/self/fdinfo', join(cwd, 'shrunk-cases'));
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'run.mjs'), 'check', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '50', '--save'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/skip-all-end {2}\(seed 42, 50 runs\)\n {2}violated {2}StartEndPaired/);
    expect(r.stdout).toContain('✘ skip-all-end × StartEndPaired');
    const problem = /cannot save cases under shrunk-cases: .*shrunk-cases is not writable \(no file can be created there\)/;
    const err = r.stderr.split('\n').filter((l) => l !== '');
    expect(err[0]).toMatch(/^warning: --save: cannot save cases under shrunk-cases: .*; the search runs and prints its verdicts, but saves nothing \(exit 2\)$/);
    expect(err.slice(-2)[0]).toMatch(new RegExp(`^error: --save: ${problem.source}$`));
    expect(err.at(-1)).toBe('error: --save: 1 counterexample was not saved; the verdicts above stand');
  });

  it('a case that fails to save after the search: the verdicts first, then the error, exit 2, and no partial file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mnc-silent-full-'));
    const r = limited(cwd, 'check', ['--strategy', 'skip-all-end,call-all-end-2021', '--invariant', 'StartEndPaired', '--runs', '50', '--shortest-states', '0', '--save']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/skip-all-end {2}\(seed 42, 50 runs\)\n {2}violated {2}StartEndPaired/);
    expect(r.stdout).toMatch(/call-all-end-2021 {2}\(seed 42, 50 runs\)\n {2}holds {5}StartEndPaired/);
    expect(r.stdout).toContain('✘ skip-all-end × StartEndPaired');
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      'error: --save: cannot save the case under shrunk-cases: file too large for this process (a file-size limit) (EFBIG)',
      'error: --save: 1 counterexample was not saved; the verdicts above stand',
    ]);
    // No truncated case in its place, and no temporary file left.
    expect(existsSync(join(cwd, 'shrunk-cases')) ? readdirSync(join(cwd, 'shrunk-cases')) : []).toEqual([]);
  });

  it('schemas: a write that fails leaves the existing file as it was, not truncated', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mnc-silent-schemas-'));
    mkdirSync(join(cwd, 'out'));
    writeFileSync(join(cwd, 'out', 'scenario.schema.json'), 'old\n');
    const r = limited(cwd, 'schemas', ['--dir', 'out']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot write out\/scenario\.schema\.json: EFBIG\n$/);
    expect(readFileSync(join(cwd, 'out', 'scenario.schema.json'), 'utf8')).toBe('old\n');
    expect(readdirSync(join(cwd, 'out'))).toEqual(['scenario.schema.json']);
  });
});
