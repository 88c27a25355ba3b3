/**
 * The invariant registry (DESIGN.md §3.5): named pure predicates, each citing its DOMAIN.md §8
 * entry. `safety` and `contract` invariants are judged after every step from the step's facts
 * and state; `liveness` ones once, after the drain, except where the run itself shows the
 * violation at one step (a fault giving up, the reaper declaring success). A predicate returns
 * null (ok) or a witness sentence that says what broke and where.
 */
import { MAX_OOM_REAP_RETRIES, blocker, threadById, type StepResult } from './step.ts';
import { resolve } from './scenario.ts';
import type { Invalidation, ModelState, World } from './types.ts';
import { EAGAIN } from './program.ts';

export interface StepContext {
  readonly world: World;
  readonly after: ModelState;
  readonly step: StepResult;
}

export interface EndContext {
  readonly world: World;
  readonly state: ModelState;
  /** Threads unfinished while none can step. */
  readonly stuck: boolean;
  /** The drain hit its bound with threads still stepping. */
  readonly exhausted: boolean;
}

export interface Invariant {
  readonly name: string;
  readonly kind: 'safety' | 'liveness' | 'contract';
  readonly inv: string;
  readonly domainRef: string;
  readonly summary: string;
  readonly onStep?: (c: StepContext) => string | null;
  readonly atEnd?: (c: EndContext) => string | null;
}

const firstFact = <F extends StepResult['facts'][number]['fact']>(
  c: StepContext,
  kind: F,
  witness: (f: Extract<StepResult['facts'][number], { fact: F }>) => string | null,
): string | null => {
  for (const f of c.step.facts) {
    if (f.fact !== kind) continue;
    const w = witness(f as Extract<StepResult['facts'][number], { fact: F }>);
    if (w !== null) return w;
  }
  return null;
};

export const StartEndPaired: Invariant = {
  name: 'StartEndPaired',
  kind: 'safety',
  inv: 'INV-1',
  domainRef: 'DOMAIN.md §8 INV-1; header comment on struct mmu_notifier_ops (MNH-5.15)',
  summary: 'every notifier with an end whose start returned 0 gets exactly one end before the invalidation is over',
  onStep: (c) =>
    firstFact(c, 'inv_closed', (f) => {
      for (const n of f.hasEnd) {
        const started = f.inv.results[n] === 'ok';
        const ends = f.inv.ends[n] ?? 0;
        if ((started && ends !== 1) || ends > 1) {
          const r = f.inv.range;
          return `${n}.invalidate_range_start returned 0 in invalidation #${f.inv.id} (${f.thread}, [${r.start},${r.end})${f.inv.blockable ? '' : ', nonblock'}) but ${n} got ${ends} end${ends === 1 ? '' : 's'}`;
        }
      }
      return null;
    }),
};

export const NoEndWithoutStart: Invariant = {
  name: 'NoEndWithoutStart',
  kind: 'safety',
  inv: 'INV-2',
  domainRef: 'DOMAIN.md §8 INV-2; §5.1b (Jason: "invalidate_end should *not* be called")',
  summary: 'an end is only called on a notifier whose start returned 0 in the same invalidation',
  onStep: (c) =>
    firstFact(c, 'end_called', (f) => {
      if (f.startResult === 'ok') return null;
      // §5.1a: the 2019 RFC makes "end after a failed start" the failing notifier's contract.
      if (f.startResult === 'fail' && f.inUndo && c.world.strategy.failingNotifierExpectsEnd) return null;
      return `${f.sub}.invalidate_range_end called in invalidation #${f.inv} but its start ${f.startResult === 'fail' ? 'returned -EAGAIN' : 'was never called'}`;
    }),
};

export const NoCounterUnderflow: Invariant = {
  name: 'NoCounterUnderflow',
  kind: 'safety',
  inv: 'INV-4',
  domainRef: 'DOMAIN.md §8 INV-4; KVM BUG_ON(mmu_notifier_count < 0) (§2.3)',
  summary: 'no counter, rwsem read count or core active count goes below zero',
  onStep: (c) => firstFact(c, 'underflow', (f) => `${f.what} went to ${f.value}`),
};

export const NonBlockingNeverSleeps: Invariant = {
  name: 'NonBlockingNeverSleeps',
  kind: 'contract',
  inv: 'INV-5',
  domainRef: 'DOMAIN.md §8 INV-5; §2.3 non_block_start/end (L-2019-NB); §3.1',
  summary: 'inside a non-blockable invalidation no thread sleeps (mutex/rwsem wait, fence wait, reclaim)',
  onStep: (c) => {
    const w = firstFact(c, 'sleep_in_nonblock', (f) =>
      `${f.thread} sleeps in a non-blockable invalidation: ${f.what}${f.nonBlockCount > 0 ? '' : ' (outside non_block_start/end: the debug check would not fire)'}`);
    if (w) return w;
    // Reaching a sleeping wait that cannot proceed is the same violation (the thread would sleep now).
    const t = threadById(c.after, c.step.thread);
    if (!t || t.done || !t.inv || t.inv.blockable) return null;
    const b = blocker(c.world, c.after, t);
    if (b === null || (b.on === 'lock' && c.world.lockKinds[b.lock] === 'spinlock')) return null;
    const what =
      b.on === 'lock' ? b.lock
      : b.on === 'memory' ? 'free memory'
      : b.on === 'counter' ? `${b.sub}.${b.counter} to reach 0`
      : b.on === 'srcu' ? 'synchronize_srcu'
      : b.on === 'registration' ? `${b.sub} to be registered`
      : `${b.sub}'s invalidation to end`;
    return `${t.id} would sleep in a non-blockable invalidation waiting for ${what}`;
  },
};

export const StartReturnContract: Invariant = {
  name: 'StartReturnContract',
  kind: 'contract',
  inv: 'INV-6',
  domainRef: 'DOMAIN.md §8 INV-6; §2.3 WARN_ON(blockable || ret != -EAGAIN)',
  summary: 'a start returns 0 or -EAGAIN, and -EAGAIN (interval: false) only when non-blockable',
  onStep: (c) =>
    firstFact(c, 'start_returned', (f) =>
      (f.value !== 0 && f.value !== EAGAIN) || (f.value !== 0 && f.blockable)
        ? `${f.sub} start returned ${f.value} in a ${f.blockable ? 'blockable' : 'non-blockable'} invalidation #${f.inv}`
        : null),
};

export const FailableStartHasNoEnd: Invariant = {
  name: 'FailableStartHasNoEnd',
  kind: 'contract',
  inv: 'INV-7',
  domainRef: 'DOMAIN.md §8 INV-7; §2.3 WARN_ON(ops->invalidate_range_end) (c2655835fd8c, v5.12)',
  summary: 'a notifier whose start fails has no end op',
  onStep: (c) =>
    firstFact(c, 'start_returned', (f) =>
      f.value !== 0 && f.hasEnd && f.form === 'hlist' ? `${f.sub}.invalidate_range_start returned -EAGAIN but ${f.sub} has an invalidate_range_end` : null),
};

export const QuiescentBalanced: Invariant = {
  name: 'QuiescentBalanced',
  kind: 'liveness',
  inv: 'INV-3',
  domainRef: 'DOMAIN.md §8 INV-3',
  summary: 'with no invalidation open after the drain: driver counters 0, core idle, no lock held by a finished thread',
  atEnd: ({ world, state }) => {
    if (state.threads.some((t) => t.inv !== null)) return null; // not quiescent: NoDeadlock speaks
    for (const [sub, d] of Object.entries(state.drivers)) {
      // An unregistered notifier may have seen a start without an end; its state is being freed (§1.4).
      if (!state.subs.find((x) => x.name === sub)?.registered) continue;
      for (const [counter, v] of Object.entries(d.counters)) {
        if (world.defs[sub].counters[counter]?.balanced && v !== 0) return `${sub}.${counter} = ${v} at quiescence (expected 0)`;
      }
    }
    if (state.core.activeInvalidateRanges !== 0) return `active_invalidate_ranges = ${state.core.activeInvalidateRanges} at quiescence`;
    if (state.core.invalidateSeq & 1) return `invalidate_seq = ${state.core.invalidateSeq} (odd) at quiescence`;
    for (const [id, l] of Object.entries(state.locks)) {
      const holders = [...(l.writer ? [l.writer] : []), ...l.readers];
      const dead = holders.find((h) => threadById(state, h)?.done);
      if (dead) return `${id} is still held${l.writer === dead ? '' : ' for read'} by ${dead}, which has finished`;
    }
    const nb = state.threads.find((t) => t.nonBlockCount !== 0);
    if (nb) return `${nb.id}.non_block_count = ${nb.nonBlockCount} at quiescence`;
    return null;
  },
};

export const NoDeadlock: Invariant = {
  name: 'NoDeadlock',
  kind: 'liveness',
  inv: 'INV-10',
  domainRef: 'DOMAIN.md §8 INV-10; §3.1 (the reclaim cycle)',
  summary: 'the drain never gets stuck: some unfinished thread can always step (waits-for graph acyclic)',
  atEnd: ({ world, state, stuck, exhausted }) => {
    if (exhausted) return 'the drain hit its bound: a livelock';
    if (!stuck) return null;
    return waitsFor(world, state);
  },
};

/** The waits-for chain from the first blocked thread (threads → locks → holders, memory → reaper). */
export const waitsFor = (world: World, s: ModelState): string => {
  const edge = (id: string): { text: string; next: string | null } => {
    const t = threadById(s, id);
    if (!t || t.done) return { text: `${id} (finished)`, next: null };
    const b = blocker(world, s, t);
    if (b === null) return { text: id, next: null };
    if (b.on === 'lock') {
      const l = s.locks[b.lock];
      const holder = l.writer ?? l.readers.find((r) => r !== id) ?? l.readers[0] ?? null;
      return { text: `${id} waits for ${b.lock}${holder ? ` (held${l.writer ? '' : ' for read'} by ${holder})` : ''}`, next: holder };
    }
    if (b.on === 'memory') {
      const reaper = s.threads.find((x) => x.kind === 'oom_reaper');
      return { text: `${id} waits for free memory ← victim reaped ← oom_reaper${reaper ? '' : ' (absent)'}`, next: null };
    }
    if (b.on === 'counter') {
      // The counter drops in invalidate_range_end: some open invalidation must still run it.
      const ender = s.threads.find((x) => x.inv !== null)?.id ?? null;
      const v = s.drivers[b.sub].counters[b.counter];
      return { text: `${id} waits for ${b.sub}.${b.counter} = ${v} to reach 0${ender ? ' ← its invalidate_range_end in' : ' (no invalidation open: its end was lost)'}`, next: ender };
    }
    if (b.on === 'srcu') return { text: `${id} waits in synchronize_srcu for ${b.readers.join(', ')}`, next: b.readers[0].split('#')[0] };
    if (b.on === 'registration') return { text: `${id} waits for ${b.sub} to be registered`, next: `register:${b.sub}` };
    return { text: `${id} waits for the invalidation of ${b.sub} to end`, next: s.threads.find((x) => x.inv !== null)?.id ?? null };
  };
  const first = s.threads.find((t) => !t.done);
  if (!first) return 'no thread left';
  const seen: string[] = [];
  const parts: string[] = [];
  let cur: string | null = first.id;
  while (cur !== null && !seen.includes(cur)) {
    seen.push(cur);
    const e = edge(cur);
    parts.push(e.text);
    cur = e.next;
  }
  return `stuck: ${parts.join(' → ')}${cur !== null ? ` → ${cur} (cycle)` : ''}`;
};

export const FaultLiveness: Invariant = {
  name: 'FaultLiveness',
  kind: 'liveness',
  inv: 'INV-14',
  domainRef: 'DOMAIN.md §8 INV-14; §6.1 (a lost end makes every fault retry forever)',
  summary: 'a fault retries only because of an invalidation: never on a collision marker nothing will clear',
  onStep: (c) =>
    firstFact(c, 'fault_gave_up', (f) =>
      `${f.thread} collided ${f.retries} times with no invalidation started or in progress: ${f.sub}'s collision marker is stuck, so the fault retries forever`),
};

// ---------------------------------------------------------------------------------------------
// INV-8, INV-9, INV-9b, INV-11, INV-12, INV-13, INV-16

const rangeText = (inv: Invalidation): string => `[${inv.range.start},${inv.range.end})`;

/** A non-blocking start that returned -EAGAIN: in the model any failed callback makes it fail (§2.2). */
const failedNonblock = (inv: Invalidation): boolean => !inv.blockable && Object.values(inv.results).includes('fail');

const failedBy = (inv: Invalidation): string => (inv.failedAt ? `${inv.failedAt} returned -EAGAIN` : 'it returned -EAGAIN');

export const CallerContractAfterFailure: Invariant = {
  name: 'CallerContractAfterFailure',
  kind: 'contract',
  inv: 'INV-8',
  domainRef: 'DOMAIN.md §8 INV-8; §2.1 (mmu_notifier_invalidate_range_start_nonblock, MNH-6.x; mn_itree_invalidate comment, MN-5.10); §5.1b',
  summary: 'after a failed non-blocking start the caller neither clears PTEs in the range nor calls invalidate_range_end',
  // Judgement: only non-blocking starts bind the caller. A blocking start returns void and the
  // caller always unmaps and ends (a blockable -EAGAIN is StartReturnContract's business).
  // The undo walk inside the failing start (§5.1a/c, §5.2) is the core's, not the caller's.
  onStep: (c) => {
    for (const f of c.step.facts) {
      if (f.fact === 'pte_cleared' && f.afterFailedStart) {
        const inv = threadById(c.after, f.thread)?.inv ?? null;
        if (inv !== null && inv.blockable) continue;
        return `${f.thread} cleared the PTEs of [${f.start},${f.end}) after its non-blocking start failed${inv ? ` (invalidation #${inv.id}: ${failedBy(inv)})` : ''}`;
      }
      // An end outside the undo walk, on the instance whose start failed: the caller called _end.
      if (f.fact === 'end_called' && !f.inUndo) {
        const inv = threadById(c.after, c.step.thread)?.inv ?? null;
        if (inv !== null && inv.id === f.inv && failedNonblock(inv))
          return `${c.step.thread} called invalidate_range_end for ${rangeText(inv)} after its non-blocking start failed (invalidation #${inv.id}: ${failedBy(inv)}), so ${f.sub} gets an end`;
      }
      // The same with no notifier to receive it (nothing has an end op, or an interval-only mm):
      // the instance closes from the end walk rather than straight after the start returned.
      if (f.fact === 'inv_closed' && f.inv.phase === 'hlist_end' && failedNonblock(f.inv))
        return `${f.thread} called invalidate_range_end for ${rangeText(f.inv)} after its non-blocking start failed (invalidation #${f.inv.id}: ${failedBy(f.inv)})`;
    }
    return null;
  },
};

/**
 * INV-9. The reaper's loop is written to be bounded (step.ts failedAttempt), so this guards the
 * model against regressions rather than finding kernel bugs: at most MAX_OOM_REAP_RETRIES
 * attempts, MMF_OOM_SKIP set whenever the reaper finishes, and mmap_lock only ever try-locked.
 * Only the reaper's own steps change these, so it is judged when the reaper steps.
 * Not judged: "≤ one start per reapable VMA per attempt" (needs a count across steps).
 */
export const ReaperBounded: Invariant = {
  name: 'ReaperBounded',
  kind: 'safety',
  inv: 'INV-9',
  domainRef: 'DOMAIN.md §8 INV-9; §3.2 oom_reap_task / oom_reap_task_mm (OOM-5.10)',
  summary: `the OOM reaper makes at most MAX_OOM_REAP_RETRIES (${MAX_OOM_REAP_RETRIES}) attempts, sets MMF_OOM_SKIP when it finishes, and only try-locks mmap_lock`,
  onStep: (c) => {
    const t = threadById(c.after, c.step.thread);
    if (!t || t.kind !== 'oom_reaper') return null;
    if (t.attempts > MAX_OOM_REAP_RETRIES) return `${t.id} made ${t.attempts} failed attempts (MAX_OOM_REAP_RETRIES is ${MAX_OOM_REAP_RETRIES})`;
    if (t.attempts === MAX_OOM_REAP_RETRIES && !t.done) return `${t.id} goes on to attempt ${t.attempts + 1} after ${t.attempts} failed ones (MAX_OOM_REAP_RETRIES is ${MAX_OOM_REAP_RETRIES})`;
    if (t.done && !c.after.mm.MMF_OOM_SKIP) return `${t.id} finished (${t.outcome}) without setting MMF_OOM_SKIP: the OOM killer keeps choosing this mm`;
    if (t.done) return null;
    const b = blocker(c.world, c.after, t);
    if (b !== null && b.on === 'lock' && b.lock === 'mmap_lock') return `${t.id} would sleep on mmap_lock: the reaper may only mmap_read_trylock it`;
    return null;
  },
};

/** The frame each page mapped when the run began (the victim's memory), per world. */
const initialPte = new WeakMap<World, readonly (number | null)[]>();
const initialFrames = (world: World): readonly (number | null)[] => {
  let pte = initialPte.get(world);
  if (!pte) {
    const r = resolve(world.scenario);
    pte = r.ok ? r.state.mm.pte : [];
    initialPte.set(world, pte);
  }
  return pte;
};

/**
 * INV-9b, judged at the step where the reaper declares success (outcome 'reaped': it sets
 * MMF_OOM_SKIP because it believes the mm is reaped). Judgements:
 * - The DOMAIN premise ("notifiers all non-failing, mmap_lock available infinitely often") is
 *   what makes *eventual* reaping a fair demand; it does not excuse *declaring* success without
 *   unmapping, which is the v4.14 bug (§3.3), so the 'reaped' outcome is judged unconditionally.
 *   The other half (gave up with non-failing notifiers) is not judged: in this model a
 *   non-failing notifier leaves only a busy mmap_lock as the reason to give up, i.e. the
 *   premise itself fails on a finite run.
 * - "Unmapped" means no page of a reapable VMA (one munmap has not removed) still maps the
 *   frame it had when the run began. A device fault may refault a page after the reaper's
 *   unmap (the model's get_user_pages does not check MMF_UNSTABLE, unlike the kernel's
 *   check_stable_address_space), giving it a fresh frame; that is not the victim's memory.
 * Not atEnd: by then munmap or exit_mmap may have freed what the reaper left.
 */
export const ReaperUsefulProgress: Invariant = {
  name: 'ReaperUsefulProgress',
  kind: 'liveness',
  inv: 'INV-9b',
  domainRef: 'DOMAIN.md §8 INV-9b; §3.3 (v4.14 4d4bbd8526a8: skip and declare success); §3.2',
  summary: 'when the OOM reaper declares the victim reaped (MMF_OOM_SKIP), every reapable VMA has been unmapped',
  onStep: (c) => {
    const t = threadById(c.after, c.step.thread);
    if (!t || t.kind !== 'oom_reaper' || !t.done || t.outcome !== 'reaped') return null;
    const { mm } = c.after;
    const before = initialFrames(c.world);
    for (const [k, v] of mm.vmas.entries()) {
      if (v.unmapped) continue;
      for (let p = v.start; p < v.end; p++) {
        const f = mm.pte[p];
        if (f !== null && f !== undefined && f === before[p])
          return `${t.id} declared the victim reaped and set MMF_OOM_SKIP, but VMA ${k} [${v.start},${v.end}) was not unmapped: page ${p} still maps frame ${f} (reaper era ${c.world.scenario.reaper})`;
      }
    }
    return null;
  },
};

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
  kind: 'safety',
  inv: 'INV-11',
  domainRef: 'DOMAIN.md §8 INV-11; §1.4 (lockdep priming fs_reclaim → notifier map); §3.1; L-2020-FSR (fs_reclaim in might_alloc)',
  summary: "lockdep's dependency graph over lock classes (with fs_reclaim and the notifier map) stays acyclic",
  // The graph was acyclic before the step, so a new cycle runs through a new edge a→b: look for b → … → a.
  onStep: (c) =>
    firstFact(c, 'lockdep_edge', (f) => {
      const back = lockdepPath(c.after.lockdep, f.to, f.from);
      if (back === null) return null;
      return `lockdep cycle ${[...back, f.to].join(' → ')}, closed by ${f.thread} adding ${f.from} → ${f.to} (${f.why})`;
    }),
};

/** Some open invalidation covering `page` has not yet had `sub`'s start (or invalidate) return. */
const startPending = (s: ModelState, sub: string, page: number): boolean =>
  s.threads.some((t) => {
    const inv = t.inv;
    if (inv === null || page < inv.range.start || page >= inv.range.end) return false;
    if (t.call !== null && t.call.sub === sub && (t.call.op === 'invalidate_range_start' || t.call.op === 'invalidate')) return true;
    // Only while the start walks run: once start returned, every start it will make has returned.
    return (inv.phase === 'itree_start' || inv.phase === 'hlist_start') && !(sub in inv.results);
  });

export const NoStaleSecondaryMapping: Invariant = {
  name: 'NoStaleSecondaryMapping',
  kind: 'safety',
  inv: 'INV-12',
  domainRef: 'DOMAIN.md §8 INV-12; §2.3 ("the establishment of sptes is forbidden in the range"); §2.5',
  summary: "every secondary mapping page → frame agrees with the primary PTE, unless an invalidation of that page has the driver's start still pending",
  onStep: ({ after: s }) => {
    for (const n in s.drivers) {
      const sptes = s.drivers[n].sptes;
      for (const key in sptes) {
        const page = Number(key);
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
  kind: 'safety',
  inv: 'INV-13',
  domainRef: 'DOMAIN.md §8 INV-13; §3.3 (≤ v4.13: the reaper unmapped without notifiers)',
  summary: 'a frame is freed only when no secondary mapping references it',
  onStep: (c) =>
    firstFact(c, 'frame_freed', (f) =>
      f.mappedBy.length === 0
        ? null
        : `${f.thread} freed frame ${f.frame} (page ${f.page}) while ${f.mappedBy.join(' and ')} still map${f.mappedBy.length === 1 ? 's' : ''} it: the device can access freed memory`),
};

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
  kind: 'safety',
  inv: 'INV-16',
  domainRef: 'DOMAIN.md §8 INV-16; §1.2 (invalidate_seq, active_invalidate_ranges); §1.5; §2.2 mn_itree_inv_end; §5.3',
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

export const UnregisterQuiesces: Invariant = {
  name: 'UnregisterQuiesces',
  kind: 'safety',
  inv: 'INV-15',
  domainRef: 'DOMAIN.md §8 INV-15; §1.4 (synchronize_srcu in mmu_notifier_unregister)',
  summary: 'after mmu_notifier_unregister / mmu_interval_notifier_remove returns, no callback of that notifier runs',
  onStep: (c) => {
    const t = threadById(c.after, c.step.thread);
    const call = t?.call;
    if (!call || call.op === 'fault' || call.op === 'ioctl') return null;
    const unreg = threadById(c.after, `unregister:${call.sub}`);
    return unreg?.done ? `${call.sub}.${call.op} runs in ${t.id} after ${unreg.id} returned` : null;
  },
};

export const RegistrationExclusion: Invariant = {
  name: 'RegistrationExclusion',
  kind: 'safety',
  inv: 'INV-17',
  domainRef: 'DOMAIN.md §8 INV-17; §1.4 (mm_take_all_locks), §5.2 precondition 1',
  summary: 'no notifier joins the hlist while an invalidation on the mm is between its start and its end',
  onStep: (c) =>
    firstFact(c, 'hlist_added', (f) =>
      f.openInvalidations.length ? `${f.sub} joined the hlist while ${f.openInvalidations.join(', ')} had an invalidation open (registration did not exclude it)` : null),
};

export const invariants: readonly Invariant[] = [
  StartEndPaired,
  NoEndWithoutStart,
  QuiescentBalanced,
  NoCounterUnderflow,
  NonBlockingNeverSleeps,
  StartReturnContract,
  FailableStartHasNoEnd,
  CallerContractAfterFailure,
  ReaperBounded,
  ReaperUsefulProgress,
  NoDeadlock,
  LockOrder,
  NoStaleSecondaryMapping,
  NoUseAfterFree,
  FaultLiveness,
  UnregisterQuiesces,
  IntervalSeqProtocol,
  RegistrationExclusion,
];

export const INVARIANT_NAMES: readonly string[] = invariants.map((i) => i.name);

export const invariantByName = (name: string): Invariant | undefined => invariants.find((i) => i.name === name);
