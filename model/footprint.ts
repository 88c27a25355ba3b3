/**
 * What a thread's next step reads of the shared state: the half of a step's footprint the
 * exhaustive engine's partial-order reduction cannot see by diffing states (engine/reduction.ts,
 * docs/design.md §4.1). What it writes the engine reads off the state the step returns.
 *
 * `null` means "anything": the step is dependent with every other. Only driver instructions
 * whose reads are plain are given a footprint; every core, caller and registration step, and
 * every instruction that reads other threads (srcu snapshots, rwsem writer queueing, "an
 * invalidation is active", a pending registration) or the OOM state, is `null`. A thread's own
 * state (its pc, call, locals, invalidation, the locks it holds) is its own: only its own steps
 * and `null` ones touch it.
 *
 * Resources: 'mm', 'subs', 'core', 'lockdep', `lock:<id>`, 'locks' (every lock), `driver:<notifier>`.
 */
import type { Cond, Instr } from './program.ts';
import { lockId, subOf } from './state.ts';
import { nextAction, type Action } from './step.ts';
import type { ModelState, ThreadState, World } from './types.ts';

const condReads = (sub: string, c: Cond, out: string[]): void => {
  switch (c.is) {
    case 'nonblockable': // the call's own blockable flag
      return;
    case 'intersects': // the thread's own range against the notifier's interval
      out.push('subs');
      return;
    case 'nonzero':
    case 'changed':
    case 'above':
    case 'below':
      out.push(`driver:${sub}`);
      return;
    case 'not':
      condReads(sub, c.cond, out);
      return;
    case 'any':
      for (const x of c.conds) condReads(sub, x, out);
      return;
    default:
      return c satisfies never;
  }
};

// Read lists are shared, never mutated: the engine keeps a mask per list (engine/reduction.ts).
const CORE: readonly string[] = ['core'];
const MM: readonly string[] = ['mm'];
const MMAP_WRITE_LOCK: readonly string[] = ['lock:mmap_lock', 'lockdep', 'mm'];
const MMAP_LOCK: readonly string[] = ['lock:mmap_lock'];
const MMAP_LOCK_MM: readonly string[] = ['lock:mmap_lock', 'mm'];
const NOTHING: readonly string[] = [];

/** The shared resources the thread's next step reads (its guard included), or null for anything. */
export const stepReads = (world: World, s: ModelState, t: ThreadState): readonly string[] | null => actionReads(s, nextAction(world, s, t));

/** stepReads of the action the thread takes next (nextAction's), or null for anything. */
export const actionReads = (s: ModelState, a: Action | null): readonly string[] | null => {
  if (a === null) return null;
  switch (a.type) {
    case 'driver_instr':
      break;
    case 'mm_has_notifiers':
      return CORE;
    // Clearing PTEs: the thread's own invalidation, the VMA and the page table.
    case 'oom_unmap_page_range':
    case 'munmap_unmap_page_range':
    case 'zap_page_range':
    case 'ptep_clear_flush':
      return MM;
    case 'mmap_write_lock': // mmap_lock free; detaches the VMA
      return MMAP_WRITE_LOCK;
    case 'mmap_write_downgrade':
    case 'mmap_write_lock_killable_eintr': // leaves mmap_lock's wait list
    case 'munmap_unlock':
    case 'madvise_mmap_read_unlock':
      return MMAP_LOCK;
    case 'mmap_read_unlock': // the reaper's: sets MMF_OOM_SKIP when done
      return MMAP_LOCK_MM;
    case 'invalidate_range_start': // the hlist and tree walks, every callback's program
    case 'invalidate_range_end':
    case 'mmap_read_trylock': // queued writers
    case 'madvise_mmap_read_lock':
    case 'oom_reaper_skip':
    case 'oom_tlb_finish_mmu': // frees frames: every driver's mappings and pins
    case 'munmap_tlb_finish_mmu':
    case 'madvise_tlb_finish_mmu':
    case 'shrink_page_list_free':
    case 'rmap_lock_read':
    case 'rmap_unlock_read':
    case 'oom_kill': // signals every task of the victim (state.ts fatalSignalPending)
    case 'schedule_timeout_idle': // whether any other thread can step
    case 'exit_mmap': // its first step's guard reads other threads' `done` (exit-mmap.ts mmUsersBlocker)
    case 'mmu_notifier_register':
    case 'mmu_notifier_unregister':
      return null;
    default:
      return a satisfies never;
  }
  const { call: c, instr: i } = a;
  // The registration wait and mirrorGone read other threads (a pending register) unless the
  // notifier is registered (interpreter.ts driverInstrBlocker, abandons).
  if (c.op === 'fault' && (c.pc === 0 || !subOf(s, c.sub).registered)) return null;
  if (i.op === 'install' && !subOf(s, c.sub).registered) return null; // mirrorGone
  return instrReads(i, c.sub, c.op === 'fault');
};

/** Per instruction, per notifier: its reads outside a fault [0] and in a fault of a registered notifier [1]. */
const instrMemo = [new WeakMap<Instr, Map<string, readonly string[] | null>>(), new WeakMap<Instr, Map<string, readonly string[] | null>>()] as const;

/** What an instruction of notifier `sub`'s program reads, once the state-dependent nulls are out (actionReads); memoized. */
const instrReads = (i: Instr, sub: string, fault: boolean): readonly string[] | null => {
  const memo = instrMemo[fault ? 1 : 0];
  let bySub = memo.get(i);
  if (bySub === undefined) {
    bySub = new Map();
    memo.set(i, bySub);
  }
  let r = bySub.get(sub);
  if (r === undefined) {
    r = instrReadsOf(i, sub, fault);
    bySub.set(sub, r);
  }
  return r;
};

const instrReadsOf = (i: Instr, sub: string, fault: boolean): readonly string[] | null => {
  const out: string[] = [];
  if (fault) out.push('subs');
  switch (i.op) {
    case 'lock':
      // A read acquisition looks for queued writers: other threads' next actions.
      if (i.mode === 'read') return null;
      // lockdep's check_prevs_add reads the classes the thread holds (lockdep.ts heldClasses,
      // found by scanning every lock's holders): 'locks' is every lock.
      out.push(`lock:${lockId(sub, i.lock)}`, 'lockdep', 'locks');
      return out;
    case 'unlock':
      out.push(`lock:${lockId(sub, i.lock)}`);
      return out;
    case 'add':
      out.push(`driver:${sub}`);
      return out;
    case 'install':
      out.push('subs', `driver:${sub}`);
      return out;
    case 'setSeq':
      out.push('subs', 'core');
      return out;
    case 'readRetry':
      out.push('subs');
      return out;
    case 'waitFence':
      return out;
    case 'jump':
      if (i.if) condReads(sub, i.if, out);
      return out;
    // The driver's own assertions read what their condition reads (its counters: `driver:<sub>`).
    // A BUG_ON that fires ends its own thread only (call, done, outcome): no other thread's
    // non-null step reads those, and the locks it holds stay as they are.
    case 'warn_on':
    case 'bug_on':
      condReads(sub, i.if, out);
      return out;
    // witnessLocals: whether an invalidation is active (core, and which threads have one, which
    // only `null` steps change), and nextInvId (likewise).
    case 'snapshot':
    case 'waitZero':
      out.push(`driver:${sub}`, 'core');
      return out;
    case 'zap': // frees pinned frames: every driver's mappings (frame_freed's mappedBy)
    case 'zapAll':
    case 'intervalInsert':
    case 'intervalRemove':
    case 'gup': // mmap_lock's queued writers
    case 'readBegin':
    case 'alloc': // the OOM state
    case 'retry':
    case 'ret': // the core's walk or the caller continues
      return null;
    default:
      return i satisfies never;
  }
};

/** A step that emits nothing the invariants judge: no facts, no diagnostics. */
export const quietStep = (facts: number, diagnostics: number): boolean => facts === 0 && diagnostics === 0;

/**
 * What the invariants read after a step of this thread besides the step's facts and the state
 * as a whole: the reaper's steps are judged on its next step's guard and on the mm
 * (ReaperBounded, ReaperUsefulProgress), a thread's in a non-blockable invalidation on whether
 * its next step would sleep (NonBlockingNeverSleeps). `after` is the thread after the step;
 * [] for a thread no invariant watches; null for "anything".
 */
export const observedReads = (world: World, after: ModelState, t: ThreadState): readonly string[] | null => {
  if (t.kind !== 'oom_reaper' && (t.inv === null || t.inv.blockable)) return NOTHING;
  if (t.done) return MM;
  const next = stepReads(world, after, t);
  if (next === null) return null;
  let r = withMm.get(next);
  if (r === undefined) {
    r = [...next, 'mm'];
    withMm.set(next, r);
  }
  return r;
};

/** observedReads' lists, one per stepReads list. */
const withMm = new WeakMap<readonly string[], readonly string[]>();
