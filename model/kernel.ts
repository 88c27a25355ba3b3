/**
 * Kernel versions as data (docs/kernel.md §11): each release the model knows fixes the switches
 * below, and a scenario that names one (`kernel`) runs with exactly those. A scenario without
 * `kernel` runs as the model always did: v5.10's core with the reaper era it names
 * (`LEGACY`), so saved cases and the standard families keep their traces.
 */

/** The OOM reaper's eras (docs/kernel.md §3.2–§3.3); a release fixes its own (KERNELS below). */
export type ReaperEra = 'no-notify' | 'skip-if-notifiers' | 'nonblock-per-vma';
export const REAPER_ERAS: readonly ReaperEra[] = ['no-notify', 'skip-if-notifiers', 'nonblock-per-vma'];

/** The first and last release (inclusive) in which something exists; absent: no bound. */
export interface KernelRange {
  readonly from?: string;
  readonly until?: string;
}

/**
 * exit_mmap's OOM handling (docs/kernel.md §3.2): 212925802454 (v4.14: unmap_vmas, then
 * MMF_OOM_SKIP and a write-lock cycle), 27ae357fa82b (v4.17: __oom_reap_task_mm first; the model's
 * exit_mmap), and "mm: drop oom code from exit_mmap" (2022, L-2022-EXIT).
 */
export type ExitMmapEra = 'unmap-then-skip' | 'reap-then-skip' | 'no-oom-code';

export interface Kernel {
  /** The release, as `v<major>.<minor>`; null for the model without a named kernel (LEGACY). */
  readonly name: string | null;
  /** The OOM reaper of that time (docs/kernel.md §3.2–§3.3). */
  readonly reaper: ReaperEra;
  /** munmap downgrades mmap_lock to read before unmapping: dd2283f2605e (v4.20), §1.1. */
  readonly munmapDowngrades: boolean;
  /** Non-blockable callbacks run inside non_block_start/end: 312364f3534c, ba170f76b69d (v5.4), §2.3. */
  readonly nonBlock: boolean;
  /** lockdep knows the notifier map (__mmu_notifier_invalidate_range_start_map) and its fs_reclaim priming (v5.4), §1.4, INV-11. */
  readonly lockdepMap: boolean;
  /** struct mmu_interval_notifier exists: 99cb252f5e68 (v5.5), §1.5. */
  readonly intervalNotifiers: boolean;
  /** The mainline rule after a failed non-blocking start: skip-all-end (93065ac753e4) until c2655835fd8c (v5.12), §5.0–§5.1c. */
  readonly mainline: 'skip-all-end' | 'call-all-end-2021' | null;
  readonly exitMmap: ExitMmapEra;
  /** Two-pass interval notifiers (invalidate_start / invalidate_finish), 7aba71dbc416 (v7.1), docs/kernel.md §2.6. */
  readonly twoPass: boolean;
  /**
   * subscriptions->lock has a holder: mn_itree_inv_end's last end is two steps under it (seq++, then
   * the deferred list and the unlock), and every path that takes it waits for it (docs/kernel.md §11).
   * Every named release; the model without a kernel keeps its one-step inv_end.
   */
  readonly subscriptionsLock: boolean;
  /** mmu_interval_notifier_remove's wait reads invalidate_seq under subscriptions->lock: 319561669a59 (v5.18). */
  readonly intervalRemoveWaitUnderLock: boolean;
  /**
   * An OOM victim's own threads have SIGKILL pending and are tsk_is_oom_victim (docs/kernel.md §3.4):
   * their allocations take the ALLOC_OOM reserves instead of waiting for the reaper (cd04ae1e2dc8,
   * v4.14), get_user_pages returns -EINTR, a retry through user space or vcpu_run ends the thread,
   * munmap's down_write_killable and mm_take_all_locks return -EINTR. Every named release; the model
   * without a kernel signals no thread.
   */
  readonly victimSignalled: boolean;
  /**
   * A combined subscription (nouveau's hlist notifier and its per-fault interval notifier) keeps its
   * interval invalidate's result apart from its hlist start's (docs/kernel.md §2.2): in the kernel
   * they are two objects on two walks. Every named release; the model without a kernel keeps the
   * one shared entry, so its saved cases and matrix keep their traces.
   */
  readonly combinedResultsApart: boolean;
}

const V4_14: Kernel = {
  name: 'v4.14',
  reaper: 'skip-if-notifiers', // 4d4bbd8526a8
  munmapDowngrades: false,
  nonBlock: false,
  lockdepMap: false,
  intervalNotifiers: false,
  mainline: 'skip-all-end', // invalidate_range_start is void: nothing fails, nothing to skip
  exitMmap: 'unmap-then-skip', // 212925802454 (4.14.0; 4.14.y got 27ae357fa82b): model/exit-mmap.ts
  twoPass: false,
  subscriptionsLock: true,
  intervalRemoveWaitUnderLock: false,
  victimSignalled: true,
  combinedResultsApart: true,
};
const V4_19: Kernel = { ...V4_14, name: 'v4.19', reaper: 'nonblock-per-vma', exitMmap: 'reap-then-skip' }; // 93065ac753e4; 27ae357fa82b (v4.17)
const V4_20: Kernel = { ...V4_19, name: 'v4.20', munmapDowngrades: true };
const V5_4: Kernel = { ...V4_20, name: 'v5.4', nonBlock: true, lockdepMap: true };
const V5_5: Kernel = { ...V5_4, name: 'v5.5', intervalNotifiers: true };
const V5_12: Kernel = { ...V5_5, name: 'v5.12', mainline: 'call-all-end-2021' };
const V6_1: Kernel = { ...V5_12, name: 'v6.1', exitMmap: 'no-oom-code', intervalRemoveWaitUnderLock: true }; // bf3980c85212; 319561669a59 (v5.18)

/** The releases `--kernel` accepts, oldest first. */
export const KERNELS: readonly Kernel[] = [
  V4_14,
  V4_19,
  V4_20,
  { ...V4_20, name: 'v5.2' },
  { ...V4_20, name: 'v5.3' },
  V5_4,
  V5_5,
  { ...V5_5, name: 'v5.10' },
  V5_12,
  { ...V5_12, name: 'v5.13' },
  { ...V5_12, name: 'v5.15' },
  V6_1,
  { ...V6_1, name: 'v6.6' },
  { ...V6_1, name: 'v7.1', twoPass: true },
];

export const KERNEL_NAMES: readonly string[] = KERNELS.map((k) => k.name as string);

/**
 * What the model runs without a named kernel: v5.10's core (docs/kernel.md §11), with the
 * scenario's reaper era, and v5.10's exit_mmap under every era, its final unmap_vmas without the
 * notifier start/end a named release runs (model/exit-mmap.ts keys that on `name: null`).
 */
export const legacyKernel = (reaper: ReaperEra): Kernel => ({
  ...V5_5,
  name: null,
  reaper,
  munmapDowngrades: reaper === 'nonblock-per-vma',
  mainline: null,
  exitMmap: 'reap-then-skip',
  subscriptionsLock: false,
  victimSignalled: false,
  combinedResultsApart: false,
});

export const kernelNamed = (name: string): Kernel | undefined => KERNELS.find((k) => k.name === name);

const parts = (v: string): [number, number] => {
  const m = /^v(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
};

/** Negative, zero or positive as release `a` is older than, the same as, or newer than `b`. */
export const compareKernels = (a: string, b: string): number => {
  const [x, y] = [parts(a), parts(b)];
  return x[0] - y[0] || x[1] - y[1];
};

export const inRange = (kernel: string, r: KernelRange | undefined): boolean =>
  !r || ((r.from === undefined || compareKernels(kernel, r.from) >= 0) && (r.until === undefined || compareKernels(kernel, r.until) <= 0));

/** "from v5.5 on", "v4.20 to v5.2", "up to v5.11", "v4.19 only". */
export const rangeText = (r: KernelRange): string =>
  r.from && r.until ? (r.from === r.until ? `${r.from} only` : `${r.from} to ${r.until}`) : r.from ? `from ${r.from} on` : r.until ? `up to ${r.until}` : 'every release';

/** The releases of KERNELS within a range. */
export const kernelsIn = (r: KernelRange | undefined): string[] => KERNEL_NAMES.filter((k) => inRange(k, r));
