/**
 * Kills the verdict-changing survivors of `npm run mutate -- model/invariants` (docs/guide.md,
 * mutation section): each invariant's predicate asked directly, of a step's facts or of a state
 * built from a small scenario, where a weakened or strengthened condition would change its
 * verdict. The registry's names and situations (what a default check judges, and when a "holds"
 * is vacuous), the cycle scope that decides which fair cycles an invariant speaks of, and the
 * conditions the scenario tests never split: a stale mapping's "start pending" excuse, a failed
 * hlist start in IntervalSeqProtocol, a reaper that gave up, a fault after its notifier's
 * unregister, a lockdep node with two edges.
 */
import { describe, expect, it } from 'vitest';
import { GOAL_NAMES } from '../model/goals.ts';
import {
  ALL_INVARIANT_NAMES,
  CallerContractAfterFailure,
  EAGAIN,
  FailableStartHasNoEnd,
  FaultLiveness,
  INVARIANT_NAMES,
  IntervalSeqProtocol,
  LockOrder,
  NoDeadlock,
  NoEndWithoutStart,
  NonBlockingNeverSleeps,
  NoStaleSecondaryMapping,
  NoUseAfterFree,
  QuiescentBalanced,
  ReaperBounded,
  ReaperUsefulProgress,
  StartEndPaired,
  StartReturnContract,
  UnregisterQuiesces,
  idleSpinner,
  inScope,
  invariants,
  step,
  type CycleContext,
  type CycleScope,
  type Fact,
  type Invalidation,
  type ModelState,
  type StepContext,
  type ThreadState,
  type World,
} from '../model/index.ts';
import { notifier, scenario, stepOnce, stepUntil, withThread, world } from './support.ts';

const kvm = notifier('A', 'kvm', 256);

/** A step context of `thread` with these facts (the predicates read only facts, the thread and the state). */
const ctx = (w: World, after: ModelState, thread: string, facts: readonly Fact[] = []): StepContext =>
  ({ world: w, after, step: { tag: 'stepped', state: after, thread, label: 'test', facts, events: [], diagnostics: [] } }) as unknown as StepContext;

/** An open invalidation of [start,end), patched as a test needs. */
const inv = (patch: Partial<Invalidation> = {}): Invalidation => ({
  id: 1, blockable: true, release: false, range: { start: 0, end: 4 }, phase: 'returned', curSeq: 2, walk: [], cursor: 0, last: 'end', results: {}, ends: {}, failedAt: null, finishes: [], ...patch,
});

describe('the registry (model/invariants/index.ts): what a default check judges, and when a holds is vacuous', () => {
  it('INVARIANT_NAMES are the kernel protocol\'s 18, DriverAssertions only in ALL_INVARIANT_NAMES', () => {
    expect(INVARIANT_NAMES).toEqual([
      'StartEndPaired', 'NoEndWithoutStart', 'QuiescentBalanced', 'NoCounterUnderflow', 'NonBlockingNeverSleeps', 'StartReturnContract',
      'FailableStartHasNoEnd', 'CallerContractAfterFailure', 'ReaperBounded', 'ReaperUsefulProgress', 'NoDeadlock', 'LockOrder',
      'NoStaleSecondaryMapping', 'NoUseAfterFree', 'FaultLiveness', 'UnregisterQuiesces', 'IntervalSeqProtocol', 'RegistrationExclusion',
    ]);
    expect(ALL_INVARIANT_NAMES).toEqual([...INVARIANT_NAMES, 'DriverAssertions']);
  });

  it('every invariant is about at least one situation, each a goal a run can reach (an empty list would make no holds vacuous)', () => {
    for (const i of invariants) {
      expect(i.about.length, i.name).toBeGreaterThan(0);
      for (const g of i.about) expect(GOAL_NAMES, `${i.name}: ${g}`).toContain(g);
    }
  });
});

describe('the start/end contracts judged on their facts (pairing.ts)', () => {
  const { world: w, state: s } = world(scenario({ notifiers: [kvm] }));
  const started = (value: number, blockable: boolean, more: Partial<Extract<Fact, { fact: 'start_returned' }>> = {}): Fact =>
    ({ fact: 'start_returned', sub: 'A', inv: 1, value, blockable, hasEnd: true, form: 'hlist', ...more });

  it('StartReturnContract (INV-6): 0 always; -EAGAIN only when non-blockable; any other value never', () => {
    const judge = (f: Fact) => StartReturnContract.onStep?.(ctx(w, s, 'oom_reaper', [f])) ?? null;
    expect(judge(started(0, true))).toBeNull();
    expect(judge(started(0, false))).toBeNull();
    expect(judge(started(EAGAIN, false))).toBeNull();
    expect(judge(started(EAGAIN, true))).toMatch(/A start returned -11 in a blockable invalidation #1/);
    expect(judge(started(1, false))).toMatch(/A start returned 1 in a non-blockable invalidation #1/);
  });

  it('FailableStartHasNoEnd (INV-7) speaks of hlist notifiers only: a combined driver\'s interval part fails with its hlist end in place', () => {
    const judge = (f: Fact) => FailableStartHasNoEnd.onStep?.(ctx(w, s, 'oom_reaper', [f])) ?? null;
    expect(judge(started(EAGAIN, false, { form: 'interval' }))).toBeNull();
    expect(judge(started(EAGAIN, false))).toMatch(/has an invalidate_range_end/);
  });

  it('StartEndPaired (INV-1): two ends to a notifier whose start failed are a violation too', () => {
    const closed = (results: Invalidation['results'], ends: number): Fact => ({ fact: 'inv_closed', inv: inv({ results, ends: { A: ends } }), thread: 'oom_reaper', registered: ['A'], hasEnd: ['A'] });
    const judge = (f: Fact) => StartEndPaired.onStep?.(ctx(w, s, 'oom_reaper', [f])) ?? null;
    expect(judge(closed({ A: 'fail' }, 1))).toBeNull();
    expect(judge(closed({ A: 'fail' }, 2))).toMatch(/A got 2 ends/);
    expect(judge(closed({ A: 'ok' }, 1))).toBeNull();
  });

  it('NoEndWithoutStart (INV-2): a promised end excuses a failed start, not a start never called', () => {
    const end = (startResult: 'fail' | 'none', promised: boolean): Fact => ({ fact: 'end_called', sub: 'A', inv: 1, startResult, inUndo: false, promised } as Fact);
    const judge = (f: Fact) => NoEndWithoutStart.onStep?.(ctx(w, s, 'oom_reaper', [f])) ?? null;
    expect(judge(end('fail', true))).toBeNull();
    expect(judge(end('none', true))).toMatch(/its start was never called/);
  });

  it('CallerContractAfterFailure (INV-8): PTEs cleared after a failed non-blocking start, by a caller whose invalidation already closed', () => {
    const cleared: Fact = { fact: 'pte_cleared', thread: 'oom_reaper', start: 0, end: 4, afterFailedStart: true };
    expect(CallerContractAfterFailure.onStep?.(ctx(w, s, 'oom_reaper', [cleared]))).toBe('oom_reaper cleared the PTEs of [0,4) after its non-blocking start failed');
  });

  it('firstFact reads every fact of its kind: a frame freed under a device mapping after one that was not is a use after free', () => {
    const freed = (page: number, mappedBy: string[]): Fact => ({ fact: 'frame_freed', thread: 'munmap', page, frame: page, mappedBy });
    expect(NoUseAfterFree.onStep?.(ctx(w, s, 'munmap', [freed(0, []), freed(1, ['A'])]))).toMatch(/freed frame 1 \(page 1\) while A still maps it/);
  });
});

describe('LockOrder (INV-11): a lock class with two edges out', () => {
  it('the back path may leave through the second edge of a node', () => {
    const { world: w, state: s } = world(scenario({ notifiers: [kvm] }));
    const after = { ...s, lockdep: ['x→y', 'x→z', 'z→w', 'w→x'] };
    const f: Fact = { fact: 'lockdep_edge', thread: 'munmap', from: 'w', to: 'x', why: 'test' };
    expect(LockOrder.onStep?.(ctx(w, after, 'munmap', [f]))).toMatch(/lockdep cycle x → z → w → x/);
  });
});

describe("NoStaleSecondaryMapping (INV-12): the excuse of a start still pending covers that notifier's start, in the range", () => {
  const { world: w, state: s0 } = world(scenario({ notifiers: [kvm, notifier('B', 'kvm', 512)], threads: ['munmap', 'madvise'] }));
  /** Page 1's primary PTE cleared while A and B still map it, munmap's invalidation patched in. */
  const stale = (i: Partial<Invalidation>, call: ThreadState['call'] = null): ModelState =>
    withThread({ ...s0, mm: { ...s0.mm, pte: [0, null, 2, 3] } }, 'munmap', { inv: inv(i), call });
  const judge = (s: ModelState) => NoStaleSecondaryMapping.onStep?.(ctx(w, s, 'munmap')) ?? null;
  const startOf = (sub: string): ThreadState['call'] => ({ sub, op: 'invalidate_range_start', pc: 0, blockable: true, nonBlock: false, locals: {} });

  it('after the start walks (between start and end), a stale mapping is a violation, even of a notifier the walks did not reach', () => {
    expect(judge(stale({ phase: 'returned', results: { A: 'ok', B: 'ok' } }))).toMatch(/A still maps page 1 → frame 1/);
    expect(judge(stale({ phase: 'returned', results: {} }))).toMatch(/A still maps page 1 → frame 1/);
  });
  it("in a start walk, a notifier not yet visited is excused; one whose start returned is not, even while another's start runs", () => {
    for (const phase of ['itree_start', 'itree_finish', 'hlist_start'] as const) {
      expect(judge(stale({ phase, results: {} })), phase).toBeNull();
      expect(judge(stale({ phase, results: { A: 'ok', B: 'ok' } })), phase).toMatch(/A still maps page 1/);
    }
    expect(judge(stale({ phase: 'hlist_start', results: { A: 'ok' } }, startOf('B')))).toMatch(/A still maps page 1/);
  });
  it("the notifier's own start, interval invalidate or finish still running excuses it in any phase; its end does not", () => {
    for (const op of ['invalidate_range_start', 'invalidate', 'invalidate_finish'] as const) {
      const s = withThread(stale({ phase: 'returned', results: { A: 'ok', B: 'ok' } }), 'munmap', {
        call: { ...startOf('A'), op } as ThreadState['call'],
      });
      // B is stale too: only A is excused.
      expect(judge({ ...s, drivers: { ...s.drivers, B: { ...s.drivers.B, sptes: {} } } }), op).toBeNull();
    }
    const ending = stale({ phase: 'returned', results: { A: 'ok', B: 'ok' } }, { ...startOf('A'), op: 'invalidate_range_end' } as ThreadState['call']);
    expect(judge({ ...ending, drivers: { ...ending.drivers, B: { ...ending.drivers.B, sptes: {} } } })).toMatch(/A still maps page 1/);
  });
  it('a two-pass start with its finish pending is not done (v7.1)', () => {
    const s = stale({ phase: 'returned', results: { A: 'ok', B: 'ok' }, finishes: ['A', 'B'] });
    expect(judge(s)).toBeNull();
  });
  it('an invalidation of other pages excuses nothing', () => {
    expect(judge(stale({ phase: 'hlist_start', results: {}, range: { start: 2, end: 4 } }))).toMatch(/A still maps page 1/);
    expect(judge(stale({ phase: 'hlist_start', results: {}, range: { start: 0, end: 1 } }))).toMatch(/A still maps page 1/);
  });
});

describe('IntervalSeqProtocol (INV-16): only a failed interval invalidate ran its inv_end early', () => {
  const { world: w, state: s0 } = world({
    ...scenario({ notifiers: [notifier('A', 'kvm', 256), notifier('I', 'odp-5.5', 512, { start: 0, end: 4 })], threads: ['munmap'] }),
  });
  const open = (failedAt: string | null): ModelState =>
    withThread({ ...s0, core: { ...s0.core, invalidateSeq: 4, activeInvalidateRanges: 1 } }, 'munmap', { inv: inv({ phase: 'returned', curSeq: 3, failedAt, blockable: false }) });
  it('a failed hlist start leaves the tree frozen: a seq moved on is a violation; a failed interval invalidate is excused', () => {
    expect(w.ops.A.form).toBe('hlist');
    expect(w.ops.I.form).toBe('interval');
    expect(IntervalSeqProtocol.onStep?.(ctx(w, open('A'), 'munmap'))).toMatch(/froze the tree at 3, has not ended/);
    expect(IntervalSeqProtocol.onStep?.(ctx(w, open('I'), 'munmap'))).toBeNull();
    expect(IntervalSeqProtocol.onStep?.(ctx(w, open(null), 'munmap'))).toMatch(/froze the tree at 3/);
  });
});

describe('QuiescentBalanced (INV-3) at the end of a drain', () => {
  const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['munmap', 'madvise'] }));
  const end = (state: ModelState) => QuiescentBalanced.atEnd?.({ world: w, state, stuck: true, exhausted: false }) ?? null;
  it('with an invalidation open it says nothing (NoDeadlock speaks), whatever the counters', () => {
    // munmap stuck inside kvm's start, mmu_invalidate_in_progress raised.
    const s = withThread({ ...s0, drivers: { A: { ...s0.drivers.A, counters: { mmu_invalidate_in_progress: 1, mmu_invalidate_seq: 0 } } } }, 'munmap', { inv: inv() });
    expect(end(s)).toBeNull();
    expect(end(withThread(s, 'munmap', { inv: null }))).toMatch(/A.mmu_invalidate_in_progress = 1 at quiescence/);
  });
  it('an odd invalidate_seq or a non_block_count left over is unbalanced', () => {
    expect(end(s0)).toBeNull();
    expect(end({ ...s0, core: { ...s0.core, invalidateSeq: 3 } })).toMatch(/invalidate_seq = 3 \(odd\)/);
    expect(end(withThread(s0, 'munmap', { nonBlockCount: 1 }))).toMatch(/munmap.non_block_count = 1/);
  });
  it('a lock held by a finished thread, for write or for read, is unbalanced; by a running one it is not', () => {
    const lock = (writer: string | null, readers: string[]) => ({ ...s0, locks: { ...s0.locks, mmap_lock: { writer, readers, waiters: [] } } });
    expect(end(withThread(lock('munmap', []), 'munmap', { done: true }))).toMatch(/mmap_lock is still held by munmap, which has finished/);
    expect(end(withThread(lock(null, ['munmap']), 'munmap', { done: true }))).toMatch(/mmap_lock is still held for read by munmap/);
    expect(end(lock('munmap', []))).toBeNull();
  });
});

describe('NonBlockingNeverSleeps (INV-5): a spinlock wait is not a sleep', () => {
  it("the reaper's non-blocking kvm start spinning on mmu_lock, which a fault holds, does not sleep; on mmap_lock it would", () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['oom_reaper'] }));
    const inStart = stepUntil(w, s0, 'oom_reaper', (_s, t) => t.call?.op === 'invalidate_range_start');
    const t = inStart.threads.find((x) => x.id === 'oom_reaper') as ThreadState;
    expect(t.inv?.blockable).toBe(false);
    const held = { ...inStart, locks: { ...inStart.locks, 'A.mmu_lock': { writer: 'fault:A', readers: [], waiters: [] } } };
    const r = step(w, held, 'oom_reaper');
    // kvm's start takes mmu_lock first: the reaper cannot step, and it waits on a spinlock.
    expect(r.tag).not.toBe('stepped');
    expect(w.lockKinds['A.mmu_lock']).toBe('spinlock');
    expect(NonBlockingNeverSleeps.onStep?.(ctx(w, held, 'oom_reaper'))).toBeNull();
    // ReaperBounded (INV-9) on another thread's step with mmap_lock write-held: the reaper waits, but on mmu_lock, not mmap_lock.
    const writer = { ...held, locks: { ...held.locks, mmap_lock: { writer: 'munmap', readers: [], waiters: [] } } };
    expect(ReaperBounded.onStep?.(ctx(w, writer, 'fault:A'))).toBeNull();
    const asMutex = { ...w, lockKinds: { ...w.lockKinds, 'A.mmu_lock': 'mutex' } } as World;
    expect(NonBlockingNeverSleeps.onStep?.(ctx(asMutex, held, 'oom_reaper'))).toMatch(/oom_reaper would sleep in a non-blockable invalidation waiting for A.mmu_lock/);
  });
});

/** Step the reaper alone until it finishes (at most `max` steps): the state, and its last step's facts. */
const reapToEnd = (w: World, s0: ModelState, max = 200): { s: ModelState; facts: readonly Fact[] } => {
  let s = s0;
  let facts: readonly Fact[] = [];
  for (let k = 0; k < max && !(s.threads.find((t) => t.id === 'oom_reaper') as ThreadState).done; k++) {
    const r = stepOnce(w, s, 'oom_reaper');
    s = r.state;
    facts = r.facts;
  }
  return { s, facts };
};

describe('ReaperUsefulProgress (INV-9b) judges the reaper that declared success, not one that gave up', () => {
  it('kvm + gntdev: every non-blocking start fails, the reaper gives up with every page mapped, and that is no violation', () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm, notifier('B', 'gntdev', 512)], threads: ['oom_reaper'] }));
    const { s, facts } = reapToEnd(w, s0, 500);
    const t = s.threads[0];
    expect(t.done).toBe(true);
    expect(t.outcome).toBe('unable_to_reap');
    expect(s.mm.pte).toEqual(w.initialPte);
    expect(ReaperUsefulProgress.onStep?.(ctx(w, s, 'oom_reaper', facts))).toBeNull();
    // The same state, declared reaped: the v4.14 bug.
    expect(ReaperUsefulProgress.onStep?.(ctx(w, withThread(s, 'oom_reaper', { outcome: 'reaped' }), 'oom_reaper'))).toMatch(/declared the victim reaped/);
  });
});

describe("ReaperUsefulProgress (INV-9b) asks for the frames the run began with, not for a page faulted back in", () => {
  it('v4.14 (skip-if-notifiers): madvise zapped every page, fault:A faulted page 0 back in, the reaper skipped the mm and declared success: no violation; with page 0 still on its first frame, one', () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], reaper: 'skip-if-notifiers', threads: ['oom_reaper', 'madvise', 'fault:A'] }));
    const zapped = stepUntil(w, s0, 'madvise', (_, t) => t.done);
    const refaulted = stepUntil(w, zapped, 'fault:A', (_, t) => t.done);
    expect(zapped.mm.pte.every((f) => f === null)).toBe(true);
    expect(refaulted.mm.pte[0]).not.toBeNull();
    expect(refaulted.mm.pte[0]).not.toBe(w.initialPte[0]); // a fresh frame (get_user_pages before MMF_UNSTABLE)
    const { s, facts } = reapToEnd(w, refaulted);
    expect((s.threads.find((t) => t.id === 'oom_reaper') as ThreadState).outcome).toBe('reaped');
    expect(s.mm.vmas[0].unmapped).toBe(false);
    expect(ReaperUsefulProgress.onStep?.(ctx(w, s, 'oom_reaper', facts))).toBeNull();
    const original = { ...s, mm: { ...s.mm, pte: s.mm.pte.map((f, p) => (p === 0 ? w.initialPte[0] : f)) } };
    expect(ReaperUsefulProgress.onStep?.(ctx(w, original, 'oom_reaper', facts))).toMatch(/page 0 still maps frame 0/);
  });
});

describe('ReaperUsefulProgress (INV-9b) skips a VMA munmap has detached', () => {
  it("munmap detached the VMA and downgraded mmap_lock; the reaper finds nothing to reap and declares success: its pages are munmap's to clear", () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['munmap', 'oom_reaper'] }));
    const detached = stepUntil(w, s0, 'munmap', (s) => s.mm.vmas[0].unmapped && s.locks.mmap_lock.writer === null);
    const { s, facts } = reapToEnd(w, detached);
    expect((s.threads.find((t) => t.id === 'oom_reaper') as ThreadState).outcome).toBe('reaped');
    expect(s.mm.pte[0]).toBe(0);
    expect(ReaperUsefulProgress.onStep?.(ctx(w, s, 'oom_reaper', facts))).toBeNull();
  });
});

describe('UnregisterQuiesces (INV-15): a fault or ioctl of an unregistered notifier is its own thread, not a callback', () => {
  it('fault:A stepping after unregister:A returned is no violation; an invalidate_range_start of A would be', () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['unregister:A', 'fault:A'] }));
    const gone = stepUntil(w, s0, 'unregister:A', (_s, t) => t.done);
    // The fault's own call (a driver's ioctl thread is the same kind of caller: kvm has none, so fault:A plays it).
    for (const op of ['fault', 'ioctl'] as const) {
      const s = withThread(gone, 'fault:A', { call: { sub: 'A', op, pc: 0, blockable: true, nonBlock: false, locals: {} } as ThreadState['call'] });
      expect(UnregisterQuiesces.onStep?.(ctx(w, s, 'fault:A')), op).toBeNull();
    }
    const cb = withThread(gone, 'fault:A', { call: { sub: 'A', op: 'invalidate_range_start', pc: 0, blockable: true, nonBlock: false, locals: {} } as ThreadState['call'] });
    expect(UnregisterQuiesces.onStep?.(ctx(w, cb, 'fault:A'))).toMatch(/A.invalidate_range_start runs in fault:A after unregister:A returned/);
  });
});

describe("UnregisterQuiesces (INV-15): nouveau's per-fault interval notifier lives from its insert until its remove returns (§6.6)", () => {
  // nouveau-5.5's fault: 0 intervalInsert, 1 ':retry' readBegin … 7 intervalRemove, 8 ret, 9 ':busy' unlock, 10 jump retry.
  const { world: w, state: s0 } = world(scenario({ notifiers: [notifier('B', 'nouveau-5.5', 512), notifier('I', 'odp-5.5', 256, { start: 0, end: 4 })], threads: ['fault:B', 'munmap', 'unregister:I'] }));
  const call = (sub: string, op: string, pc: number) => ({ sub, op, pc, blockable: true, nonBlock: false, locals: {} }) as unknown as ThreadState['call'];
  /** munmap calls B's interval invalidate while fault:B is at `pc` (or as patched). */
  const at = (fault: Partial<ThreadState>): ModelState => withThread(withThread(s0, 'fault:B', fault), 'munmap', { inv: inv(), call: call('B', 'invalidate', 0) });
  const judge = (s: ModelState, facts: Fact[] = []) => UnregisterQuiesces.onStep?.(ctx(w, s, 'munmap', facts)) ?? null;

  it('the program as this test reads it', () => {
    expect(w.ops.B.form).toBe('both');
    expect(w.ops.B.fault?.code.map((i) => i.op)).toEqual(['intervalInsert', 'readBegin', 'gup', 'lock', 'readRetry', 'install', 'unlock', 'intervalRemove', 'ret', 'unlock', 'retry']);
    expect(w.ops.B.fault?.labels).toEqual({ retry: 1, busy: 9 });
  });
  it("alive from after the insert through the remove, and on the ':busy' loop placed after it; dead before the insert and between the remove's return and ret", () => {
    for (const pc of [1, 4, 7, 9, 10]) expect(judge(at({ call: call('B', 'fault', pc) })), `pc ${pc}`).toBeNull();
    for (const pc of [0, 8]) expect(judge(at({ call: call('B', 'fault', pc) })), `pc ${pc}`).toMatch(/B's per-fault interval notifier is called in munmap after fault:B's mmu_interval_notifier_remove returned/);
  });
  it('a finished fault, a fault in another call or none counts as alive', () => {
    expect(judge(at({ call: call('B', 'fault', 8), done: true }))).toBeNull();
    expect(judge(at({ call: call('B', 'invalidate', 8) }))).toBeNull();
    expect(judge(at({ call: null }))).toBeNull();
  });
  it('a combined driver whose fault lacks the insert or the remove has no per-fault lifetime to judge: always alive', () => {
    const without = (op: string): World => {
      const fault = w.ops.B.fault as NonNullable<World['ops'][string]['fault']>;
      return { ...w, ops: { ...w.ops, B: { ...w.ops.B, fault: { ...fault, code: fault.code.map((i) => (i.op === op ? { ...i, op: 'gup' } : i)) } } } } as World;
    };
    expect(UnregisterQuiesces.onStep?.(ctx(without('intervalInsert'), at({ call: call('B', 'fault', 8) }), 'munmap'))).toBeNull();
    expect(UnregisterQuiesces.onStep?.(ctx(without('intervalRemove'), at({ call: call('B', 'fault', 0) }), 'munmap'))).toBeNull();
  });
  it("mn_itree_inv_end applying the deferred remove of a dead per-fault notifier touches freed memory; of a live one it does not", () => {
    const applied: Fact = { fact: 'deferred_applied', sub: 'B', op: 'remove', thread: 'munmap' };
    const fault = (pc: number) => withThread(s0, 'fault:B', { call: call('B', 'fault', pc) });
    expect(judge(fault(8), [applied])).toMatch(/applies the deferred remove of B's per-fault interval notifier/);
    expect(judge(fault(5), [applied])).toBeNull();
  });
  it("a plain interval notifier's invalidate after its mmu_interval_notifier_remove returned is a violation", () => {
    const removed = stepUntil(w, s0, 'unregister:I', (_s, t) => t.done);
    const s = withThread(removed, 'munmap', { inv: inv(), call: call('I', 'invalidate', 0) });
    expect(judge(s)).toMatch(/I.invalidate runs in munmap after unregister:I returned/);
  });
});

describe("NoDeadlock (INV-10) at a stuck drain: what waits on a spinning fault is FaultLiveness's, nothing else is", () => {
  it('kvm + gntdev: the reaper gave up and fault:A retries forever; munmap, waiting for a lock a finished thread holds, is a deadlock of its own', () => {
    const { world: w, state: s0 } = world(scenario({ notifiers: [kvm, notifier('B', 'gntdev', 512)], threads: ['oom_reaper', 'fault:A', 'munmap'] }));
    // The reaper alone first (the others parked as finished: its sleeps between attempts end only when nobody else can step).
    const parked = withThread(withThread(s0, 'fault:A', { done: true }), 'munmap', { done: true });
    const reaped = stepUntil(w, parked, 'oom_reaper', (_s, t) => t.done, 500);
    const gaveUp = { ...reaped, threads: reaped.threads.map((t) => (t.id === 'oom_reaper' ? t : (s0.threads.find((x) => x.id === t.id) as ThreadState))) };
    const spinning = stepUntil(w, gaveUp, 'fault:A', (s, t) => idleSpinner(w, s, t), 100);
    const end = (state: ModelState) => NoDeadlock.atEnd?.({ world: w, state, stuck: true, exhausted: false }) ?? null;
    // munmap done: only the spinner is left, FaultLiveness's.
    expect(end(withThread(spinning, 'munmap', { done: true }))).toBeNull();
    const held = { ...spinning, locks: { ...spinning.locks, mmap_lock: { writer: 'oom_reaper', readers: [], waiters: ['munmap'] } } };
    expect(end(held)).toBe('stuck: munmap waits for mmap_lock (held by oom_reaper) → oom_reaper (finished)');
    // An AA deadlock beside the spinner (munmap queued on the mmap_lock it holds): the chain stops at the repeat.
    const self = { ...spinning, locks: { ...spinning.locks, mmap_lock: { writer: 'munmap', readers: [], waiters: ['munmap'] } } };
    expect(end(self)).toBe('stuck: munmap waits for mmap_lock (held by munmap) → munmap (cycle)');
  });
});

describe('inScope (types.ts): which fair cycles an invariant speaks of', () => {
  const { world: w, state: s0 } = world(scenario({ notifiers: [kvm], threads: ['munmap', 'fault:A'] }));
  const busy = withThread(s0, 'munmap', { inv: inv() });
  const c = (states: ModelState[], steps: { thread: string; action: string }[]): CycleContext => ({ world: w, states, steps });
  const isFault = (t: ThreadState) => t.kind === 'fault';

  it('with no condition, every cycle', () => {
    expect(inScope({}, c([s0], [{ thread: 'fault:A', action: 'x' }]))).toBe(true);
  });
  it('within: every state of the cycle', () => {
    const within: CycleScope = { within: (s) => s.threads.every((t) => t.inv === null) };
    expect(inScope(within, c([s0, s0], []))).toBe(true);
    expect(inScope(within, c([s0, busy], []))).toBe(false);
    expect(inScope({ ...within, stepper: isFault }, c([s0, busy], [{ thread: 'fault:A', action: 'x' }]))).toBe(false);
  });
  it('stepper: some step by a thread it accepts', () => {
    expect(inScope({ stepper: isFault }, c([s0], [{ thread: 'munmap', action: 'x' }, { thread: 'fault:A', action: 'y' }]))).toBe(true);
    expect(inScope({ stepper: isFault }, c([s0], [{ thread: 'munmap', action: 'x' }]))).toBe(false);
    expect(inScope({ stepper: isFault }, c([s0], []))).toBe(false);
  });
  it('has: some state it accepts', () => {
    const has = (s: ModelState) => s.threads.some((t) => t.inv !== null);
    expect(inScope({ has }, c([s0, busy], []))).toBe(true);
    expect(inScope({ has }, c([s0, s0], []))).toBe(false);
    expect(inScope({ stepper: isFault, has }, c([s0, s0], [{ thread: 'munmap', action: 'x' }]))).toBe(false);
  });
  it('idle: an unfinished thread that takes no step, accepted at some state', () => {
    const idle = (_w: World, s: ModelState, t: ThreadState) => t.id === 'munmap' && s.threads.some((x) => x.inv !== null);
    // munmap takes no step and is accepted at the second state.
    expect(inScope({ idle }, c([s0, busy], [{ thread: 'fault:A', action: 'x' }]))).toBe(true);
    // It steps: not idle.
    expect(inScope({ idle }, c([s0, busy], [{ thread: 'munmap', action: 'x' }]))).toBe(false);
    expect(inScope({ idle }, c([s0, busy], [{ thread: 'fault:A', action: 'x' }, { thread: 'munmap', action: 'y' }]))).toBe(false);
    // Accepted at no state.
    expect(inScope({ idle }, c([s0, s0], [{ thread: 'fault:A', action: 'x' }]))).toBe(false);
    // Finished: not idle.
    const done = withThread(busy, 'munmap', { done: true });
    expect(inScope({ idle }, c([withThread(s0, 'munmap', { done: true }), done], [{ thread: 'fault:A', action: 'x' }]))).toBe(false);
    expect(inScope({ stepper: isFault, idle }, c([s0, s0], [{ thread: 'munmap', action: 'x' }]))).toBe(false);
  });
  it("FaultLiveness's onCycle: a fault that repeats with no invalidation open, named alone with its marker's counters; a cycle with an invalidation open or no fault stepping is not its", () => {
    const sc = world(scenario({ notifiers: [kvm, notifier('B', 'kvm', 512)], threads: ['munmap', 'fault:A', 'fault:B'] }));
    const q = sc.state;
    const cyc = (states: ModelState[], steps: { thread: string; action: string }[]): CycleContext => ({ world: sc.world, states, steps });
    const steps = [{ thread: 'fault:A', action: 'read_begin' }, { thread: 'munmap', action: 'x' }, { thread: 'fault:A', action: 'retry' }];
    expect(FaultLiveness.onCycle?.(cyc([q, q], steps))).toBe(
      "fault:A repeats read_begin, retry forever with no invalidation started or in progress: A's collision marker is stuck (A.mmu_invalidate_in_progress = 0, A.mmu_invalidate_seq = 0)",
    );
    expect(FaultLiveness.onCycle?.(cyc([q, withThread(q, 'munmap', { inv: inv() })], steps))).toBeNull();
    expect(FaultLiveness.onCycle?.(cyc([q, q], [{ thread: 'munmap', action: 'x' }]))).toBeNull();
  });
  it("NoDeadlock's onCycle: a thread other than a fault repeating with nothing open and nobody idle is a livelock", () => {
    const rest = withThread(s0, 'fault:A', { done: true });
    expect(NoDeadlock.onCycle?.(c([rest, rest], [{ thread: 'munmap', action: 'spin' }]))).toBe('livelock: munmap repeats spin forever');
  });
  it("NoDeadlock's onCycle is null outside its scope: only faults step, nothing is open, no other thread idles", () => {
    const alone = withThread(s0, 'munmap', { done: true });
    expect(NoDeadlock.onCycle?.(c([alone, alone], [{ thread: 'fault:A', action: 'retry' }]))).toBeNull();
    expect(NoDeadlock.onCycle?.(c([alone, withThread(alone, 'munmap', { inv: inv() })], [{ thread: 'fault:A', action: 'retry' }]))).toMatch(/livelock: fault:A repeats retry forever/);
    expect(NoDeadlock.onCycle?.(c([s0, s0], [{ thread: 'fault:A', action: 'retry' }]))).toMatch(/livelock: munmap; fault:A repeats retry forever/);
    expect(NoDeadlock.onCycle?.(c([s0, s0], [{ thread: 'munmap', action: 'spin' }]))).toMatch(/livelock: munmap repeats spin forever/);
  });
});
