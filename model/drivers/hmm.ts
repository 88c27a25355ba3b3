/**
 * HMM (mm/hmm.c), v5.2–v5.4: the one classic mmu_notifier behind every `hmm_mirror` user
 * (amdgpu, nouveau). docs/kernel.md §6.3 [V:L-2019-HMMW, L-2019-HMMF]. Release boundaries are [U]
 * in docs/kernel.md (§4, §6.4); decision: hmm-5.2 is the a3e0d41c2b1f code before L-2019-HMMF,
 * hmm-5.3 the code after it, whatever release each first shipped in.
 *
 * Abstracts: one mirror is registered; its `sync_cpu_device_pagetables` is written after
 * amdgpu's 5.1/5.2 `amdgpu_mn_sync_pagetables_gfx` (docs/kernel.md §6.4 ≈5.1–5.4): take the driver's
 * lock for read (trylock in nb), nothing to do if no BO intersects, nb ⇒ unlock and -EAGAIN,
 * else wait for the BOs and drop the mapping. `mirror_lock` stands for that driver lock (amdgpu
 * `amn->lock`); the driver's fault (command submission) takes it for write to program the device
 * PTEs. A range's `valid` flag is modelled as `notifiers == 0`: it is cleared by every
 * overlapping start and set again only when `notifiers` drops to 0, which is exactly when
 * `notifiers_decrement` marks the ranges valid. `hmm_range_wait_until_valid`'s 1000 ms timeout is
 * not modelled (the wait just sleeps): a counter that never returns to 0 shows as a stuck fault.
 */
import { C, EAGAIN, I, program, type ProgramSource } from '../program.ts';
import type { DriverDef } from '../types.ts';

/** A device fault through HMM (the driver side of docs/kernel.md §6.3 "fault (driver)"). */
const hmmFault = program([
  ':retry',
  I.waitZero('notifiers'), // hmm_range_register (valid iff notifiers == 0) + hmm_range_wait_until_valid
  I.gup, // hmm_range_fault / hmm_range_snapshot under mmap_sem
  I.lock('mirror_lock', 'write'), // the driver's page-table lock, the one sync_cpu_device_pagetables takes
  I.jump('busy', C.nonzero('notifiers')), // !hmm_range_valid(range) ⇒ unlock and retry
  I.install, // program the device PTEs
  I.unlock('mirror_lock', 'write'),
  I.ret(0), // hmm_range_unregister
  ':busy',
  I.unlock('mirror_lock', 'write'),
  I.retry('retry'),
]);

/**
 * The mirror walk: `sync_cpu_device_pagetables` of the one mirror, under `mirrors_sem` (read).
 * `onMirrorEagain` is where a mirror's -EAGAIN goes; `done` is reached with mirrors_sem held.
 */
const syncMirror = (onMirrorEagain: string): ProgramSource => [
  I.nbTrylock('mirror_lock', 'read', onMirrorEagain), // amdgpu_mn_read_lock: blk down_read / nb down_read_trylock else -EAGAIN
  I.jump('mirror_out', C.not(C.intersects)), // no BO in the range
  I.jump('mirror_eagain', C.nonblockable), // nb on an intersecting BO: unlock, -EAGAIN
  I.waitFence, // wait for the BOs (reservation fences)
  I.zap, // the device no longer maps the range
  ':mirror_out',
  I.unlock('mirror_lock', 'read'),
  I.jump('done'),
  ':mirror_eagain',
  I.unlock('mirror_lock', 'read'),
  I.jump(onMirrorEagain),
];

/**
 * HMM v5.2 — type AB, no self-undo [V:L-2019-HMMW; the pre-image of L-2019-HMMF].
 * start: nb `mutex_trylock(&hmm->lock)` else -EAGAIN (before counting); `notifiers++`, ranges
 * invalid; unlock; `down_read_trylock(&hmm->mirrors_sem)` else **-EAGAIN with `notifiers` still
 * incremented** ("notifiers becoming permanently incremented and deadlock", L-2019-HMMF); the
 * mirror loop. Decision [V:L-2019-HMMF, beyond docs/kernel.md's summary]: in 5.2 a mirror's -EAGAIN
 * does not reach the caller — the loop stored it in a shadowing inner `int ret` and the function
 * returned the outer `ret` (0) — so the start returns 0 although the mirror kept its mapping
 * ("will not return EAGAIN even though the device continues to touch the pages", L-2019-HMMF).
 * end: `mutex_lock(&hmm->lock)`, `notifiers--` (at 0 ranges valid, wake_up_all), unlock.
 * ioctl: hmm_mirror_register takes `mirrors_sem` for write around its list_add [U: not in
 * docs/kernel.md; kernel text recalled, no allocation under it].
 */
export const hmm52: DriverDef = {
  driver: 'hmm-5.2',
  era: 'v5.2',
  kernels: { from: 'v5.2', until: 'v5.2' },
  domainRef: 'docs/kernel.md §6.3 (5.2)',
  summary: 'start: trylock hmm->lock, notifiers++, trylock mirrors_sem else -EAGAIN without undo; mirror -EAGAIN swallowed (returns 0); end: notifiers--',
  locks: { hmm_lock: 'mutex', mirrors_sem: 'rwsem', mirror_lock: 'rwsem' },
  counters: { notifiers: { balanced: true } },
  hlist: {
    invalidate_range_start: program([
      I.nbTrylock('hmm_lock', 'write', 'eagain'), // blk mutex_lock / nb mutex_trylock(&hmm->lock) else -EAGAIN
      I.inc('notifiers'), // hmm->notifiers++; overlapping ranges: valid = false
      I.unlock('hmm_lock'),
      I.nbTrylock('mirrors_sem', 'read', 'eagain'), // nb: down_read_trylock else -EAGAIN — notifiers not decremented
      ...syncMirror('done'), // a mirror's -EAGAIN lands in the shadowing inner ret: ignored
      ':done',
      I.unlock('mirrors_sem', 'read'),
      I.ret(0),
      ':eagain',
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: program([
      I.lock('hmm_lock'), // mutex_lock(&hmm->lock): a sleeping lock, also on the reaper's path
      I.dec('notifiers'), // at 0: every range valid again, wake_up_all(&hmm->wq)
      I.unlock('hmm_lock'),
      I.ret(0),
    ]),
    // hmm_release (5.2; the pre-image of the 5.3 patches, index ids 6707735103, 43625310262): hmm->dead =
    // true; mutex_lock(&hmm->lock), every range invalid, wake_up_all, unlock; down_write(&hmm->mirrors_sem),
    // each mirror's ->release with mirrors_sem dropped: amdgpu_hmm_mirror_release only schedules
    // amdgpu_mn_destroy (index id 7060204771). No device mapping is torn down.
    release: program([I.lock('hmm_lock'), I.unlock('hmm_lock'), I.lock('mirrors_sem', 'write'), I.unlock('mirrors_sem', 'write'), I.ret(0)]),
    fault: hmmFault,
  },
  interval: null,
  ioctl: program([
    I.lock('mirrors_sem', 'write'), // hmm_mirror_register: down_write(&hmm->mirrors_sem); list_add
    I.unlock('mirrors_sem', 'write'),
    I.ret(0),
  ]),
  // The mirror's fault is the driver's command submission (amdgpu CS), a task of the process:
  // hmm_range_fault has no fatal-signal test; the CS restarts through user space (§3.4) [A].
  faultInTask: { gup: 'never', retry: true },
};

/**
 * HMM v5.3–v5.4 — type AB with self-undo [V:L-2019-HMMF]. `ranges_lock` is a spinlock so the
 * error unwind can take it without blocking; start counts first (unconditionally), and any
 * -EAGAIN — the mirrors_sem trylock or a mirror's -EAGAIN, now propagated — runs
 * `notifiers_decrement` before returning. Under call-all-end-2019 (§5.1a) the end would then
 * decrement a second time (docs/kernel.md §5.1 "Where call-all-end is unsafe", item 1).
 */
export const hmm53: DriverDef = {
  driver: 'hmm-5.3',
  era: 'v5.3–v5.4',
  kernels: { from: 'v5.3', until: 'v5.4' },
  domainRef: 'docs/kernel.md §6.3 (5.3+)',
  summary: 'start: notifiers++ under ranges_lock, trylock mirrors_sem, mirror may -EAGAIN; any failure ⇒ notifiers_decrement; end: notifiers--',
  locks: { ranges_lock: 'spinlock', mirrors_sem: 'rwsem', mirror_lock: 'rwsem' },
  counters: { notifiers: { balanced: true } },
  hlist: {
    invalidate_range_start: program([
      I.lock('ranges_lock'), // spin_lock_irqsave(&hmm->ranges_lock)
      I.inc('notifiers'), // hmm->notifiers++; overlapping ranges: valid = false
      I.unlock('ranges_lock'),
      I.nbTrylock('mirrors_sem', 'read', 'undo'), // nb: down_read_trylock else ret = -EAGAIN; goto out
      ...syncMirror('failed'), // rc == -EAGAIN: ret = -EAGAIN; break
      ':done',
      I.unlock('mirrors_sem', 'read'),
      I.ret(0),
      ':failed',
      I.unlock('mirrors_sem', 'read'),
      ':undo',
      I.lock('ranges_lock'), // out: if (ret) notifiers_decrement(hmm)
      I.dec('notifiers'),
      I.unlock('ranges_lock'),
      I.ret(EAGAIN),
    ]),
    invalidate_range_end: program([
      I.lock('ranges_lock'), // notifiers_decrement under the spinlock
      I.dec('notifiers'),
      I.unlock('ranges_lock'),
      I.ret(0),
    ]),
    // hmm_release (5.3, index ids 7743961758, 43625310262): spin_lock(&hmm->ranges_lock),
    // WARN_ON(!list_empty(&hmm->ranges)), unlock; down_read(&hmm->mirrors_sem), each mirror's ->release
    // (amdgpu: schedule amdgpu_mn_destroy), up_read. No device mapping is torn down.
    release: program([I.lock('ranges_lock'), I.unlock('ranges_lock'), I.lock('mirrors_sem', 'read'), I.unlock('mirrors_sem', 'read'), I.ret(0)]),
    fault: hmmFault,
  },
  interval: null,
  ioctl: program([
    I.lock('mirrors_sem', 'write'), // hmm_mirror_register
    I.unlock('mirrors_sem', 'write'),
    I.ret(0),
  ]),
  // The mirror's fault is the driver's command submission (amdgpu CS), a task of the process:
  // hmm_range_fault has no fatal-signal test; the CS restarts through user space (§3.4) [A].
  faultInTask: { gup: 'never', retry: true },
};
