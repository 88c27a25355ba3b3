/**
 * The proofs' key (docs/design.md §4.2): a coarser canonical form of a state for the searches
 * that need only verdicts (compare's proofs), under which states with the same future are one.
 * On top of fingerprint.ts's canonical form it drops or folds three things nothing can tell
 * apart later:
 *
 * 1. **Dead locals.** A driver call's local that no path from its program counter reads before
 *    writing it cannot change the call's future. This is SPIN's dead variable reduction
 *    (G. J. Holzmann, "The SPIN Model Checker", Addison-Wesley 2003, ch. 9; `spin -o1` turns it
 *    off), here a backward live-variable analysis (A. V. Aho, M. S. Lam, R. Sethi, J. D. Ullman,
 *    "Compilers", 2nd ed., 2006, §9.2.5) over the driver micro-language (model/program.ts). Besides
 *    the instructions (model/interpreter.ts), a fault's page pin (`pinned`, `frame`) is read at any
 *    program counter (an abandoned fault's put_page; another thread's "is this frame pinned",
 *    model/mm.ts) and a deferred interval remove's `removeSeq` by its blocker: those are always
 *    live. An instruction this file does not know reads every local.
 * 2. **The collision witnesses.** `invStarted` and `invActive` are written together
 *    (witnessLocals) and read only by a fault's retry, as `invActive === 1 || invStarted !==
 *    nextInvId`; nextInvId only grows, so that bit (fingerprint.ts EXPLAINED), once 1, stays 1, and
 *    is all their future depends on.
 * 3. **A rwsem's readers as a multiset.** The model asks of `readers` only whether a thread is
 *    in it and how many there are, and removes one occurrence; the order shows only in texts (a
 *    queued writer's label names readers[0], NoDeadlock's waits-for text a holder).
 *
 * The states merged are bisimilar: the same threads enabled or blocked on the same blockers, the
 * same facts and diagnostics, successors merged again, every invariant's verdict the same (texts
 * aside, for 3). `properties/proof-key.test.ts` checks that on the reachable states of small
 * scenarios of every family under every strategy, and that a wrong liveness fails it. So every
 * verdict, at-end judgement, fair cycle and shortest length is kept; what changes is which of the
 * merged states the breadth-first tree goes through, so a counterexample found under the key can
 * be another trace of the same length. The search that uses it (explore's `proofKey`) finds each
 * counterexample its caller keeps again without it, so what is printed is the same.
 */
import type { Call, Cond, Instr, Program, World } from '../model/index.ts';

/** Locals read whatever the program counter (see the module comment). */
export const ALWAYS_LIVE: readonly string[] = ['pinned', 'frame', 'removeSeq'];
/** An instruction of unknown meaning: every local is live before it. */
const ALL = null;

/** The locals an instruction reads (null: any), and those it always writes when it steps. */
const effect = (i: Instr): { reads: readonly string[] | null; writes: readonly string[] } => {
  switch (i.op) {
    case 'lock':
    case 'unlock':
    case 'add':
    case 'zap':
    case 'zapAll':
    case 'intervalInsert':
    case 'intervalRemove': // removeSeq: always live
    case 'gup': // frame, pinned: always live
    case 'install':
    case 'setSeq':
    case 'alloc':
    case 'waitFence':
    case 'ret':
      return { reads: [], writes: [] };
    case 'snapshot':
    case 'readBegin':
      return { reads: [], writes: [i.into, 'invStarted', 'invActive'] };
    case 'waitZero':
      return { reads: [], writes: ['invStarted', 'invActive'] };
    case 'readRetry':
      return { reads: [i.since], writes: [] };
    case 'jump':
      return { reads: i.if === undefined ? [] : condReads(i.if), writes: [] };
    case 'warn_on':
    case 'bug_on':
      return { reads: condReads(i.if), writes: [] };
    case 'retry': // whether the collision is explained: invActive, invStarted (model/interpreter.ts)
      return { reads: ['invActive', 'invStarted'], writes: [] };
    default:
      return { reads: ALL, writes: [] };
  }
};

const condReads = (c: Cond): string[] => {
  switch (c.is) {
    case 'changed':
      return [c.since];
    case 'not':
      return condReads(c.cond);
    case 'any':
      return c.conds.flatMap(condReads);
    default:
      return [];
  }
};

/** Where control may go after instruction `pc` steps (a blocked one does not step); more is safe. */
const successors = (p: Program, pc: number): number[] => {
  const i = p.code[pc];
  const next = pc + 1 < p.code.length ? [pc + 1] : [];
  switch (i.op) {
    case 'ret':
      return [];
    case 'jump':
      return i.if === undefined ? [p.labels[i.to]] : [p.labels[i.to], ...next];
    case 'retry':
      return [p.labels[i.to], pc, ...next]; // a spinning fault stays (DriverThread.spin)
    case 'readRetry':
      return [p.labels[i.then], ...next];
    case 'lock':
      return i.else === undefined ? next : [p.labels[i.else], ...next];
    case 'intervalRemove':
      return [pc, ...next]; // a deferred remove stays to wait
    default:
      return next;
  }
};

/** Per program counter, the locals live before it (null: every local), by a backward fixpoint. */
export const liveBefore = (p: Program): readonly (ReadonlySet<string> | null)[] => {
  const fx = p.code.map(effect);
  const succ = p.code.map((_, pc) => successors(p, pc));
  const live: (Set<string> | null)[] = p.code.map(() => new Set(ALWAYS_LIVE));
  for (let changed = true; changed; ) {
    changed = false;
    for (let pc = p.code.length - 1; pc >= 0; pc--) {
      const { reads, writes } = fx[pc];
      let out: Set<string> | null = new Set(ALWAYS_LIVE);
      for (const q of succ[pc]) {
        const l = live[q];
        if (l === null || l === undefined) {
          out = null;
          break;
        }
        for (const v of l) out.add(v);
      }
      let inn: Set<string> | null = null;
      if (reads !== ALL && out !== null) {
        inn = new Set(out);
        for (const w of writes) if (!ALWAYS_LIVE.includes(w)) inn.delete(w);
        for (const r of reads) inn.add(r);
      }
      const was = live[pc];
      if (was === null) continue;
      if (inn === null || inn.size !== was.size || [...inn].some((v) => !was.has(v))) {
        live[pc] = inn;
        changed = true;
      }
    }
  }
  return live;
};

const cache = new WeakMap<Program, readonly (ReadonlySet<string> | null)[]>();

/** The locals live at a call's program counter (null: all of them). */
export type LiveLocals = (c: Call) => ReadonlySet<string> | null;

export const liveLocals = (world: World): LiveLocals => (c: Call) => {
  const p = (world.ops[c.sub] as unknown as Record<string, Program | null | undefined> | undefined)?.[c.op];
  if (!p) return null;
  let l = cache.get(p);
  if (l === undefined) {
    l = liveBefore(p);
    cache.set(p, l);
  }
  return l[c.pc] ?? null;
};

/** Whether a call holds a local that is dead at its program counter. */
export const hasDeadLocal = (c: Call, live: ReadonlySet<string> | null): boolean => {
  if (live === null) return false;
  for (const k in c.locals) if (c.locals[k] !== undefined && !live.has(k)) return true;
  return false;
};
