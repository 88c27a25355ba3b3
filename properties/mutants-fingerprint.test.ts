/**
 * Kills the verdict-changing survivors of `npm run mutate -- engine/fingerprint.ts` (docs/guide.md,
 * mutation section): the fingerprint must be a function of the exact key and tell apart any two
 * exact keys, on the states the search really meets, hashed the way it hashes them.
 *
 * A breadth-first walk of a scenario's reachable states hashes each state incrementally against
 * the parts its first parent kept (FingerprintSet's `add(s, from)`, a chain of incremental hashes
 * as in the exhaustive search), and whole (`fingerprint`). Both must be the same, and across the
 * walk the fingerprint and the exact key (`exactKey`) must pair one to one: a fingerprint that
 * merged two states the key tells apart would hide one from the search, one that split a key would
 * search it twice (and a lasso through it could be missed). The walk runs in the three modes the
 * search keys by: the canonical form, the raw state (`abstract: false`), and the proofs' form.
 * fingerprint.test.ts changes one field of a walked state at a time; this walks real successors,
 * where several parts change at once and the parent's sums are reused.
 */
import { describe, expect, it } from 'vitest';
import { families } from '../checks/families.ts';
import { exactKey, fingerprint, Fingerprinter } from '../engine/fingerprint.ts';
import { liveLocals } from '../engine/liveness.ts';
import { resolve, step, type ModelState, type Scenario, type ThreadState } from '../model/index.ts';

type Mode = 'canonical' | 'raw' | 'proof';

/** What a walk met: states, the distinct exact keys, states with several invalidation ids or srcu readers, live locals changed (proofs' form). */
interface Walked {
  problem: string | null;
  states: number;
  keys: number;
  ids: number;
  srcu: number;
  live: number;
  swapped: number;
}

/** Up to `max` states of `sc`, breadth-first, each fingerprint checked against the whole hash and the exact key. */
const walk = (sc: Scenario, mode: Mode, max: number): Walked => {
  const r = resolve(sc);
  if (!r.ok) throw new Error(`does not resolve: ${r.error}`);
  const { world, state: initial } = r;
  const abstract = mode !== 'raw';
  const live = mode === 'proof' ? liveLocals(world) : null;
  const fp = new Fingerprinter(abstract, initial.threads.length, live);
  const keyOf = new Map<string, string>(); // fingerprint → exact key
  const fpOf = new Map<string, string>(); // exact key → fingerprint
  const out: Walked = { problem: null, states: 0, keys: 0, ids: 0, srcu: 0, live: 0, swapped: 0 };
  const meet = (s: ModelState, from: { state: ModelState; parts: Int32Array; at: number } | null, where: string): Int32Array | null => {
    fp.of(s, from);
    const f = `${fp.a}:${fp.b}`;
    const parts = fp.parts.slice();
    const whole = fingerprint(s, abstract, live).join(':');
    if (f !== whole) out.problem ??= `${where}: hashed against its parent ${f}, whole ${whole}`;
    const k = exactKey(s, abstract, live);
    const k2 = keyOf.get(f);
    const f2 = fpOf.get(k);
    if (k2 !== undefined && k2 !== k) out.problem ??= `${where}: fingerprint ${f} for two exact keys:\n${k2}\n${k}`;
    if (f2 !== undefined && f2 !== f) out.problem ??= `${where}: exact key with two fingerprints ${f2} and ${f}:\n${k}`;
    keyOf.set(f, k);
    if (f2 !== undefined) return null;
    fpOf.set(k, f);
    out.keys++;
    // Two invalidation ids exchanged (a thread's inv.id, a call's invStarted): the same ids at
    // other places, which the renaming by rank keeps apart.
    const at = s.threads.flatMap((t, j) => [...(t.inv !== null ? [{ j, inv: true, id: t.inv.id }] : []), ...(live === null && t.call?.locals.invStarted !== undefined ? [{ j, inv: false, id: t.call.locals.invStarted }] : [])]);
    const pair = at.flatMap((x, i) => at.slice(i + 1).filter((y) => y.id !== x.id).map((y) => [x, y] as const))[0];
    if (abstract && pair !== undefined) {
      const put = (t: ThreadState, slot: (typeof at)[number], id: number): ThreadState =>
        slot.inv ? { ...t, inv: t.inv && { ...t.inv, id } } : { ...t, call: t.call && { ...t.call, locals: { ...t.call.locals, invStarted: id } } };
      const [x, y] = pair;
      const v = { ...s, threads: s.threads.map((t, j) => (j === x.j ? put(t, x, y.id) : t)).map((t, j) => (j === y.j ? put(t, y, x.id) : t)) } as ModelState;
      out.swapped++;
      const what = `${where}: ids ${x.id} and ${y.id} exchanged`;
      if (exactKey(v, true, live) === k) out.problem ??= `${what}, the same exact key`;
      if (fingerprint(v, true, live).join(':') === f) out.problem ??= `${what}, the same fingerprint`;
      fp.of(v, { state: s, parts, at: 0 });
      if (`${fp.a}:${fp.b}` === f) out.problem ??= `${what}, the same fingerprint hashed against the state`;
    }
    // The proofs' form keeps a live local: one changed is another state, whole and against `s`.
    if (live !== null)
      for (const t of s.threads) {
        const c = t.call;
        const l = c === null ? null : live(c);
        const name = c === null ? undefined : Object.keys(c.locals).find((x) => x !== 'invStarted' && x !== 'invActive' && c.locals[x] !== undefined && (l === null || l.has(x)));
        if (c === null || name === undefined) continue;
        const v = { ...s, threads: s.threads.map((x) => (x === t ? { ...x, call: { ...c, locals: { ...c.locals, [name]: c.locals[name] + 1 } } } : x)) };
        out.live++;
        const what = `${where}: ${t.id}'s live local ${name} changed`;
        if (exactKey(v, true, live) === k) out.problem ??= `${what}, the same proofs' key`;
        if (fingerprint(v, true, live).join(':') === f) out.problem ??= `${what}, the same fingerprint`;
        fp.of(v, { state: s, parts, at: 0 });
        if (`${fp.a}:${fp.b}` === f) out.problem ??= `${what}, the same fingerprint hashed against the state`;
      }
    if (s.nextInvId > 1 && s.threads.some((t) => t.inv !== null || t.call?.locals.invStarted !== undefined)) out.ids++;
    if (s.threads.some((t) => (t.kind === 'exit_mmap' || t.kind === 'unregister') && t.srcuReaders.length > 0)) out.srcu++;
    return parts;
  };
  const queue: { state: ModelState; parts: Int32Array }[] = [{ state: initial, parts: meet(initial, null, 'initial') as Int32Array }];
  for (let n = 0; n < queue.length && n < max && out.problem === null; n++) {
    const { state: s, parts } = queue[n];
    for (const t of s.threads) {
      const a = step(world, s, t.id, false);
      if (a.tag !== 'stepped') continue;
      out.states++;
      const kept = meet(a.state, { state: s, parts, at: 0 }, `${sc.strategy} ${sc.threads.join(',')} ${mode}, state ${n} after ${t.id}`);
      if (kept !== null) queue.push({ state: a.state, parts: kept });
    }
  }
  return out;
};

const template = (id: string) => (families.find((f) => f.id === id) as (typeof families)[number]).template;

/** Invalidations in flight beside faults and a release (ids to rename), unregister's srcu readers, rwsem readers, an interval notifier, two invalidations at once. */
const SCENARIOS: readonly Scenario[] = [
  { ...template('ab-pair'), strategy: 'skip-all-end', threads: ['oom_reaper', 'munmap', 'fault:A'] },
  { ...template('interval-and-hlist'), strategy: 'call-all-end-2021', threads: ['madvise', 'munmap', 'fault:A'] },
  { ...template('failing-self-undo'), strategy: 'sorted-undo', threads: ['oom_reaper', 'unregister:B', 'exit_mmap'] },
  // Two invalidations in flight at once (both read-hold mmap_lock): two ids to exchange.
  { ...template('lock-across-window'), strategy: 'call-all-end-2019', threads: ['oom_reaper', 'madvise'] },
];

describe('on the reachable states, the fingerprint pairs one to one with the exact key, hashed against the parent or whole', () => {
  for (const mode of ['canonical', 'raw', 'proof'] as const)
    it(mode, () => {
      const total = { states: 0, keys: 0, ids: 0, srcu: 0, live: 0, swapped: 0 };
      for (const sc of SCENARIOS) {
        const w = walk(sc, mode, 60);
        expect(w.problem).toBeNull();
        total.states += w.states;
        total.keys += w.keys;
        total.ids += w.ids;
        total.srcu += w.srcu;
        total.live += w.live;
        total.swapped += w.swapped;
      }
      // The walks meet merges (a state reached twice), several ids and srcu readers to rename.
      expect(total.states).toBeGreaterThan(total.keys);
      expect(total.ids).toBeGreaterThan(20);
      expect(total.srcu).toBeGreaterThan(2);
      if (mode === 'proof') expect(total.live).toBeGreaterThan(20);
      if (mode !== 'raw') expect(total.swapped).toBeGreaterThan(10);
    });
});
