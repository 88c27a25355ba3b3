/**
 * Building blocks the strategy files share (docs/design.md §3.3): the kernel's own choice at each
 * decision point, so a strategy file states only where it differs.
 */
import { I, program } from '../program.ts';
import type { DriverDef, ResolvedOps, RollbackStrategy, Subscription } from '../types.ts';

/** A driver's ->release unless it says otherwise: shut the mirror down (docs/kernel.md §1.3). */
const DEFAULT_RELEASE = program([I.zapAll, I.ret(0)]);

const hlistOps = (def: DriverDef): ResolvedOps | null =>
  def.hlist && {
    form: def.combined ? 'both' : 'hlist',
    invalidate_range_start: def.hlist.invalidate_range_start,
    invalidate_range_end: def.hlist.invalidate_range_end,
    invalidate: def.combined?.invalidate ?? null,
    invalidate_finish: null,
    twoPass: false,
    release: def.hlist.release ?? DEFAULT_RELEASE,
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
export const classicOps = (def: DriverDef): ResolvedOps | null => hlistOps(def) ?? intervalOps(def);

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
