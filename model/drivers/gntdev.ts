/**
 * Xen grant device (drivers/xen/gntdev.c), as in v4.19 — type S (no end).
 * docs/kernel.md §6.7 [V:L-2018-RFC v2 diff], with Michal's follow-up to 93065ac753e4 that moved the
 * in_range test into unmap_if_in_range so blockable calls unmap instead of failing.
 * mn_invl_range_start: blk mutex_lock(&priv->lock) / nb mutex_trylock else -EAGAIN; for each
 * grant map: not in range ⇒ skip; !blockable ⇒ -EAGAIN; else unmap_grant_pages, which waits for
 * completion in gnttab_unmap_refs_sync ("The lock has to be sleepable because we wait for
 * completion", same follow-up); out_unlock: mutex_unlock.
 * Abstracts: one grant map covering the notifier's interval; no fault path (grant mappings are
 * made by gntdev_mmap / map_grant_pages, not by a collision-retry fault).
 * ioctl: IOCTL_GNTDEV_MAP_GRANT_REF adds the map under priv->lock (gntdev_add_map); its
 * allocation (gntdev_alloc_map) happens before the lock [U: not in docs/kernel.md; kernel text
 * recalled], so no `alloc` under it.
 */
import { C, EAGAIN, I, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

export const gntdev: DriverDef = {
  driver: 'gntdev',
  era: 'v4.19 (until its mmu_interval_notifier conversion, ≈v5.5 [U])',
  kernels: { from: 'v4.19', until: 'v5.4' },
  domainRef: 'docs/kernel.md §6.7 (xen gntdev)',
  summary: 'start: nb trylock priv->lock else -EAGAIN; an overlapping grant map ⇒ -EAGAIN in nb, unmap (waits) in blk; no end',
  locks: { priv_lock: 'mutex' },
  counters: {},
  hlist: {
    invalidate_range_start: program([
      I.nbTrylock('priv_lock', 'write', 'eagain'), // blk mutex_lock / nb mutex_trylock(&priv->lock) else -EAGAIN
      I.jump('out', C.not(C.intersects)), // unmap_if_in_range: !in_range(map, start, end) ⇒ 0
      I.jump('eagain_locked', C.nonblockable), // if (!blockable) return -EAGAIN;
      I.waitFence, // unmap_grant_pages → gnttab_unmap_refs_sync: wait_for_completion
      I.zap,
      ':out',
      I.unlock('priv_lock'), // out_unlock: mutex_unlock(&priv->lock)
      I.ret(0),
      ':eagain_locked',
      I.unlock('priv_lock'), // goto out_unlock
      I.ret(EAGAIN),
      ':eagain',
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: null,
    // mn_release: mutex_lock(&priv->lock), unmap_grant_pages of every map and freeable map, unlock
    // (docs/kernel.md §6.7; the pre-image of the mmu_interval_notifier conversion, index id 15103424157).
    release: program([I.lock('priv_lock'), I.zapAll, I.unlock('priv_lock'), I.ret(0)]),
    fault: null,
  },
  // core-counter adaptation (docs/design.md §3.3), in the shape of gntdev's later mainline conversion
  // to mmu_interval_notifier (gntdev_invalidate: nb ⇒ false; unmap_grant_pages; true — patch text
  // outside docs/kernel.md's sources). No set_seq: gntdev has no fault path that could collide.
  interval: {
    invalidate: program([
      I.jump('fail', C.nonblockable), // if (!mmu_notifier_range_blockable(range)) return false;
      I.waitFence, // unmap_grant_pages
      I.zap,
      I.ret(0), // true
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    fault: null,
  },
  ioctl: program([
    I.lock('priv_lock'), // gntdev_ioctl_map_grant_ref: mutex_lock(&priv->lock); gntdev_add_map
    I.unlock('priv_lock'),
    I.ret(0),
  ]),
};
