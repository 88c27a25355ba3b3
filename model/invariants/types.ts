/**
 * The invariant registry's vocabulary (docs/design.md §3.5): an invariant is a named pure predicate
 * citing its docs/kernel.md §8 entry. `safety` and `contract` invariants are judged after every step
 * from the step's facts and state; `liveness` ones once, after the drain, or on fair cycles, except
 * where the run itself shows the violation at one step (the reaper declaring success). A
 * predicate returns null (ok) or a witness sentence that says what broke and where.
 */
import type { Fact } from '../facts.ts';
import type { Stepped } from '../step.ts';
import { anyStartResult } from '../state.ts';
import type { Invalidation, ModelState, ThreadKind, ThreadState, World } from '../types.ts';

export interface StepContext {
  readonly world: World;
  readonly after: ModelState;
  readonly step: Stepped;
}

export interface EndContext {
  readonly world: World;
  readonly state: ModelState;
  /** Threads unfinished while none can step (a thread spinning at its retry aside: interpreter.ts idleSpinner). */
  readonly stuck: boolean;
  /** The drain hit its bound with threads still stepping (not a verdict by itself: see onCycle). */
  readonly exhausted: boolean;
}

/**
 * A reachable cycle a weakly fair scheduler can repeat forever (docs/design.md §3.5): every thread
 * that takes no step in it is disabled at some state of it. Every thread's program is finite, so
 * such a cycle is a run that never ends.
 */
export interface CycleContext {
  readonly world: World;
  /** The states of one turn, the first (where it starts and ends) first; `states[k]` is before `steps[k]`. */
  readonly states: readonly ModelState[];
  /** One turn's steps: the thread and its action label. */
  readonly steps: readonly { readonly thread: string; readonly action: string }[];
}

/**
 * Which fair cycles an invariant's onCycle is about, so that the search looks for one of those
 * (engine/lasso.ts) rather than judging the first fair cycle it meets: every state of the cycle
 * is `within`, and the cycle has a step of a thread `stepper` accepts, or a state `has` accepts,
 * or an unfinished thread that takes no step in it and that `idle` accepts at one of its states.
 * Absent: every fair cycle.
 */
export interface CycleScope {
  readonly within?: (s: ModelState) => boolean;
  readonly stepper?: (t: ThreadState) => boolean;
  readonly has?: (s: ModelState) => boolean;
  readonly idle?: (world: World, s: ModelState, t: ThreadState) => boolean;
}

/** Whether one turn of a cycle is in the scope. */
export const inScope = (scope: CycleScope, c: CycleContext): boolean => {
  const [first] = c.states;
  if (scope.within && !c.states.every(scope.within)) return false;
  const { stepper, has, idle } = scope;
  if (!stepper && !has && !idle) return true;
  if (stepper && c.steps.some((x) => first.threads.some((t) => t.id === x.thread && stepper(t)))) return true;
  if (has && c.states.some(has)) return true;
  return (
    idle !== undefined &&
    first.threads.some((t) => !t.done && !c.steps.some((x) => x.thread === t.id) && c.states.some((s) => idle(c.world, s, s.threads.find((x) => x.id === t.id) as ThreadState)))
  );
};

/** onCycle judged only on cycles in its scope (null elsewhere), with that scope as its cycleScope. */
export const judgedOnCycles = (scope: CycleScope, witness: (c: CycleContext) => string | null): Pick<Invariant, 'cycleScope' | 'onCycle'> => ({
  cycleScope: scope,
  onCycle: (c) => (inScope(scope, c) ? witness(c) : null),
});

export interface Invariant {
  readonly name: string;
  readonly kind: 'safety' | 'liveness' | 'contract';
  /** The docs/kernel.md §8 entry: 'INV-1' … 'INV-17', 'INV-9b'. */
  readonly id: string;
  readonly domainRef: string;
  readonly summary: string;
  /** The situations (goals.ts) this invariant is about: a "holds" whose runs reached none of them is vacuous. */
  readonly about: readonly string[];
  readonly onStep?: (c: StepContext) => string | null;
  /** When given, onStep is null on a step with no fact of these kinds: a search may skip it there. */
  readonly facts?: readonly Fact['fact'][];
  /** When given, onStep is null on a step of a thread of another kind: a search may skip it there. */
  readonly threadKinds?: readonly ThreadKind[];
  readonly atEnd?: (c: EndContext) => string | null;
  /**
   * Judged on fair cycles (CycleContext): the exhaustive engine searches them, and a random run
   * whose drain hit its bound is confirmed by such a search from where it stopped (engine/lasso.ts).
   */
  readonly onCycle?: (c: CycleContext) => string | null;
  /** The cycles onCycle can be violated on (absent: any fair cycle). */
  readonly cycleScope?: CycleScope;
}

/** The first fact of this kind in the step whose witness is not null. */
export const firstFact = <F extends Fact['fact']>(c: StepContext, kind: F, witness: (f: Extract<Fact, { fact: F }>) => string | null): string | null => {
  for (const f of c.step.facts) {
    if (f.fact !== kind) continue;
    const w = witness(f as Extract<Fact, { fact: F }>);
    if (w !== null) return w;
  }
  return null;
};

/** An onStep judged on the facts of one kind only (the first witness among them), with that kind as its `facts`. */
export const judgedOn = <F extends Fact['fact']>(kind: F, witness: (f: Extract<Fact, { fact: F }>, c: StepContext) => string | null): Pick<Invariant, 'onStep' | 'facts'> => ({
  facts: [kind],
  onStep: (c) => firstFact(c, kind, (f) => witness(f, c)),
});

export const rangeText = (inv: Invalidation): string => `[${inv.range.start},${inv.range.end})`;

/** A non-blocking start that returned -EAGAIN: in the model any failed callback makes it fail (§2.2). */
export const failedNonblock = (inv: Invalidation): boolean => !inv.blockable && anyStartResult(inv, 'fail');

export const failedBy = (inv: Invalidation): string => (inv.failedAt ? `${inv.failedAt} returned -EAGAIN` : 'it returned -EAGAIN');
