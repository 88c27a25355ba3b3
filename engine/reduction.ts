/**
 * Partial-order reduction for the exhaustive search: sleep sets (P. Godefroid, "Partial-Order
 * Methods for the Verification of Concurrent Systems", LNCS 1032, 1996, ch. 5; with state
 * caching, Godefroid, Holzmann & Pirottin, "State-space caching revisited", FMSD 7(3), 1995).
 * Design and soundness argument: docs/design.md §4.1.
 *
 * A step's footprint is what it reads (model/footprint.ts, declared per instruction) and what it
 * writes (read off the state it returns: which top-level parts, locks and drivers changed).
 * Two steps of different threads are independent when neither is "anything" and neither writes
 * what the other reads or writes: then they commute and neither enables or disables the other.
 * A step is put to sleep only if it is also quiet (model/footprint.ts quietStep), so the
 * invariants judged on steps see every step they could fire on.
 *
 * Sleep sets prune transitions, never states: every reachable state is still visited, at its
 * breadth-first depth, which is why the reduced search gives the same verdicts and the same
 * shortest counterexamples (properties/reduction.test.ts checks both).
 */
import { actionOf, actionReads, nextAction, observedReads, quietStep, type ModelState, type Stepped, type World } from '../model/index.ts';

/** A step's footprint as bit masks over the scenario's resources; `all` for "anything". */
export interface Footprint {
  readonly all: boolean;
  readonly reads: number;
  readonly writes: number;
}

const ANYTHING: Footprint = { all: true, reads: -1, writes: -1 };

const FIXED = ['mm', 'subs', 'core', 'lockdep'] as const;

/** The bit of each resource of one scenario: its locks and drivers, which never change. */
export class Resources {
  private readonly bit = new Map<string, number>();
  private readonly locks: readonly string[];
  private readonly drivers: readonly string[];
  private readonly lockBits: readonly number[];
  private readonly driverBits: readonly number[];
  /** The mask of each read list the model returned (it shares them: model/footprint.ts). */
  private readonly masks = new Map<readonly string[], number>();
  /** More resources than bits: every step is "anything" (no reduction). */
  readonly usable: boolean;
  constructor(initial: ModelState) {
    this.locks = Object.keys(initial.locks);
    this.drivers = Object.keys(initial.drivers);
    const names = [...FIXED, ...this.locks.map((l) => `lock:${l}`), ...this.drivers.map((d) => `driver:${d}`)];
    this.usable = names.length <= 31;
    names.forEach((n, k) => this.bit.set(n, 1 << k));
    this.lockBits = this.locks.map((l) => this.bit.get(`lock:${l}`) as number);
    this.driverBits = this.drivers.map((d) => this.bit.get(`driver:${d}`) as number);
  }

  private mask(read: readonly string[]): number {
    let m = this.masks.get(read);
    if (m === undefined) {
      m = 0;
      for (const r of read) m |= r === 'locks' ? this.lockBits.reduce((a, b) => a | b, 0) : (this.bit.get(r) ?? -1);
      this.masks.set(read, m);
    }
    return m;
  }

  /** Whether footprint `fp` reads resource `name` (for tests). */
  reads(fp: Footprint, name: string): boolean {
    return fp.all || (fp.reads & (this.bit.get(name) ?? -1)) !== 0;
  }

  /** Whether footprint `fp` writes resource `name` (for tests). */
  writes(fp: Footprint, name: string): boolean {
    return fp.all || (fp.writes & (this.bit.get(name) ?? 0)) !== 0;
  }

  /** What thread `ti`'s step `res` from `before` touched. */
  footprint(world: World, before: ModelState, res: Stepped, ti: number): { fp: Footprint; quiet: boolean } {
    const after = res.state;
    const t = before.threads[ti];
    const quiet = quietStep(res.facts.length, res.diagnostics.length);
    if (!this.usable) return { fp: ANYTHING, quiet: false };
    const read = actionReads(before, actionOf(res) ?? nextAction(world, before, t));
    if (read === null) return { fp: ANYTHING, quiet };
    // What the invariants read after this thread's steps counts as read by the step: another step
    // that writes it could change the verdict on this one.
    const observed = observedReads(world, after, after.threads[ti]);
    if (observed === null) return { fp: ANYTHING, quiet };
    const reads = this.mask(read) | this.mask(observed);
    let writes = 0;
    if (after.nextInvId !== before.nextInvId) return { fp: ANYTHING, quiet };
    for (let j = 0; j < before.threads.length; j++) if (j !== ti && after.threads[j] !== before.threads[j]) return { fp: ANYTHING, quiet };
    if (after.mm !== before.mm) writes |= 1;
    if (after.subs !== before.subs) writes |= 2;
    if (after.core !== before.core) writes |= 4;
    if (after.lockdep !== before.lockdep) writes |= 8;
    if (after.locks !== before.locks) for (let k = 0; k < this.locks.length; k++) if (after.locks[this.locks[k]] !== before.locks[this.locks[k]]) writes |= this.lockBits[k];
    if (after.drivers !== before.drivers) for (let k = 0; k < this.drivers.length; k++) if (after.drivers[this.drivers[k]] !== before.drivers[this.drivers[k]]) writes |= this.driverBits[k];
    return { fp: { all: false, reads: reads | writes, writes }, quiet };
  }
}

/** Whether two steps of different threads commute and leave each other enabled. */
export const independent = (a: Footprint, b: Footprint): boolean =>
  !a.all && !b.all && (a.writes & b.reads) === 0 && (b.writes & a.reads) === 0;

/**
 * A sleep set: the threads whose next step need not be taken from a state, with the footprint
 * each had when it was taken from an ancestor (a sleeping step is independent of every step
 * since, so it would do the same now).
 */
export interface Sleep {
  /** Bit k: thread k sleeps. */
  readonly mask: number;
  readonly fps: readonly (Footprint | null)[];
}

export const AWAKE: Sleep = { mask: 0, fps: [] };

/** The sleep set of the state `t` leads to: the sleepers and the quiet steps taken before `t` that `t` is independent of. */
export const sleepAfter = (sleep: Sleep, taken: readonly { ti: number; fp: Footprint }[], fp: Footprint): Sleep => {
  if (fp.all) return AWAKE;
  let mask = 0;
  let fps: (Footprint | null)[] | null = null;
  const keep = (ti: number, f: Footprint) => {
    if (!independent(f, fp)) return;
    mask |= 1 << ti;
    fps ??= [];
    fps[ti] = f;
  };
  for (let ti = 0; sleep.mask >>> ti !== 0; ti++) if (sleep.mask & (1 << ti)) keep(ti, sleep.fps[ti] as Footprint);
  for (const x of taken) keep(x.ti, x.fp);
  return mask === 0 ? AWAKE : { mask, fps: fps ?? [] };
};

/** Arriving at a state again on another shortest path: only what sleeps on both may sleep. */
export const intersect = (a: Sleep, b: Sleep): Sleep => {
  const mask = a.mask & b.mask;
  return mask === a.mask ? a : mask === 0 ? AWAKE : { mask, fps: a.fps };
};
