/**
 * The three OOM reaper eras (docs/design.md §3.3 "reaper era"; docs/kernel.md §3.2–§3.3), table-driven:
 *
 * - `no-notify` (≤ v4.13, OOM-4.13): unmap every VMA with no notifier call around it, so a
 *   secondary MMU keeps mapping the frames the reaper frees.
 * - `skip-if-notifiers` (v4.14, 4d4bbd8526a8 / L-2017): after `mmap_read_trylock`, an mm with
 *   notifiers is skipped and declared done (`MMF_OOM_SKIP`, nothing unmapped). The knob
 *   `reaperChecksNotifiersBeforeLock` is the 2017 RFC's placement of the check before the trylock.
 * - `nonblock-per-vma` (v4.19+, 93065ac753e4, OOM-5.10): per VMA a non-blocking start; a failing
 *   VMA is skipped without an end and the attempt fails; at most MAX_OOM_REAP_RETRIES (10)
 *   attempts, then `MMF_OOM_SKIP` (INV-9).
 *
 * Each case runs `run(scenario, schedule)`: the schedule's choices, then the fair drain.
 */
import { describe, expect, it } from 'vitest';
import { presets } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import { STRATEGY_NAMES } from '../model/index.ts';
import type { NotifierSpec, Range, Scenario } from '../model/index.ts';
import { factsOf, reaperOf, returned, runWithFacts as run, stepOnce, times, world, type RunWithFacts as RunReport } from './support.ts';

// ---------------------------------------------------------------------------------------------
// Helpers

const VMA: Range = { start: 0, end: 4 };
const TWO_VMAS: Range[] = [
  { start: 0, end: 4 },
  { start: 4, end: 8 },
];

const scenario = (
  reaper: Scenario['reaper'],
  notifiers: NotifierSpec[],
  opts: { strategy?: string; vmas?: Range[]; threads?: string[]; knobs?: Scenario['knobs'] } = {},
): Scenario => ({
  strategy: opts.strategy ?? 'skip-all-end',
  reaper,
  vmas: opts.vmas ?? [VMA],
  notifiers,
  threads: opts.threads ?? ['oom_reaper'],
  ...(opts.knobs ? { knobs: opts.knobs } : {}),
});

const A = (driver: string, interval?: Range): NotifierSpec => ({ name: 'A', driver, address: 256, ...(interval ? { interval } : {}) });

/** Enough choices for the reaper to run every attempt before anything else. */
const REAPER = times('oom_reaper', 400);

const reaper = (r: RunReport) => reaperOf(r.final);
const reaperSteps = (r: RunReport) => r.trace.filter((s) => s.thread === 'oom_reaper');
const actions = (r: RunReport, action: string): number => reaperSteps(r).filter((s) => s.action === action).length;
/** The reaper's non-blocking starts, as `[range, result]` (docs/kernel.md §3.2 `__oom_reap_task_mm`). */
const reaperStarts = (r: RunReport): string[] =>
  factsOf(r.facts, 'range_start_returned').filter((f) => f.thread === 'oom_reaper').map((f) => returned(f.ret, 'hlist'));
const mentions = (r: RunReport, what: string): boolean => r.trace.some((s) => s.action.includes(what) || s.events.some((e) => e.includes(what)));
/** Frames the driver's secondary mappings point at. */
const spteFrames = (r: RunReport, sub = 'A'): number[] => Object.values(r.final.drivers[sub].sptes);

/** Every preset under one strategy that can run it (the interval-only presets run their interval form). */
const PRESETS = Object.keys(presets);

// ---------------------------------------------------------------------------------------------

describe('no-notify (≤ v4.13): unmap without notifiers (docs/kernel.md §3.3, OOM-4.13)', () => {
  const combos: [string, string][] = [];
  for (const driver of PRESETS)
    for (const strategy of STRATEGY_NAMES) if (resolve(scenario('no-notify', [A(driver)], { strategy })).ok) combos.push([driver, strategy]);

  it.each(combos)('%s × %s: every VMA unmapped, no notifier called, the device still maps frames the CPU unmapped', (driver, strategy) => {
    const r = run(scenario('no-notify', [A(driver)], { strategy, vmas: TWO_VMAS }), REAPER);
    // No notifier call at all: no start, no end, no interval invalidate, no driver callback step.
    expect(mentions(r, 'invalidate_range_start')).toBe(false);
    expect(mentions(r, 'invalidate_range_end')).toBe(false);
    expect(r.trace.some((s) => s.action.startsWith('A.'))).toBe(false);
    // Every VMA is unmapped in the first attempt, under one mmu_gather (OOM-4.13).
    expect(reaperSteps(r).map((s) => s.action)).toEqual(['mmap_read_trylock', 'unmap_page_range vma 0', 'unmap_page_range vma 1', 'tlb_finish_mmu', 'mmap_read_unlock']);
    expect(r.final.mm.pte).toEqual(Array(8).fill(null));
    expect(reaper(r).outcome).toBe('reaped');
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    // "unsafe for secondary MMUs": every secondary mapping still points at a frame the CPU no
    // longer maps: freed memory, unless the driver holds page references (then stale, not freed).
    expect(spteFrames(r).length).toBe(8);
    if (presets[driver].pinsPages) expect(r.final.mm.freedFrames).toEqual([]);
    else {
      expect([...r.final.mm.freedFrames].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      for (const f of spteFrames(r)) expect(r.final.mm.freedFrames).toContain(f);
    }
  });
});

describe('skip-if-notifiers (v4.14): skip an mm with notifiers and declare it done (docs/kernel.md §3.3, L-2017)', () => {
  // In 4d4bbd8526a8 the mm_has_notifiers() check comes before the MMF_OOM_SKIP check and before
  // set_bit(MMF_UNSTABLE), so a skipped mm is never marked unstable (v4.15-rc text quoted in
  // <201712081911.HIH69766.FLMSJOOVOQFHtF@I-love.SAKURA.ne.jp>); the model (reaper.ts
  // mmapReadTrylock) skips first too, as properties/mutants-reaper.test.ts asserts.
  const combos: [string, string][] = [];
  for (const driver of PRESETS)
    for (const strategy of STRATEGY_NAMES) if (resolve(scenario('skip-if-notifiers', [A(driver)], { strategy })).ok) combos.push([driver, strategy]);

  it.each(combos)('%s × %s: trylock, skip, MMF_OOM_SKIP, outcome reaped, nothing unmapped', (driver, strategy) => {
    const r = run(scenario('skip-if-notifiers', [A(driver)], { strategy }), REAPER);
    // Andrea's placement (Seed2): the check runs with mmap_lock read-held.
    expect(reaperSteps(r).map((s) => s.action)).toEqual(['mmap_read_trylock', 'oom_reaper: skip mm with notifiers']);
    expect(reaper(r).outcome).toBe('reaped');
    expect(reaper(r).attempts).toBe(0);
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    // Nothing was unmapped and no notifier was called.
    expect(r.final.mm.pte).toEqual([0, 1, 2, 3]);
    expect(r.final.mm.freedFrames).toEqual([]);
    expect(mentions(r, 'invalidate_range_start')).toBe(false);
    expect(mentions(r, 'unmap_page_range')).toBe(false);
    // mmap_lock is dropped before the sleep.
    expect(r.final.locks.mmap_lock).toEqual({ writer: null, readers: [], waiters: [] });
  });

  it.each(combos)('%s × %s with reaperChecksNotifiersBeforeLock: skip without ever taking mmap_lock', (driver, strategy) => {
    const r = run(scenario('skip-if-notifiers', [A(driver)], { strategy, knobs: { reaperChecksNotifiersBeforeLock: true } }), REAPER);
    expect(r.trace.some((s) => s.action === 'mmap_read_trylock')).toBe(false);
    expect(reaperSteps(r).map((s) => s.action)).toEqual(['mm_has_notifiers (before mmap_read_trylock)', 'oom_reaper: skip mm with notifiers']);
    expect(reaper(r).outcome).toBe('reaped');
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    expect(r.final.mm.pte).toEqual([0, 1, 2, 3]);
    expect(r.final.mm.freedFrames).toEqual([]);
  });

  it('the RFC placement skips even while munmap holds mmap_lock for write; the v4.14 placement has to get the lock first', () => {
    const sched = ['munmap', 'oom_reaper'];
    const rfc = run(scenario('skip-if-notifiers', [A('kvm')], { threads: ['oom_reaper', 'munmap'], knobs: { reaperChecksNotifiersBeforeLock: true } }), sched);
    expect(rfc.trace.slice(0, 3).map((s) => [s.thread, s.action])).toEqual([
      ['munmap', 'mmap_write_lock'],
      ['oom_reaper', 'mm_has_notifiers (before mmap_read_trylock)'],
      ['oom_reaper', 'oom_reaper: skip mm with notifiers'],
    ]);
    const v414 = run(scenario('skip-if-notifiers', [A('kvm')], { threads: ['oom_reaper', 'munmap'] }), sched);
    expect(v414.trace[1]).toMatchObject({ thread: 'oom_reaper', action: 'mmap_read_trylock', events: ['mmap_read_trylock failed'] });
  });

  it.each([false, true])('without notifiers the mm is reaped normally (knob reaperChecksNotifiersBeforeLock: %s)', (before) => {
    const r = run(scenario('skip-if-notifiers', [], { knobs: { reaperChecksNotifiersBeforeLock: before } }), REAPER);
    expect(actions(r, 'mmap_read_trylock')).toBe(1);
    expect(actions(r, 'oom_reaper: skip mm with notifiers')).toBe(0);
    expect(reaper(r).outcome).toBe('reaped');
    expect(r.final.mm.pte).toEqual([null, null, null, null]);
    expect(r.final.mm.freedFrames).toEqual([0, 1, 2, 3]);
  });
});

describe('nonblock-per-vma (v4.19+): per-VMA non-blocking start, retries, MMF_OOM_SKIP (docs/kernel.md §3.2, INV-9)', () => {
  // [driver, object the driver mirrors (default: every VMA), its secondary mappings afterwards]
  // Starts that return 0 in non-blocking mode (cf. properties/drivers.test.ts).
  const succeeding: [string, Range | undefined, 'none' | 'stale'][] = [
    ['kvm', undefined, 'none'], // §6.1: blk and nb identical; start zaps the SPTEs
    ['gru', undefined, 'none'], // §6.7: never fails; start flushes the TLB
    ['generic', undefined, 'none'], // docs/design.md §3.4 defaults: the trylock succeeds
    ['i915-4.19', { start: 8, end: 12 }, 'none'], // §2.4 "no interest": it mirrors nothing in the VMAs
    // hmm.ts decision [V:L-2019-HMMF]: v5.2 swallows the mirror's -EAGAIN, so the start returns 0
    // while the device keeps its mappings ("lying success", INV-6): they now point at freed frames.
    ['hmm-5.2', undefined, 'stale'],
  ];
  it.each(succeeding)('%s: every start succeeds, so one attempt unmaps every VMA with one start and one end each', (driver, interval, sptes) => {
    const r = run(scenario('nonblock-per-vma', [A(driver, interval)], { vmas: TWO_VMAS }), REAPER);
    expect(reaperStarts(r)).toEqual(['0', '0']);
    expect(reaperSteps(r).filter((s) => s.action.startsWith('invalidate_range_start')).map((s) => s.action)).toEqual([
      'invalidate_range_start_nonblock [0,4)',
      'invalidate_range_start_nonblock [4,8)',
    ]);
    expect(actions(r, 'invalidate_range_end')).toBe(2);
    expect(actions(r, 'mmap_read_trylock')).toBe(1);
    expect(reaper(r)).toMatchObject({ outcome: 'reaped', attempts: 0 });
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    expect(r.final.mm.pte).toEqual(Array(8).fill(null));
    expect([...r.final.mm.freedFrames].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    if (sptes === 'none') expect(r.final.drivers.A.sptes).toEqual({});
    else {
      expect(spteFrames(r).length).toBe(8);
      for (const f of spteFrames(r)) expect(r.final.mm.freedFrames).toContain(f);
    }
  });

  // Non-blocking starts that fail on an object in the range (cf. properties/drivers.test.ts);
  // interval presets fail through the core (invalidate returns false, docs/kernel.md §2.2).
  const failing = ['odp-4.19', 'odp-4.20', 'odp-5.5', 'hmm-5.3', 'amdgpu-4.19', 'amdgpu-5.5', 'i915-4.19', 'i915-5.13', 'nouveau-5.5', 'gntdev'];
  it.each(failing)('%s: a failing start fails every attempt; 10 attempts, no end, PTEs kept, then MMF_OOM_SKIP', (driver) => {
    const r = run(scenario('nonblock-per-vma', [A(driver)]), REAPER);
    expect(actions(r, 'mmap_read_trylock')).toBe(10);
    expect(reaperStarts(r)).toEqual(times('-EAGAIN', 10));
    expect(actions(r, 'invalidate_range_end')).toBe(0); // skip-all-end: the reaper calls no end
    expect(actions(r, 'unmap_page_range vma 0')).toBe(0);
    expect(reaper(r)).toMatchObject({ outcome: 'unable_to_reap', attempts: 10 });
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    expect(r.final.mm.pte).toEqual([0, 1, 2, 3]);
    expect(r.final.mm.freedFrames).toEqual([]);
    expect(reaperSteps(r).at(-1)?.events).toContain('oom_reaper: unable to reap after 10 attempts; set MMF_OOM_SKIP');
  });

  it('a failing VMA is skipped without an end and the next VMA is still reaped, in every one of the 10 attempts', () => {
    // i915's userptr covers only VMA 1: VMA 0's start returns 0 ("no interest"), VMA 1's fails.
    const r = run(scenario('nonblock-per-vma', [A('i915-4.19', { start: 4, end: 8 })], { vmas: TWO_VMAS }), REAPER);
    expect(reaperStarts(r)).toEqual(Array.from({ length: 10 }, () => ['0', '-EAGAIN']).flat());
    expect(actions(r, 'unmap_page_range vma 0')).toBe(10);
    expect(actions(r, 'unmap_page_range vma 1')).toBe(0);
    expect(actions(r, 'invalidate_range_end')).toBe(10); // VMA 0's only
    expect(reaper(r)).toMatchObject({ outcome: 'unable_to_reap', attempts: 10 });
    expect(r.final.mm.pte).toEqual([null, null, null, null, 4, 5, 6, 7]);
    expect(r.final.mm.freedFrames).toEqual([0, 1, 2, 3]);
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
  });

  it('a start that fails once is retried: the next attempt succeeds and reaps (generic trylock driver, lock held by its ioctl)', () => {
    const s = scenario('nonblock-per-vma', [A('generic')], { threads: ['oom_reaper', 'ioctl:A'] });
    // ioctl:A takes the driver lock; the reaper runs exactly one attempt; ioctl:A unlocks.
    const { world: w, state } = world(s);
    let cur = stepOnce(w, state, 'ioctl:A').state;
    let n = 0;
    while (reaperOf(cur).attempts === 0 && n < 50) {
      cur = stepOnce(w, cur, 'oom_reaper').state;
      n++;
    }
    const r = run(s, ['ioctl:A', ...times('oom_reaper', n), ...times('ioctl:A', 5), ...REAPER]);
    expect(reaperStarts(r)).toEqual(['-EAGAIN', '0']);
    expect(actions(r, 'mmap_read_trylock')).toBe(2);
    expect(reaper(r)).toMatchObject({ outcome: 'reaped', attempts: 1 });
    expect(r.final.mm.pte).toEqual([null, null, null, null]);
    expect(r.final.drivers.A.sptes).toEqual({});
  });

  it('mmap_lock is only ever try-locked: behind a queued writer, 10 failed trylocks and no start, then MMF_OOM_SKIP unblocks everyone (INV-9; rwsem writer preference)', () => {
    // The CS ioctl write-holds amn_lock and allocates (waits for memory); munmap, downgraded to the
    // read lock, sleeps on amn_lock in A's start; register:B queues for mmap_lock write behind it.
    // A queued writer makes mmap_read_trylock fail although only a reader holds the lock, and the
    // reaper's sleeps end because everything else is stuck, not because of step granularity.
    const sc = scenario('nonblock-per-vma', [A('amdgpu-4.19'), { name: 'B', driver: 'kvm', address: 512 }], { strategy: 'call-all-end-2021', threads: ['oom_reaper', 'munmap', 'ioctl:A', 'register:B'] });
    const r = run(sc, [...times('ioctl:A', 3), ...times('munmap', 6), 'register:B', ...REAPER]);
    expect(reaperSteps(r).map((s) => s.action)).toEqual([...times(['mmap_read_trylock', 'schedule_timeout_idle(HZ/10)'], 9).flat(), 'mmap_read_trylock']);
    expect(reaperSteps(r).filter((s) => s.action === 'mmap_read_trylock').every((s) => s.events[0] === 'mmap_read_trylock failed (a writer is queued)')).toBe(true);
    expect(reaperStarts(r)).toEqual([]);
    expect(reaper(r)).toMatchObject({ outcome: 'unable_to_reap', attempts: 10 });
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    // MMF_OOM_SKIP ends the OOM: the allocation goes through and every thread finishes.
    expect(r.final.threads.every((t) => t.done)).toBe(true);
    expect(r.verdicts.NoDeadlock).toEqual({ status: 'holds' });
  });

  it.each(STRATEGY_NAMES)('the reaper only ever calls the non-blocking start (%s)', (strategy) => {
    for (const driver of PRESETS) {
      const s = scenario('nonblock-per-vma', [A(driver)], { strategy, vmas: TWO_VMAS });
      if (!resolve(s).ok) continue;
      const steps = reaperSteps(run(s, REAPER));
      expect(steps.filter((x) => x.action.startsWith('invalidate_range_start ')), driver).toEqual([]);
      expect(steps.filter((x) => x.action.startsWith('invalidate_range_start_nonblock ')).length, driver).toBeGreaterThan(0);
    }
  });
});
