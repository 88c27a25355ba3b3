/**
 * Two-pass interval notifiers (v7.1: 7aba71dbc416; docs/two-pass.md, docs/kernel.md §2.6) and
 * the xe preset (§6.8). mn_itree_invalidate calls each invalidate_start, links the finishes it
 * hands out, runs them in walk order once the walk is over — after a full walk, and after a
 * non-blocking false, before mn_itree_inv_end and -EAGAIN — and only then goes on to the hlist.
 * A pending finish counts as a start still pending for NoStaleSecondaryMapping.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explore } from '../engine/exhaustive.ts';
import { parseDriverFile, toDriverDef } from '../engine/driver-format.ts';
import { BUILTIN, C, EAGAIN, I, presets, program, resolve, run, type Catalogue, type DriverDef, type Scenario } from '../model/index.ts';
import { notifier, scenario } from './support.ts';

const V71 = { kernel: 'v7.1', reaper: 'nonblock-per-vma' } as const;
const at71 = (o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => ({ ...scenario({ strategy: 'call-all-end-2021', ...o }), ...V71 });
const withDrivers = (...defs: DriverDef[]): Catalogue => ({ ...BUILTIN, drivers: { ...BUILTIN.drivers, ...Object.fromEntries(defs.map((d) => [d.driver, d])) } });

const actions = (sc: Scenario, schedule: readonly string[], catalogue?: Catalogue) => {
  const r = run(sc, schedule, {}, catalogue);
  return { r, labels: r.trace.map((s) => s.action), events: r.trace.flatMap((s) => s.events) };
};

/** A two-pass driver whose start hands out its finish whatever the mode, and whose finish only unmaps. */
const eager: DriverDef = {
  ...presets.xe,
  driver: 'eager-two-pass',
  kernels: { from: 'v7.1' },
  counters: {},
  interval: {
    invalidate: program([I.setSeq, I.retFinish]),
    invalidate_finish: program([I.zap, I.ret(0)]),
    fault: presets.xe.interval?.fault ?? null,
  },
};
/** One-pass-in-spirit, two-pass in form: false when non-blockable. */
const refuses: DriverDef = {
  ...eager,
  driver: 'refuses',
  interval: { invalidate: program([I.jump('no', C.nonblockable), I.setSeq, I.zap, I.ret(0), ':no', I.ret(EAGAIN)]), invalidate_finish: program([I.ret(0)]), fault: eager.interval?.fault ?? null },
};

describe('the core runs the finishes', () => {
  it('xe under munmap: the start hands out its finish, the finish runs before invalidate_range_start returns, and finish_inuse is 0 again', () => {
    const { r, labels, events } = actions(at71({ notifiers: [notifier('A', 'xe', 256)], threads: ['munmap'] }), []);
    const ret = labels.indexOf('A.invalidate_start: *finish = &A.finish; return true');
    const fin = labels.findIndex((l) => l.startsWith('A.invalidate_finish:'));
    const returned = events.findIndex((e) => e.startsWith('invalidate_range_start -> '));
    expect(ret).toBeGreaterThanOrEqual(0);
    expect(fin).toBeGreaterThan(ret);
    expect(events).toContain('A.invalidate_start -> true, *finish set');
    expect(events).toContain('A.invalidate_finish -> void');
    expect(events.indexOf('A.invalidate_finish -> void')).toBeLessThan(returned);
    expect(r.final.drivers.A.counters.finish_inuse).toBe(0);
    expect(r.final.drivers.A.sptes).toEqual({});
    for (const v of Object.values(r.verdicts)) expect(v.status).not.toBe('violated');
  });

  it('after a non-blocking false, the finishes already handed out run before inv_end and -EAGAIN, and the hlist is not visited', () => {
    const sc = at71({ notifiers: [notifier('A', 'eager-two-pass', 256), { ...notifier('B', 'refuses', 512), interval: { start: 2, end: 4 } }, notifier('C', 'kvm', 768)], threads: ['oom_reaper'] });
    const { events } = actions(sc, [], withDrivers(eager, refuses));
    const finished = events.indexOf('A.invalidate_finish -> void');
    const failed = events.indexOf('B.invalidate_start -> false');
    const invEnd = events.findIndex((e, k) => k > failed && /^active_invalidate_ranges 1 -> 0/.test(e));
    const eagain = events.indexOf('invalidate_range_start_nonblock -> -EAGAIN');
    expect(failed).toBeGreaterThan(events.indexOf('A.invalidate_start -> true, *finish set'));
    expect(finished).toBeGreaterThan(failed);
    expect(invEnd).toBeGreaterThan(finished);
    expect(eagain).toBeGreaterThan(invEnd);
    // C, a classic (hlist) notifier, gets no start in that invalidation.
    expect(events.slice(0, eagain).some((e) => e.startsWith('C.invalidate_range_start'))).toBe(false);
  });

  it('after a full walk the finishes run before the hlist starts; in mn_itree_release before inv_end', () => {
    const sc = at71({ notifiers: [notifier('A', 'eager-two-pass', 256), notifier('C', 'kvm', 768)], threads: ['munmap'] });
    const { events } = actions(sc, [], withDrivers(eager));
    expect(events.indexOf('A.invalidate_finish -> void')).toBeGreaterThan(-1);
    expect(events.indexOf('A.invalidate_finish -> void')).toBeLessThan(events.findIndex((e) => e.startsWith('C.invalidate_range_start')));
    const exit = actions(at71({ notifiers: [notifier('A', 'eager-two-pass', 256)], threads: ['exit_mmap'] }), [], withDrivers(eager)).events;
    const fin = exit.indexOf('A.invalidate_finish -> void');
    expect(fin).toBeGreaterThan(-1);
    expect(fin).toBeLessThan(exit.findIndex((e) => /^active_invalidate_ranges 1 -> 0/.test(e)));
  });

  it('a finish that does not unmap leaves a stale device mapping once the pages are gone: the finish pass is where the mapping goes', () => {
    const lazy: DriverDef = { ...eager, driver: 'lazy', interval: { ...(eager.interval as NonNullable<DriverDef['interval']>), invalidate_finish: program([I.ret(0)]) } };
    const sc = at71({ notifiers: [notifier('A', 'lazy', 256)], threads: ['munmap'] });
    const r = explore(sc, ['NoStaleSecondaryMapping'], { catalogue: withDrivers(lazy) }).results[0];
    expect(r.verdict).toBe('violated');
    const ok = explore(at71({ notifiers: [notifier('A', 'eager-two-pass', 256)], threads: ['munmap'] }), ['NoStaleSecondaryMapping'], { catalogue: withDrivers(eager) }).results[0];
    expect(ok.verdict).toBe('holds');
  });

  it('xe with munmap and a fault of its own: no stale mapping, no deadlock, balanced, its own counter range kept, in every interleaving', () => {
    const sc = at71({ notifiers: [notifier('A', 'xe', 256)], threads: ['munmap', 'fault:A'] });
    const { results } = explore(sc, ['NoStaleSecondaryMapping', 'NoDeadlock', 'QuiescentBalanced', 'DriverAssertions']);
    for (const x of results) expect(x.verdict, x.invariant).toBe('holds');
  });
});

describe('examples/two-pass-nb-finish.json', () => {
  it('a start that hands out its finish in a non-blockable walk makes the OOM reaper sleep in the finish', () => {
    const p = parseDriverFile(JSON.parse(readFileSync('examples/two-pass-nb-finish.json', 'utf8')));
    if (!p.ok) throw new Error(p.problems.join('; '));
    const cat = withDrivers(toDriverDef(p.value));
    const r = explore(at71({ notifiers: [notifier('A', 'kvm', 256), notifier('B', 'two-pass-nb-finish', 512)], threads: ['oom_reaper'] }), ['NonBlockingNeverSleeps'], { catalogue: cat }).results[0];
    expect(r.verdict).toBe('violated');
    const trace = r.counterexample?.trace ?? [];
    expect(trace.at(-1)?.action).toBe('B.invalidate_finish: lock(notifier_lock)');
    expect(r.counterexample?.witness).toMatch(/^oom_reaper sleeps in a non-blockable invalidation: lock\(B.notifier_lock\)/);
  });
});

describe('xe and the releases', () => {
  it('a two-pass driver needs a release that has two passes (v7.1); xe is v7.1 code', () => {
    const r = resolve({ ...scenario({ strategy: 'call-all-end-2021', notifiers: [notifier('A', 'xe', 256)] }) });
    expect(r.ok ? [] : r.errors).toEqual(["notifiers[0].driver: 'xe' has two-pass interval ops (invalidate_start, invalidate_finish), which only v7.1 has: give --kernel (kernel in a scenario file)"]);
    const v66 = resolve({ ...scenario({ strategy: 'call-all-end-2021', notifiers: [notifier('A', 'xe', 256)] }), kernel: 'v6.6' });
    expect(v66.ok ? [] : v66.errors).toContain("notifiers[0].driver: 'xe' is kernel code from v7.1 on, so v6.6 does not have it");
    expect(resolve(at71({ notifiers: [notifier('A', 'xe', 256)] })).ok).toBe(true);
  });

  it('v7.1 has its exit_mmap thread (the v6.1 order, properties/exit-mmap-eras.test.ts)', () => {
    const w = resolve(at71({ notifiers: [notifier('A', 'xe', 256)], threads: ['exit_mmap'] }));
    expect(w.ok ? [] : w.errors).toEqual([]);
  });

  it('insert WARNs for an invalidate_start without an invalidate_finish and inserts anyway', () => {
    const half: DriverDef = { ...eager, driver: 'half', interval: { ...(eager.interval as NonNullable<DriverDef['interval']>), invalidate_finish: null } };
    const r = run(at71({ notifiers: [notifier('A', 'half', 256)], threads: ['register:A'] }), [], {}, withDrivers(half));
    const diags = r.trace.flatMap((s) => s.diagnostics ?? []);
    expect(diags).toContain('WARN_ON: WARN_ON_ONCE(ops->invalidate_start && !ops->invalidate_finish): A');
    expect(r.final.subs.find((x) => x.name === 'A')?.registered).toBe(true);
  });
});

describe('the driver file format', () => {
  const file = (interval: unknown) => ({
    format: 'mmu-notifier-checker/driver@1',
    driver: 'mine',
    era: 'v7.1',
    summary: 's',
    source: 'docs/two-pass.md',
    locks: {},
    counters: {},
    hlist: null,
    interval,
    ioctl: null,
  });
  const ret0 = [{ op: 'ret', value: 0 }];

  it('accepts invalidate_start with invalidate_finish, and round-trips to the same programs', () => {
    const p = parseDriverFile(file({ invalidate_start: [{ op: 'ret', value: 0, finish: true }], invalidate_finish: ret0, fault: null }));
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const d = toDriverDef(p.value);
    expect(d.interval?.invalidate_finish?.code).toEqual([{ op: 'ret', value: 0 }]);
    expect(d.interval?.invalidate.code).toEqual([{ op: 'ret', value: 0, finish: true }]);
  });

  it('refuses a start without a finish, a finish without a start, both forms at once, and a finish handed out with false or outside a start', () => {
    const problems = (interval: unknown) => {
      const p = parseDriverFile(file(interval));
      return p.ok ? [] : p.problems;
    };
    expect(problems({ invalidate_start: ret0, fault: null }).join('\n')).toMatch(/interval.invalidate_finish: missing: an invalidate_start without an invalidate_finish/);
    expect(problems({ invalidate: ret0, invalidate_finish: ret0, fault: null }).join('\n')).toMatch(/a finish goes with invalidate_start/);
    expect(problems({ invalidate: ret0, invalidate_start: ret0, invalidate_finish: ret0, fault: null }).join('\n')).toMatch(/not both/);
    expect(problems({ invalidate_start: [{ op: 'ret', value: EAGAIN, finish: true }], invalidate_finish: ret0, fault: null }).join('\n')).toMatch(/a finish goes with true/);
    expect(problems({ invalidate: [{ op: 'ret', value: 0, finish: true }], fault: null }).join('\n')).toMatch(/only a two-pass invalidate_start hands the core a finish/);
  });
});
