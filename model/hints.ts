/**
 * Where a step invariant or goal can fire, from its hints (`facts`: the fact kinds it judges;
 * `threadKinds`: the threads it is about), so that both searches skip it on other steps: the
 * random engine's runWorld and the exhaustive engine's explore (docs/design.md §4).
 * properties/step-hints.test.ts checks that a skipped step is never one where it fires.
 */
import { kindMask, type Fact } from './facts.ts';
import type { ThreadKind } from './types.ts';

export interface StepNeeds {
  /** The fact kinds as a mask (facts.ts factMask); -1: any step. */
  readonly facts: number;
  /** null: any thread. */
  readonly kinds: readonly ThreadKind[] | null;
}

export const stepNeeds = (h: { readonly facts?: readonly Fact['fact'][]; readonly threadKinds?: readonly ThreadKind[] }): StepNeeds => ({
  facts: h.facts === undefined ? -1 : kindMask(h.facts),
  kinds: h.threadKinds ?? null,
});

/** Whether a step with these facts (a factMask), taken by a thread of this kind, can make it fire. */
export const mayFire = (n: StepNeeds, facts: number, kind: ThreadKind): boolean => (n.facts === -1 || (n.facts & facts) !== 0) && (n.kinds === null || n.kinds.includes(kind));
