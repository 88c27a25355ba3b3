/**
 * Bounded exhaustive search (DESIGN.md §4): breadth-first over the states of one scenario,
 * deduplicated by a canonical key, to a depth bound. Returns a shortest counterexample, or
 * "holds" when the reachable state space was exhausted, or "holds-up-to-bound".
 * Liveness invariants are judged at terminal states (no thread can step), which is where the
 * random engine's drain ends too.
 */
import { invariantByName } from '../model/index.ts';
import type { TraceStep } from '../model/index.ts';
import { resolve } from '../model/index.ts';
import { enabledThreads, step } from '../model/index.ts';
import type { ModelState, Scenario } from '../model/index.ts';

export interface ExhaustiveResult {
  readonly invariant: string;
  readonly verdict: 'holds' | 'violated' | 'holds-up-to-bound';
  readonly states: number;
  readonly depth: number;
  readonly ms: number;
  readonly counterexample: { readonly schedule: readonly string[]; readonly trace: readonly TraceStep[]; readonly witness: string } | null;
}

export const exhaustive = (
  scenario: Scenario,
  invariantName: string,
  maxDepth: number,
  maxStates = 2_000_000,
  onProgress?: (states: number, ms: number) => void,
): ExhaustiveResult => {
  const inv = invariantByName(invariantName);
  if (!inv) throw new Error(`unknown invariant ${invariantName}`);
  const r = resolve(scenario);
  if (!r.ok) throw new Error(r.error);
  const world = r.world;
  const t0 = performance.now();
  const states: ModelState[] = [r.state];
  const parent: number[] = [-1];
  const via: TraceStep[] = [];
  const depthOf: number[] = [0];
  const seen = new Set<string>([JSON.stringify(r.state)]);
  let truncated = false;
  const path = (i: number, last?: TraceStep) => {
    const steps: TraceStep[] = last ? [last] : [];
    for (let k = i; k > 0; k = parent[k]) steps.unshift(via[k - 1]);
    return steps;
  };
  const found = (i: number, witness: string, last?: TraceStep): ExhaustiveResult => {
    const trace = path(i, last);
    return { invariant: inv.name, verdict: 'violated', states: states.length, depth: trace.length, ms: performance.now() - t0, counterexample: { schedule: trace.map((s) => s.thread), trace, witness } };
  };
  let maxSeen = 0;
  for (let i = 0; i < states.length; i++) {
    const s = states[i];
    const d = depthOf[i];
    if (onProgress && i % 5000 === 0 && i > 0) onProgress(states.length, performance.now() - t0);
    maxSeen = Math.max(maxSeen, d);
    const en = enabledThreads(world, s);
    if (en.length === 0) {
      const w = inv.atEnd?.({ world, state: s, stuck: s.threads.some((t) => !t.done), exhausted: false }) ?? null;
      if (w !== null) return found(i, w);
      continue;
    }
    if (d >= maxDepth) {
      truncated = true;
      continue;
    }
    for (const th of en) {
      const res = step(world, s, th);
      if (res.tag !== 'stepped') continue;
      const ts: TraceStep = { thread: th, action: res.label, events: res.events, ...(res.diagnostics.length ? { diagnostics: res.diagnostics.map((x) => `${x.kind}: ${x.text}`) } : {}) };
      const w = inv.onStep?.({ world, after: res.state, step: res }) ?? null;
      if (w !== null) return found(i, w, ts);
      const key = JSON.stringify(res.state);
      if (seen.has(key)) continue;
      if (states.length >= maxStates) {
        truncated = true;
        continue;
      }
      seen.add(key);
      states.push(res.state);
      parent.push(i);
      via.push(ts);
      depthOf.push(d + 1);
    }
  }
  return { invariant: inv.name, verdict: truncated ? 'holds-up-to-bound' : 'holds', states: states.length, depth: maxSeen, ms: performance.now() - t0, counterexample: null };
};
