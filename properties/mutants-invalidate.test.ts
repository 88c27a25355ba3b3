/**
 * The mmu_notifier core's invalidation (model/core/invalidate.ts; docs/kernel.md §2.2, §2.3, §1.5),
 * step by step on exact schedules: the interval-tree walk and its order, the WARNs the core raises,
 * the strategy's undo walk, the SRCU section, the deferred list at the last inv_end and what each
 * step prints. Written against the mutants StrykerJS left alive in that file (issue #12 item 4):
 * each test asserts kernel behaviour a wrong core would change.
 */
import { describe, expect, it } from 'vitest';
import {
  BUILTIN, EAGAIN, I, MAINLINE_2018, program, run, step,
  type Catalogue, type Diagnostic, type DriverDef, type Fact, type ModelState, type RollbackStrategy, type Scenario,
} from '../model/index.ts';
import { factsOf, notifier, runWithFacts, sameRecordedOrNot, scenario, stepOnce, stepUntil, threadOf, times, world } from './support.ts';

const TWO_VMAS = [{ start: 0, end: 4 }, { start: 4, end: 8 }];

interface Seen {
  readonly thread: string;
  readonly action: string;
  readonly events: readonly string[];
  readonly facts: readonly Fact[];
  readonly diagnostics: readonly Diagnostic[];
}

/** run() with a catalogue, keeping every step's events, facts and diagnostics (as objects: kind and text). */
const runSeen = (sc: Scenario, schedule: readonly string[], catalogue?: Catalogue) => {
  const seen: Seen[] = [];
  const r = run(sc, schedule, { onStep: (st) => seen.push({ thread: st.thread, action: st.label, events: st.events, facts: st.facts, diagnostics: st.diagnostics }) }, catalogue);
  return { r, seen, facts: seen.flatMap((s) => s.facts), diagnostics: seen.flatMap((s) => s.diagnostics), events: seen.flatMap((s) => s.events) };
};

/** A classic notifier whose start always returns `value`, blockable or not: a driver breaking the §2.3 contract. */
const failingStart = (driver: string, value: number): DriverDef => ({
  driver, era: 'test', domainRef: 'docs/kernel.md §2.3', summary: `start: always ${value}`,
  locks: {}, counters: {}, interval: null, ioctl: null,
  hlist: { invalidate_range_start: program([I.ret(value)]), invalidate_range_end: null, fault: null },
});
/** An interval notifier whose invalidate returns false even when blockable (fidelity.test.ts §8's liar). */
const liar: DriverDef = {
  driver: 'interval-liar', era: 'test', domainRef: 'docs/kernel.md §2.3', summary: 'interval invalidate: always false',
  locks: {}, counters: {}, hlist: null, ioctl: null,
  interval: { invalidate: program([I.ret(EAGAIN)]), fault: null },
};
const catalogue: Catalogue = {
  ...BUILTIN,
  drivers: { ...BUILTIN.drivers, 'start-eagain': failingStart('start-eagain', EAGAIN), 'start-ebusy': failingStart('start-ebusy', -16), [liar.driver]: liar },
};

/** A generic notifier whose non-blocking start always fails with -EAGAIN, and that keeps no counter (docs/design.md §3.4). */
const eagain = (name: string, address: number, hasEnd: boolean) => ({ ...notifier(name, 'generic', address), nonblockStart: 'always-eagain' as const, hasEnd, countsInStart: false });

const startsOf = (facts: readonly Fact[], inv: number): string[] => factsOf(facts, 'start_returned').filter((f) => f.inv === inv).map((f) => f.sub);

describe('mn_itree_invalidate (docs/kernel.md §2.2 start, step 1)', () => {
  it('visits the intersecting interval notifiers in interval-tree order (by start address), not in registration order', () => {
    // Registered P, Q, R: the list is R, Q, P (newest first); the tree orders them by interval start.
    const sc = scenario({
      strategy: 'core-counter', vmas: [{ start: 0, end: 8 }], threads: ['munmap'],
      notifiers: [notifier('P', 'odp-5.5', 256, { start: 0, end: 2 }), notifier('Q', 'odp-5.5', 512, { start: 2, end: 4 }), notifier('R', 'odp-5.5', 768, { start: 4, end: 8 })],
    });
    const r = runWithFacts(sc, []);
    expect(r.final.subs.map((x) => x.name)).toEqual(['R', 'Q', 'P']);
    expect(startsOf(r.facts, 1)).toEqual(['P', 'Q', 'R']);
  });

  it('in blockable mode a false return is a WARN_ON and the walk goes on as if it returned true', () => {
    // K (odp-5.5) and L (the liar) are interval notifiers, A (kvm) is on the hlist; all mirror [0,4).
    const sc = scenario({ strategy: 'call-all-end-2021', threads: ['munmap'], notifiers: [notifier('L', 'interval-liar', 768), notifier('K', 'odp-5.5', 512), notifier('A', 'kvm', 256)] });
    const { facts, diagnostics } = runSeen(sc, [], catalogue);
    expect(diagnostics).toEqual([{ kind: 'WARN_ON', text: 'WARN_ON(mmu_notifier_range_blockable(range)): L.invalidate returned false' }]);
    expect(startsOf(facts, 1)).toEqual(['K', 'L', 'A']);
    // The instance closes with every start counted as a success: nothing is rolled back.
    const closed = factsOf(facts, 'inv_closed');
    expect(closed.map((f) => f.inv.results)).toEqual([{ K: 'ok', L: 'ok', A: 'ok' }]);
    expect(factsOf(facts, 'range_start_returned').map((f) => f.ret)).toEqual([0]);
  });

  it('without an interval tree (no interval notifier ever inserted) the invalidation has no tree walk and leaves invalidate_seq alone', () => {
    const r = runWithFacts(scenario({ threads: ['munmap'], notifiers: [notifier('A', 'kvm', 256)] }), []);
    const [closed] = factsOf(r.facts, 'inv_closed');
    expect(closed.inv).toMatchObject({ walk: [], cursor: 0, curSeq: 2, results: { A: 'ok' }, ends: { A: 1 } });
    expect(r.trace.flatMap((s) => s.events).filter((e) => e.startsWith('active_invalidate_ranges'))).toEqual([]);
  });
});

describe('__mmu_notifier_invalidate_range_start under mmap_lock (docs/kernel.md §2.2)', () => {
  it("lock_map_acquire of the notifier map under mmap_lock (23b68395c7c7): lockdep learns mmap_lock → notifier_map at the start", () => {
    const r = runWithFacts(scenario({ threads: ['munmap'], notifiers: [notifier('A', 'kvm', 256)] }), []);
    const start = r.trace.findIndex((x) => x.action === 'invalidate_range_start [0,4)') + 1;
    expect(r.facts.filter((f) => f.fact === 'lockdep_edge' && f.step === start)).toEqual([
      { fact: 'lockdep_edge', thread: 'munmap', from: 'mmap_lock', to: 'notifier_map', why: 'taken while holding mmap_lock', step: start },
    ]);
    expect(r.final.lockdep).toContain('mmap_lock→notifier_map');
  });
});

describe('the hlist start walk: WARN_ON(blockable || ret != -EAGAIN) and the v5.12 WARN_ON(ops->invalidate_range_end) (docs/kernel.md §2.3)', () => {
  it('a non-blocking start that fails with -EAGAIN is allowed: no WARN under skip-all-end; the contract check (INV-7) flags only the one that has an end', () => {
    for (const hasEnd of [false, true]) {
      const { r, facts, diagnostics } = runSeen(scenario({ notifiers: [eagain('B', 512, hasEnd)] }), times('oom_reaper', 40));
      expect(factsOf(facts, 'start_returned').map((f) => [f.value, f.form, f.hasEnd])).toEqual(times([EAGAIN, 'hlist', hasEnd], 10)); // ten attempts, each failing
      expect(factsOf(facts, 'range_start_returned').map((f) => f.inv)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // each attempt a new invalidation
      expect(diagnostics).toEqual([]);
      expect(r.verdicts.FailableStartHasNoEnd).toEqual(hasEnd
        ? { status: 'violated', step: 4, witness: 'B.invalidate_range_start returned -EAGAIN but B has an invalidate_range_end' }
        : { status: 'holds' });
    }
  });

  it('a blockable start that fails is a WARN (munmap cannot fail), and the walk goes on', () => {
    const sc = scenario({ threads: ['munmap'], notifiers: [notifier('A', 'kvm', 256), notifier('F', 'start-eagain', 512)] });
    const { facts, diagnostics } = runSeen(sc, [], catalogue);
    expect(diagnostics).toEqual([{ kind: 'WARN_ON', text: 'WARN_ON(blockable || ret != -EAGAIN): F returned -11' }]);
    expect(startsOf(facts, 1)).toEqual(['F', 'A']);
  });

  it('a non-blocking start that fails with anything but -EAGAIN is a WARN too', () => {
    const { diagnostics } = runSeen(scenario({ notifiers: [notifier('F', 'start-ebusy', 512)] }), ['oom_reaper', 'oom_reaper', 'oom_reaper'], catalogue);
    expect(diagnostics.slice(0, 1)).toEqual([{ kind: 'WARN_ON', text: 'WARN_ON(blockable || ret != -EAGAIN): F returned -16' }]);
  });

  it('v5.12 (call-all-end-2021): a failing notifier that has an end gets WARN_ON(ops->invalidate_range_end); one without does not', () => {
    const withEnd = runSeen(scenario({ strategy: 'call-all-end-2021', notifiers: [eagain('B', 512, true)] }), times('oom_reaper', 40));
    expect(withEnd.diagnostics).toEqual(times({ kind: 'WARN_ON', text: 'WARN_ON(ops->invalidate_range_end): B failed start but has an end' }, 10)); // one per attempt
    const noEnd = runSeen(scenario({ strategy: 'call-all-end-2021', notifiers: [eagain('B', 512, false)] }), times('oom_reaper', 40));
    expect(noEnd.diagnostics).toEqual([]);
  });
});

describe('hlist_for_each_entry_rcu (docs/kernel.md §2.2 start, step 2; §1.4)', () => {
  it("the start and end walks' cursor only ever rests on an hlist entry, never on an interval notifier listed after it", () => {
    // Registered X (interval), then A (classic): the list is A, X; both mirror [0,4).
    const sc = scenario({ strategy: 'call-all-end-2021', threads: ['munmap'], notifiers: [notifier('X', 'odp-5.5', 768), notifier('A', 'kvm', 256)] });
    const cursors: string[] = [];
    const r = run(sc, [], {
      onStep: (st) => {
        const inv = st.state.threads.find((t) => t.id === 'munmap')?.inv;
        if (inv && inv.last) cursors.push(`${inv.phase}:${inv.last}:${st.state.subs.find((x) => x.name === inv.last)?.form}`);
      },
    });
    expect(r.final.subs.map((x) => x.name)).toEqual(['A', 'X']);
    expect(cursors.length).toBeGreaterThan(0);
    expect([...new Set(cursors)]).toEqual(['hlist_start:A:hlist', 'returned:A:hlist', 'hlist_end:A:hlist']);
  });

  it('the instance closes naming the notifiers then on the hlist, and those of them with an end (what INV-1 judges)', () => {
    // The list is A (kvm), G (no end), X (interval: not on the hlist).
    const g = { ...notifier('G', 'generic', 512), hasEnd: false, nonblockStart: 'never-fails' as const };
    const r = runWithFacts(scenario({ strategy: 'call-all-end-2021', threads: ['munmap'], notifiers: [notifier('X', 'odp-5.5', 768), g, notifier('A', 'kvm', 256)] }), []);
    const [closed] = factsOf(r.facts, 'inv_closed');
    expect(closed).toMatchObject({ thread: 'munmap', registered: ['A', 'G'], hasEnd: ['A'] });
    expect(closed.inv).toMatchObject({ id: 1, phase: 'hlist_end', results: { X: 'ok', A: 'ok', G: 'ok' }, ends: { A: 1 } });
  });
});

describe('the undo walk inside the failing start (docs/kernel.md §5.1c, §5.2)', () => {
  it('is not wrapped in non_block_start/end, unlike the start walk (the v5.12 error path [A])', () => {
    // A (kvm) starts fine, B fails; call-all-end-2021 then ends both from inside the start.
    const { world: w, state } = world(scenario({ strategy: 'call-all-end-2021', notifiers: [notifier('A', 'kvm', 256), eagain('B', 512, true)] }));
    const inStart = stepUntil(w, state, 'oom_reaper', (_s, t) => t.call?.op === 'invalidate_range_start');
    expect(threadOf(inStart, 'oom_reaper', 'oom_reaper')).toMatchObject({ nonBlockCount: 1, call: { nonBlock: true, blockable: false } });
    const inUndo = stepUntil(w, inStart, 'oom_reaper', (_s, t) => t.call?.op === 'invalidate_range_end');
    const t = threadOf(inUndo, 'oom_reaper', 'oom_reaper');
    expect(t.inv?.phase).toBe('undo');
    expect(t).toMatchObject({ nonBlockCount: 0, call: { nonBlock: false, blockable: false } });
  });

  it("a strategy's 'stop' ends the undo walk: the notifiers after it are not visited", () => {
    // Registered A, B, C: walked C, B, A. B fails; the strategy stops at C and would end A.
    const stopAtHead: RollbackStrategy = {
      ...MAINLINE_2018, name: 'stop-at-head', title: 'undo: stop at the head (test-only)', domainRef: 'docs/kernel.md §5',
      undo: ({ sub }) => (sub.name === 'C' ? 'stop' : 'end'),
    };
    const cat: Catalogue = { ...BUILTIN, strategies: { ...BUILTIN.strategies, [stopAtHead.name]: stopAtHead } };
    const sc = scenario({ strategy: stopAtHead.name, notifiers: [notifier('A', 'kvm', 256), eagain('B', 512, true), notifier('C', 'kvm', 768)] });
    const { facts } = runSeen(sc, times('oom_reaper', 20), cat);
    expect(startsOf(facts, 1)).toEqual(['C', 'B', 'A']);
    expect(factsOf(facts, 'end_called').filter((f) => f.inv === 1)).toEqual([]);
    expect(factsOf(facts, 'range_start_returned')[0]).toMatchObject({ inv: 1, ret: EAGAIN });
  });
});

describe("the caller's end after a failed non-blocking start (docs/kernel.md §5.1b)", () => {
  it('reaper-calls-end: the end reaches the notifier whose start failed, an end nobody promised it (NoEndWithoutStart)', () => {
    const r = runWithFacts(scenario({ strategy: 'reaper-calls-end', notifiers: [eagain('B', 512, true)] }), times('oom_reaper', 6));
    expect(factsOf(r.facts, 'end_called')[0]).toEqual({ fact: 'end_called', sub: 'B', inv: 1, startResult: 'fail', inUndo: false, promised: false, step: 5 });
    expect(r.verdicts.NoEndWithoutStart).toMatchObject({ status: 'violated', witness: 'B.invalidate_range_end called in invalidation #1 but its start returned -EAGAIN' });
    expect(r.trace.flatMap((s) => s.events)).toContain('invalidate_range_start_nonblock -> -EAGAIN');
  });

  it('with an interval notifier it runs mn_itree_inv_end a second time: active_invalidate_ranges goes to -1 (NoCounterUnderflow)', () => {
    // odp-5.5's interval invalidate returns false whenever non-blockable (out_would_block).
    const r = runWithFacts(scenario({ strategy: 'reaper-calls-end', notifiers: [notifier('X', 'odp-5.5', 512)] }), times('oom_reaper', 5));
    expect(r.trace.slice(1, 4).map((s) => [s.action, s.events])).toEqual([
      ['invalidate_range_start_nonblock [0,4)', ['active_invalidate_ranges -> 1, invalidate_seq 3']],
      ['X.invalidate: if (!blockable)', []],
      ['X.invalidate: return false', ['X.invalidate -> false', 'active_invalidate_ranges 1 -> 0, invalidate_seq -> 4', 'invalidate_range_start_nonblock -> -EAGAIN']],
    ]);
    expect(r.trace[4]).toMatchObject({ action: 'invalidate_range_end', events: ['active_invalidate_ranges 0 -> -1'] });
    expect(factsOf(r.facts, 'underflow')[0]).toEqual({ fact: 'underflow', what: 'active_invalidate_ranges', value: -1, step: 5 });
    expect(r.verdicts.NoCounterUnderflow).toEqual({ status: 'violated', step: 5, witness: 'active_invalidate_ranges went to -1' });
  });

  it("that second inv_end ends another thread's wave early: a deferred remove is applied under munmap's tree walk, which skips the removed notifier", () => {
    // munmap's walk is [M1, M2] (both mirror VMA 0); M2's remove is deferred (the tree is frozen);
    // the reaper's start on VMA 1 fails on X and its end brings active_invalidate_ranges to 0.
    const sc = scenario({
      strategy: 'reaper-calls-end', vmas: TWO_VMAS, threads: ['oom_reaper', 'munmap', 'unregister:M2'],
      notifiers: [notifier('X', 'odp-5.5', 768, { start: 4, end: 8 }), notifier('M2', 'odp-5.5', 512, { start: 0, end: 4 }), notifier('M1', 'odp-5.5', 256, { start: 0, end: 4 })],
    });
    const r = runWithFacts(sc, [...times('munmap', 4), 'unregister:M2', 'unregister:M2', ...times('oom_reaper', 5)]);
    const ev = r.trace.map((s) => s.events);
    expect(ev[5]).toEqual(['M2: tree frozen (invalidate_seq 3): deferred remove']);
    expect(ev[9]).toEqual(['X.invalidate -> false', 'active_invalidate_ranges 2 -> 1', 'invalidate_range_start_nonblock -> -EAGAIN']);
    expect(ev[10]).toEqual(['active_invalidate_ranges 1 -> 0, invalidate_seq -> 4; deferred remove M2']);
    expect(startsOf(r.facts, 1)).toEqual(['M1']); // M2 left the tree before munmap's walk reached it
    expect(r.verdicts.IntervalSeqProtocol.status).toBe('violated');
  });
});

describe('SRCU: the start walk is one read section that ends when start returns (docs/kernel.md §2.2)', () => {
  it('an unregister between munmap\'s start and its end does not wait for munmap in synchronize_srcu', () => {
    const sc = scenario({ threads: ['munmap', 'unregister:B'], notifiers: [notifier('A', 'kvm', 256), notifier('B', 'kvm', 512)] });
    const { world: w, state } = world(sc);
    const started = stepUntil(w, state, 'munmap', (_s, t) => t.kind === 'munmap' && t.pc === 'unmap');
    expect(threadOf(started, 'munmap', 'munmap').inv?.phase).toBe('returned');
    const unlinked = stepUntil(w, started, 'unregister:B', (_s, t) => t.kind === 'unregister' && t.pc === 'srcu_wait');
    expect(threadOf(unlinked, 'unregister:B', 'unregister').srcuReaders).toEqual([]);
    const r = step(w, unlinked, 'unregister:B');
    expect(r.tag).toBe('stepped');
    expect(threadOf((r as { state: ModelState }).state, 'unregister:B', 'unregister').done).toBe(true);
  });
});

describe('mn_itree_inv_end and the deferred list (docs/kernel.md §2.2 end, §1.5)', () => {
  const mmEvents = (r: { trace: readonly { action: string; events: readonly string[] }[] }) =>
    r.trace.filter((s) => s.action.startsWith('invalidate_range')).map((s) => s.events.filter((e) => e.startsWith('active_invalidate_ranges')));

  it('a wave that froze nothing only drops active_invalidate_ranges; one that froze the tree bumps invalidate_seq to even', () => {
    // N mirrors VMA 1 only: munmap of VMA 0 meets no interval notifier.
    const miss = runWithFacts(scenario({ strategy: 'core-counter', vmas: TWO_VMAS, threads: ['munmap'], notifiers: [notifier('N', 'odp-5.5', 512, { start: 4, end: 8 })] }), []);
    expect(mmEvents(miss)).toEqual([['active_invalidate_ranges -> 1, invalidate_seq 2'], ['active_invalidate_ranges 1 -> 0']]);
    expect(miss.final.core).toMatchObject({ activeInvalidateRanges: 0, invalidateSeq: 2 });
    const hit = runWithFacts(scenario({ strategy: 'core-counter', vmas: TWO_VMAS, threads: ['munmap'], notifiers: [notifier('N', 'odp-5.5', 512)] }), []);
    expect(mmEvents(hit)).toEqual([['active_invalidate_ranges -> 1, invalidate_seq 3'], ['active_invalidate_ranges 1 -> 0, invalidate_seq -> 4']]);
    expect(hit.final.core).toMatchObject({ activeInvalidateRanges: 0, invalidateSeq: 4 });
  });

  it('inserts deferred in one wave are applied together at its last inv_end, in order', () => {
    const sc = scenario({
      strategy: 'core-counter', threads: ['munmap', 'register:N1', 'register:N2'],
      notifiers: [notifier('A', 'odp-5.5', 256), notifier('N1', 'odp-5.5', 512), notifier('N2', 'odp-5.5', 768)],
    });
    // munmap: lock, downgrade, start (A intersects: the tree freezes); both inserts are deferred.
    const r = runWithFacts(sc, ['munmap', 'munmap', 'munmap', 'register:N1', 'register:N2']);
    expect(r.final.core.deferred).toEqual([]);
    expect(r.trace.flatMap((s) => s.events)).toContain('active_invalidate_ranges 1 -> 0, invalidate_seq -> 4; deferred insert N1, insert N2');
    expect(r.final.subs.filter((x) => x.registered).map((x) => x.name).sort()).toEqual(['A', 'N1', 'N2']);
  });

  it("a deferred remove takes out that notifier only; the others stay in the tree", () => {
    const sc = scenario({ strategy: 'core-counter', threads: ['munmap', 'unregister:N'], notifiers: [notifier('A', 'odp-5.5', 256), notifier('N', 'odp-5.5', 512)] });
    const r = runWithFacts(sc, ['munmap', 'munmap', 'munmap', 'unregister:N', 'unregister:N']);
    expect(r.trace.flatMap((s) => s.events)).toContain('N: tree frozen (invalidate_seq 3): deferred remove');
    expect(r.final.subs.map((x) => [x.name, x.registered])).toEqual([['N', false], ['A', true]]);
  });

  describe("nouveau's per-fault interval notifier (a 'both' subscription: on the hlist, and in the tree only around a fault, §6.6)", () => {
    // N (odp-5.5) mirrors everything, so munmap's start freezes the tree.
    const sc = (interval?: { start: number; end: number }): Scenario =>
      scenario({ vmas: TWO_VMAS, threads: ['munmap', 'fault:A'], notifiers: [notifier('N', 'odp-5.5', 512), notifier('A', 'nouveau-5.5', 256, interval)] });

    it('its insert during a wave is deferred and lands in the tree at the last inv_end; its hlist registration is untouched', () => {
      const { world: w, state } = world(sc());
      let s = state;
      for (const th of ['munmap', 'munmap', 'munmap', 'fault:A']) s = stepOnce(w, s, th).state;
      expect(s.core.deferred).toEqual([{ sub: 'A', op: 'insert' }]);
      const ended = stepUntil(w, s, 'munmap', (_s, t) => t.kind === 'munmap' && t.pc === 'tlb_finish');
      expect(ended.core.deferred).toEqual([]);
      expect(ended.subs.find((x) => x.name === 'A')).toMatchObject({ form: 'both', registered: true, inTree: true });
      expect(ended.subs.find((x) => x.name === 'N')).toMatchObject({ registered: true });
    });

    it('its remove during a wave is deferred and leaves the tree at the last inv_end; the fault then returns', () => {
      // A mirrors VMA 1 (its fault keeps its page); the fault runs to its remove before munmap starts.
      const r = runWithFacts(sc({ start: 4, end: 8 }), [...times('fault:A', 7), 'munmap', 'munmap', 'munmap', 'fault:A']);
      const ev = r.trace.map((s) => s.events);
      expect(ev[10]).toEqual(['A: tree frozen (invalidate_seq 3): deferred remove']);
      expect(ev).toContainEqual(['active_invalidate_ranges 1 -> 0, invalidate_seq -> 4; deferred remove A']);
      expect(r.final.subs.find((x) => x.name === 'A')).toMatchObject({ registered: true, inTree: false });
      expect(r.final.subs.find((x) => x.name === 'N')).toMatchObject({ registered: true });
      expect(threadOf(r.final, 'fault:A', 'fault')).toMatchObject({ done: true, outcome: 'finished' });
    });
  });
});

describe('what the core prints and builds (events only when recording; facts, diagnostics and state always)', () => {
  const replay = (sc: Scenario, schedule: readonly string[]) => {
    const { world: w, state } = world(sc);
    const pairs: { before: ModelState; thread: string }[] = [];
    run(sc, schedule, { onStep: (st, before) => pairs.push({ before, thread: st.thread }) });
    return { w, state, pairs };
  };
  const same = sameRecordedOrNot;

  it('start returning, a non-last inv_end and the last one: the same step with and without recording', () => {
    const sc = scenario({
      strategy: 'reaper-calls-end', vmas: TWO_VMAS, threads: ['oom_reaper', 'munmap', 'unregister:M2'],
      notifiers: [notifier('X', 'odp-5.5', 768, { start: 4, end: 8 }), notifier('M2', 'odp-5.5', 512, { start: 0, end: 4 }), notifier('M1', 'odp-5.5', 256, { start: 0, end: 4 })],
    });
    const { w, pairs } = replay(sc, [...times('munmap', 4), 'unregister:M2', 'unregister:M2', ...times('oom_reaper', 5)]);
    const printed = pairs.map(({ before, thread }) => same(w, before, thread).events).flat();
    expect(printed).toContain('invalidate_range_start -> 0');
    expect(printed).toContain('invalidate_range_start_nonblock -> -EAGAIN');
    expect(printed).toContain('active_invalidate_ranges 2 -> 1');
  });
});
