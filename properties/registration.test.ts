/**
 * Registration, unregistration and exit_mmap (docs/kernel.md §1.4, §1.5, §3.2, §5.2): behaviour
 * checked step by step and, where an interleaving is needed, by the exhaustive search.
 */
import { describe, expect, it } from 'vitest';
import { exhaustive } from '../engine/exhaustive.ts';
import { UnregisterQuiesces, resolve, run } from '../model/index.ts';
import type { Scenario } from '../model/index.ts';
import { factsOf, runWithFacts, stepOnce, times, withThread } from './support.ts';

const base = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }] } as const;
const events = (r: ReturnType<typeof run>) => r.trace.flatMap((s) => s.events);

describe('mmu_notifier_register (docs/kernel.md §1.4)', () => {
  it('head insertion: a newly registered notifier is walked first', () => {
    const r = run({ ...base, strategy: 'skip-all-end', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'C', driver: 'kvm', address: 128 }], threads: ['register:C'] }, []);
    expect(r.final.subs.map((s) => [s.name, s.registered])).toEqual([['C', true], ['A', true]]);
    expect(r.trace.map((s) => s.action)).toEqual(['mmap_write_lock; mm_take_all_locks', 'mmu_notifier_register(C)', 'mm_drop_all_locks; mmap_write_unlock']);
  });

  it('sorted-undo keeps the list sorted by address', () => {
    const r = run({ ...base, strategy: 'sorted-undo', notifiers: [{ name: 'A', driver: 'kvm', address: 100 }, { name: 'B', driver: 'kvm', address: 300 }, { name: 'C', driver: 'kvm', address: 200 }], threads: ['register:C'] }, []);
    expect(r.final.subs.map((s) => s.name)).toEqual(['A', 'C', 'B']);
  });

  it('with mm_take_all_locks a registration cannot land inside an open window (every interleaving)', () => {
    // A@256 (kvm), F@512 fails its non-blocking start (i915), C@128 (kvm) registers concurrently.
    const sc: Scenario = {
      ...base, strategy: 'sorted-undo',
      notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'F', driver: 'i915-4.19', address: 512 }, { name: 'C', driver: 'kvm', address: 128 }],
      threads: ['oom_reaper', 'register:C'],
    };
    const ex = exhaustive(sc, 'NoEndWithoutStart', 1000);
    expect(ex.verdict).toBe('holds');
    expect(ex.states).toBeGreaterThan(100);
  });

  it('without it, sorted-undo ends a notifier inserted below the failing one during the window: its precondition 1 (§5.2) [A confirmed]', () => {
    const sc: Scenario = {
      ...base, strategy: 'sorted-undo',
      notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'F', driver: 'i915-4.19', address: 512 }, { name: 'C', driver: 'kvm', address: 128 }],
      threads: ['oom_reaper', 'register:C'],
      knobs: { registrationTakesAllLocks: false },
    };
    const ex = exhaustive(sc, 'NoEndWithoutStart', 200);
    expect(ex.verdict).toBe('violated');
    expect(ex.counterexample?.witness).toBe('C.invalidate_range_end called in invalidation #1 but its start was never called');
  });

  it('a device faults only once its notifier is registered', () => {
    const r = run({ ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['fault:A', 'register:A'] }, ['fault:A', 'fault:A']);
    expect(r.executed).toEqual([]); // both choices skipped: fault:A waits for the registration
    expect(r.final.drivers.A.sptes).toEqual({ 0: 0 });
  });
});

describe('mmu_notifier_unregister (docs/kernel.md §1.4)', () => {
  it('->release (a driver program, inside SRCU) zaps, hlist_del_init_rcu, synchronize_srcu', () => {
    const r = run({ ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['unregister:A'] }, []);
    expect(r.trace.map((s) => s.action)).toEqual([
      'mmu_notifier_unregister(A): srcu_read_lock; ->release',
      'A.release: zap every secondary mapping',
      'A.release: return 0',
      'hlist_del_init_rcu(A)',
      'synchronize_srcu; mmdrop',
    ]);
    expect(r.final.drivers.A.sptes).toEqual({});
    expect(r.final.subs[0].registered).toBe(false);
  });

  it('landing between a start and its end leaves a start without an end, which is tolerated (ODP-4.20 comment)', () => {
    // munmap opens the window on A (start returns 0), then A is unregistered, then munmap ends.
    const sc: Scenario = { ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['munmap', 'unregister:A'] };
    // munmap: lock, downgrade, start, A's start (lock, count++, zap, unlock, return 0); then the unregister.
    const r = runWithFacts(sc, [...times('munmap', 8), ...times('unregister:A', 5)]);
    expect(factsOf(r.facts, 'start_returned').filter((f) => f.sub === 'A').map((f) => f.value)).toContain(0);
    expect(factsOf(r.facts, 'end_called').filter((f) => f.sub === 'A')).toEqual([]);
    expect(r.verdicts.StartEndPaired.status).toBe('holds');
    expect(r.verdicts.NoEndWithoutStart.status).toBe('holds');
    expect(r.verdicts.QuiescentBalanced.status).toBe('holds');
  });

  it('synchronize_srcu waits for a walk in flight', () => {
    const sc: Scenario = { ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['munmap', 'unregister:A'] };
    // munmap: lock, downgrade, start (pushes A's start), A: lock(mmu_lock); then unregister runs
    // ->release and unlinks A mid-walk.
    const r = run(sc, [...times('munmap', 4), ...times('unregister:A', 5)]);
    const synced = r.trace.findIndex((s) => s.action === 'synchronize_srcu; mmdrop');
    const walkDone = r.trace.findIndex((s) => s.events.includes('A.invalidate_range_start -> 0'));
    expect(r.executed.filter((x) => x === 'unregister:A')).toHaveLength(4); // the wait was skipped
    expect(synced).toBeGreaterThan(walkDone);
  });
});

describe('interval notifiers: insert and remove with the deferred list (docs/kernel.md §1.5)', () => {
  const sc = (threads: string[]): Scenario => ({
    ...base, strategy: 'core-counter',
    notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'N', driver: 'odp-5.5', address: 512 }],
    threads,
  });
  it('an insert while the tree is frozen is deferred to the last inv_end', () => {
    // munmap: lock, downgrade, start (itree: seq odd, A.invalidate pushed) … then N inserts.
    const r = run(sc(['munmap', 'register:N']), ['munmap', 'munmap', 'munmap', 'register:N']);
    expect(events(r)).toContain('N: tree frozen (invalidate_seq 3): deferred insert');
    expect(events(r).some((e) => e.includes('deferred insert N'))).toBe(true);
    expect(r.final.subs.find((s) => s.name === 'N')?.registered).toBe(true);
    expect(r.final.core).toMatchObject({ invalidateSeq: 4, activeInvalidateRanges: 0, deferred: [] });
  });
  it('a remove while frozen waits until invalidate_seq moves', () => {
    const r = run(sc(['munmap', 'unregister:N']), ['munmap', 'munmap', 'munmap', 'unregister:N', 'unregister:N', 'unregister:N']);
    expect(events(r)).toContain('N: tree frozen (invalidate_seq 3): deferred remove');
    expect(r.executed.filter((x) => x === 'unregister:N')).toHaveLength(2); // the third waits
    expect(r.final.subs.find((s) => s.name === 'N')?.registered).toBe(false);
    expect(r.final.threads.find((t) => t.id === 'unregister:N')?.done).toBe(true);
  });
});

describe('exit_mmap (docs/kernel.md §1.4 release, §3.2 interplay)', () => {
  it('releases every hlist notifier, sets MMF_OOM_SKIP for an OOM victim, and unmaps everything', () => {
    const r = run({ ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }], threads: ['oom_reaper', 'exit_mmap'] }, times('exit_mmap', 15));
    expect(r.trace.slice(0, 16).map((s) => s.action)).toEqual([
      'mmu_notifier_release: srcu_read_lock; ->release of each notifier',
      'B.release: zap every secondary mapping', // the newest registration first (hlist_add_head_rcu)
      'B.release: return 0',
      'A.release: zap every secondary mapping',
      'A.release: return 0',
      'hlist_del_init_rcu of every notifier; srcu_read_unlock',
      'synchronize_srcu',
      // The exit-time __oom_reap_task_mm: a non-blocking start/end through the (empty) notifier lists around each VMA.
      'invalidate_range_start_nonblock [0,4)',
      '__oom_reap_task_mm: unmap_page_range vma 0',
      'invalidate_range_end',
      'tlb_finish_mmu',
      'set_bit(MMF_OOM_SKIP)', // before the write lock, which may wait for the reaper (exit_mmap, v5.10)
      'mmap_write_lock; mmap_write_unlock',
      'unmap_vmas; free_pgtables',
      'tlb_finish_mmu',
      'mmap_read_trylock',
    ]);
    expect(r.final.subs.every((s) => !s.registered)).toBe(true);
    expect(r.final.threads.find((t) => t.id === 'oom_reaper')?.outcome).toBe('finished'); // saw MMF_OOM_SKIP
    expect(r.final.mm.pte.every((f) => f === null)).toBe(true);
    for (const v of Object.values(r.verdicts)) expect(v.status).toBe('holds');
  });
  it('with an interval notifier, mn_itree_release invalidates it blockably first', () => {
    const r = run({ ...base, strategy: 'core-counter', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['exit_mmap'] }, []);
    expect(r.trace[0].action).toBe('mmu_notifier_release: mn_itree_release');
    expect(events(r)).toContain('A.invalidate -> true');
    expect(r.final.drivers.A.sptes).toEqual({});
  });
});

describe('INV-15 and INV-17', () => {
  it('RegistrationExclusion: violated without mm_take_all_locks, holds with it (every interleaving)', () => {
    const sc = (registrationTakesAllLocks: boolean): Scenario => ({
      ...base, strategy: 'call-all-end-2021',
      notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'C', driver: 'kvm', address: 128 }],
      threads: ['munmap', 'register:C'],
      knobs: { registrationTakesAllLocks },
    });
    const bad = exhaustive(sc(false), 'RegistrationExclusion', 200);
    expect(bad.verdict).toBe('violated');
    expect(bad.counterexample?.witness).toBe('C joined the hlist while munmap had an invalidation open (registration did not exclude it)');
    expect(exhaustive(sc(true), 'RegistrationExclusion', 200).verdict).toBe('holds');
  });
  it('UnregisterQuiesces holds on every interleaving of an unregister with munmap and the reaper', () => {
    const sc: Scenario = { ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['munmap', 'unregister:A'] };
    const ex = exhaustive(sc, 'UnregisterQuiesces', 200);
    expect(ex.verdict).toBe('holds');
    expect(ex.states).toBeGreaterThan(50);
  });
});

describe('UnregisterQuiesces can fail', () => {
  it('flags a callback that runs after its unregister returned (a hand-made state: SRCU not waited for)', () => {
    const r = resolve({ ...base, strategy: 'call-all-end-2021', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['munmap', 'unregister:A'] });
    if (!r.ok) throw new Error(r.error);
    // munmap takes mmap_lock and starts: A's start is pushed; pretend unregister already returned.
    let s = r.state;
    for (let k = 0; k < 2; k++) s = stepOnce(r.world, s, 'munmap').state;
    s = withThread(s, 'unregister:A', { done: true, pc: 'done' });
    const res = stepOnce(r.world, s, 'munmap');
    expect(UnregisterQuiesces.onStep?.({ world: r.world, after: res.state, step: res })).toBe('A.invalidate_range_start runs in munmap after unregister:A returned');
  });
});
