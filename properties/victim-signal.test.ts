/**
 * The OOM victim's own threads have SIGKILL pending (docs/kernel.md §3.4, issue #22): on a named
 * release whose mm is an OOM victim, a task of the victim process allocates from the ALLOC_OOM
 * reserves instead of waiting for the reaper, its get_user_pages returns -EINTR, a retry through
 * user space or vcpu_run ends it, munmap's down_write_killable and mm_take_all_locks return -EINTR.
 * The reaper, reclaim and a fault run by a kernel worker are not the victim's; the model without a
 * kernel signals no thread.
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioTemplate, scenarioSchema } from '../engine/case-format.ts';
import { explore } from '../engine/exhaustive.ts';
import { blocker, BUILTIN, fatalSignalPending, I, presets, program, resolve, step, threadById, type DriverDef, type Scenario, type ThreadState } from '../model/index.ts';
import { notifier, scenario, stepOnce, stepUntil, killedWorld as world, world as worldOf } from './support.ts';

const on = (kernel: string | undefined, o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => ({ ...scenario(o), ...(kernel ? { kernel } : {}) });
const kvm = notifier('A', 'kvm', 256);
const amdgpu419 = notifier('B', 'amdgpu-4.19', 512);
const eventsOf = (r: ReturnType<typeof stepOnce>): string => r.events.join('; ');
const done = (t: ThreadState | undefined) => t?.done === true;

describe('which threads are the victim\'s own', () => {
  it('tasks of the process are (munmap, madvise, exit_mmap, an ioctl, a registration, a vCPU or CS fault); the reaper, reclaim and a worker\'s fault are not', () => {
    const threads = ['oom_reaper', 'munmap', 'madvise', 'exit_mmap', 'reclaim', 'ioctl:D', 'fault:A', 'fault:C', 'register:A', 'unregister:C'];
    const { world: w, state: s } = world(on('v5.10', { notifiers: [kvm, notifier('C', 'odp-5.5', 512), notifier('D', 'amdgpu-5.5', 768)], threads }));
    const own = s.threads.filter((t) => fatalSignalPending(w, s, t)).map((t) => t.id);
    expect(own).toEqual(['munmap', 'madvise', 'exit_mmap', 'ioctl:D', 'fault:A', 'register:A', 'unregister:C']);
  });

  it('from the OOM kill on: the reaper thread\'s first step on a named release; before it, no task is signalled', () => {
    const { world: w, state: s0 } = worldOf(on('v5.10', { notifiers: [kvm], threads: ['oom_reaper', 'munmap', 'fault:A'] }));
    expect(s0.threads.some((t) => fatalSignalPending(w, s0, t))).toBe(false);
    const r = stepOnce(w, s0, 'oom_reaper');
    expect(r.label).toBe('oom_kill_process');
    expect(eventsOf(r)).toBe("out_of_memory: __oom_kill_process: SIGKILL to the victim's tasks, mark_oom_victim, wake_oom_reaper");
    expect(r.state.threads.filter((t) => fatalSignalPending(w, r.state, t)).map((t) => t.id)).toEqual(['munmap', 'fault:A']);
    // The model without a kernel has no kill step: its reaper starts at its trylock.
    const legacy = worldOf(on(undefined, { notifiers: [kvm], threads: ['oom_reaper', 'fault:A'] }));
    expect(stepOnce(legacy.world, legacy.state, 'oom_reaper').label).toBe('mmap_read_trylock');
  });

  it("what a task does before the kill is explored: amdgpu-4.19's CS maps its pages with a reaper present (v4.20)", () => {
    const [r] = explore(on('v4.20', { notifiers: [notifier('A', 'amdgpu-4.19', 256)], threads: ['oom_reaper', 'fault:A'] }), ['NoDeadlock']).results;
    expect(r.verdict).toBe('holds');
    expect(r.goals?.device_mapped).toBe(1);
  });

  it('only when the mm is an OOM victim (an oom_reaper thread), and only on a named release', () => {
    const noOom = world(on('v5.10', { notifiers: [kvm], threads: ['munmap', 'fault:A'] }));
    expect(noOom.state.threads.some((t) => fatalSignalPending(noOom.world, noOom.state, t))).toBe(false);
    const legacy = world(on(undefined, { notifiers: [kvm], threads: ['oom_reaper', 'munmap', 'fault:A'] }));
    expect(legacy.state.threads.some((t) => fatalSignalPending(legacy.world, legacy.state, t))).toBe(false);
  });
});

describe("a scenario's own victim list (Scenario.victim): the tasks of the processes sharing the mm; the others are kernel threads using it", () => {
  it('those listed have SIGKILL pending, the others not, whatever their kind', () => {
    const threads = ['oom_reaper', 'munmap', 'ioctl:B', 'fault:A'];
    const { world: w, state: s } = world({ ...on('v4.20', { notifiers: [kvm, amdgpu419], threads }), victim: ['fault:A'] });
    expect(s.threads.filter((t) => fatalSignalPending(w, s, t)).map((t) => t.id)).toEqual(['fault:A']);
  });

  it("amdgpu's CS left out of the list (run by a kernel thread using the mm) waits for the reaper again: NoDeadlock is violated on v4.20", () => {
    const sc = { ...on('v4.20', { notifiers: [kvm, amdgpu419], threads: ['oom_reaper', 'ioctl:B'] }), victim: [] };
    const r = explore(sc, ['NoDeadlock']).results[0];
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toMatch(/ioctl:B waits for free memory/);
  });

  it('is refused without a named release, naming a kthread, a thread the scenario cannot have, twice, or a fault its driver runs in a kernel worker', () => {
    const errors = (sc: Scenario) => {
      const r = resolve(sc);
      return r.ok ? [] : r.errors;
    };
    expect(errors({ ...on(undefined, { notifiers: [kvm], threads: ['oom_reaper', 'fault:A'] }), victim: ['fault:A'] })).toEqual([
      "victim: the OOM victim's fatal signal is modelled on named releases only: give --kernel (kernel in a scenario file)",
    ]);
    expect(errors({ ...on('v4.20', { notifiers: [kvm], threads: ['oom_reaper', 'fault:A'] }), victim: ['oom_reaper', 'fault:Z', 'fault:A', 'fault:A'] })).toEqual([
      "victim[0]: 'oom_reaper' is a kernel thread (or another task), never the victim's",
      expect.stringMatching(/^victim\[1\]: 'fault:Z' is not a thread of this scenario \(valid: .*fault:A/),
      "victim[3]: duplicate 'fault:A'",
    ]);
    expect(errors({ ...on('v6.6', { strategy: 'call-all-end-2021', notifiers: [notifier('C', 'odp-5.5', 256)], threads: ['oom_reaper', 'fault:C'] }), victim: ['fault:C'] })).toEqual([
      "victim[0]: 'fault:C': driver 'odp-5.5' runs its fault in a kernel worker (no faultInTask: its lookup and retry test no signal), so it is never the victim's",
    ]);
  });

  it('a scenario file carries it, and a saved case keeps it (the case schema accepts it)', () => {
    const t = parseScenarioTemplate({ vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], kernel: 'v6.6', victim: ['fault:A'] });
    expect(t.ok && t.value.template.victim).toEqual(['fault:A']);
    const noReaper = parseScenarioTemplate({ vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], kernel: 'v6.6', threads: ['munmap', 'fault:A'], victim: ['fault:A'] });
    expect(noReaper.ok ? [] : noReaper.errors).toEqual(['victim: the threads have no oom_reaper, so the mm is no OOM victim and no thread is signalled; add oom_reaper or leave victim out']);
    expect(scenarioSchema.safeParse({ strategy: 'skip-all-end', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [], threads: ['oom_reaper'], victim: [3] }).success).toBe(false);
  });
});

describe('allocations take the ALLOC_OOM reserves', () => {
  const cs = (kernel: string | undefined) => on(kernel, { notifiers: [kvm, amdgpu419], threads: ['oom_reaper', 'ioctl:B'] });

  it("amdgpu's CS allocating under amn->lock: on v4.20 it does not wait for the reaper, so the §3.1 cycle does not close (NoDeadlock holds); without a kernel it still does", () => {
    expect(explore(cs('v4.20'), ['NoDeadlock']).results[0].verdict).toBe('holds');
    const legacy = explore(cs(undefined), ['NoDeadlock']).results[0];
    expect(legacy.verdict).toBe('violated');
    expect(legacy.counterexample?.witness).toMatch(/ioctl:B waits for free memory/);
  });

  it('the step itself: kmalloc with the victim unreaped is enabled and says so', () => {
    const { world: w, state: s0 } = world(cs('v4.20'));
    const s1 = stepOnce(w, s0, 'ioctl:B').state; // down_write(amn->lock)
    const r = stepOnce(w, s1, 'ioctl:B');
    expect(r.label).toBe('B.ioctl: kmalloc(GFP_KERNEL)');
    expect(eventsOf(r)).toBe('kmalloc(GFP_KERNEL): OOM victim, ALLOC_OOM reserves');
    const legacy = world(cs(undefined));
    expect(step(legacy.world, stepOnce(legacy.world, legacy.state, 'ioctl:B').state, 'ioctl:B')).toMatchObject({ tag: 'blocked', blocker: { on: 'memory' } });
  });

  it('a kernel worker that allocates (not the victim\'s) still waits for free memory', () => {
    const worker: DriverDef = { ...presets['odp-5.5'], driver: 'worker-alloc', interval: { ...(presets['odp-5.5'].interval as NonNullable<DriverDef['interval']>), fault: program([I.alloc, I.ret(0)]) } };
    const sc = on('v6.6', { strategy: 'core-counter', notifiers: [notifier('W', 'worker-alloc', 256)], threads: ['oom_reaper', 'fault:W'] });
    const { world: w, state: s } = world(sc, { ...BUILTIN, drivers: { ...BUILTIN.drivers, 'worker-alloc': worker } });
    expect(step(w, s, 'fault:W')).toMatchObject({ tag: 'blocked', blocker: { on: 'memory' } });
  });
});

describe('get_user_pages returns -EINTR', () => {
  // madvise zaps the page without MMF_UNSTABLE, so the fault must fault it in again.
  const zapped = (kernel: string | undefined, driver: string, reaper = true) => {
    const { world: w, state: s0 } = world(on(kernel, { strategy: kernel === 'v6.6' ? 'call-all-end-2021' : 'skip-all-end', notifiers: [notifier('A', driver, 256)], threads: [...(reaper ? ['oom_reaper'] : []), 'madvise', 'fault:A'] }));
    return { w, s: stepUntil(w, s0, 'madvise', (_s, t) => t.done) };
  };
  const untilGup = (w: ReturnType<typeof zapped>['w'], s: ReturnType<typeof zapped>['s']) => {
    let cur = s;
    for (;;) {
      const r = stepOnce(w, cur, 'fault:A');
      if (r.label.endsWith('get_user_pages')) return r;
      cur = r.state;
    }
  };

  it("a KVM vCPU's page it must fault in (hva_to_pfn_slow): -EINTR and the vCPU leaves, nothing mapped; without the reaper it faults the page in", () => {
    const { w, s } = zapped('v6.6', 'kvm');
    const r = untilGup(w, s);
    expect(eventsOf(r)).toBe('get_user_pages(page 0) -> -EINTR: fatal signal pending, fault:A exits');
    expect(done(threadById(r.state, 'fault:A'))).toBe(true);
    expect(r.state.drivers.A.sptes).toEqual({});
    const calm = zapped('v6.6', 'kvm', false);
    expect(eventsOf(untilGup(calm.w, calm.s))).toMatch(/^get_user_pages\(page 0\) faults in frame/);
  });

  it('a present page: KVM takes it on the fast path (no signal test); amdgpu-4.19\'s get_user_pages tests the signal first', () => {
    const k = world(on('v6.6', { strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['oom_reaper', 'fault:A'] }));
    const labels: string[] = [];
    stepUntil(k.world, k.state, 'fault:A', (_s, t) => t.done, 20, labels);
    expect(labels).toContain('A.fault: install secondary mapping');
    const a = world(on('v4.20', { notifiers: [notifier('A', 'amdgpu-4.19', 256)], threads: ['oom_reaper', 'fault:A'] }));
    const r = stepOnce(a.world, stepOnce(a.world, a.state, 'fault:A').state, 'fault:A');
    expect(eventsOf(r)).toBe('get_user_pages(page 0) -> -EINTR: fatal signal pending, fault:A exits');
  });

  it("a kernel worker's lookup (ODP's page-fault work) and hmm_range_fault (amdgpu-5.5's CS) test no signal", () => {
    for (const d of ['odp-5.5', 'amdgpu-5.5']) {
      const { w, s } = zapped('v6.6', d);
      expect(eventsOf(untilGup(w, s)), d).toMatch(/^get_user_pages\(page 0\) faults in frame/);
    }
  });
});

describe('a retry through a signal test ends the thread', () => {
  // The reaper's start raises KVM's count; the vCPU collides with it.
  const collide = (kernel: string | undefined, driver: string) => {
    const { world: w, state: s0 } = world(on(kernel, { strategy: 'skip-all-end', notifiers: [notifier('A', driver, 256)], threads: ['oom_reaper', 'fault:A'] }));
    const raised = (s: typeof s0) => s.drivers.A.counters.mmu_invalidate_in_progress === 1 || s.drivers.A.counters.ms_range_active === 1;
    const s1 = stepUntil(w, s0, 'oom_reaper', (s) => raised(s) && Object.values(s.locks).every((l) => l.writer === null));
    return { w, s: s1 };
  };

  it("a KVM vCPU that collides with an open invalidation exits (vcpu_run: signal_pending) instead of re-entering the guest", () => {
    const { w, s } = collide('v5.10', 'kvm');
    const labels: string[] = [];
    const after = stepUntil(w, s, 'fault:A', (_s, t) => t.done, 20, labels);
    expect(labels.at(-1)).toBe('A.fault: retry');
    expect((threadById(after, 'fault:A') as Extract<ThreadState, { kind: 'fault' | 'ioctl' }>).retries).toBe(0);
    const legacy = collide(undefined, 'kvm');
    let cur = legacy.s;
    for (let k = 0; k < 20; k++) {
      const r = stepOnce(legacy.w, cur, 'fault:A');
      cur = r.state;
      if (r.label === 'A.fault: retry') break;
    }
    expect(done(threadById(cur, 'fault:A'))).toBe(false);
    expect(threadById(cur, 'fault:A')?.call?.pc).toBe(0);
  });

  it("GRU's gru_user_dropin loops in the kernel without a signal test: its fault goes on waiting", () => {
    const { w, s } = collide('v5.10', 'gru');
    expect(step(w, s, 'fault:A')).toMatchObject({ tag: 'blocked', blocker: { on: 'counter', counter: 'ms_range_active' } });
  });
});

describe('killable locks and mm_take_all_locks return -EINTR', () => {
  it("munmap's down_write_killable: queued behind madvise's read hold, it leaves the wait list with -EINTR and unmaps nothing; without the reaper it waits and unmaps", () => {
    const sc = (oom: boolean) => on('v5.10', { notifiers: [kvm], threads: [...(oom ? ['oom_reaper'] : []), 'madvise', 'munmap'] });
    const { world: w, state: s0 } = world(sc(true));
    const s1 = stepOnce(w, s0, 'madvise').state; // mmap_read_lock
    const queued = stepOnce(w, s1, 'munmap').state;
    expect(queued.locks.mmap_lock.waiters).toEqual(['munmap']);
    const r = stepOnce(w, queued, 'munmap');
    expect(r.label).toBe('mmap_write_lock_killable: -EINTR');
    expect(r.state.locks.mmap_lock.waiters).toEqual([]);
    expect(done(threadById(r.state, 'munmap'))).toBe(true);
    expect(r.state.mm.vmas[0].unmapped).toBe(false);
    const calm = world(sc(false));
    const q = stepOnce(calm.world, stepOnce(calm.world, calm.state, 'madvise').state, 'munmap').state;
    expect(step(calm.world, q, 'munmap')).toMatchObject({ tag: 'blocked', blocker: { on: 'lock', lock: 'mmap_lock' } });
  });

  it('once queued it leaves with -EINTR even when the lock is free again (one try as it joins, then the signal test)', () => {
    const { world: w, state: s0 } = world(on('v5.10', { notifiers: [kvm], threads: ['oom_reaper', 'madvise', 'munmap'] }));
    const queued = stepOnce(w, stepOnce(w, s0, 'madvise').state, 'munmap').state;
    const freed = stepUntil(w, queued, 'madvise', (_s, t) => t.done);
    expect(freed.locks.mmap_lock.readers).toEqual([]);
    expect(stepOnce(w, freed, 'munmap').label).toBe('mmap_write_lock_killable: -EINTR');
  });

  it('an uncontended mmap_write_lock_killable succeeds though SIGKILL is pending (the fast path tests no signal)', () => {
    const { world: w, state: s0 } = world(on('v5.10', { notifiers: [kvm], threads: ['oom_reaper', 'munmap'] }));
    expect(stepOnce(w, s0, 'munmap').state.locks.mmap_lock.writer).toBe('munmap');
  });

  it("mmu_notifier_register's mm_take_all_locks: -EINTR, the notifier is never registered and its device never maps", () => {
    const { world: w, state: s0 } = world(on('v6.6', { strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['oom_reaper', 'register:A', 'fault:A'] }));
    const r1 = stepOnce(w, s0, 'register:A');
    expect(eventsOf(r1)).toBe('mmap_write_lock; mm_take_all_locks: signal pending -> -EINTR');
    const r2 = stepOnce(w, r1.state, 'register:A');
    expect(r2.label).toBe('mmap_write_unlock (-EINTR)');
    expect(r2.state.locks.mmap_lock.writer).toBeNull();
    expect(r2.state.subs[0].registered).toBe(false);
    const end = stepUntil(w, r2.state, 'fault:A', (_s, t) => t.done);
    expect(end.drivers.A.sptes).toEqual({});
  });

  it("mm_take_all_locks tests the signal inside its loop over the VMAs: with every VMA unmapped, registration succeeds", () => {
    const { world: w, state: s0 } = world(on('v6.6', { strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['oom_reaper', 'register:A'] }));
    const gone = { ...s0, mm: { ...s0.mm, vmas: s0.mm.vmas.map((v) => ({ ...v, unmapped: true })) } };
    expect(eventsOf(stepOnce(w, gone, 'register:A'))).toBe('mmap_write_lock; mm_take_all_locks');
  });

  it("the first interval insert's mmu_notifier_register(NULL) fails the same way; without the reaper it registers", () => {
    const sc = (oom: boolean) => on('v6.6', { strategy: 'call-all-end-2021', notifiers: [notifier('A', 'odp-5.5', 256)], threads: [...(oom ? ['oom_reaper'] : []), 'register:A'] });
    const { world: w, state: s0 } = world(sc(true));
    const end = stepUntil(w, s0, 'register:A', (_s, t) => t.done);
    expect(end.core.hasItree).toBe(false);
    expect(end.subs[0].registered).toBe(false);
    const calm = world(sc(false));
    expect(stepUntil(calm.world, calm.state, 'register:A', (_s, t) => t.done).subs[0].registered).toBe(true);
  });
});

describe('the interpreter\'s signal tests, on driver programs of their own (review of the first version: these paths had no test)', () => {
  const withDriver = (def: DriverDef, threads: string[], kernel = 'v6.6', strategy = 'call-all-end-2021') =>
    world(on(kernel, { strategy, notifiers: [notifier('X', def.driver, 256)], threads }), { ...BUILTIN, drivers: { ...BUILTIN.drivers, [def.driver]: def } });

  it("an ioctl's get_user_pages tests the signal (get_user_pages on current->mm: always): -EINTR and the ioctl ends; with no reaper it looks the page up", () => {
    const def: DriverDef = { ...presets.kvm, driver: 'ioctl-gup', ioctl: program([I.gup, I.ret(0)]) };
    const { world: w, state: s } = withDriver(def, ['oom_reaper', 'ioctl:X']);
    const r = stepOnce(w, s, 'ioctl:X');
    expect(eventsOf(r)).toMatch(/get_user_pages\(page \d+\) -> -EINTR: fatal signal pending, ioctl:X exits/);
    expect(done(threadById(r.state, 'ioctl:X'))).toBe(true);
    const calm = withDriver(def, ['ioctl:X']);
    expect(eventsOf(stepOnce(calm.world, calm.state, 'ioctl:X'))).not.toMatch(/EINTR/);
  });

  it("an ioctl's retry returns to user space, where the signal ends it", () => {
    const def: DriverDef = { ...presets.kvm, driver: 'ioctl-retry', ioctl: program([':again', I.retry('again')]) };
    const { world: w, state: s } = withDriver(def, ['oom_reaper', 'ioctl:X']);
    const r = stepOnce(w, s, 'ioctl:X');
    expect(eventsOf(r)).toBe('retry: fatal signal pending, ioctl:X exits');
    expect(done(threadById(r.state, 'ioctl:X'))).toBe(true);
  });

  it("that insert fails at its signal test before any rmap lock: reclaim holding one does not make it wait", () => {
    const def: DriverDef = { ...presets['nouveau-5.5'], driver: 'nouveau-in-task', faultInTask: { gup: 'never', retry: false } };
    const { world: w, state: s } = withDriver(def, ['oom_reaper', 'reclaim', 'fault:X']);
    const held = stepOnce(w, s, 'reclaim').state; // anon_vma_lock_read
    expect(held.locks.rmap_lock.readers).toEqual(['reclaim']);
    const fault = threadById(held, 'fault:X') as ThreadState;
    expect(blocker(w, held, fault)).toBeNull();
    expect(eventsOf(stepOnce(w, held, 'fault:X'))).toMatch(/mm_take_all_locks -> -EINTR/);
  });

  it("a fault run in a task of the process whose first interval insert registers the NULL notifier: mm_take_all_locks -> -EINTR, nothing inserted", () => {
    const def: DriverDef = { ...presets['nouveau-5.5'], driver: 'nouveau-in-task', faultInTask: { gup: 'never', retry: false } };
    const { world: w, state: s } = withDriver(def, ['oom_reaper', 'fault:X']);
    expect(s.core.hasItree).toBe(false);
    const r = stepOnce(w, s, 'fault:X');
    expect(eventsOf(r)).toMatch(/mmu_notifier_register\(NULL\): mmap_write_lock; mm_take_all_locks -> -EINTR; mmap_write_unlock: fatal signal pending, fault:X exits/);
    expect(r.state.core.hasItree).toBe(false);
  });
});

