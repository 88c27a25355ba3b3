/**
 * KVM (x86) — type A, never fails. docs/kernel.md §6.1 [V:KVM-x; L-2021].
 * Kernel: virt/kvm/kvm_main.c kvm_mmu_notifier_invalidate_range_start/_end,
 * mmu_notifier_retry() in kvm_host.h.
 * Abstracts: SPTEs are one mapping per page; the 2021 hva-range tracking (4a42d848db95) is not
 * modeled: every open section makes every fault retry.
 */
import { C, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';


export const kvm: DriverDef = {
  driver: 'kvm',
  era: 'v4.19+ (counter+seq under mmu_lock)',
  kernels: { from: 'v4.14' }, // before v4.19 its start and end are void, with the same counter and seq (§6.1)
  domainRef: 'docs/kernel.md §6.1',
  summary: 'start: count++ and zap under mmu_lock; end: seq++, count--; fault retries while count != 0 or seq moved',
  locks: { mmu_lock: 'spinlock' },
  counters: { mmu_invalidate_in_progress: { balanced: true }, mmu_invalidate_seq: { balanced: false } },
  hlist: {
    invalidate_range_start: program([
      I.lock('mmu_lock'), // spin_lock(&kvm->mmu_lock): blk and nb identical
      I.inc('mmu_invalidate_in_progress'), // Pairs with the decrement in range_end()
      I.zap, // kvm_unmap_hva_range() + remote TLB flush
      I.unlock('mmu_lock'),
      I.ret(0),
    ]),
    invalidate_range_end: program([
      I.lock('mmu_lock'),
      I.inc('mmu_invalidate_seq'), // bump seq before the count drops (smp_wmb)
      I.dec('mmu_invalidate_in_progress'), // Pairs with the increment in range_start(); BUG_ON(<0)
      I.unlock('mmu_lock'),
      I.ret(0),
    ]),
    fault: program([
      ':retry',
      I.snapshot('mmu_invalidate_seq', 'snap'), // mmu_seq = kvm->mmu_notifier_seq; smp_rmb()
      I.gup, // __gfn_to_pfn: may sleep, no mmu_lock
      I.lock('mmu_lock'),
      I.jump('busy', C.any(C.nonzero('mmu_invalidate_in_progress'), C.changed('mmu_invalidate_seq', 'snap'))), // mmu_notifier_retry()
      I.install, // set the SPTE
      I.unlock('mmu_lock'),
      I.ret(0),
      ':busy',
      I.unlock('mmu_lock'),
      I.retry('retry'), // the vCPU re-enters the guest and faults again
    ]),
    // kvm_mmu_notifier_release: srcu_read_lock(&kvm->srcu); kvm_arch_flush_shadow_all (x86: zap every
    // SPTE under mmu_lock); srcu_read_unlock — the same in every era read (index ids 24089676720, ≈v4.x;
    // 52965252011, ≈v6.x, as kvm_flush_shadow_all). Abstracts: mmu_lock around the zap (no vCPU runs:
    // exit_mmap waits for mm_users, kvm_destroy_vm unregisters after the last vCPU).
    release: program([I.zapAll, I.ret(0)]),
  },
  // core-counter adaptation (docs/design.md §3.3, Christoph's proposal): the counter lives in the core,
  // there is no end, and the fault checks the core's sequence.
  interval: {
    invalidate: program([I.lock('mmu_lock'), I.setSeq, I.zap, I.unlock('mmu_lock'), I.ret(0)]),
    fault: intervalFault('mmu_lock'),
  },
  ioctl: null,
  // The vCPU thread is a task of the process: hva_to_pfn_fast, then hva_to_pfn_slow's
  // get_user_pages_unlocked (-EINTR with SIGKILL pending); a retry re-enters vcpu_run, which exits on
  // signal_pending (docs/kernel.md §3.4).
  faultInTask: { gup: 'fault-in', retry: true },
};
