/**
 * The exhaustive search's state identity (engine/fingerprint.ts; docs/design.md §4) against the
 * exact canonical key, on generated pairs of states (issue #21 item 4).
 *
 * A state is reached by a random walk from a family's template (checks/families.ts) over a small
 * thread set; from it a variant is derived that differs in one field, either
 *  - one the canonical form must keep (a lockdep edge, a lock's writer, readers or queued
 *    writers, a driver counter, an spte, a thread's pc or outcome, a core field, a subscription
 *    flag, a page table entry): the exact keys must differ, and so must the fingerprints;
 *  - or one it abstracts (invalidation ids renamed by an order-preserving map, object key order,
 *    lockdep edge order): the exact keys must be equal, and so must the fingerprints.
 * The fingerprints are compared the ways the search compares them: a FingerprintSet that holds
 * the state answers `has` for the variant hashed whole, and hashed incrementally against the
 * state's kept part hashes (what a successor's fingerprint is computed from), and ExactSet agrees.
 * A fingerprint that dropped a field (lockdep, say) passes every engine test that only counts
 * states, and fails here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { threadSets } from '../engine/threadsets.ts';
import { ExactSet, exactKey, fingerprint, FingerprintSet, PartsStore } from '../engine/fingerprint.ts';
import { enabledThreads, resolve, step, STRATEGY_NAMES, type ModelState } from '../model/index.ts';
import { seed } from './seed.ts';

/** Families whose states differ in kind: counters, interval notifiers and nouveau's pair, registration, HMM's srcu-free hlist, amdgpu's lock across the window. */
const FAMILIES = ['ab-pair', 'failing-self-undo', 'lock-across-window', 'interval-and-hlist', 'registration-unlocked'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A deep copy through JSON (states are plain data). */
const copy = <T,>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The state after a random walk of the thread set picked by `pick` (each choice: an enabled thread). */
const walk = (family: string, strategy: string, pick: number, choices: readonly number[]): ModelState | null => {
  const fam = families.find((f) => f.id === family);
  if (!fam) throw new Error(`no family ${family}`);
  const t = { ...fam.template, strategy };
  const sets = threadSets(t, 3);
  if (sets.length === 0) return null;
  const r = resolve({ ...t, threads: fam.template.threads ?? sets[pick % sets.length] });
  if (!r.ok) return null; // a strategy that cannot run the family (core-counter and odp-4.20)
  let s = r.state;
  for (const c of choices) {
    const en = enabledThreads(r.world, s);
    if (en.length === 0) break;
    const st = step(r.world, s, en[c % en.length], false);
    if (st.tag !== 'stepped') break;
    s = st.state;
  }
  return s;
};

const stateArb = fc
  .record({
    family: fc.constantFrom(...FAMILIES),
    strategy: fc.constantFrom(...STRATEGY_NAMES),
    pick: fc.nat(),
    choices: fc.array(fc.nat(), { minLength: 4, maxLength: 60, size: 'max' }),
  })
  .map(({ family, strategy, pick, choices }) => walk(family, strategy, pick, choices))
  .filter((s): s is ModelState => s !== null);

/** A mutation of one field the canonical form keeps; null when the state has nothing of that kind to change. */
type Kept = (s: ModelState, k: number) => { what: string; state: ModelState } | null;

const nth = <T,>(xs: readonly T[], k: number): T | undefined => (xs.length ? xs[k % xs.length] : undefined);

const KEPT: Readonly<Record<string, Kept>> = {
  'a lockdep edge added': (s) => ({ what: 'lockdep', state: { ...s, lockdep: [...s.lockdep, 'fs_reclaim→test:edge'] } }),
  'a lockdep edge removed': (s, k) => {
    const e = nth(s.lockdep, k);
    return e === undefined ? null : { what: `lockdep -${e}`, state: { ...s, lockdep: s.lockdep.filter((x) => x !== e) } };
  },
  // As many edges as before: a set hashed by its size alone would take it for the state.
  'a lockdep edge replaced': (s, k) => {
    const e = nth(s.lockdep, k);
    return e === undefined ? null : { what: `lockdep ${e} → test:edge`, state: { ...s, lockdep: s.lockdep.map((x) => (x === e ? 'fs_reclaim→test:edge' : x)) } };
  },
  "a lock's writer": (s, k) => {
    const id = nth(Object.keys(s.locks), k);
    if (id === undefined) return null;
    const l = s.locks[id];
    return { what: `${id}.writer`, state: { ...s, locks: { ...s.locks, [id]: { ...l, writer: l.writer === null ? s.threads[0].id : null } } } };
  },
  "a lock's readers": (s, k) => {
    const id = nth(Object.keys(s.locks), k);
    if (id === undefined) return null;
    const l = s.locks[id];
    return { what: `${id}.readers`, state: { ...s, locks: { ...s.locks, [id]: { ...l, readers: [...l.readers, 'test:reader'] } } } };
  },
  // The queued writers of an rwsem, where the model's locks have them (see KEPT_HERE).
  "a lock's waiting writers": (s, k) => {
    const id = nth(Object.keys(s.locks).filter((x) => 'waiters' in s.locks[x]), k);
    if (id === undefined) return null;
    const l = s.locks[id] as unknown as { waiters: readonly string[] };
    return { what: `${id}.waiters`, state: { ...s, locks: { ...s.locks, [id]: { ...s.locks[id], waiters: [...l.waiters, 'test:waiter'] } } } };
  },
  'a driver counter': (s, k) => {
    const cs = Object.entries(s.drivers).flatMap(([d, v]) => Object.keys(v.counters).map((c) => [d, c] as const));
    const dc = nth(cs, k);
    if (!dc) return null;
    const [d, c] = dc;
    const v = s.drivers[d];
    return { what: `${d}.${c}`, state: { ...s, drivers: { ...s.drivers, [d]: { ...v, counters: { ...v.counters, [c]: v.counters[c] + 1 } } } } };
  },
  'an spte': (s, k) => {
    const d = nth(Object.keys(s.drivers), k);
    if (d === undefined) return null;
    const v = s.drivers[d];
    return { what: `${d}.sptes`, state: { ...s, drivers: { ...s.drivers, [d]: { ...v, sptes: { ...v.sptes, 3: (v.sptes[3] ?? 0) + 100 } } } } };
  },
  "a thread's pc": (s, k) => {
    const t = nth(s.threads, k);
    if (!t) return null;
    // A value no program has: the canonical form must keep whatever pc is.
    return { what: `${t.id}.pc`, state: { ...s, threads: s.threads.map((x) => (x === t ? ({ ...x, pc: `${String(x.pc)}'` } as unknown as typeof x) : x)) } };
  },
  "a thread's outcome": (s, k) => {
    const t = nth(s.threads, k);
    if (!t) return null;
    return { what: `${t.id}.outcome`, state: { ...s, threads: s.threads.map((x) => (x === t ? { ...x, outcome: x.outcome === 'running' ? 'finished' : 'running' } : x)) } };
  },
  // Kept out of a thread's part hash and mixed in after renaming (exit_mmap's and unregister's).
  "a thread's srcu readers": (s, k) => {
    const t = nth(s.threads.filter((x) => x.kind === 'exit_mmap' || x.kind === 'unregister'), k);
    if (!t || (t.kind !== 'exit_mmap' && t.kind !== 'unregister')) return null;
    return { what: `${t.id}.srcuReaders`, state: { ...s, threads: s.threads.map((x) => (x === t ? { ...t, srcuReaders: [...t.srcuReaders, 'test:walker#release'] } : x)) } };
  },
  "a call's program counter": (s, k) => {
    const t = nth(s.threads.filter((x) => x.call !== null), k);
    if (!t?.call) return null;
    return { what: `${t.id}.call.pc`, state: { ...s, threads: s.threads.map((x) => (x === t && x.call ? { ...x, call: { ...x.call, pc: x.call.pc + 1 } } : x)) } };
  },
  'core.activeInvalidateRanges': (s) => ({ what: 'core', state: { ...s, core: { ...s.core, activeInvalidateRanges: s.core.activeInvalidateRanges + 1 } } }),
  'core.invalidateSeq': (s) => ({ what: 'core', state: { ...s, core: { ...s.core, invalidateSeq: s.core.invalidateSeq + 2 } } }),
  'core.hasItree': (s) => ({ what: 'core', state: { ...s, core: { ...s.core, hasItree: !s.core.hasItree } } }),
  'a subscription flag': (s, k) => {
    const i = s.subs.length ? k % s.subs.length : -1;
    if (i < 0) return null;
    const flag = (['registered', 'inTree', 'released'] as const)[k % 3];
    return { what: `subs[${i}].${flag}`, state: { ...s, subs: s.subs.map((x, j) => (j === i ? { ...x, [flag]: !x[flag] } : x)) } };
  },
  // The same values under other keys: an object hashed without its keys would take it for the state.
  "a subscription's flags exchanged": (s, k) => {
    const i = s.subs.findIndex((x, j) => j >= k % Math.max(1, s.subs.length) && x.registered !== x.released);
    if (i < 0) return null;
    const x = s.subs[i];
    return { what: `subs[${i}].registered ⇄ released`, state: { ...s, subs: s.subs.map((y, j) => (j === i ? { ...y, registered: x.released, released: x.registered } : y)) } };
  },
  'a page table entry': (s, k) => {
    const p = s.mm.pte.length ? k % s.mm.pte.length : -1;
    if (p < 0) return null;
    return { what: `pte[${p}]`, state: { ...s, mm: { ...s.mm, pte: s.mm.pte.map((f, j) => (j === p ? (f === null ? 7 : null) : f)) } } };
  },
};

/** The kept fields this model's states have: a lock's queue of waiting writers only where Lock has `waiters`. */
const KEPT_HERE = Object.keys(KEPT).filter((name) => {
  if (name !== "a lock's waiting writers") return true;
  const fam = families.find((f) => f.id === 'ab-pair');
  const r = fam && resolve({ ...fam.template, strategy: 'skip-all-end', threads: ['oom_reaper'] });
  return !!r && r.ok && Object.values(r.state.locks).some((l) => 'waiters' in l);
});

/** Every object rebuilt with its keys in reverse order (arrays keep theirs). */
const reversedKeys = (v: Json): Json => {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(reversedKeys);
  const out: { [k: string]: Json } = {};
  for (const k of Object.keys(v).reverse()) out[k] = reversedKeys(v[k]);
  return out;
};

/** Every invalidation id mapped by f (increasing): nextInvId, inv.id, locals.invStarted, srcuReaders' `<thread>#<id>`. */
const renameIds = (s: ModelState, f: (id: number) => number): ModelState => {
  const out = copy(s) as unknown as { nextInvId: number; threads: { inv: { id: number } | null; call: { locals: Record<string, number> } | null; srcuReaders?: string[] }[] };
  out.nextInvId = f(out.nextInvId);
  for (const t of out.threads) {
    if (t.inv) t.inv.id = f(t.inv.id);
    if (t.call && t.call.locals.invStarted !== undefined) t.call.locals.invStarted = f(t.call.locals.invStarted);
    if (t.srcuReaders) t.srcuReaders = t.srcuReaders.map((r) => (/#\d+$/.test(r) ? r.replace(/#(\d+)$/, (_m, n: string) => `#${f(Number(n))}`) : r));
  }
  return out as unknown as ModelState;
};

const ABSTRACTED: Readonly<Record<string, (s: ModelState, k: number) => ModelState>> = {
  'invalidation ids renamed in order': (s, k) => renameIds(s, (id) => 3 * id + 1 + (k % 5)),
  'object keys in reverse order': (s) => reversedKeys(s as unknown as Json) as unknown as ModelState,
  'lockdep edges in another order': (s, k) => ({ ...s, lockdep: [...s.lockdep.slice(k % Math.max(1, s.lockdep.length)), ...s.lockdep.slice(0, k % Math.max(1, s.lockdep.length))].reverse() }),
};

/** Whether the search would take `b` for `a`: as the exact key, as a fingerprint hashed whole, and hashed against `a`'s parts. */
const seen = (a: ModelState, b: ModelState) => {
  const exact = new ExactSet();
  exact.add(a);
  const whole = new FingerprintSet(true, a.threads.length);
  whole.add(a);
  const kept = new FingerprintSet(true, a.threads.length);
  kept.add(a);
  const store = new PartsStore(kept.stride);
  kept.keepParts(store);
  return { exact: exact.has(b), whole: whole.has(b), incremental: kept.has(b, { state: a, parts: store.buf, at: 0 }) };
};

describe('the fingerprint agrees with the exact canonical key (engine/fingerprint.ts)', () => {
  it.each(KEPT_HERE)('%s: a different state, for the exact key and for the fingerprint, whole and incremental', (name) => {
    const mutate = KEPT[name];
    let tried = 0;
    fc.assert(
      fc.property(stateArb, fc.nat(), (s, k) => {
        const v = mutate(s, k);
        if (!v) return;
        tried++;
        expect(exactKey(v.state), v.what).not.toBe(exactKey(s));
        expect(seen(s, v.state), v.what).toEqual({ exact: false, whole: false, incremental: false });
        // Each 32-bit lane on its own (the collision bound takes them as two independent hashes).
        const [a, b] = fingerprint(s);
        const [va, vb] = fingerprint(v.state);
        expect(va === a || vb === b, `${v.what}: a lane the same`).toBe(false);
        // And the other way round: the variant as the parent, the state as its successor.
        expect(seen(v.state, s), v.what).toEqual({ exact: false, whole: false, incremental: false });
      }),
      { seed, numRuns: 60 },
    );
    expect(tried, 'states with something of this kind to change').toBeGreaterThan(10);
  });

  it.each(Object.keys(ABSTRACTED))('%s: the same state, for the exact key and for the fingerprint, whole and incremental', (name) => {
    const derive = ABSTRACTED[name];
    fc.assert(
      fc.property(stateArb, fc.nat(), (s, k) => {
        const v = derive(s, k);
        expect(exactKey(v)).toBe(exactKey(s));
        expect(seen(s, v)).toEqual({ exact: true, whole: true, incremental: true });
        expect(seen(v, s)).toEqual({ exact: true, whole: true, incremental: true });
      }),
      { seed, numRuns: 60 },
    );
  });

  it('the walks reach states with invalidations in flight, lockdep edges and several ids (the renaming has something to rename)', () => {
    const states = fc.sample(stateArb, { seed, numRuns: 300 });
    // Seed 42: 139, 258, 33 and 67 of the 300.
    expect(states.filter((s) => s.threads.some((t) => t.inv !== null)).length).toBeGreaterThan(50);
    expect(states.filter((s) => s.lockdep.length > 1).length).toBeGreaterThan(100);
    expect(states.filter((s) => s.threads.some((t) => t.call?.locals.invStarted !== undefined)).length).toBeGreaterThan(5);
    expect(states.filter((s) => s.nextInvId > 2).length).toBeGreaterThan(20);
  });
});
