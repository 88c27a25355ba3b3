/**
 * nouveau SVM v5.5+ (drivers/gpu/drm/nouveau/nouveau_svm.c). docs/kernel.md §6.6 (5.5+), §2.2.
 *
 * The kernel puts two notifiers on the mm, sharing `svmm->mutex`: the classic `svmm->notifier`
 * (type S: every non-blocking start fails with -EAGAIN, no end) and a per-fault
 * `mmu_interval_notifier` inserted for the duration of each GPU fault, and relies on the
 * interval one being called first (§2.2). Modelled as they are:
 *  - under the classic strategies the driver is `combined`: one subscription on the hlist (the
 *    svmm notifier) whose fault inserts its interval notifier (mmu_interval_notifier_insert;
 *    the first insert registers the NULL notifier), runs nouveau_range_fault (read_begin,
 *    hmm_range_fault, svmm->mutex, read_retry, PFNMAP) and removes it;
 *  - under core-counter, the pair folded into one interval subscription that is always
 *    inserted (Christoph's proposal has no classic notifier left to fail).
 * Abstracts: the MIGRATE-with-own-owner skip and the "unmanaged" window are not modelled (no
 * migration events; every page is managed); the fault loop's HMM_RANGE_DEFAULT_TIMEOUT is not.
 */
import { C, EAGAIN, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

export const nouveau55: DriverDef = {
  driver: 'nouveau-5.5',
  era: 'v5.5+',
  kernels: { from: 'v5.5' },
  domainRef: 'docs/kernel.md §6.6 (5.5+)',
  summary: 'hlist svmm notifier: nb ⇒ -EAGAIN unconditionally, blk ⇒ svmm->mutex, PFNCLR; per-fault interval notifier: trylock/set_seq; fault: insert, read_begin, hmm_range_fault, mutex, read_retry, remove',
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
    // nouveau_mn_ops = { .invalidate_range_start, .free_notifier }: no .release (index id 43532648;
    // docs/kernel.md §10.1 item 13). The GPU keeps its PTEs until the svmm is torn down.
    release: null,
    fault: null, // the fault belongs to the per-fault interval notifier (`combined`)
  },
  combined: {
    // nouveau_svm_range_invalidate: blk mutex_lock / nb mutex_trylock else false; set_seq; unlock.
    invalidate: program([
      I.nbTrylock('mutex', 'write', 'fail'),
      I.setSeq, // mmu_interval_set_seq(mni, cur_seq)
      I.unlock('mutex'),
      I.ret(0), // true
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    // nouveau_svm_fault → nouveau_range_fault, around mmu_interval_notifier_insert/remove.
    fault: program([
      I.intervalInsert,
      ':retry',
      I.readBegin('snap'), // mmu_interval_read_begin(&notifier->notifier)
      I.gup, // hmm_range_fault under mmap_read_lock
      I.lock('mutex'), // mutex_lock(&svmm->mutex)
      I.readRetry('snap', 'busy'), // mmu_interval_read_retry ⇒ unlock and loop
      I.install, // nvif_object_ioctl(PFNMAP): program the GPU PTEs
      I.unlock('mutex'),
      I.intervalRemove,
      I.ret(0),
      ':busy',
      I.unlock('mutex'),
      I.retry('retry'),
    ]),
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
