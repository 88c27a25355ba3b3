/**
 * Kills the verdict-changing survivors of `npm run mutate -- engine/fingerprint.ts:781-1006` (the
 * visited sets the exhaustive search keys states by: FingerprintSet, its FingerprintIndex, ExactSet;
 * docs/guide.md, mutation section). A set that loses an entry when it grows, answers "new" for a
 * state it holds (or "seen" for one it does not), or numbers a state wrongly would search a state
 * twice, skip one, or put a cycle's edge on another node; an index that loses a state's place
 * would link a layer's state to the wrong parent.
 *
 * Every reachable state of a small scenario (an oom_reaper beside exit_mmap, two VMAs: the
 * canonical form merges some of them) goes, twice over, into a FingerprintSet that starts with two
 * slots (so it grows many times) and into an ExactSet; the two must answer alike state by state
 * (add, has, size, the insertion number `last`), and the index of each must give back the number
 * set for the state last looked up, and nothing for a state never set, across its own growths.
 *
 * Real states' fingerprints almost never share a 32-bit lane or hold a 0 lane (2^-32 a pair), yet
 * a proof's millions of states make pairs that share a lane certain: a table that matched on one
 * lane, or took a slot with one 0 lane for an empty one, would merge states. So the last test
 * gives the set's fingerprinter fingerprints chosen by hand (lanes shared, lanes 0, (0, 0), the
 * same home slot) and asks the set and its index to keep every one apart.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { ExactSet, exactKey, fingerprint, FingerprintSet, PartsStore, type Hashed } from '../engine/fingerprint.ts';
import { liveLocals, type LiveLocals } from '../engine/liveness.ts';
import { resolve, type ModelState, type Scenario } from '../model/index.ts';
import { reachable } from './support.ts';

const template = (id: string) => (families.find((f) => f.id === id) as (typeof families)[number]).template;
const SC: Scenario = { ...template('failing-self-undo'), vmas: [{ start: 0, end: 2 }, { start: 2, end: 4 }], strategy: 'sorted-undo', threads: ['oom_reaper', 'exit_mmap'] };

const r = resolve(SC);
if (!r.ok) throw new Error(`does not resolve: ${r.error}`);
const STATES: readonly ModelState[] = reachable(r.world, r.state);
const THREADS = r.state.threads.length;

/** The capacity a FingerprintSet grown from `start` slots holds `n` states in: at most 70 % full. */
const capacityFor = (n: number, start: number): number => {
  let cap = start;
  while (n * 10 > cap * 7) cap *= 2;
  return cap;
};

describe('the visited sets (engine/fingerprint.ts): a fingerprint set that grows from two slots answers as the exact set', () => {
  it('add, has, size and the insertion number agree state by state, over two passes', () => {
    const exact = new ExactSet();
    const fps = new FingerprintSet(true, THREADS, 2, true);
    const plain = new FingerprintSet(true, THREADS, 2, false);
    let mismatches = 0;
    let firstNew = 0;
    let merged = 0;
    let chars = 0;
    const keys = new Set<string>();
    for (const pass of [1, 2])
      for (const s of STATES) {
        const seen = exact.has(s);
        const seenAt = exact.last;
        if (fps.has(s) !== seen || fps.last !== (seen ? seenAt : -1) || plain.has(s) !== seen || plain.last !== -1) mismatches++;
        const added = exact.add(s);
        const at = exact.last;
        if (fps.add(s) !== added || fps.last !== at || plain.add(s) !== added || plain.last !== -1) mismatches++;
        if (fps.size !== exact.size || plain.size !== exact.size) mismatches++;
        // The number a state was stored with: the exact set's count before it, and the same when met again.
        if (added && at !== exact.size - 1) mismatches++;
        if (added) {
          const k = exactKey(s);
          chars += k.length;
          keys.add(k);
        }
        if (pass === 1) {
          if (added) firstNew++;
          else merged++;
        } else if (added || !fps.has(s) || fps.last !== at) mismatches++;
      }
    expect(mismatches).toBe(0);
    // The situations: states the canonical form merges, and many growths (2 slots → thousands).
    expect(STATES.length).toBeGreaterThan(1000);
    expect(merged).toBeGreaterThan(10);
    expect(firstNew).toBe(keys.size);
    expect(exact.size).toBe(keys.size);
    expect(fps.size).toBe(keys.size);
    // Memory: 8 bytes a slot, 4 more with the insertion numbers; the exact keys' characters estimated.
    const cap = capacityFor(keys.size, 2);
    expect(cap).toBeGreaterThanOrEqual(1024);
    expect(plain.bytes).toBe(cap * 8);
    expect(fps.bytes).toBe(cap * 12);
    expect(exact.bytes).toBe(chars * 2 + keys.size * 40);
    expect(new FingerprintSet(true, THREADS).bytes).toBe(4096 * 8);
  });

  it("the index of each set gives back the number set for the state last added or looked up, and nothing for a state never set", () => {
    const exact = new ExactSet();
    const fps = new FingerprintSet(true, THREADS, 2, true);
    const xi = exact.newIndex();
    const fi = fps.newIndex();
    const want = new Map<string, number>();
    let wrong = 0;
    let set = 0;
    let unset = 0;
    let found = 0;
    // As the search does: a new state gets its place in the layer, a seen one is looked up.
    STATES.forEach((s, n) => {
      const k = exactKey(s);
      const added = exact.add(s);
      if (fps.add(s) !== added) wrong++;
      if (added && n % 3 !== 2) {
        xi.set(n);
        fi.set(n);
        want.set(k, n);
        set++;
      } else if (fi.get() !== want.get(k) || xi.get() !== want.get(k)) wrong++;
      else found++;
    });
    for (const s of STATES) {
      const k = exactKey(s);
      fps.has(s);
      exact.has(s);
      const v = want.get(k);
      if (v === undefined) unset++;
      if (fi.get() !== v || xi.get() !== v) wrong++;
    }
    // A second set overwrites: the last number set is the one given back.
    for (const s of STATES.slice(0, 50)) {
      fps.has(s);
      fi.set(-7);
      if (fi.get() !== -7) wrong++;
    }
    expect(wrong).toBe(0);
    // The index grew (from 256 slots, half full at most) and holds states the search never set.
    expect(set).toBeGreaterThan(600);
    expect(unset).toBeGreaterThan(300);
    expect(found).toBeGreaterThan(10);
  });

  it('the kept parts: one stride of part hashes per state kept, the same a fingerprint hashed against them gives', () => {
    const fps = new FingerprintSet(true, THREADS);
    const store = new PartsStore(fps.stride);
    expect(fps.stride).toBeGreaterThan(THREADS);
    expect(new ExactSet().stride).toBe(0);
    const some = STATES.slice(0, 40);
    for (const s of some) {
      fps.add(s);
      fps.keepParts(store);
    }
    expect(store.size).toBe(some.length);
    // Each kept row is that state's: a set that holds only the next state finds it hashed against the row.
    let wrong = 0;
    some.forEach((s, i) => {
      const one = new FingerprintSet(true, THREADS);
      one.add(s);
      if (!one.has(s, { state: s, parts: store.buf, at: i * fps.stride })) wrong++;
      const other = some[(i + 1) % some.length];
      if (exactKey(other) !== exactKey(s) && one.has(other, { state: s, parts: store.buf, at: i * fps.stride })) wrong++;
    });
    expect(wrong).toBe(0);
  });

  it('fingerprint() hashes the canonical form by default: ids renamed give the same, the raw form another', () => {
    let renamed = 0;
    for (const s of STATES) {
      const ids = s.threads.flatMap((t) => (t.inv !== null ? [t.inv.id] : []));
      if (ids.length === 0) continue;
      const shift = (id: number) => id + 100;
      const v: ModelState = {
        ...s,
        nextInvId: shift(s.nextInvId),
        threads: s.threads.map((t) => ({
          ...t,
          ...(t.inv !== null ? { inv: { ...t.inv, id: shift(t.inv.id) } } : {}),
          ...(t.call !== null && t.call.locals.invStarted !== undefined ? { call: { ...t.call, locals: { ...t.call.locals, invStarted: shift(t.call.locals.invStarted) } } } : {}),
          ...('srcuReaders' in t ? { srcuReaders: t.srcuReaders.map((x) => x.replace(/#(\d+)$/, (_m, n: string) => `#${shift(Number(n))}`)) } : {}),
        })) as ModelState['threads'],
      };
      if (exactKey(v) !== exactKey(s)) continue;
      renamed++;
      expect(fingerprint(v)).toEqual(fingerprint(s));
      expect(fingerprint(v)).toEqual(fingerprint(s, true));
      expect(fingerprint(v, false)).not.toEqual(fingerprint(s, false));
      if (renamed >= 20) break;
    }
    expect(renamed).toBe(20);
  });

  // Of: engine/fingerprint.ts lines 685-755 (Fingerprinter.of): a field routed to the wrong hash
  // (a number through the record walk, every record through the locks' sums) merges states.
  it("a state's field changed alone changes the fingerprint wherever it changes the exact key: raw, canonical and proofs' forms", () => {
    const live = liveLocals(r.world);
    const forms: [boolean, LiveLocals | null][] = [[false, null], [true, null], [true, live]];
    const told = new Map<string, number>();
    for (const s of STATES.slice(0, 300)) {
      const mmap = s.locks.mmap_lock;
      const variants: [string, ModelState][] = [
        ['nextInvId', { ...s, nextInvId: s.nextInvId + 1 }],
        ['mm', { ...s, mm: { ...s.mm, MMF_UNSTABLE: !s.mm.MMF_UNSTABLE } }],
        ['core', { ...s, core: { ...s.core, activeInvalidateRanges: s.core.activeInvalidateRanges + 1 } }],
        ['locks', { ...s, locks: { ...s.locks, mmap_lock: { ...mmap, readers: [...mmap.readers, s.threads[0].id] } } }],
      ];
      for (const [field, v] of variants)
        for (const [k, [abstract, lv]] of forms.entries()) {
          if (exactKey(v, abstract, lv) === exactKey(s, abstract, lv)) continue;
          const key = `${field} ${k}`;
          told.set(key, (told.get(key) ?? 0) + 1);
          expect(fingerprint(v, abstract, lv), `${field} changed, form ${k}`).not.toEqual(fingerprint(s, abstract, lv));
        }
    }
    // Every field told apart in every form, but nextInvId alone in the raw one (the others rank it).
    expect([...told.keys()].sort()).toEqual(['core 0', 'core 1', 'core 2', 'locks 0', 'locks 1', 'locks 2', 'mm 0', 'mm 1', 'mm 2', 'nextInvId 0']);
  });

  it('fingerprints chosen by hand: a lane shared, a lane 0, (0, 0) and one home slot are each a state of their own', () => {
    // Fingerprints by hand: a few that share a lane, hold a 0 lane or (0, 0), then 3,000 more from
    // a fixed generator, a third of them with a lane of an earlier one, a tenth with a 0 lane.
    const fps: [number, number][] = [[9, 5], [9, 7], [5, 9], [7, 9], [0, 5], [0, 7], [5, 0], [7, 0], [0, 0], [0x100, 5], [0x200, 5]];
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    while (fps.length < 3000) {
      const [pa, pb] = fps[next() % fps.length];
      const pick = next() % 30;
      const a = pick < 5 ? pa : pick < 8 ? 0 : next();
      const b = pick >= 5 && pick < 10 ? pb : pick === 10 ? 0 : next();
      if (a === 0 && b === 1) continue; // (0, 0) is kept as (0, 1): the one pair the set takes as the same
      fps.push([a, b]);
    }
    const key = ([a, b]: [number, number]) => `${a}:${b}`;
    const distinct = new Map<string, number>();
    const firstAt = new Map<string, number>(); // each fingerprint's first state
    fps.forEach((f, i) => {
      if (!distinct.has(key(f))) {
        distinct.set(key(f), distinct.size);
        firstAt.set(key(f), i);
      }
    });
    // States are tokens; the set's fingerprinter answers each one's chosen fingerprint.
    const states = fps.map(() => ({}) as ModelState);
    const of = new Map<ModelState, [number, number]>(states.map((s, i) => [s, fps[i]]));
    const stub = { a: 0, b: 0, parts: new Int32Array(3), of(s: ModelState, _from?: Hashed | null) { [this.a, this.b] = of.get(s) as [number, number]; } };
    const set = new FingerprintSet(true, 1, 2, true);
    (set as unknown as { fp: typeof stub }).fp = stub;
    const index = set.newIndex();
    let wrong = 0;
    let sharedA = 0;
    let sharedB = 0;
    let zero = 0;
    const seenA = new Set<number>();
    const seenB = new Set<number>();
    states.forEach((s, i) => {
      const k = key(fps[i]);
      const first = distinct.get(k) as number;
      const isNew = !set.has(s);
      if (set.last !== (isNew ? -1 : first)) wrong++;
      const added = set.add(s);
      if (added !== isNew || added !== (firstAt.get(k) === i) || (added && set.size !== first + 1)) wrong++;
      if (set.last !== first) wrong++;
      if (added) {
        index.set(first * 3);
        const [a, b] = fps[i];
        if (seenA.has(a)) sharedA++;
        if (seenB.has(b)) sharedB++;
        if (a === 0 || b === 0) zero++;
        seenA.add(a);
        seenB.add(b);
      } else if (index.get() !== first * 3) wrong++;
    });
    // All of them again, after the set and the index have grown: each found, with its number.
    for (const s of states) {
      const first = distinct.get(key(of.get(s) as [number, number])) as number;
      if (!set.has(s) || set.last !== first || index.get() !== first * 3 || set.add(s)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(set.size).toBe(distinct.size);
    expect(distinct.size).toBeGreaterThan(2000);
    expect(sharedA).toBeGreaterThan(200);
    expect(sharedB).toBeGreaterThan(200);
    expect(zero).toBeGreaterThan(200);
    expect(set.bytes).toBe(capacityFor(distinct.size, 2) * 12);
  });
});
