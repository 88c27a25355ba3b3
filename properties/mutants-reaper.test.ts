/**
 * The OOM reaper (model/reaper.ts; docs/kernel.md §3.2, §3.3) on exact schedules: what each of
 * its steps prints and returns in each era, the v4.14 skip, an mm exit_mmap already marked
 * MMF_OOM_SKIP, the retry after a failed attempt, and that recording changes nothing but the
 * printed events. Written against the mutants StrykerJS left alive in that file (issue #12 item 4).
 */
import { describe, expect, it } from 'vitest';
import { REAPER_ERAS, reaperNotifies, run, type ModelState, type Scenario } from '../model/index.ts';
import { factsOf, notifier, reaperOf, runWithFacts, sameRecordedOrNot, scenario, times, world } from './support.ts';

const TWO_VMAS = [{ start: 0, end: 4 }, { start: 4, end: 8 }];
const reaperSteps = (r: { trace: readonly { thread: string; action: string; events: readonly string[] }[] }) =>
  r.trace.filter((s) => s.thread === 'oom_reaper').map((s) => [s.action, s.events]);
/** A notifier whose non-blocking start always fails with -EAGAIN; no end, no counter (the generic driver). */
const eagain = (name: string, address: number) => ({ ...notifier(name, 'generic', address), nonblockStart: 'always-eagain' as const, hasEnd: false, countsInStart: false });

describe('which eras tell secondary MMUs (docs/kernel.md §3.3)', () => {
  it('only the v4.19+ reaper calls the notifiers', () => {
    expect(Object.fromEntries(REAPER_ERAS.map((e) => [e, reaperNotifies(e)]))).toStrictEqual({ 'no-notify': false, 'skip-if-notifiers': false, 'nonblock-per-vma': true });
  });
});

describe('v4.14 (skip-if-notifiers, 4d4bbd8526a8): an mm with notifiers is skipped, one without is reaped VMA by VMA', () => {
  const kvm = [notifier('A', 'kvm', 256)];

  it("Andrea's placement: the check under mmap_lock, then the skip drops the lock and declares the mm reaped", () => {
    const r = runWithFacts(scenario({ reaper: 'skip-if-notifiers', notifiers: kvm }), []);
    expect(reaperSteps(r)).toEqual([
      ['mmap_read_trylock', ['mmap_read_trylock ok']],
      ['oom_reaper: skip mm with notifiers', ['mm_has_notifiers: skip; schedule_timeout_idle(HZ); set MMF_OOM_SKIP']],
    ]);
    expect(factsOf(r.facts, 'mm_skipped')).toEqual([{ fact: 'mm_skipped', thread: 'oom_reaper', step: 2 }]);
    expect(r.final.locks.mmap_lock).toEqual({ writer: null, readers: [], waiters: [] });
    expect(reaperOf(r.final)).toMatchObject({ outcome: 'reaped', attempts: 0 });
    // The skip comes before set_bit(MMF_UNSTABLE) in 4d4bbd8526a8: a skipped mm is not marked unstable.
    expect(r.final.mm).toMatchObject({ MMF_OOM_SKIP: true, MMF_UNSTABLE: false });
  });

  it('the 2017 RFC placement (reaperChecksNotifiersBeforeLock): mm_has_notifiers before the trylock reads yes or no', () => {
    const yes = runWithFacts(scenario({ reaper: 'skip-if-notifiers', notifiers: kvm, knobs: { reaperChecksNotifiersBeforeLock: true } }), []);
    expect(reaperSteps(yes)).toEqual([
      ['mm_has_notifiers (before mmap_read_trylock)', ['mm_has_notifiers: yes']],
      ['oom_reaper: skip mm with notifiers', ['mm_has_notifiers: skip; schedule_timeout_idle(HZ); set MMF_OOM_SKIP']],
    ]);
    const no = runWithFacts(scenario({ reaper: 'skip-if-notifiers', notifiers: [], knobs: { reaperChecksNotifiersBeforeLock: true } }), []);
    expect(reaperSteps(no).slice(0, 2)).toEqual([
      ['mm_has_notifiers (before mmap_read_trylock)', ['mm_has_notifiers: no']],
      ['mmap_read_trylock', ['mmap_read_trylock ok; set MMF_UNSTABLE']],
    ]);
    expect(factsOf(no.facts, 'mm_skipped')).toEqual([]);
  });

  it('without notifiers it unmaps each VMA under its own mmu_gather (an mmu_gather per VMA from v4.14), freeing its frames before the next', () => {
    const r = runWithFacts(scenario({ reaper: 'skip-if-notifiers', vmas: TWO_VMAS, notifiers: [] }), []);
    expect(reaperSteps(r)).toEqual([
      ['mmap_read_trylock', ['mmap_read_trylock ok; set MMF_UNSTABLE']],
      ['unmap_page_range vma 0', ['unmap_page_range [0,4): clear PTEs, gather frames 0,1,2,3']],
      ['tlb_finish_mmu', ['tlb_finish_mmu: free frames 0,1,2,3']],
      ['unmap_page_range vma 1', ['unmap_page_range [4,8): clear PTEs, gather frames 4,5,6,7']],
      ['tlb_finish_mmu', ['tlb_finish_mmu: free frames 4,5,6,7']],
      ['mmap_read_unlock', ['mmap_read_unlock; reaped; set MMF_OOM_SKIP']],
    ]);
    expect(reaperOf(r.final).outcome).toBe('reaped');
  });
});

describe('oom_reap_task_mm on an mm exit_mmap has marked MMF_OOM_SKIP (docs/kernel.md §3.2)', () => {
  // B fails every non-blocking start, so the reaper's first attempt fails and it sleeps; exit_mmap
  // then runs to its end (it sets MMF_OOM_SKIP) and the reaper wakes for its second attempt.
  const sc: Scenario = scenario({ threads: ['oom_reaper', 'exit_mmap'], notifiers: [eagain('B', 512)] });

  it('the next attempt takes the lock, sees the flag, unmaps nothing and unlocks: the reaper is done, not failed', () => {
    const first = runWithFacts(sc, times('oom_reaper', 5), { drainBound: 0 });
    expect(reaperSteps(first).at(-1)).toEqual(['mmap_read_unlock', ['mmap_read_unlock; attempt failed']]);
    expect(reaperOf(first.final)).toMatchObject({ pc: 'sleep', attempts: 1, attemptOk: false });
    const r = runWithFacts(sc, [...times('oom_reaper', 5), ...times('exit_mmap', 40), ...times('oom_reaper', 4)]);
    expect(r.trace.findIndex((s) => s.thread === 'exit_mmap' && s.events.some((e) => e.startsWith('set MMF_OOM_SKIP')))).toBeGreaterThan(0);
    expect(reaperSteps(r).slice(-3)).toEqual([
      ['schedule_timeout_idle(HZ/10)', []],
      ['mmap_read_trylock', ['mmap_read_trylock ok; MMF_OOM_SKIP already set']],
      ['mmap_read_unlock', ['mmap_read_unlock']],
    ]);
    expect(reaperOf(r.final)).toMatchObject({ outcome: 'finished', attempts: 1 });
    expect(factsOf(r.facts, 'range_start_returned').filter((f) => f.thread === 'oom_reaper')).toHaveLength(1);
    expect(r.final.locks.mmap_lock).toEqual({ writer: null, readers: [], waiters: [] });
  });
});

describe('a step records its printable events only when asked; its state, facts and diagnostics do not depend on it', () => {
  const same = (sc: Scenario, schedule: readonly string[]) => {
    const { world: w } = world(sc);
    const pairs: { before: ModelState; thread: string }[] = [];
    run(sc, schedule, { onStep: (st, before) => pairs.push({ before, thread: st.thread }) });
    const printed: string[] = [];
    for (const { before, thread } of pairs) printed.push(...sameRecordedOrNot(w, before, thread).events);
    return printed;
  };

  it('the v4.14 reaper, both placements of the check', () => {
    const kvm = [notifier('A', 'kvm', 256)];
    expect(same(scenario({ reaper: 'skip-if-notifiers', notifiers: kvm, knobs: { reaperChecksNotifiersBeforeLock: true } }), [])).toContain('mm_has_notifiers: yes');
    expect(same(scenario({ reaper: 'skip-if-notifiers', notifiers: kvm }), [])).toContain('mmap_read_trylock ok');
  });

  it('a trylock failing on a writer, ten failed attempts, and an mm already marked MMF_OOM_SKIP', () => {
    const locked = same(scenario({ reaper: 'skip-if-notifiers', notifiers: [], threads: ['oom_reaper', 'munmap'] }), ['munmap', 'oom_reaper']);
    expect(locked).toContain('mmap_read_trylock failed');
    const tenTimes = same(scenario({ notifiers: [eagain('B', 512)] }), []);
    expect(tenTimes).toContain('oom_reaper: unable to reap after 10 attempts; set MMF_OOM_SKIP');
    const skipSet = same(scenario({ threads: ['oom_reaper', 'exit_mmap'], notifiers: [eagain('B', 512)] }), [...times('oom_reaper', 5), ...times('exit_mmap', 40), ...times('oom_reaper', 4)]);
    expect(skipSet).toContain('mmap_read_trylock ok; MMF_OOM_SKIP already set');
  });
});
