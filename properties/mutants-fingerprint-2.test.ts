/**
 * Kills the verdict-changing survivors of `npm run mutate -- engine/fingerprint.ts:659-684`
 * (`idsFromParts`, the ids the fingerprint ranks; docs/guide.md, mutation section): an id that
 * only an srcu reader entry or only a call's `invStarted` still names must be ranked like the
 * others, and the ranks must be those of a sorted list of every id.
 *
 * exit_mmap's and unregister's synchronize_srcu records the read sections in flight,
 * `<thread>#<inv id>`, and keeps the entry after that invalidation ends; a driver call's
 * `invStarted` snapshots `nextInvId` and keeps it after the invalidation minted with it ends. So
 * reached states hold ids that no thread's `inv` holds any more. On every reachable state of two
 * small scenarios (an oom_reaper invalidating beside exit_mmap, and beside an interval notifier's
 * fault), and on each state with two of its ids exchanged everywhere (a renaming that does not
 * keep the order: another exact key), the fingerprint (hashed whole, and against the state for the exchanged one,
 * as a successor is hashed) must pair one to one with the exact key, in the canonical form and in
 * the proofs' form (where `invStarted` is folded and is no id). With the readers' ids or
 * `invStarted` left out of the ranking, such an id renames to -1 in both states of an exchange and
 * the two collide; with the sort broken, ids are ranked by thread order or lost.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { exactKey, fingerprint, Fingerprinter } from '../engine/fingerprint.ts';
import { liveLocals } from '../engine/liveness.ts';
import { resolve, type ModelState, type Scenario, type ThreadState } from '../model/index.ts';
import { reachable } from './support.ts';

const template = (id: string) => (families.find((f) => f.id === id) as (typeof families)[number]).template;

/**
 * Two VMAs, so the oom_reaper invalidates twice: beside exit_mmap (its srcu readers; exit_mmap
 * invalidates too, and some states hold three ids besides nextInvId), and beside an interval
 * notifier's fault (mmu_interval_read_begin's snapshot, invStarted).
 */
const SCENARIOS: readonly Scenario[] = [
  { ...template('failing-self-undo'), vmas: [{ start: 0, end: 2 }, { start: 2, end: 4 }], strategy: 'sorted-undo', threads: ['oom_reaper', 'exit_mmap'] },
  { ...template('interval-and-hlist'), strategy: 'call-all-end-2021', threads: ['oom_reaper', 'fault:A'] },
];

const readersOf = (t: ThreadState): readonly string[] => (t.kind === 'exit_mmap' || t.kind === 'unregister' ? t.srcuReaders : []);
/** `<thread>#<id>` → id; null for `<thread>#release`. */
const readerId = (r: string): number | null => (/#\d+$/.test(r) ? Number(r.slice(r.lastIndexOf('#') + 1)) : null);

/** Where the state's ids are: held by an inv, snapshot in invStarted, named by an srcu reader entry. */
const idsIn = (s: ModelState) => {
  const inv = new Set<number>();
  const started = new Set<number>();
  const readers = new Set<number>();
  for (const t of s.threads) {
    if (t.inv !== null) inv.add(t.inv.id);
    if (t.call?.locals.invStarted !== undefined) started.add(t.call.locals.invStarted);
    for (const r of readersOf(t)) {
      const id = readerId(r);
      if (id !== null) readers.add(id);
    }
  }
  return { inv, started, readers };
};

/** `s` with ids x and y exchanged wherever they are (inv.id, invStarted, srcu readers); nextInvId kept. */
const exchange = (s: ModelState, x: number, y: number): ModelState => {
  const m = (v: number) => (v === x ? y : v === y ? x : v);
  const threads = s.threads.map((t) => {
    let u = t;
    if (u.inv !== null) u = { ...u, inv: { ...u.inv, id: m(u.inv.id) } };
    if (u.call !== null && u.call.locals.invStarted !== undefined) u = { ...u, call: { ...u.call, locals: { ...u.call.locals, invStarted: m(u.call.locals.invStarted) } } };
    if (u.kind === 'exit_mmap' || u.kind === 'unregister')
      u = { ...u, srcuReaders: u.srcuReaders.map((r) => { const id = readerId(r); return id === null ? r : `${r.slice(0, r.lastIndexOf('#'))}#${m(id)}`; }) };
    return u;
  });
  return { ...s, threads };
};

interface Met {
  problem: string | null;
  states: number;
  exchanged: number;
  /** Exchanges of an id only an srcu reader entry names (no inv, no invStarted), or only an invStarted (no inv, no reader). */
  readerOnly: number;
  startedOnly: number;
  /** States with three ids or more besides nextInvId (a sort that loses one needs three). */
  three: number;
}

const check = (sc: Scenario, proof: boolean): Met => {
  const r = resolve(sc);
  if (!r.ok) throw new Error(`does not resolve: ${r.error}`);
  const live = proof ? liveLocals(r.world) : null;
  const fp = new Fingerprinter(true, r.state.threads.length, live);
  const keyOf = new Map<string, string>(); // fingerprint → exact key
  const fpOf = new Map<string, string>(); // exact key → fingerprint
  const out: Met = { problem: null, states: 0, exchanged: 0, readerOnly: 0, startedOnly: 0, three: 0 };
  const pair = (f: string, k: string, where: string) => {
    const k2 = keyOf.get(f);
    const f2 = fpOf.get(k);
    if (k2 !== undefined && k2 !== k) out.problem ??= `${where}: fingerprint ${f} for two exact keys:\n${k2}\n${k}`;
    if (f2 !== undefined && f2 !== f) out.problem ??= `${where}: exact key with two fingerprints ${f2} and ${f}:\n${k}`;
    keyOf.set(f, k);
    fpOf.set(k, f);
  };
  const name = `${sc.threads.join(',')} ${proof ? 'proof' : 'canonical'}`;
  for (const s of reachable(r.world, r.state)) {
    out.states++;
    const k = exactKey(s, true, live);
    const f = fingerprint(s, true, live).join(':');
    pair(f, k, `${name}, state ${out.states}`);
    fp.of(s);
    const parts = fp.parts.slice();
    const { inv, started, readers } = idsIn(s);
    const ids = [...new Set([...inv, ...started, ...readers])].filter((x) => x !== s.nextInvId).sort((a, b) => a - b);
    if (ids.length >= 3) out.three++;
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const [x, y] = [ids[i], ids[j]];
        const v = exchange(s, x, y);
        const where = `${name}, state ${out.states} with ids ${x} and ${y} exchanged`;
        const kv = exactKey(v, true, live);
        const fv = fingerprint(v, true, live).join(':');
        pair(fv, kv, where);
        fp.of(v, { state: s, parts, at: 0 });
        if (`${fp.a}:${fp.b}` !== fv) out.problem ??= `${where}: hashed against the state ${fp.a}:${fp.b}, whole ${fv}`;
        out.exchanged++;
        const only = (z: number, here: Set<number>, a: Set<number>, b: Set<number>) => here.has(z) && !a.has(z) && !b.has(z);
        if (only(x, readers, inv, started) || only(y, readers, inv, started)) out.readerOnly++;
        if (only(x, started, inv, readers) || only(y, started, inv, readers)) out.startedOnly++;
      }
  }
  return out;
};

describe('ids that only an srcu reader or an invStarted still names: the fingerprint pairs one to one with the exact key', () => {
  for (const proof of [false, true])
    it(proof ? "the proofs' form" : 'the canonical form', () => {
      const total = { states: 0, exchanged: 0, readerOnly: 0, startedOnly: 0, three: 0 };
      for (const sc of SCENARIOS) {
        const m = check(sc, proof);
        expect(m.problem).toBeNull();
        total.states += m.states;
        total.exchanged += m.exchanged;
        total.readerOnly += m.readerOnly;
        total.startedOnly += m.startedOnly;
        total.three += m.three;
      }
      // The situations are reached: exchanges of an id no inv holds, named by a reader only or by
      // a snapshot only (the proofs' form folds invStarted: no id there), and states with three ids.
      expect(total.states).toBeGreaterThan(1500);
      expect(total.exchanged).toBeGreaterThan(500);
      expect(total.readerOnly).toBeGreaterThan(100);
      if (!proof) expect(total.startedOnly).toBeGreaterThan(5);
      expect(total.three).toBeGreaterThan(20);
    });
});
