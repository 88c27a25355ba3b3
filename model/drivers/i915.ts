/**
 * i915 userptr (drivers/gpu/drm/i915/gem/i915_gem_userptr.c). DOMAIN.md §6.5.
 */
import { C, EAGAIN, I, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

/**
 * i915 v4.19–v5.12 — type S (no end), hlist [V:Seed4, L-2018]. Start: no intersecting object ⇒ 0;
 * spin_lock(mn->lock); nb ⇒ unlock, -EAGAIN; blk ⇒ cancel/unbind, which waits for the GPU.
 * Decision [A]: the get-pages path is modeled without a collision check (the object is made
 * active under mn->lock after get_user_pages), which is what the 5.13 rewrite replaced.
 */
export const i915_419: DriverDef = {
  driver: 'i915-4.19',
  era: 'v4.19–v5.12',
  domainRef: 'DOMAIN.md §6.5 (≈4.19–5.12)',
  summary: 'start: nb ⇒ -EAGAIN on an intersecting userptr; blk ⇒ unbind and wait for the GPU; no end',
  locks: { mn_lock: 'spinlock' },
  counters: {},
  hlist: {
    invalidateRangeStart: program([
      I.jump('out', C.not(C.intersects)), // RB_EMPTY_ROOT / no intersecting object
      I.lock('mn_lock'),
      I.jump('eagain', C.nonblockable), // "not do anything here if !blockable" (Chris Wilson, Seed4)
      I.unlock('mn_lock'),
      I.waitFence, // cancel_userptr / i915_gem_object_unbind waits for the HW
      I.zap,
      ':out',
      I.ret(0),
      ':eagain',
      I.unlock('mn_lock'),
      I.ret(EAGAIN),
    ]),
    invalidateRangeEnd: null,
    fault: program([I.gup, I.lock('mn_lock'), I.install, I.unlock('mn_lock'), I.ret(0)]),
  },
  // Interval form, as i915-5.13 (DOMAIN.md §6.5 5.13+): nb ⇒ false; write_lock(notifier_lock);
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
    fault: program([
      ':retry',
      I.readBegin('snap'),
      I.gup,
      I.lock('mn_lock'),
      I.readRetry('snap', 'busy'), // execbuf re-checks with read_retry under the notifier lock
      I.install,
      I.unlock('mn_lock'),
      I.ret(0),
      ':busy',
      I.unlock('mn_lock'),
      I.retry('retry'),
    ]),
  },
  ioctl: null,
};
