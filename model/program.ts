/**
 * The driver micro-language: a driver callback is a small program, one instruction per atomic
 * step, so that every lock acquire, wait and counter update is an interleaving point
 * (docs/kernel.md §9 "Atomicity granularity"; docs/design.md §3.2). Presets and the generic driver are
 * written in it; `step.ts` interprets it.
 *
 * Abstracts: a driver's interval tree of objects is one object covering the notifier's
 * `interval`; "intersects" asks whether the invalidated range meets it.
 */

/** Conditions a driver branches on; all read the current thread's call frame and driver state. */
export type Cond =
  | { readonly is: 'nonblockable' } // !mmu_notifier_range_blockable(range)
  | { readonly is: 'intersects' } // the range meets the driver's object (umem, BO, userptr)
  | { readonly is: 'nonzero'; readonly counter: string } // e.g. kvm->mmu_notifier_count != 0
  | { readonly is: 'changed'; readonly counter: string; readonly since: string } // seq != snapshot
  | { readonly is: 'above'; readonly counter: string; readonly value: number } // counter > value
  | { readonly is: 'below'; readonly counter: string; readonly value: number } // counter < value
  | { readonly is: 'not'; readonly cond: Cond }
  | { readonly is: 'any'; readonly conds: readonly Cond[] };

export type LockMode = 'read' | 'write';

/**
 * `how`: `lock` waits (spins on a spinlock, sleeps on a mutex/rwsem); `trylock` never waits and
 * jumps to `else` on contention; `nbTrylock` is the kernel idiom
 * `if (blockable) lock(); else if (!trylock()) return -EAGAIN;` (docs/kernel.md §6.2, L-2018).
 */
export type Instr =
  /**
   * recursive: a read lock taken once per open window (amdgpu_mn_read_lock's recursion count,
   * docs/kernel.md §6.4): while another window read-holds it, no new down_read (no wait, no sleep).
   */
  | { readonly op: 'lock'; readonly lock: string; readonly mode: LockMode; readonly how: 'lock' | 'trylock' | 'nbTrylock'; readonly else?: string; readonly recursive?: true }
  | { readonly op: 'unlock'; readonly lock: string; readonly mode: LockMode }
  | { readonly op: 'add'; readonly counter: string; readonly delta: number }
  | { readonly op: 'zap' } // tear down the secondary mappings in the range (docs/kernel.md §2.4)
  | { readonly op: 'zapAll' } // ->release: tear down every secondary mapping; the mirror is shut down (§1.3)
  | { readonly op: 'intervalInsert' } // mmu_interval_notifier_insert of the driver's per-fault interval notifier (§1.5)
  | { readonly op: 'intervalRemove' } // mmu_interval_notifier_remove: waits for a frozen tree to unfreeze (§1.5)
  | { readonly op: 'snapshot'; readonly counter: string; readonly into: string } // fault: snap = seq
  | { readonly op: 'gup' } // get_user_pages / hmm_range_fault: resolve the faulting page's frame
  | { readonly op: 'install' } // make the secondary mapping visible (SPTE, MTT, GPU PTE)
  | { readonly op: 'setSeq' } // mmu_interval_set_seq(sub, cur_seq) (docs/kernel.md §5.3)
  | { readonly op: 'readBegin'; readonly into: string } // mmu_interval_read_begin: sleeps while invalidating
  | { readonly op: 'readRetry'; readonly since: string; readonly then: string } // mmu_interval_read_retry
  | { readonly op: 'alloc' } // GFP_KERNEL allocation: may enter reclaim, waits for memory under OOM (§3.1)
  | { readonly op: 'waitFence' } // wait for hardware (dma_fence_wait, flush_workqueue); sleeps
  | { readonly op: 'waitZero'; readonly counter: string } // wait_event(wq, counter == 0): sleeps while the driver's counter is nonzero (GRU, HMM)
  | { readonly op: 'jump'; readonly to: string; readonly if?: Cond }
  | { readonly op: 'retry'; readonly to: string } // fault collided: retries++, go again (bounded)
  | { readonly op: 'ret'; readonly value: number; readonly finish?: true } // 0 / -EAGAIN; interval invalidate: 0 = true; finish: an invalidate_start's "true, *finish set" (v7.1, docs/kernel.md §2.6)
  /**
   * The driver's own assertions (docs/design.md §3.4, judged by DriverAssertions, docs/kernel.md §8
   * INV-18): WARN_ON(cond) reports and goes on; BUG_ON(cond) reports and kills the thread where it
   * stands (outcome 'bug': it holds its locks and leaves its invalidation open, as an oops does).
   */
  | { readonly op: 'warn_on'; readonly if: Cond; readonly message?: string }
  | { readonly op: 'bug_on'; readonly if: Cond; readonly message?: string };

/** A compiled program: instructions plus label → index. */
export interface Program {
  readonly code: readonly Instr[];
  readonly labels: Readonly<Record<string, number>>;
}

/** Source form: instructions interleaved with `':label'` strings. */
export type ProgramSource = readonly (Instr | `:${string}`)[];

export const EAGAIN = -11;

/** A notifier program's name: the callbacks of mmu_notifier_ops / mmu_interval_notifier_ops, a fault, an ioctl (types.ts re-exports it). */
export type CallOp = 'invalidate_range_start' | 'invalidate_range_end' | 'invalidate' | 'invalidate_finish' | 'release' | 'fault' | 'ioctl';

/**
 * What a two-pass invalidate_start's `ret` with `finish` hands the core: true, with `*finish`
 * set (docs/kernel.md §2.6). A value of the model only: no driver program returns it by number.
 */
export const WITH_FINISH = 0x7f_ffff;

/** A callback's return value as the kernel writes it: an interval invalidate returns a bool; a finish returns nothing. */
export const retText = (op: CallOp, v: number): string =>
  op === 'invalidate' ? (v === WITH_FINISH ? 'true, *finish set' : v === 0 ? 'true' : 'false') : op === 'invalidate_finish' ? 'void' : v === EAGAIN ? '-EAGAIN' : String(v);

export const program = (src: ProgramSource): Program => {
  const code: Instr[] = [];
  // No prototype: a label named like an Object.prototype member ('__proto__', 'toString') is only its own.
  const labels: Record<string, number> = Object.create(null);
  for (const item of src) {
    if (typeof item === 'string') labels[item.slice(1)] = code.length;
    else code.push(item);
  }
  for (const i of code) {
    for (const target of [jumpTarget(i)]) {
      if (target !== undefined && !(target in labels)) throw new Error(`program: unknown label ${target}`);
    }
  }
  return { code, labels };
};

const jumpTarget = (i: Instr): string | undefined =>
  i.op === 'jump' || i.op === 'retry' ? i.to : i.op === 'readRetry' ? i.then : i.op === 'lock' ? i.else : undefined;

/** Whether a program can return -EAGAIN / false (a "type B" callback, docs/kernel.md §5). */
export const canFail = (p: Program | null): boolean => p !== null && p.code.some((i) => i.op === 'ret' && i.value !== 0);

// Instruction constructors, so presets read like the kernel code they stand for.
export const I = {
  lock: (lock: string, mode: LockMode = 'write'): Instr => ({ op: 'lock', lock, mode, how: 'lock' }),
  /** `if (atomic_inc_return(&recursion) == 1) down_read(lock)`: the read hold of the first open window only. */
  recursiveRead: (lock: string): Instr => ({ op: 'lock', lock, mode: 'read', how: 'lock', recursive: true }),
  trylock: (lock: string, mode: LockMode, orElse: string): Instr => ({ op: 'lock', lock, mode, how: 'trylock', else: orElse }),
  nbTrylock: (lock: string, mode: LockMode, orElse: string): Instr => ({ op: 'lock', lock, mode, how: 'nbTrylock', else: orElse }),
  unlock: (lock: string, mode: LockMode = 'write'): Instr => ({ op: 'unlock', lock, mode }),
  inc: (counter: string): Instr => ({ op: 'add', counter, delta: 1 }),
  dec: (counter: string): Instr => ({ op: 'add', counter, delta: -1 }),
  zap: { op: 'zap' } as Instr,
  zapAll: { op: 'zapAll' } as Instr,
  intervalInsert: { op: 'intervalInsert' } as Instr,
  intervalRemove: { op: 'intervalRemove' } as Instr,
  snapshot: (counter: string, into: string): Instr => ({ op: 'snapshot', counter, into }),
  gup: { op: 'gup' } as Instr,
  install: { op: 'install' } as Instr,
  setSeq: { op: 'setSeq' } as Instr,
  readBegin: (into: string): Instr => ({ op: 'readBegin', into }),
  readRetry: (since: string, then: string): Instr => ({ op: 'readRetry', since, then }),
  alloc: { op: 'alloc' } as Instr,
  waitFence: { op: 'waitFence' } as Instr,
  waitZero: (counter: string): Instr => ({ op: 'waitZero', counter }),
  jump: (to: string, cond?: Cond): Instr => (cond ? { op: 'jump', to, if: cond } : { op: 'jump', to }),
  retry: (to: string): Instr => ({ op: 'retry', to }),
  ret: (value: number): Instr => ({ op: 'ret', value }),
  /** invalidate_start: `*finish = &...->finish; return true;` (v7.1 two-pass, docs/kernel.md §2.6). */
  retFinish: { op: 'ret', value: 0, finish: true } as Instr,
  warnOn: (cond: Cond, message?: string): Instr => ({ op: 'warn_on', if: cond, ...(message === undefined ? {} : { message }) }),
  bugOn: (cond: Cond, message?: string): Instr => ({ op: 'bug_on', if: cond, ...(message === undefined ? {} : { message }) }),
} as const;

export const C = {
  nonblockable: { is: 'nonblockable' } as Cond,
  intersects: { is: 'intersects' } as Cond,
  nonzero: (counter: string): Cond => ({ is: 'nonzero', counter }),
  changed: (counter: string, since: string): Cond => ({ is: 'changed', counter, since }),
  above: (counter: string, value: number): Cond => ({ is: 'above', counter, value }),
  below: (counter: string, value: number): Cond => ({ is: 'below', counter, value }),
  not: (cond: Cond): Cond => ({ is: 'not', cond }),
  any: (...conds: Cond[]): Cond => ({ is: 'any', conds }),
} as const;

/**
 * The collision-retry fault of an interval subscription (docs/kernel.md §2.5, §5.3): read_begin,
 * resolve the page, take the driver lock (if any), read_retry under it, install or retry.
 * Every interval-form preset faults this way; they differ only in the lock.
 */
export const intervalFault = (lock: string | null, mode: LockMode = 'write'): Program =>
  program([
    ':retry',
    I.readBegin('snap'),
    I.gup,
    ...(lock ? [I.lock(lock, mode)] : []),
    I.readRetry('snap', 'busy'),
    I.install,
    ...(lock ? [I.unlock(lock, mode)] : []),
    I.ret(0),
    ':busy',
    ...(lock ? [I.unlock(lock, mode)] : []),
    I.retry('retry'),
  ]);
