/**
 * lockdep's dependency graph over lock classes (docs/kernel.md §8 INV-11): acquiring a lock while
 * holding others adds an edge from each held class. Driver locks are classed per driver and
 * lock name ('<driver>:<lock>'), plus 'mmap_lock' and the pseudo-locks 'fs_reclaim' and
 * 'notifier_map' (__mmu_notifier_invalidate_range_start_map).
 */
import type { Effects } from './facts.ts';
import type { ModelState, ThreadState, World } from './types.ts';

/** Reclaim can invalidate: fs_reclaim → notifier map (66204f1d2d1b "prime lockdep", docs/kernel.md §1.4, INV-11). */
export const LOCKDEP_PRIMING = 'fs_reclaim→notifier_map';

/** The lockdep class of a driver lock: one class per driver and lock name, whatever the instance. */
export const lockClass = (world: World, sub: string, lock: string): string => `${world.defs[sub].driver}:${lock}`;

/** The lock classes a thread holds now. */
const heldClasses = (world: World, s: ModelState, t: ThreadState): string[] => {
  const out: string[] = [];
  for (const [id, l] of Object.entries(s.locks)) {
    if (l.writer !== t.id && !l.readers.includes(t.id)) continue;
    const dot = id.indexOf('.');
    out.push(dot < 0 ? id : lockClass(world, id.slice(0, dot), id.slice(dot + 1)));
  }
  return out;
};

/** check_prevs_add: held → to for each held class; `implicit` are pseudo-locks held by context (the notifier map in a callback). */
export const lockdepAcquire = (world: World, s: ModelState, t: ThreadState, to: string, implicit: readonly string[], fx: Effects): ModelState => {
  const from = [...implicit, ...heldClasses(world, s, t)];
  let lockdep = s.lockdep;
  for (const f of from) {
    const e = `${f}→${to}`;
    if (f === to || lockdep.includes(e)) continue;
    lockdep = [...lockdep, e];
    fx.facts.push({ fact: 'lockdep_edge', thread: t.id, from: f, to, why: implicit.includes(f) ? 'taken inside a notifier callback' : `taken while holding ${f}` });
  }
  return lockdep === s.lockdep ? s : { ...s, lockdep };
};
