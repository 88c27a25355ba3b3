/**
 * Unit tests of the driver presets (docs/design.md §3.4): each preset's state machine against the
 * facts of docs/kernel.md §6 (and §2.4–§2.5, §5, §8). Table-driven: small scenarios run through
 * `run`, and a few single steps through `resolve` + `step`. Every expectation is a concrete
 * value checked against docs/kernel.md; the comment on each table says which section.
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, presets } from '../model/index.ts';
import { canFail } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import { blocker, enabledThreads, step, threadById, waitOf } from '../model/index.ts';
import type { ModelState, NotifierSpec, Range, Scenario, World } from '../model/index.ts';
import { factsOf, reaperOf, returned, runWithFacts as run, stepOnce, type RunWithFacts as RunReport, stepUntil as stepStateUntil, times, world } from './support.ts';

// ---------------------------------------------------------------------------------------------
// Helpers

const VMA: Range = { start: 0, end: 4 };
/** An object the driver mirrors that the victim's VMA does not meet ("no interest", §2.4). */
const ELSEWHERE: Range = { start: 8, end: 12 };

const scenario = (
  driver: string,
  strategy: string,
  threads: string[],
  opts: { interval?: Range; more?: NotifierSpec[]; vmas?: Range[] } = {},
): Scenario => ({
  strategy,
  reaper: 'nonblock-per-vma',
  vmas: opts.vmas ?? [VMA],
  notifiers: [{ name: 'A', driver, address: 256, ...(opts.interval ? { interval: opts.interval } : {}) }, ...(opts.more ?? [])],
  threads,
});

/** Enough choices for the reaper to finish all its attempts before anything else runs. */
const REAPER = times('oom_reaper', 300);

const events = (r: RunReport): string[] => r.trace.flatMap((t) => t.events);
/** What A's start (hlist) or invalidate (interval) returned, in order. */
const startResults = (r: RunReport, sub = 'A'): string[] =>
  factsOf(r.facts, 'start_returned').filter((f) => f.sub === sub).map((f) => returned(f.value, f.form));
const violated = (r: RunReport): string[] =>
  Object.entries(r.verdicts)
    .filter(([, v]) => v.status === 'violated')
    .map(([k]) => k)
    .sort();
const witness = (r: RunReport, inv: string): string | null => {
  const v = r.verdicts[inv];
  return v.status === 'violated' ? v.witness : null;
};
const outcome = (r: RunReport, id: string): string => (threadById(r.final, id) as NonNullable<ReturnType<typeof threadById>>).outcome;
const diagnostics = (r: RunReport): string[] => r.trace.flatMap((t) => t.diagnostics ?? []);

/** Step `id` until `until(state)` holds (at most 50 steps). */
const stepUntil = (w: World, s: ModelState, id: string, until: (s: ModelState) => boolean): ModelState => stepStateUntil(w, s, id, until, 50);

// ---------------------------------------------------------------------------------------------

/**
 * The schedule "ioctl:A takes its lock; the reaper makes exactly one attempt; ioctl:A goes on;
 * the reaper finishes": the length of one attempt is measured by stepping, so the test does
 * not depend on the drain's order. (An ioctl blocked in its allocation skips its choices.)
 */
const heldForOneAttempt = (s: Scenario): string[] => {
  const { world: w, state } = world(s);
  let cur = stepOnce(w, state, 'ioctl:A').state;
  let n = 0;
  for (; n < 50; n++) {
    const t = reaperOf(cur);
    if (t.attempts === 1 || t.done) break;
    const r = step(w, cur, 'oom_reaper');
    if (r.tag !== 'stepped') break; // blocked: the reaper sleeps on the ioctl's lock
    cur = r.state;
  }
  return ['ioctl:A', ...times('oom_reaper', n), ...times('ioctl:A', 4), ...REAPER];
};

describe('the preset registry (docs/design.md §3.4, docs/kernel.md §5 vocabulary)', () => {
  it('registers every preset docs/design.md §3.4 names, plus generic', () => {
    expect([...DRIVER_NAMES].sort()).toEqual(
      ['amdgpu-4.19', 'amdgpu-5.5', 'generic', 'gntdev', 'gru', 'hmm-5.2', 'hmm-5.3', 'i915-4.19', 'i915-5.13', 'kvm', 'nouveau-5.5', 'odp-4.19', 'odp-4.20', 'odp-5.5', 'xe'],
    );
  });

  // [preset, docs/kernel.md section, has hlist form, has interval form, has end, hlist start can fail, NotifierType]
  const table: [string, string, boolean, boolean, boolean, boolean, string][] = [
    ['kvm', '§6.1', true, true, true, false, 'A'],
    ['odp-4.19', '§6.2', true, false, true, true, 'AB'],
    ['odp-4.20', '§6.2', true, false, true, true, 'AB'],
    ['odp-5.5', '§6.2', false, true, false, false, 'S'],
    ['hmm-5.2', '§6.3', true, false, true, true, 'AB'],
    ['hmm-5.3', '§6.3', true, false, true, true, 'AB'],
    ['amdgpu-4.19', '§6.4', true, false, true, true, 'AB'],
    ['amdgpu-5.5', '§6.4', false, true, false, false, 'S'],
    ['i915-4.19', '§6.5', true, true, false, true, 'S'],
    ['i915-5.13', '§6.5', false, true, false, false, 'S'],
    ['nouveau-5.5', '§6.6', true, true, false, true, 'S'],
    ['gru', '§6.7', true, true, true, false, 'A'],
    ['gntdev', '§6.7', true, true, false, true, 'S'],
    ['xe', '§6.8', false, true, false, false, 'S'],
  ];
  it.each(table)('%s cites docs/kernel.md %s and has the shape of its type', (name, section, hlist, interval, hasEnd, startFails, type) => {
    const d = presets[name];
    expect(d.driver).toBe(name);
    expect(d.domainRef).toContain(`docs/kernel.md ${section}`);
    expect(d.hlist !== null).toBe(hlist);
    expect(d.interval !== null).toBe(interval);
    expect(d.hlist?.invalidate_range_end != null).toBe(hasEnd);
    expect(canFail(d.hlist?.invalidate_range_start ?? null)).toBe(startFails);
    // docs/kernel.md §5: A = end undoes start state, B = start may fail, S = no end.
    const computed = d.hlist === null ? 'S' : hasEnd ? (startFails ? 'AB' : 'A') : 'S';
    expect(computed).toBe(type);
  });

  it('every interval form of a driver that can fail fails only through a non-blockable branch', () => {
    for (const [name, d] of Object.entries(presets)) {
      if (!d.interval) continue;
      const code = d.interval.invalidate.code;
      const fails = canFail(d.interval.invalidate);
      const guarded = code.some((i) => (i.op === 'jump' && i.if?.is === 'nonblockable') || (i.op === 'lock' && i.how === 'nbTrylock'));
      expect({ name, fails, guarded: fails ? guarded : true }).toEqual({ name, fails, guarded: true });
    }
  });
});

describe('the non-blocking start with the driver lock free (OOM reaper, docs/kernel.md §3.2, §6)', () => {
  // [preset, first result of A's start in the reaper, reaper outcome]. The VMA meets the
  // driver's object. Strategy: skip-all-end (v4.19–v5.11, the era of these presets).
  const table: [string, string, string][] = [
    ['kvm', '0', 'reaped'], // §6.1: blk and nb identical, never fails
    ['odp-4.19', '-EAGAIN', 'unable_to_reap'], // §6.2: nb walk ⇒ -EAGAIN on the first intersecting umem
    ['odp-4.20', '-EAGAIN', 'unable_to_reap'], // same, still holding umem_rwsem
    ['hmm-5.2', '0', 'reaped'], // §6.3 + L-2019-HMMF: the mirror's -EAGAIN is swallowed
    ['hmm-5.3', '-EAGAIN', 'unable_to_reap'], // the mirror's -EAGAIN is propagated
    ['amdgpu-4.19', '-EAGAIN', 'unable_to_reap'], // §6.4: nb ⇒ -EAGAIN on the first intersecting node
    ['i915-4.19', '-EAGAIN', 'unable_to_reap'], // §6.5: nb ⇒ -EAGAIN on an intersecting userptr
    ['nouveau-5.5', '-EAGAIN', 'unable_to_reap'], // §6.6: nb ⇒ -EAGAIN unconditionally
    ['gru', '0', 'reaped'], // §6.7: never fails
    ['gntdev', '-EAGAIN', 'unable_to_reap'], // §6.7: an overlapping grant map ⇒ -EAGAIN
    ['generic', '0', 'reaped'], // docs/design.md §3.4 defaults: trylock succeeds
  ];
  it.each(table)('%s: start returns %s, reaper %s', (driver, first, reaperOutcome) => {
    const r = run(scenario(driver, 'skip-all-end', ['oom_reaper']), REAPER);
    expect(startResults(r)[0]).toBe(first);
    expect(outcome(r, 'oom_reaper')).toBe(reaperOutcome);
    // A failing start is retried once per attempt: MAX_OOM_REAP_RETRIES (10) starts, no more (INV-9).
    expect(startResults(r).length).toBe(first === '0' ? 1 : 10);
  });

  // [preset, first result] when the VMA does not meet the driver's object: "drivers tested the VA
  // range and returned success if they had no interest" (Jason, docs/kernel.md §3.1, §2.4).
  const uninterested: [string, string][] = [
    ['kvm', '0'],
    ['odp-4.19', '0'],
    ['odp-4.20', '0'],
    ['hmm-5.2', '0'],
    ['hmm-5.3', '0'],
    ['amdgpu-4.19', '0'],
    ['i915-4.19', '0'],
    ['nouveau-5.5', '-EAGAIN'], // §6.6: no range test before the -EAGAIN
    ['gru', '0'],
    ['gntdev', '0'],
  ];
  it.each(uninterested)('%s with no object in the range: start returns %s', (driver, first) => {
    const r = run(scenario(driver, 'skip-all-end', ['oom_reaper'], { interval: ELSEWHERE }), REAPER);
    expect(startResults(r)[0]).toBe(first);
  });

  it('amdgpu-4.19 sleeps on amn->lock in the non-blocking start even when it is free (Tetsuo, docs/kernel.md §6.4)', () => {
    const r = run(scenario('amdgpu-4.19', 'skip-all-end', ['oom_reaper']), REAPER);
    expect(witness(r, 'NonBlockingNeverSleeps')).toBe('oom_reaper sleeps in a non-blockable invalidation: down_read(A.amn_lock)');
    expect(diagnostics(r)[0]).toBe('BUG: BUG: sleeping function called from invalid context (down_read(A.amn_lock)), non_block: 1');
    // The self-undo on -EAGAIN releases the read hold: no lock is left behind.
    expect(r.final.locks['A.amn_lock']).toEqual({ writer: null, readers: [], waiters: [] });
    expect(r.verdicts.QuiescentBalanced.status).toBe('holds');
  });

  it('odp-4.19 leaves context->notifier_count raised on every failed start (docs/kernel.md §6.2 ODP-4.19)', () => {
    const r = run(scenario('odp-4.19', 'skip-all-end', ['oom_reaper']), REAPER);
    expect(r.final.drivers.A.counters).toEqual({ notifier_count: 10, notifiers_count: 0, notifiers_seq: 0 });
    expect(witness(r, 'QuiescentBalanced')).toBe('A.notifier_count = 10 at quiescence (expected 0)');
  });

  it('odp-4.20 returns -EAGAIN still holding umem_rwsem (the bug 7608bf40 fixed, docs/kernel.md §6.2)', () => {
    const r = run(scenario('odp-4.20', 'skip-all-end', ['oom_reaper']), REAPER);
    expect(r.final.locks['A.umem_rwsem'].readers).toEqual(times('oom_reaper', 10));
    expect(witness(r, 'QuiescentBalanced')).toBe('A.umem_rwsem is still held for read by oom_reaper, which has finished');
  });
});

describe('the non-blocking start with the driver lock held by the ioctl thread (docs/kernel.md §3.1, §6)', () => {
  // ioctl:A holds its lock during the reaper's first attempt. [preset, A's start results, driver
  // counters after the run, reaper outcome].
  const table: [string, string[], Record<string, number>, string][] = [
    // MR registration holds umem_rwsem for write and allocates under OOM, so it keeps the lock
    // until the reaper gives up: every trylock fails, before counting.
    ['odp-4.19', times('-EAGAIN', 10), { notifier_count: 0, notifiers_count: 0, notifiers_seq: 0 }, 'unable_to_reap'],
    ['odp-4.20', times('-EAGAIN', 10), { notifiers_count: 0, notifiers_seq: 0 }, 'unable_to_reap'],
    // hmm_mirror_register holds mirrors_sem: 5.2 counted first and does not undo (one leaked
    // count), then "succeeds" by swallowing the mirror's -EAGAIN; 5.3 undoes, then keeps failing.
    ['hmm-5.2', ['-EAGAIN', '0'], { notifiers: 1 }, 'reaped'],
    ['hmm-5.3', times('-EAGAIN', 10), { notifiers: 0 }, 'unable_to_reap'],
    // The CS holds amn->lock for write and allocates: the reaper sleeps in down_read (§3.1 cycle).
    ['amdgpu-4.19', [], { mmu_invalidations: 0 }, 'running'],
    // generic (docs/design.md §3.4 defaults): counts, trylock fails, self-undo; then succeeds.
    ['generic', ['-EAGAIN', '0'], { count: 0, seq: 1 }, 'reaped'],
  ];
  it.each(table)('%s: start results %j', (driver, results, counters, reaperOutcome) => {
    const s = scenario(driver, 'skip-all-end', ['oom_reaper', 'ioctl:A']);
    const r = run(s, heldForOneAttempt(s));
    expect(startResults(r)).toEqual(results);
    expect(r.final.drivers.A.counters).toEqual(counters);
    expect(outcome(r, 'oom_reaper')).toBe(reaperOutcome);
  });

  it('gntdev: nb trylock of priv->lock fails ⇒ -EAGAIN even with no overlapping grant map (docs/kernel.md §6.7)', () => {
    const free = run(scenario('gntdev', 'skip-all-end', ['oom_reaper', 'ioctl:A'], { interval: ELSEWHERE }), REAPER);
    expect(startResults(free)).toEqual(['0']);
    const s = scenario('gntdev', 'skip-all-end', ['oom_reaper', 'ioctl:A'], { interval: ELSEWHERE });
    const held = run(s, heldForOneAttempt(s));
    expect(held.trace.find((t) => t.action === 'A.invalidate_range_start: trylock(priv_lock)')?.events).toEqual(['trylock(A.priv_lock) failed']);
    // Once the ioctl drops the lock, the next attempt succeeds: nothing overlaps.
    expect(startResults(held)).toEqual(['-EAGAIN', '0']);
    expect(outcome(held, 'oom_reaper')).toBe('reaped');
  });

  it('amdgpu-4.19: the CS allocating under amn->lock deadlocks the reaper (Tetsuo, docs/kernel.md §3.1, §6.4)', () => {
    const s = scenario('amdgpu-4.19', 'skip-all-end', ['oom_reaper', 'ioctl:A']);
    const r = run(s, heldForOneAttempt(s));
    expect(r.stuck).toBe(true);
    expect(witness(r, 'NoDeadlock')).toBe('stuck: oom_reaper waits for A.amn_lock (held by ioctl:A) → ioctl:A waits for free memory ← victim reaped ← oom_reaper');
    expect(witness(r, 'NonBlockingNeverSleeps')).toBe('oom_reaper would sleep in a non-blockable invalidation waiting for A.amn_lock');
  });
});

describe('a blocking munmap balances every counter (docs/kernel.md §2.1, INV-3)', () => {
  // [preset, strategy, counters after munmap]. Every preset tears its mappings down in blk mode.
  const table: [string, string, Record<string, number>][] = [
    ['kvm', 'skip-all-end', { mmu_invalidate_in_progress: 0, mmu_invalidate_seq: 1 }],
    ['odp-4.19', 'skip-all-end', { notifier_count: 0, notifiers_count: 0, notifiers_seq: 1 }],
    ['odp-4.20', 'skip-all-end', { notifiers_count: 0, notifiers_seq: 1 }],
    ['hmm-5.2', 'skip-all-end', { notifiers: 0 }],
    ['hmm-5.3', 'skip-all-end', { notifiers: 0 }],
    ['amdgpu-4.19', 'skip-all-end', { mmu_invalidations: 1 }],
    ['i915-4.19', 'skip-all-end', { userptr_cancels: 1 }], // a cancellation marker, not a balance
    ['nouveau-5.5', 'skip-all-end', {}],
    ['gru', 'skip-all-end', { ms_range_active: 0 }],
    ['gntdev', 'skip-all-end', {}],
    ['generic', 'skip-all-end', { count: 0, seq: 1 }],
    ['odp-5.5', 'core-counter', {}],
    ['amdgpu-5.5', 'core-counter', {}],
    ['i915-5.13', 'core-counter', {}],
    ['nouveau-5.5', 'core-counter', {}],
    ['gru', 'core-counter', { ms_range_active: 0 }],
    ['gntdev', 'core-counter', {}],
  ];
  it.each(table)('%s under %s', (driver, strategy, counters) => {
    const r = run(scenario(driver, strategy, ['munmap']), times('munmap', 60));
    expect(outcome(r, 'munmap')).toBe('finished');
    expect(startResults(r)).toEqual([strategy === 'core-counter' ? 'true' : '0']);
    expect(r.final.drivers.A.counters).toEqual(counters);
    expect(r.final.drivers.A.sptes).toEqual({}); // no stale secondary mapping left (INV-12)
    expect(r.final.core.activeInvalidateRanges).toBe(0);
    expect(r.final.core.invalidateSeq % 2).toBe(0);
    expect(violated(r)).toEqual([]);
  });
});

describe('interval presets in non-blocking mode (docs/kernel.md §5.3, §2.2)', () => {
  // [preset, invalidate result in the reaper]. core-counter: every notifier is an interval sub.
  const table: [string, string][] = [
    ['odp-5.5', 'false'], // §6.2: nb ⇒ false
    ['amdgpu-5.5', 'false'], // §6.4: nb ⇒ false
    ['i915-5.13', 'false'], // §6.5: nb ⇒ false
    ['nouveau-5.5', 'false'], // §6.6: the folded pair fails like the svmm notifier
    ['gntdev', 'false'], // adaptation: nb ⇒ false
    ['i915-4.19', 'false'], // its interval form is the 5.13 one
    ['kvm', 'true'], // Christoph's adaptation of a never-failing driver
    ['gru', 'true'],
  ];
  it.each(table)('%s: invalidate returns %s', (driver, result) => {
    const r = run(scenario(driver, 'core-counter', ['oom_reaper']), REAPER);
    expect(startResults(r)[0]).toBe(result);
    if (result === 'false') {
      // out_would_block: the core undoes its own count and returns -EAGAIN; the hlist is not visited.
      expect(events(r)).toContain('invalidate_range_start_nonblock -> -EAGAIN');
      expect(startResults(r)).toEqual(times('false', 10));
      expect(outcome(r, 'oom_reaper')).toBe('unable_to_reap');
    } else expect(outcome(r, 'oom_reaper')).toBe('reaped');
    expect(r.final.core.activeInvalidateRanges).toBe(0);
    expect(r.final.core.invalidateSeq % 2).toBe(0);
    expect(r.verdicts.QuiescentBalanced.status).toBe('holds');
    expect(r.verdicts.StartReturnContract.status).toBe('holds');
  });

  it('interval-only presets run in interval form under every strategy; nouveau-5.5 runs both forms (hlist + per-fault interval notifier) but under core-counter', () => {
    for (const driver of ['odp-5.5', 'amdgpu-5.5', 'i915-5.13']) {
      const r = resolve(scenario(driver, 'skip-all-end', ['oom_reaper', 'fault:A']));
      expect(r.ok && r.world.ops.A.form).toBe('interval');
    }
    const both = resolve(scenario('nouveau-5.5', 'skip-all-end', ['fault:A']));
    expect(both.ok && both.world.ops.A.form).toBe('both');
    const iv = resolve(scenario('nouveau-5.5', 'core-counter', ['fault:A']));
    expect(iv.ok && iv.world.ops.A.form).toBe('interval');
  });
});

describe('the fault path installs a secondary mapping (docs/kernel.md §2.5)', () => {
  // The reaper runs to the end first, then the fault on page 0. [preset, strategy, frame mapped
  // at page 0]: 0 is the original frame (the reaper gave up and left the page table alone);
  // 'EFAULT': the reaper unmapped page 0 and set MMF_UNSTABLE, so faulting it back in fails
  // (check_stable_address_space, docs/kernel.md §3.2).
  const table: [string, string, number | 'EFAULT'][] = [
    ['kvm', 'skip-all-end', 'EFAULT'],
    ['odp-4.19', 'skip-all-end', 0],
    ['odp-4.20', 'skip-all-end', 0],
    ['hmm-5.2', 'skip-all-end', 'EFAULT'],
    ['hmm-5.3', 'skip-all-end', 0],
    ['amdgpu-4.19', 'skip-all-end', 0],
    ['i915-4.19', 'skip-all-end', 0],
    ['gru', 'skip-all-end', 'EFAULT'],
    ['generic', 'skip-all-end', 'EFAULT'],
    ['odp-5.5', 'core-counter', 0],
    ['amdgpu-5.5', 'core-counter', 0],
    ['i915-5.13', 'core-counter', 0],
    ['nouveau-5.5', 'core-counter', 0],
    ['kvm', 'core-counter', 'EFAULT'],
    ['gru', 'core-counter', 'EFAULT'],
  ];
  it.each(table)('%s under %s maps page 0 to frame %s', (driver, strategy, frame) => {
    const r = run(scenario(driver, strategy, ['oom_reaper', 'fault:A']), REAPER);
    expect(outcome(r, 'fault:A')).toBe('finished');
    if (frame === 'EFAULT') {
      expect(events(r)).toContain('get_user_pages(page 0) -> -EFAULT (MMF_UNSTABLE)');
      expect(events(r).some((e) => e.startsWith('A: map page 0'))).toBe(false);
    } else {
      expect(r.final.drivers.A.sptes[0]).toBe(frame);
      expect(events(r)).toContain(`A: map page 0 -> frame ${frame}`);
    }
  });

  // A fault that read its snapshot before a munmap collides and retries; after the munmap the
  // page is gone (GUP -EFAULT), so nothing is installed. [preset, strategy].
  const collide: [string, string][] = [
    ['kvm', 'skip-all-end'],
    ['odp-4.19', 'skip-all-end'],
    ['amdgpu-4.19', 'skip-all-end'],
    ['odp-5.5', 'core-counter'],
    ['amdgpu-5.5', 'core-counter'],
    ['i915-5.13', 'core-counter'],
    ['nouveau-5.5', 'core-counter'],
  ];
  it.each(collide)('%s under %s: snapshot, GUP, munmap, then the check retries', (driver, strategy) => {
    // fault: snapshot/read_begin and GUP; then munmap runs to completion; then the fault.
    const r = run(scenario(driver, strategy, ['munmap', 'fault:A']), ['fault:A', 'fault:A', ...times('munmap', 60)]);
    expect(events(r)).toContain('fault collided with an invalidation: retry');
    expect(events(r)).toContain('get_user_pages(page 0) -> -EFAULT');
    expect(r.final.drivers.A.sptes).toEqual({});
    expect(violated(r)).toEqual([]);
  });
});

describe('GRU: the fault sleeps until ms_range_active == 0 (docs/kernel.md §6.7)', () => {
  it('a fault cannot step while a munmap window is open, and can once the end ran', () => {
    const { world: w, state } = world(scenario('gru', 'skip-all-end', ['munmap', 'fault:A']));
    const counter = (s: ModelState) => s.drivers.A.counters.ms_range_active;
    const open = stepUntil(w, state, 'munmap', (s) => counter(s) === 1);
    expect(enabledThreads(w, open)).toEqual(['munmap']);
    expect(blocker(w, open, threadById(open, 'fault:A') as NonNullable<ReturnType<typeof threadById>>)).toEqual({ on: 'counter', sub: 'A', counter: 'ms_range_active' });
    expect(step(w, open, 'fault:A')).toEqual({ tag: 'blocked', thread: 'fault:A', blocker: { on: 'counter', sub: 'A', counter: 'ms_range_active' } });
    const closed = stepUntil(w, open, 'munmap', (s) => counter(s) === 0);
    expect(enabledThreads(w, closed)).toEqual(['munmap', 'fault:A']);
    expect(stepOnce(w, closed, 'fault:A').label).toBe('A.fault: wait_event(ms_range_active == 0)');
  });

  // GRU (type A) beside gntdev (type S, fails in nb): the Sean 2021 case. [strategy, final
  // ms_range_active, fault outcome, stuck].
  const table: [string, number, string, boolean][] = [
    ['skip-all-end', 10, 'running', true], // §5.0: ends skipped ⇒ GRU "fatally broken"
    ['call-all-end-2021', 0, 'finished', false], // §5.1c: GRU has an end and succeeded ⇒ ended
    ['call-all-end-2019', 0, 'finished', false], // §5.1a
    ['sorted-undo', 0, 'finished', false], // §5.2: GRU (256) < gntdev (512) ⇒ ended
    ['reaper-calls-end', 0, 'finished', false], // §5.1b
  ];
  it.each(table)('gru + gntdev under %s: ms_range_active = %i', (strategy, active, faultOutcome, stuck) => {
    const r = run(scenario('gru', strategy, ['oom_reaper', 'fault:A'], { more: [{ name: 'B', driver: 'gntdev', address: 512 }] }), REAPER);
    expect(r.final.drivers.A.counters.ms_range_active).toBe(active);
    expect(outcome(r, 'fault:A')).toBe(faultOutcome);
    expect(r.stuck).toBe(stuck);
    expect(startResults(r, 'B')).toEqual(times('-EAGAIN', 10));
    if (stuck) {
      expect(witness(r, 'NoDeadlock')).toBe('stuck: fault:A waits for A.ms_range_active = 10 to reach 0 (no invalidation open: its end was lost)');
      expect(witness(r, 'QuiescentBalanced')).toBe('A.ms_range_active = 10 at quiescence (expected 0)');
    } else expect(r.verdicts.QuiescentBalanced.status).toBe('holds');
  });
});

describe('HMM 5.2 vs 5.3 (docs/kernel.md §6.3, L-2019-HMMF)', () => {
  // mirrors_sem held by hmm_mirror_register when the reaper comes: [preset, notifiers right
  // after the failed start, QuiescentBalanced, fault outcome].
  const table: [string, number, string, string][] = [
    ['hmm-5.2', 1, 'violated', 'running'], // "notifiers becoming permanently incremented and deadlock"
    ['hmm-5.3', 0, 'holds', 'finished'], // notifiers_decrement on the error path
  ];
  it.each(table)('%s: failed mirrors_sem trylock leaves notifiers = %i', (driver, afterFail, balanced, faultOutcome) => {
    const s = scenario(driver, 'skip-all-end', ['oom_reaper', 'ioctl:A', 'fault:A']);
    const r = run(s, heldForOneAttempt(s));
    const failAt = r.trace.findIndex((t) => t.events.includes('A.invalidate_range_start -> -EAGAIN'));
    const counts = r.trace.slice(0, failAt + 1).flatMap((t) => t.events).filter((e) => e.startsWith('A.notifiers '));
    expect(counts.at(-1)).toBe(afterFail === 1 ? 'A.notifiers 0 -> 1' : 'A.notifiers 1 -> 0');
    expect(r.verdicts.QuiescentBalanced.status).toBe(balanced);
    expect(outcome(r, 'fault:A')).toBe(faultOutcome);
  });

  it('hmm-5.2 reports success while the mirror kept its mapping of freed pages; 5.3 reports -EAGAIN', () => {
    const r52 = run(scenario('hmm-5.2', 'call-all-end-2021', ['oom_reaper']), REAPER);
    expect(startResults(r52)).toEqual(['0']);
    expect(r52.final.mm.freedFrames).toEqual([0, 1, 2, 3]);
    expect(r52.final.drivers.A.sptes).toEqual({ 0: 0, 1: 1, 2: 2, 3: 3 }); // "the device continues to touch the pages"
    const r53 = run(scenario('hmm-5.3', 'call-all-end-2021', ['oom_reaper']), REAPER);
    expect(startResults(r53)[0]).toBe('-EAGAIN');
    expect(r53.final.mm.freedFrames).toEqual([]);
  });

  it('hmm-5.2 takes the hmm->lock mutex in the end, also on the reaper path (docs/kernel.md §6.3)', () => {
    const r = run(scenario('hmm-5.2', 'skip-all-end', ['oom_reaper']), REAPER);
    expect(witness(r, 'NonBlockingNeverSleeps')).toBe('oom_reaper sleeps in a non-blockable invalidation: lock(A.hmm_lock)');
    const r53 = run(scenario('hmm-5.3', 'skip-all-end', ['oom_reaper']), REAPER);
    expect(r53.verdicts.NonBlockingNeverSleeps.status).toBe('holds'); // ranges_lock is a spinlock
  });
});

describe('self-undo vs call-all-end (docs/kernel.md §5.1 "Where call-all-end is unsafe")', () => {
  // A failing nb start whose end is then called by the strategy. [preset, strategy, ioctl first,
  // NoCounterUnderflow]. Jason (§5.1a): "hmm is OK, ODP is not" — true of hmm-5.2, not of the
  // self-undoing hmm-5.3 (docs/kernel.md's [A] conflict note).
  const table: [string, string, boolean, string][] = [
    ['hmm-5.2', 'call-all-end-2019', true, 'holds'], // no self-undo: the end balances the count
    ['hmm-5.3', 'call-all-end-2019', true, 'violated'], // self-undo + end = double decrement
    ['odp-4.19', 'call-all-end-2019', false, 'violated'], // end decrements a notifiers_count start never raised
    ['hmm-5.3', 'skip-all-end', true, 'holds'],
    ['odp-4.19', 'skip-all-end', false, 'holds'],
  ];
  it.each(table)('%s under %s: NoCounterUnderflow %s', (driver, strategy, ioctlFirst, verdict) => {
    const s = scenario(driver, strategy, ['oom_reaper', 'ioctl:A']);
    const r = run(s, ioctlFirst ? heldForOneAttempt(s) : REAPER);
    expect(startResults(r)[0]).toBe('-EAGAIN');
    expect(r.verdicts.NoCounterUnderflow.status).toBe(verdict);
  });

  it('amdgpu-4.19 (self-undoing rwsem hold) under call-all-end-2019 releases amn->lock twice', () => {
    const r = run(scenario('amdgpu-4.19', 'call-all-end-2019', ['oom_reaper']), REAPER);
    expect(witness(r, 'NoCounterUnderflow')).toBe('up_read(A.amn_lock) with no reader: rwsem count -1 went to -1');
  });
});

describe('amdgpu-4.19: amn->lock is read-held from start to end (docs/kernel.md §2.4, §6.4)', () => {
  it('a CS cannot take amn->lock for write inside a munmap window', () => {
    const { world: w, state } = world(scenario('amdgpu-4.19', 'skip-all-end', ['munmap', 'ioctl:A']));
    const open = stepUntil(w, state, 'munmap', (s) => threadById(s, 'munmap')?.pc === 'unmap');
    expect(open.locks['A.amn_lock']).toEqual({ writer: null, readers: ['munmap'], waiters: [] });
    const cs = (s: typeof open) => threadById(s, 'ioctl:A') as NonNullable<ReturnType<typeof threadById>>;
    // down_write: the CS joins the wait list (a step), then sleeps (model/rwsem.ts).
    expect(waitOf(w, open, cs(open))).toEqual({ on: 'lock', lock: 'A.amn_lock', mode: 'write' });
    const q = stepOnce(w, open, 'ioctl:A');
    expect(q.label).toBe('A.ioctl: lock(amn_lock): waits (queued for write, munmap holds it for read)');
    expect(blocker(w, q.state, cs(q.state))).toEqual({ on: 'lock', lock: 'A.amn_lock', mode: 'write' });
    const closed = stepUntil(w, q.state, 'munmap', (s) => s.locks['A.amn_lock'].readers.length === 0);
    expect(stepOnce(w, closed, 'ioctl:A').label).toBe('A.ioctl: lock(amn_lock)');
  });
});

describe('nouveau-5.5 (docs/kernel.md §6.6)', () => {
  it('hlist svmm notifier: nb ⇒ -EAGAIN without touching svmm->mutex; blk ⇒ mutex, PFNCLR', () => {
    const nb = run(scenario('nouveau-5.5', 'call-all-end-2021', ['oom_reaper']), REAPER);
    expect(startResults(nb)).toEqual(times('-EAGAIN', 10));
    expect(nb.trace.some((t) => t.action.includes('(mutex)'))).toBe(false);
    const blk = run(scenario('nouveau-5.5', 'call-all-end-2021', ['munmap']), times('munmap', 40));
    expect(blk.trace.map((t) => t.action).filter((a) => a.startsWith('A.'))).toEqual([
      'A.invalidate_range_start: if (!blockable)',
      'A.invalidate_range_start: lock(mutex)',
      'A.invalidate_range_start: zap secondary mappings',
      'A.invalidate_range_start: unlock(mutex)',
      'A.invalidate_range_start: return 0',
    ]);
  });

  it('interval form: set_seq under the mutex even when the wave then fails, so a fault retries', () => {
    const r = run(scenario('nouveau-5.5', 'core-counter', ['oom_reaper', 'fault:A']), ['fault:A', 'fault:A', ...REAPER]);
    expect(events(r)).toContain('A.invalidate_seq 1 -> 3');
    expect(events(r)).toContain('mmu_interval_read_retry -> true');
    expect(outcome(r, 'fault:A')).toBe('finished');
    expect(r.final.core).toMatchObject({ invalidateSeq: 22, activeInvalidateRanges: 0, hasItree: true, deferred: [] });
  });
});

describe('an interval sub beside a failing hlist notifier (docs/kernel.md §2.2) [A]', () => {
  // __mmu_notifier_invalidate_range_start returns the hlist's -EAGAIN after mn_itree_invalidate
  // succeeded, without mn_itree_inv_end, and the reaper calls no end: active_invalidate_ranges
  // leaks one count per failed start whose interval part passed (here VMA 1 [4,8), where no
  // interval notifier intersects, once per attempt). The next blocking invalidation then leaves
  // invalidate_seq odd for good, and mmu_interval_read_begin sleeps forever. The model follows
  // the kernel here (mm/mmu_notifier.c v5.10 and v5.15 read the same); this pins it.
  it('odp-5.5 (interval, [0,4)) + nouveau-5.5 (hlist) on two VMAs, then a munmap and a fault', () => {
    const r = run(
      scenario('odp-5.5', 'skip-all-end', ['oom_reaper', 'munmap', 'fault:A'], {
        interval: { start: 0, end: 4 },
        vmas: [VMA, { start: 4, end: 8 }],
        more: [{ name: 'B', driver: 'nouveau-5.5', address: 512 }],
      }),
      [...REAPER, ...times('munmap', 40)],
    );
    // Attempt 1 fails on VMA 1; munmap (VMA 0) passes B's blocking start; attempts 2–10 fail on VMA 1.
    expect(startResults(r, 'B')).toEqual(['-EAGAIN', '0', ...times('-EAGAIN', 9)]);
    expect(r.final.core).toMatchObject({ invalidateSeq: 5, activeInvalidateRanges: 10, hasItree: true, deferred: [] });
    expect(witness(r, 'QuiescentBalanced')).toBe('active_invalidate_ranges = 10 at quiescence');
    expect(witness(r, 'NoDeadlock')).toBe('stuck: fault:A waits for the invalidation of A to end');
  });
});
