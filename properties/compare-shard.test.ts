/**
 * `compare --shard K/N --json` and `compare --merge FILE…` (issue #23 item 6, docs/design.md
 * §6): the shards of one run, merged, print what the run prints unsharded (text, --json, mail,
 * Markdown; timings aside: a counterexample's ms differ run to run) with its exit code; shards
 * that are not one run's N parts are refused, every problem named. Run through the command
 * itself (runCommand, engine inline), small: one-thread proofs, 30 runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../scripts/cli.ts';
import { familyById } from '../checks/families.ts';
import { runJob, shardTasks, type Job } from '../scripts/jobs.ts';
import { compareCommand } from '../scripts/compare.ts';

const run = async (argv: readonly string[]) => {
  let out = '';
  let err = '';
  const code = await runCommand(compareCommand, argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { NO_COLOR: '1', FC_SEED: '42' }, inline: true });
  return { code, out, err };
};

/**
 * Text without its timings (`12 ms`) and its line breaks (a time's width can move where a line
 * wraps: seen on the eleven families, `(41 st, 35 ms` against `(41 st, 72\n ms`); JSON without its `ms` fields.
 */
const untimed = (t: string) => t.replace(/\d+\s+ms\b/g, 'N ms').replace(/\s+/g, ' ');
const timeless = (t: string): unknown => JSON.parse(t, (k, v) => (k === 'ms' ? undefined : v));

const dir = mkdtempSync(join(tmpdir(), 'mnc-shard-'));
/** Runs each shard K/N of `args`, writes it to a file, and returns the files. */
const shards = async (args: readonly string[], n: number, tag: string): Promise<string[]> => {
  const files: string[] = [];
  for (let k = 1; k <= n; k++) {
    const r = await run([...args, '--shard', `${k}/${n}`, '--json']);
    expect(r.code, r.err).toBe(0);
    const file = join(dir, `${tag}-${k}of${n}.json`);
    writeFileSync(file, r.out);
    files.push(file);
  }
  return files;
};

// The user's scenario: 3 strategies, one of which cannot run odp-4.20 (core-counter): an adaptation, a missing row.
const USER = ['--notifiers', 'kvm,odp-4.20', '--strategy', 'skip-all-end,call-all-end-2021,core-counter', '--runs', '30', '--max-threads', '1', '--seed', '42'];
// Two standard families × two strategies: 4 tasks, which 3 shards split 2, 1, 1.
const FAMS = ['--family', 'failing-no-end,reaper-skip-era', '--strategy', 'skip-all-end,sorted-undo', '--invariant', 'StartEndPaired,QuiescentBalanced,ReaperUsefulProgress,NoDeadlock', '--runs', '30', '--max-threads', '1', '--seed', '42'];

describe('compare --shard K/N --json, then --merge: what one run prints', () => {
  it('the tasks of shard K of N: index K-1 modulo N, every task in exactly one shard', () => {
    expect(shardTasks(7, 1, 3)).toEqual([0, 3, 6]);
    expect(shardTasks(7, 3, 3)).toEqual([2, 5]);
    expect([1, 2, 3].flatMap((k) => shardTasks(7, k, 3)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(shardTasks(2, 3, 3)).toEqual([]); // more shards than tasks: an empty shard, still mergeable
  });

  it('a shard\'s tasks in 2 worker threads are the inline run\'s, and no other task runs', async () => {
    const fam = (id: string) => ({ id, template: (familyById(id) as NonNullable<ReturnType<typeof familyById>>).template });
    const job: Job = { kind: 'compare', strategies: ['skip-all-end', 'sorted-undo'], invariants: ['StartEndPaired', 'NoDeadlock'], families: [fam('failing-no-end'), fam('reaper-skip-era')], seed: 42, runs: 20, proof: { maxThreads: 1, maxStates: 100_000 } };
    const only = shardTasks(4, 1, 2);
    const inline = await runJob(job, { inline: true, only });
    const two = await runJob(job, { workers: 2, only });
    expect(two.workers).toBe(2);
    expect(two.tasks.map((t) => t !== undefined)).toEqual([true, false, true, false]);
    expect(JSON.parse(JSON.stringify(two.tasks), (k, v) => (k === 'ms' ? undefined : v))).toEqual(JSON.parse(JSON.stringify(inline.tasks), (k, v) => (k === 'ms' ? undefined : v)));
    expect(two.completed).toEqual([]); // no unit has all its tasks in this shard
  }, 60_000);

  it('the user\'s scenario, 1/2 and 2/2: text, --json, mail and Markdown as unsharded, with its exit code', async () => {
    const files = await shards(USER, 2, 'user');
    const a = JSON.parse(readFileSync(files[0], 'utf8'));
    const b = JSON.parse(readFileSync(files[1], 'utf8'));
    // Two tasks: skip-all-end and call-all-end-2021 share their proofs (engine/share.ts), so one task feeds both.
    expect(a).toMatchObject({ format: 'mmu-notifier-checker/compare-shard@2', shard: { k: 1, n: 2 }, tasks: 2, options: { seed: 42, runs: 30, proof: { maxThreads: 1 }, userScenario: 'kvm,odp-4.20' } });
    expect(a.results.map((x: { task: number; strategy: string }) => [x.task, x.strategy])).toEqual([[0, 'skip-all-end'], [0, 'call-all-end-2021']]);
    expect(b.results.map((x: { task: number; strategy: string }) => [x.task, x.strategy])).toEqual([[1, 'core-counter']]);
    expect(b.results[0].cells).toBeNull(); // core-counter cannot run odp-4.20: recorded as such, not dropped
    // A shared task's entries: each of its group's strategies, in order.
    const edited = async (results: unknown[]) => {
      const f = join(dir, 'user-edited.json');
      writeFileSync(f, JSON.stringify({ ...a, results }));
      return run(['--merge', f, files[1]]);
    };
    const dropped = await edited(a.results.slice(0, 1));
    expect(dropped.code).toBe(2);
    expect(dropped.err).toMatch(/results: tasks 0, but shard 1\/2 is tasks 0, 0 /);
    const swapped = await edited([a.results[1], a.results[0]]);
    expect(swapped.code).toBe(2);
    expect(swapped.err).toMatch(/results\[0\]: task 0 is skip-all-end × kvm,odp-4\.20, not call-all-end-2021 × kvm,odp-4\.20/);
    for (const fmt of [[], ['--format', 'mail'], ['--markdown']]) {
      const one = await run([...USER, ...fmt]);
      const merged = await run(['--merge', ...files, ...fmt]);
      expect(merged.code, merged.err).toBe(one.code);
      expect(one.code).toBe(1);
      if (fmt[1] === 'mail') expect(merged.out).toBe(one.out); // the mail prints no timings: byte for byte
      else expect(untimed(merged.out)).toBe(untimed(one.out));
      expect(merged.err).toBe(one.err); // the stderr note that core-counter cannot run these drivers (text only)
    }
    const one = await run([...USER, '--json']);
    const merged = await run(['--merge', files[1], files[0], '--json']); // in any order
    expect(merged.code).toBe(one.code);
    expect(timeless(merged.out)).toEqual(timeless(one.out));
    expect(JSON.parse(merged.out).format).toBe('mmu-notifier-checker/compare-result@1');
  }, 120_000);

  it('families, 3 shards: text and --json as unsharded; 1/1 is the whole run', async () => {
    const files = await shards(FAMS, 3, 'fams');
    const one = await run(FAMS);
    const merged = await run(['--merge', ...files]);
    expect(merged.code, merged.err).toBe(one.code);
    expect(untimed(merged.out)).toBe(untimed(one.out));
    expect(one.out).toMatch(/^strategy × invariant \(seed 42/);
    const oneJ = await run([...FAMS, '--json']);
    expect(timeless((await run(['--merge', ...files, '--json'])).out)).toEqual(timeless(oneJ.out));
    const [whole] = await shards(FAMS, 1, 'fams');
    expect(timeless((await run(['--merge', whole, '--json'])).out)).toEqual(timeless(oneJ.out));
  }, 120_000);
});

describe('refused: exit 2, every problem named, nothing printed', () => {
  const refused = async (argv: readonly string[], msgs: readonly RegExp[]) => {
    const r = await run(argv);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    for (const m of msgs) expect(r.err).toMatch(m);
    return r;
  };
  const SMALL = ['--notifiers', 'kvm,gntdev', '--strategy', 'skip-all-end,sorted-undo', '--invariant', 'StartEndPaired', '--runs', '20', '--max-threads', '0'];

  it('bad flags: --shard without --json, a malformed K/N, --merge with a flag the shards fix, --merge without files', async () => {
    await refused([...SMALL, '--shard', '1/2'], [/--shard 1\/2 writes a shard file for --merge: add --json/]);
    await refused([...SMALL, '--shard', '3/2', '--json'], [/--shard 3\/2: K must be from 1 to N \(2\)/]);
    await refused([...SMALL, '--shard', 'half', '--json', '--runs', 'x'], [/--shard: expected K\/N/, /--runs: expected an integer/]);
    await refused(['--merge', 'a.json', '--seed', '7', '--max-threads', '2'], [/--merge takes every option from the shards: --seed/, /--max-threads is not given with it/]);
    await refused(['--merge'], [/--merge: give the shard files/]);
    await refused([...SMALL, 'stray.json'], [/Unexpected argument 'stray\.json'/]);
  });

  it('a shard cut short (SIGTERM before its first task) writes no file: nothing on stdout, exit 143', async () => {
    let out = '';
    let err = '';
    const signal = AbortSignal.abort('SIGTERM');
    const code = await runCommand(compareCommand, [...SMALL, '--shard', '1/2', '--json'], { stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (err += x) }, env: { NO_COLOR: '1' }, inline: true, signal });
    expect(code).toBe(143);
    expect(out).toBe('');
    expect(err).toMatch(/interrupted \(SIGTERM\): shard 1\/2 is incomplete, so no shard file was written/);
  });

  it('shards that are not one run\'s N parts: options that differ, a shard missing or given twice, a split that differs, a file that is no shard, a shard tampered with', async () => {
    const [a, b] = await shards(SMALL, 2, 'small');
    const [a7] = await shards([...SMALL.slice(0, -4), '--runs', '21', '--max-threads', '0', '--seed', '7'], 2, 'seed7');
    const [, , c3] = await shards(SMALL, 3, 'small3');
    // Options: seed and runs named with both values.
    await refused(['--merge', a, a7.replace('1of2', '1of2')], [/its --seed differs from .*small-1of2\.json's: 7 against 42/, /its --runs differs .*: 21 against 20/, /shard 1\/2 is given 2 times/]);
    // Missing, and the same file twice.
    await refused(['--merge', a], [/shard 2\/2 missing: a merge needs all 2/]);
    await refused(['--merge', a, b, b], [/--merge: .*small-2of2\.json is given more than once/]);
    // Shards of different splits.
    await refused(['--merge', a, c3], [/small3-3of3\.json: shard 3\/3, but .*small-1of2\.json is 1\/2/]);
    // Not a shard: compare's own JSON, a missing file, not JSON; each named, all at once.
    const result = join(dir, 'result.json');
    writeFileSync(result, (await run([...SMALL, '--json'])).out);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'shard?');
    await refused(['--merge', result, join(dir, 'nope.json'), notJson, a], [/result\.json: not a compare shard \(its format is 'mmu-notifier-checker\/compare-result@1'/, /nope\.json: /, /not\.json: not valid JSON/]);
    // Tampered: a task moved to the wrong shard, a cell dropped.
    const t = JSON.parse(readFileSync(b, 'utf8'));
    t.results[0].task = 0;
    t.results[0].cells = [];
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(t));
    await refused(['--merge', a, tampered], [/tampered\.json: results: tasks 0, but shard 2\/2 is tasks 1/, /tampered\.json: results\[0\]: task 0 is skip-all-end × kvm,gntdev, not sorted-undo × kvm,gntdev/]);
    // Untouched, they merge.
    expect((await run(['--merge', a, b])).code).toBe(0); // with kvm,gntdev call-all-end-2021 keeps every invariant
  }, 60_000);
});
