/**
 * Kernel fidelity II: every place where the kernel drops a lock, sleeps or reads shared state
 * without its lock between two statements is two steps in the model (docs/kernel.md §10, the
 * atomicity table). One describe per window, each with the kernel's verdict: found where the
 * kernel breaks, holds where it does not.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check } from '../engine/check.ts';
import { exhaustive } from '../engine/exhaustive.ts';
import { search } from '../engine/random.ts';
import { BUILTIN, I, blocker, program, step, threadById, waitOf, type Catalogue, type DriverDef, type Scenario, type ThreadState } from '../model/index.ts';
import { seed } from './seed.ts';
import { factsOf, notifier, runWithFacts, stepOnce, stepUntil, threadOf, times, world } from './support.ts';

const base = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }] } as const;
const events = (r: { trace: readonly { events: readonly string[] }[] }): string[] => r.trace.flatMap((s) => s.events);

/** Step the schedule, every choice required to step. */
const steps = (sc: Scenario, schedule: readonly string[], catalogue?: Catalogue) => {
  const { world: w, state } = world(sc, catalogue);
  let s = state;
  for (const th of schedule) s = stepOnce(w, s, th).state;
  return { w, s };
};

describe('1. the v4.14 reaper reads mm_has_notifiers before taking mmap_lock (the 2017 RFC; Andrea, Seed2)', () => {
  const sc = JSON.parse(readFileSync(new URL('../examples/seed-002-reaper-check-before-lock.json', import.meta.url), 'utf8')) as Scenario;

  it('the RFC placement: a registration and a device fault land between the check and the trylock, and the reaper frees pages KVM maps', () => {
    const [stale, uaf] = check([sc], { invariants: ['NoStaleSecondaryMapping', 'NoUseAfterFree'], seed, runs: 1000 });
    expect(stale.result.verdict).toBe('violated');
    expect(uaf.result.verdict).toBe('violated');
    const trace = stale.result.counterexample?.trace ?? [];
    const check_ = trace.findIndex((s) => s.action === 'mm_has_notifiers (before mmap_read_trylock)');
    const registered = trace.findIndex((s) => s.action === 'mmu_notifier_register(A)');
    const trylock = trace.findIndex((s) => s.action === 'mmap_read_trylock');
    expect(check_).toBeGreaterThanOrEqual(0);
    expect(registered).toBeGreaterThan(check_); // the registration lands between the check ...
    expect(trylock).toBeGreaterThan(registered); // ... and the lock
    expect(trace[check_].events).toEqual(['mm_has_notifiers: no']);
  });

  it("Andrea's placement (the check under mmap_lock, as merged in 4d4bbd8526a8) holds on every interleaving", () => {
    const merged: Scenario = { ...sc, knobs: { reaperChecksNotifiersBeforeLock: false } };
    for (const inv of ['NoStaleSecondaryMapping', 'NoUseAfterFree']) {
      const ex = exhaustive(merged, inv, 200);
      expect(ex.verdict, ex.counterexample?.witness).toBe('holds');
      expect(ex.states).toBeGreaterThan(30);
    }
  });
});

describe('2. a deferred interval insert returns 0 and its reader waits for the wave (mmu_interval_notifier_insert, §1.5)', () => {
  // KVM (adapted to the interval core) mirrors every page; N mirrors VMA 1, which munmap keeps.
  const sc: Scenario = {
    ...base, vmas: [{ start: 0, end: 4 }, { start: 4, end: 8 }], strategy: 'core-counter',
    notifiers: [notifier('A', 'kvm', 256), notifier('N', 'odp-5.5', 512, { start: 4, end: 8 })], threads: ['munmap', 'register:N', 'fault:N'],
  };

  it('the fault of a notifier whose insert was deferred sleeps in mmu_interval_read_begin instead of being abandoned, then maps', () => {
    // munmap: lock, downgrade, start (the tree freezes: seq 3); N inserts: deferred.
    const { w, s } = steps(sc, ['munmap', 'munmap', 'munmap', 'register:N']);
    expect(s.core.deferred).toEqual([{ sub: 'N', op: 'insert' }]);
    expect(s.subs.find((x) => x.name === 'N')).toMatchObject({ registered: false, invalidateSeq: 3 });
    expect(blocker(w, s, threadById(s, 'fault:N')!)).toEqual({ on: 'invalidation', sub: 'N' });
    const r = runWithFacts(sc, ['munmap', 'munmap', 'munmap', 'register:N', 'fault:N']);
    expect(events(r)).not.toContain('N: mirror released, the fault is abandoned');
    expect(events(r)).toContain('N: map page 4 -> frame 4');
    expect(r.verdicts.FaultLiveness).toEqual({ status: 'holds' });
  });
});

describe('3. the first interval insert: mmu_notifier_register(NULL) under the mmap lock, then the insert without it (§1.5)', () => {
  const sc: Scenario = { ...base, strategy: 'skip-all-end', notifiers: [notifier('A', 'kvm', 256), notifier('N', 'odp-5.5', 512)], threads: ['register:N', 'munmap'] };

  it('three steps, and an invalidation that starts between the unlock and the insert makes the insert freeze the tree', () => {
    const r = runWithFacts(sc, ['register:N', 'register:N', 'munmap', 'munmap', 'munmap', 'register:N']);
    expect(r.trace.filter((s) => s.thread === 'register:N').map((s) => s.action)).toEqual([
      'mmu_notifier_register(NULL): mmap_write_lock; mm_take_all_locks',
      'mm_drop_all_locks; mmap_write_unlock',
      'mmu_interval_notifier_insert(N)',
    ]);
    // munmap's start ran with has_itree set and N not yet in the tree (active 1, seq even); the
    // insert then sets N's seq to the odd current seq, so N's readers wait for munmap's end.
    expect(events(r)).toContain('N: interval_tree_insert, invalidate_seq 3');
    expect(r.verdicts.IntervalSeqProtocol).toEqual({ status: 'holds' });
  });
});

describe('4. nouveau as it is: one SVMM with a classic notifier and a per-fault interval notifier (§6.6, §2.2)', () => {
  it('alone it leaks active_invalidate_ranges when the reaper\'s hlist start fails after the interval part passed, and its fault hangs', () => {
    const t = { ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'nouveau-5.5', 256)], threads: ['oom_reaper', 'fault:A'] };
    const r = search(t, 'NoDeadlock', { seed, numRuns: 300 });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toBe('stuck: fault:A waits for the invalidation of A to end');
    expect(search(t, 'QuiescentBalanced', { seed, numRuns: 300 }).counterexample?.witness).toMatch(/^active_invalidate_ranges = \d+ at quiescence$/);
  });

  it('the fault inserts and removes its interval notifier around nouveau_range_fault', () => {
    const r = runWithFacts({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'nouveau-5.5', 256)], threads: ['fault:A'] }, []);
    expect(r.trace.map((s) => s.action)).toEqual([
      'A.fault: mmu_interval_notifier_insert', // mmu_notifier_register(NULL) first
      'A.fault: mmu_interval_notifier_insert',
      'A.fault: mmu_interval_read_begin',
      'A.fault: get_user_pages',
      'A.fault: lock(mutex)',
      'A.fault: mmu_interval_read_retry',
      'A.fault: install secondary mapping',
      'A.fault: unlock(mutex)',
      'A.fault: mmu_interval_notifier_remove',
      'A.fault: return 0',
    ]);
    expect(r.final.subs[0]).toMatchObject({ form: 'both', registered: true, inTree: false });
  });
});

describe('5. other invalidators overlap the reaper: munmap downgrades to the read lock (v4.20+), MADV_DONTNEED zaps under it (§2.1)', () => {
  const kvm = [notifier('A', 'kvm', 256)];

  it('after mmap_write_downgrade the reaper takes mmap_read_trylock while munmap is inside its invalidation', () => {
    const sc: Scenario = { ...base, vmas: [{ start: 0, end: 4 }, { start: 4, end: 8 }], strategy: 'call-all-end-2021', notifiers: kvm, threads: ['oom_reaper', 'munmap'] };
    // munmap: lock, downgrade, start, KVM's start (lock, count++, zap, unlock, return 0); then the
    // reaper: trylock, start on VMA 1 (munmap detached VMA 0), KVM's start: lock, count++.
    const { s } = steps(sc, [...times('munmap', 8), ...times('oom_reaper', 4)]);
    expect(s.locks.mmap_lock).toEqual({ writer: null, readers: ['munmap', 'oom_reaper'], waiters: [] });
    expect(threadOf(s, 'munmap', 'munmap').inv).not.toBeNull();
    expect(threadOf(s, 'oom_reaper', 'oom_reaper').inv).not.toBeNull(); // both windows open at once
    expect(s.drivers.A.counters.mmu_invalidate_in_progress).toBe(2);
  });

  it('with two windows open at once KVM stays paired and balanced (every interleaving)', () => {
    for (const threads of [['oom_reaper', 'munmap'], ['oom_reaper', 'madvise']]) {
      const sc: Scenario = { ...base, vmas: [{ start: 0, end: 4 }, { start: 4, end: 8 }], strategy: 'call-all-end-2021', notifiers: kvm, threads };
      for (const inv of ['StartEndPaired', 'QuiescentBalanced']) {
        const ex = exhaustive(sc, inv, 300);
        expect(ex.verdict, `${threads} ${inv}: ${ex.counterexample?.witness}`).toBe('holds');
      }
    }
  });

  it('madvise(MADV_DONTNEED): mmap_read_lock, a blocking start, zap_page_range, end, tlb_finish_mmu', () => {
    const r = runWithFacts({ ...base, strategy: 'call-all-end-2021', notifiers: kvm, threads: ['madvise'] }, []);
    expect(r.trace.filter((s) => !s.action.startsWith('A.')).map((s) => s.action)).toEqual([
      'mmap_read_lock', 'invalidate_range_start [0,4)', 'zap_page_range vma 0', 'invalidate_range_end', 'tlb_finish_mmu', 'mmap_read_unlock',
    ]);
    expect(r.final.mm.vmas[0].unmapped).toBe(false); // the VMA stays; only its pages go
  });
});

describe('5b. finding: i915 userptr (≤ v5.12) against an invalidator that holds mmap_lock only for read (docs/kernel.md §6.5) [A]', () => {
  // The preset's get_pages re-checks a cancellation counter that the start bumps, but nothing
  // says "an invalidation is in progress": a get_pages that snapshots after the bump and pins the
  // page before the unmap installs it after the zap. Invalidators under mmap_write_lock exclude
  // get_user_pages for the whole window; MADV_DONTNEED (and munmap from v4.20) do not.
  const kvmI915 = { ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256), notifier('B', 'i915-4.19', 512)] };

  it('madvise(MADV_DONTNEED) and a get_pages leave the GPU mapping a page the CPU unmapped (stale, not freed: the pages are pinned)', () => {
    const r = search({ ...kvmI915, threads: ['madvise', 'fault:B'] }, 'NoStaleSecondaryMapping', { seed, numRuns: 1000 });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toMatch(/^B still maps page 0 → frame 0 but the primary PTE is empty/);
    const ex = exhaustive({ ...kvmI915, threads: ['madvise', 'fault:B'] }, 'NoUseAfterFree', 200);
    expect(ex.verdict, ex.counterexample?.witness).toBe('holds');
  });

  it('a munmap that keeps mmap_lock for write across its window (before v4.20) excludes it on every interleaving', () => {
    const ex = exhaustive({ ...kvmI915, reaper: 'skip-if-notifiers', threads: ['munmap', 'fault:B'] }, 'NoStaleSecondaryMapping', 200);
    expect(ex.verdict, ex.counterexample?.witness).toBe('holds');
    expect(ex.states).toBeGreaterThan(20);
  });
});

describe('6. exit_mmap: each ->release is a driver program inside SRCU; the exit-time reap goes through the interval tree (§1.4, §3.2)', () => {
  it("gntdev's mn_release takes priv->lock, so it waits for a reaper callback that holds it", () => {
    const sc: Scenario = { ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'gntdev', 256)], threads: ['oom_reaper', 'exit_mmap'] };
    // The reaper's non-blocking start takes priv->lock (trylock); exit_mmap reaches A's ->release.
    const { w, s } = steps(sc, ['oom_reaper', 'oom_reaper', 'oom_reaper', 'exit_mmap']);
    expect(threadOf(s, 'exit_mmap', 'exit_mmap').call?.op).toBe('release');
    expect(blocker(w, s, threadById(s, 'exit_mmap')!)).toEqual({ on: 'lock', lock: 'A.priv_lock', mode: 'write' });
  });

  /** Step `id` while `more` holds of its thread: the state reached and the steps' labels. */
  const stepWhile = (w: ReturnType<typeof world>['world'], s0: ReturnType<typeof world>['state'], id: string, more: (t: ThreadState) => boolean) => {
    const labels: string[] = [];
    return { s: stepUntil(w, s0, id, (_, t) => !more(t), 60, labels), labels };
  };

  it('an unregister that finds its notifier unhashed by mmu_notifier_release calls no ->release: only synchronize_srcu (if (!hlist_unhashed), §1.4)', () => {
    const { world: w, state } = world({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256)], threads: ['exit_mmap', 'unregister:A'] });
    // exit_mmap through ->release and the unhash.
    const ex = stepWhile(w, state, 'exit_mmap', (t) => t.kind === 'exit_mmap' && (t.call !== null || ['itree_release', 'hlist_release', 'unhash'].includes(t.pc)));
    expect(ex.labels.some((l) => l.startsWith('mmu_notifier_release'))).toBe(true);
    const un = stepOnce(w, ex.s, 'unregister:A');
    expect(un.label).toBe('mmu_notifier_unregister(A): hlist_unhashed (mmu_notifier_release was first)');
    const t = threadOf(un.state, 'unregister:A', 'unregister');
    expect(t.call).toBeNull();
    expect(t.pc).toBe('srcu_wait');
  });

  it("exit_mmap's ->release walk follows the live list: a notifier unregistered meanwhile is not reached (hlist_for_each_entry_rcu under SRCU)", () => {
    const { world: w, state } = world({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256), notifier('B', 'kvm', 512)], threads: ['exit_mmap', 'unregister:A', 'unregister:B'] });
    // The first ->release begins; the other notifier is the one left to walk.
    const first = stepOnce(w, state, 'exit_mmap').state;
    const ex = threadOf(first, 'exit_mmap', 'exit_mmap');
    const [second] = ex.releasing;
    expect(ex.call?.op).toBe('release');
    expect(second).toBeDefined();
    // The other notifier's unregister: its own ->release, then hlist_del_init_rcu; it then waits in synchronize_srcu.
    const un = stepWhile(w, first, `unregister:${second}`, (t) => t.kind === 'unregister' && t.pc !== 'srcu_wait');
    expect(un.labels).toContain(`hlist_del_init_rcu(${second})`);
    // exit_mmap finishes the first ->release and goes straight to the unhash.
    const calls: string[] = [];
    const after = stepWhile(w, un.s, 'exit_mmap', (t) => {
      if (t.call) calls.push(t.call.sub);
      return t.kind === 'exit_mmap' && t.call !== null;
    });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls).not.toContain(second);
    const t = threadOf(after.s, 'exit_mmap', 'exit_mmap');
    expect(t.call).toBeNull();
    expect(t.pc).toBe('unhash');
  });

  it('exit_mmap begins only once every thread using the mm is done: a device fault holds mm_users (mmget_not_zero, §10)', () => {
    const { world: w, state } = world({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256)], threads: ['exit_mmap', 'fault:A', 'unregister:A'] });
    expect(blocker(w, state, threadById(state, 'exit_mmap')!)).toEqual({ on: 'mm_users', thread: 'fault:A' });
    // unregister holds only mm_count: it does not keep exit_mmap out.
    expect(blocker(w, state, threadById(state, 'unregister:A')!)).toBeNull();
    const done = stepWhile(w, state, 'fault:A', (t) => !t.done);
    expect(threadById(done.s, 'fault:A')!.done).toBe(true);
    expect(blocker(w, done.s, threadById(done.s, 'exit_mmap')!)).toBeNull();
  });

  it('no exit_mmap under a half-done fault: oom_reaper,exit_mmap,fault:A no longer deadlocks (reaper-calls-end × interval-and-hlist)', () => {
    const fam = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 2 }, { start: 2, end: 4 }] } as const;
    const sc: Scenario = { ...fam, strategy: 'reaper-calls-end', notifiers: [notifier('A', 'odp-5.5', 256, { start: 0, end: 4 }), notifier('B', 'nouveau-5.5', 512)], threads: ['oom_reaper', 'exit_mmap', 'fault:A'] };
    const r = exhaustive(sc, 'NoDeadlock', 400);
    expect(r.bound).toBeNull(); // every state explored
    // Before exit_mmap waited for mm_users, its mn_itree_release ran under the stuck fault: a 35-step "deadlock" of the fault alone.
    expect(r.verdict).toBe('holds');
  });

  it('the exit-time reap sets MMF_OOM_SKIP before mmap_write_lock, so the flag is set while exit_mmap waits for the reaper (exit_mmap, v5.10 mm/mmap.c)', () => {
    const { world: w, state } = world({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256)], threads: ['oom_reaper', 'exit_mmap'] });
    const ex = stepWhile(w, state, 'exit_mmap', (t) => t.kind === 'exit_mmap' && t.pc !== 'oom_skip');
    expect(ex.s.mm.MMF_OOM_SKIP).toBe(false);
    // The reaper takes mmap_lock for read (the flag is not set yet), then exit_mmap sets it.
    const held = stepOnce(w, ex.s, 'oom_reaper');
    expect(held.label).toBe('mmap_read_trylock');
    const set = stepOnce(w, held.state, 'exit_mmap');
    expect(set.label).toBe('set_bit(MMF_OOM_SKIP)');
    expect(set.state.mm.MMF_OOM_SKIP).toBe(true);
    // mmap_write_lock: exit_mmap joins the wait list behind the reaper's read hold, then sleeps.
    expect(waitOf(w, set.state, threadById(set.state, 'exit_mmap')!)).toEqual({ on: 'lock', lock: 'mmap_lock', mode: 'write' });
    const queued = stepOnce(w, set.state, 'exit_mmap');
    expect(queued.state.locks.mmap_lock.waiters).toEqual(['exit_mmap']);
    expect(blocker(w, queued.state, threadById(queued.state, 'exit_mmap')!)).toEqual({ on: 'lock', lock: 'mmap_lock', mode: 'write' });
  });

  it('an interval notifier is invalidated by mn_itree_release, then again by the exit-time non-blocking reap of each VMA', () => {
    const r = runWithFacts({ ...base, strategy: 'skip-all-end', notifiers: [notifier('A', 'odp-5.5', 256)], threads: ['oom_reaper', 'exit_mmap'] }, times('exit_mmap', 40));
    const starts = factsOf(r.facts, 'range_start_returned').filter((f) => f.thread === 'exit_mmap');
    expect(starts.map((f) => f.blockable)).toEqual([true, false]);
    expect(factsOf(r.facts, 'start_returned').filter((f) => f.sub === 'A').map((f) => f.blockable)).toEqual([true, false]);
  });
});

describe('7. interval invalidate callbacks are not wrapped in non_block_start/end (mn_itree_invalidate; the hlist walk is, §2.2)', () => {
  // A driver whose interval invalidate takes its mutex with mutex_lock even when !blockable.
  const sleeper: DriverDef = {
    driver: 'interval-sleeper', era: 'test', domainRef: 'docs/kernel.md §2.3', summary: 'interval invalidate: mutex_lock even when !blockable',
    locks: { mutex: 'mutex' }, counters: {}, hlist: null, ioctl: null,
    interval: { invalidate: program([I.lock('mutex'), I.setSeq, I.zap, I.unlock('mutex'), I.ret(0)]), fault: null },
  };
  const catalogue: Catalogue = { ...BUILTIN, drivers: { ...BUILTIN.drivers, [sleeper.driver]: sleeper } };

  it('a sleep there is a contract violation the kernel\'s debug check would not report', () => {
    const sc: Scenario = { ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'interval-sleeper', 256)], threads: ['oom_reaper'] };
    const { world: w, state } = world(sc, catalogue);
    let s = state;
    let r = step(w, s, 'oom_reaper');
    const seen: string[] = [];
    for (let k = 0; k < 4 && r.tag === 'stepped'; k++) {
      seen.push(...r.diagnostics.map((d) => d.text), ...r.facts.filter((f) => f.fact === 'sleep_in_nonblock').map((f) => (f.fact === 'sleep_in_nonblock' ? `${f.what} at non_block ${f.nonBlockCount}` : '')));
      s = r.state;
      r = step(w, s, 'oom_reaper');
    }
    expect(seen).toEqual(['lock(A.mutex) at non_block 0']); // the fact, and no "BUG: sleeping function called from invalid context"
  });

  it('an hlist callback that sleeps there gets the BUG', () => {
    const r = runWithFacts({ ...base, strategy: 'call-all-end-2021', notifiers: [{ ...notifier('A', 'generic', 256), nonblockStart: 'sleeps' }], threads: ['oom_reaper'] }, []);
    expect(r.trace.flatMap((s) => s.diagnostics ?? [])).toContain('BUG: BUG: sleeping function called from invalid context (lock(A.lock)), non_block: 1');
  });
});

describe('8. a blockable interval invalidate that returns false is a WARN, and the walk goes on returning 0 (mn_itree_invalidate)', () => {
  const liar: DriverDef = {
    driver: 'interval-liar', era: 'test', domainRef: 'docs/kernel.md §2.3', summary: 'interval invalidate: always false',
    locks: {}, counters: {}, hlist: null, ioctl: null,
    interval: { invalidate: program([I.ret(-11)]), fault: null },
  };
  const catalogue: Catalogue = { ...BUILTIN, drivers: { ...BUILTIN.drivers, [liar.driver]: liar } };

  it('munmap still unmaps, with no rollback and no -EAGAIN', () => {
    const sc: Scenario = { ...base, strategy: 'call-all-end-2021', notifiers: [notifier('L', 'interval-liar', 256), notifier('A', 'kvm', 512)], threads: ['munmap'] };
    const { world: w, state } = world(sc, catalogue);
    let s = state;
    const diags: string[] = [];
    const facts: string[] = [];
    for (let k = 0; k < 40; k++) {
      const r = step(w, s, 'munmap');
      if (r.tag !== 'stepped') break;
      diags.push(...r.diagnostics.map((d) => d.text));
      for (const f of r.facts) if (f.fact === 'range_start_returned') facts.push(`start -> ${f.ret}`);
      s = r.state;
    }
    expect(diags).toContain('WARN_ON(mmu_notifier_range_blockable(range)): L.invalidate returned false');
    expect(facts).toEqual(['start -> 0']);
    expect(s.mm.pte).toEqual([null, null, null, null]);
    expect(s.drivers.A.counters.mmu_invalidate_in_progress).toBe(0); // KVM was started and ended: no rollback
  });
});

describe('9. pages are freed at tlb_finish_mmu, a GUP reference keeps a page alive, and faults on an MMF_UNSTABLE mm fail (§3.2)', () => {
  it('the reaper frees its VMA\'s frames at tlb_finish_mmu, after range_end', () => {
    const r = runWithFacts({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256)], threads: ['oom_reaper'] }, []);
    const freedAt = new Set(r.facts.filter((f) => f.fact === 'frame_freed').map((f) => r.trace[f.step - 1].action));
    expect([...freedAt]).toEqual(['tlb_finish_mmu']);
    const actions = r.trace.filter((s) => s.thread === 'oom_reaper' && !s.action.startsWith('A.')).map((s) => s.action);
    expect(actions.indexOf('invalidate_range_end')).toBeLessThan(actions.indexOf('tlb_finish_mmu'));
  });

  it('a frame a fault pinned with get_user_pages outlives tlb_finish_mmu and is freed by its put_page', () => {
    const sc = JSON.parse(readFileSync(new URL('../examples/seed-002-reaper-check-before-lock.json', import.meta.url), 'utf8')) as Scenario;
    const [r] = check([sc], { invariants: ['NoUseAfterFree'], seed, runs: 1000 });
    const ev = r.result.counterexample?.trace.flatMap((s) => s.events) ?? [];
    expect(ev.some((e) => /^tlb_finish_mmu: free frames .*; 0 still pinned \(a get_user_pages reference\)$/.test(e))).toBe(true);
    expect(ev.at(-1)).toBe('put_page: free frame 0');
  });

  it('a fault that would fault a page back in after the reaper set MMF_UNSTABLE fails (check_stable_address_space)', () => {
    const r = runWithFacts({ ...base, strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256)], threads: ['oom_reaper', 'fault:A'] }, times('oom_reaper', 40));
    expect(events(r)).toContain('get_user_pages(page 0) -> -EFAULT (MMF_UNSTABLE)');
  });
});

describe('10. the reaper sleeps between attempts until the others are stuck, so step granularity cannot use up its attempts (§3.2; the exception of docs/kernel.md §1.6)', () => {
  it('under the v4.14 reaper, a munmap holding mmap_lock for write across its invalidation costs one attempt, not ten', () => {
    const sc: Scenario = { ...base, reaper: 'skip-if-notifiers', strategy: 'call-all-end-2021', notifiers: [], threads: ['oom_reaper', 'munmap'] };
    const r = runWithFacts(sc, ['munmap', ...times('oom_reaper', 50)]);
    expect(threadOf(r.final, 'oom_reaper', 'oom_reaper')).toMatchObject({ outcome: 'reaped', attempts: 1 });
    const sleep = r.trace.findIndex((s) => s.action === 'schedule_timeout_idle(HZ/10)');
    const unlocked = r.trace.findIndex((s) => s.thread === 'munmap' && s.action === 'mmap_write_unlock');
    expect(sleep).toBeGreaterThan(unlocked); // it woke only once munmap was done
  });
});

describe('11. the hlist walk follows the live list: an entry inserted ahead of the cursor is visited (hlist_for_each_entry_rcu)', () => {
  it('sorted-undo with unlocked registration: C@512 registers while munmap is in A@256\'s start and gets a start in the same walk', () => {
    const sc: Scenario = {
      ...base, strategy: 'sorted-undo', knobs: { registrationTakesAllLocks: false },
      notifiers: [notifier('A', 'kvm', 256), notifier('C', 'kvm', 512)], threads: ['munmap', 'register:C'],
    };
    const r = runWithFacts(sc, ['munmap', 'munmap', 'munmap', 'register:C']);
    const inv1 = factsOf(r.facts, 'start_returned').filter((f) => f.inv === 1).map((f) => f.sub);
    expect(inv1).toEqual(['A', 'C']);
  });

  it('with head insertion the new entry is behind the cursor: the start walk misses it, the end walk does not', () => {
    const sc: Scenario = {
      ...base, strategy: 'call-all-end-2021', knobs: { registrationTakesAllLocks: false },
      notifiers: [notifier('A', 'kvm', 256), notifier('C', 'kvm', 512)], threads: ['munmap', 'register:C'],
    };
    const r = runWithFacts(sc, ['munmap', 'munmap', 'munmap', 'register:C']);
    expect(factsOf(r.facts, 'start_returned').filter((f) => f.inv === 1).map((f) => f.sub)).toEqual(['A']);
    expect(factsOf(r.facts, 'end_called').filter((f) => f.inv === 1).map((f) => [f.sub, f.startResult])).toEqual([['C', 'notCalled'], ['A', 'ok']]);
    expect(r.verdicts.NoEndWithoutStart.status).toBe('violated');
  });
});

describe('12. rwsem writer preference: a queued writer blocks new readers and fails read trylocks (kernel/locking/rwsem.c)', () => {
  const sc: Scenario = { ...base, vmas: [{ start: 0, end: 4 }, { start: 4, end: 8 }], strategy: 'call-all-end-2021', notifiers: [notifier('B', 'odp-4.20', 512)], threads: ['oom_reaper', 'munmap', 'ioctl:B'] };
  // munmap: lock, downgrade, start, B's start down_read(umem_rwsem) (held to the end).
  const inWindow = ['munmap', 'munmap', 'munmap', 'munmap'];

  it("ODP-4.20: MR registration queued for umem_rwsem behind munmap's read hold makes the reaper's down_read_trylock fail", () => {
    const { w, s } = steps(sc, inWindow);
    expect(s.locks['B.umem_rwsem'].readers).toEqual(['munmap']);
    // down_write is two steps: the ioctl joins the wait list, then sleeps.
    expect(waitOf(w, s, threadById(s, 'ioctl:B')!)).toEqual({ on: 'lock', lock: 'B.umem_rwsem', mode: 'write' });
    const q = stepOnce(w, s, 'ioctl:B');
    expect(q.state.locks['B.umem_rwsem'].waiters).toEqual(['ioctl:B']);
    expect(blocker(w, q.state, threadById(q.state, 'ioctl:B')!)).toEqual({ on: 'lock', lock: 'B.umem_rwsem', mode: 'write' });
    const r = runWithFacts(sc, [...inWindow, 'ioctl:B', ...times('oom_reaper', 4)]);
    expect(events(r)).toContain('down_read_trylock(B.umem_rwsem) failed');
    expect(events(r)).not.toContain('down_read_trylock(B.umem_rwsem) ok');
  });

  /** The reaper's first four steps from `s`: its trylock of mmap_lock, its start, B's callback. */
  const reaperEvents = (w: ReturnType<typeof steps>['w'], s: ReturnType<typeof steps>['s']): string[] => {
    const out: string[] = [];
    for (let k = 0, cur = s; k < 4; k++) {
      const r = stepOnce(w, cur, 'oom_reaper');
      out.push(...r.events);
      cur = r.state;
    }
    return out;
  };

  it('a writer that has not called down_write yet is on no wait list: the same trylock succeeds', () => {
    const before = steps(sc, inWindow);
    expect(reaperEvents(before.w, before.s)).toContain('down_read_trylock(B.umem_rwsem) ok');
    const queued = steps(sc, [...inWindow, 'ioctl:B']);
    expect(reaperEvents(queued.w, queued.s)).toContain('down_read_trylock(B.umem_rwsem) failed');
  });

  it('the queued writer takes the lock once the reader leaves, ahead of new readers, and leaves the wait list', () => {
    const { w, s } = steps(sc, [...inWindow, 'ioctl:B']);
    const free = stepUntil(w, s, 'munmap', (x) => x.locks['B.umem_rwsem'].readers.length === 0);
    const took = stepOnce(w, free, 'ioctl:B');
    expect(took.state.locks['B.umem_rwsem']).toEqual({ writer: 'ioctl:B', readers: [], waiters: [] });
  });
});
