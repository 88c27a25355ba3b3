/**
 * A driver's own assertions (issue #23 item 3; docs/kernel.md §8 INV-18 DriverAssertions):
 * `warn_on` / `bug_on` instructions over the driver's counters, and declared counter ranges,
 * judged like a built-in invariant — by both engines, selectable with `--invariant`, in the
 * text and mail reports, saved in a case that replays — and `driver check` validates them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { parseCase, toCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { catalogueWith, driverFileWarnings, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { search, searchAll } from '../engine/random.ts';
import { vacuous } from '../engine/result.ts';
import { exhaustiveTemplate } from '../engine/threadsets.ts';
import { ALL_INVARIANT_NAMES, DriverAssertions, INVARIANT_NAMES, resolve, runWorld } from '../model/index.ts';
import { checkCommand } from '../scripts/check.ts';
import { compareCommand } from '../scripts/compare.ts';
import { driverCommand } from '../scripts/driver.ts';
import { replayCaseCommand } from '../scripts/replay.ts';
import { seed } from './seed.ts';
import { inProcess } from './cli-support.ts';

const raw = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));
const file = (data: unknown): DriverFile => {
  const f = parseDriverFile(data);
  if (!f.ok) throw new Error(f.problems.join('\n'));
  return f.value;
};
const WARN = 'examples/finish-inuse-warn.json';
const RANGE = 'examples/finish-inuse-range.json';
const warn = file(raw(WARN));
const range = file(raw(RANGE));

const template = (driver: string): ScenarioTemplate => ({
  strategy: 'call-all-end-2021',
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver, address: 512 }],
});

/** The range example without its spinlock: the descriptor's counter can reach 2. */
const rangeUnlocked: DriverFile = {
  ...range,
  driver: 'finish-inuse-range-unlocked',
  locks: {},
  hlist: { ...range.hlist!, invalidate_range_start: range.hlist!.invalidate_range_start.filter((i) => typeof i === 'string' || (i.op !== 'lock' && i.op !== 'unlock')) },
};
/** The warn example with BUG_ON instead of WARN_ON. */
const bug: DriverFile = {
  ...warn,
  driver: 'finish-inuse-bug',
  hlist: { ...warn.hlist!, invalidate_range_start: warn.hlist!.invalidate_range_start.map((i) => (typeof i !== 'string' && i.op === 'warn_on' ? { ...i, op: 'bug_on' as const } : i)) },
};
const catalogue = catalogueWith([warn, range, rangeUnlocked, bug]);

const WARN_WITNESS = 'oom_reaper: WARN_ON(finish_inuse > 1) at B.invalidate_range_start[1] ("the flush descriptor is already in use"): finish_inuse = 2';

describe('warn_on: examples/finish-inuse-warn.json, two invalidations overlapping', () => {
  it('random: violated, shrunk to the 7-step overlap of the reaper and madvise', () => {
    const r = search(template(warn.driver), 'DriverAssertions', { seed, numRuns: 300, catalogue });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toBe(WARN_WITNESS);
    expect(r.counterexample?.steps).toBe(7);
    // The kernel's diagnostic is in the trace, at the last step.
    expect(r.counterexample?.trace.at(-1)?.diagnostics).toEqual(['WARN_ON: WARN_ON(finish_inuse > 1) at B.invalidate_range_start[1]: the flush descriptor is already in use (finish_inuse = 2)']);
  });

  it('exhaustive: violated, and 7 steps is the shortest over every set of up to 2 threads', () => {
    const [r] = exhaustiveTemplate(template(warn.driver), ['DriverAssertions'], { maxThreads: 2, catalogue });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.steps).toBe(7);
    expect(r.counterexample?.witness).toMatch(/^\S+: WARN_ON\(finish_inuse > 1\) at B\.invalidate_range_start\[1\]/);
  });

  it('one invalidation alone never fires it, and the check was reached (not vacuous)', () => {
    const [r] = exhaustiveTemplate({ ...template(warn.driver), threads: ['madvise'] }, ['DriverAssertions'], { catalogue });
    expect(r.verdict).toBe('holds');
    expect(r.goals?.driver_assertion_checked).toBeGreaterThan(0);
    expect(vacuous(r)).toBe(false);
  });

  it('bug_on: the same condition, and the thread is killed where it stands (outcome bug, its end never runs)', () => {
    const r = resolve({ ...template(bug.driver), threads: ['oom_reaper', 'madvise'] }, catalogue);
    if (!r.ok) throw new Error(r.error);
    const report = runWorld(r.world, r.state, ['oom_reaper', 'oom_reaper', 'oom_reaper', 'madvise', 'madvise', 'madvise', 'oom_reaper'], { invariants: [DriverAssertions] });
    const v = report.verdicts.DriverAssertions;
    expect(v).toMatchObject({ status: 'violated', step: 7, witness: 'oom_reaper: BUG_ON(finish_inuse > 1) at B.invalidate_range_start[1] ("the flush descriptor is already in use"): finish_inuse = 2' });
    const reaper = report.final.threads.find((t) => t.id === 'oom_reaper');
    expect(reaper).toMatchObject({ done: true, outcome: 'bug', call: null });
    expect(report.final.drivers.B.counters.finish_inuse).toBeGreaterThanOrEqual(1); // its end never gave the descriptor back
    expect(report.trace[6].diagnostics?.[0]).toMatch(/^BUG_ON: BUG_ON\(finish_inuse > 1\)/);
    expect(report.trace[6].events).toContain('kernel BUG at B.invalidate_range_start[1]: oom_reaper is killed');
  });
});

describe('declared counter ranges', () => {
  it('examples/finish-inuse-range.json: finish_inuse stays in [0, 1] in every interleaving (exhaustive, random), and the range was checked', () => {
    const [proof] = exhaustiveTemplate(template(range.driver), ['DriverAssertions'], { maxThreads: 2, catalogue });
    expect(proof.verdict).toBe('holds');
    expect(proof.goals?.driver_assertion_checked).toBeGreaterThan(0);
    expect(vacuous(proof)).toBe(false);
    const [sampled] = searchAll(template(range.driver), ['DriverAssertions'], { seed, numRuns: 200, catalogue });
    expect(sampled.verdict).toBe('holds');
    expect(vacuous(sampled)).toBe(false);
  });

  it('without its spinlock the counter leaves the range: violated, naming the counter and the range', () => {
    const [r] = exhaustiveTemplate(template(rangeUnlocked.driver), ['DriverAssertions'], { maxThreads: 2, catalogue });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toMatch(/^\S+: B\.finish_inuse = 2, outside its declared range \[0, 1\] \(invalidate_range_start\[0\]\)$/);
    expect(r.counterexample?.trace.at(-1)?.diagnostics).toEqual(['WARN_ON: WARN_ON(B.finish_inuse > 1)']);
  });

  it('a preset declares no assertion: DriverAssertions holds vacuously, and is not in the default list', () => {
    const [r] = exhaustiveTemplate({ ...template('gru'), threads: ['madvise', 'munmap'] }, ['DriverAssertions']);
    expect(r.verdict).toBe('holds');
    expect(vacuous(r)).toBe(true);
    expect(INVARIANT_NAMES).not.toContain('DriverAssertions');
    expect(ALL_INVARIANT_NAMES).toContain('DriverAssertions');
  });
});

const CHECK = ['--driver', WARN, '--notifiers', `kvm,${warn.driver}`, '--strategy', 'call-all-end-2021', '--runs', '200'];

describe('check, --invariant, mail, saved cases', () => {
  it('check judges DriverAssertions by default when a driver file states assertions, and only then', async () => {
    const mine = await inProcess(checkCommand, [...CHECK, '--json']);
    expect(mine.code).toBe(1);
    const names = (JSON.parse(mine.out) as { results: { invariant: string; verdict: string }[] }).results.map((r) => [r.invariant, r.verdict]);
    expect(names).toContainEqual(['DriverAssertions', 'violated']);
    expect(names).toHaveLength(INVARIANT_NAMES.length + 1);
    const preset = await inProcess(checkCommand, ['--notifiers', 'kvm,gru', '--strategy', 'call-all-end-2021', '--runs', '20', '--json']);
    expect((JSON.parse(preset.out) as { results: { invariant: string }[] }).results.map((r) => r.invariant)).toEqual([...INVARIANT_NAMES]);
  });

  it('--invariant DriverAssertions selects it alone; the text report shows the witness and the WARN_ON', async () => {
    const r = await inProcess(checkCommand, [...CHECK, '--invariant', 'DriverAssertions']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/violated {2}DriverAssertions/);
    expect(r.out).not.toMatch(/StartEndPaired/);
    expect(r.out).toContain(`✘ call-all-end-2021 × DriverAssertions: ${WARN_WITNESS}`);
    expect(r.out).toContain('WARN_ON: WARN_ON(finish_inuse');
    expect((await inProcess(checkCommand, [...CHECK, '--invariant', 'DriverAsertions'])).err).toMatch(/unknown invariant 'DriverAsertions' \(did you mean 'DriverAssertions'\?\)/);
  });

  it('--format mail carries it within 72 columns', async () => {
    const r = await inProcess(checkCommand, [...CHECK, '--invariant', 'DriverAssertions', '--format', 'mail']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('DriverAssertions');
    expect(r.out).toMatch(/WARN_ON\(finish_inuse > 1\)/);
    expect(r.out.split('\n').filter((l) => l.length > 72)).toEqual([]);
  });

  it('compare --invariant DriverAssertions: a cell of its own, broken "by the drivers" under every strategy, with the witness', async () => {
    const r = await inProcess(compareCommand, ['--driver', WARN, '--notifiers', `kvm,${warn.driver}`, '--invariant', 'DriverAssertions', '--strategy', 'call-all-end-2021,skip-all-end', '--max-threads', '1', '--runs', '30', '--json']);
    const results = (JSON.parse(r.out) as { results: { strategy: string; invariant: string; verdict: string; violatedIn: { steps: number; witness: string; cause: string }[] }[] }).results;
    expect(results.map((x) => [x.strategy, x.invariant, x.verdict])).toEqual([
      ['call-all-end-2021', 'DriverAssertions', 'violated'],
      ['skip-all-end', 'DriverAssertions', 'violated'],
    ]);
    for (const x of results) expect(x.violatedIn).toEqual([expect.objectContaining({ steps: 7, witness: WARN_WITNESS, cause: 'driver' })]);
  });

  it('a saved case carries the invariant and the driver, and replays exactly (API and `replay`)', async () => {
    const r = search(template(warn.driver), 'DriverAssertions', { seed, numRuns: 300, catalogue });
    const c = toCase(r.counterexample!, [warn]);
    const loaded = parseCase(JSON.parse(JSON.stringify(c)));
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.value.expect).toEqual({ invariant: 'DriverAssertions', verdict: 'violated', witness: WARN_WITNESS });
    expect(replayCase(loaded.value, undefined, catalogueWith(loaded.value.drivers ?? []))).toMatchObject({ kind: 'reproduced', witness: WARN_WITNESS, step: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'driver-asserts-'));
    const path = join(dir, 'case.json');
    writeFileSync(path, JSON.stringify(c));
    const replayed = await inProcess(replayCaseCommand, [path]);
    expect(replayed.code, replayed.err).toBe(0); // reproduced
    expect(replayed.out).toContain('DriverAssertions');
    expect(replayed.out).toContain(WARN_WITNESS);
    // Tampered witness: drift, not a silent pass.
    writeFileSync(path, JSON.stringify({ ...c, expect: { ...c.expect, witness: WARN_WITNESS.replace('= 2', '= 3') } }));
    expect((await inProcess(replayCaseCommand, [path])).code).not.toBe(0);
  });
});

describe('driver check', () => {
  it('accepts the examples, warn_on, bug_on and the comparison forms', async () => {
    const r = await inProcess(driverCommand, ['check', WARN, RANGE]);
    expect(r).toMatchObject({ code: 0, out: 'finish-inuse-warn: ok\nfinish-inuse-range: ok\n', err: '' });
    expect(driverFileWarnings(bug)).toEqual([]);
    const below = { ...warn, hlist: { ...warn.hlist!, invalidate_range_end: [{ op: 'add', counter: 'finish_inuse', delta: -1 }, { op: 'bug_on', if: { is: 'any', conds: [{ is: 'below', counter: 'finish_inuse', value: 0 }, { is: 'not', cond: { is: 'above', counter: 'finish_inuse', value: -5 } }] } }, { op: 'ret', value: 0 }] } };
    expect(parseDriverFile(below).ok).toBe(true);
  });

  it.each([
    ['no condition', { op: 'warn_on', message: 'x' }, /invalidate_range_start\[1\]\.if: expected a condition/],
    ['an unknown counter', { op: 'warn_on', if: { is: 'above', counter: 'finish_inuze', value: 1 } }, /invalidate_range_start\[1\]\.if\.counter: unknown counter 'finish_inuze' \(declared: finish_inuse\)/],
    ['a comparison without its value', { op: 'bug_on', if: { is: 'above', counter: 'finish_inuse' } }, /invalidate_range_start\[1\]\.if\.value: missing/],
    ['a value that is not an integer', { op: 'bug_on', if: { is: 'below', counter: 'finish_inuse', value: 0.5 } }, /invalidate_range_start\[1\]\.if\.value/],
    ['an unknown key', { op: 'warn_on', if: { is: 'nonblockable' }, msg: 'x' }, /invalidate_range_start\[1\]\.msg: unknown key|invalidate_range_start\[1\]: .*msg/],
    ['an unknown condition', { op: 'warn_on', if: { is: 'greater', counter: 'finish_inuse', value: 1 } }, /invalidate_range_start\[1\]\.if\.is: unknown condition 'greater' \(valid: .*above, below/],
  ])('refuses a malformed assertion: %s', (_, bad, message) => {
    const data = raw(WARN) as { hlist: { invalidate_range_start: unknown[] } };
    data.hlist.invalidate_range_start[1] = bad;
    const r = parseDriverFile(data);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toMatch(message);
  });

  it('an `any` of 100,000 conditions that driver check accepts: check prints its trace in lines of bounded width (it used to end in exit 70, a stack overflow in the renderer)', async () => {
    const data = raw(WARN) as { hlist: { invalidate_range_start: { if?: unknown }[] } };
    data.hlist.invalidate_range_start[1].if = { is: 'any', conds: Array.from({ length: 100_000 }, () => ({ is: 'above', counter: 'finish_inuse', value: 1 })) };
    const dir = mkdtempSync(join(tmpdir(), 'driver-asserts-'));
    const path = join(dir, 'wide-any.json');
    writeFileSync(path, JSON.stringify(data));
    expect(await inProcess(driverCommand, ['check', path])).toMatchObject({ code: 0 });
    const r = await inProcess(checkCommand, ['--driver', path, '--notifiers', 'kvm,finish-inuse-warn', '--strategy', 'call-all-end-2021', '--invariant', 'DriverAssertions', '--threads', 'oom_reaper,madvise', '--exhaustive']);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toContain('finish_inuse > 1 || … (99992 more of 100000)');
    expect(Math.max(...r.out.split('\n').map((l) => l.length))).toBeLessThan(400);
  });

  it('names, labels and messages are bounded, and a bad counter name is named as such', () => {
    const data = raw(WARN) as { counters: Record<string, unknown>; hlist: { invalidate_range_start: { message?: string }[] } };
    data.counters['c'.repeat(65)] = { balanced: true };
    data.hlist.invalidate_range_start[1].message = 'x'.repeat(201);
    const r = parseDriverFile(data);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.join('\n')).toMatch(/counters\.c{65}: the name is invalid: too big: expected string to have <=64 characters/);
      expect(r.problems.join('\n')).toMatch(/invalidate_range_start\[1\]\.message: Too big: expected string to have <=200 characters/);
    }
  });

  it('refuses an empty declared range, and the CLI exits 2 naming it', async () => {
    const data = raw(RANGE) as { counters: Record<string, unknown> };
    data.counters.finish_inuse = { balanced: true, min: 2, max: 1 };
    const dir = mkdtempSync(join(tmpdir(), 'driver-asserts-'));
    const path = join(dir, 'empty-range.json');
    writeFileSync(path, JSON.stringify(data));
    const r = await inProcess(driverCommand, ['check', path]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('counters.finish_inuse: min 2 is above max 1; the range would be empty');
  });
});
