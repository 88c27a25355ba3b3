/**
 * nouveau's per-fault interval notifier when its trylock fails (docs/kernel.md §6.6, 5.5+:
 * "nb trylock, and if that fails return false"; §2.2 for what the core does with a false).
 *
 * The kernel (torvalds/linux drivers/gpu/drm/nouveau/nouveau_svm.c, nouveau_svm_range_invalidate,
 * read at commit 130377304ed0, a v6.x tree with nouveau_atomic_range_fault):
 *
 *     if (mmu_notifier_range_blockable(range))
 *             mutex_lock(&sn->svmm->mutex);
 *     else if (!mutex_trylock(&sn->svmm->mutex))
 *             return false;
 *     mmu_interval_set_seq(mni, cur_seq);
 *     mutex_unlock(&sn->svmm->mutex);
 *     return true;
 *
 * The patch that converted nouveau to the interval notifier (≈v5.5, the 99cb252f5e68 series) has
 * the same lines; only the MMU_NOTIFY_EXCLUSIVE early return came later. Here a GPU
 * fault holds svmm->mutex (between its mmu_interval_read_retry and the PFNMAP) when the OOM
 * reaper's non-blocking invalidation reaches the interval notifier: the trylock fails, so the
 * notifier returns false, mn_itree_invalidate takes its out_would_block path (the core undoes
 * its own count and returns -EAGAIN) and active_invalidate_ranges stays balanced. A driver that
 * answered true there without the lock would let the reaper zap while the fault programs the GPU
 * PTEs, and would leave the count raised (§2.2: the hlist svmm notifier then fails -EAGAIN and
 * the reaper calls no end). A nouveau model whose trylock-failure path returns true passed the
 * rest of the suite; these tests fail on it.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN, C, EAGAIN, I, presets, program, run, type Catalogue, type DriverDef, type Fact, type Scenario } from '../model/index.ts';
import { exhaustiveTemplate } from '../engine/threadsets.ts';
import { factsOf, notifier, returned, scenario, stepUntil, threadOf, times, world } from './support.ts';

/** nouveau-5.5 with both trylock-failure paths answering true: the mutant these tests exist for. */
const mutant = (): DriverDef => {
  const n = presets['nouveau-5.5'];
  return {
    ...n,
    combined: n.combined && {
      ...n.combined,
      invalidate: program([I.nbTrylock('mutex', 'write', 'fail'), I.setSeq, I.unlock('mutex'), I.ret(0), ':fail', I.ret(0)]),
    },
    interval: n.interval && {
      ...n.interval,
      invalidate: program([
        I.nbTrylock('mutex', 'write', 'busy'), I.setSeq, I.unlock('mutex'),
        I.jump('fail', C.nonblockable), I.lock('mutex'), I.zap, I.unlock('mutex'), I.ret(0),
        ':busy', I.ret(0), // the lie: "invalidated" without the lock
        ':fail', I.ret(EAGAIN),
      ]),
    },
  };
};
const withMutant: Catalogue = { ...BUILTIN, drivers: { ...BUILTIN.drivers, 'nouveau-5.5': mutant() } };

/**
 * fault:A until it holds A.mutex (after mmu_interval_read_retry), then the reaper until it gives
 * up, its non-blocking starts meeting the held mutex; no drain after the schedule, so the final
 * state is the one the reaper left.
 */
const faultHoldsMutexThenReaper = (strategy: string, catalogue?: Catalogue) => {
  const sc: Scenario = scenario({ strategy, notifiers: [notifier('A', 'nouveau-5.5', 256)], threads: ['oom_reaper', 'fault:A'] });
  const { world: w, state } = world(sc, catalogue);
  const labels: string[] = [];
  const held = stepUntil(w, state, 'fault:A', (s) => s.locks['A.mutex']?.writer === 'fault:A', 20, labels);
  expect(held.threads.find((t) => t.id === 'fault:A')?.done).toBe(false);
  const facts: Fact[] = [];
  const r = run(sc, [...times('fault:A', labels.length), ...times('oom_reaper', 300)], { drainBound: 0, onStep: (st) => void facts.push(...st.facts) }, catalogue);
  const interval = factsOf(facts, 'start_returned').filter((f) => f.sub === 'A' && f.form === 'interval' && !f.blockable);
  return { r, labels, interval: interval.map((f) => returned(f.value, f.form)) };
};

describe('nouveau_svm_range_invalidate, non-blocking, svmm->mutex held by a fault (docs/kernel.md §6.6, §2.2)', () => {
  it.each([
    ['call-all-end-2021', 'the per-fault interval notifier beside the svmm hlist notifier (combined)'],
    ['core-counter', 'the pair folded into one interval notifier'],
  ])('%s (%s): the trylock fails, so it returns false, and the core undoes its own count', (strategy) => {
    const { r, labels, interval } = faultHoldsMutexThenReaper(strategy);
    expect(labels.at(-1)).toBe('A.fault: lock(mutex)');
    expect(r.final.locks['A.mutex']).toMatchObject({ writer: 'fault:A' });
    // Every attempt of the reaper met the held mutex: every one of A's answers is false.
    expect(interval.length).toBeGreaterThan(0);
    expect(interval).toEqual(times('false', interval.length));
    // Each time: the trylock, then straight to `return false` (no set_seq, no zap).
    expect(new Set(r.trace.filter((t) => t.thread === 'oom_reaper' && t.action.startsWith('A.invalidate: ')).map((t) => t.action))).toEqual(new Set(['A.invalidate: trylock(mutex)', 'A.invalidate: return false']));
    // out_would_block: no invalidation left counted once the reaper gave up.
    expect(r.final.core.activeInvalidateRanges).toBe(0);
    // Its attempt failed; it sleeps while the fault can still step (the reaper's sleep, docs/kernel.md §1.6).
    expect(threadOf(r.final, 'oom_reaper', 'oom_reaper')).toMatchObject({ attempts: 1, outcome: 'running', pc: 'sleep' });
  });

  it('the check tells the kernel from a model whose trylock failure answers true', () => {
    for (const strategy of ['call-all-end-2021', 'core-counter']) {
      const { interval, r } = faultHoldsMutexThenReaper(strategy, withMutant);
      expect(interval.length, strategy).toBeGreaterThan(0);
      expect(interval, strategy).toEqual(times('true', interval.length));
      if (strategy === 'call-all-end-2021') expect(r.final.core.activeInvalidateRanges, 'the §2.2 leak').toBeGreaterThan(0);
    }
  });
});

describe("the per-fault notifier's lifetime (INV-15, docs/kernel.md §6.6): from its insert until its remove returns", () => {
  // interval-and-hlist's threads: the reaper's start reaches the per-fault notifier, whose
  // mmu_interval_read_retry then sends the fault round its ':busy' loop (placed after the remove
  // in the program, reached by a jump): the notifier is still on the fault's stack there.
  const sc = (strategy: string): Scenario => ({
    ...scenario({ strategy, notifiers: [notifier('A', 'odp-5.5', 256), notifier('B', 'nouveau-5.5', 512)], threads: ['oom_reaper', 'madvise', 'fault:B'] }),
    vmas: [{ start: 0, end: 2 }, { start: 2, end: 4 }],
    notifiers: [{ name: 'A', driver: 'odp-5.5', address: 256, interval: { start: 0, end: 4 } }, { name: 'B', driver: 'nouveau-5.5', address: 512 }],
  });

  it.each(['skip-all-end', 'sorted-undo'])('%s: its read_retry loop is inside the lifetime, so an invalidation there touches a live notifier (it was reported in 12 steps)', (strategy) => {
    const [r] = exhaustiveTemplate(sc(strategy), ['UnregisterQuiesces']);
    expect(r.verdict).toBe('holds');
    expect(r.states).toBeGreaterThan(10_000);
  });
});
