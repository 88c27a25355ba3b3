/** `check --stats` (engine/stats.ts, report/stats.ts): what the runs behind a verdict exercised, or with `--exhaustive` the state space. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueWith, fromDriverDef, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { explore } from '../engine/exhaustive.ts';
import { collectStats, exhaustiveStats, neverExecuted } from '../engine/stats.ts';
import { threadSets } from '../engine/threadsets.ts';
import { presets } from '../model/index.ts';
import { statsText } from '../report/stats.ts';
import { checkCommand } from '../scripts/check.ts';
import { inProcess } from './cli-support.ts';
import { seed } from './seed.ts';

const pair = (driver: string) => ({
  strategy: 'call-all-end-2021',
  reaper: 'nonblock-per-vma' as const,
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver, address: 512 }],
});

describe(`--stats (seed ${seed})`, () => {
  it('counts actions, instructions and the strategy decisions behind a mainline run of kvm + gntdev', () => {
    const s = collectStats(pair('gntdev'), { seed, runs: 300 });
    expect(s.runs).toBe(300);
    expect(s.actions.driver_instr).toBeGreaterThan(0);
    expect(s.actions.invalidate_range_start).toBeGreaterThan(0);
    // call-all-end-2021 ends the started notifiers (KVM) and passes by the failing one (gntdev has no end).
    expect(s.decisions['undo (start ok) → end']).toBeGreaterThan(0);
    expect(s.decisions['undo (start fail) → skip']).toBeGreaterThan(0);
    expect(s.decisions['reaperAfterFailedStart → no-end']).toBeGreaterThan(0);
    expect(s.distinctStates).toBeGreaterThan(100);
    expect(s.instructions['kvm invalidate_range_start[1] add mmu_invalidate_in_progress']).toBeGreaterThan(0);
    expect(neverExecuted(s)).toEqual([]);
    expect(statsText([s])).toContain('every driver instruction ran at least once');
  });

  it('lists the instructions no run executed: a driver file with a typo that makes a branch unreachable', () => {
    const file = fromDriverDef(presets.kvm);
    // The fault's retry check jumps to a label placed after its own `ret`: the install path never runs.
    const typo = { ...file, driver: 'kvm-typo', hlist: { ...file.hlist!, fault: [':retry', { op: 'snapshot', counter: 'mmu_invalidate_seq', into: 'snap' }, { op: 'jump', to: 'busy' }, { op: 'install' }, { op: 'ret', value: 0 }, ':busy', { op: 'retry', to: 'retry' }] } };
    const parsed = parseDriverFile(typo);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    if (!parsed.ok) return;
    const s = collectStats({ ...pair('kvm-typo'), threads: ['oom_reaper', 'fault:B'] }, { seed, runs: 200, catalogue: catalogueWith([parsed.value]) });
    // The fault's install and return are dead; the other programs only never ran because no thread of theirs was in the set.
    expect(neverExecuted(s).filter((k) => k.startsWith('kvm-typo fault'))).toEqual(['kvm-typo fault[2] install', 'kvm-typo fault[3] ret 0']);
    expect(statsText([s])).toContain('  kvm-typo fault[2] install');
  });
});

/** A driver file of examples/, parsed. */
const example = (name: string): DriverFile => {
  const parsed = parseDriverFile(JSON.parse(readFileSync(`examples/${name}`, 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.value;
};

describe('--exhaustive --stats: the same counters over every transition of the state space', () => {
  const dmirror = example('dmirror.json');
  const catalogue = catalogueWith([dmirror]);
  const fixed = { ...pair('dmirror'), threads: ['oom_reaper', 'fault:B'] };

  it('counts each transition once (the reduction off): the actions add up to the search\'s transitions, its states are the verdict search\'s', () => {
    const s = exhaustiveStats(fixed, { catalogue });
    const plain = explore(fixed, [], { catalogue, reduce: false }).stats;
    expect(s).toMatchObject({ engine: 'exhaustive', threadSets: 1, bound: null, steps: plain.transitions, distinctStates: plain.states });
    expect(Object.values(s.actions).reduce((a, b) => a + b, 0)).toBe(plain.transitions);
    // The verdict search (every invariant, cycles judged) visits the same states.
    expect(explore(fixed, ['StartEndPaired', 'NoDeadlock'], { catalogue }).stats.states).toBe(s.distinctStates);
    // A path every fault takes: read_begin, then mmu_interval_read_retry under the mutex; and the reaper's failed non-blocking start.
    expect(s.instructions['dmirror fault[0] readBegin']).toBeGreaterThan(0);
    expect(s.instructions['dmirror fault[3] readRetry']).toBeGreaterThan(0);
    expect(s.instructions['dmirror fault[4] install']).toBeGreaterThan(0);
    // The reaper's non-blocking invalidate fails when the fault holds the mutex: the trylock's else branch.
    expect(s.instructions['dmirror invalidate[5] ret -11']).toBeGreaterThan(0);
    expect(s.decisions['reaperAfterFailedStart → no-end']).toBeGreaterThan(0);
    // kvm (notifier A) has no thread calling its fault here.
    expect(neverExecuted(s)).toContain('kvm fault[4] install');
    expect(neverExecuted(s).filter((k) => k.startsWith('dmirror'))).toEqual([]);
    const text = statsText([s]);
    expect(text).toContain(`call-all-end-2021: ${s.steps} transitions, ${s.distinctStates} distinct states`);
    expect(text).toMatch(/never executed in the state space .*: \d+\n {2}kvm/);
  });

  it('lists an instruction no transition of the state space executes: a dmirror whose fault jumps over its map', () => {
    const fault = dmirror.interval?.fault ?? [];
    // `readRetry … then busy` made unconditional: the install after it is dead in every interleaving.
    const at = fault.findIndex((i) => typeof i === 'object' && i.op === 'readRetry');
    expect(at).toBeGreaterThan(0);
    const dead = { ...dmirror, driver: 'dmirror-dead', interval: { ...dmirror.interval!, fault: [...fault.slice(0, at), { op: 'jump', to: 'busy' }, ...fault.slice(at + 1)] } };
    const parsed = parseDriverFile(dead);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    if (!parsed.ok) return;
    // With an invalidator that blocks (munmap), so the fault's unlock and retry still run.
    const s = exhaustiveStats({ ...pair('dmirror-dead'), threads: ['munmap', 'fault:B'] }, { catalogue: catalogueWith([parsed.value]) });
    expect(s.instructions['dmirror-dead fault[3] jump busy']).toBeGreaterThan(0);
    expect(neverExecuted(s).filter((k) => k.startsWith('dmirror-dead fault'))).toEqual(['dmirror-dead fault[4] install', 'dmirror-dead fault[5] unlock mutex', 'dmirror-dead fault[6] ret 0']);
    expect(statsText([s])).toContain('  dmirror-dead fault[4] install');
  });

  it('without fixed threads, sums over every thread set searched', () => {
    const open = pair('dmirror');
    const s = exhaustiveStats(open, { catalogue, maxThreads: 1 });
    const sets = threadSets(open, 1, catalogue);
    expect(sets.length).toBeGreaterThan(1);
    const per = sets.map((threads) => explore({ ...open, threads }, [], { catalogue, reduce: false }).stats);
    expect(s).toMatchObject({ threadSets: sets.length, maxThreads: 1, steps: per.reduce((n, x) => n + x.transitions, 0), distinctStates: per.reduce((n, x) => n + x.states, 0) });
    expect(statsText([s])).toContain(`over ${sets.length} thread sets of up to 1 thread (summed)`);
  });

  it('a bound that cuts the search says the counts are of the part searched', () => {
    const s = exhaustiveStats(fixed, { catalogue, maxStates: 50 });
    expect(s.bound).toBe('states');
    expect(statsText([s])).toContain('cut by the states bound: the counts are of the part searched');
  });

  it('check --exhaustive --stats prints them after the verdicts, and --json carries them', async () => {
    const args = ['--strategy', 'call-all-end-2021', '--notifiers', 'kvm,dmirror', '--driver', 'examples/dmirror.json', '--threads', 'oom_reaper,fault:B', '--invariant', 'StartEndPaired', '--exhaustive', '--stats'];
    const text = await inProcess(checkCommand, args);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('counts over the transitions of the state space, each state\'s steps once, not over runs; the sleep-set reduction off');
    expect(text.out).toMatch(/\n {2}kvm fault\[4\] install\n/);
    const json = await inProcess(checkCommand, [...args, '--json']);
    expect(json.code, json.err).toBe(0);
    const { stats } = JSON.parse(json.out);
    expect(stats).toEqual([exhaustiveStats({ ...fixed, strategy: 'call-all-end-2021' }, { catalogue })]);
    expect(stats[0].instructions['dmirror fault[3] readRetry']).toBeGreaterThan(0);
  });
});
