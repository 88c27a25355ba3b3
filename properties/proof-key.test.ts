/**
 * The proofs' key (engine/liveness.ts, docs/design.md §4.2) is checked, not trusted. On the
 * reachable states of small scenarios of every family under every strategy that can run it, every
 * state `s` is compared with `s'`, the same state changed where the proofs' form says nothing can
 * tell: each call's dead locals given other values or dropped, its collision witnesses
 * (`invStarted`, `invActive`) replaced by another pair with the same EXPLAINED bit, or each
 * rwsem's readers in another order. The two must key alike (fingerprint and exact key), and for
 * every thread be both blocked (on the same blocker) or both step, with the same facts,
 * diagnostics and label, to states that key alike again, and with the same verdict of every step
 * and at-end invariant. That is a bisimulation, which keeps every verdict and shortest length.
 * (The readers' order shows in texts: a queued writer's label names readers[0], NoDeadlock's
 * waits-for text a holder; a proof prints none of the merged states' texts, so for it verdicts are
 * compared as violated or not and labels not at all.) A liveness that calls a read local dead
 * fails it (shown below). Then the search: with and without the key, the same verdicts and the
 * very same counterexamples.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { toCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';
import { explore } from '../engine/exhaustive.ts';
import { exactKey, fingerprint } from '../engine/fingerprint.ts';
import { ALWAYS_LIVE, liveLocals, type LiveLocals } from '../engine/liveness.ts';
import { exhaustiveTemplate, threadSets } from '../engine/threadsets.ts';
import { INVARIANT_NAMES, invariants, resolve, step, STRATEGY_NAMES, threadKind, type Call, type ModelState, type Scenario, type World } from '../model/index.ts';

const STATES_PER_SCENARIO = 200;
const READERS = 2;

/** `s` changed where the proofs' form cannot tell (null: nothing to change): salts 0 and 1 change locals, READERS the readers' order. */
const perturb = (s: ModelState, live: LiveLocals, salt: number): ModelState | null => {
  let changed = false;
  if (salt === READERS) {
    const locks = Object.fromEntries(
      Object.entries(s.locks).map(([id, l]) => {
        if (l.readers.length < 2) return [id, l];
        changed = true;
        return [id, { ...l, readers: [...l.readers.slice(1), l.readers[0]] }];
      }),
    );
    return changed ? { ...s, locks } : null;
  }
  const threads = s.threads.map((t) => {
    const c = t.call;
    if (c === null) return t;
    const l = live(c);
    const locals: Record<string, number> = {};
    for (const [k, v] of Object.entries(c.locals)) {
      if (v === undefined) continue;
      if (l !== null && !l.has(k)) {
        changed = true;
        if ((salt + k.length) % 2 === 0) locals[k] = v + 7 + salt; // else dropped
      } else locals[k] = v;
    }
    if (locals.invStarted !== undefined && (locals.invActive === 1 || locals.invStarted !== s.nextInvId)) {
      // Another pair with the bit set: active at the snapshot, or one started since.
      changed = true;
      Object.assign(locals, salt === 0 ? { invActive: 1, invStarted: s.nextInvId } : { invActive: 0, invStarted: s.nextInvId - 1 });
    }
    return { ...t, call: { ...c, locals } as Call };
  });
  return changed ? { ...s, threads } : null;
};

const stepInvariants = invariants.filter((i) => i.onStep);
const endInvariants = invariants.filter((i) => i.atEnd);

/** The first difference between a reachable state and its perturbations; and how many states were perturbed, by salt. */
const bisimulation = (sc: Scenario, liveOf: (w: World) => LiveLocals = liveLocals): { problem: string | null; perturbed: number[] } => {
  const perturbed = [0, 0, 0];
  const r = resolve(sc);
  if (!r.ok) return { problem: `does not resolve: ${r.error}`, perturbed };
  const { world, state: initial } = r;
  const live = liveOf(world);
  const key = (x: ModelState) => exactKey(x, true, live);
  const fp = (x: ModelState) => fingerprint(x, true, live).join(':');
  const seen = new Set<string>([fp(initial)]);
  const queue: ModelState[] = [initial];
  for (let n = 0; n < queue.length && n < STATES_PER_SCENARIO; n++) {
    const s = queue[n];
    for (const salt of [0, 1, READERS]) {
      const p = perturb(s, live, salt);
      if (p === null) continue;
      perturbed[salt]++;
      const text = (w: string | null) => (salt === READERS && w !== null ? 'violated' : w);
      const where = `${sc.strategy} ${sc.threads.join(',')} state ${n} (salt ${salt})`;
      if (key(p) !== key(s)) return { problem: `${where}: the changed state keys differently`, perturbed };
      if (fp(p) !== fp(s)) return { problem: `${where}: the changed state has another fingerprint`, perturbed };
      const stuck = s.threads.some((t) => !t.done);
      for (const inv of endInvariants) {
        const a = inv.atEnd?.({ world, state: s, stuck, exhausted: false }) ?? null;
        const b = inv.atEnd?.({ world, state: p, stuck, exhausted: false }) ?? null;
        if (text(a) !== text(b)) return { problem: `${where}: ${inv.name} at end says ${a} and ${b}`, perturbed };
      }
      for (const t of s.threads) {
        const a = step(world, s, t.id, false);
        const b = step(world, p, t.id, false);
        const at = `${where}, ${t.id}`;
        if (a.tag !== b.tag) return { problem: `${at}: ${a.tag} against ${b.tag}`, perturbed };
        if (a.tag === 'blocked' && b.tag === 'blocked' && JSON.stringify(a.blocker) !== JSON.stringify(b.blocker)) return { problem: `${at}: blocked on different things`, perturbed };
        if (a.tag !== 'stepped' || b.tag !== 'stepped') continue;
        if (salt !== READERS && a.label !== b.label) return { problem: `${at}: '${a.label}' against '${b.label}'`, perturbed };
        if (JSON.stringify(a.facts) !== JSON.stringify(b.facts)) return { problem: `${at} '${a.label}': different facts`, perturbed };
        if (JSON.stringify(a.diagnostics) !== JSON.stringify(b.diagnostics)) return { problem: `${at} '${a.label}': different diagnostics`, perturbed };
        if (key(a.state) !== key(b.state)) return { problem: `${at} '${a.label}': the successors key differently`, perturbed };
        for (const inv of stepInvariants) {
          const va = inv.onStep?.({ world, after: a.state, step: a }) ?? null;
          const vb = inv.onStep?.({ world, after: b.state, step: b }) ?? null;
          if (text(va) !== text(vb)) return { problem: `${at} '${a.label}': ${inv.name} says ${va} and ${vb}`, perturbed };
        }
      }
    }
    for (const t of s.threads) {
      const a = step(world, s, t.id, false);
      if (a.tag !== 'stepped') continue;
      const k = fp(a.state);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(a.state);
      }
    }
  }
  return { problem: null, perturbed };
};

/** One of the family's sets of two threads with a driver thread (a fault, an ioctl: its calls have locals), a different one per strategy. */
const driverSet = (t: ScenarioTemplate, k: number): string[] | null => {
  const sets = threadSets(t, 2).filter((s) => s.length === 2 && s.some((x) => ['fault', 'ioctl'].includes(threadKind(x)?.kind ?? '')));
  return sets.length === 0 ? null : sets[k % sets.length];
};

const perturbedAnywhere = [0, 0, 0];

describe('states the proofs key alike are bisimilar', () => {
  for (const fam of families) {
    it(fam.id, () => {
      STRATEGY_NAMES.forEach((strategy, k) => {
        const template: ScenarioTemplate = { ...fam.template, strategy };
        if (!resolve({ ...template, threads: [] }).ok) return;
        // A driver thread's locals; two readers of mmap_lock, and a writer to queue behind them.
        for (const threads of [driverSet(template, k), ['oom_reaper', 'munmap', 'madvise']]) {
          if (threads === null) continue;
          const { problem, perturbed } = bisimulation({ ...template, threads });
          expect(problem).toBeNull();
          perturbed.forEach((n, salt) => (perturbedAnywhere[salt] += n));
        }
      });
    });
  }
  it('on named kernels (subscriptions->lock with a holder, v5.10 and v6.6)', () => {
    const fam = families.find((f) => f.id === 'interval-and-hlist') as (typeof families)[number];
    for (const kernel of ['v5.10', 'v6.6'])
      for (const threads of [['munmap', 'unregister:A'], ['madvise', 'fault:A'], ['oom_reaper', 'munmap', 'madvise']]) {
        const { problem, perturbed } = bisimulation({ ...fam.template, strategy: 'core-counter', kernel, threads });
        expect(problem).toBeNull();
        perturbed.forEach((n, salt) => (perturbedAnywhere[salt] += n));
      }
  });
  it('changes many states each way (a check that changes nothing proves nothing)', () => {
    for (const n of perturbedAnywhere) expect(n).toBeGreaterThan(100);
  });
  it('fails a liveness that calls a read local dead (a fault snapshot, as if only the pin were live)', () => {
    const fam = families.find((f) => f.id === 'ab-pair') as (typeof families)[number];
    const sc: Scenario = { ...fam.template, strategy: 'skip-all-end', threads: ['oom_reaper', 'fault:A'] };
    expect(bisimulation(sc).problem).toBeNull();
    expect(bisimulation(sc, () => () => new Set(ALWAYS_LIVE)).problem).toMatch(/differ|says|against/);
  });
});

const shape = (rs: ReturnType<typeof explore>['results']) =>
  rs.map((r) => ({ invariant: r.invariant, verdict: r.verdict, counterexample: r.counterexample && { steps: r.counterexample.steps, schedule: r.counterexample.schedule, witness: r.counterexample.witness, cycle: r.counterexample.cycle ?? null, shortest: r.counterexample.shortestOnThreads, states: r.states } }));

describe('the search under the proofs\' key gives the same verdicts and counterexamples as without', () => {
  it('on sets where it merges states, cycles judged and not, each counterexample found again', () => {
    let merged = 0;
    // [family, strategy, threads, also keyed exactly, depth bound (a 3-thread set, with two readers of mmap_lock)]
    const cases: [string, string, string[], boolean, number?][] = [
      ['failing-self-undo', 'skip-all-end', ['oom_reaper', 'fault:B'], true],
      ['ab-pair', 'call-all-end-2021', ['oom_reaper', 'madvise', 'fault:A'], false, 16],
      ['interval-and-hlist', 'core-counter', ['madvise', 'fault:B'], true],
      ['failing-expects-end', 'reaper-calls-end', ['oom_reaper', 'fault:A'], false],
    ];
    for (const [id, strategy, threads, exact, maxDepth] of cases) {
      const fam = families.find((f) => f.id === id) as (typeof families)[number];
      const sc: Scenario = { ...fam.template, strategy, threads };
      for (const names of [INVARIANT_NAMES, INVARIANT_NAMES.filter((n) => n !== 'NoDeadlock')]) {
        const plain = explore(sc, names, { maxDepth });
        const keyed = explore(sc, names, { proofKey: true, maxDepth });
        const where = `${id} ${strategy} ${threads.join(',')}`;
        expect(shape(keyed.results), where).toEqual(shape(plain.results));
        expect(keyed.stats.states, where).toBeLessThanOrEqual(plain.stats.states);
        // The incremental fingerprints key states as the exact proofs' form does.
        if (exact) expect(explore(sc, names, { proofKey: true, exact: true, maxDepth }).stats.states, where).toBe(keyed.stats.states);
        merged += plain.stats.states - keyed.stats.states;
      }
    }
    expect(merged).toBeGreaterThan(0);
  });
  it('as the shortest pass searches (sleep sets on, no cycles, the keyed trace kept): the same verdicts and lengths', () => {
    let merged = 0;
    for (const [id, strategy, threads] of [
      ['ab-pair', 'skip-all-end', ['oom_reaper', 'munmap', 'ioctl:B']],
      ['failing-self-undo', 'call-all-end-2019', ['oom_reaper', 'unregister:A', 'fault:B']],
      ['registration-unlocked', 'sorted-undo', ['madvise', 'register:A', 'register:C']],
    ] as const) {
      const fam = families.find((f) => f.id === id) as (typeof families)[number];
      const sc: Scenario = { ...fam.template, strategy, threads: [...threads] };
      const plain = explore(sc, INVARIANT_NAMES, { cycles: false, maxDepth: 40 });
      const keyed = explore(sc, INVARIANT_NAMES, { cycles: false, maxDepth: 40, proofKey: true, refind: () => false });
      const lengths = (r: typeof plain) => r.results.map((x) => [x.invariant, x.verdict, x.counterexample?.steps ?? null]);
      expect(lengths(keyed), `${id} ${strategy}`).toEqual(lengths(plain));
      expect(keyed.stats.refound, 'nothing searched again').toBe(0);
      expect(keyed.results.some((x) => x.verdict === 'violated'), `${id} ${strategy}: some length compared`).toBe(true);
      merged += plain.stats.states - keyed.stats.states;
    }
    expect(merged).toBeGreaterThan(0);
  });
  it("as compare proves (cycles judged, the keyed trace kept): the plain search's verdicts and lengths, each trace a real one that replays to its witness", () => {
    const fam = families.find((f) => f.id === 'failing-expects-end') as (typeof families)[number];
    const t: ScenarioTemplate = { ...fam.template, strategy: 'call-all-end-2019' };
    const plain = exhaustiveTemplate(t, INVARIANT_NAMES, { maxThreads: 2 });
    const keyed = exhaustiveTemplate(t, INVARIANT_NAMES, { maxThreads: 2, proofKey: true, refind: () => false });
    const lengths = (rs: typeof plain) => rs.map((r) => [r.invariant, r.verdict, r.counterexample?.steps ?? null, r.counterexample?.cycle !== undefined]);
    expect(lengths(keyed)).toEqual(lengths(plain));
    const kept = keyed.flatMap((r) => (r.counterexample ? [r.counterexample] : []));
    expect(kept.length, 'some counterexample replayed').toBeGreaterThan(3);
    for (const cx of kept) expect(replayCase(toCase(cx)).kind, `${cx.invariant}: ${cx.scenario.threads.join(',')}`).toBe('reproduced');
  });
  it('over every thread set of up to two threads of a family, where a later set keeps its own counterexample', () => {
    const fam = families.find((f) => f.id === 'failing-self-undo') as (typeof families)[number];
    const t: ScenarioTemplate = { ...fam.template, strategy: 'call-all-end-2019' };
    const plain = exhaustiveTemplate(t, INVARIANT_NAMES, { maxThreads: 2 });
    const keyed = exhaustiveTemplate(t, INVARIANT_NAMES, { maxThreads: 2, proofKey: true });
    const without = (rs: typeof plain) => shape(rs).map((r) => ({ ...r, counterexample: r.counterexample && { ...r.counterexample, states: 0 } }));
    expect(without(keyed)).toEqual(without(plain));
    expect(keyed.some((r) => r.verdict === 'violated')).toBe(true);
  });
});
