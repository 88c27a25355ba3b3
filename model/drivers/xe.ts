import { C, EAGAIN, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

/**
 * Xe userptr, v7.1 — a two-pass interval notifier (7aba71dbc416 and "drm/xe/userptr: Convert
 * invalidation to two-pass MMU notifier"; docs/two-pass.md §3, docs/kernel.md §2.6, §6.8).
 *
 * xe_vma_userptr_invalidate_start: nb ⇒ false before any lock; down_write(notifier_lock);
 * mmu_interval_set_seq; pass 1 (mark for repin, enable fence signalling); if the embedded
 * finish is already in use (finish_inuse) the work is done now — wait for the VM's fences,
 * unmap the pages — and true without a finish; else finish_inuse = true and true with
 * `*finish = &userptr->finish`; up_write. xe_vma_userptr_invalidate_finish:
 * down_write(notifier_lock); wait for the fences; finish_inuse = false; unmap; up_write.
 * Exec / the rebind worker repin with mmu_interval_read_begin, hmm_range_fault and a
 * read_retry under notifier_lock held for read (the interval fault path).
 *
 * Abstracts: pass 1's fences are always still pending (the path that defers to the finish);
 * fault mode's deferred TLB flush (4/4) is the same wait as the fences'; the repin list and
 * its spinlock are left out (the exec path reads the seq instead).
 */
export const xe: DriverDef = {
  driver: 'xe',
  era: 'v7.1 (userptr, two-pass)',
  kernels: { from: 'v7.1' },
  domainRef: 'docs/kernel.md §6.8 (Xe userptr, v7.1); docs/two-pass.md §3',
  summary: 'interval, two-pass: start nb ⇒ false; blk ⇒ down_write(notifier_lock), set_seq, finish_inuse ? wait fences + unmap : finish_inuse = 1 and return a finish; finish: down_write, wait fences, finish_inuse = 0, unmap',
  locks: { notifier_lock: 'rwsem' },
  counters: { finish_inuse: { balanced: true, min: 0, max: 1 } },
  hlist: null,
  interval: {
    invalidate: program([
      I.jump('fail', C.nonblockable), // if (!mmu_notifier_range_blockable(range)) return false;
      I.lock('notifier_lock', 'write'), // down_write(&vm->svm.gpusvm.notifier_lock)
      I.setSeq, // mmu_interval_set_seq(mni, cur_seq)
      I.jump('sync', C.nonzero('finish_inuse')), // the finish belongs to an invalidation in progress
      I.inc('finish_inuse'), // userptr->finish_inuse = true
      I.unlock('notifier_lock', 'write'),
      I.retFinish, // *p_finish = &userptr->finish; return true
      ':sync', // xe_vma_userptr_do_inval(vm, uvma, false): the whole invalidation now
      I.waitFence, // dma_resv_wait_timeout(resv, BOOKKEEP, false, MAX_SCHEDULE_TIMEOUT)
      I.zap, // drm_gpusvm_unmap_pages
      I.unlock('notifier_lock', 'write'),
      I.ret(0), // true, no finish
      ':fail',
      I.ret(EAGAIN), // false
    ]),
    invalidate_finish: program([
      I.lock('notifier_lock', 'write'), // down_write(&vm->svm.gpusvm.notifier_lock)
      I.waitFence, // do_inval(is_deferred): wait for the fences
      I.dec('finish_inuse'), // userptr->finish_inuse = false
      I.zap, // drm_gpusvm_unmap_pages
      I.unlock('notifier_lock', 'write'),
      I.ret(0),
    ]),
    // xe_vma_userptr_pin_pages: mmu_interval_read_begin, hmm_range_fault; the bind checks
    // mmu_interval_read_retry under notifier_lock held for read.
    fault: intervalFault('notifier_lock', 'read'),
  },
  ioctl: null,
};
