/**
 * What `check` prints to be run again: the `replay:` line carries every flag that defines the
 * scenario (--reaper too), quoted for the shell; with --time-limit the header and the replay
 * line give the runs actually done, not the runs asked for.
 */
import { describe, expect, it } from 'vitest';
import type { Checked } from '../engine/check.ts';
import type { Counterexample } from '../engine/result.ts';
import { checkText, replayCommand, type CheckInvocation } from '../report/check.ts';
import { escapeText, shellWord } from '../report/escape.ts';
import { checkCommand } from '../scripts/check.ts';
import { runCommand, type Io } from '../scripts/cli.ts';

const how: CheckInvocation = { seed: 42, runs: 1000, exhaustive: false, depth: 60, notifiers: 'kvm,i915-4.19' };
const row = { strategy: 'skip-all-end', invariant: 'NoUseAfterFree' };

describe('the replay line', () => {
  it('repeats --reaper when it is not the default, and never with --scenario (the file holds it)', () => {
    expect(replayCommand(row, { ...how, reaper: 'no-notify' })).toBe('npm run check -- --strategy skip-all-end --invariant NoUseAfterFree --seed 42 --notifiers kvm,i915-4.19 --reaper no-notify --runs 1000');
    expect(replayCommand(row, { ...how, reaper: 'nonblock-per-vma' })).not.toContain('--reaper');
    // The pass's budget decides the length printed: a replay repeats it.
    expect(replayCommand(row, { ...how, shortest: 700000 })).toBe('npm run check -- --strategy skip-all-end --invariant NoUseAfterFree --seed 42 --notifiers kvm,i915-4.19 --runs 1000 --shortest-states 700000');
    expect(replayCommand(row, { ...how, reaper: 'no-notify', scenarioFile: 'sc.json' })).not.toContain('--reaper');
  });
  it('repeats every --driver file, so the scenario\'s drivers exist when it runs again', () => {
    expect(replayCommand(row, { ...how, notifiers: 'kvm,dmirror', drivers: ['examples/dmirror.json', 'my drivers/x.json'] })).toBe(
      "npm run check -- --strategy skip-all-end --invariant NoUseAfterFree --seed 42 --driver examples/dmirror.json --driver 'my drivers/x.json' --notifiers kvm,dmirror --runs 1000",
    );
  });
  it('quotes what the shell would split or expand', () => {
    expect(replayCommand(row, { ...how, scenarioFile: 'my scenarios/it’s $HOME.json' })).toContain(`--scenario 'my scenarios/it’s $HOME.json'`);
    expect(shellWord("a'b")).toBe(`'a'\\''b'`);
    expect(shellWord('x\ny')).toBe(`$'x\\x0ay'`);
    expect(escapeText('\u0000\u001b[2J\ufeff\u202eok é')).toBe('\\x00\\x1b[2J\\u{feff}\\u{202e}ok é');
  });
});

describe('with --time-limit, the runs done', () => {
  const cx = { invariant: 'NoUseAfterFree', witness: 'w', scenario: { strategy: 'skip-all-end', reaper: 'no-notify', vmas: [], notifiers: [], threads: ['oom_reaper'] }, schedule: [], trace: [], steps: 2, contextSwitches: 0, fromSteps: 2, fromSwitches: 0, provenance: { foundWith: 'random', seed: 42, path: '1', runs: 7 } } as unknown as Counterexample;
  const violated = (runs: number): Checked => ({ strategy: 'skip-all-end', result: { engine: 'random', invariant: 'NoUseAfterFree', verdict: 'violated', runs, ms: 5, counterexample: cx }, file: null });
  const held = (runs: number): Checked => ({ strategy: 'skip-all-end', result: { engine: 'random', invariant: 'NoDeadlock', verdict: 'holds', runs, ms: 900, counterexample: null }, file: null });

  it('an invariant that held ran them all: its count is exact, and the replay line asks for that many', () => {
    const text = checkText([violated(7), held(4321)], { ...how, runs: 1_000_000, timeLimit: 5, reaper: 'no-notify' });
    expect(text).toContain('skip-all-end  (seed 42, 4321 runs of 1000000, time limit 5 s)');
    expect(text).toContain('--reaper no-notify --runs 4321');
    expect(text).not.toContain('1000000 runs)');
  });
  it('all violated: at least what the search reported, marked as a lower bound', () => {
    const text = checkText([violated(7)], { ...how, runs: 1_000_000, timeLimit: 5, runsSeen: { 'skip-all-end': 2500 } });
    expect(text).toContain('skip-all-end  (seed 42, ≥2500 runs of 1000000, time limit 5 s)');
    expect(text).toContain('--runs 2500');
  });
  it('all done within the limit: the header is the usual one', () => {
    expect(checkText([held(1000)], { ...how, timeLimit: 60 })).toContain('skip-all-end  (seed 42, 1000 runs)\n');
  });

  it('end to end: --reaper and --time-limit as the command prints them', async () => {
    let out = '';
    const io: Io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => 0 }, env: { NO_COLOR: '1' } };
    const code = await runCommand(checkCommand, ['--strategy', 'skip-all-end', '--reaper', 'no-notify', '--notifiers', 'kvm,i915-4.19', '--invariant', 'NoUseAfterFree,StartEndPaired', '--runs', '1000000', '--time-limit', '1'], io);
    expect(code).toBe(1);
    const header = /^skip-all-end {2}\(seed 42, ≥?(\d+) runs of 1000000, time limit 1 s\)$/m.exec(out);
    expect(header, out).not.toBeNull();
    const done = Number(header?.[1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(1_000_000);
    expect(out).toContain(`replay: npm run check -- --strategy skip-all-end --invariant NoUseAfterFree --seed 42 --notifiers kvm,i915-4.19 --reaper no-notify --runs ${done}`);
  });
});

describe('--shortest-states: the shortest pass is what makes a counterexample short', () => {
  const checkLockOrder = async (extra: string[]) => {
    let out = '';
    const io: Io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => 0 }, env: { NO_COLOR: '1' }, inline: true };
    const code = await runCommand(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'LockOrder', ...extra], io);
    return { code, out, steps: Number(/; (\d+) steps/.exec(out)?.[1]) };
  };
  it('off, the shrunk trace is printed as it is, saying how to search further; by default, the shortest the threads allow', async () => {
    const off = await checkLockOrder(['--shortest-states', '0']);
    const on = await checkLockOrder([]);
    expect([off.code, on.code]).toEqual([1, 1]);
    expect(on.steps).toBe(6); // the matrix's ab-pair LockOrder cell
    expect(off.steps).toBeGreaterThan(on.steps);
    expect(off.out).toMatch(/\(not shortened: --shortest-states 0; --exhaustive --threads \S+ finds the fewest steps these threads allow, within --max-states\)/);
    expect(off.out).toContain('--runs 1000 --shortest-states 0');
    expect(on.out).toContain('6 steps (shrunk from ');
    expect(on.out).toContain(', the fewest these threads allow, ');
    expect(on.out).not.toContain('--shortest-states');
  });
  it('a small budget: the pass stops at it, the counterexample says so, and the replay line repeats the flag', async () => {
    const small = await checkLockOrder(['--shortest-states', '5']);
    expect(small.code).toBe(1);
    expect(small.out).not.toContain('the fewest these threads allow');
    expect(small.out).toMatch(/\(these threads may allow fewer steps: the shortest pass stopped at its budget of 5 states; try a larger --shortest-states, or --exhaustive --threads \S+\)/);
    expect(small.out).toContain('--runs 1000 --shortest-states 5');
  });
});

describe('the timeline fits the terminal', () => {
  const timelineRows = (out: string) => out.split('\n').filter((l) => l.includes('│'));
  const checkWith = async (stdout: Partial<Io['stdout']>) => {
    let out = '';
    const io: Io = { stdout: { ...stdout, write: (s: string) => (out += s) }, stderr: { write: () => 0 }, env: { NO_COLOR: '1' }, inline: true };
    const code = await runCommand(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'StartEndPaired', '--runs', '100'], io);
    return { code, out };
  };
  it.each([64, 160])('process.stdout.columns = %i: every timeline row fits, every action whole', async (columns) => {
    const r = await checkWith({ isTTY: true, columns });
    expect(r.code).toBe(1);
    const rows = timelineRows(r.out);
    expect(rows.length).toBeGreaterThan(10);
    for (const l of rows) expect(l.length, l).toBeLessThanOrEqual(columns);
    expect(r.out).not.toContain('…');
    // The action of the violating step, read back over its continuation lines.
    const squeezed = rows.map((l) => l.split(/ │(?: |$)/)[1] ?? '').join('').replace(/\s+/g, '');
    expect(squeezed).toContain('A.invalidate_range_start:return0');
  });
  it('not a terminal: 100 columns', async () => {
    const r = await checkWith({});
    for (const l of timelineRows(r.out)) expect(l.length, l).toBeLessThanOrEqual(100);
    expect(Math.max(...timelineRows(r.out).map((l) => l.length))).toBeGreaterThan(80);
  });
});
