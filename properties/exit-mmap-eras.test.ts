/**
 * exit_mmap as each release has it (model/exit-mmap.ts, docs/kernel.md §3.2, §10, §11; issue #22
 * item 4). After mmu_notifier_release:
 * - v4.14.0, 'unmap-then-skip' (212925802454): unmap_vmas with no lock held, then
 *   set_bit(MMF_OOM_SKIP) for every mm, then, for an OOM victim, down_write/up_write of mmap_sem;
 * - v4.17–v6.0, 'reap-then-skip' (27ae357fa82b; v5.10 read): for an OOM victim
 *   __oom_reap_task_mm, MMF_OOM_SKIP, the write-lock cycle; then unmap_vmas;
 * - v6.1+, 'no-oom-code' (bf3980c85212): mmap_read_lock, unmap_vmas, mmap_read_unlock (beside the
 *   reaper's own read hold), MMF_OOM_SKIP for every mm, mmap_write_lock for the teardown.
 * On a named release unmap_vmas runs its blockable MMU_NOTIFY_UNMAP start/end; the model without
 * a named kernel keeps its old steps (saved cases replay: properties/cases.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { blocker, candidateThreads, KERNELS, resolve, step, threadById, type ModelState, type Scenario, type ThreadState, type World } from '../model/index.ts';
import { notifier, scenario, stepOnce, stepUntil, threadOf, killedWorld as world } from './support.ts';


const TWO_VMAS = [{ start: 0, end: 2 }, { start: 2, end: 4 }];

/** A scenario on a named release, with its reaper and its mainline rule. */
const on = (kernel: string, o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => {
  const k = KERNELS.find((x) => x.name === kernel);
  if (!k) throw new Error(kernel);
  return { ...scenario({ strategy: k.mainline ?? 'skip-all-end', ...o }), kernel, reaper: k.reaper };
};

const exitOf = (s: ModelState) => threadOf(s, 'exit_mmap', 'exit_mmap');
const done = (_s: ModelState, t: ThreadState) => t.done;

/** exit_mmap alone, from its first step to its last: its labels, and the state it leaves. */
const exitAlone = (sc: Scenario): { labels: string[]; final: ModelState; w: World } => {
  const { world: w, state } = world(sc);
  const labels: string[] = [];
  const final = stepUntil(w, state, 'exit_mmap', done, 300, labels);
  return { labels, final, w };
};

/** The labels after mmu_notifier_release (after synchronize_srcu). */
const afterRelease = (labels: readonly string[]): string[] => labels.slice(labels.indexOf('synchronize_srcu') + 1);

/** Step `id` until its pc is `pc`. */
const toPc = (w: World, s: ModelState, id: string, pc: string): ModelState => stepUntil(w, s, id, (_s, t) => t.pc === pc);

const kvm = [notifier('A', 'kvm', 256)];

describe('each era runs its order after mmu_notifier_release', () => {
  it('v4.14 (212925802454): unmap_vmas, then MMF_OOM_SKIP, then down_write/up_write for an OOM victim; no exit-time reap', () => {
    const { labels, final } = exitAlone(on('v4.14', { notifiers: kvm, vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] }));
    expect(afterRelease(labels)).toEqual([
      'invalidate_range_start [0,4)',
      'unmap_vmas: unmap_single_vma vma 0',
      'unmap_vmas: unmap_single_vma vma 1',
      'invalidate_range_end',
      'set_bit(MMF_OOM_SKIP)',
      'down_write(mmap_sem); up_write(mmap_sem)',
      'free_pgtables; tlb_finish_mmu; remove_vma',
    ]);
    expect(final.mm.MMF_OOM_SKIP).toBe(true);
    expect(final.mm.pte.every((f) => f === null)).toBe(true);
    expect(final.mm.freedFrames.length).toBe(4);
  });

  it('v4.14: the flag is still clear while unmap_vmas runs, and is set for an mm that is no OOM victim too (then no down_write)', () => {
    const sc = on('v4.14', { notifiers: kvm, vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] });
    const { world: w, state } = world(sc);
    const unmapping = toPc(w, state, 'exit_mmap', 'unmap');
    expect(unmapping.mm.MMF_OOM_SKIP).toBe(false);
    const skipped = toPc(w, unmapping, 'exit_mmap', 'lock');
    expect(skipped.mm.pte.every((f) => f === null)).toBe(true);
    expect(skipped.mm.MMF_OOM_SKIP).toBe(true);

    const alone = exitAlone(on('v4.14', { notifiers: kvm, vmas: TWO_VMAS, threads: ['exit_mmap'] }));
    expect(alone.labels).not.toContain('down_write(mmap_sem); up_write(mmap_sem)');
    expect(alone.labels.slice(-2)).toEqual(['set_bit(MMF_OOM_SKIP)', 'free_pgtables; tlb_finish_mmu; remove_vma']);
    expect(alone.final.mm.MMF_OOM_SKIP).toBe(true);
  });

  it('v4.14: with no notifier the reaper reaps beside unmap_vmas (exit_mmap holds no lock), and down_write waits for its read hold', () => {
    const { world: w, state } = world(on('v4.14', { notifiers: [], vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] }));
    const unmapping = toPc(w, state, 'exit_mmap', 'unmap');
    const reaping = stepOnce(w, unmapping, 'oom_reaper').state;
    expect(reaping.locks.mmap_lock.readers).toEqual(['oom_reaper']);
    expect(threadById(reaping, 'oom_reaper')?.pc).toBe('vma');
    // exit_mmap goes on to its down_write while the reaper still holds mmap_sem for read.
    const atLock = toPc(w, reaping, 'exit_mmap', 'lock');
    expect(atLock.mm.MMF_OOM_SKIP).toBe(true);
    const queued = stepOnce(w, atLock, 'exit_mmap').state; // rwsem_down_write_slowpath: joins the wait list
    expect(queued.locks.mmap_lock.waiters).toEqual(['exit_mmap']);
    expect(blocker(w, queued, exitOf(queued))).toEqual({ on: 'lock', lock: 'mmap_lock', mode: 'write' });
  });

  it('v4.17–v6.0 (27ae357fa82b, v5.10): __oom_reap_task_mm and MMF_OOM_SKIP before the write-lock cycle, then unmap_vmas', () => {
    const { labels } = exitAlone(on('v5.10', { notifiers: kvm, vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] }));
    const after = afterRelease(labels);
    expect(after[0]).toBe('invalidate_range_start_nonblock [0,2)');
    expect(after).toContain('__oom_reap_task_mm: unmap_page_range vma 1');
    expect(after.slice(after.indexOf('set_bit(MMF_OOM_SKIP)'))).toEqual([
      'set_bit(MMF_OOM_SKIP)',
      'mmap_write_lock; mmap_write_unlock',
      'invalidate_range_start [0,4)',
      'unmap_vmas: unmap_single_vma vma 0',
      'unmap_vmas: unmap_single_vma vma 1',
      'invalidate_range_end',
      'free_pgtables; tlb_finish_mmu; remove_vma',
    ]);
    // No OOM victim: no reap, no flag, no cycle (all three are under mm_is_oom_victim).
    const alone = exitAlone(on('v5.10', { notifiers: kvm, vmas: TWO_VMAS, threads: ['exit_mmap'] }));
    expect(afterRelease(alone.labels)).toEqual(['invalidate_range_start [0,4)', 'unmap_vmas: unmap_single_vma vma 0', 'unmap_vmas: unmap_single_vma vma 1', 'invalidate_range_end', 'free_pgtables; tlb_finish_mmu; remove_vma']);
    expect(alone.final.mm.MMF_OOM_SKIP).toBe(false);
  });

  it('v6.1 (bf3980c85212): mmap_read_lock, unmap_vmas, mmap_read_unlock, MMF_OOM_SKIP, then mmap_write_lock for the teardown; no exit-time reap', () => {
    for (const threads of [['oom_reaper', 'exit_mmap'], ['exit_mmap']]) {
      const { labels, final } = exitAlone(on('v6.1', { notifiers: kvm, vmas: TWO_VMAS, threads }));
      expect(afterRelease(labels), threads.join(',')).toEqual([
        'mmap_read_lock',
        'invalidate_range_start [0,4)',
        'unmap_vmas: unmap_single_vma vma 0',
        'unmap_vmas: unmap_single_vma vma 1',
        'invalidate_range_end',
        'mmap_read_unlock',
        'set_bit(MMF_OOM_SKIP)',
        'mmap_write_lock',
        'free_pgtables; tlb_finish_mmu; remove_vma; mmap_write_unlock',
      ]);
      expect(final.mm.MMF_OOM_SKIP).toBe(true); // every mm, OOM victim or not
      expect(final.locks.mmap_lock).toMatchObject({ writer: null, readers: [] });
    }
  });

  it('v6.1: the reaper and exit_mmap\'s unmap both hold mmap_lock for read; on v5.10 the reaper finds MMF_OOM_SKIP at that point', () => {
    const sc = (k: string) => on(k, { notifiers: [notifier('A', 'odp-5.5', 256)], vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] });
    const v61 = world(sc('v6.1'));
    const unmapping = toPc(v61.world, v61.state, 'exit_mmap', 'unmap');
    expect(exitOf(unmapping).inv).not.toBeNull(); // unmap_vmas' invalidation is open
    const both = stepOnce(v61.world, unmapping, 'oom_reaper');
    expect(both.state.locks.mmap_lock.readers).toEqual(['exit_mmap', 'oom_reaper']);
    expect(both.events).toContain('mmap_read_trylock ok; set MMF_UNSTABLE');
    // The reaper's non-blocking start now runs while exit_mmap's blockable one is still open.
    const reaperStart = stepOnce(v61.world, both.state, 'oom_reaper');
    expect(reaperStart.label).toBe('invalidate_range_start_nonblock [0,2)');
    expect(reaperStart.state.core.activeInvalidateRanges).toBe(2);

    const v510 = world(sc('v5.10'));
    const late = toPc(v510.world, v510.state, 'exit_mmap', 'unmap');
    const r = stepOnce(v510.world, late, 'oom_reaper');
    expect(r.events).toContain('mmap_read_trylock ok; MMF_OOM_SKIP already set');
  });

  it('v6.1: mmap_write_lock waits for the reaper\'s read hold, with MMF_OOM_SKIP already set', () => {
    const { world: w, state } = world(on('v6.1', { notifiers: kvm, vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] }));
    const reading = stepOnce(w, toPc(w, state, 'exit_mmap', 'unmap'), 'oom_reaper').state;
    const atLock = toPc(w, reading, 'exit_mmap', 'write_lock');
    expect(atLock.mm.MMF_OOM_SKIP).toBe(true);
    expect(atLock.locks.mmap_lock.readers).toEqual(['oom_reaper']);
    const queued = stepOnce(w, atLock, 'exit_mmap').state;
    expect(blocker(w, queued, exitOf(queued))).toEqual({ on: 'lock', lock: 'mmap_lock', mode: 'write' });
    expect(step(w, queued, 'exit_mmap').tag).toBe('blocked');
  });

  it('v6.1: with no VMA left (munmap detached the only one), exit_mmap unlocks and returns after mmap_read_lock, leaving MMF_OOM_SKIP clear', () => {
    const { world: w, state } = world(on('v6.1', { notifiers: kvm, threads: ['munmap', 'exit_mmap'] }));
    const unmapped = stepUntil(w, state, 'munmap', done);
    const labels: string[] = [];
    const final = stepUntil(w, unmapped, 'exit_mmap', done, 100, labels);
    expect(afterRelease(labels)).toEqual(['mmap_read_lock']);
    expect(final.mm.MMF_OOM_SKIP).toBe(false);
    expect(final.locks.mmap_lock.readers).toEqual([]);
  });
});

describe('unmap_vmas runs its notifier start/end on a named release; the model without a kernel keeps its steps', () => {
  const odp = [notifier('A', 'odp-5.5', 256)];

  it('an interval notifier is invalidated again, blockably, by unmap_vmas after mn_itree_release (v5.10, v6.1)', () => {
    for (const k of ['v5.10', 'v6.1']) {
      const after = afterRelease(exitAlone(on(k, { notifiers: odp, threads: ['exit_mmap'] })).labels);
      const start = after.indexOf('invalidate_range_start [0,4)');
      expect(start, k).toBeGreaterThanOrEqual(0);
      // The blockable path of ODP's invalidate: it takes umem_mutex (a non-blockable call returns false first).
      expect(after.slice(start, start + 3), k).toEqual(['invalidate_range_start [0,4)', 'A.invalidate: if (!blockable)', 'A.invalidate: lock(umem_mutex)']);
      expect(after.indexOf('invalidate_range_end'), k).toBeGreaterThan(after.indexOf('unmap_vmas: unmap_single_vma vma 0'));
    }
  });

  it('without a kernel exit_mmap steps as before: no notifier around the final unmap_vmas, one step for the whole mm', () => {
    const legacy = exitAlone(scenario({ strategy: 'call-all-end-2021', notifiers: odp, threads: ['exit_mmap'] }));
    expect(afterRelease(legacy.labels)).toEqual(['mmap_write_lock; mmap_write_unlock', 'unmap_vmas; free_pgtables', 'tlb_finish_mmu']);
    const oom = exitAlone(scenario({ strategy: 'call-all-end-2021', notifiers: kvm, vmas: TWO_VMAS, threads: ['oom_reaper', 'exit_mmap'] }));
    expect(afterRelease(oom.labels).slice(-4)).toEqual(['set_bit(MMF_OOM_SKIP)', 'mmap_write_lock; mmap_write_unlock', 'unmap_vmas; free_pgtables', 'tlb_finish_mmu']);
  });
});

describe('every release has its exit_mmap thread', () => {
  it('an exit_mmap thread resolves on every release, and is a candidate on each', () => {
    for (const k of KERNELS) {
      const name = k.name as string;
      const r = resolve(on(name, { notifiers: kvm, threads: ['oom_reaper', 'exit_mmap'] }));
      expect(r.ok ? [] : r.errors, name).toEqual([]);
      if (!r.ok) continue;
      expect(candidateThreads(r.world, ['A']), name).toContain('exit_mmap');
    }
  });
});
