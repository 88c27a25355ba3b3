/**
 * Effects as data (docs/design.md §3.2): what one step did. `events` are the printable kernel-level
 * log lines; `facts` are the structured observations the invariants judge; `diagnostics` are
 * the kernel's own WARN_ON / BUG_ON / might_sleep reports.
 */
import type { Invalidation, StartResult, ThreadId } from './types.ts';

export type Fact =
  | { readonly fact: 'start_returned'; readonly sub: string; readonly inv: number; readonly value: number; readonly blockable: boolean; readonly hasEnd: boolean; readonly form: 'hlist' | 'interval' }
  | { readonly fact: 'end_called'; readonly sub: string; readonly inv: number; readonly startResult: StartResult; readonly inUndo: boolean; /** The strategy promised this end to a notifier whose start failed (§5.1a). */ readonly promised: boolean }
  | { readonly fact: 'inv_closed'; readonly inv: Invalidation; readonly thread: ThreadId; readonly registered: readonly string[]; readonly hasEnd: readonly string[] }
  /** __mmu_notifier_invalidate_range_start returned `ret` to its caller. */
  | { readonly fact: 'range_start_returned'; readonly thread: ThreadId; readonly inv: number; readonly blockable: boolean; readonly ret: number }
  | { readonly fact: 'underflow'; readonly what: string; readonly value: number }
  | { readonly fact: 'sleep_in_nonblock'; readonly thread: ThreadId; readonly what: string; readonly nonBlockCount: number }
  /** unmap_page_range cleared these PTEs; `afterFailedStart`: the thread's own start had failed (INV-8). */
  | { readonly fact: 'pte_cleared'; readonly thread: ThreadId; readonly start: number; readonly end: number; readonly afterFailedStart: boolean }
  /** A frame went back to the allocator; `mappedBy`: notifiers whose secondary mappings still point at it (INV-13). */
  | { readonly fact: 'frame_freed'; readonly thread: ThreadId; readonly page: number; readonly frame: number; readonly mappedBy: readonly string[] }
  /** lockdep learned a new dependency between lock classes (INV-11). */
  /** A classic notifier joined the hlist while these threads had an invalidation open (INV-17). */
  | { readonly fact: 'hlist_added'; readonly sub: string; readonly thread: ThreadId; readonly openInvalidations: readonly ThreadId[] }
  /** A notifier left the hlist or the interval tree while these threads had an invalidation open. */
  | { readonly fact: 'unlinked'; readonly sub: string; readonly thread: ThreadId; readonly openInvalidations: readonly ThreadId[] }
  /** mmu_interval_notifier_insert found the tree frozen: the insert waits on the deferred list. */
  | { readonly fact: 'insert_deferred'; readonly sub: string }
  /** A fault collided and goes again; `explained`: an invalidation explains the collision. */
  | { readonly fact: 'fault_retried'; readonly thread: ThreadId; readonly sub: string; readonly explained: boolean }
  /** A device made a secondary mapping. */
  | { readonly fact: 'mapped'; readonly sub: string; readonly page: number; readonly frame: number }
  /** The v4.14 reaper skipped an mm with notifiers and declared it reaped. */
  | { readonly fact: 'mm_skipped'; readonly thread: ThreadId }
  /** mmu_notifier_unregister / mmu_interval_notifier_remove returned (INV-15). */
  | { readonly fact: 'unregistered'; readonly sub: string; readonly thread: ThreadId }
  /**
   * A driver's own assertion was checked (INV-18): a `warn_on` / `bug_on` instruction, or a change
   * of a counter with a declared range. `fired`: the condition held (the range was left);
   * `what`: the assertion, where it is and the values it read.
   */
  | { readonly fact: 'driver_assert'; readonly thread: ThreadId; readonly sub: string; readonly kind: 'WARN_ON' | 'BUG_ON' | 'range'; readonly fired: boolean; readonly what: string }
  | { readonly fact: 'lockdep_edge'; readonly thread: ThreadId; readonly from: string; readonly to: string; readonly why: string }
  /** A two-pass invalidate_start returned true with `*finish` set; its finish is pending (v7.1, docs/kernel.md §2.6). */
  | { readonly fact: 'finish_pending'; readonly sub: string; readonly inv: number }
  | { readonly fact: 'finish_returned'; readonly sub: string; readonly inv: number }
  /** mn_itree_inv_end applied a deferred insert or remove: interval_tree_insert/remove on the notifier, hlist_del of its deferred_item. */
  | { readonly fact: 'deferred_applied'; readonly sub: string; readonly op: 'insert' | 'remove'; readonly thread: ThreadId };

export type DiagnosticKind = 'WARN_ON' | 'BUG_ON' | 'BUG' | 'lockdep';

export interface Diagnostic {
  readonly kind: DiagnosticKind;
  readonly text: string;
}

export interface Effects {
  /** Whether events are wanted (a searching run judges facts only). */
  readonly record: boolean;
  readonly events: string[];
  readonly facts: Fact[];
  readonly diagnostics: Diagnostic[];
}

export const noEffects = (record = true): Effects => ({ record, events: [], facts: [], diagnostics: [] });

/** One bit per fact kind (a mapped type: the compiler rejects a missing kind), to test a step's facts at once. */
const FACT_BIT: { readonly [K in Fact['fact']]: number } = {
  start_returned: 1 << 0,
  end_called: 1 << 1,
  inv_closed: 1 << 2,
  range_start_returned: 1 << 3,
  underflow: 1 << 4,
  sleep_in_nonblock: 1 << 5,
  pte_cleared: 1 << 7,
  frame_freed: 1 << 8,
  hlist_added: 1 << 9,
  unlinked: 1 << 10,
  insert_deferred: 1 << 11,
  fault_retried: 1 << 12,
  mapped: 1 << 13,
  mm_skipped: 1 << 14,
  unregistered: 1 << 15,
  lockdep_edge: 1 << 16,
  driver_assert: 1 << 17,
  finish_pending: 1 << 18,
  finish_returned: 1 << 19,
  deferred_applied: 1 << 20,
};

/** The kinds of these facts as a bit mask (0 for none). */
export const factMask = (facts: readonly { readonly fact: Fact['fact'] }[]): number => {
  let m = 0;
  for (const f of facts) m |= FACT_BIT[f.fact];
  return m;
};

/** The bit mask of these fact kinds. */
export const kindMask = (kinds: readonly Fact['fact'][]): number => {
  let m = 0;
  for (const k of kinds) m |= FACT_BIT[k];
  return m;
};
