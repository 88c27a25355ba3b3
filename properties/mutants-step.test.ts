/**
 * Kills the verdict-changing survivors of `npm run mutate -- model/step.ts` (docs/guide.md,
 * mutation section): what `blocker`, `isEnabled` and `timerPending` say of a writer about to
 * queue and of the reaper's sleep, which the engines read (a disabled thread is a deadlock's
 * witness; a timer keeps a cycle unfair: engine/lasso.ts).
 */
import { describe, expect, it } from 'vitest';
import { blocker, enabledThreads, isEnabled, timerPending, waitOf } from '../model/index.ts';
import { notifier, scenario, stepOnce, stepUntil, threadOf, world } from './support.ts';

const kvm = notifier('A', 'kvm', 256);

describe('a contended down_write is two steps: the writer about to queue can step (docs/kernel.md §1.1)', () => {
  it("munmap behind madvise's read hold waits for mmap_lock, yet is enabled: its next step is to join the wait list", () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['madvise', 'munmap'] }));
    const held = stepOnce(w, s0, 'madvise').state; // mmap_read_lock
    const munmap = threadOf(held, 'munmap', 'munmap');
    expect(waitOf(w, held, munmap)).toMatchObject({ on: 'lock', lock: 'mmap_lock' });
    expect(blocker(w, held, munmap)).toBeNull();
    expect(isEnabled(w, held, munmap)).toBe(true);
    const queued = stepOnce(w, held, 'munmap').state;
    expect(queued.locks.mmap_lock.waiters).toEqual(['munmap']);
    // Queued, it is blocked until madvise lets go.
    expect(blocker(w, queued, threadOf(queued, 'munmap', 'munmap'))).toMatchObject({ on: 'lock', lock: 'mmap_lock' });
    expect(enabledThreads(w, queued)).toEqual(['madvise']);
  });
});

describe("the reaper's sleep between attempts is a timer (docs/kernel.md §1.6)", () => {
  it('while another thread can step, the sleeping reaper is blocked on the timeout and counts as a pending timer; once none can, it wakes', () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['oom_reaper', 'munmap'] }));
    // munmap write-holds mmap_lock: the reaper's trylock fails and it goes to sleep.
    const locked = stepOnce(w, s0, 'munmap').state;
    const sleeping = stepUntil(w, locked, 'oom_reaper', (_s, t) => t.pc === 'sleep');
    const reaper = threadOf(sleeping, 'oom_reaper', 'oom_reaper');
    expect(blocker(w, sleeping, reaper)).toEqual({ on: 'timeout' });
    expect(timerPending(w, sleeping, reaper)).toBe(true);
    expect(isEnabled(w, sleeping, reaper)).toBe(false);
    // munmap runs to its end: nothing else can step, so the sleep ends.
    const alone = stepUntil(w, sleeping, 'munmap', (_s, t) => t.done);
    const after = threadOf(alone, 'oom_reaper', 'oom_reaper');
    expect(timerPending(w, alone, after)).toBe(false);
    expect(isEnabled(w, alone, after)).toBe(true);
  });
});
