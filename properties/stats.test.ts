/** `check --stats` (engine/stats.ts, report/stats.ts): what the runs behind a verdict exercised. */
import { describe, expect, it } from 'vitest';
import { catalogueWith, fromDriverDef, parseDriverFile } from '../engine/driver-format.ts';
import { collectStats, neverExecuted } from '../engine/stats.ts';
import { presets } from '../model/index.ts';
import { statsText } from '../report/stats.ts';
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
