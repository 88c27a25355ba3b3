/**
 * A combined subscription (nouveau-style: a classic hlist notifier and a per-fault interval
 * notifier on one subscription, docs/kernel.md §2.2, §6.6) keeps its two results apart on a named
 * release (model/kernel.ts combinedResultsApart): its interval invalidate returning true is not
 * its hlist start returning 0, and its interval invalidate returning false is not its hlist start
 * failing. The model without a kernel keeps the one shared entry (its saved cases and matrix).
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../engine/exhaustive.ts';
import { BUILTIN, C, EAGAIN, I, presets, program, step, type Catalogue, type DriverDef, type Fact, type Scenario } from '../model/index.ts';
import { factsOf, notifier, scenario, stepUntil, world } from './support.ts';

// nouveau-5.5 with a classic end of its own: start counts, end uncounts; its interval part as nouveau's.
const nouveau = presets['nouveau-5.5'];
const bothEnd = (interval: 'trylock' | 'nb-false'): DriverDef => ({
  ...nouveau,
  driver: `both-end-${interval}`,
  kernels: undefined,
  counters: { count: { balanced: true } },
  hlist: {
    invalidate_range_start: program([I.inc('count'), I.zap, I.ret(0)]),
    invalidate_range_end: program([I.dec('count'), I.ret(0)]),
    release: null,
    fault: null,
  },
  combined: {
    ...(nouveau.combined as NonNullable<DriverDef['combined']>),
    ...(interval === 'nb-false' ? { invalidate: program([I.jump('fail', C.nonblockable), I.setSeq, I.ret(0), ':fail', I.ret(EAGAIN)]) } : {}),
  },
});
const catalogue: Catalogue = { ...BUILTIN, drivers: { ...BUILTIN.drivers, 'both-end-trylock': bothEnd('trylock'), 'both-end-nb-false': bothEnd('nb-false') } };
const on = (kernel: string | undefined, o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => ({ ...scenario(o), ...(kernel ? { kernel } : {}) });

/** The fault inserts C's per-fault interval notifier (the first insert registers the NULL notifier first). */
const inserted = (sc: Scenario) => {
  const { world: w, state: s0 } = world(sc, catalogue);
  return { w, s: stepUntil(w, s0, 'fault:C', (s) => s.subs.some((x) => x.name === 'C' && x.inTree)) };
};

/** Step the reaper alone until it is done or waits (its sleep between attempts), collecting every step's facts and its first closed invalidation. */
const reap = (sc: Scenario) => {
  const { w, s } = inserted(sc);
  let cur = s;
  const facts: Fact[] = [];
  for (let k = 0; k < 60; k++) {
    const r = step(w, cur, 'oom_reaper');
    if (r.tag !== 'stepped') break;
    facts.push(...r.facts);
    cur = r.state;
  }
  const closed = factsOf(facts, 'inv_closed')[0]?.inv ?? null;
  return { facts, closed };
};

describe('a combined subscription keeps its interval and hlist results apart (named releases)', () => {
  // sorted-undo stops the hlist walk at the first failure: F (address 256) fails non-blocking, so C's
  // hlist start (512) is never called, though C's interval invalidate returned true.
  const stopped = (kernel: string | undefined) =>
    on(kernel, {
      strategy: 'sorted-undo',
      notifiers: [{ name: 'F', driver: 'generic', address: 256, nonblockStart: 'always-eagain', hasEnd: false, countsInStart: false }, notifier('C', 'both-end-trylock', 512)],
      threads: ['oom_reaper', 'fault:C'],
    });

  it("an interval invalidate that returned true is not the hlist start returning 0: the reaper's invalidation records C's true apart, and owes C's hlist form no end", () => {
    const named = reap(stopped('v6.6')).closed;
    expect(named?.results).toEqual({ F: 'fail' });
    expect(named?.itreeResults).toEqual({ C: 'ok' });
    // Without a kernel the one entry is the interval's, read as the hlist start's.
    const legacy = reap(stopped(undefined)).closed;
    expect(legacy?.results).toEqual({ C: 'ok', F: 'fail' });
    expect(legacy?.itreeResults).toBeUndefined();
  });

  it('so StartEndPaired holds on v6.6, where the shared entry made it report an end owed to a start never called', () => {
    expect(explore(stopped('v6.6'), ['StartEndPaired'], { catalogue }).results[0].verdict).toBe('holds');
    const legacy = explore(stopped(undefined), ['StartEndPaired'], { catalogue }).results[0];
    expect(legacy.verdict).toBe('violated');
    expect(legacy.counterexample?.witness).toMatch(/^C\.invalidate_range_start returned 0 in invalidation #\d+ \(oom_reaper, \[0,4\), nonblock\) but C got 0 ends$/);
  });

  // reaper-calls-end: the reaper calls _end after its non-blocking start failed. C's interval
  // invalidate returned false, and the walk stopped before the hlist: the end C's hlist form gets
  // is on a start never called, not on one that returned -EAGAIN.
  const failed = (kernel: string | undefined) => on(kernel, { strategy: 'reaper-calls-end', notifiers: [notifier('C', 'both-end-nb-false', 256)], threads: ['oom_reaper', 'fault:C'] });

  it('an interval invalidate that returned false is not a failed hlist start', () => {
    const ends = (kernel: string | undefined) => factsOf(reap(failed(kernel)).facts, 'end_called').filter((f) => f.sub === 'C').map((f) => f.startResult);
    expect(ends('v6.6')).toEqual(['notCalled']);
    expect(ends(undefined)).toEqual(['fail']);
    const named = explore(failed('v6.6'), ['NoEndWithoutStart'], { catalogue }).results[0];
    expect(named.verdict).toBe('violated');
    expect(named.counterexample?.witness).toMatch(/^C\.invalidate_range_end called in invalidation #\d+ but its start was never called$/);
  });
});
