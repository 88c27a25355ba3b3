/** Unit properties of the model itself: purity, determinism, the thread set, the drain. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { candidateArb } from '../engine/arbitraries.ts';
import { run } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import { enabledThreads, step } from '../model/index.ts';
import { seed } from './seed.ts';
import { reaperOf } from './support.ts';

const ab = { ...familyById('ab-pair')!.template, strategy: 'skip-all-end' };

describe(`model (seed ${seed})`, () => {
  it('step never mutates its input and is deterministic', () => {
    fc.assert(
      fc.property(candidateArb(ab, 30), (c) => {
        const r = resolve({ ...ab, threads: c.threads });
        if (!r.ok) throw new Error(r.error);
        let s = r.state;
        for (const th of c.schedule) {
          const before = JSON.stringify(s);
          const a = step(r.world, s, th);
          const b = step(r.world, s, th);
          expect(JSON.stringify(s)).toBe(before);
          expect(JSON.stringify(a)).toBe(JSON.stringify(b));
          if (a.tag === 'stepped') s = a.state;
        }
      }),
      { seed, numRuns: 200 },
    );
  });

  it('the same scenario and schedule give the same trace', () => {
    const sc = { ...ab, threads: ['oom_reaper', 'fault:A', 'ioctl:B'] };
    const sched = ['ioctl:B', 'fault:A', 'oom_reaper', 'oom_reaper', 'ioctl:B'];
    expect(run(sc, sched).trace).toEqual(run(sc, sched).trace);
  });

  it('a choice whose thread cannot step is skipped and left out of the executed schedule', () => {
    // ioctl:B takes umem_rwsem for write, then its kmalloc waits for memory (the victim is not
    // reaped yet): the next two choices are skipped.
    const r = run({ ...ab, threads: ['oom_reaper', 'ioctl:B'] }, ['ioctl:B', 'ioctl:B', 'ioctl:B']);
    expect(r.executed).toEqual(['ioctl:B']);
    expect(r.trace[0].action).toBe('B.ioctl: lock(umem_rwsem)');
    expect(r.trace[1]).toMatchObject({ thread: 'oom_reaper', drain: true });
  });

  it('the drain ends with every thread finished when nothing is stuck', () => {
    const r = run({ ...familyById('failing-no-end')!.template, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'munmap', 'fault:A'] }, []);
    expect(r.stuck).toBe(false);
    expect(r.final.threads.every((t) => t.done)).toBe(true);
    const w = resolve({ ...familyById('failing-no-end')!.template, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'munmap', 'fault:A'] });
    expect(w.ok && enabledThreads(w.world, r.final)).toEqual([]);
  });

  it('head insertion: the newest registration is walked first (docs/kernel.md §1.4); sorted-undo sorts by address', () => {
    const head = resolve({ ...ab, threads: [] });
    const sorted = resolve({ ...ab, strategy: 'sorted-undo', notifiers: [{ name: 'A', driver: 'kvm', address: 900 }, { name: 'B', driver: 'kvm', address: 100 }], threads: [] });
    expect(head.ok && head.state.subs.map((s) => s.name)).toEqual(['B', 'A']);
    expect(sorted.ok && sorted.state.subs.map((s) => s.name)).toEqual(['B', 'A']);
  });

  it('the OOM reaper gives up after MAX_OOM_REAP_RETRIES attempts and sets MMF_OOM_SKIP', () => {
    const r = run({ ...ab, threads: ['oom_reaper'] }, []);
    const reaper = reaperOf(r.final);
    expect(reaper.outcome).toBe('unable_to_reap');
    expect(reaper.attempts).toBe(10);
    expect(r.final.mm.MMF_OOM_SKIP).toBe(true);
    expect(r.final.drivers.A.counters.mmu_invalidate_in_progress).toBe(10);
  });
});
