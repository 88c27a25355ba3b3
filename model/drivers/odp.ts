/**
 * RDMA on-demand paging (drivers/infiniband/core/umem_odp.c; v5.5+ the mlx5 driver,
 * drivers/infiniband/hw/mlx5/odp.c). docs/kernel.md §6.2, three eras: odp-4.19, odp-4.20, odp-5.5.
 * Abstracts: one umem covering the notifier's interval; per_mm->active is always true;
 * mn_counters_active is always true (so the 4.19 no_private_counters activation path in
 * ib_ucontext_notifier_end_account never runs).
 */
import { C, EAGAIN, I, intervalFault, program } from '../program.ts';
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
  kernels: { from: 'v4.20', until: 'v5.2' },
  domainRef: 'docs/kernel.md §6.2 (ODP-4.20–5.2)',
  summary: 'start: down_read(umem_rwsem) (nb: trylock), nb ⇒ -EAGAIN on an intersecting umem still holding it; end: seq++, count--, up_read',
  locks: { umem_rwsem: 'rwsem', umem_mutex: 'mutex' },
  counters: { notifiers_count: { balanced: true }, notifiers_seq: { balanced: false } },
  hlist: {
    invalidate_range_start: program([
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
    invalidate_range_end: program([
      I.jump('unlock', C.not(C.intersects)),
      I.lock('umem_mutex'), // ib_umem_notifier_end_account
      I.inc('notifiers_seq'),
      I.dec('notifiers_count'),
      I.unlock('umem_mutex'),
      ':unlock',
      I.unlock('umem_rwsem', 'read'), // up_read(&per_mm->umem_rwsem)
      I.ret(0),
    ]),
    // ib_umem_notifier_release: down_read(&per_mm->umem_rwsem), if (per_mm->active) per umem start_account,
    // dying, invalidate_range; up_read (docs/kernel.md §6.2; v4.20-era text, index id 3977742).
    release: program([I.lock('umem_rwsem', 'read'), I.zapAll, I.unlock('umem_rwsem', 'read'), I.ret(0)]),
    fault: odpFault,
  },
  interval: null,
  ioctl: program([
    I.lock('umem_rwsem', 'write'), // add_umem_to_per_mm: down_write(&per_mm->umem_rwsem)
    I.alloc, // kmalloc under the rwsem (Seed3)
    I.unlock('umem_rwsem', 'write'),
    I.ret(0),
  ]),
  pinsPages: true, // ib_umem_odp_map_dma_pages keeps the page references until the umem is unmapped (§6.2) [A]
};

/**
 * ODP v4.19 — type AB [V:ODP-4.19, L-2018]. docs/kernel.md §6.2 (ODP-4.19). The per-context
 * `context->umem_rwsem` is only held inside each callback (not across the window); the
 * per-context atomic `notifier_count` is incremented in start *before* the umem walk, and the
 * walk returns -EAGAIN in nb mode on the first intersecting umem without undoing it: the
 * failing start leaves `notifier_count` raised (Jason: "hmm is OK, ODP is not", §5.1a). The end
 * takes `umem_rwsem` with a sleeping down_read and does the per-umem end accounting, so under
 * call-all-end it would also decrement a `notifiers_count` the failed start never raised.
 * MR registration (ib_umem_odp_get) takes the rwsem for write and allocates under it (Seed3).
 */
export const odp419: DriverDef = {
  driver: 'odp-4.19',
  era: 'v4.19',
  kernels: { from: 'v4.19', until: 'v4.19' },
  domainRef: 'docs/kernel.md §6.2 (ODP-4.19)',
  summary: 'start: down_read(umem_rwsem) (nb: trylock), notifier_count++, nb ⇒ -EAGAIN on an intersecting umem without undo; end: per-umem seq++/count--, notifier_count--',
  locks: { umem_rwsem: 'rwsem', umem_mutex: 'mutex' },
  counters: { notifier_count: { balanced: true }, notifiers_count: { balanced: true }, notifiers_seq: { balanced: false } },
  hlist: {
    invalidate_range_start: program([
      I.nbTrylock('umem_rwsem', 'read', 'eagain'), // blk down_read / nb down_read_trylock(&context->umem_rwsem) else -EAGAIN
      I.inc('notifier_count'), // ib_ucontext_notifier_start_account: atomic_inc(&context->notifier_count)
      I.jump('out', C.not(C.intersects)), // rbt_ib_umem_for_each_in_range finds no umem
      I.jump('eagain_walk', C.nonblockable), // the walk: "if (!blockable) return -EAGAIN;" before touching the umem
      I.lock('umem_mutex'), // invalidate_range_start_trampoline → ib_umem_notifier_start_account
      I.inc('notifiers_count'),
      I.unlock('umem_mutex'),
      I.zap, // context->invalidate_range (mlx5_ib_invalidate_range): zap MTTs, unmap DMA
      ':out',
      I.unlock('umem_rwsem', 'read'), // up_read(&context->umem_rwsem)
      I.ret(0),
      ':eagain_walk',
      I.unlock('umem_rwsem', 'read'),
      I.ret(EAGAIN), // notifier_count stays incremented: no self-undo
      ':eagain',
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: program([
      I.lock('umem_rwsem', 'read'), // down_read(&context->umem_rwsem), even when !blockable
      I.jump('unlock', C.not(C.intersects)),
      I.lock('umem_mutex'), // invalidate_range_end_trampoline → ib_umem_notifier_end_account
      I.inc('notifiers_seq'),
      I.dec('notifiers_count'), // complete_all(&notifier_completion) at 0
      I.unlock('umem_mutex'),
      ':unlock',
      I.unlock('umem_rwsem', 'read'),
      I.dec('notifier_count'), // ib_ucontext_notifier_end_account: atomic_dec_and_test
      I.ret(0),
    ]),
    // ib_umem_notifier_release (v4.19, index id 28343273484): ib_ucontext_notifier_start_account;
    // down_read(&context->umem_rwsem); per umem ib_umem_notifier_start_account, dying = 1,
    // complete_all, invalidate_range over the whole umem; up_read. Abstracts: the counts it raises
    // for good ("to prevent any further fault handling on this MR"): no fault follows a release.
    release: program([I.lock('umem_rwsem', 'read'), I.zapAll, I.unlock('umem_rwsem', 'read'), I.ret(0)]),
    fault: odpFault,
  },
  interval: null,
  ioctl: program([
    I.lock('umem_rwsem', 'write'), // ib_umem_odp_get: down_write(&context->umem_rwsem)
    I.alloc, // kmalloc under the rwsem (Seed3)
    I.unlock('umem_rwsem', 'write'),
    I.ret(0),
  ]),
  pinsPages: true, // ib_umem_odp_map_dma_pages keeps the page references until the umem is unmapped (§6.2) [A]
};

/**
 * ODP v5.5+ — interval notifier, type S [V: mlx5 odp.c text]. docs/kernel.md §6.2 (ODP-5.5+).
 * mlx5_ib_invalidate_range: nb ⇒ false; mutex_lock(umem_mutex); mmu_interval_set_seq; zap the
 * MTTs via UMR and unmap the DMA pages; unlock; true. The page-fault path
 * (pagefault_real_mr → ib_umem_odp_map_dma_and_lock) does read_begin, faults the pages, takes
 * umem_mutex and checks read_retry before mapping. No ioctl thread: MR registration
 * (mmu_interval_notifier_insert) takes no lock the invalidation takes.
 */
export const odp55: DriverDef = {
  driver: 'odp-5.5',
  era: 'v5.5+',
  kernels: { from: 'v5.5' },
  domainRef: 'docs/kernel.md §6.2 (ODP-5.5+)',
  summary: 'interval: nb ⇒ false; blk ⇒ umem_mutex, set_seq, zap MTTs; fault: read_begin, GUP, umem_mutex, read_retry',
  locks: { umem_mutex: 'mutex' },
  counters: {},
  hlist: null,
  interval: {
    invalidate: program([
      I.jump('fail', C.nonblockable), // if (!mmu_notifier_range_blockable(range)) return false;
      I.lock('umem_mutex'), // mutex_lock(&umem_odp->umem_mutex)
      I.setSeq, // mmu_interval_set_seq(mni, cur_seq)
      I.zap, // mlx5_ib_update_xlt(ZAP) + ib_umem_odp_unmap_dma_pages
      I.unlock('umem_mutex'),
      I.ret(0), // true
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    // mmu_interval_read_begin(&umem_odp->notifier), get_user_pages_remote / hmm_range_fault,
    // mutex_lock(&umem_odp->umem_mutex), read_retry ⇒ -EAGAIN and the fault is retried, else map
    // the DMA pages into the MTT.
    fault: intervalFault('umem_mutex'),
  },
  ioctl: null,
};
