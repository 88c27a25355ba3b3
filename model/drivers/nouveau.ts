/**
 * nouveau SVM v5.5+ (drivers/gpu/drm/nouveau/nouveau_svm.c). docs/kernel.md §6.6 (5.5+), §2.2.
 *
 * The kernel puts two notifiers on the mm: the classic `svmm->notifier` (type S, fails every
 * non-blocking start) and a per-fault `mmu_interval_notifier` (`svm_notifier`, inserted for the
 * duration of a GPU fault), and relies on the interval one being called first (§2.2). This model
 * gives a notifier exactly one subscription in one form, with its own locks, so the pair cannot
 * share `svmm->mutex` as two subscriptions. What is modelled:
 *  - `hlist` (every strategy but core-counter): the svmm notifier alone. It has no fault path:
 *    the fault's collision check lives in the per-fault interval notifier, which cannot sit
 *    beside it here.
 *  - `interval` (core-counter): the pair folded into one interval subscription that is always
 *    inserted: nouveau_svm_range_invalidate (mutex / trylock, set_seq, unlock) followed by the
 *    svmm notifier's work (nb ⇒ fail; blk ⇒ mutex, PFNCLR, unlock), plus the real fault path
 *    (nouveau_range_fault). Folding changes one thing [A]: where the kernel's interval
 *    invalidate returns true and then the hlist start fails, the folded one returns false, so
 *    the core undoes active_invalidate_ranges (mn_itree_inv_end); the kernel's
 *    __mmu_notifier_invalidate_range_start returns the hlist's -EAGAIN without that undo.
 * Abstracts: the MIGRATE-with-own-owner skip and the "unmanaged" window are not modelled (no
 * migration events; every page is managed); the fault loop's HMM_RANGE_DEFAULT_TIMEOUT is not.
 */
import { C, EAGAIN, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

export const nouveau55: DriverDef = {
  driver: 'nouveau-5.5',
  era: 'v5.5+',
  domainRef: 'docs/kernel.md §6.6 (5.5+)',
  summary: 'hlist svmm notifier: nb ⇒ -EAGAIN unconditionally, blk ⇒ svmm->mutex, PFNCLR; interval (folded pair): set_seq then PFNCLR; fault: read_begin, hmm_range_fault, mutex, read_retry',
  locks: { mutex: 'mutex' },
  counters: {},
  hlist: {
    invalidate_range_start: program([
      I.jump('eagain', C.nonblockable), // if (!mmu_notifier_range_blockable(update)) return -EAGAIN;
      I.lock('mutex'), // mutex_lock(&svmm->mutex)
      I.zap, // nouveau_svmm_invalidate: NVIF_VMM_V0_PFNCLR for the range
      I.unlock('mutex'),
      I.ret(0),
      ':eagain',
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: null,
    fault: null, // see the file comment: the collision check needs the per-fault interval notifier
  },
  interval: {
    invalidate: program([
      I.nbTrylock('mutex', 'write', 'fail'), // nouveau_svm_range_invalidate: blk mutex_lock / nb mutex_trylock else false
      I.setSeq, // mmu_interval_set_seq(mni, cur_seq)
      I.unlock('mutex'),
      I.jump('fail', C.nonblockable), // folded: the svmm notifier then fails with -EAGAIN
      I.lock('mutex'), // nouveau_svmm_invalidate_range_start: mutex_lock(&svmm->mutex)
      I.zap, // PFNCLR
      I.unlock('mutex'),
      I.ret(0), // true
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    // nouveau_range_fault: mmu_interval_read_begin, hmm_range_fault under mmap_read_lock,
    // mutex_lock(&svmm->mutex), mmu_interval_read_retry ⇒ unlock and loop, else program the GPU
    // PTEs (nvif_object_ioctl PFNMAP); the mmu_interval_notifier_remove after it is not modelled.
    fault: intervalFault('mutex'),
  },
  ioctl: null,
};
