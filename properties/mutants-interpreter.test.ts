/**
 * The driver-program interpreter (model/interpreter.ts), instruction by instruction on exact
 * schedules: every condition a `jump`, `warn_on` or `bug_on` can test, a counter's declared range
 * (INV-18), the labels' source index a witness names, and what the fault path waits for. Written
 * against the mutants StrykerJS left alive in that file (`npm run mutate -- model/interpreter.ts`,
 * issue #21 item 6; docs/guide.md "Mutation testing"): each test asserts what the model computes
 * and a verdict a wrong interpreter would change. Model-level and fast (milliseconds each), unlike
 * driver-asserts.test.ts, which drives the same features through the CLIs.
 */
import { describe, expect, it } from 'vitest';
import { catalogueWith, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { notifier, reachable, scenario, stepOnce, stepUntil, world } from './support.ts';
import { blocker, BUILTIN, DriverAssertions, I, invariantByName, presets, program, resolve, runWorld, step, type Fact, type ModelState } from '../model/index.ts';

type Op = Record<string, unknown> | string;

/** A driver file whose invalidate_range_start is `start` (its counters and ranges as given); no end, no fault. */
const probe = (driver: string, start: Op[], counters: Record<string, { min?: number; max?: number }> = { c: {} }, extra: Partial<Record<string, unknown>> = {}): DriverFile => {
  const f = parseDriverFile({
    format: 'mmu-notifier-checker/driver@1',
    driver,
    era: 'test',
    summary: 'mutants-interpreter.test.ts probe',
    source: 'properties/mutants-interpreter.test.ts',
    locks: {},
    counters: Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, { balanced: false, ...v }])),
    hlist: { invalidate_range_start: [...start, { op: 'ret', value: 0 }], invalidate_range_end: null, fault: null },
    interval: null,
    ioctl: null,
    ...extra,
  });
  if (!f.ok) throw new Error(f.problems.join('\n'));
  return f.value;
};

interface Seen {
  readonly verdict: string;
  readonly witness: string | undefined;
  readonly counters: Readonly<Record<string, number>>;
  readonly facts: readonly Fact[];
  readonly diagnostics: readonly string[];
  readonly labels: readonly string[];
}

/** munmap alone over A = the probe (blockable), or the OOM reaper alone (non-blockable): drained, INV-18 judged. */
const runProbe = (file: DriverFile, thread: 'munmap' | 'oom_reaper' = 'munmap'): Seen => {
  const r = resolve(
    { strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: file.driver, address: 256 }], threads: [thread] },
    catalogueWith([file]),
  );
  if (!r.ok) throw new Error(r.error);
  const facts: Fact[] = [];
  const diagnostics: string[] = [];
  const report = runWorld(r.world, r.state, [], { invariants: [DriverAssertions], onStep: (st) => { facts.push(...st.facts); diagnostics.push(...st.diagnostics.map((d) => `${d.kind}: ${d.text}`)); } });
  const v = report.verdicts.DriverAssertions;
  return {
    verdict: v.status,
    witness: v.status === 'violated' ? v.witness : undefined,
    counters: report.final.drivers.A.counters,
    facts,
    diagnostics,
    labels: report.trace.map((s) => s.action),
  };
};

const asserts = (s: Seen) => s.facts.filter((f): f is Extract<Fact, { fact: 'driver_assert' }> => f.fact === 'driver_assert');
const add = (counter: string, delta: number) => ({ op: 'add', counter, delta });
const warnOn = (cond: Record<string, unknown>, message?: string) => ({ op: 'warn_on', if: cond, ...(message === undefined ? {} : { message }) });

describe('conditions (evalCond): a jump taken or not, read off a counter the branch sets', () => {
  // c = 2, then `if (cond) goto yes`: the fall-through path sets r = 1, the taken one r = 2.
  const branch = (name: string, cond: Record<string, unknown>, pre: Op[] = []) =>
    runProbe(probe(name, [add('c', 2), ...pre, { op: 'jump', to: 'yes', if: cond }, add('r', 1), { op: 'jump', to: 'out' }, ':yes', add('r', 2), ':out'], { c: {}, r: {}, snap: {} })).counters.r;
  const cases: [string, Record<string, unknown>, number, Op[]?][] = [
    ['above-true', { is: 'above', counter: 'c', value: 1 }, 2],
    ['above-equal', { is: 'above', counter: 'c', value: 2 }, 1],
    ['below-true', { is: 'below', counter: 'c', value: 3 }, 2],
    ['below-equal', { is: 'below', counter: 'c', value: 2 }, 1],
    ['nonzero-true', { is: 'nonzero', counter: 'c' }, 2],
    ['nonzero-false', { is: 'nonzero', counter: 'snap' }, 1],
    ['not', { is: 'not', cond: { is: 'nonzero', counter: 'c' } }, 1],
    ['any-one', { is: 'any', conds: [{ is: 'nonzero', counter: 'snap' }, { is: 'above', counter: 'c', value: 1 }] }, 2],
    ['any-none', { is: 'any', conds: [{ is: 'nonzero', counter: 'snap' }, { is: 'below', counter: 'c', value: 0 }] }, 1],
    // `changed` compares with a snapshot local: unchanged, then changed by an add in between.
    ['changed-no', { is: 'changed', counter: 'c', since: 's' }, 1, [{ op: 'snapshot', counter: 'c', into: 's' }]],
    ['changed-yes', { is: 'changed', counter: 'c', since: 's' }, 2, [{ op: 'snapshot', counter: 'c', into: 's' }, add('c', 1)]],
    // munmap's invalidation is blockable; its range [0, 4) intersects the hlist notifier's (the whole mm).
    ['nonblockable-munmap', { is: 'nonblockable' }, 1],
    ['intersects', { is: 'intersects' }, 2],
  ];
  it.each(cases)('%s', (name, cond, r, pre) => {
    expect(branch(name, cond, pre)).toBe(r);
  });

  it("nonblockable is true in the OOM reaper's invalidation", () => {
    const f = probe('nb-reaper', [{ op: 'jump', to: 'yes', if: { is: 'nonblockable' } }, add('r', 1), ':yes', add('r', 2)], { r: {} });
    expect(runProbe(f, 'oom_reaper').counters.r).toBe(2);
    expect(runProbe(f, 'munmap').counters.r).toBe(3);
  });
});

describe('warn_on / bug_on (INV-18)', () => {
  it('a WARN_ON that fires: violated, its witness names the condition, the source index (labels counted), the message and the counters read', () => {
    const s = runProbe(probe('warn-fires', [add('c', 2), ':here', add('d', 1), warnOn({ is: 'any', conds: [{ is: 'above', counter: 'c', value: 1 }, { is: 'nonzero', counter: 'd' }, { is: 'above', counter: 'c', value: 5 }] }, 'too many'), ':after', add('e', 1)], { c: {}, d: {}, e: {} }));
    expect(s.verdict).toBe('violated');
    // Instruction 2 is source entry 3 (the label ':here' before it is entry 1, ':after' does not count); c is read twice and named once.
    expect(s.witness).toBe('munmap: WARN_ON(c > 1 || d != 0 || c > 5) at A.invalidate_range_start[3] ("too many"): c = 2, d = 1');
    expect(s.diagnostics).toEqual(['WARN_ON: WARN_ON(c > 1 || d != 0 || c > 5) at A.invalidate_range_start[3]: too many (c = 2, d = 1)']);
    // A WARN_ON goes on: the next instruction runs and the start returns.
    expect(s.counters.e).toBe(1);
    expect(s.labels).toContain('A.invalidate_range_start: return 0');
  });

  it('a WARN_ON that does not fire: a checked assertion (fact, not fired), holds, no diagnostic', () => {
    const s = runProbe(probe('warn-quiet', [add('c', 1), warnOn({ is: 'not', cond: { is: 'nonzero', counter: 'c' } })]));
    expect(s.verdict).toBe('holds');
    expect(asserts(s)).toEqual([{ fact: 'driver_assert', thread: 'munmap', sub: 'A', kind: 'WARN_ON', fired: false, what: 'WARN_ON(!(c != 0)) at A.invalidate_range_start[1]' }]);
    expect(s.diagnostics).toEqual([]);
  });

  it('a BUG_ON that fires kills the thread where it stands: its start never returns', () => {
    const s = runProbe(probe('bug-fires', [add('c', 1), { op: 'bug_on', if: { is: 'below', counter: 'c', value: 2 } }, add('c', 5)]));
    expect(s.verdict).toBe('violated');
    expect(s.witness).toBe('munmap: BUG_ON(c < 2) at A.invalidate_range_start[1]: c = 1');
    expect(s.counters.c).toBe(1);
    expect(s.labels).not.toContain('A.invalidate_range_start: return 0');
  });
});

describe("a counter's declared range (rangeCheck, INV-18)", () => {
  it('inside [0, 1]: checked, holds; leaving it above: violated with the range in the witness and WARN_ON(> max)', () => {
    const inside = runProbe(probe('range-in', [add('c', 1), add('c', -1)], { c: { min: 0, max: 1 } }));
    expect(inside.verdict).toBe('holds');
    expect(asserts(inside).map((f) => [f.kind, f.fired, f.what])).toEqual([['range', false, 'A.c = 1 in [0, 1]'], ['range', false, 'A.c = 0 in [0, 1]']]);
    const above = runProbe(probe('range-above', [add('c', 1), ':l', add('c', 1)], { c: { min: 0, max: 1 } }));
    expect(above.verdict).toBe('violated');
    expect(above.witness).toBe('munmap: A.c = 2, outside its declared range [0, 1] (invalidate_range_start[2])');
    expect(above.diagnostics).toEqual(['WARN_ON: WARN_ON(A.c > 1)']);
  });

  it('below the minimum: violated, WARN_ON(< min) (and the underflow BUG_ON below 0)', () => {
    const s = runProbe(probe('range-below', [add('c', 2), add('c', -1)], { c: { min: 2 } }));
    expect(s.verdict).toBe('violated');
    expect(s.witness).toBe('munmap: A.c = 1, outside its declared range [2, inf] (invalidate_range_start[1])');
    expect(s.diagnostics).toEqual(['WARN_ON: WARN_ON(A.c < 2)']);
  });

  it('only a maximum: the minimum is -inf, and a value at the maximum is inside', () => {
    const s = runProbe(probe('range-max', [add('c', 3)], { c: { max: 3 } }));
    expect(s.verdict).toBe('holds');
    expect(asserts(s).map((f) => f.what)).toEqual(['A.c = 3 in [-inf, 3]']);
    const over = runProbe(probe('range-max-over', [add('c', 4)], { c: { max: 3 } }));
    expect(over.witness).toBe('munmap: A.c = 4, outside its declared range [-inf, 3] (invalidate_range_start[0])');
  });

  it('a value at the minimum is inside; a counter with no declared range is never checked', () => {
    const s = runProbe(probe('range-min', [add('c', 2), add('c', -2), add('u', 7)], { c: { min: 0 }, u: {} }));
    expect(s.verdict).toBe('holds');
    expect(asserts(s).map((f) => f.what)).toEqual(['A.c = 2 in [0, inf]', 'A.c = 0 in [0, inf]']);
  });
});

/** Step `id` until it blocks or finishes: the blocker it waits on (null when it finished), and the labels it took. */
const stepToBlock = (file: DriverFile, threads: string[], id: string) => {
  const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: file.driver, address: 256 }], threads }, catalogueWith([file]));
  if (!r.ok) throw new Error(r.error);
  let s = r.state;
  const labels: string[] = [];
  for (let k = 0; k < 100; k++) {
    const x = step(r.world, s, id);
    if (x.tag === 'blocked') return { blocker: x.blocker, labels, state: s };
    if (x.tag === 'finished') return { blocker: null, labels, state: s };
    labels.push(x.label);
    s = x.state;
  }
  throw new Error(`${id} neither blocked nor finished`);
};

describe('what a driver instruction waits for (driverInstrBlocker)', () => {
  it('wait_event(c == 0) waits while c is not 0 (a counter blocker, never cleared here: stuck), and passes at 0', () => {
    const stuck = stepToBlock(probe('wz-stuck', [add('c', 1), { op: 'waitZero', counter: 'c' }]), ['munmap'], 'munmap');
    expect(stuck.blocker).toEqual({ on: 'counter', sub: 'A', counter: 'c' });
    const passes = stepToBlock(probe('wz-pass', [add('c', 1), add('c', -1), { op: 'waitZero', counter: 'c' }, add('r', 1)], { c: {}, r: {} }), ['munmap'], 'munmap');
    expect(passes.blocker).toBeNull();
    expect(passes.state.drivers.A.counters.r).toBe(1);
  });

  it('kmalloc(GFP_KERNEL) waits for the OOM reaper while the mm is the OOM victim, and not without an OOM', () => {
    const f = probe('alloc-probe', [{ op: 'alloc' }, add('r', 1)], { r: {} });
    expect(stepToBlock(f, ['oom_reaper', 'munmap'], 'munmap').blocker).toEqual({ on: 'memory' });
    const free = stepToBlock(f, ['munmap'], 'munmap');
    expect(free.blocker).toBeNull();
    expect(free.state.drivers.A.counters.r).toBe(1);
  });

  it('a lock held by another thread blocks a lock, not a trylock (which takes its else branch); a recursive read joins a held read', () => {
    // The probe's first start (madvise's, run to its end) takes L for read and never drops it; munmap's start meets it held.
    const hold: Op[] = [{ op: 'lock', lock: 'L', mode: 'read', how: 'lock' }];
    const locks = { L: 'rwsem' };
    const second = (name: string, start: Op[]) => {
      const f = probe(name, [{ op: 'jump', to: 'second', if: { is: 'nonzero', counter: 'first' } }, add('first', 1), ...hold, { op: 'jump', to: 'out' }, ':second', ...start, ':out'], { first: {}, r: {} }, { locks });
      const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256 }], threads: ['munmap', 'madvise'] }, catalogueWith([f]));
      if (!r.ok) throw new Error(r.error);
      let s = r.state;
      const run = (id: string) => {
        for (let k = 0; k < 100; k++) {
          const x = step(r.world, s, id);
          if (x.tag !== 'stepped') return x.tag === 'blocked' ? x.blocker : null;
          s = x.state;
        }
        throw new Error(`${id} neither blocked nor finished`);
      };
      expect(run('madvise')).toBeNull();
      expect(s.locks['A.L'].readers).toEqual(['madvise']);
      return { blocker: run('munmap'), s };
    };
    expect(second('lock-w', [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }]).blocker).toMatchObject({ on: 'lock', lock: 'A.L' });
    const tried = second('trylock-w', [{ op: 'lock', lock: 'L', mode: 'write', how: 'trylock', else: 'failed' }, add('r', 1), ':failed', add('r', 2)]);
    expect(tried.blocker).toBeNull();
    expect(tried.s.drivers.A.counters.r).toBe(2);
    const joined = second('recursive-r', [{ op: 'lock', lock: 'L', mode: 'read', how: 'lock', recursive: true }, add('r', 1)]);
    expect(joined.blocker).toBeNull();
    expect(joined.s.locks['A.L'].readers).toEqual(['madvise', 'munmap']);
  });
});

describe('a sleep inside a non-blockable invalidation (sleepAttempt, INV-5)', () => {
  // (An allocation there waits for the reaper itself, under the OOM: it never steps.)
  it("the OOM reaper's start that waits on a fence or takes a sleeping lock: one fact each, and the debug BUG under non_block_start", () => {
    const f = probe('sleeper', [{ op: 'waitFence' }, { op: 'lock', lock: 'M', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'M', mode: 'write' }, { op: 'lock', lock: 'S', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'S', mode: 'write' }], { c: {} }, { locks: { M: 'mutex', S: 'spinlock' } });
    const reaper = runProbe(f, 'oom_reaper');
    const sleeps = reaper.facts.filter((x): x is Extract<Fact, { fact: 'sleep_in_nonblock' }> => x.fact === 'sleep_in_nonblock');
    // The spinlock does not sleep.
    expect(sleeps.map((x) => [x.thread, x.what])).toEqual([['oom_reaper', 'dma_fence_wait'], ['oom_reaper', 'lock(A.M)']]);
    // The nonblock-per-vma reaper calls the notifiers inside one non_block_start/end.
    expect(sleeps.map((x) => x.nonBlockCount)).toEqual([1, 1]);
    expect(reaper.diagnostics.filter((d) => d.startsWith('BUG: '))).toEqual(['dma_fence_wait', 'lock(A.M)'].map((w) => `BUG: BUG: sleeping function called from invalid context (${w}), non_block: 1`));
    // munmap's invalidation is blockable: no fact, no BUG.
    const munmap = runProbe(f, 'munmap');
    expect(munmap.facts.filter((x) => x.fact === 'sleep_in_nonblock')).toEqual([]);
    expect(munmap.diagnostics).toEqual([]);
  });
});

describe('the witnesses a retry reads, the lockdep map a callback holds, the registration a fault waits for', () => {
  it('a fault that collides with nothing (no invalidation ever) spins at the retry bound: FaultLiveness violated on its spin', () => {
    // The fault snapshots, then retries unconditionally: an unexplained collision every time.
    const f = probe('stuck-marker', [], { c: {} }, {
      hlist: { invalidate_range_start: [{ op: 'ret', value: 0 }], invalidate_range_end: null, fault: [':top', { op: 'snapshot', counter: 'c', into: 's' }, { op: 'retry', to: 'top' }] },
    });
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256 }], threads: ['fault:A'] }, catalogueWith([f]));
    if (!r.ok) throw new Error(r.error);
    const report = runWorld(r.world, r.state, [], { invariants: [invariantByName('FaultLiveness')!] });
    // Its spin changes nothing: the drain stops there, and the spin repeated forever is the lasso's cycle.
    expect(report.final.threads.find((t) => t.id === 'fault:A')).toMatchObject({ done: false, retries: r.world.knobs.faultRetryBound, spin: expect.any(Object) });
    expect(report.verdicts.FaultLiveness).toMatchObject({ status: 'violated', cycleFrom: report.trace.length, step: report.trace.length + 1 });
  });

  it('a lock taken in invalidate_range_end is taken under the notifier map (a lockdep edge notifier_map → it); in a fault it is not', () => {
    const f = probe('end-locks', [], { c: {} }, {
      locks: { L: 'spinlock' },
      hlist: {
        invalidate_range_start: [{ op: 'ret', value: 0 }],
        invalidate_range_end: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }, { op: 'ret', value: 0 }],
        fault: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }, { op: 'ret', value: 0 }],
      },
    });
    const edges = (thread: string) => {
      const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256 }], threads: [thread] }, catalogueWith([f]));
      if (!r.ok) throw new Error(r.error);
      return runWorld(r.world, r.state, []).final.lockdep.filter((e) => e.endsWith(':L'));
    };
    expect(edges('munmap')).toEqual([`notifier_map→${f.driver}:L`, `mmap_lock→${f.driver}:L`]);
    expect(edges('fault:A')).toEqual([]);
  });
});

describe('the second batch: an interval callback under the notifier map, a released mirror, a registration done', () => {
  // The notifier's interval callbacks (v7.1's invalidate_finish too) run under the notifier map.
  const underMap: [string, string, Record<string, unknown>, string | undefined][] = [
    ["an interval notifier's invalidate", 'inv-locks', { invalidate: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }, { op: 'ret', value: 0 }], fault: null }, undefined],
    [
      "a two-pass notifier's invalidate_finish (v7.1)",
      'finish-locks',
      {
        invalidate_start: [{ op: 'ret', value: 0, finish: true }],
        invalidate_finish: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }, { op: 'ret', value: 0 }],
        fault: null,
      },
      'v7.1',
    ],
  ];
  for (const [what, name, interval, kernel] of underMap)
    it(`a lock taken in ${what} is taken under the notifier map too`, () => {
      const f = probe(name, [], { c: {} }, { locks: { L: 'spinlock' }, hlist: null, interval });
      const r = resolve({ strategy: 'core-counter', ...(kernel ? { kernel } : {}), reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256, interval: { start: 0, end: 4 } }], threads: ['munmap'] }, catalogueWith([f]));
      if (!r.ok) throw new Error(r.error);
      const report = runWorld(r.world, r.state, []);
      expect(report.trace.map((x) => x.action)).toContain(kernel ? 'A.invalidate_finish: lock(L)' : 'A.invalidate: lock(L)');
      expect(report.final.lockdep.filter((e) => e.endsWith(':L'))).toEqual([`notifier_map→${f.driver}:L`, `mmap_lock→${f.driver}:L`]);
    });

  it("a fault of a mirror unregistered meanwhile gives up instead of waiting (here on its own counter, which nothing clears)", () => {
    const f = probe('gone-fault', [], { c: {} }, {
      hlist: { invalidate_range_start: [{ op: 'ret', value: 0 }], invalidate_range_end: null, fault: [add('c', 1), { op: 'waitZero', counter: 'c' }, { op: 'ret', value: 0 }] },
    });
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256 }], threads: ['fault:A', 'unregister:A'] }, catalogueWith([f]));
    if (!r.ok) throw new Error(r.error);
    let s = r.state;
    const go = (id: string) => {
      const x = step(r.world, s, id);
      if (x.tag !== 'stepped') return x;
      s = x.state;
      return x;
    };
    expect(go('fault:A').tag).toBe('stepped'); // c++
    expect(go('fault:A')).toMatchObject({ tag: 'blocked', blocker: { on: 'counter', sub: 'A', counter: 'c' } });
    for (let k = 0; k < 20 && go('unregister:A').tag === 'stepped'; k++);
    expect(s.subs.find((x) => x.name === 'A')?.registered).toBe(false);
    const last = go('fault:A');
    expect(last.tag).toBe('stepped');
    expect(s.threads.find((t) => t.id === 'fault:A')).toMatchObject({ done: true, outcome: 'finished', call: null });
  });

  it("an ioctl does not wait for its notifier's registration (only a device fault does)", () => {
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'amdgpu-4.19', address: 256 }], threads: ['ioctl:A', 'register:A'] });
    if (!r.ok) throw new Error(r.error);
    expect(r.state.subs.find((x) => x.name === 'A')?.registered).toBe(false);
    const x = step(r.world, r.state, 'ioctl:A');
    expect(x.tag === 'stepped' && x.label).toBe('A.ioctl: lock(amn_lock)');
  });

  it('a fault waits for its registration only until the notifier is on the list, not for the rest of the registering thread', () => {
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['fault:A', 'register:A'] });
    if (!r.ok) throw new Error(r.error);
    let s = r.state;
    expect(step(r.world, s, 'fault:A')).toMatchObject({ tag: 'blocked', blocker: { on: 'registration', sub: 'A' } });
    // Step the registration until A is registered while register:A still has steps left.
    let seen = false;
    for (let k = 0; k < 20; k++) {
      const x = step(r.world, s, 'register:A');
      if (x.tag !== 'stepped') break;
      s = x.state;
      if (s.subs.find((y) => y.name === 'A')?.registered && !s.threads.find((t) => t.id === 'register:A')?.done) {
        seen = true;
        expect(step(r.world, s, 'fault:A').tag).toBe('stepped');
      }
    }
    expect(seen).toBe(true);
  });
});

describe("the first interval insert's waits (nouveau's per-fault notifier)", () => {
  it('mmu_interval_notifier_insert on an mm without an interval tree waits for mmap_lock held for write (mmu_notifier_register(NULL))', () => {
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'nouveau-5.5', address: 256 }], threads: ['munmap', 'fault:A'] });
    if (!r.ok) throw new Error(r.error);
    expect(r.state.core.hasItree).toBe(false);
    const taken = step(r.world, r.state, 'munmap');
    if (taken.tag !== 'stepped') throw new Error('munmap did not step');
    expect(taken.label).toBe('mmap_write_lock');
    // A contended down_write queues (a step), then waits.
    const queued = step(r.world, taken.state, 'fault:A');
    if (queued.tag !== 'stepped') throw new Error('fault:A did not queue');
    expect(queued.label).toBe('A.fault: mmu_interval_notifier_insert: waits (queued for write, munmap holds it)');
    expect(step(r.world, queued.state, 'fault:A')).toMatchObject({ tag: 'blocked', blocker: { on: 'lock', lock: 'mmap_lock' } });
    // Without the writer it registers the NULL notifier: the mm gets its interval tree.
    const alone = step(r.world, r.state, 'fault:A');
    expect(alone.tag === 'stepped' && alone.state.core.hasItree).toBe(true);
  });
});

describe("mmu_interval_notifier_remove's first attempt takes subscriptions->lock (docs/kernel.md §2.2; named releases)", () => {
  it('on v5.15 a per-fault remove waits while madvise holds the lock in its two-step mn_itree_inv_end (found by a breadth-first search)', () => {
    const r = resolve({ ...scenario({ strategy: 'call-all-end-2021', notifiers: [notifier('B', 'nouveau-5.5', 256)], threads: ['madvise', 'fault:B'] }), kernel: 'v5.15' });
    if (!r.ok) throw new Error(r.error);
    const { world: w, state: s0 } = r;
    const code = w.ops.B.fault?.code ?? [];
    let checked = 0;
    for (const s of reachable(w, s0)) {
      const f = s.threads.find((t) => t.id === 'fault:B');
      if (f?.call && code[f.call.pc]?.op === 'intervalRemove' && f.call.locals.removeSeq === undefined && s.locks.subscriptions_lock?.writer === 'madvise') {
        expect(blocker(w, s, f)).toEqual({ on: 'lock', lock: 'subscriptions_lock', mode: 'write' });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('only a fault gives up on a released mirror (interpreter.ts abandons; docs/kernel.md §1.6)', () => {
  it("an ioctl of an unregistered notifier still waits for the lock its fault holds", () => {
    const def = { ...presets.kvm, driver: 'ioctl-lock', hlist: { ...presets.kvm.hlist!, fault: program([I.lock('mmu_lock'), I.unlock('mmu_lock'), I.ret(0)]) }, ioctl: program([I.lock('mmu_lock'), I.unlock('mmu_lock'), I.ret(0)]) };
    const { world: w, state: s0 } = world(scenario({ strategy: 'call-all-end-2021', notifiers: [notifier('X', 'ioctl-lock', 256)], threads: ['fault:X', 'unregister:X', 'ioctl:X'] }), { ...BUILTIN, drivers: { ...BUILTIN.drivers, 'ioctl-lock': def } });
    const held = stepOnce(w, s0, 'fault:X').state; // lock(mmu_lock)
    expect(held.locks['X.mmu_lock'].writer).toBe('fault:X');
    const gone = stepUntil(w, held, 'unregister:X', (_s, t) => t.done);
    const ioctl = gone.threads.find((t) => t.id === 'ioctl:X');
    expect(ioctl && blocker(w, gone, ioctl)).toMatchObject({ on: 'lock', lock: 'X.mmu_lock' });
  });
});

