/** The interval core and the subscription list: INV-16, 15, 17 (docs/kernel.md §8). */
import { threadById } from '../state.ts';
import type { ModelState, World } from '../types.ts';
import { firstFact, judgedOn, rangeText, type Invariant } from './types.ts';

/**
 * INV-16, state-based after every step: (a) every interval subscription's invalidate_seq is odd;
 * (b) active_invalidate_ranges = 0 ⇒ invalidate_seq even; (c) while an invalidation that froze
 * the tree (its cur_seq is odd) has not run its inv_end, invalidate_seq stays at that cur_seq —
 * otherwise the tree was unfrozen early and a concurrent read_begin/read_retry misses the
 * collision. Not judged: "the tree is not mutated while seq is odd" and the read_retry clause
 * (they need the state before the step or a fault's history).
 */
export const IntervalSeqProtocol: Invariant = {
  name: 'IntervalSeqProtocol',
  about: ['interval_invalidate'],
  kind: 'safety',
  id: 'INV-16',
  domainRef: 'docs/kernel.md §8 INV-16; §1.2 (invalidate_seq, active_invalidate_ranges); §1.5; §2.2 mn_itree_inv_end; §5.3',
  summary: "interval subscriptions' seq is odd; the mm's seq is even when no invalidation is active and odd while one that froze the tree is open",
  onStep: ({ world, after: s }) => {
    for (const sub of s.subs) {
      if (sub.form === 'interval' && (sub.invalidateSeq & 1) === 0) return `${sub.name}.invalidate_seq = ${sub.invalidateSeq} is even (a subscription's seq is always odd)`;
    }
    const { invalidateSeq: seq, activeInvalidateRanges: active } = s.core;
    if (active === 0 && (seq & 1) === 1)
      return `invalidate_seq = ${seq} is odd with active_invalidate_ranges = 0: the tree stays frozen with no invalidation to unfreeze it, so mmu_interval_read_begin sleeps forever`;
    for (const t of s.threads) {
      const inv = t.inv;
      if (inv === null || (inv.curSeq & 1) === 0 || inv.phase === 'itree_end' || inv.phase === 'hlist_end') continue;
      // out_would_block: a failing non-blocking invalidate already ran mn_itree_inv_end (§2.2).
      if (inv.failedAt !== null && world.ops[inv.failedAt]?.form === 'interval') continue;
      if (seq !== inv.curSeq)
        return `invalidate_seq is ${seq} while ${t.id}'s invalidation #${inv.id} of ${rangeText(inv)}, which froze the tree at ${inv.curSeq}, has not ended: a concurrent mmu_interval_read_begin/read_retry misses the collision`;
    }
    return null;
  },
};

/**
 * A combined driver's per-fault interval notifier (nouveau: on nouveau_svm_fault's stack, §6.6)
 * exists from its fault's mmu_interval_notifier_insert until its mmu_interval_notifier_remove
 * returns: dead while the fault runs on past its remove. A finished fault counts as alive: the
 * model ends a fault early in ways the kernel does not (get_user_pages failed, gave up, its
 * mirror released), skipping or cutting short the remove the kernel's fault always completes;
 * the exhaustive search still meets the window between the remove's return and the fault's end.
 */
const perFaultAlive = (world: World, s: ModelState, sub: string): boolean => {
  const t = threadById(s, `fault:${sub}`);
  if (!t || t.done || t.call === null || t.call.op !== 'fault') return true;
  const code = world.ops[sub].fault?.code ?? [];
  const inserted = code.findIndex((i) => i.op === 'intervalInsert');
  const removed = code.findIndex((i) => i.op === 'intervalRemove');
  if (inserted < 0 || removed < 0) return true;
  // Dead once the remove returned: the straight-line code after it, up to the next label (a jump
  // lands only on a label). Code placed after it but reached by a jump, as nouveau's ':busy' (the
  // read_retry loop, which never passes the remove), is still the notifier's lifetime.
  const labels = Object.values(world.ops[sub].fault?.labels ?? {});
  const nextLabel = Math.min(code.length, ...labels.filter((k) => k > removed));
  return t.call.pc > inserted && !(t.call.pc > removed && t.call.pc < nextLabel);
};

export const UnregisterQuiesces: Invariant = {
  name: 'UnregisterQuiesces',
  about: ['unregister_in_window'],
  kind: 'safety',
  id: 'INV-15',
  domainRef: 'docs/kernel.md §8 INV-15; §1.4 (synchronize_srcu in mmu_notifier_unregister)',
  summary: 'after mmu_notifier_unregister / mmu_interval_notifier_remove returns, no callback of that notifier runs and the core does not touch it (its owner may free it)',
  onStep: (c) => {
    // mn_itree_inv_end applying a deferred remove after remove returned: the 2022 race (319561669a59, L-2022-RM).
    const touched = firstFact(c, 'deferred_applied', (f) => {
      // A combined driver's deferred entries are its per-fault interval notifier, removed by its own fault (§6.6).
      if (c.world.ops[f.sub].form === 'both')
        return perFaultAlive(c.world, c.after, f.sub)
          ? null
          : `mn_itree_inv_end in ${f.thread} applies the deferred ${f.op} of ${f.sub}'s per-fault interval notifier after fault:${f.sub}'s mmu_interval_notifier_remove returned: it lived on the fault's stack`;
      const unreg = threadById(c.after, `unregister:${f.sub}`);
      return unreg?.done
        ? `mn_itree_inv_end in ${f.thread} applies ${f.sub}'s deferred ${f.op} (interval_tree_${f.op}, hlist_del of its deferred_item) after mmu_interval_notifier_remove(${f.sub}) returned in ${unreg.id}: its owner may already have freed it`
        : null;
    });
    if (touched) return touched;
    const t = threadById(c.after, c.step.thread);
    const call = t?.call;
    if (!call || call.op === 'fault' || call.op === 'ioctl') return null;
    // A combined driver's per-fault interval notifier is another object, alive while its fault holds it (§6.6).
    if (call.op === 'invalidate' && c.world.ops[call.sub].form === 'both')
      return perFaultAlive(c.world, c.after, call.sub) ? null : `${call.sub}'s per-fault interval notifier is called in ${t.id} after fault:${call.sub}'s mmu_interval_notifier_remove returned`;
    const unreg = threadById(c.after, `unregister:${call.sub}`);
    return unreg?.done ? `${call.sub}.${call.op} runs in ${t.id} after ${unreg.id} returned` : null;
  },
};

export const RegistrationExclusion: Invariant = {
  name: 'RegistrationExclusion',
  about: ['register_in_window'],
  kind: 'safety',
  id: 'INV-17',
  domainRef: 'docs/kernel.md §8 INV-17; §1.4 (mm_take_all_locks), §5.2 precondition 1',
  summary: 'no notifier joins the hlist while an invalidation on the mm is between its start and its end',
  ...judgedOn('hlist_added', (f) =>
    f.openInvalidations.length ? `${f.sub} joined the hlist while ${f.openInvalidations.join(', ')} had an invalidation open (registration did not exclude it)` : null),
};
