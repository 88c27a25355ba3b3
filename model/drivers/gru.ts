/**
 * SGI GRU (drivers/misc/sgi-gru/grutlbpurge.c, grufault.c) — type A, never fails.
 * docs/kernel.md §6.7, §2.4 [V:L-2021, L-2018-REV].
 * start: `atomic_inc(&gms->ms_range_active)`, gru_flush_tlb_range, return 0 (blk and nb alike;
 * it had MMU_INVALIDATE_DOES_NOT_BLOCK). end: `atomic_dec_and_test(&ms_range_active)`,
 * `wake_up_all(&gms->ms_wait_queue)`. fault (gru_user_dropin): loop { wait_event(ms_wait_queue,
 * ms_range_active == 0); gru_try_dropin }, and gru_try_dropin fails ("failactive", return 1: loop
 * again) if ms_range_active is nonzero, before gru_vtop and the TLB dropin. A lost end leaves
 * ms_range_active > 0 and every fault handler sleeps forever ("fatally broken", Sean, L-2021).
 * Abstracts [A]: GRU takes no lock around check-then-dropin; its hardware drops a TLB dropin
 * that races with a TLB invalidate (grufault.c comment), which the model does not have, so the
 * step between the check and `install` is an unprotected window here.
 */
import { C, I, intervalFault, program } from '../program.ts';
import type { DriverDef } from '../types.ts';

export const gru: DriverDef = {
  driver: 'gru',
  era: 'start/end counter form, as still in 2021 (L-2021)',
  domainRef: 'docs/kernel.md §6.7 (SGI GRU)',
  summary: 'start: ms_range_active++ and TLB flush, never fails; end: ms_range_active--, wake; fault sleeps until ms_range_active == 0',
  locks: {},
  counters: { ms_range_active: { balanced: true } },
  hlist: {
    invalidate_range_start: program([
      I.inc('ms_range_active'), // atomic_inc(&gms->ms_range_active)
      I.zap, // gru_flush_tlb_range(gms, start, end - start)
      I.ret(0),
    ]),
    invalidate_range_end: program([
      I.dec('ms_range_active'), // (void)atomic_dec_and_test(&gms->ms_range_active); wake_up_all
      I.ret(0),
    ]),
    fault: program([
      ':retry',
      I.waitZero('ms_range_active'), // wait_event(gms->ms_wait_queue, atomic_read(&ms_range_active) == 0)
      I.jump('busy', C.nonzero('ms_range_active')), // gru_try_dropin: if (atomic_read(...)) goto failactive;
      I.gup, // gru_vtop: atomic_pte_lookup / non_atomic_pte_lookup
      I.install, // tfh_write_restart: the TLB dropin
      I.ret(0),
      ':busy',
      I.retry('retry'), // failactive: return 1, gru_user_dropin loops
    ]),
    // No ->release that tears anything down: gru_release only set gms->ms_released = 1 (index id 5892033),
    // and the mmu_notifier_get conversion (v5.4) left gru_mmuops with .alloc_notifier/.free_notifier and
    // no .release (7788801180, 247033267; docs/kernel.md §10.1 item 13). Modelled as none in every era.
    release: null,
  },
  // core-counter adaptation (docs/design.md §3.3, Christoph's proposal): the core owns the counter,
  // there is no end; read_begin sleeps while an invalidation is in progress, which is what
  // wait_event(ms_range_active == 0) did. Still no driver lock: read_retry sits where the
  // failactive check was, just before the dropin.
  interval: {
    invalidate: program([
      I.setSeq, // mmu_interval_set_seq
      I.zap, // gru_flush_tlb_range
      I.ret(0), // true, also when !blockable
    ]),
    fault: intervalFault(null),
  },
  ioctl: null,
  // gru_user_dropin runs in the process's GRU_USER_CALL_OS: atomic_pte_lookup, then
  // non_atomic_pte_lookup's get_user_pages (-EINTR); its `while (1)` loop retries in the kernel
  // without a signal test (docs/kernel.md §3.4).
  faultInTask: { gup: 'fault-in', retry: false },
};
