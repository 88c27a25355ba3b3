/**
 * amdgpu userptr (drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c, amdgpu_cs.c). docs/kernel.md §6.4.
 * Abstracts: one userptr BO covering the notifier's interval; the GFX flavour only (the HSA
 * flavour evicts KFD user queues instead of waiting for fences); a BO whose fences have
 * signalled counts as no longer mapped by the GPU (`zap`), and the next command submission
 * revalidates it (`install`).
 */
import { C, EAGAIN, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

/**
 * amdgpu ≈v4.14–v5.0, as in v4.19 — type AB, lock held across the window [V: amdgpu_mn.c
 * texts, L-2018, L-2018-AMD]. `amn->lock` is an rw-semaphore: start takes it for read
 * (amdgpu_mn_read_lock) and end releases it (amdgpu_mn_read_unlock, "Release the lock again to
 * allow new command submissions"); command submission holds it for write (amdgpu_mn_lock) and
 * allocates under it (drm_sched_job_init → drm_sched_fence_create, GFP_KERNEL: Tetsuo's report).
 *
 * Decision on the nb path (docs/kernel.md §6.4 marks the shipped variant [U]): the variant of the
 * merged 93065ac753e4 — `mutex_trylock(&amn->read_lock)` else -EAGAIN, then
 * `down_read_non_owner(&amn->lock)`, a sleeping wait even when !blockable, then -EAGAIN with
 * amdgpu_mn_read_unlock on the first intersecting node. Michal's Aug-2018 revision (plain
 * mutex_lock on read_lock) differs only in that first step; Tetsuo's down_read_trylock was not
 * taken. Evidence beyond docs/kernel.md: a v5.0-era amdgpu_mn.c (range-struct API) still has the
 * trylock form. Either way the nb start sleeps on amn->lock while a CS holds it for write —
 * the §3.1 cycle when that CS allocates under OOM.
 *
 * The `read_lock` mutex + atomic `recursion` trick (only the first reader calls down_read) is
 * a recursive read lock (program.ts `recursive`): each open window holds the rwsem for read, the
 * first by down_read, a later one by joining without down_read (no wait behind a queued
 * command-submission writer, no sleep), so the lock is read-held exactly while some start…end
 * window is open, as with the recursion count.
 *
 * Fault: the CS's userptr path, reduced to the §2.5 shape — snapshot `mmu_invalidations`
 * (amdgpu_ttm_tt_userptr_invalidated), get_user_pages, take amn->lock for write, re-check
 * (amdgpu_ttm_tt_userptr_needs_pages ⇒ -ERESTARTSYS, the ioctl restarts) [A: simplified].
 */
export const amdgpu419: DriverDef = {
  driver: 'amdgpu-4.19',
  era: 'v4.14–v5.0 (as in v4.19)',
  kernels: { from: 'v4.19', until: 'v5.0' },
  domainRef: 'docs/kernel.md §6.4 (≈4.14–5.0)',
  summary: 'start: trylock read_lock (nb), down_read(amn->lock) held until end, nb ⇒ up_read + -EAGAIN on an intersecting BO; CS: down_write + GFP_KERNEL',
  locks: { read_lock: 'mutex', amn_lock: 'rwsem' },
  counters: { mmu_invalidations: { balanced: false } },
  hlist: {
    invalidate_range_start: program([
      I.nbTrylock('read_lock', 'write', 'eagain'), // amdgpu_mn_read_lock: blk mutex_lock / nb mutex_trylock(&amn->read_lock) else -EAGAIN
      I.recursiveRead('amn_lock'), // atomic_inc_return(&recursion) == 1 ⇒ down_read_non_owner(&amn->lock): sleeps even if !blockable; else no down_read
      I.unlock('read_lock'),
      I.jump('out', C.not(C.intersects)), // interval_tree_iter_first: no node in the range
      I.jump('eagain_held', C.nonblockable), // "if (!blockable) { amdgpu_mn_read_unlock(amn); return -EAGAIN; }"
      I.inc('mmu_invalidations'), // amdgpu_mn_invalidate_node → amdgpu_ttm_tt_affect_userptr: atomic_inc
      I.waitFence, // reservation_object_wait_timeout_rcu(..., MAX_SCHEDULE_TIMEOUT)
      I.zap, // amdgpu_ttm_tt_mark_user_pages: the GPU is done with the pages
      ':out',
      I.ret(0), // amn->lock stays read-held until invalidate_range_end
      ':eagain_held',
      I.unlock('amn_lock', 'read'), // amdgpu_mn_read_unlock: the start undoes its own hold
      I.ret(EAGAIN),
      ':eagain',
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: program([
      I.unlock('amn_lock', 'read'), // amdgpu_mn_invalidate_range_end → amdgpu_mn_read_unlock: up_read_non_owner
      I.ret(0),
    ]),
    fault: program([
      ':retry',
      I.snapshot('mmu_invalidations', 'snap'), // e->user_invalidated (amdgpu_ttm_tt_userptr_invalidated)
      I.gup, // amdgpu_ttm_tt_get_user_pages
      I.lock('amn_lock', 'write'), // amdgpu_cs_submit: amdgpu_mn_lock(p->mn)
      I.jump('busy', C.changed('mmu_invalidations', 'snap')), // amdgpu_ttm_tt_userptr_needs_pages ⇒ -ERESTARTSYS
      I.install, // submit with the userptr BO bound
      I.unlock('amn_lock', 'write'),
      I.ret(0),
      ':busy',
      I.unlock('amn_lock', 'write'),
      I.retry('retry'), // the ioctl restarts
    ]),
    // amdgpu_mn_release (v4.19, index id 472104633): INIT_WORK(amdgpu_mn_destroy); schedule_work. No
    // mapping is torn down; the work (not modelled) takes amn->lock for write, detaches every BO
    // (bo->mn = NULL) and calls mmu_notifier_unregister_no_release.
    release: program([I.ret(0)]),
  },
  interval: null,
  ioctl: program([
    I.lock('amn_lock', 'write'), // amdgpu_cs_submit: amdgpu_mn_lock → down_write(&amn->lock)
    I.alloc, // drm_sched_job_init → drm_sched_fence_create: GFP_KERNEL under the lock (L-2018-AMD)
    I.unlock('amn_lock', 'write'), // amdgpu_mn_unlock
    I.ret(0),
  ]),
  pinsPages: true, // amdgpu_ttm_tt_get_user_pages: get_user_pages references held until the TT is unpopulated (§6.4) [A]
  // The CS ioctl is a task of the process: `if (mm == current->mm) get_user_pages(...)`; -ERESTARTSYS
  // restarts it through user space (docs/kernel.md §3.4).
  faultInTask: { gup: 'always', retry: true },
};

/**
 * amdgpu v5.5+ — interval notifier, type S [V:L-2019-ITREE amdgpu patch; later texts].
 * docs/kernel.md §6.4 (5.5+). amdgpu_mn_invalidate_gfx: nb ⇒ false; mutex_lock(adev->notifier_lock);
 * mmu_interval_set_seq; wait for the BO's fences (MAX_SCHEDULE_TIMEOUT, still under the lock);
 * unlock; true. The CS gets the pages after mmu_interval_read_begin, then holds notifier_lock
 * around the submit and re-checks with read_retry (-EAGAIN: libdrm restarts the ioctl).
 * ioctl: the CS's notifier_lock section without the userptr work — "No memory allocation is
 * allowed while holding the notifier lock", so no `alloc` [V: comment quoted in docs/kernel.md].
 */
export const amdgpu55: DriverDef = {
  driver: 'amdgpu-5.5',
  era: 'v5.5+',
  kernels: { from: 'v5.5' },
  domainRef: 'docs/kernel.md §6.4 (5.5+)',
  summary: 'interval: nb ⇒ false; blk ⇒ notifier_lock, set_seq, wait BO fences under the lock; CS: read_begin, GUP, notifier_lock, read_retry',
  locks: { notifier_lock: 'mutex' },
  counters: {},
  hlist: null,
  interval: {
    invalidate: program([
      I.jump('fail', C.nonblockable), // if (!mmu_notifier_range_blockable(range)) return false;
      I.lock('notifier_lock'), // mutex_lock(&adev->notifier_lock)
      I.setSeq, // mmu_interval_set_seq(mni, cur_seq)
      I.waitFence, // dma_resv_wait_timeout_rcu(..., MAX_SCHEDULE_TIMEOUT) under the lock
      I.zap,
      I.unlock('notifier_lock'),
      I.ret(0), // true
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    // amdgpu_ttm_tt_get_user_pages: mmu_interval_read_begin, hmm_range_fault; amdgpu_cs_submit:
    // mutex_lock(&adev->notifier_lock), !amdgpu_ttm_tt_get_user_pages_done ⇒ -EAGAIN, and
    // drmIoctl in libdrm restarts amdgpu_cs_ioctl.
    fault: intervalFault('notifier_lock'),
  },
  ioctl: program([
    I.lock('notifier_lock'), // amdgpu_cs_submit: mutex_lock(&p->adev->notifier_lock)
    I.unlock('notifier_lock'), // no allocation under it
    I.ret(0),
  ]),
  // The CS ioctl: hmm_range_fault (no fatal-signal test); -EAGAIN restarts it through user space (§3.4).
  faultInTask: { gup: 'never', retry: true },
};
