/**
 * The driver-program interpreter from line 161 (model/interpreter.ts: the spinning fault, the
 * instruction updates), written against the mutants StrykerJS left alive there (`npm run mutate
 * -- model/interpreter.ts:161-429`, issue #21 item 6; docs/guide.md "Mutation testing"). Each
 * test asserts what the model computes on reachable states and names the verdict a wrong
 * interpreter would change. Model-level and fast (milliseconds each); the first batch, for lines
 * 1–160, is mutants-interpreter.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { catalogueWith, parseDriverFile, type DriverFile } from '../engine/driver-format.ts';
import { reachable, stepOnce, stepUntil } from './support.ts';
import { BUILTIN, I, idleSpinner, invariantByName, presets, program, resolve, runWorld, step, threadById, type DriverDef, type Fact, type ModelState, type Range, type ThreadState, type World } from '../model/index.ts';

type Op = Record<string, unknown> | string;
const add = (counter: string, delta: number) => ({ op: 'add', counter, delta });
const ret: Op = { op: 'ret', value: 0 };

/** A driver file: hlist invalidate_range_start `start` (then ret 0), the rest as `extra` says. */
const driver = (name: string, start: Op[], extra: Partial<Record<string, unknown>> = {}, counters: string[] = ['c']): DriverFile => {
  const f = parseDriverFile({
    format: 'mmu-notifier-checker/driver@1',
    driver: name,
    era: 'test',
    summary: 'mutants-interpreter-2.test.ts probe',
    source: 'properties/mutants-interpreter-2.test.ts',
    locks: {},
    counters: Object.fromEntries(counters.map((k) => [k, { balanced: false }])),
    hlist: { invalidate_range_start: [...start, ret], invalidate_range_end: null, fault: null },
    interval: null,
    ioctl: null,
    ...extra,
  });
  if (!f.ok) throw new Error(f.problems.join('\n'));
  return f.value;
};

/** The world of notifier A = `f` (registered), these threads and VMAs. */
const setUp = (f: DriverFile, threads: string[], o: { vmas?: Range[]; strategy?: string; interval?: Range } = {}): { w: World; s: ModelState } => {
  const r = resolve(
    { strategy: o.strategy ?? 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: o.vmas ?? [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256, ...(o.interval ? { interval: o.interval } : {}) }], threads },
    catalogueWith([f]),
  );
  if (!r.ok) throw new Error(r.error);
  return { w: r.world, s: r.state };
};

const th = (s: ModelState, id: string): ThreadState => threadById(s, id) as ThreadState;
const done = (_s: ModelState, t: ThreadState) => t.done;

/** A device fault (or ioctl) that snapshots `c` and retries unconditionally: a stuck collision marker (docs/kernel.md §2.5, §8 INV-14). */
const stuck: Op[] = [':top', { op: 'snapshot', counter: 'c', into: 's' }, { op: 'retry', to: 'top' }];

/** Step `id` until it spins at its retry (DriverThread.spin). */
const toSpin = (w: World, s: ModelState, id: string) => stepUntil(w, s, id, (_s, t) => (t as { spin?: unknown }).spin !== null && (t as { spin?: unknown }).spin !== undefined);

describe('a spinning fault or ioctl (idleSpinner, spinResumes; docs/kernel.md §8 INV-14)', () => {
  it('every unexplained retry is a fault_retried fact (the fault_retry_explained goal reads them), up to the bound, where it spins', () => {
    const { w, s } = setUp(driver('spin-facts', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: stuck } }), ['fault:A']);
    const facts: Fact[] = [];
    runWorld(w, s, [], { invariants: [invariantByName('FaultLiveness')!], onStep: (st) => facts.push(...st.facts) });
    expect(facts.filter((f) => f.fact === 'fault_retried')).toEqual(Array.from({ length: w.knobs.faultRetryBound }, () => ({ fact: 'fault_retried', thread: 'fault:A', sub: 'A', explained: false })));
  });

  it('a counter its check reads, moved by an ioctl (no invalidation), wakes a spinning fault, which goes back to its loop, not to a second spin', () => {
    const { w, s: s0 } = setUp(driver('spin-counter', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: stuck }, ioctl: [add('c', 1), ret] }), ['fault:A', 'ioctl:A']);
    const spinning = toSpin(w, s0, 'fault:A');
    expect(idleSpinner(w, spinning, th(spinning, 'fault:A'))).toBe(true);
    const moved = stepOnce(w, spinning, 'ioctl:A').state;
    expect(moved.drivers.A.counters.c).toBe(1);
    expect(idleSpinner(w, moved, th(moved, 'fault:A'))).toBe(false);
    // Its next retry is unexplained (still at the bound), but it was spinning: back to :top, spin cleared.
    const resumed = stepOnce(w, moved, 'fault:A').state;
    expect(th(resumed, 'fault:A')).toMatchObject({ spin: null, retries: w.knobs.faultRetryBound, call: { pc: 0 } });
  });

  // The kernel calls mmu_interval_set_seq only from the invalidate callback; a driver file may put
  // it anywhere, and what the spin watches (spinWatch) includes the seq for that.
  it("its notifier's interval seq, moved by an ioctl's mmu_interval_set_seq (no invalidation), wakes a spinning fault", () => {
    const { w, s: s0 } = setUp(driver('spin-seq', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: stuck }, ioctl: [{ op: 'setSeq' }, ret] }), ['fault:A', 'ioctl:A']);
    const spinning = toSpin(w, s0, 'fault:A');
    const moved = stepOnce(w, spinning, 'ioctl:A').state;
    expect(moved.subs.find((x) => x.name === 'A')?.invalidateSeq).not.toBe(spinning.subs.find((x) => x.name === 'A')?.invalidateSeq);
    expect(moved.nextInvId).toBe(spinning.nextInvId);
    expect(idleSpinner(w, moved, th(moved, 'fault:A'))).toBe(false);
  });

  it('an invalidation that starts wakes a spinning fault; an explained collision at the bound then retries without spinning', () => {
    const { w, s: s0 } = setUp(driver('spin-inv', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: stuck } }), ['fault:A', 'munmap']);
    const spinning = toSpin(w, s0, 'fault:A');
    expect(idleSpinner(w, spinning, th(spinning, 'fault:A'))).toBe(true);
    const started = stepUntil(w, spinning, 'munmap', (x) => x.nextInvId !== spinning.nextInvId);
    // The start changed no counter and no seq: only the invalidation explains it.
    expect(started.drivers.A.counters).toEqual(spinning.drivers.A.counters);
    expect(idleSpinner(w, started, th(started, 'fault:A'))).toBe(false);
    // Resume (to :top), snapshot with the invalidation active, retry: explained, so no spin although retries is at the bound.
    let s = started;
    for (let k = 0; k < 3; k++) s = stepOnce(w, s, 'fault:A').state;
    expect(s.threads.find((t) => t.id === 'munmap')?.inv).not.toBeNull();
    expect(th(s, 'fault:A')).toMatchObject({ spin: null, retries: w.knobs.faultRetryBound, call: { pc: 0 } });
  });

  it("an ioctl spins too: idle (a fair cycle of its spins, NoDeadlock's livelock) until something moves", () => {
    const { w, s: s0 } = setUp(driver('spin-ioctl', [], { ioctl: stuck }), ['ioctl:A']);
    const spinning = toSpin(w, s0, 'ioctl:A');
    expect(idleSpinner(w, spinning, th(spinning, 'ioctl:A'))).toBe(true);
  });

  it('a spinning fault of a mirror unregistered meanwhile is not idle (it steps to give up, then is done); a spinning ioctl stays idle (docs/kernel.md §1.6)', () => {
    const fault = setUp(driver('spin-gone', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: stuck } }), ['fault:A', 'unregister:A']);
    const spinning = toSpin(fault.w, fault.s, 'fault:A');
    const gone = stepUntil(fault.w, spinning, 'unregister:A', done);
    expect(gone.nextInvId).toBe(spinning.nextInvId);
    expect(idleSpinner(fault.w, gone, th(gone, 'fault:A'))).toBe(false);
    const quit = stepOnce(fault.w, gone, 'fault:A').state;
    expect(th(quit, 'fault:A')).toMatchObject({ done: true, call: null });
    expect(idleSpinner(fault.w, quit, th(quit, 'fault:A'))).toBe(false);

    const ioctl = setUp(driver('spin-gone-ioctl', [], { ioctl: stuck }), ['ioctl:A', 'unregister:A']);
    const spun = toSpin(ioctl.w, ioctl.s, 'ioctl:A');
    const after = stepUntil(ioctl.w, spun, 'unregister:A', done);
    expect(after.subs.find((x) => x.name === 'A')?.registered).toBe(false);
    expect(idleSpinner(ioctl.w, after, th(after, 'ioctl:A'))).toBe(true);
  });

  it("only a fault or an ioctl spins: a ->release that snapshots a counter outside any invalidation is not a spinner (docs/kernel.md §1.3, §6.9)", () => {
    const f = driver('release-snap', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, release: [{ op: 'snapshot', counter: 'c', into: 's' }, ret], fault: null } });
    const r = resolve({ strategy: 'call-all-end-2021', kernel: 'v6.6', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: f.driver, address: 256 }], threads: ['unregister:A'] }, catalogueWith([f]));
    if (!r.ok) throw new Error(r.error);
    const s = stepUntil(r.world, r.state, 'unregister:A', (_x, t) => t.call?.op === 'release' && t.call.pc === 1);
    expect(th(s, 'unregister:A').call?.locals).toEqual({ s: 0, invActive: 0, invStarted: s.nextInvId });
    expect(idleSpinner(r.world, s, th(s, 'unregister:A'))).toBe(false);
  });

  it("a callback's retry only jumps (callbacks do not retry): no fault_retried fact, no retry count", () => {
    const f = driver('cb-retry', [':top', add('c', 1), { op: 'jump', to: 'out', if: { is: 'above', counter: 'c', value: 1 } }, { op: 'retry', to: 'top' }, ':out']);
    const { w, s } = setUp(f, ['munmap']);
    const facts: Fact[] = [];
    const r = runWorld(w, s, [], { onStep: (st) => facts.push(...st.facts) });
    expect(r.final.drivers.A.counters.c).toBe(2);
    expect(facts.filter((x) => x.fact === 'fault_retried')).toEqual([]);
    expect(th(r.final, 'munmap')).not.toHaveProperty('spin');
  });
});

describe('the zap of secondary mappings covers the invalidated range only (docs/kernel.md §2.4)', () => {
  // Notifier A covers the whole mm, so every page of both VMAs starts mapped in it.
  const f = driver('zap-range', [{ op: 'zap' }]);
  const vmas = [{ start: 0, end: 4 }, { start: 4, end: 8 }];
  it('munmap of the first VMA zaps pages 0–3 and keeps 4–7; madvise of the last zaps 4–7 and keeps 0–3', () => {
    const left = (thread: string) => {
      const { w, s } = setUp(f, [thread], { vmas });
      expect(Object.keys(s.drivers.A.sptes).map(Number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      return Object.keys(runWorld(w, s, [], { invariants: [] }).final.drivers.A.sptes).map(Number);
    };
    expect(left('munmap')).toEqual([4, 5, 6, 7]);
    expect(left('madvise')).toEqual([0, 1, 2, 3]);
  });
});

describe("get_user_pages and the install (docs/kernel.md §2.5, §10.1 item 1)", () => {
  const faulting = (name: string, fault: Op[], locks: Record<string, string> = {}) => driver(name, [{ op: 'zap' }], { locks, hlist: { invalidate_range_start: [{ op: 'zap' }, ret], invalidate_range_end: null, fault } });

  it('a fault on a page munmap unmapped fails with -EFAULT even while a later VMA is live: nothing mapped (NoStaleSecondaryMapping)', () => {
    const { w, s } = setUp(faulting('gup-gone', [{ op: 'gup' }, { op: 'install' }, ret]), ['munmap', 'fault:A'], { vmas: [{ start: 0, end: 4 }, { start: 4, end: 8 }] });
    const facts: Fact[] = [];
    const r = runWorld(w, stepUntil(w, s, 'munmap', done), [], { onStep: (st) => facts.push(...st.facts) });
    expect(r.final.mm.vmas[0].unmapped).toBe(true);
    expect(r.trace.map((x) => [x.action, x.events])).toEqual([['A.fault: get_user_pages', ['get_user_pages(page 0) -> -EFAULT']]]);
    expect(th(r.final, 'fault:A')).toMatchObject({ done: true, outcome: 'finished' });
    expect(facts.filter((x) => x.fact === 'mapped')).toEqual([]);
    expect(r.final.drivers.A.sptes[0]).toBeUndefined();
  });

  it('a fault after madvise(DONTNEED) faults in a fresh frame, pins it, maps it, and the next fresh frame is the one after', () => {
    const { w, s: s0 } = setUp(faulting('gup-fresh', [{ op: 'gup' }, { op: 'install' }, ret]), ['madvise', 'fault:A']);
    const zapped = stepUntil(w, s0, 'madvise', done);
    expect(zapped.mm.pte[0]).toBeNull();
    const frame = zapped.mm.nextFrame;
    const got = stepOnce(w, zapped, 'fault:A').state;
    expect(got.mm.pte[0]).toBe(frame);
    expect(got.mm.nextFrame).toBe(frame + 1);
    expect(th(got, 'fault:A').call?.locals).toMatchObject({ frame, pinned: 1 });
    const mapped = stepOnce(w, got, 'fault:A');
    expect(mapped.facts).toContainEqual({ fact: 'mapped', sub: 'A', page: 0, frame });
    expect(mapped.state.drivers.A.sptes[0]).toBe(frame);
  });

  it('a fault that holds its lock across the release of its mirror maps nothing at its install (docs/kernel.md §1.6)', () => {
    const { w, s: s0 } = setUp(faulting('install-gone', [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'gup' }, { op: 'install' }, { op: 'unlock', lock: 'L', mode: 'write' }, ret], { L: 'mutex' }), ['fault:A', 'unregister:A']);
    let s = stepOnce(w, s0, 'fault:A').state; // lock(L)
    s = stepOnce(w, s, 'fault:A').state; // gup
    s = stepUntil(w, s, 'unregister:A', done);
    const before = s.drivers.A.sptes;
    const x = stepOnce(w, s, 'fault:A');
    expect(x.facts.filter((f) => f.fact === 'mapped')).toEqual([]);
    expect(x.state.drivers.A.sptes).toEqual(before);
    expect(th(x.state, 'fault:A').call?.pc).toBe(3);
  });
});

describe('lockdep edges of the steps that take a kernel lock class (LockOrder, docs/kernel.md §8 INV-11)', () => {
  it("a fault's get_user_pages under a driver lock the start takes under mmap_lock: an inversion (L → mmap_lock → L)", () => {
    const f = driver('gup-order', [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }], {
      locks: { L: 'mutex' },
      hlist: { invalidate_range_start: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }, ret], invalidate_range_end: null, fault: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'gup' }, { op: 'unlock', lock: 'L', mode: 'write' }, ret] },
    });
    const { w, s } = setUp(f, ['fault:A', 'munmap']);
    const r = runWorld(w, s, ['fault:A', 'fault:A', 'fault:A', 'fault:A'], { invariants: [invariantByName('LockOrder')!] });
    expect(r.final.lockdep).toContain(`${f.driver}:L→mmap_lock`);
    expect(r.verdicts.LockOrder.status).toBe('violated');
  });

  it("mmu_interval_read_begin under a driver lock the interval invalidate takes: an inversion through the notifier map (§5.3 P3)", () => {
    const lockL = [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'unlock', lock: 'L', mode: 'write' }];
    const f = driver('rb-order', [], {
      locks: { L: 'mutex' },
      hlist: null,
      interval: { invalidate: [...lockL, ret], fault: [{ op: 'lock', lock: 'L', mode: 'write', how: 'lock' }, { op: 'readBegin', into: 's' }, { op: 'unlock', lock: 'L', mode: 'write' }, ret] },
    });
    const { w, s } = setUp(f, ['fault:A', 'munmap'], { strategy: 'core-counter', interval: { start: 0, end: 4 } });
    const r = runWorld(w, s, ['fault:A', 'fault:A', 'fault:A', 'fault:A'], { invariants: [invariantByName('LockOrder')!] });
    expect(r.final.lockdep).toContain(`${f.driver}:L→notifier_map`);
    expect(r.verdicts.LockOrder.status).toBe('violated');
  });
});

describe('more instruction updates', () => {
  it('up_write of a lock the thread does not hold: an underflow (NoCounterUnderflow violated) and the debug warning, the lock untouched (docs/kernel.md §1.1)', () => {
    const f = driver('unheld-unlock', [{ op: 'unlock', lock: 'L', mode: 'write' }], { locks: { L: 'mutex' } });
    const { w, s } = setUp(f, ['munmap']);
    const facts: Fact[] = [];
    const diagnostics: string[] = [];
    const r = runWorld(w, s, [], { invariants: [invariantByName('NoCounterUnderflow')!], onStep: (st) => { facts.push(...st.facts); diagnostics.push(...st.diagnostics.map((d) => `${d.kind}: ${d.text}`)); } });
    expect(facts.filter((x) => x.fact === 'underflow')).toEqual([{ fact: 'underflow', what: 'unlock of A.L, which munmap does not hold', value: -1 }]);
    expect(diagnostics).toEqual(['WARN_ON: DEBUG_LOCKS_WARN_ON: unlock of unheld A.L']);
    expect(r.verdicts.NoCounterUnderflow.status).toBe('violated');
  });

  it("wait_event in the OOM reaper's non-blockable start sleeps (might_sleep) even when the counter is already 0: NonBlockingNeverSleeps (docs/kernel.md §2.3)", () => {
    const { w, s } = setUp(driver('wz-nonblock', [{ op: 'waitZero', counter: 'c' }]), ['oom_reaper']);
    const facts: Fact[] = [];
    runWorld(w, s, [], { invariants: [], onStep: (st) => facts.push(...st.facts) });
    expect(facts.filter((x) => x.fact === 'sleep_in_nonblock')).toEqual([{ fact: 'sleep_in_nonblock', thread: 'oom_reaper', what: 'wait_event(c == 0)', nonBlockCount: 1 }]);
  });

  it("wait_event remembers the invalidation witness like a snapshot and keeps the fault's other locals (docs/kernel.md §2.5)", () => {
    const f = driver('wz-locals', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: [{ op: 'snapshot', counter: 'c', into: 's' }, { op: 'waitZero', counter: 'c' }, ret] } });
    const { w, s: s0 } = setUp(f, ['fault:A']);
    let s = stepOnce(w, s0, 'fault:A').state;
    s = stepOnce(w, s, 'fault:A').state;
    expect(th(s, 'fault:A').call?.locals).toEqual({ s: 0, invStarted: s.nextInvId, invActive: 0 });
  });

  it('the first interval insert registers the NULL notifier: the mm has subscriptions from then on (docs/kernel.md §1.5)', () => {
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'nouveau-5.5', address: 256 }], threads: ['fault:A'] });
    if (!r.ok) throw new Error(r.error);
    expect(r.state.core.hasItree).toBe(false);
    const x = step(r.world, r.state, 'fault:A');
    expect(x.tag === 'stepped' && x.state.core).toMatchObject({ hasItree: true, hasSubscriptions: true });
  });
});

describe("the interval notifier's insert and remove (docs/kernel.md §1.5, §2.2)", () => {
  /** nouveau-5.5 with this per-fault program (its combined notifier) or ioctl, as notifier X. */
  const nouveau = (name: string, o: { fault?: ReturnType<typeof program>; ioctl?: ReturnType<typeof program> }) => {
    const base = presets['nouveau-5.5'];
    const def: DriverDef = { ...base, driver: name, ...(o.fault ? { combined: { ...base.combined!, fault: o.fault } } : {}), ...(o.ioctl ? { ioctl: o.ioctl } : {}) };
    return { def, catalogue: { ...BUILTIN, drivers: { ...BUILTIN.drivers, [name]: def } } };
  };

  it('a lock held across the first insert (mmap_write_lock) and across the remove (the notifier map) orders the driver lock before both (LockOrder)', () => {
    const { def, catalogue } = nouveau('held-insert', { fault: program([I.lock('mutex'), I.intervalInsert, I.intervalRemove, I.unlock('mutex'), I.ret(0)]) });
    const r = resolve({ strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'X', driver: def.driver, address: 256 }], threads: ['fault:X'] }, catalogue);
    if (!r.ok) throw new Error(r.error);
    const final = runWorld(r.world, r.state, [], { invariants: [] }).final;
    expect(final.core.hasItree).toBe(true);
    expect(final.lockdep).toEqual(expect.arrayContaining([`${def.driver}:mutex→mmap_lock`, `${def.driver}:mutex→notifier_map`]));
  });

  it("an ioctl run in a task of the OOM victim whose first insert registers the NULL notifier: -EINTR, nothing inserted, the lock it held ordered before mmap_lock (§3.4)", () => {
    const { def, catalogue } = nouveau('ioctl-insert', { ioctl: program([I.lock('mutex'), I.intervalInsert, I.unlock('mutex'), I.ret(0)]) });
    const r = resolve({ strategy: 'call-all-end-2021', kernel: 'v6.6', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'X', driver: def.driver, address: 256 }], threads: ['oom_reaper', 'ioctl:X'] }, catalogue);
    if (!r.ok) throw new Error(r.error);
    let s = stepOnce(r.world, r.state, 'oom_reaper').state; // the OOM kill: SIGKILL pending from here
    s = stepOnce(r.world, s, 'ioctl:X').state; // lock(mutex)
    const x = stepOnce(r.world, s, 'ioctl:X');
    expect(x.events.join('; ')).toMatch(/mm_take_all_locks -> -EINTR; mmap_write_unlock: fatal signal pending, ioctl:X exits/);
    expect(x.state.core.hasItree).toBe(false);
    expect(th(x.state, 'ioctl:X')).toMatchObject({ done: true, call: null });
    expect(x.state.lockdep).toContain(`${def.driver}:mutex→mmap_lock`);
  });

  it('on v5.15 the deferred remove, once its wave has ended, only moves on: no second remove, nothing deferred again (found by a breadth-first search)', () => {
    const r = resolve({ strategy: 'call-all-end-2021', kernel: 'v5.15', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'B', driver: 'nouveau-5.5', address: 256 }], threads: ['madvise', 'fault:B'] });
    if (!r.ok) throw new Error(r.error);
    const w = r.world;
    let checked = 0;
    for (const s of reachable(w, r.state)) {
      for (const t of s.threads) {
        const next = step(w, s, t.id, false);
        if (next.tag !== 'stepped') continue;
        if (t.id === 'fault:B' && t.call?.locals.removeSeq !== undefined) {
          const after = th(next.state, 'fault:B').call;
          expect(after?.locals).not.toHaveProperty('removeSeq');
          expect(after?.pc).toBe(t.call.pc + 1);
          expect(next.state.core).toEqual(s.core);
          expect(next.state.subs).toEqual(s.subs);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('a retry keeps the locals (docs/kernel.md §2.5)', () => {
  it('a fault whose retry target is after its snapshot still reads that snapshot: its collisions stay unexplained and it reaches the bound', () => {
    const f = driver('retry-locals', [], { hlist: { invalidate_range_start: [ret], invalidate_range_end: null, fault: [{ op: 'snapshot', counter: 'c', into: 's' }, ':top', { op: 'retry', to: 'top' }] } });
    const { w, s: s0 } = setUp(f, ['fault:A']);
    const snapped = stepOnce(w, s0, 'fault:A').state;
    const once = stepOnce(w, snapped, 'fault:A').state;
    expect(th(once, 'fault:A').call?.locals).toEqual({ ...th(snapped, 'fault:A').call?.locals, pinned: 0 });
    expect(th(toSpin(w, once, 'fault:A'), 'fault:A')).toMatchObject({ retries: w.knobs.faultRetryBound });
  });
});
