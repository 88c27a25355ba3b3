/**
 * amdgpu v4.19's recursive read lock (docs/kernel.md §6.4, issue #22 item 6):
 * amdgpu_mn_read_lock takes amn->lock with down_read_non_owner only when
 * atomic_inc_return(&amn->recursion) == 1, so a second invalidation window while a first is
 * open takes no new down_read: it neither waits behind a command submission queued for write
 * nor sleeps. Before, the model gave each window its own down_read, which invented that wait.
 */
import { describe, expect, it } from 'vitest';
import { resolve, step, threadById, type ModelState, type World } from '../model/index.ts';
import { notifier, scenario, stepOnce, stepUntil } from './support.ts';

const setup = (): { world: World; state: ModelState } => {
  const r = resolve(scenario({ strategy: 'skip-all-end', notifiers: [notifier('A', 'kvm', 256), notifier('B', 'amdgpu-4.19', 512)], threads: ['madvise', 'ioctl:B', 'oom_reaper'] }));
  if (!r.ok) throw new Error(r.error);
  return { world: r.world, state: r.state };
};

describe('amdgpu-4.19: one down_read per set of open windows', () => {
  it("a second window joins the first's read hold: no wait behind the queued CS writer, no sleep in the reaper's non-blocking start", () => {
    const { world, state } = setup();
    // madvise opens a window: B's start read-holds amn_lock until its end (and has dropped read_lock).
    const s1 = stepUntil(world, state, 'madvise', (s) => s.locks['B.amn_lock'].readers.includes('madvise') && s.locks['B.read_lock'].writer === null);
    // The command submission queues for write (rwsem_down_write_slowpath).
    const s2 = stepOnce(world, s1, 'ioctl:B').state;
    expect(s2.locks['B.amn_lock'].waiters).toEqual(['ioctl:B']);
    // The reaper's non-blocking start reaches amn_lock: it joins, it does not wait.
    const labels: string[] = [];
    const s3 = stepUntil(world, s2, 'oom_reaper', (s) => s.locks['B.amn_lock'].readers.includes('oom_reaper'), 40, labels);
    expect(s3.locks['B.amn_lock'].readers).toEqual(['madvise', 'oom_reaper']);
    const joined = step(world, stepUntil(world, s2, 'oom_reaper', (_s, t) => t.call?.sub === 'B' && t.call.pc === 1), 'oom_reaper');
    expect(joined.tag).toBe('stepped');
    if (joined.tag !== 'stepped') return;
    expect(joined.events).toContain('B.amn_lock: recursion > 1, no down_read');
    expect(joined.facts.filter((f) => f.fact === 'sleep_in_nonblock')).toEqual([]);
    expect(threadById(s3, 'ioctl:B')?.done).toBe(false);
  });

  it('the first window still takes down_read, and waits behind a writer that holds the lock', () => {
    const { world, state } = setup();
    const s1 = stepUntil(world, state, 'ioctl:B', (s) => s.locks['B.amn_lock'].writer === 'ioctl:B');
    const at = stepUntil(world, s1, 'madvise', (_s, t) => t.call?.sub === 'B' && t.call.pc === 1);
    expect(step(world, at, 'madvise')).toMatchObject({ tag: 'blocked', blocker: { on: 'lock', lock: 'B.amn_lock', mode: 'read' } });
  });
});
