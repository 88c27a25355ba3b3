/**
 * The CLI contract (docs/design.md §6): exit codes 0/1/2/3, the JSON object, determinism under a
 * seed, and one-line errors for bad input. Each case spawns `node --import tsx` (~1 s); one goes
 * through the `tsx` wrapper the npm scripts use. properties/cli-hostile.test.ts holds the corpus
 * of bad input, the closed stdout and SIGINT.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/check.ts';
import { replayCaseCommand } from '../scripts/replay.ts';
import { inProcess } from './cli-support.ts';

const env = { ...process.env, FC_SEED: '', NO_COLOR: '1' };
const cli = (script: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join('scripts', 'run.mjs'), script, ...args], { encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
};


it('through `npm run` and through tsx on the script itself: bad input is exit 2 and one line', () => {
  for (const [cmd, args] of [['npm', ['run', '-s', 'check', '--', '--runs', '0x10']], [join('node_modules', '.bin', 'tsx'), [join('scripts', 'check.ts'), '--runs', '0x10']]] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env });
    expect(r.status, `${cmd} ${args.join(' ')}`).toBe(2);
    expect(r.stderr).toMatch(/^error: --runs: expected an integer from 1 to 1000000 \(decimal digits\), got '0x10'\n$/);
  }
});

it('an unknown command of scripts/run.mjs is exit 2, naming the commands', () => {
  const r = spawnSync(process.execPath, [join('scripts', 'run.mjs'), 'chekc'], { encoding: 'utf8', env });
  expect(r.status).toBe(2);
  expect(r.stderr).toBe("error: no command 'chekc' (commands: bench, check, compare, corpus, driver, replay, schemas)\n");
});

describe('npm run check', () => {
  it('counts the strategies it skips, not their problems: two odp-4.20s keep only core-counter out', async () => {
    const r = await inProcess(checkCommand, ['--notifiers', 'odp-4.20,odp-4.20', '--invariant', 'StartEndPaired', '--runs', '5', '--shortest-states', '0']);
    expect(r.err).toMatch(/^skipped 1 strategies that cannot run these notifiers \(notifiers\[0\]\.driver: 'odp-4\.20' has no interval-notifier form/);
    expect(r.out.match(/^\S+ {2}\(seed /gm)).toHaveLength(5);
  });
  it('skip-all-end with kvm,odp-4.20 exits 1 and --json gives the counterexample', () => {
    const r = cli('check', '--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'StartEndPaired', '--runs', '100', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.results).toHaveLength(1);
    expect(j.results[0]).toMatchObject({ strategy: 'skip-all-end', invariant: 'StartEndPaired', verdict: 'violated', engine: 'random' });
    expect(j.results[0].counterexample.steps).toBe(10);
    expect(j.results[0].counterexample.trace).toHaveLength(10);
  });
  it('a --json object larger than a pipe buffer arrives whole', () => {
    const r = cli('check', '--strategy', 'call-all-end-2021,skip-all-end,call-all-end-2019,sorted-undo', '--notifiers', 'hmm-5.3', '--runs', '200', '--json');
    expect(r.out.length).toBeGreaterThan(65536);
    expect(JSON.parse(r.out).results).toHaveLength(72);
  });
  it('the same seed gives the same counterexample', () => {
    const a = JSON.parse(cli('check', '--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'QuiescentBalanced', '--runs', '50', '--seed', '7', '--json').out);
    const b = JSON.parse(cli('check', '--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'QuiescentBalanced', '--runs', '50', '--seed', '7', '--json').out);
    expect(a.results[0].counterexample.schedule).toEqual(b.results[0].counterexample.schedule);
    expect(a.results[0].counterexample.trace).toEqual(b.results[0].counterexample.trace);
  });
  it('call-all-end-2021 with kvm,gntdev exits 0 (a failing notifier with no end, as v5.12 requires)', () => {
    const r = cli('check', '--strategy', 'call-all-end-2021', '--notifiers', 'kvm,gntdev', '--runs', '150');
    expect(r.code).toBe(0);
    expect(r.out).toContain('holds');
    expect(r.out).not.toContain('violated');
  });
  it.each([
    [['--strategy', 'nope'], /^error: unknown strategy 'nope' \(valid: skip-all-end, .*core-counter\)$/],
    [['--invariant', 'Nope'], /^error: unknown invariant 'Nope' \(valid: StartEndPaired, /],
    [['--notifiers', 'kvm,floppy'], /^error: unknown driver 'floppy'/],
    [['--bogus'], /^error: Unknown option '--bogus'/],
    [['--runs', 'many'], /^error: --runs: expected an integer/],
    [['--strategy', 'core-counter', '--notifiers', 'odp-4.20'], /no interval-notifier form/],
    [['--threads', 'fault:Z'], /^error: threads: 'fault:Z' is not a thread of this scenario/],
    [['--scenario', 'shrunk-cases'], /^error: shrunk-cases: is a directory, not a file$/],
  ])('bad input %j exits 2 with one line', async (args, msg) => {
    const r = await inProcess(checkCommand, args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err.trim()).toMatch(msg);
  });
  it('--scenario reads a file with knobs; a malformed one is a one-line error', () => {
    const d = mkdtempSync(join(tmpdir(), 'mnc-'));
    const good = join(d, 'ab.json');
    writeFileSync(good, JSON.stringify({ strategy: 'skip-all-end', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 1 }, { name: 'B', driver: 'odp-4.20', address: 2 }], threads: ['oom_reaper'], knobs: { faultRetryBound: 2 } }));
    expect(cli('check', '--scenario', good, '--invariant', 'StartEndPaired', '--runs', '20').code).toBe(1);
    const bad = join(d, 'bad.json');
    writeFileSync(bad, '{"strategy": "skip-all-end", "vmas": [');
    const r = cli('check', '--scenario', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: .*bad\.json: not valid JSON/);
  });
});

describe('npm run compare', () => {
  it('--notifiers with --driver in a process: the driver file crosses into the worker as data; --json has the decision and every cause', () => {
    const r = cli('compare', '--driver', join('examples', 'dmirror.json'), '--notifiers', 'kvm,i915-4.19,odp-5.5,dmirror', '--strategy', 'skip-all-end,call-all-end-2021', '--runs', '30', '--max-threads', '0', '--json'); // sampling only: the driver's crossing is what is tested
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ format: 'mmu-notifier-checker/compare-result@1', userScenario: 'kvm,i915-4.19,odp-5.5,dmirror' });
    expect(j.decision.perStrategy.map((s: { strategy: string }) => s.strategy)).toEqual(['skip-all-end', 'call-all-end-2021']);
    expect(j.results.every((c: { familiesRun: number }) => c.familiesRun === 1)).toBe(true);
    const causes = j.results.flatMap((c: { violatedIn: { cause: string }[] }) => c.violatedIn.map((v) => v.cause));
    expect(causes.length).toBeGreaterThan(0);
    for (const c of causes) expect(['strategy', 'driver']).toContain(c);
    expect(r.code).toBe(1);
  });
});

describe('npm run replay', () => {
  const file = join('shrunk-cases', 'skip-all-end__StartEndPaired__kvm_odp-4.20_ioctl-B.json');
  it('reproduces a saved case (exit 0) and prints its timeline', () => {
    const r = cli('replay', file);
    expect(r.code).toBe(0);
    expect(r.out).toContain('violated StartEndPaired at step 10');
  });
  it('an edited schedule is drift: exit 3 naming the first differing step', () => {
    const d = mkdtempSync(join(tmpdir(), 'mnc-'));
    const c = JSON.parse(readFileSync(file, 'utf8'));
    c.schedule = ['oom_reaper'];
    const edited = join(d, 'edited.json');
    writeFileSync(edited, JSON.stringify(c));
    const r = cli('replay', edited);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^drift: .* at step 1 \(thread\): recorded 'ioctl:B: B.ioctl: lock\(umem_rwsem\)', now 'oom_reaper: mmap_read_trylock'/);
  });
  it('--mermaid prints only a sequence diagram on stdout', () => {
    const r = cli('replay', file, '--mermaid');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    for (const l of lines.slice(1)) expect(l).toMatch(/^  (participant \S+ as .+|\S+->>\S+: .+|Note over \S+: .+)$/);
  });

  describe('bad case files: exit 2, one line naming the file and the problem', () => {
    const d = mkdtempSync(join(tmpdir(), 'mnc-bad-'));
    const good = JSON.parse(readFileSync(file, 'utf8'));
    const write = (name: string, text: string) => {
      writeFileSync(join(d, name), text);
      return join(d, name);
    };
    it.each([
      ['malformed.json', '{ "format": ', /malformed\.json: not valid JSON/],
      ['truncated.json', JSON.stringify(good).slice(0, 200), /truncated\.json: not valid JSON/],
      ['format.json', JSON.stringify({ ...good, format: 'mmu-notifier-checker/case@9' }), /format\.json: format: unknown 'mmu-notifier-checker\/case@9'/],
      ['missing.json', JSON.stringify({ ...good, scenario: undefined }), /missing\.json: scenario: /],
      ['thread.json', JSON.stringify({ ...good, schedule: ['fault:Z'] }), /thread\.json: schedule\[0\]: 'fault:Z' is not one of the scenario's threads/],
      ['strategy.json', JSON.stringify({ ...good, scenario: { ...good.scenario, strategy: 'nope' } }), /strategy\.json: scenario\.strategy: unknown 'nope'/],
    ])('%s', async (name, text, msg) => {
      const r = await inProcess(replayCaseCommand, [write(name, text)]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(msg);
    });
  });
});


describe('npm run check --exhaustive (docs/design.md §4)', () => {
  it('without fixed threads: every thread set up to --max-threads, all invariants in one pass, "holds" only when complete', () => {
    const r = cli('check', '--strategy', 'call-all-end-2021', '--notifiers', 'kvm', '--exhaustive', '--max-threads', '2', '--json');
    expect(r.code, r.err).toBe(0);
    const { results } = JSON.parse(r.out);
    expect(results).toHaveLength(18);
    for (const row of results) {
      expect(row).toMatchObject({ engine: 'exhaustive', verdict: 'holds', bound: null });
      expect(row.threadSets.length).toBeGreaterThan(3);
      expect(row.threadSets.every((ts: string[]) => ts.length <= 2)).toBe(true);
      expect(row.states).toBeGreaterThan(100);
    }
  });

  it('a state bound that cuts the search says so: holds-up-to-bound, bound "states", the text says which bound, and it exits 4, not 0', () => {
    const args = ['--strategy', 'call-all-end-2021', '--notifiers', 'kvm', '--threads', 'oom_reaper,fault:A,munmap', '--invariant', 'StartEndPaired', '--exhaustive', '--max-states', '50'];
    const json = cli('check', ...args, '--json');
    expect(json.code, json.err).toBe(4);
    expect(JSON.parse(json.out).results[0]).toMatchObject({ verdict: 'holds-up-to-bound', bound: 'states', threadSets: null });
    const text = cli('check', ...args);
    expect(text.code).toBe(4);
    expect(text.out).toMatch(/holds ≤ bound\s+StartEndPaired\s+\d+ states, cut by the states bound/);
  });

  it('exit 4 for every bound (states, depth, memory), over generated thread sets too; the text names the thread-count bound searched', async () => {
    const base = ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--exhaustive'];
    const states = await inProcess(checkCommand, [...base, '--max-states', '1']);
    expect(states.code, states.err).toBe(4);
    expect(states.out).not.toMatch(/violated/);
    expect(states.out).toMatch(/holds ≤ bound {2}StartEndPaired +\d+ states over \d+ thread sets of up to 3 threads, cut by the states bound/);
    const depth = await inProcess(checkCommand, [...base, '--invariant', 'StartReturnContract', '--max-threads', '1', '--depth', '2', '--json']);
    expect(depth.code, depth.err).toBe(4);
    expect(JSON.parse(depth.out).results[0]).toMatchObject({ verdict: 'holds-up-to-bound', bound: 'depth' });
    const memory = await inProcess(checkCommand, [...base, '--invariant', 'StartReturnContract', '--threads', 'oom_reaper,ioctl:B,madvise', '--max-memory', '16', '--json']);
    expect(memory.code, memory.err).toBe(4);
    expect(JSON.parse(memory.out).results[0]).toMatchObject({ verdict: 'holds-up-to-bound', bound: 'memory' });
    // A complete search is exit 0, and says how many threads its sets have at most.
    const complete = await inProcess(checkCommand, [...base, '--invariant', 'StartReturnContract', '--max-threads', '1']);
    expect(complete.code, complete.err).toBe(0);
    expect(complete.out).toMatch(/holds +StartReturnContract \d+ states over 4 thread sets of up to 1 thread, every interleaving/);
  });

  it('a violation is exit 1 even when a bound cut another invariant\'s search', async () => {
    // StartEndPaired breaks in 10 steps on the A/B pair; a 3,000-state cut leaves other invariants "holds ≤ bound".
    const r = await inProcess(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--threads', 'oom_reaper,ioctl:B,madvise', '--invariant', 'StartEndPaired,StartReturnContract', '--exhaustive', '--max-states', '3000', '--json']);
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out).results.map((x: { verdict: string }) => x.verdict)).toEqual(['violated', 'holds-up-to-bound']);
  });
});

it('check --stats: the --json object carries, per strategy, what the same seed and runs exercised', async () => {
  const r = await inProcess(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'NoCounterUnderflow', '--runs', '50', '--stats', '--json']);
  expect(r.code, r.err).toBe(0);
  const { stats } = JSON.parse(r.out);
  expect(stats).toHaveLength(1);
  expect(stats[0]).toMatchObject({ strategy: 'skip-all-end', runs: 50 });
  expect(stats[0].actions.invalidate_range_start).toBeGreaterThan(0);
  expect(Object.keys(stats[0].instructions).some((k) => k.startsWith('odp-4.20 invalidate_range_start['))).toBe(true);
  // With --exhaustive, counted over the state space instead (properties/stats.test.ts).
  expect(stats[0].engine).toBe('random');
});

describe('a --scenario file may carry its drivers inline (the driver@1 format, docs/design.md §3.4)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inline-'));
  const variant = JSON.parse(readFileSync(join('examples', 'dmirror-no-read-retry.json'), 'utf8'));
  const scenarioWith = (drivers: unknown[]) => {
    const file = join(dir, `sc-${drivers.length}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'D', driver: 'dmirror-no-read-retry', address: 512, interval: { start: 0, end: 4 } }], threads: ['munmap', 'fault:D'], drivers }));
    return file;
  };

  it('check runs the inline driver: the variant without mmu_interval_read_retry is caught', async () => {
    const r = await inProcess(checkCommand, ['--scenario', scenarioWith([variant]), '--strategy', 'call-all-end-2021', '--invariant', 'NoStaleSecondaryMapping', '--runs', '2000', '--json']);
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out).results[0].verdict).toBe('violated');
  });

  it('without it the name is unknown; a --driver file that defines the same name differently is refused', async () => {
    const missing = await inProcess(checkCommand, ['--scenario', scenarioWith([]), '--strategy', 'call-all-end-2021']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/unknown 'dmirror-no-read-retry'/);
    const clash = await inProcess(checkCommand, ['--scenario', scenarioWith([{ ...variant, summary: 'another one' }]), '--driver', join('examples', 'dmirror-no-read-retry.json'), '--strategy', 'call-all-end-2021']);
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/--driver and the scenario's drivers: .*dmirror-no-read-retry/);
  });
});
