/**
 * Page reclaim (model/reclaim.ts; issue #22 item 5): try_to_unmap_one invalidates one page under
 * the rmap lock, not mmap_lock, so it overlaps munmap and faults; mm_take_all_locks takes the
 * rmap locks, so a registration cannot land inside reclaim's start…end window; the page is freed
 * only if no reference holds it. Named releases only, and only when --threads names it.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../engine/exhaustive.ts';
import { threadsFor } from '../engine/arbitraries.ts';
import { resolve, step, type Scenario } from '../model/index.ts';
import { notifier, scenario, stepOnce, stepUntil } from './support.ts';

const at = (kernel: string | undefined, o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => ({ ...scenario({ strategy: 'core-counter', ...o }), ...(kernel ? { kernel } : {}) });
const kvm = [notifier('A', 'kvm', 256)];

describe('reclaim', () => {
  it('runs on a named release when --threads names it; it is never generated; without a kernel it is refused', () => {
    expect(resolve(at('v5.10', { notifiers: kvm, threads: ['reclaim'] })).ok).toBe(true);
    const legacy = resolve(at(undefined, { notifiers: kvm, threads: ['reclaim'] }));
    expect(legacy.ok ? [] : legacy.errors[0]).toMatch(/^threads: 'reclaim' \(page reclaim, model\/reclaim.ts\) runs only on a named release: give --kernel/);
    expect(threadsFor({ ...at('v5.10', { notifiers: kvm }), threads: undefined })).not.toContain('reclaim');
  });

  it('invalidates without mmap_lock: its whole window runs while munmap holds mmap_lock for write', () => {
    const r = resolve(at('v5.10', { notifiers: kvm, threads: ['munmap', 'reclaim'] }));
    if (!r.ok) throw new Error(r.error);
    const s1 = stepOnce(r.world, r.state, 'munmap').state; // mmap_write_lock
    expect(s1.locks.mmap_lock.writer).toBe('munmap');
    const labels: string[] = [];
    const s2 = stepUntil(r.world, s1, 'reclaim', (_s, t) => t.done, 40, labels);
    expect(labels).toContain('invalidate_range_start [0,1)');
    expect(labels).toContain('try_to_unmap_one: ptep_clear_flush page 0');
    expect(s2.locks.mmap_lock.writer).toBe('munmap');
    expect(s2.mm.pte[0]).toBeNull();
    expect(s2.mm.freedFrames).toContain(0);
  });

  it('mm_take_all_locks waits for the rmap lock: a registration cannot join inside reclaim\'s window', () => {
    const sc = at('v5.12', { strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256), notifier('B', 'i915-4.19', 512)], threads: ['reclaim', 'register:B'] });
    const w = resolve(sc);
    if (!w.ok) throw new Error(w.error);
    const s1 = stepOnce(w.world, w.state, 'reclaim').state; // anon_vma_lock_read
    // A contended down_write queues first (rwsem_down_write_slowpath), then waits.
    const queued = stepOnce(w.world, s1, 'register:B').state;
    expect(queued.locks.rmap_lock.waiters).toEqual(['register:B']);
    expect(queued.locks.mmap_lock.writer).toBeNull();
    expect(step(w.world, queued, 'register:B')).toMatchObject({ tag: 'blocked', blocker: { on: 'lock', lock: 'rmap_lock' } });
    expect(explore(sc, ['RegistrationExclusion']).results[0].verdict).toBe('holds');
  });

  it('beside a KVM fault (whose get_user_pages reference keeps the page from being freed): no use-after-free, no stale mapping, balanced, in every interleaving', () => {
    const { results } = explore(at('v5.10', { notifiers: kvm, threads: ['reclaim', 'fault:A'] }), ['NoUseAfterFree', 'NoStaleSecondaryMapping', 'QuiescentBalanced']);
    for (const x of results) expect(x.verdict, x.invariant).toBe('holds');
  });
});
