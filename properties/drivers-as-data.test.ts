/**
 * Drivers as data (engine/driver-format.ts): one definition format for presets and users'
 * drivers; every preset round-trips through it; the kernel's own HMM test driver (examples/
 * dmirror.json) holds beside KVM under mainline and its two buggy variants are caught; a saved
 * case embeds the driver files it uses, so it replays where the file is absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCase, toCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { check } from '../engine/check.ts';
import { catalogueWith, fromDriverDef, parseDriverFile, toDriverDef, type DriverFile } from '../engine/driver-format.ts';
import { presets, run } from '../model/index.ts';
import { notifiersArg } from '../scripts/cli.ts';
import { seed } from './seed.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const example = (name: string): DriverFile => {
  const r = parseDriverFile(JSON.parse(readFileSync(join(root, 'examples', `${name}.json`), 'utf8')));
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
};
const withKvm = (driver: string) => ({
  strategy: 'call-all-end-2021',
  reaper: 'nonblock-per-vma' as const,
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver, address: 512 }],
});

describe('the driver file format', () => {
  it.each(Object.keys(presets))('%s round-trips: the same programs, the same trace', (name) => {
    const file = { ...fromDriverDef(presets[name]), driver: `${name}-copy` };
    const parsed = parseDriverFile(JSON.parse(JSON.stringify(file)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    if (!parsed.ok) return;
    const def = toDriverDef(parsed.value);
    const { driver: _a, ...mine } = def;
    const { driver: _b, ...theirs } = presets[name];
    expect(mine).toEqual(theirs);
    const strategy = presets[name].hlist ? 'skip-all-end' : 'core-counter';
    // Two-pass ops exist only from v7.1 (docs/kernel.md §2.6).
    const kernel = presets[name].interval?.invalidate_finish !== undefined ? { kernel: 'v7.1' } : {};
    const sc = (driver: string) => ({ ...withKvm(driver), strategy, threads: ['oom_reaper', 'munmap'], ...kernel });
    const a = run(sc(name), []);
    const b = run(sc(`${name}-copy`), [], {}, catalogueWith([parsed.value]));
    expect(b.trace.map((s) => [s.thread, s.action])).toEqual(a.trace.map((s) => [s.thread, s.action]));
  });

  it("a label named like an Object.prototype member ('__proto__', 'toString') is a label like any other", () => {
    const kvm = fromDriverDef(presets.kvm);
    const start = kvm.hlist?.invalidate_range_start ?? [];
    for (const label of ['__proto__', 'toString']) {
      const file = { ...kvm, driver: 'kvm-labels', hlist: { ...kvm.hlist, invalidate_range_start: [{ op: 'jump', to: label }, `:${label}`, ...start] } };
      const parsed = parseDriverFile(JSON.parse(JSON.stringify(file)));
      expect(parsed.ok ? [] : parsed.problems).toEqual([]);
      if (!parsed.ok) return;
      expect(toDriverDef(parsed.value).hlist?.invalidate_range_start.labels[label]).toBe(1);
      // Steps past the jump into KVM's start, as the preset does (the model found no label at all before: exit 70).
      const r = run({ ...withKvm('kvm-labels'), threads: ['oom_reaper', 'munmap'] }, [], {}, catalogueWith([parsed.value]));
      expect(r.trace.some((x) => x.action === `B.invalidate_range_start: goto ${label}`)).toBe(true);
      expect(r.trace.some((x) => x.action === 'B.invalidate_range_start: mmu_invalidate_in_progress++')).toBe(true);
    }
  });

  it("--notifiers names any driver a file may define ('letters, digits, . _ -')", () => {
    expect(notifiersArg('kvm,my_drv.v2-1,B2=my_drv.v2-1@768', ['my_drv.v2-1'])).toEqual([
      { name: 'A', driver: 'kvm', address: 256 },
      { name: 'B', driver: 'my_drv.v2-1', address: 512 },
      { name: 'B2', driver: 'my_drv.v2-1', address: 768 },
    ]);
  });

  it('a malformed instruction is named precisely, not as "Invalid input"', () => {
    const kvm = fromDriverDef(presets.kvm);
    const problems = (start: unknown[]) => {
      const r = parseDriverFile({ ...kvm, driver: 'kvm-bad', hlist: { ...kvm.hlist, invalidate_range_start: start } });
      return r.ok ? [] : r.problems;
    };
    const ret = { op: 'ret', value: 0 };
    expect(problems([{ op: 'frobnicate' }, ret])).toEqual([expect.stringMatching(/^hlist\.invalidate_range_start\[0\]\.op: unknown op 'frobnicate' \(valid: lock, unlock, .*, ret\)$/)]);
    expect(problems([7, ret])).toEqual(["hlist.invalidate_range_start[0]: expected an instruction {\"op\": …} or a label ':name' (got 7)"]);
    expect(problems(['retry', ret])).toEqual(["hlist.invalidate_range_start[0]: a label ':name' (got 'retry')"]);
    expect(problems([{ op: 'jump', to: 99999 }, ret])).toEqual(['hlist.invalidate_range_start[0].to: expected string (got 99999)']);
    expect(problems([{ op: 'lock', lock: 'mmu_lock' }, ret])).toEqual([
      "hlist.invalidate_range_start[0].mode: missing (expected 'read' | 'write')",
      "hlist.invalidate_range_start[0].how: missing (expected 'lock' | 'trylock' | 'nbTrylock')",
    ]);
    // A known condition with a bad field (this looped until the stack ran out: exit 70), nested too.
    expect(problems([{ op: 'jump', to: 'x', if: { is: 'not', cond: { is: 'nonzero' } } }, ':x', ret])).toEqual(['hlist.invalidate_range_start[0].if.cond.counter: missing (expected string)']);
    expect(problems([{ op: 'jump', to: 'x', if: 5 }, ':x', ret])).toEqual(['hlist.invalidate_range_start[0].if: expected a condition {"is": …} (got 5)']);
    expect(problems([{ op: 'jump', to: 'x', if: { is: 'nope' } }, ':x', ret])).toEqual([
      "hlist.invalidate_range_start[0].if.is: unknown condition 'nope' (valid: nonblockable, intersects, nonzero, changed, above, below, not, any)",
    ]);
  });

  it('a program control can run past the end of is refused, with where and how to end it', () => {
    const kvm = fromDriverDef(presets.kvm);
    const withStart = (start: unknown[]) => parseDriverFile({ ...kvm, driver: 'kvm-end', hlist: { ...kvm.hlist, invalidate_range_start: start } });
    const problems = (start: unknown[]) => {
      const r = withStart(start);
      return r.ok ? [] : r.problems;
    };
    expect(problems([])).toEqual(["hlist.invalidate_range_start: a program with no instruction; it needs at least a 'ret'"]);
    expect(problems([{ op: 'zap' }])).toEqual(["hlist.invalidate_range_start[0]: the program can run past its last instruction ('zap'); end it with a 'ret', a 'retry' or a 'jump' without 'if'"]);
    expect(problems([{ op: 'jump', to: 'x', if: { is: 'nonblockable' } }, ':x'])).toEqual([
      "hlist.invalidate_range_start[0]: the program can run past its last instruction ('jump'); end it with a 'ret', a 'retry' or a 'jump' without 'if'",
      "hlist.invalidate_range_start[1]: label ':x' is after the last instruction; a jump to it would run past the end",
    ]);
    expect(problems([':top', { op: 'zap' }, { op: 'jump', to: 'top' }])).toEqual([]);
  });

  it("'gup' only in a fault or an ioctl program: in a callback the thread running it is the invalidator, not a user of the mm", () => {
    const kvm = fromDriverDef(presets.kvm);
    const r = parseDriverFile({ ...kvm, driver: 'kvm-gup', hlist: { ...kvm.hlist, release: [{ op: 'gup' }, { op: 'ret', value: 0 }] } });
    expect(r.ok ? [] : r.problems).toEqual(["hlist.release[0]: 'gup' only in a fault or ioctl program (it resolves the page a device faults on)"]);
    expect(parseDriverFile({ ...kvm, driver: 'kvm-gup', ioctl: [{ op: 'gup' }, { op: 'ret', value: 0 }] }).ok).toBe(true);
  });

  it('lists every problem of a bad file, each with its path', () => {
    const bad = {
      ...fromDriverDef(presets.kvm),
      driver: 'kvm-bad',
      hasend: true,
      locks: { mmu_lock: 'spinlok' },
      hlist: {
        invalidate_range_start: [{ op: 'lock', lock: 'mmu', mode: 'write', how: 'lock' }, { op: 'jump', to: 'nowhere' }, { op: 'ret', value: 0 }],
        invalidate_range_end: null,
        fault: [{ op: 'frobnicate' }],
      },
    };
    const r = parseDriverFile(bad);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.some((p) => p.startsWith('(top level)') && p.includes('hasend'))).toBe(true);
    expect(problems.some((p) => p.startsWith('locks.mmu_lock'))).toBe(true);
    expect(problems.some((p) => p.startsWith('hlist.fault[0]'))).toBe(true);
  });

  it('names unknown locks, counters and labels (after the shape is right)', () => {
    const r = parseDriverFile({
      ...fromDriverDef(presets.kvm),
      driver: 'kvm-bad',
      hlist: { invalidate_range_start: [{ op: 'lock', lock: 'mmu', mode: 'write', how: 'lock' }, { op: 'add', counter: 'nope', delta: 1 }, { op: 'jump', to: 'nowhere' }, { op: 'ret', value: 0 }], invalidate_range_end: null, fault: null },
    });
    expect(r.ok ? [] : r.problems).toEqual([
      "hlist.invalidate_range_start[0].lock: unknown lock 'mmu' (declared: mmu_lock)",
      "hlist.invalidate_range_start[1].counter: unknown counter 'nope' (declared: mmu_invalidate_in_progress, mmu_invalidate_seq)",
      "hlist.invalidate_range_start[2]: no label ':nowhere' in this program",
    ]);
  });
});

describe(`lib/test_hmm.c's dmirror as a driver file (seed ${seed})`, () => {
  const dmirror = example('dmirror');
  const variants = [example('dmirror-nb-mutex-lock'), example('dmirror-no-read-retry')];
  const catalogue = catalogueWith([dmirror, ...variants]);

  it('beside KVM it keeps every invariant under mainline (call-all-end-2021)', () => {
    const results = check([withKvm('dmirror')], { invariants: ['StartEndPaired', 'NonBlockingNeverSleeps', 'NoStaleSecondaryMapping', 'NoUseAfterFree', 'IntervalSeqProtocol', 'NoDeadlock', 'QuiescentBalanced', 'FaultLiveness'], seed, runs: 400, catalogue });
    expect(results.filter((c) => c.result.verdict !== 'holds').map((c) => `${c.result.invariant}: ${c.result.counterexample?.witness}`)).toEqual([]);
  });

  it.each([
    ['dmirror-nb-mutex-lock', 'NonBlockingNeverSleeps', /^oom_reaper sleeps in a non-blockable invalidation: lock\(B\.mutex\) \(outside non_block_start\/end: the debug check would not fire\)$/],
    ['dmirror-no-read-retry', 'NoStaleSecondaryMapping', /^B still maps page \d → frame \d but the primary PTE is empty/],
  ])('%s is caught by %s with a shrunk trace', (driver, invariant, witness) => {
    const [c] = check([withKvm(driver)], { invariants: [invariant], seed, runs: 400, catalogue });
    expect(c.result.verdict).toBe('violated');
    expect(c.result.counterexample?.witness).toMatch(witness);
    expect(c.result.counterexample?.steps).toBeLessThanOrEqual(c.result.counterexample?.fromSteps ?? 0);
  });

  it('a saved case embeds the driver file and replays with the stock catalogue plus what it carries', () => {
    const [c] = check([withKvm('dmirror-no-read-retry')], { invariants: ['NoStaleSecondaryMapping'], seed, runs: 400, catalogue });
    const saved = toCase(c.result.counterexample!, [dmirror, ...variants]);
    expect(saved.drivers?.map((d) => d.driver)).toEqual(['dmirror-no-read-retry']);
    const loaded = parseCase(JSON.parse(JSON.stringify(saved)));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(replayCase(loaded.value, undefined, catalogueWith(loaded.value.drivers ?? [])).kind).toBe('reproduced');
    expect(replayCase(loaded.value).kind).toBe('invalid'); // without the embedded file the driver is unknown
  });

  it('end to end: check --driver --save in one folder, replay in another that has no example file', () => {
    const env = { ...process.env, FC_SEED: '', NO_COLOR: '1' };
    const saveDir = mkdtempSync(join(tmpdir(), 'mnc-save-'));
    const run = join(root, 'scripts', 'run.mjs');
    const s = spawnSync(process.execPath, [run, 'check', '--driver', join(root, 'examples', 'dmirror-no-read-retry.json'), '--notifiers', 'kvm,dmirror-no-read-retry', '--strategy', 'call-all-end-2021', '--invariant', 'NoStaleSecondaryMapping', '--runs', '300', '--save'], { cwd: saveDir, encoding: 'utf8', env });
    expect(s.status, s.stderr).toBe(1);
    const [file] = readdirSync(join(saveDir, 'shrunk-cases'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'mnc-replay-'));
    writeFileSync(join(elsewhere, 'case.json'), readFileSync(join(saveDir, 'shrunk-cases', file)));
    const r = spawnSync(process.execPath, [run, 'replay', 'case.json'], { cwd: elsewhere, encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('violated NoStaleSecondaryMapping');
  });
});

describe('replay --driver: a case that names a driver it does not embed', () => {
  it('replays with the definition given; without it the name is unknown (exit 2); given twice it is refused', async () => {
    const { replayCaseCommand } = await import('../scripts/replay.ts');
    const { runCommand } = await import('../scripts/cli.ts');
    const run = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCommand(replayCaseCommand, argv, { stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (err += x) }, env: { NO_COLOR: '1' } });
      return { code, out, err };
    };
    const catalogue = catalogueWith([example('dmirror-no-read-retry')]);
    const [c] = check([withKvm('dmirror-no-read-retry')], { invariants: ['NoStaleSecondaryMapping'], seed, runs: 400, catalogue });
    const embedded = toCase(c.result.counterexample!, [example('dmirror-no-read-retry')]);
    const dir = mkdtempSync(join(tmpdir(), 'bare-'));
    const bare = join(dir, 'bare.json');
    const whole = join(dir, 'whole.json');
    writeFileSync(bare, JSON.stringify({ ...embedded, drivers: undefined }));
    writeFileSync(whole, JSON.stringify(embedded));
    const driverFile = join(root, 'examples', 'dmirror-no-read-retry.json');
    const without = await run([bare]);
    expect(without.code).toBe(2);
    expect(without.err).toMatch(/unknown 'dmirror-no-read-retry'/);
    const ok = await run([bare, '--driver', driverFile]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('NoStaleSecondaryMapping');
    const twice = await run([whole, '--driver', driverFile]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/--driver and .*embedded drivers: driver: 'dmirror-no-read-retry' is defined twice/);
  });
});
