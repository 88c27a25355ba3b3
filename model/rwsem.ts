/**
 * The lock primitives under the seam files (docs/kernel.md §1.1): what a thread waits for, and the
 * rwsem's wait list. A contended down_write is two steps, as in rwsem_down_write_slowpath: the
 * writer joins the wait list (a state other threads see: RWSEM_FLAG_WAITERS makes new readers
 * wait and every trylock fail), then takes the lock once it is free and no writer queued before
 * it. A thread that has not yet called down_write is on no list and invisible to the others.
 */
import type { LockMode } from './program.ts';
import { setLock } from './state.ts';
import type { Lock, ModelState, World } from './types.ts';

/** What a blocked thread waits for (edges of the waits-for graph, INV-10). */
export type Blocker =
  | { readonly on: 'lock'; readonly lock: string; readonly mode: LockMode }
  | { readonly on: 'memory' } // reclaim under OOM: waits for the victim to be reaped or skipped
  | { readonly on: 'invalidation'; readonly sub: string } // mmu_interval_read_begin: waits for seq to move
  | { readonly on: 'counter'; readonly sub: string; readonly counter: string } // wait_event(wq, counter == 0): waits for the ends
  | { readonly on: 'srcu'; readonly readers: readonly string[] } // synchronize_srcu: waits for these walks to finish
  | { readonly on: 'registration'; readonly sub: string } // a device faults only once its notifier is registered
  | { readonly on: 'mm_users'; readonly thread: string } // exit_mmap: a thread using the mm still holds mm_users
  | { readonly on: 'timeout' }; // the reaper sleeps between attempts while another thread can still step (reaper.ts)

const isRwsem = (world: World, lock: string): boolean => world.lockKinds[lock] === 'rwsem';

/** rwsem writer preference (docs/kernel.md §1.1): another thread is on `lock`'s wait list for write. */
export const writerQueued = (world: World, s: ModelState, lock: string, self: string): boolean => {
  if (!isRwsem(world, lock)) return false;
  const w = s.locks[lock].waiters;
  return w.length > (w.includes(self) ? 1 : 0);
};

const writerHeld = (l: Lock): boolean => l.writer !== null;
const anyHolder = (l: Lock): boolean => l.writer !== null || l.readers.length > 0;

/** A read acquisition of an rwsem waits while a writer holds it or is queued for it. */
export const readLockBlocker = (world: World, s: ModelState, lock: string, self: string): Blocker | null =>
  writerHeld(s.locks[lock]) || writerQueued(world, s, lock, self) ? { on: 'lock', lock, mode: 'read' } : null;

/** A write acquisition waits while anyone holds the lock, or (rwsem, FIFO) a writer queued before this one. */
export const writeLockBlocker = (world: World, s: ModelState, lock: string, self: string): Blocker | null => {
  const l = s.locks[lock];
  if (anyHolder(l)) return { on: 'lock', lock, mode: 'write' };
  if (!isRwsem(world, lock) || l.waiters.length === 0) return null;
  const at = l.waiters.indexOf(self);
  return at === 0 ? null : { on: 'lock', lock, mode: 'write' };
};

/** down_read_trylock fails on a writer, held or queued (RWSEM_READ_FAILED_MASK); down_write_trylock on any holder or waiter. */
export const trylockFails = (world: World, s: ModelState, lock: string, mode: LockMode, self: string): boolean => {
  const l = s.locks[lock];
  if (mode === 'read') return writerHeld(l) || writerQueued(world, s, lock, self);
  return anyHolder(l) || writerQueued(world, s, lock, self);
};

/** Whether this blocker is a contended rwsem down_write the thread has not yet queued for: its next step queues it. */
export const queuesFor = (world: World, s: ModelState, b: Blocker, self: string): boolean =>
  b.on === 'lock' && b.mode === 'write' && isRwsem(world, b.lock) && !s.locks[b.lock].waiters.includes(self);

/** rwsem_down_write_slowpath: the writer joins the wait list. */
export const queueWriter = (s: ModelState, lock: string, self: string): ModelState => {
  const l = s.locks[lock];
  return setLock(s, lock, { ...l, waiters: [...l.waiters, self] });
};

/** The thread leaves every wait list it is on (its acquisition step ran); the state itself when it is on none. */
export const dequeueWriter = (s: ModelState, self: string): ModelState => {
  let out = s;
  for (const id in s.locks) {
    const l = s.locks[id];
    if (l.waiters.length > 0 && l.waiters.includes(self)) out = setLock(out, id, { ...l, waiters: l.waiters.filter((w) => w !== self) });
  }
  return out;
};

/** The thread holds `lock` for write (the rest of the lock kept). */
export const downWrite = (s: ModelState, lock: string, self: string): ModelState => setLock(s, lock, { ...s.locks[lock], writer: self });

/** up_write / mmap_write_unlock. */
export const upWrite = (s: ModelState, lock: string): ModelState => setLock(s, lock, { ...s.locks[lock], writer: null });

/**
 * The rmap locks of the mm's VMAs (anon_vma->rwsem, mapping->i_mmap_rwsem) as one rwsem: reclaim
 * reads it across try_to_unmap_one; mm_take_all_locks (registration) writes it, which is how
 * registration excludes reclaim's start…end window (docs/kernel.md §1.4). Present only in a
 * scenario with a reclaim thread.
 */
export const RMAP_LOCK = 'rmap_lock';

/** mm_take_all_locks waits for every rmap lock: blocked while reclaim reads it. */
export const rmapLockBlocker = (world: World, s: ModelState, self: string): Blocker | null =>
  RMAP_LOCK in s.locks ? writeLockBlocker(world, s, RMAP_LOCK, self) : null;
