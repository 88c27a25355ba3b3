/**
 * RDMA on-demand paging (drivers/infiniband/core/umem_odp.c). DOMAIN.md §6.2.
 * Abstracts: one umem covering the notifier's interval; per_mm->active is always true;
 * mn_counters_active is always true.
 */
import { C, EAGAIN, I, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

const odpFault = program([
  ':retry',
  I.snapshot('notifiers_seq', 'snap'), // current_seq = umem_odp->notifiers_seq
  I.gup, // get_user_pages_remote
  I.lock('umem_mutex'),
  I.jump('busy', C.any(C.nonzero('notifiers_count'), C.changed('notifiers_seq', 'snap'))), // ib_umem_mmu_notifier_retry
  I.install, // map DMA pages into the MTT
  I.unlock('umem_mutex'),
  I.ret(0),
  ':busy',
  I.unlock('umem_mutex'),
  I.retry('retry'),
]);

/**
 * ODP v4.20–v5.2 — type AB, holds per_mm->umem_rwsem for read from start to end
 * [V:ODP-4.20]. The non-blocking start returns -EAGAIN on the first intersecting umem while
 * still holding the rwsem: the missed unlock fixed by 7608bf40cf24 (v5.3) [V:L-2019-ODP].
 * MR registration (add_umem_to_per_mm) takes the rwsem for write and allocates under it
 * ("umem_rwsem is held by threads while calling kmalloc", Seed3).
 */
export const odp420: DriverDef = {
  driver: 'odp-4.20',
  era: 'v4.20–v5.2',
  domainRef: 'DOMAIN.md §6.2 (ODP-4.20–5.2)',
  summary: 'start: down_read(umem_rwsem) (nb: trylock), nb ⇒ -EAGAIN on an intersecting umem still holding it; end: seq++, count--, up_read',
  locks: { umem_rwsem: 'rwsem', umem_mutex: 'mutex' },
  counters: { notifiers_count: { balanced: true }, notifiers_seq: { balanced: false } },
  hlist: {
    invalidateRangeStart: program([
      I.nbTrylock('umem_rwsem', 'read', 'eagain'), // blk down_read / nb down_read_trylock else -EAGAIN
      I.jump('out', C.not(C.intersects)), // rbt_ib_umem_for_each_in_range finds nothing
      I.jump('eagain_locked', C.nonblockable), // nb: -EAGAIN on the first intersecting umem
      I.lock('umem_mutex'), // ib_umem_notifier_start_account
      I.inc('notifiers_count'),
      I.unlock('umem_mutex'),
      I.zap, // ib_umem_odp_unmap_dma_pages + HW invalidation
      ':out',
      I.ret(0), // umem_rwsem stays read-held until invalidate_range_end
      ':eagain_locked',
      I.ret(EAGAIN), // still holding umem_rwsem: the bug 7608bf40 fixed
      ':eagain',
      I.ret(EAGAIN),
    ]),
    invalidateRangeEnd: program([
      I.jump('unlock', C.not(C.intersects)),
      I.lock('umem_mutex'), // ib_umem_notifier_end_account
      I.inc('notifiers_seq'),
      I.dec('notifiers_count'),
      I.unlock('umem_mutex'),
      ':unlock',
      I.unlock('umem_rwsem', 'read'), // up_read(&per_mm->umem_rwsem)
      I.ret(0),
    ]),
    fault: odpFault,
  },
  interval: null,
  ioctl: program([
    I.lock('umem_rwsem', 'write'), // add_umem_to_per_mm: down_write(&per_mm->umem_rwsem)
    I.alloc, // kmalloc under the rwsem (Seed3)
    I.unlock('umem_rwsem', 'write'),
    I.ret(0),
  ]),
};
