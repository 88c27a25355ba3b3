/**
 * Bounded exhaustive search (docs/design.md §4): breadth-first over the states of one scenario,
 * deduplicated by a canonical key, to a depth bound. Returns a shortest counterexample, or
 * "holds" when the reachable state space was exhausted, or "holds-up-to-bound".
 * Liveness invariants are judged at terminal states (no thread can step), which is where the
 * random engine's drain ends too.
 */
import { enabledThreads, invariantByName, resolve, step, type Catalogue, type ModelState, type Scenario, type TraceStep } from '../model/index.ts';
import { contextSwitches } from './judge.ts';
import type { ExhaustiveResult } from './result.ts';

export interface ExhaustiveOptions {
  readonly maxStates?: number;
  /** Called every 5000 states (for a progress line on a terminal). */
  readonly onProgress?: (states: number, ms: number) => void;
  readonly catalogue?: Catalogue;
}

export const exhaustive = (scenario: Scenario, invariantName: string, maxDepth: number, o: ExhaustiveOptions = {}): ExhaustiveResult => {
  const { maxStates = 2_000_000, onProgress } = o;
  const inv = invariantByName(invariantName);
  if (!inv) throw new Error(`unknown invariant ${invariantName}`);
  const r = resolve(scenario, o.catalogue);
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
    const switches = contextSwitches(trace);
    // Breadth-first: the first trace found is a shortest one, so nothing was shrunk.
    const counterexample = {
      invariant: inv.name,
      witness,
      scenario,
      schedule: trace.map((s) => s.thread),
      trace,
      steps: trace.length,
      contextSwitches: switches,
      fromSteps: trace.length,
      fromSwitches: switches,
      provenance: { foundWith: 'exhaustive' },
    } as const;
    return { engine: 'exhaustive', invariant: inv.name, verdict: 'violated', states: states.length, depth: trace.length, ms: performance.now() - t0, counterexample };
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
  return { engine: 'exhaustive', invariant: inv.name, verdict: truncated ? 'holds-up-to-bound' : 'holds', states: states.length, depth: maxSeen, ms: performance.now() - t0, counterexample: null };
};
