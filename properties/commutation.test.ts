/**
 * The reduction's independence relation is checked, not trusted (issue #21 item 3; docs/design.md
 * §4.1). On the reachable states of small scenarios of every family under every strategy that
 * can run it, and of the generic driver's knobs, every pair of steps the reduction
 * (engine/reduction.ts `independent`, footprints from model/footprint.ts and the states the steps
 * return) treats as independent must:
 * - commute: i then j and j then i reach the same state (exact canonical key);
 * - keep each other enabled: i can still step after j, and j after i;
 * - give the same step-invariant verdicts: each invariant judged on i's step says the same whether
 *   i goes first or second, and likewise for j.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { exactKey, fingerprint } from '../engine/fingerprint.ts';
import { independent, Resources } from '../engine/reduction.ts';
import { threadSets } from '../engine/threadsets.ts';
import { invariants, resolve, step, STRATEGY_NAMES, type Catalogue, type ModelState, type Scenario, type Stepped, type World } from '../model/index.ts';
import { catalogueWith, parseDriverFile } from '../engine/driver-format.ts';
import { readFileSync } from 'node:fs';

/** States checked per scenario: the families' sets, and the generic driver's (deeper: its rwsem held across the window). */
const STATES_PER_SCENARIO = 400;
const GENERIC_STATES = 4000;
/**
 * Judged on the state after a step alone, not on the step: the reduction visits every state
 * (sleep sets prune transitions, never states: docs/design.md §4.1), so they see each state in
 * either order. The test checks that they read nothing of the step (below).
 */
const STATE_ONLY = ['NoStaleSecondaryMapping', 'IntervalSeqProtocol'];
const stepInvariants = invariants.filter((i) => i.onStep && !STATE_ONLY.includes(i.name));
const stateInvariants = invariants.filter((i) => STATE_ONLY.includes(i.name));

const verdictsOn = (world: World, r: Stepped): string =>
  stepInvariants.map((inv) => `${inv.name}:${(inv.onStep as NonNullable<typeof inv.onStep>)({ world, after: r.state, step: r }) ?? '-'}`).join('|');

/** The verdicts that differ, first alone then after the other step. */
const differ = (a: string, b: string): string => {
  const y = b.split('|');
  return a.split('|').filter((x, k) => x !== y[k]).map((x, k) => `${x} → ${y[a.split('|').indexOf(x)] ?? '?'}`).join('; ');
};

/** The first independent pair that does not commute, keep the other enabled or keep its verdicts, on up to `maxStates` states; and how many pairs were checked. */
const check = (sc: Scenario, maxStates = STATES_PER_SCENARIO, catalogue?: Catalogue): { problem: string | null; pairs: number } => {
  const r = resolve(sc, catalogue);
  if (!r.ok) return { problem: `does not resolve: ${r.error}`, pairs: 0 };
  const { world, state: initial } = r;
  const resources = new Resources(initial);
  const key = (x: ModelState) => fingerprint(x).join(':'); // to find the states; the orders are compared by exact key
  const seen = new Set<string>([key(initial)]);
  const queue: ModelState[] = [initial];
  let pairs = 0;
  for (let n = 0; n < queue.length && n < maxStates; n++) {
    const s = queue[n];
    const moves: { ti: number; id: string; r: Stepped }[] = [];
    s.threads.forEach((t, ti) => {
      const res = step(world, s, t.id, false);
      if (res.tag === 'stepped') moves.push({ ti, id: t.id, r: res });
    });
    for (const m of moves) {
      // A step that adds a lockdep edge read which locks its thread holds (lockdep.ts heldClasses): its footprint must say so.
      if (m.r.facts.some((f) => f.fact === 'lockdep_edge')) {
        const fp = resources.footprint(world, s, m.r, m.ti).fp;
        const held = Object.entries(s.locks).filter(([, l]) => l.writer === m.id || l.readers.includes(m.id)).map(([id]) => id);
        const unread = held.filter((id) => !resources.reads(fp, `lock:${id}`));
        if (unread.length > 0) return { problem: `${sc.strategy} ${sc.threads.join(',')}: ${m.id} '${m.r.label}' adds a lockdep edge from the locks it holds, but its footprint does not read ${unread.join(', ')}`, pairs };
      }
      const k = key(m.r.state);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(m.r.state);
      }
    }
    for (let a = 0; a < moves.length; a++)
      for (let b = a + 1; b < moves.length; b++) {
        const i = moves[a];
        const j = moves[b];
        const fi = resources.footprint(world, s, i.r, i.ti).fp;
        const fj = resources.footprint(world, s, j.r, j.ti).fp;
        if (!independent(fi, fj)) continue;
        pairs++;
        const where = `${sc.strategy} ${sc.threads.join(',')}: ${i.id} '${i.r.label}' and ${j.id} '${j.r.label}'`;
        const ij = step(world, i.r.state, j.id, false);
        const ji = step(world, j.r.state, i.id, false);
        if (ij.tag !== 'stepped') return { problem: `${where}: ${j.id} is ${ij.tag} after ${i.id}'s step`, pairs };
        if (ji.tag !== 'stepped') return { problem: `${where}: ${i.id} is ${ji.tag} after ${j.id}'s step`, pairs };
        if (exactKey(ij.state) !== exactKey(ji.state)) return { problem: `${where}: the two orders reach different states`, pairs };
        if (verdictsOn(world, j.r) !== verdictsOn(world, ij)) return { problem: `${where}: ${j.id}'s step is judged differently after ${i.id}'s: ${differ(verdictsOn(world, j.r), verdictsOn(world, ij))}`, pairs };
        for (const inv of stateInvariants) {
          const judge = inv.onStep as NonNullable<typeof inv.onStep>;
          if (judge({ world, after: ij.state, step: ij }) !== judge({ world, after: ij.state, step: ji })) return { problem: `${where}: ${inv.name} reads the step, not only the state after it`, pairs };
        }
        if (verdictsOn(world, i.r) !== verdictsOn(world, ji)) return { problem: `${where}: ${i.id}'s step is judged differently after ${j.id}'s: ${differ(verdictsOn(world, i.r), verdictsOn(world, ji))}`, pairs };
      }
  }
  return { problem: null, pairs };
};

/** A few sets of three threads, spread over the template's list: more pairs per state than two threads give. */
const someSets = (t: ScenarioTemplate): string[][] => {
  const sets = threadSets(t, 3).filter((s) => s.length === 3);
  const every = Math.max(1, Math.floor(sets.length / 3));
  return sets.filter((_, k) => k % every === 0).slice(0, 3);
};

let pairsAnywhere = 0;

describe('every pair of steps the reduction treats as independent commutes, stays enabled and keeps its verdicts', () => {
  for (const fam of families) {
    it(`${fam.id}, under every strategy`, () => {
      for (const strategy of STRATEGY_NAMES) {
        const template: ScenarioTemplate = { ...fam.template, strategy };
        if (!resolve({ ...template, threads: [] }).ok) continue;
        const sets = template.threads ? [template.threads] : someSets(template);
        for (const threads of sets) {
          const { problem, pairs } = check({ ...template, threads: [...threads] });
          pairsAnywhere += pairs;
          expect(problem).toBeNull();
        }
      }
    });
  }

  const G = (knobs: Record<string, unknown>) => ({ name: 'G', driver: 'generic', address: 512, ...knobs });
  // The rwsem held across the window needs the deeper search (an up_read by a thread that did not take it came 1,500-4,000 states in).
  for (const [knobs, depth] of [
    [{ holdsLockAcrossWindow: true }, GENERIC_STATES],
    [{ countsInStart: true, hasEnd: true }, STATES_PER_SCENARIO],
    [{ allocatesUnderLock: true, nonblockStart: 'sleeps' }, STATES_PER_SCENARIO],
    [{ onFailedStart: 'selfUndo', nonblockStart: 'fails' }, STATES_PER_SCENARIO],
  ] as const) {
    it(`the generic driver ${JSON.stringify(knobs)} beside kvm`, () => {
      for (const strategy of STRATEGY_NAMES) {
        // The deeper search on the set where the rwsem's read hold crosses the window (the ioctl's write lock); the other at the families' depth.
        for (const [threads, states] of [[['oom_reaper', 'madvise', 'ioctl:G'], depth], [['oom_reaper', 'munmap', 'fault:A'], STATES_PER_SCENARIO]] as const) {
          const sc = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, G(knobs)], strategy, threads } as unknown as Scenario;
          if (!resolve(sc).ok) continue;
          const { problem, pairs } = check(sc, states);
          pairsAnywhere += pairs;
          expect(problem).toBeNull();
        }
      }
    });
  }

  // The driver's own assertions (warn_on, bug_on, a declared range) read the driver's counters; a BUG_ON ends its thread.
  it('driver files with assertions of their own (examples/finish-inuse-*.json, and a BUG_ON) beside kvm', () => {
    const file = (p: string) => {
      const f = parseDriverFile(JSON.parse(readFileSync(p, 'utf8')));
      if (!f.ok) throw new Error(f.problems.join('; '));
      return f.value;
    };
    const warn = file('examples/finish-inuse-warn.json');
    const range = file('examples/finish-inuse-range.json');
    const bug = { ...warn, driver: 'finish-inuse-bug', hlist: { ...warn.hlist!, invalidate_range_start: warn.hlist!.invalidate_range_start.map((i) => (typeof i !== 'string' && i.op === 'warn_on' ? { ...i, op: 'bug_on' as const } : i)) } };
    const catalogue = catalogueWith([warn, range, bug]);
    let here = 0;
    for (const driver of [warn.driver, range.driver, bug.driver])
      for (const threads of [['oom_reaper', 'madvise', 'munmap'], ['madvise', 'munmap', 'fault:A']]) {
        const sc = { strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver, address: 512 }], threads } as Scenario;
        const { problem, pairs } = check(sc, STATES_PER_SCENARIO, catalogue);
        pairsAnywhere += pairs;
        here += pairs;
        expect(problem).toBeNull();
      }
    expect(here).toBeGreaterThan(0);
  });

  it('checked some independent pairs (a relation that never says independent proves nothing)', () => {
    expect(pairsAnywhere).toBeGreaterThan(100);
  });
});
