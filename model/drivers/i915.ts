/**
 * i915 userptr (drivers/gpu/drm/i915/gem/i915_gem_userptr.c). docs/kernel.md §6.5.
 */
import { C, EAGAIN, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

/**
 * i915 v4.19–v5.12 — type S (no end), hlist [V:Seed4, L-2018]. Start: no intersecting object ⇒ 0;
 * spin_lock(mn->lock); nb ⇒ unlock, -EAGAIN; blk ⇒ cancel/unbind, which waits for the GPU.
 * Decision [A]: the get-pages worker's check `obj->userptr.work == &work->work` (a start cancels
 * in-flight get_pages by resetting userptr.work under the locks) is modeled as a cancellation
 * counter the start bumps under mn->lock and the fault re-checks under it before installing.
 * Pinning of the pages is not modeled. An earlier revision of this preset had no check at all:
 * then a fault that resolved its page before a munmap installed it after the zap (INV-12/13).
 */
export const i915_419: DriverDef = {
  driver: 'i915-4.19',
  era: 'v4.19–v5.12',
  kernels: { from: 'v4.19', until: 'v5.12' },
  domainRef: 'docs/kernel.md §6.5 (≈4.19–5.12)',
  summary: 'start: nb ⇒ -EAGAIN on an intersecting userptr; blk ⇒ unbind and wait for the GPU; no end',
  locks: { mn_lock: 'spinlock' },
  counters: { userptr_cancels: { balanced: false } },
  hlist: {
    invalidate_range_start: program([
      I.jump('out', C.not(C.intersects)), // RB_EMPTY_ROOT / no intersecting object
      I.lock('mn_lock'),
      I.jump('eagain', C.nonblockable), // "not do anything here if !blockable" (Chris Wilson, Seed4)
      I.inc('userptr_cancels'), // cancel_userptr: obj->userptr.work = NULL, in-flight get_pages lose
      I.unlock('mn_lock'),
      I.waitFence, // cancel_userptr / i915_gem_object_unbind waits for the HW
      I.zap,
      ':out',
      I.ret(0),
      ':eagain',
      I.unlock('mn_lock'),
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: null,
    // i915_gem_userptr_notifier = { .invalidate_range_start } up to v5.12: no .release (index ids 24360354,
    // 15470856; docs/kernel.md §10.1 item 13). The pinned pages stay pinned until put_pages.
    release: null,
    fault: program([
      ':retry',
      I.snapshot('userptr_cancels', 'snap'), // __i915_gem_userptr_get_pages_schedule: userptr.work = work
      I.gup,
      I.lock('mn_lock'),
      I.jump('busy', C.changed('userptr_cancels', 'snap')), // obj->userptr.work != &work->work: cancelled
      I.install,
      I.unlock('mn_lock'),
      I.ret(0),
      ':busy',
      I.unlock('mn_lock'),
      I.retry('retry'), // execbuf gets -EAGAIN and the get_pages is scheduled again
    ]),
  },
  // Interval form, as i915-5.13 (docs/kernel.md §6.5 5.13+): nb ⇒ false; write_lock(notifier_lock);
  // set_seq; unlock; wait for the object's fences. Used when the strategy is core-counter.
  interval: {
    invalidate: program([
      I.jump('fail', C.nonblockable),
      I.lock('mn_lock'),
      I.setSeq,
      I.unlock('mn_lock'),
      I.waitFence,
      I.zap,
      I.ret(0),
      ':fail',
      I.ret(EAGAIN),
    ]),
    fault: intervalFault('mn_lock'),
  },
  ioctl: null,
  pinsPages: true, // userptr pages are held with get_user_pages / pin_user_pages references until put_pages (§6.5)
};

/**
 * i915 v5.13+ — interval notifier, type S [V: i915_gem_userptr.c texts]. docs/kernel.md §6.5 (5.13+).
 * i915_gem_userptr_invalidate: nb ⇒ false; write_lock(&i915->mm.notifier_lock) (an rwlock:
 * spins); mmu_interval_set_seq; unlock; unless PF_EXITING, wait for the object's fences
 * (MAX_SCHEDULE_TIMEOUT); true. Execbuf gets the pages after mmu_interval_read_begin and
 * re-checks with mmu_interval_read_retry under read_lock(notifier_lock).
 * Abstracts: the invalidating thread is never PF_EXITING (the munmap thread is not exiting); the
 * kernel keeps the pages pinned and unbinds "on next submission", modelled as the mapping gone
 * once the fences have signalled (`zap`). No ioctl thread: execbuf is the fault path.
 */
export const i915_513: DriverDef = {
  driver: 'i915-5.13',
  era: 'v5.13+',
  kernels: { from: 'v5.13' },
  domainRef: 'docs/kernel.md §6.5 (5.13+)',
  summary: 'interval: nb ⇒ false; blk ⇒ write_lock(notifier_lock), set_seq, unlock, wait for fences; execbuf: read_begin, GUP, read_lock, read_retry',
  locks: { notifier_lock: 'spinlock' },
  counters: {},
  hlist: null,
  interval: {
    invalidate: program([
      I.jump('fail', C.nonblockable), // if (!mmu_notifier_range_blockable(range)) return false;
      I.lock('notifier_lock', 'write'), // write_lock(&i915->mm.notifier_lock)
      I.setSeq, // mmu_interval_set_seq(mni, cur_seq)
      I.unlock('notifier_lock', 'write'),
      I.waitFence, // dma_resv_wait_timeout(obj->base.resv, ..., MAX_SCHEDULE_TIMEOUT)
      I.zap,
      I.ret(0), // true
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    // i915_gem_object_userptr_submit_init: mmu_interval_read_begin, pin_user_pages_fast;
    // i915_gem_object_userptr_submit_done: read_lock(&i915->mm.notifier_lock), read_retry ⇒ -EAGAIN.
    fault: intervalFault('notifier_lock', 'read'),
  },
  ioctl: null,
  pinsPages: true, // userptr pages are held with get_user_pages / pin_user_pages references until put_pages (§6.5)
  // execbuf is a task of the process: pin_user_pages_fast (slow path: -EINTR); submit_done's -EAGAIN
  // returns to user space (eb_move_to_gpu: err_skip; docs/kernel.md §3.4).
  faultInTask: { gup: 'fault-in', retry: true },
};
