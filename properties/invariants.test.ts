/**
 * The invariants INV-8, INV-9, INV-9b, INV-11, INV-12, INV-13 and INV-16 (model/invariants.ts):
 * for each, a scenario that violates it and one where it holds. Where the model cannot break an
 * invariant on its own (it guards the model: ReaperBounded; or the caller half of INV-8 that no
 * strategy reaches), the predicate is judged on a hand-made step instead.
 */
import { describe, expect, it } from 'vitest';
import { exhaustive } from '../engine/exhaustive.ts';
import { familyById } from '../checks/families.ts';
import { search } from '../engine/random.ts';
import type { Fact } from '../model/index.ts';
import {
  CallerContractAfterFailure,
  IntervalSeqProtocol,
  LockOrder,
  NoStaleSecondaryMapping,
  NoUseAfterFree,
  ReaperBounded,
  ReaperUsefulProgress,
  invariants,
  type Invariant,
  type StepContext,
} from '../model/index.ts';
import { run } from '../model/index.ts';
import { MAX_OOM_REAP_RETRIES } from '../model/index.ts';
import type { ModelState, Scenario, ThreadState, World } from '../model/index.ts';
import { seed } from './seed.ts';
import { reaperOf, runWithFacts, stepUntil as stepStateUntil, withThread, world } from './support.ts';

const ab = familyById('ab-pair')!.template; // kvm + odp-4.20
const kvmI915 = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }] } as const;
const kvmOnly = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }] } as const;

/** Run a scenario judging one invariant; its verdict. */
const verdict = (inv: Invariant, scenario: Scenario, schedule: readonly string[] = []) => run(scenario, schedule, { invariants: [inv] }).verdicts[inv.name];

/** Step `thread` until `until` holds of it. */
const stepUntil = (w: World, s: ModelState, thread: string, until: (t: ThreadState) => boolean): ModelState => stepStateUntil(w, s, thread, (_, t) => until(t));

/** A hand-made step of `thread` ending in `after` with these facts. */
const ctx = (w: World, after: ModelState, thread: string, facts: Fact[] = []): StepContext => ({
  world: w,
  after,
  step: { tag: 'stepped', state: after, thread, label: 'test', record: true, events: [], facts, diagnostics: [] },
});

describe('the registry', () => {
  it('lists INV-1…INV-17 entries in INV order, with stable PascalCase names and a DOMAIN citation', () => {
    const num = (i: Invariant) => Number.parseFloat(i.id.slice(4).replace('b', '.5'));
    expect(invariants.map(num)).toEqual([...invariants.map(num)].sort((a, b) => a - b));
    expect(new Set(invariants.map((i) => i.name)).size).toBe(invariants.length);
    for (const i of invariants) {
      expect(i.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(i.domainRef).toContain(`§8 ${i.id}`);
      expect(i.onStep ?? i.atEnd ?? i.onCycle).toBeDefined();
    }
    expect(invariants.map((i) => i.id)).toEqual(expect.arrayContaining(['INV-8', 'INV-9', 'INV-9b', 'INV-11', 'INV-12', 'INV-13', 'INV-16']));
  });
});

describe('INV-8 CallerContractAfterFailure', () => {
  it('violated: reaper-calls-end (Sean 2021 v1) calls invalidate_range_end after ODP failed the start', () => {
    const v = verdict(CallerContractAfterFailure, { ...ab, strategy: 'reaper-calls-end', threads: ['oom_reaper'] });
    expect(v).toMatchObject({ status: 'violated' });
    expect(v.status === 'violated' && v.witness).toMatch(/^oom_reaper called invalidate_range_end for \[0,4\) after its non-blocking start failed \(invalidation #1: B returned -EAGAIN\), so . gets an end$/);
  });

  it('violated: also when no notifier has an end op to receive it (interval-only mm)', () => {
    const v = verdict(CallerContractAfterFailure, { ...kvmOnly, notifiers: [{ name: 'A', driver: 'i915-5.13', address: 1 }], strategy: 'reaper-calls-end', threads: ['oom_reaper'] });
    expect(v).toMatchObject({ status: 'violated', witness: 'oom_reaper called invalidate_range_end for [0,4) after its non-blocking start failed (invalidation #1: A returned -EAGAIN)' });
  });

  it('violated: clearing the PTEs after the failed start (no strategy does it; judged on a hand-made step)', () => {
    const { world: w, state } = world({ ...ab, strategy: 'reaper-calls-end', threads: ['oom_reaper'] });
    const after = stepUntil(w, state, 'oom_reaper', (t) => t.pc === 'end'); // the failed start returned
    const fact: Fact = { fact: 'pte_cleared', thread: 'oom_reaper', start: 0, end: 4, afterFailedStart: true };
    expect(CallerContractAfterFailure.onStep!(ctx(w, after, 'oom_reaper', [fact]))).toBe(
      'oom_reaper cleared the PTEs of [0,4) after its non-blocking start failed (invalidation #1: B returned -EAGAIN)',
    );
    // A blocking caller ignores the (void) start result: not the caller contract's business.
    const blocking = withThread(after, 'oom_reaper', { inv: { ...after.threads[0].inv!, blockable: true } });
    expect(CallerContractAfterFailure.onStep!(ctx(w, blocking, 'oom_reaper', [fact]))).toBeNull();
  });

  it.each(['skip-all-end', 'call-all-end-2019', 'call-all-end-2021', 'sorted-undo'])('holds under %s: the ends after a failure are the core undo walk, not the caller', (strategy) => {
    expect(verdict(CallerContractAfterFailure, { ...ab, strategy, threads: ['oom_reaper', 'munmap'] })).toEqual({ status: 'holds' });
    expect(search({ ...ab, strategy }, 'CallerContractAfterFailure', { seed, numRuns: 100 }).verdict).toBe('holds');
  });
});

describe('INV-9 ReaperBounded', () => {
  it('holds: the reaper gives up after MAX_OOM_REAP_RETRIES failed attempts and sets MMF_OOM_SKIP', () => {
    const r = run({ ...ab, strategy: 'skip-all-end', threads: ['oom_reaper'] }, [], { invariants: [ReaperBounded] });
    expect(r.final.threads[0]).toMatchObject({ outcome: 'unable_to_reap', attempts: MAX_OOM_REAP_RETRIES });
    expect(r.verdicts.ReaperBounded).toEqual({ status: 'holds' });
    expect(search({ ...ab, strategy: 'call-all-end-2021' }, 'ReaperBounded', { seed, numRuns: 100 }).verdict).toBe('holds');
  });

  describe('violated on hand-made regressions of the reaper loop', () => {
    const { world: w, state } = world({ ...ab, strategy: 'skip-all-end', threads: ['oom_reaper', 'munmap'] });
    it.each([
      ['an 11th failed attempt', { attempts: MAX_OOM_REAP_RETRIES + 1, pc: 'done', done: true, outcome: 'unable_to_reap' }, true, 'oom_reaper made 11 failed attempts (MAX_OOM_REAP_RETRIES is 10)'],
      ['going on after the 10th', { attempts: MAX_OOM_REAP_RETRIES, pc: 'trylock' }, false, 'oom_reaper goes on to attempt 11 after 10 failed ones (MAX_OOM_REAP_RETRIES is 10)'],
      ['finishing without MMF_OOM_SKIP', { pc: 'done', done: true, outcome: 'reaped' }, false, 'oom_reaper finished (reaped) without setting MMF_OOM_SKIP: the OOM killer keeps choosing this mm'],
    ] as const)('%s', (_, patch, skip, witness) => {
      const after = withThread({ ...state, mm: { ...state.mm, MMF_OOM_SKIP: skip } }, 'oom_reaper', patch as Partial<ThreadState>);
      expect(ReaperBounded.onStep!(ctx(w, after, 'oom_reaper'))).toBe(witness);
    });
    it('sleeping on mmap_lock instead of try-locking it', () => {
      const held = { ...state, locks: { ...state.locks, mmap_lock: { writer: 'munmap', readers: [], waiters: [] } } };
      // A reaper that runs get_user_pages (kvm's fault program, instruction 1) would take mmap_lock for read and sleep.
      const gup = { sub: 'A', op: 'fault', pc: 1, blockable: true, nonBlock: false, locals: {} } as const;
      expect(ReaperBounded.onStep!(ctx(w, withThread(held, 'oom_reaper', { call: gup }), 'oom_reaper'))).toBe('oom_reaper would sleep on mmap_lock: the reaper may only mmap_read_trylock it');
      expect(ReaperBounded.onStep!(ctx(w, held, 'oom_reaper'))).toBeNull(); // at 'trylock' it only tries
    });
  });
});

describe('INV-9b ReaperUsefulProgress', () => {
  it("violated: the v4.14 reaper ('skip-if-notifiers') skips an mm with notifiers and declares it reaped", () => {
    const v = verdict(ReaperUsefulProgress, { ...kvmOnly, reaper: 'skip-if-notifiers', strategy: 'call-all-end-2021', threads: ['oom_reaper'] });
    expect(v).toMatchObject({
      status: 'violated',
      step: 2,
      witness: 'oom_reaper declared the victim reaped and set MMF_OOM_SKIP, but VMA 0 [0,4) was not unmapped: page 0 still maps frame 0 (reaper era skip-if-notifiers)',
    });
  });

  it('holds: the v4.19+ reaper unmaps every VMA before declaring success', () => {
    expect(verdict(ReaperUsefulProgress, { ...kvmOnly, strategy: 'call-all-end-2021', threads: ['oom_reaper'] })).toEqual({ status: 'holds' });
    expect(exhaustive({ ...kvmOnly, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'fault:A'] }, 'ReaperUsefulProgress', 200).verdict).toBe('holds');
  });

  it('holds: a device fault after the reap cannot fault the victim\'s page back in (MMF_UNSTABLE: check_stable_address_space)', () => {
    // The reaper runs its attempt up to the unlock (trylock, start with KVM's zap, unmap, end, tlb_finish), then fault:A, then the unlock.
    const sched = [...Array(15).fill('oom_reaper'), ...Array(7).fill('fault:A'), 'oom_reaper'];
    const r = runWithFacts({ ...kvmOnly, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'fault:A'] }, sched, { invariants: [ReaperUsefulProgress] });
    expect(reaperOf(r.final).outcome).toBe('reaped');
    expect(r.trace.flatMap((x) => x.events)).toContain('get_user_pages(page 0) -> -EFAULT (MMF_UNSTABLE)');
    expect(r.final.mm.pte[0]).toBeNull();
    expect(r.verdicts.ReaperUsefulProgress).toEqual({ status: 'holds' });
  });

  it('holds: with no notifiers the v4.14 reaper reaps', () => {
    expect(verdict(ReaperUsefulProgress, { ...kvmOnly, notifiers: [], reaper: 'skip-if-notifiers', strategy: 'call-all-end-2021', threads: ['oom_reaper'] })).toEqual({ status: 'holds' });
  });
});

describe('INV-11 LockOrder', () => {
  it('violated: odp-4.20 allocates under umem_rwsem, and munmap takes umem_rwsem inside a callback', () => {
    const v = verdict(LockOrder, { ...ab, strategy: 'call-all-end-2021', threads: ['munmap', 'ioctl:B'] }, ['ioctl:B', 'ioctl:B', 'ioctl:B', 'ioctl:B']);
    expect(v).toMatchObject({
      status: 'violated',
      witness: 'lockdep cycle odp-4.20:umem_rwsem → fs_reclaim → notifier_map → odp-4.20:umem_rwsem, closed by munmap adding notifier_map → odp-4.20:umem_rwsem (taken inside a notifier callback)',
    });
  });

  it('violated the other way round: the ioctl closes the cycle when munmap came first', () => {
    const v = verdict(LockOrder, { ...ab, strategy: 'call-all-end-2021', threads: ['munmap', 'ioctl:B'] });
    expect(v.status === 'violated' && v.witness).toBe(
      'lockdep cycle fs_reclaim → notifier_map → odp-4.20:umem_rwsem → fs_reclaim, closed by ioctl:B adding odp-4.20:umem_rwsem → fs_reclaim (taken while holding odp-4.20:umem_rwsem)',
    );
  });

  it('holds: kvm + i915-4.19 take only spinlocks and never allocate under them', () => {
    expect(search({ ...kvmI915, strategy: 'call-all-end-2021' }, 'LockOrder', { seed, numRuns: 200 }).verdict).toBe('holds');
  });
});

describe('INV-12 NoStaleSecondaryMapping', () => {
  it("violated: the ≤ v4.13 reaper ('no-notify') unmaps behind KVM's back", () => {
    const v = verdict(NoStaleSecondaryMapping, { ...kvmOnly, reaper: 'no-notify', strategy: 'call-all-end-2021', threads: ['oom_reaper'] });
    expect(v).toMatchObject({
      status: 'violated',
      step: 2, // unmap_page_range cleared the PTEs; the frames are freed at tlb_finish_mmu
      witness: "A still maps page 0 → frame 0 but the primary PTE is empty, and no invalidation of page 0 has A's start pending",
    });
  });

  it('violated: hmm-5.2 swallows the mirror\'s -EAGAIN, so the reaper unmaps what the device still maps ("no lying success", L-2019-HMMF)', () => {
    const r = search({ ...ab, notifiers: [ab.notifiers[0], { name: 'B', driver: 'hmm-5.2', address: 512 }], strategy: 'call-all-end-2021' }, 'NoStaleSecondaryMapping', { seed, numRuns: 300 });
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toMatch(/^B still maps page \d → frame \d but the primary PTE is empty/);
  });

  it('holds: KVM under the v4.19+ reaper and munmap, with a racing guest fault (every interleaving)', () => {
    for (const threads of [['oom_reaper', 'fault:A'], ['munmap', 'fault:A']]) {
      const ex = exhaustive({ ...kvmOnly, strategy: 'call-all-end-2021', threads }, 'NoStaleSecondaryMapping', 200);
      expect(ex.verdict, ex.counterexample?.witness).toBe('holds');
      expect(ex.states).toBeGreaterThan(50);
    }
  });

  it('a mapping is fine while the driver\'s start for it is still pending', () => {
    const { world: w, state } = world({ ...kvmOnly, strategy: 'call-all-end-2021', threads: ['munmap'] });
    const inStart = stepUntil(w, state, 'munmap', (t) => t.call?.op === 'invalidate_range_start');
    const noPte = { ...inStart, mm: { ...inStart.mm, pte: inStart.mm.pte.map(() => null) } };
    expect(NoStaleSecondaryMapping.onStep!(ctx(w, noPte, 'munmap'))).toBeNull();
    const returned = stepUntil(w, inStart, 'munmap', (t) => t.pc === 'unmap'); // KVM zapped in its start
    expect(NoStaleSecondaryMapping.onStep!(ctx(w, { ...returned, mm: { ...returned.mm, pte: returned.mm.pte.map(() => null) } }, 'munmap'))).toBeNull();
  });
});

describe('INV-13 NoUseAfterFree', () => {
  it("violated: the 'no-notify' reaper frees frames KVM still maps", () => {
    const v = verdict(NoUseAfterFree, { ...kvmOnly, reaper: 'no-notify', strategy: 'call-all-end-2021', threads: ['oom_reaper'] });
    // trylock, unmap_page_range, then tlb_finish_mmu frees the gathered frames.
    expect(v).toMatchObject({ status: 'violated', step: 3, witness: 'oom_reaper freed frame 0 (page 0) while A still maps it: the device can access freed memory' });
  });

  it('holds: with notifiers around the unmap every frame is unmapped from the device first', () => {
    for (const threads of [['oom_reaper', 'fault:A'], ['munmap', 'fault:A']]) {
      expect(exhaustive({ ...kvmOnly, strategy: 'call-all-end-2021', threads }, 'NoUseAfterFree', 200).verdict).toBe('holds');
    }
  });
});

describe('INV-16 IntervalSeqProtocol', () => {
  it('violated: reaper-calls-end runs mn_itree_inv_end twice after a failed interval invalidate; the next wave leaves seq odd with active = 0', () => {
    const v = verdict(IntervalSeqProtocol, { ...kvmOnly, notifiers: [{ name: 'A', driver: 'i915-5.13', address: 1 }], strategy: 'reaper-calls-end', threads: ['oom_reaper'] });
    expect(v).toMatchObject({
      status: 'violated',
      witness: 'invalidate_seq = 5 is odd with active_invalidate_ranges = 0: the tree stays frozen with no invalidation to unfreeze it, so mmu_interval_read_begin sleeps forever',
    });
  });

  it('holds: core-counter with kvm + i915 (both interval) under the reaper and a racing fault (every interleaving)', () => {
    const ex = exhaustive({ ...kvmI915, strategy: 'core-counter', threads: ['oom_reaper', 'fault:A'] }, 'IntervalSeqProtocol', 400);
    expect(ex.verdict, ex.counterexample?.witness).toBe('holds');
    expect(search({ ...kvmI915, strategy: 'core-counter' }, 'IntervalSeqProtocol', { seed, numRuns: 200 }).verdict).toBe('holds');
  });

  describe('violated on hand-made states', () => {
    const { world: w, state } = world({ ...kvmI915, strategy: 'core-counter', threads: ['munmap', 'fault:A'] });
    const frozen = stepUntil(w, state, 'munmap', (t) => t.pc === 'unmap'); // munmap's wave froze the tree
    it('a frozen wave in progress: holds', () => {
      expect(frozen.core).toMatchObject({ invalidateSeq: 3, activeInvalidateRanges: 1 });
      expect(IntervalSeqProtocol.onStep!(ctx(w, frozen, 'munmap'))).toBeNull();
    });
    it('an even subscription seq', () => {
      const s = { ...frozen, subs: frozen.subs.map((x) => (x.name === 'B' ? { ...x, invalidateSeq: 4 } : x)) };
      expect(IntervalSeqProtocol.onStep!(ctx(w, s, 'munmap'))).toBe('B.invalidate_seq = 4 is even (a subscription\'s seq is always odd)');
    });
    it('the tree unfrozen while the wave that froze it is still open', () => {
      const s = { ...frozen, core: { ...frozen.core, invalidateSeq: 4 } };
      expect(IntervalSeqProtocol.onStep!(ctx(w, s, 'munmap'))).toBe(
        "invalidate_seq is 4 while munmap's invalidation #1 of [0,4), which froze the tree at 3, has not ended: a concurrent mmu_interval_read_begin/read_retry misses the collision",
      );
    });
  });
});
