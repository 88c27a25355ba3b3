/**
 * State identity for the exhaustive search (docs/design.md §4): a 64-bit structural fingerprint
 * of a state's canonical form, and the same canonical form as an exact JSON key for tests.
 *
 * The canonical form, and why two states with the same form have the same futures (the same
 * enabled threads, the same successors up to the same canonical form, the same verdict of every
 * invariant on every step and at every end):
 *
 * - **Invalidation ids are renamed by rank.** The values `nextInvId`, each thread's `inv.id`,
 *   each driver call's `locals.invStarted` (a snapshot of `nextInvId`) and the `<id>` of each
 *   `srcuReaders` entry `<thread>#<id>` are replaced by their rank among those values. They only
 *   name instances: the model compares them for equality (srcuPending, the fault's "an
 *   invalidation started since" check, the facts the pairing invariants match against the
 *   state) and mints a fresh one as `nextInvId` then `nextInvId + 1`. Every id in a state is at
 *   most `nextInvId`, so an order-preserving renaming maps the fresh id to the fresh id, and
 *   every comparison comes out the same. Witnesses print ids, but a counterexample's trace is
 *   re-run from the initial state along its real path, so it prints the real ones.
 * - **`lockdep` is a set.** Edges are only added (never twice) and read by `includes` and by
 *   LockOrder's path search, whose yes/no does not depend on the edge order (its witness text may).
 * - **Object keys are unordered.** Records built in different orders (an invalidation's
 *   `results` and `ends`, a call's `locals`) are the same map; the model reads them by key or
 *   as a set of values, and the records it iterates in order (`locks`, `drivers`) keep the
 *   order they were created with.
 *
 * Everything else is kept as is, including counters that only grow (`invalidateSeq`, KVM's
 * `mmu_invalidate_seq`): locals snapshot them and compare them with `!==`, and their parity
 * means "invalidating", so renaming them would need a proof per driver.
 *
 * Collisions: taking the two lanes as independent uniform 32-bit hashes, two distinct canonical
 * forms share a fingerprint with probability 2^-64, so among n stored states the chance of any
 * collision is at most n²/2^65 (birthday bound): 7·10^-7 at the default bound of 5 million
 * states, 3·10^-6 at 10 million. A collision can only hide states (the search would wrongly skip
 * one), never invent a counterexample: every counterexample is a real path, re-run step by step.
 * `exact` mode keys by the canonical JSON instead, and a test compares the two.
 */
import type { Call, ModelState, ThreadState } from '../model/index.ts';
import { hasDeadLocal, type LiveLocals } from './liveness.ts';

// ---------------------------------------------------------------------------------------------
// Invalidation ids

/** The invalidation ids the state holds, ascending, without repeats (into `out`). */
const idsOf = (s: ModelState, out: number[] = []): number[] => {
  out.length = 0;
  out.push(s.nextInvId);
  const add = (v: number) => {
    if (!out.includes(v)) out.push(v);
  };
  for (const t of s.threads) {
    if (t.inv !== null) add(t.inv.id);
    const started = t.call?.locals.invStarted;
    if (started !== undefined) add(started);
    for (const r of srcuReadersOf(t) ?? []) {
      const id = srcuId(r);
      if (id !== null) add(id);
    }
  }
  // Insertion sort: a handful of values.
  for (let i = 1; i < out.length; i++) {
    const v = out[i];
    let j = i - 1;
    for (; j >= 0 && out[j] > v; j--) out[j + 1] = out[j];
    out[j + 1] = v;
  }
  return out;
};

/**
 * The proofs' form of a call's collision witnesses (engine/liveness.ts): `invStarted` and
 * `invActive` are read only as `invActive === 1 || invStarted !== nextInvId`. Not a name a driver
 * program gives a local (`into` names are identifiers).
 */
export const EXPLAINED = '#explained';
export const explainedBit = (locals: Readonly<Record<string, number>>, nextInvId: number): number =>
  locals.invActive === 1 || locals.invStarted !== nextInvId ? 1 : 0;

/** `<thread>#<id>` → id; null for `<thread>#release`. */
const srcuId = (r: string): number | null => {
  const n = Number(r.slice(r.lastIndexOf('#') + 1));
  return Number.isInteger(n) ? n : null;
};

const renameSrcu = (r: string, ids: readonly number[]): string => {
  const id = srcuId(r);
  return id === null ? r : `${r.slice(0, r.lastIndexOf('#'))}#${ids.indexOf(id)}`;
};

// ---------------------------------------------------------------------------------------------
// Exact mode: the canonical form as JSON

/** A plain copy with sorted keys (what JSON.stringify prints in insertion order). */
const sorted = (v: unknown): unknown => {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(sorted);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = sorted(o[k]);
  return out;
};

/**
 * `s` as the proofs key it (engine/liveness.ts): each call's locals dead at its program counter
 * dropped and its collision witnesses `invStarted`, `invActive` folded into EXPLAINED, each
 * rwsem's readers sorted; `s` itself when there is nothing to change.
 */
export const proofForm = (s0: ModelState, live: LiveLocals): ModelState => {
  const s = Object.values(s0.locks).some((l) => l.readers.length > 1) ? { ...s0, locks: Object.fromEntries(Object.entries(s0.locks).map(([id, l]) => [id, l.readers.length > 1 ? { ...l, readers: [...l.readers].sort() } : l])) } : s0;
  const fold = (c: Call) => c.locals.invStarted !== undefined || c.locals.invActive !== undefined || hasDeadLocal(c, live(c));
  if (!s.threads.some((t) => t.call !== null && fold(t.call))) return s;
  const threads = s.threads.map((t) => {
    const c = t.call;
    if (c === null || !fold(c)) return t;
    const l = live(c);
    const locals: Record<string, number> = {};
    for (const k in c.locals) {
      if (c.locals[k] === undefined || (l !== null && !l.has(k))) continue;
      if (k === 'invStarted' || k === 'invActive') locals[EXPLAINED] = explainedBit(c.locals, s.nextInvId);
      else locals[k] = c.locals[k];
    }
    return { ...t, call: { ...c, locals } };
  });
  return { ...s, threads } as ModelState;
};

/**
 * The canonical form (module comment) as a plain value; `abstract: false` keeps ids and lockdep as
 * they are; `live`: the proofs' coarser form (proofForm; with `abstract` only).
 */
export const canonical = (s0: ModelState, abstract = true, live: LiveLocals | null = null): unknown => {
  const s = live === null ? s0 : proofForm(s0, live);
  if (!abstract) return sorted(s);
  const ids = idsOf(s);
  const rank = (v: number) => ids.indexOf(v);
  const threads = s.threads.map((t) => ({
    ...t,
    ...(t.inv !== null ? { inv: { ...t.inv, id: rank(t.inv.id) } } : {}),
    ...(t.call?.locals.invStarted !== undefined ? { call: { ...t.call, locals: { ...t.call.locals, invStarted: rank(t.call.locals.invStarted) } } } : {}),
    ...(srcuReadersOf(t) !== null ? { srcuReaders: (srcuReadersOf(t) as string[]).map((r) => renameSrcu(r, ids)) } : {}),
  }));
  return sorted({ ...s, threads, nextInvId: rank(s.nextInvId), lockdep: [...s.lockdep].sort() });
};

export const exactKey = (s: ModelState, abstract = true, live: LiveLocals | null = null): string => JSON.stringify(canonical(s, abstract, live));

// ---------------------------------------------------------------------------------------------
// Fingerprint: two 32-bit lanes (murmur3's mixing, with different constants and seeds) over a
// walk of the canonical form: arrays in order, objects as an order-free sum of their entries'
// hashes. A successor shares most of its parent's objects (a step copies only what it changes),
// so a state's part hashes are kept with it and its successors reuse those of the parts that are
// the same objects; ids are renamed per state, so a thread's part hash leaves its id fields out
// and they are mixed in after renaming.

const imul = Math.imul;
const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const mixA = (h: number, k: number): number => {
  k = imul(rotl(imul(k, 0xcc9e2d51), 15), 0x1b873593);
  return (imul(rotl(h ^ k, 13), 5) + 0xe6546b64) | 0;
};
const mixB = (h: number, k: number): number => {
  k = imul(rotl(imul(k, 0x85ebca77), 17), 0xc2b2ae3d);
  return (imul(rotl(h ^ k, 11), 9) + 0x27d4eb2f) | 0;
};
const finA = (h: number): number => {
  h = imul(h ^ (h >>> 16), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};
const finB = (h: number): number => {
  h = imul(h ^ (h >>> 16), 0x7feb352d);
  h = imul(h ^ (h >>> 15), 0x846ca68b);
  return h ^ (h >>> 16);
};

const SEED_A = 0x3c6ef372;
const SEED_B = 0x5be0cd19;
const enum Tag { Null = 1, False, True, Int, Float, Str, Arr, Obj, Set, Thread, State }

// The walk returns its two lanes through these (no allocation per node).
let HA = 0;
let HB = 0;
/** The Fingerprinter hashing now keys states by the proofs' form (proofForm); null: the canonical form. */
let LIVE: LiveLocals | null = null;
/** The nextInvId of the state being hashed (for EXPLAINED). */
let NEXT_INV = 0;
/** The locals live at the program counter of the call being hashed (LIVE's answer; null: all). */
let CALL_LIVE: ReadonlySet<string> | null = null;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

// Strings in a state come from a small vocabulary (ids, names, program counters): hash each once.
const STR_MAX = 1 << 16;
const strIndex = new Map<string, number>();
let strLanes = new Int32Array(2 * 256);
const hashStr = (s: string): void => {
  const i = strIndex.get(s);
  if (i !== undefined) {
    HA = strLanes[2 * i];
    HB = strLanes[2 * i + 1];
    return;
  }
  let ha = mixA(SEED_A, Tag.Str);
  let hb = mixB(SEED_B, Tag.Str);
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    ha = mixA(ha, c);
    hb = mixB(hb, c);
  }
  HA = finA(mixA(ha, s.length));
  HB = finB(mixB(hb, s.length));
  const n = strIndex.size;
  if (n >= STR_MAX) return;
  if (2 * n === strLanes.length) {
    const grown = new Int32Array(strLanes.length * 2);
    grown.set(strLanes);
    strLanes = grown;
  }
  strLanes[2 * n] = HA;
  strLanes[2 * n + 1] = HB;
  strIndex.set(s, n);
};

const hashNum = (v: number): void => {
  if ((v | 0) === v) {
    HA = finA(mixA(mixA(SEED_A, Tag.Int), v));
    HB = finB(mixB(mixB(SEED_B, Tag.Int), v));
    return;
  }
  F64[0] = v;
  HA = finA(mixA(mixA(mixA(SEED_A, Tag.Float), U32[0]), U32[1]));
  HB = finB(mixB(mixB(mixB(SEED_B, Tag.Float), U32[0]), U32[1]));
};

const hashValue = (v: unknown): void => {
  switch (typeof v) {
    case 'number':
      return hashNum(v);
    case 'string':
      return hashStr(v);
    case 'boolean':
      HA = finA(mixA(SEED_A, v ? Tag.True : Tag.False));
      HB = finB(mixB(SEED_B, v ? Tag.True : Tag.False));
      return;
    case 'object':
      if (v === null) {
        HA = finA(mixA(SEED_A, Tag.Null));
        HB = finB(mixB(SEED_B, Tag.Null));
      } else if (Array.isArray(v)) hashArray(v);
      else hashObject(v as Record<string, unknown>, null);
      return;
    default:
      throw new Error(`fingerprint: unexpected ${typeof v} in a state`);
  }
};

const hashArray = (v: readonly unknown[]): void => {
  let ha = mixA(SEED_A, Tag.Arr);
  let hb = mixB(SEED_B, Tag.Arr);
  for (let i = 0; i < v.length; i++) {
    hashValue(v[i]);
    ha = mixA(ha, HA);
    hb = mixB(hb, HB);
  }
  HA = finA(mixA(ha, v.length));
  HB = finB(mixB(hb, v.length));
};

const close = (tag: Tag, sa: number, sb: number, n: number): void => {
  HA = finA(mixA(mixA(mixA(SEED_A, tag), sa), n));
  HB = finB(mixB(mixB(mixB(SEED_B, tag), sb), n));
};

/** An order-free hash: the sum of the elements' hashes (each already well mixed), then the count. */
const hashSet = (v: readonly unknown[]): void => {
  let sa = 0;
  let sb = 0;
  for (const x of v) {
    hashValue(x);
    sa = (sa + HA) | 0;
    sb = (sb + HB) | 0;
  }
  close(Tag.Set, sa, sb, v.length);
};

/** One entry of an object's order-free sum: its key's hash (ka, kb) and its value's (HA, HB), mixed. */
const entry = (ka: number, kb: number): void => {
  HA = finA(mixA(mixA(SEED_A, ka), HA));
  HB = finB(mixB(mixB(SEED_B, kb), HB));
};

/** The value hash in HA/HB as the entry of key `k` (an object's order-free sum adds these). */
const keyed = (k: string): void => {
  const va = HA;
  const vb = HB;
  hashStr(k);
  const ka = HA;
  const kb = HB;
  HA = va;
  HB = vb;
  entry(ka, kb);
};

/**
 * An object as the order-free sum of its entries. `skip`: a key left out (a renamed id, mixed in
 * by the caller); `inner`: how the value of key `innerKey` is hashed instead of plainly.
 */
const hashObject = (o: Record<string, unknown>, skip: string | null, innerKey: string | null = null, inner: ((x: never) => void) | null = null): void => {
  let sa = 0;
  let sb = 0;
  let n = 0;
  for (const k in o) {
    const x = o[k];
    if (x === undefined || k === skip) continue; // undefined: as JSON, an absent key
    if (k === innerKey && x !== null) (inner as (x: unknown) => void)(x);
    else hashValue(x);
    keyed(k);
    sa = (sa + HA) | 0;
    sb = (sb + HB) | 0;
    n++;
  }
  close(Tag.Obj, sa, sb, n);
};

/**
 * Where an object's sums are kept (3 Int32s): its entry sums [a, b], then its entry count and
 * its key count (undefined values included) packed in one (NO_SUMS when too many keys to pack).
 */
const S_NK = 2;
const NO_SUMS = -1;
const packNK = (n: number, keys: number): number => (keys <= 0x7fff ? (keys << 16) | n : NO_SUMS);

// An object's hash is close(Tag.Obj, Σ entries, n) with 32-bit wrapping sums, so an object that
// shares most values with the parent state's is hashed by taking that one's sums, subtracting
// the entries that changed and adding their new ones: the same hash as a whole walk, with only
// the changed values hashed. It needs the same key set: a key the old object lacks, or a
// different key count, falls back to the whole walk.

/** hashObject(o, skip) into HA/HB, its sums into parts[p…]: from `w`'s (kept at prior[q…]) when given, else walked whole. */
const hashObjectFrom = (o: Record<string, unknown>, w: Record<string, unknown> | null, prior: Int32Array, q: number, parts: Int32Array, p: number, skip: string | null): void =>
  hashSummed(PLAIN, o, w, null, prior, q, parts, p, 0, skip);

/** Keep an object's sums at parts[p…] and close its hash into HA/HB. */
const keepSums = (parts: Int32Array, p: number, sa: number, sb: number, n: number, keys: number): void => {
  parts[p] = sa;
  parts[p + 1] = sb;
  parts[p + S_NK] = packNK(n, keys);
  close(Tag.Obj, sa, sb, n);
};

/** A plain object (not null, not an array): what hashValue hashes as hashObject. */
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const hashLocalsStripped = (locals: Record<string, unknown>): void => {
  if (LIVE === null) return hashObject(locals, 'invStarted');
  // As hashObject hashes proofForm's locals: the live ones, the two witnesses as EXPLAINED.
  const live = CALL_LIVE;
  let sa = 0;
  let sb = 0;
  let n = 0;
  let folded = false;
  for (const k in locals) {
    const x = locals[k];
    if (x === undefined || (live !== null && !live.has(k))) continue;
    if (k === 'invStarted' || k === 'invActive') {
      if (folded) continue;
      folded = true;
      hashNum(explainedBit(locals as Record<string, number>, NEXT_INV));
      keyed(EXPLAINED);
    } else {
      hashValue(x);
      keyed(k);
    }
    sa = (sa + HA) | 0;
    sb = (sb + HB) | 0;
    n++;
  }
  close(Tag.Obj, sa, sb, n);
};

/** The srcuReaders a thread records (exit_mmap's and unregister's synchronize_srcu), or null. */
const srcuReadersOf = (t: ThreadState): readonly string[] | null => (t.kind === 'exit_mmap' || t.kind === 'unregister' ? t.srcuReaders : null);

const MAX_FIELDS = 10; // ModelState has 8; a field past these is hashed whole every time
/**
 * Per thread (PER_THREAD Int32s): its stripped hash [a, b]; its inv's and its call's [a, b];
 * its `inv.id` and its `locals.invStarted` (or NONE); whether it has srcuReaders; then, to
 * hash a successor's thread incrementally (hashObjectFrom), the thread's sums, its call's with
 * its locals' hash, and its inv's.
 */
const T_INV = 2;
const T_CALL = 4;
const T_INV_ID = 6;
const T_STARTED = 7;
const T_SRCU = 8;
const T_SUM = 9;
const T_NK = T_SUM + S_NK; // keepSums' layout
const C_SUM = 12;
const C_NK = C_SUM + S_NK;
const C_LOCALS = 15;
const I_SUM = 17;
const PER_THREAD = 20;
const NONE = -0x80000000;
/** Per top-level field: its sums (hashObjectFrom) at F_SUMS + 3 × its index, when its value is a plain object. */
const F_SUMS = 2 * MAX_FIELDS;
const THREADS_AT = 5 * MAX_FIELDS;

/** A call's value hash for key `k` (its locals stripped), into HA/HB; a locals hash also into parts[p + C_LOCALS]. */
const callValue = (k: string, x: unknown, parts: Int32Array, p: number): void => {
  if (k === 'locals' && x !== null) {
    hashLocalsStripped(x as Record<string, unknown>);
    parts[p + C_LOCALS] = HA;
    parts[p + C_LOCALS + 1] = HB;
  } else hashValue(x);
};

/** A call's stripped hash into HA/HB, its sums at parts[p…]: from `was`'s (at prior[q…]) when it can, else walked whole. */
const hashCall = (c: Call, was: Call | null, prior: Int32Array, q: number, parts: Int32Array, p: number): void => {
  if (LIVE !== null) {
    // Which locals count depends on the program counter: the call is hashed whole (a handful of keys).
    CALL_LIVE = LIVE(c);
    hashSummed(CALL, c as unknown as Record<string, unknown>, null, null, prior, q, parts, p, C_SUM, null);
    CALL_LIVE = null;
    return;
  }
  if (was !== null) {
    // An unchanged locals keeps its hash.
    parts[p + C_LOCALS] = prior[q + C_LOCALS];
    parts[p + C_LOCALS + 1] = prior[q + C_LOCALS + 1];
  }
  hashSummed(CALL, c as unknown as Record<string, unknown>, was as unknown as Record<string, unknown> | null, null, prior, q, parts, p, C_SUM, null);
};

/** A thread's value hash for key `k` (inv and call stripped), into HA/HB, and inv's or call's into parts. */
const threadValue = (k: string, x: unknown, was: ThreadState | null, prior: Int32Array, q: number, parts: Int32Array, p: number): void => {
  if (k === 'inv') {
    if (was !== null && was.inv === x) {
      HA = prior[q + T_INV];
      HB = prior[q + T_INV + 1];
      for (let i = I_SUM; i < I_SUM + 3; i++) parts[p + i] = prior[q + i];
    } else if (x === null) hashValue(x);
    else hashObjectFrom(x as Record<string, unknown>, was === null ? null : (was.inv as unknown as Record<string, unknown> | null), prior, q + I_SUM, parts, p + I_SUM, 'id');
    parts[p + T_INV] = HA;
    parts[p + T_INV + 1] = HB;
  } else if (k === 'call') {
    if (was !== null && was.call === x) {
      HA = prior[q + T_CALL];
      HB = prior[q + T_CALL + 1];
      for (let i = C_SUM; i < C_LOCALS + 2; i++) parts[p + i] = prior[q + i];
    } else if (x === null) hashValue(x);
    else hashCall(x as Call, was === null ? null : was.call, prior, q, parts, p);
    parts[p + T_CALL] = HA;
    parts[p + T_CALL + 1] = HB;
  } else hashValue(x);
};

/**
 * A thread without its invalidation-id fields (`inv.id`, `call.locals.invStarted`,
 * `srcuReaders`), which are renamed per state, into HA/HB and parts[p…]; `was` is the parent's
 * thread, hashed at prior[q…] (null: none).
 */
const hashThreadStripped = (t: ThreadState, was: ThreadState | null, prior: Int32Array, q: number, parts: Int32Array, p: number): void => {
  // From the parent's sums only for a thread of the same kind (srcuReaders' skip depends on the kind).
  const w = was !== null && was.kind === t.kind ? (was as unknown as Record<string, unknown>) : null;
  hashSummed(THREAD, t as unknown as Record<string, unknown>, w, was, prior, q, parts, p, T_SUM, srcuReadersOf(t) !== null ? 'srcuReaders' : null);
};

/** What hashSummed hashes: a plain object (hashObject), a call (its locals stripped, callValue), a thread (its inv and call stripped, threadValue). */
const PLAIN = 0;
const CALL = 1;
const THREAD = 2;
/** The locks record in the proofs' form: each lock's readers as a multiset (an order-free sum). */
const LOCKS = 3;
const hashLock = (l: unknown): void => {
  if (isRecord(l)) hashObject(l, null, 'readers', hashSet);
  else hashValue(l);
};

/** The old value of key `k` hashed into HA/HB: a call's locals and a thread's inv and call are kept at prior[q…]. */
const oldValue = (kind: number, k: string, y: unknown, prior: Int32Array, q: number): void => {
  if (kind === CALL && k === 'locals' && y !== null) {
    HA = prior[q + C_LOCALS];
    HB = prior[q + C_LOCALS + 1];
  } else if (kind === THREAD && k === 'inv') {
    HA = prior[q + T_INV];
    HB = prior[q + T_INV + 1];
  } else if (kind === THREAD && k === 'call') {
    HA = prior[q + T_CALL];
    HB = prior[q + T_CALL + 1];
  } else if (kind === LOCKS) hashLock(y);
  else hashValue(y);
};

/** The new value of key `k` hashed into HA/HB (a call's locals, a thread's inv and call also into parts[p…]). */
const newValue = (kind: number, k: string, x: unknown, was: ThreadState | null, prior: Int32Array, q: number, parts: Int32Array, p: number): void => {
  if (kind === CALL) callValue(k, x, parts, p);
  else if (kind === THREAD) threadValue(k, x, was, prior, q, parts, p);
  else if (kind === LOCKS) hashLock(x);
  else hashValue(x);
};

/**
 * Object `o`'s hash (without key `skip`) into HA/HB and its sums into parts[p + sum…]: from `w`'s
 * sums at prior[q + sum…] less its changed entries plus their new ones when it can (the same
 * key set), else walked whole. `was`: the parent's thread, for a thread's inv and call.
 */
const hashSummed = (kind: number, o: Record<string, unknown>, w: Record<string, unknown> | null, was: ThreadState | null, prior: Int32Array, q: number, parts: Int32Array, p: number, sum: number, skip: string | null): void => {
  if (w !== null && prior[q + sum + S_NK] !== NO_SUMS) {
    let sa = prior[q + sum];
    let sb = prior[q + sum + 1];
    let n = prior[q + sum + S_NK] & 0xffff;
    let keys = 0;
    let same = true;
    for (const k in o) {
      keys++;
      const x = o[k];
      const y = w[k];
      if (x === y) continue;
      if (y === undefined && !(k in w)) {
        same = false;
        break;
      }
      if (k === skip) continue;
      hashStr(k);
      const ka = HA;
      const kb = HB;
      if (y !== undefined) {
        oldValue(kind, k, y, prior, q);
        entry(ka, kb);
        sa = (sa - HA) | 0;
        sb = (sb - HB) | 0;
        n--;
      }
      if (x !== undefined) {
        newValue(kind, k, x, was, prior, q, parts, p);
        entry(ka, kb);
        sa = (sa + HA) | 0;
        sb = (sb + HB) | 0;
        n++;
      }
    }
    if (same && keys === prior[q + sum + S_NK] >>> 16) {
      keepSums(parts, p + sum, sa, sb, n, keys);
      return;
    }
  }
  let sa = 0;
  let sb = 0;
  let n = 0;
  let keys = 0;
  for (const k in o) {
    keys++;
    const x = o[k];
    if (x === undefined || k === skip) continue; // as JSON, an absent key
    newValue(kind, k, x, was, prior, q, parts, p);
    keyed(k);
    sa = (sa + HA) | 0;
    sb = (sb + HB) | 0;
    n++;
  }
  keepSums(parts, p + sum, sa, sb, n, keys);
};

/** Where a state's part hashes are: `parts[at…]`, [a, b] per top-level field (by index), their sums, then PER_THREAD per thread. */
export interface Hashed {
  readonly state: ModelState;
  readonly parts: Int32Array;
  readonly at: number;
}

/** The part hashes of a layer of states, `stride` Int32s each, in the order they were kept. */
export class PartsStore {
  buf: Int32Array;
  size = 0;
  constructor(readonly stride: number) {
    this.buf = new Int32Array(stride * 64);
  }
  keep(src: Int32Array): void {
    if ((this.size + 1) * this.stride > this.buf.length) {
      const grown = new Int32Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf.set(src, this.size * this.stride);
    this.size++;
  }
  get bytes(): number {
    return this.buf.byteLength;
  }
}

/**
 * Fingerprints of states, each hashed against the state it was stepped from: a step copies
 * only what it changes, so a field (or thread) that is the same object as the parent's keeps
 * the parent's hash and only the changed parts are walked.
 */
export class Fingerprinter {
  private readonly fieldIndex = new Map<string, number>();
  private readonly fieldA = new Int32Array(MAX_FIELDS);
  private readonly fieldB = new Int32Array(MAX_FIELDS);
  private readonly ids: number[] = [];
  /** The last state's keys by position, and their field indices. */
  private readonly keyAt: string[] = [];
  private readonly indexAt: number[] = [];
  /** The last state's fingerprint halves and part hashes. */
  a = 0;
  b = 0;
  readonly parts: Int32Array;
  constructor(
    readonly abstract: boolean,
    /** Threads per state (fixed by the scenario): the parts' size. */
    readonly threads: number,
    /** Key states by the proofs' form (proofForm, engine/liveness.ts); null: the canonical form. */
    readonly live: LiveLocals | null = null,
  ) {
    this.parts = new Int32Array(THREADS_AT + PER_THREAD * threads);
    if (live !== null && !abstract) throw new Error('fingerprint: the proofs\' form is a coarsening of the abstract canonical form only');
  }

  private field(k: string): number {
    let i = this.fieldIndex.get(k);
    if (i === undefined) {
      i = this.fieldIndex.size;
      this.fieldIndex.set(k, i);
      if (i < MAX_FIELDS) {
        hashStr(k);
        this.fieldA[i] = HA;
        this.fieldB[i] = HB;
      }
    }
    return i;
  }

  /** Each thread's part: the parent's when it is the same object, else hashed now (reusing its inv's and call's). */
  private threadParts(s: ModelState, from: Hashed | null): void {
    const threads = s.threads;
    const parts = this.parts;
    const before = from !== null && from.state.threads.length === threads.length ? from.state.threads : null;
    const prior = from === null ? parts : from.parts;
    const at = from === null ? 0 : from.at;
    // EXPLAINED reads nextInvId: when it moved, a call holding the witnesses is hashed again, whole.
    const moved = this.live !== null && from !== null && from.state.nextInvId !== s.nextInvId;
    for (let j = 0; j < threads.length; j++) {
      const t = threads[j];
      const p = THREADS_AT + PER_THREAD * j;
      const stale = moved && t.call !== null && t.call.locals.invStarted !== undefined;
      const was = before === null || stale ? null : before[j];
      if (was === t) continue; // its parts were copied with the parent's (of)
      if (this.abstract) hashThreadStripped(t, was, prior, at + p, parts, p);
      else hashValue(t);
      parts[p] = HA;
      parts[p + 1] = HB;
      parts[p + T_INV_ID] = t.inv === null ? NONE : t.inv.id;
      // Folded into EXPLAINED, invStarted is no id of the proofs' form.
      parts[p + T_STARTED] = this.live !== null ? NONE : (t.call?.locals.invStarted ?? NONE);
      parts[p + T_SRCU] = srcuReadersOf(t) === null ? 0 : 1;
    }
  }

  /** idsOf from the threads' parts (module comment): nextInvId, inv ids, invStarted, srcuReaders' ids; ascending. */
  private idsFromParts(s: ModelState): number[] {
    const out = this.ids;
    out.length = 0;
    out.push(s.nextInvId);
    const parts = this.parts;
    for (let j = 0; j < s.threads.length; j++) {
      const p = THREADS_AT + PER_THREAD * j;
      const inv = parts[p + T_INV_ID];
      if (inv !== NONE && !out.includes(inv)) out.push(inv);
      const started = parts[p + T_STARTED];
      if (started !== NONE && !out.includes(started)) out.push(started);
      if (parts[p + T_SRCU] === 1) for (const r of srcuReadersOf(s.threads[j]) as string[]) {
        const id = srcuId(r);
        if (id !== null && !out.includes(id)) out.push(id);
      }
    }
    for (let i = 1; i < out.length; i++) {
      const v = out[i];
      let k = i - 1;
      for (; k >= 0 && out[k] > v; k--) out[k + 1] = out[k];
      out[k + 1] = v;
    }
    return out;
  }

  /** Hash `s` into `a`, `b` and `parts`; `from`: the state it was stepped from, hashed before. */
  of(s: ModelState, from: Hashed | null = null): void {
    if (s.threads.length !== this.threads) throw new Error(`fingerprint: ${s.threads.length} threads, expected ${this.threads}`);
    const abstract = this.abstract;
    LIVE = this.live;
    NEXT_INV = s.nextInvId;
    // The parent's parts at once (one copy): the threads and fields that are the same objects keep
    // theirs, and the incremental hashes below read the same places in `from`.
    if (from !== null) this.parts.set(from.parts.subarray(from.at, from.at + this.parts.length));
    this.threadParts(s, from);
    const ids = abstract ? this.idsFromParts(s) : null;
    const parts = this.parts;
    const prev = from === null ? null : (from.state as unknown as Record<string, unknown>);
    const fromParts = from === null ? parts : from.parts;
    const at = from === null ? 0 : from.at;
    const o = s as unknown as Record<string, unknown>;
    let sa = 0;
    let sb = 0;
    let n = 0;
    let pos = 0;
    for (const k in o) {
      const x = o[k];
      if (x === undefined) continue;
      // States share their shape: the key at this position is most likely the last state's.
      let i: number;
      if (this.keyAt[pos] === k) i = this.indexAt[pos];
      else {
        i = this.field(k);
        this.keyAt[pos] = k;
        this.indexAt[pos] = i;
      }
      pos++;
      let ka: number;
      let kb: number;
      if (i < MAX_FIELDS) {
        ka = this.fieldA[i];
        kb = this.fieldB[i];
      } else {
        hashStr(k);
        ka = HA;
        kb = HB;
      }
      if (k === 'threads') this.hashThreads(s.threads, ids);
      else if (abstract && k === 'nextInvId') hashNum((ids as number[]).indexOf(x as number));
      else if (i < MAX_FIELDS && prev !== null && prev[k] === x) {
        HA = fromParts[at + 2 * i];
        HB = fromParts[at + 2 * i + 1];
      } else if (abstract && k === 'lockdep') hashSet(x as unknown[]);
      else if (i < MAX_FIELDS && this.live !== null && k === 'locks' && isRecord(x)) {
        const y = prev === null ? undefined : prev[k];
        hashSummed(LOCKS, x, isRecord(y) ? y : null, null, fromParts, at + F_SUMS + 3 * i, parts, F_SUMS + 3 * i, 0, null);
      } else if (i < MAX_FIELDS && isRecord(x)) {
        const y = prev === null ? undefined : prev[k];
        hashObjectFrom(x, isRecord(y) ? y : null, fromParts, at + F_SUMS + 3 * i, parts, F_SUMS + 3 * i, null);
      } else hashValue(x);
      if (i < MAX_FIELDS && k !== 'threads') {
        parts[2 * i] = HA;
        parts[2 * i + 1] = HB;
      }
      entry(ka, kb);
      sa = (sa + HA) | 0;
      sb = (sb + HB) | 0;
      n++;
    }
    close(Tag.State, sa, sb, n);
    this.a = HA >>> 0;
    this.b = HB >>> 0;
    LIVE = null;
  }

  /** The threads in order, each its part hash with its renamed ids (abstract). */
  private hashThreads(threads: readonly ThreadState[], ids: readonly number[] | null): void {
    const parts = this.parts;
    let ha = mixA(SEED_A, Tag.Arr);
    let hb = mixB(SEED_B, Tag.Arr);
    for (let j = 0; j < threads.length; j++) {
      const p = THREADS_AT + PER_THREAD * j;
      ha = mixA(mixA(ha, Tag.Thread), parts[p]);
      hb = mixB(mixB(hb, Tag.Thread), parts[p + 1]);
      if (ids === null) continue;
      const inv = parts[p + T_INV_ID] === NONE ? -1 : ids.indexOf(parts[p + T_INV_ID]);
      const started = parts[p + T_STARTED] === NONE ? -1 : ids.indexOf(parts[p + T_STARTED]);
      ha = mixA(mixA(ha, inv), started);
      hb = mixB(mixB(hb, inv), started);
      if (parts[p + T_SRCU] === 1) {
        hashArray((srcuReadersOf(threads[j]) as string[]).map((r) => renameSrcu(r, ids)));
        ha = mixA(ha, HA);
        hb = mixB(hb, HB);
      }
    }
    HA = finA(mixA(ha, threads.length));
    HB = finB(mixB(hb, threads.length));
  }
}

/** One state's fingerprint, hashed whole; `abstract: false` hashes ids and lockdep as they are. */
export const fingerprint = (s: ModelState, abstract = true, live: LiveLocals | null = null): [number, number] => {
  const f = new Fingerprinter(abstract, s.threads.length, live);
  f.of(s);
  return [f.a, f.b];
};

// ---------------------------------------------------------------------------------------------
// Visited sets

/** The states seen so far, by key. */
export interface Visited {
  /** Record `s` if it is new; `from`: the state it was stepped from, with its part hashes. */
  add(s: ModelState, from?: Hashed | null): boolean;
  has(s: ModelState, from?: Hashed | null): boolean;
  /** Keep the part hashes of the state last added, to hash its successors against (fingerprints only). */
  keepParts(store: PartsStore): void;
  /** The stride of the part hashes kept (0: none kept). */
  readonly stride: number;
  readonly size: number;
  /** Memory the set holds (its typed arrays; the exact mode's strings estimated). */
  readonly bytes: number;
  /** A new, empty map from states to numbers, keyed by the state last added or looked up (a layer's states' places). */
  newIndex(): StateIndex;
  /**
   * With `indexed`: the insertion number (0-based) of the state last added or looked up, when it
   * was stored; -1 otherwise. The exhaustive engine's node number, for the edges of a cycle search.
   */
  readonly last: number;
}

/** Numbers by state: `set` and `get` are about the state the visited set last added or looked up. */
export interface StateIndex {
  set(v: number): void;
  get(): number | undefined;
}

/** A StateIndex over fingerprints: open addressing of (a, b) pairs, at most half full. */
class FingerprintIndex implements StateIndex {
  private keys = new Uint32Array(2 * 256);
  private vals = new Int32Array(256);
  private mask = 255;
  private size = 0;
  constructor(private readonly fp: Fingerprinter) {}
  /** The slot of (a, b): where it is, or the empty one where it goes. */
  private slot(a: number, b: number): number {
    const k = this.keys;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const x = k[2 * i];
      const y = k[2 * i + 1];
      if ((x === a && y === b) || (x === 0 && y === 0)) return i;
    }
  }
  set(v: number): void {
    const { a, b } = this.fp;
    const bb = b === 0 && a === 0 ? 1 : b; // (0, 0) marks an empty slot, as in FingerprintSet
    let i = this.slot(a, bb);
    if (this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0) {
      if ((this.size + 1) * 2 > this.mask + 1) {
        this.grow();
        i = this.slot(a, bb);
      }
      this.keys[2 * i] = a;
      this.keys[2 * i + 1] = bb;
      this.size++;
    }
    this.vals[i] = v;
  }
  get(): number | undefined {
    const { a, b } = this.fp;
    const i = this.slot(a, b === 0 && a === 0 ? 1 : b);
    return this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0 ? undefined : this.vals[i];
  }
  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * 2);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < vals.length; j++) {
      const a = keys[2 * j];
      const b = keys[2 * j + 1];
      if (a === 0 && b === 0) continue;
      const i = this.slot(a, b);
      this.keys[2 * i] = a;
      this.keys[2 * i + 1] = b;
      this.vals[i] = vals[j];
    }
  }
}

/**
 * Fingerprints in an open-addressing table (linear probing) of 8-byte slots, at most 70 % full:
 * 11–23 bytes per stored state.
 */
export class FingerprintSet implements Visited {
  private table: Uint32Array;
  private mask: number;
  size = 0;
  private readonly fp: Fingerprinter;
  /** With `indexed`: each slot's insertion number (4 more bytes per slot). */
  private ids: Int32Array | null;
  /** The slot of the state last added or found (-1: not there). */
  private hit = -1;
  constructor(abstract: boolean, threads: number, capacity = 1 << 12, indexed = false, live: LiveLocals | null = null) {
    this.fp = new Fingerprinter(abstract, threads, live);
    this.table = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
    this.ids = indexed ? new Int32Array(capacity) : null;
  }
  get bytes(): number {
    return this.table.byteLength + (this.ids?.byteLength ?? 0);
  }
  get last(): number {
    return this.ids && this.hit >= 0 ? this.ids[this.hit] : -1;
  }
  get stride(): number {
    return this.fp.parts.length;
  }
  newIndex(): StateIndex {
    return new FingerprintIndex(this.fp);
  }
  keepParts(store: PartsStore): void {
    store.keep(this.fp.parts);
  }
  add(s: ModelState, from: Hashed | null = null): boolean {
    this.fp.of(s, from);
    const { a, b } = this.fp;
    return this.insert(a, b === 0 && a === 0 ? 1 : b); // (0, 0) marks an empty slot
  }
  has(s: ModelState, from: Hashed | null = null): boolean {
    this.fp.of(s, from);
    const { a, b } = this.fp;
    return this.slot(a, b === 0 && a === 0 ? 1 : b) < 0;
  }
  private insert(a: number, b: number): boolean {
    let i = this.slot(a, b);
    if (i < 0) return false;
    if ((this.size + 1) * 10 > (this.mask + 1) * 7) {
      this.grow();
      i = this.slot(a, b);
    }
    this.table[2 * i] = a;
    this.table[2 * i + 1] = b;
    if (this.ids) this.ids[i] = this.size;
    this.hit = i;
    this.size++;
    return true;
  }
  /** The empty slot where (a, b) goes, or -1 when it is there already (its slot in `hit`). */
  private slot(a: number, b: number): number {
    const t = this.table;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const x = t[2 * i];
      const y = t[2 * i + 1];
      if (x === 0 && y === 0) {
        this.hit = -1;
        return i;
      }
      if (x === a && y === b) {
        this.hit = i;
        return -1;
      }
    }
  }
  private grow(): void {
    const old = this.table;
    const oldIds = this.ids;
    const cap = (this.mask + 1) * 2;
    this.table = new Uint32Array(cap * 2);
    if (oldIds) this.ids = new Int32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const a = old[j];
      const b = old[j + 1];
      if (a === 0 && b === 0) continue;
      const i = this.slot(a, b);
      this.table[2 * i] = a;
      this.table[2 * i + 1] = b;
      if (oldIds && this.ids) this.ids[i] = oldIds[j / 2];
    }
  }
}

/** Exact keys (the canonical JSON): for tests, and to check the fingerprints against. */
export class ExactSet implements Visited {
  /** Each key's insertion number. */
  private readonly keys = new Map<string, number>();
  last = -1;
  private chars = 0;
  readonly stride = 0;
  keepParts(): void {}
  constructor(
    private readonly abstract = true,
    private readonly live: LiveLocals | null = null,
  ) {}
  get size(): number {
    return this.keys.size;
  }
  get bytes(): number {
    return this.chars * 2 + this.keys.size * 40;
  }
  private lastKey = '';
  newIndex(): StateIndex {
    const m = new Map<string, number>();
    return { set: (v) => void m.set(this.lastKey, v), get: () => m.get(this.lastKey) };
  }
  has(s: ModelState): boolean {
    this.lastKey = exactKey(s, this.abstract, this.live);
    this.last = this.keys.get(this.lastKey) ?? -1;
    return this.last >= 0;
  }
  add(s: ModelState): boolean {
    const k = exactKey(s, this.abstract, this.live);
    this.lastKey = k;
    const at = this.keys.get(k);
    if (at !== undefined) {
      this.last = at;
      return false;
    }
    this.last = this.keys.size;
    this.keys.set(k, this.last);
    this.chars += k.length;
    return true;
  }
}
