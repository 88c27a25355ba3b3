/**
 * Building blocks the strategy files share (docs/design.md §3.3): the kernel's own choice at each
 * decision point, so a strategy file states only where it differs.
 */
import { I, program, type Program } from '../program.ts';
import type { DriverDef, HlistOps, Kernel, ResolvedOps, RollbackStrategy, Subscription } from '../types.ts';

/** A driver's ->release when it states none: shut the mirror down (docs/kernel.md §1.3). */
const DEFAULT_RELEASE = program([I.zapAll, I.ret(0)]);

/** The ->release keeps §1.3's contract: it tears every secondary mapping down. */
const shutsMirrorDown = (p: Program): boolean => p.code.some((i) => i.op === 'zapAll');

/**
 * The ->release mn_hlist_release and mmu_notifier_unregister call (docs/kernel.md §1.3, §1.4,
 * §10.1 item 13). On a named release, the kernel's: the driver's program, none where its
 * mmu_notifier_ops have no .release (`release: null`), DEFAULT_RELEASE where the driver states
 * nothing (the generic driver, a driver file without `release`). Without a kernel the model keeps
 * its contract: a stated program that tears the mirror down runs, any other (or none) is
 * DEFAULT_RELEASE, so the model without `--kernel` keeps its traces (§11).
 */
const releaseOf = (ops: HlistOps, kernel: Kernel | undefined): Program | null => {
  const stated = ops.release;
  if (stated === undefined) return DEFAULT_RELEASE;
  if (kernel === undefined || kernel.name === null) return stated !== null && shutsMirrorDown(stated) ? stated : DEFAULT_RELEASE;
  return stated;
};

const hlistOps = (def: DriverDef, kernel?: Kernel): ResolvedOps | null =>
  def.hlist && {
    form: def.combined ? 'both' : 'hlist',
    invalidate_range_start: def.hlist.invalidate_range_start,
    invalidate_range_end: def.hlist.invalidate_range_end,
    invalidate: def.combined?.invalidate ?? null,
    invalidate_finish: null,
    twoPass: false,
    release: releaseOf(def.hlist, kernel),
    fault: def.combined ? def.combined.fault : def.hlist.fault,
    ioctl: def.ioctl,
  };

const intervalOps = (def: DriverDef): ResolvedOps | null =>
  def.interval && {
    form: 'interval',
    invalidate_range_start: null,
    invalidate_range_end: null,
    invalidate: def.interval.invalidate,
    invalidate_finish: def.interval.invalidate_finish ?? null,
    twoPass: def.interval.invalidate_finish !== undefined,
    release: null,
    fault: def.interval.fault,
    ioctl: def.ioctl,
  };

/** A notifier runs its classic hlist form (with its per-fault interval notifier, if it has one), else its interval form (§1.5). */
export const classicOps = (def: DriverDef, kernel?: Kernel): ResolvedOps | null => hlistOps(def, kernel) ?? intervalOps(def);

/** Every notifier runs through the interval core (Christoph's core counter, §5.3). */
export const intervalCoreOps = intervalOps;

/** hlist_add_head_rcu: the newest registration is walked first (docs/kernel.md §1.4). */
export const headAdd = (list: readonly Subscription[], added: Subscription): readonly Subscription[] => [added, ...list];

/** Kept sorted by address, so the undo walk can stop at the failing notifier (§5.2). */
export const sortedAdd = (list: readonly Subscription[], added: Subscription): readonly Subscription[] => [...list, added].sort((a, b) => a.address - b.address);

/** v4.19–v5.11 mainline at every decision point: walk on after a failure, no WARN, no rollback, no end. */
export const MAINLINE_2018: Omit<RollbackStrategy, 'name' | 'title' | 'domainRef'> = {
  opsFor: classicOps,
  hlistAdd: headAdd,
  hlistAddLabel: 'hlist_add_head_rcu',
  afterFailedStart: () => 'continue',
  warnOnFailedStart: () => null,
  undo: () => 'stop',
  reaperAfterFailedStart: () => 'no-end',
};
