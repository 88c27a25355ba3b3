/** Locks and memory: INV-11, 12, 13 (docs/kernel.md §8). */
import { mappedPages } from '../state.ts';
import type { ModelState } from '../types.ts';
import { judgedOn, type Invariant } from './types.ts';

/** A shortest path from → … → to over lockdep's "a→b" edges, or null. */
const lockdepPath = (edges: readonly string[], from: string, to: string): string[] | null => {
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    const i = e.indexOf('→');
    const a = e.slice(0, i);
    const list = adj.get(a);
    if (list) list.push(e.slice(i + 1));
    else adj.set(a, [e.slice(i + 1)]);
  }
  const prev = new Map<string, string>([[from, '']]);
  const queue = [from];
  for (let k = 0; k < queue.length; k++) {
    const x = queue[k];
    if (x === to) {
      const path = [x];
      for (let y = prev.get(x) as string; y !== ''; y = prev.get(y) as string) path.unshift(y);
      return path;
    }
    for (const y of adj.get(x) ?? []) {
      if (prev.has(y)) continue;
      prev.set(y, x);
      queue.push(y);
    }
  }
  return null;
};

export const LockOrder: Invariant = {
  name: 'LockOrder',
  about: ['lock_in_callback'],
  kind: 'safety',
  id: 'INV-11',
  domainRef: 'docs/kernel.md §8 INV-11; §1.4 (lockdep priming fs_reclaim → notifier map); §3.1; L-2020-FSR (fs_reclaim in might_alloc)',
  summary: "lockdep's dependency graph over lock classes (with fs_reclaim and the notifier map) stays acyclic",
  // The graph was acyclic before the step, so a new cycle runs through a new edge a→b: look for b → … → a.
  ...judgedOn('lockdep_edge', (f, c) => {
    const back = lockdepPath(c.after.lockdep, f.to, f.from);
    if (back === null) return null;
    const cycle = [...back, f.to];
    // The dependency through reclaim is real in every release; lockdep only sees it from v5.4 (model/kernel.ts lockdepMap).
    const unseen = !c.world.kernel.lockdepMap && cycle.includes('notifier_map') ? `; ${c.world.kernel.name}'s lockdep has no notifier map (v5.4), so it would not report this cycle` : '';
    return `lockdep cycle ${cycle.join(' → ')}, closed by ${f.thread} adding ${f.from} → ${f.to} (${f.why})${unseen}`;
  }),
};

/** Some open invalidation covering `page` has not yet had `sub`'s start (or invalidate) return. */
const startPending = (s: ModelState, sub: string, page: number): boolean =>
  s.threads.some((t) => {
    const inv = t.inv;
    if (inv === null || page < inv.range.start || page >= inv.range.end) return false;
    if (t.call !== null && t.call.sub === sub && (t.call.op === 'invalidate_range_start' || t.call.op === 'invalidate' || t.call.op === 'invalidate_finish')) return true;
    // A two-pass start that handed the core a finish is not done until its finish returns (v7.1, docs/kernel.md §2.6).
    if (inv.finishes.includes(sub)) return true;
    // Only while the start walks run: once start returned, every start it will make has returned.
    return (inv.phase === 'itree_start' || inv.phase === 'itree_finish' || inv.phase === 'hlist_start') && !(sub in inv.results);
  });

export const NoStaleSecondaryMapping: Invariant = {
  name: 'NoStaleSecondaryMapping',
  // A device mapping at risk: PTEs cleared under it (a start that did not zap), or a fault that
  // raced an invalidation (the retry protocol at work). When every start zaps first, only the
  // second can happen: the first alone made every correct "holds" vacuous.
  about: ['unmap_under_device', 'fault_retry_explained'],
  kind: 'safety',
  id: 'INV-12',
  domainRef: 'docs/kernel.md §8 INV-12; §2.3 ("the establishment of sptes is forbidden in the range"); §2.5',
  summary: "every secondary mapping page → frame agrees with the primary PTE, unless an invalidation of that page has the driver's start still pending",
  onStep: ({ after: s }) => {
    for (const n in s.drivers) {
      const sptes = s.drivers[n].sptes;
      for (const page of mappedPages(sptes)) {
        const frame = sptes[page];
        const pte = s.mm.pte[page];
        if (pte === frame || startPending(s, n, page)) continue;
        const primary = pte === null || pte === undefined ? 'is empty' : `maps frame ${pte}`;
        const freed = s.mm.freedFrames.includes(frame) ? ` (frame ${frame} was freed)` : '';
        return `${n} still maps page ${page} → frame ${frame}${freed} but the primary PTE ${primary}, and no invalidation of page ${page} has ${n}'s start pending`;
      }
    }
    return null;
  },
};

export const NoUseAfterFree: Invariant = {
  name: 'NoUseAfterFree',
  about: ['frame_freed'],
  kind: 'safety',
  id: 'INV-13',
  domainRef: 'docs/kernel.md §8 INV-13; §3.3 (≤ v4.13: the reaper unmapped without notifiers)',
  summary: 'a frame is freed only when no secondary mapping references it',
  ...judgedOn('frame_freed', (f) =>
    f.mappedBy.length === 0
      ? null
      : `${f.thread} freed frame ${f.frame} (page ${f.page}) while ${f.mappedBy.join(' and ')} still map${f.mappedBy.length === 1 ? 's' : ''} it: the device can access freed memory`),
};
