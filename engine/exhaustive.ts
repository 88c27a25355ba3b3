/**
 * Exhaustive search (docs/design.md §4): one breadth-first pass over the states of one scenario
 * judges every selected invariant, and keeps per invariant its first, hence shortest,
 * counterexample. Safety and contract invariants are judged on every step, liveness ones at
 * terminal states (no thread can step), which is where the random engine's drain ends too, and
 * those judged on cycles (`onCycle`) also on a reachable fair cycle, after the search (lasso.ts).
 *
 * Complete by default: no depth bound unless asked; a state bound and a memory bound instead,
 * and "holds" only when every reachable state was explored. Visited states are kept as 64-bit
 * fingerprints of a canonical form (fingerprint.ts); the states themselves only for the layer
 * being expanded and the next one; each state's parent and the thread it came by, in typed
 * arrays, give the counterexample's path, which is re-run with recording on to print it.
 */
import { isDeepStrictEqual } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { BLOCKED_GOALS, enabledThreads, factMask, GOALS, idleSpinner, mayFire, resolve, step, STEP_GOALS, stepNeeds, type Catalogue, type CycleScope, type Invariant, type ModelState, type Scenario, type TraceStep, type World } from '../model/index.ts';
import { ExactSet, FingerprintSet, PartsStore, type Visited } from './fingerprint.ts';
import { contextSwitches, invariantsNamed } from './judge.ts';
import { cycleContext, EdgeGraph, lassoProblem, runPath, takesLock, type Scope } from './lasso.ts';
import { liveLocals } from './liveness.ts';
import { AWAKE, intersect, Resources, sleepAfter, type Footprint, type Sleep } from './reduction.ts';
import type { Bound, Counterexample, ExhaustiveResult } from './result.ts';

export const DEFAULT_MAX_STATES = 5_000_000;
/** Half of V8's heap limit: heapUsed counts garbage not yet collected, so leave room for it. */
export const DEFAULT_MAX_MEMORY = Math.floor(getHeapStatistics().heap_size_limit / 2);

export interface ExhaustiveOptions {
  /** Distinct states to store at most (default DEFAULT_MAX_STATES). */
  readonly maxStates?: number;
  /** Longest path explored (default: none). */
  readonly maxDepth?: number;
  /** The heap plus the search's tables, in bytes, at which the search stops (default DEFAULT_MAX_MEMORY). */
  readonly maxMemoryBytes?: number;
  /** Key states by their canonical JSON instead of a fingerprint: slow, for tests. */
  readonly exact?: boolean;
  /** Canonicalize history-only fields (fingerprint.ts; default true); false keys the state as it is. */
  readonly abstract?: boolean;
  /** Partial-order reduction by sleep sets (reduction.ts; default true): fewer transitions, the same states and verdicts. */
  readonly reduce?: boolean;
  /**
   * Key states by the proofs' form (engine/liveness.ts; default false): states that differ only in
   * dead driver locals, in collision witnesses with the same meaning, or in the order of a rwsem's
   * readers are one state. Fewer states, the same verdicts and shortest lengths; each violation it
   * finds is searched for again without it (`stopWhen` it) unless `refind` says it need not be, so
   * every counterexample kept is the plain search's, to the trace. For proofs; `states` then counts
   * the proof search's states.
   */
  readonly proofKey?: boolean;
  /**
   * With `proofKey`: which violations (by invariant and counterexample length) to find again
   * without it (default: all). The others keep the proof search's counterexample: a real trace of
   * the scenario, as short as the plain search's, not necessarily the same one. Fair cycles are
   * always found again.
   */
  readonly refind?: (invariant: string, steps: number) => boolean;
  /** Stop once these invariants are decided (default: all judged); the others are judged on the way. */
  readonly stopWhen?: readonly string[];
  /**
   * Only these threads step; the others stay as they start. The search is then of a subgraph of
   * the scenario's, so every trace it finds is one of the scenario's, but not necessarily the
   * shortest on its threads, and at-end invariants are not judged (a state is terminal only when
   * no thread can step): their "holds" means nothing, and any other "holds" is of the subgraph
   * only. The shortest pass uses it for counterexamples alone.
   */
  readonly only?: readonly string[];
  /**
   * Judge the invariants with `onCycle` on reachable fair cycles too (default true). False: at
   * terminal states only, with no edge graph and the sleep sets on, as the random search's
   * shortest pass does: it looks for a shorter stuck state, and a lasso is never called shortest.
   */
  readonly cycles?: boolean;
  /**
   * Search from this state instead of the scenario's initial one (a state of the scenario's,
   * e.g. where a random run's drain hit its bound: engine/judge.ts); traces then start there.
   */
  readonly from?: ModelState;
  /** Called every 5000 states expanded (for a progress line on a terminal). */
  readonly onProgress?: (states: number, ms: number) => void;
  /** performance.now() at which the search stops, cut by the 'time' bound (the shortest pass under --time-limit). */
  readonly deadline?: number;
  /**
   * Watch the search (`check --exhaustive --stats`: engine/stats.ts exhaustiveStats). Given the
   * scenario's world, it returns the world the search steps in (a copy whose strategy hooks are
   * counted) and a callback on every transition taken: thread index `ti` stepped out of
   * `before`. Only the search's own steps use that world (invariants, replays and lassos keep
   * the scenario's). Absent, the search does no extra work.
   */
  readonly observe?: (world: World) => { readonly world: World; readonly onTransition: (before: ModelState, ti: number) => void; readonly variants?: Variants };
  readonly catalogue?: Catalogue;
}

/**
 * Worlds that step as the search's world does but may report other facts and diagnostics
 * (engine/share.ts: strategies whose hooks differ only in what the step reports). `softIn()`,
 * asked after each step the search takes, names the variants whose hooks answered otherwise in
 * it, and forgets them; on such a step each of them steps in its own world, must reach the same
 * state, and is judged on its own facts; on every other step it shares the search's verdicts.
 * Only while fair cycles are judged (no sleep sets: a diagnostic changes which steps are quiet).
 * `differs(v)`: a hook of variant v answered otherwise in what the step does; it gets no results.
 */
export interface Variants {
  readonly worlds: readonly World[];
  readonly softIn: () => readonly number[];
  readonly differs: (v: number) => boolean;
}

/** What one search did, beside its verdicts (for bench and the CLI). */
export interface ExploreStats {
  readonly states: number;
  readonly transitions: number;
  /** Steps not taken because they slept (reduction.ts): the unreduced search takes transitions + pruned. */
  readonly pruned: number;
  readonly depth: number;
  /** `statesToDepth[d]`: the distinct states at most d steps deep (for each depth the search began). */
  readonly statesToDepth: readonly number[];
  readonly ms: number;
  readonly bound: Bound | null;
  /** It stopped because every invariant it was to stop on was decided (`stopWhen`), not at a bound or the space's end. */
  readonly decided: boolean;
  /** The visited set's, the parent arrays' and (judging cycles) the edge graph's bytes. */
  readonly tableBytes: number;
  /** Whether it recorded the edge graph to judge fair cycles (an invariant with `onCycle` was selected). */
  readonly cycles: boolean;
  /** The highest heapUsed sampled. */
  readonly peakHeapBytes: number;
  /** With `proofKey`: the states of the plain search that found its violations again (0: none needed). */
  readonly refound?: number;
}

const PROGRESS_EVERY = 5000;
const MEMORY_EVERY = 2048;

/** Each state's parent and the index of the thread that stepped into it, grown by doubling. */
class Tree {
  parent = new Int32Array(1 << 12);
  via = new Uint8Array(1 << 12);
  size = 0;
  push(parent: number, via: number): void {
    if (this.size === this.parent.length) {
      const p = new Int32Array(this.size * 2);
      p.set(this.parent);
      this.parent = p;
      const v = new Uint8Array(this.size * 2);
      v.set(this.via);
      this.via = v;
    }
    this.parent[this.size] = parent;
    this.via[this.size] = via;
    this.size++;
  }
  get bytes(): number {
    return this.parent.byteLength + this.via.byteLength;
  }
  /** The thread indices from the initial state to `node`. */
  path(node: number): number[] {
    const out: number[] = [];
    for (let k = node; k > 0; k = this.parent[k]) out.push(this.via[k]);
    return out.reverse();
  }
}

/** A violation: at the terminal state `node` (`last` −1), or on the step of thread `last` out of it; or a lasso. */
interface Found {
  readonly witness: string;
  readonly node: number;
  readonly last: number;
  readonly length: number;
  readonly states: number;
  /** A lasso: the path's thread indices (prefix, then one turn of the cycle), the cycle from `from`. */
  readonly lasso?: { readonly path: readonly number[]; readonly from: number; readonly trace: readonly TraceStep[] };
}

/** Re-run the path with recording on: the printable trace (the model is deterministic). */
const replay = (world: World, initial: ModelState, threads: readonly number[]): TraceStep[] => {
  const trace: TraceStep[] = [];
  let s = initial;
  for (const ti of threads) {
    const th = s.threads[ti].id;
    const res = step(world, s, th, true);
    if (res.tag !== 'stepped') throw new Error(`exhaustive: replay of ${th} did not step (${res.tag})`);
    trace.push({ thread: th, action: res.label, events: res.events, ...(res.diagnostics.length ? { diagnostics: res.diagnostics.map((x) => `${x.kind}: ${x.text}`) } : {}) });
    s = res.state;
  }
  return trace;
};

/** One search over one scenario's states, judging these invariants: a result per invariant, in their order. */
export const explore = (
  scenario: Scenario,
  invariantNames: readonly string[],
  o: ExhaustiveOptions = {},
): { results: ExhaustiveResult[]; stats: ExploreStats; /** Per observed variant (Variants): its results, or null where it must be searched on its own. */ variants?: (ExhaustiveResult[] | null)[] } => {
  const invs = invariantsNamed(invariantNames);
  const r = resolve(scenario, o.catalogue);
  if (!r.ok) throw new Error(r.error);
  const { world } = r;
  const watch = o.observe?.(world);
  // The world the search steps in, and the callback on each transition (null: not watched).
  const stepWorld = watch?.world ?? world;
  const onTransition = watch?.onTransition ?? null;
  const initial = o.from ?? r.state;
  if (initial.threads.length > 255) throw new Error('exhaustive: at most 255 threads'); // a thread index is a byte of the tree
  const maxStates = o.maxStates ?? DEFAULT_MAX_STATES;
  const maxDepth = o.maxDepth ?? Infinity;
  const maxMemory = o.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  const abstract = o.abstract ?? true;
  const unknown = o.only?.filter((id) => !initial.threads.some((t) => t.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`exhaustive: only names threads the scenario lacks: ${unknown.join(', ')}`);
  // The threads `only` leaves out, by index.
  const idle = o.only ? initial.threads.map((t) => !o.only?.includes(t.id)) : null;
  // Cycles are judged only on the whole scenario: with idle threads, every cycle would look unfair.
  const onCycle = o.only || o.cycles === false ? [] : invs.flatMap((inv, k) => (inv.onCycle ? [k] : []));
  if (onCycle.length > 0 && initial.threads.length > 31) throw new Error('exhaustive: judging cycles takes at most 31 threads (an enabled-thread bitmask per state)');
  const graph = onCycle.length > 0 ? new EdgeGraph() : null;
  // Each onCycle invariant's scope as the graph's masks: a mark bit per state predicate, a thread mask per stepper.
  const markers: ((s: ModelState) => boolean)[] = [];
  const markOf = (p: ((s: ModelState) => boolean) | undefined): number | undefined => {
    if (p === undefined) return undefined;
    if (!markers.includes(p)) markers.push(p);
    return 1 << markers.indexOf(p);
  };
  // The graph keeps one idle mask per state: the scopes judged on it share their `idle`.
  const idlers = [...new Set(onCycle.flatMap((k) => invs[k].cycleScope?.idle ?? []))];
  if (idlers.length > 1) throw new Error('exhaustive: the invariants judged on cycles differ in their scopes\' idle');
  const [idler] = idlers;
  const scopes = invs.map((inv): Scope => {
    const sc: CycleScope = inv.cycleScope ?? {};
    const stepper = sc.stepper;
    const within = markOf(sc.within);
    const has = markOf(sc.has);
    return {
      ...(within !== undefined ? { within } : {}),
      ...(has !== undefined ? { has } : {}),
      ...(stepper ? { stepper: initial.threads.reduce((m, t, i) => (stepper(t) ? m | (1 << i) : m), 0) } : {}), // a thread keeps its kind
      ...(sc.idle ? { idle: true } : {}),
    };
  });
  const onCycleAll = o.only ? [] : invs.flatMap((inv, k) => (inv.onCycle ? [k] : []));
  // Sleep sets prune transitions, and a cycle may need a pruned one: judging cycles, the search
  // takes every transition (docs/design.md §4.1 says what that costs).
  const resources = (o.reduce ?? true) && !graph && initial.threads.length <= 31 ? new Resources(initial) : null;
  const t0 = performance.now();

  const live = o.proofKey && abstract ? liveLocals(world) : null;
  const visited: Visited = o.exact ? new ExactSet(abstract, live) : new FingerprintSet(abstract, initial.threads.length, 1 << 12, graph !== null, live);
  const tree = new Tree();
  visited.add(initial);
  tree.push(-1, 0);
  const found: (Found | null)[] = invs.map(() => null);
  // Variants (Variants): each one's own finds, and whether it was told apart (another state, or sleep sets on).
  const variants = watch?.variants ?? null;
  const vfound: (Found | null)[][] = variants?.worlds.map(() => invs.map(() => null)) ?? [];
  const apart: boolean[] = variants?.worlds.map(() => resources !== null) ?? [];
  const softNow = new Uint8Array(vfound.length);
  const NONE: readonly number[] = [];
  // Whether invariant k still needs judging at length n by the search's world or a variant still with it (`shared`: only those not told apart on this step).
  const opens = (k: number, n: number, shared: boolean): boolean => {
    const f = found[k];
    if (f === null || f.length > n) return true;
    for (let v = 0; v < vfound.length; v++) {
      if (apart[v] || (shared && softNow[v] === 1)) continue;
      const g = vfound[v][k];
      if (g === null || g.length > n) return true;
    }
    return false;
  };
  const keep = (k: number, n: number, f: Found, shared: boolean) => {
    const was = found[k];
    if (was === null || was.length > n) found[k] = f;
    for (let v = 0; v < vfound.length; v++) {
      if (apart[v] || (shared && softNow[v] === 1)) continue;
      const g = vfound[v][k];
      if (g === null || g.length > n) vfound[v][k] = f;
    }
  };
  const stopAt = invs.flatMap((inv, k) => (o.stopWhen === undefined || o.stopWhen.includes(inv.name) ? [k] : []));
  const onStep = invs.flatMap((inv, k) => (inv.onStep ? [k] : []));
  // Where each step invariant can fire (model/hints.ts), to skip it on other steps.
  const onStepNeeds = onStep.map((k) => stepNeeds(invs[k]));
  const atEnd = o.only ? [] : invs.flatMap((inv, k) => (inv.atEnd ? [k] : []));
  let bound: Bound | null = null;
  let transitions = 0;
  let pruned = 0;
  let expanded = 0;
  let peakHeap = 0;

  // Reachability goals (model/goals.ts): 1 once some step (or blocked choice) reached it; a
  // reached goal is not judged again.
  const goals: Record<string, number> = Object.fromEntries([...GOALS, ...BLOCKED_GOALS].map((g) => [g.name, 0]));
  let stepGoals = STEP_GOALS;
  let blockedGoals = BLOCKED_GOALS;

  const judgeEnd = (s: ModelState, node: number, depth: number) => {
    const stuck = s.threads.some((t) => !t.done && !idleSpinner(world, s, t));
    for (const k of atEnd) {
      if (!opens(k, depth, false)) continue;
      const w = (invs[k].atEnd as NonNullable<Invariant['atEnd']>)({ world, state: s, stuck, exhausted: false });
      if (w !== null) keep(k, depth, { witness: w, node, last: -1, length: depth, states: visited.size }, false);
    }
  };

  // Threads spinning at their retry while no other can step (model/run.ts judgeSpins): a fair
  // cycle of their spins, judged here in breadth-first order, so its lasso is the shortest
  // through such a state; the search after the last layer finds the other fair cycles.
  const judgeSpins = (s: ModelState, node: number, depth: number, spinners: readonly number[]) => {
    const open = onCycleAll.filter((k) => opens(k, depth + spinners.length, false));
    if (open.length === 0) return;
    // Judged on the state itself first: most such states break nothing (NoDeadlock leaves the spins to FaultLiveness).
    const steps = spinners.map((ti) => {
      const res = step(world, s, s.threads[ti].id, true);
      return { thread: s.threads[ti].id, action: res.tag === 'stepped' ? res.label : '' };
    });
    const cycle = { world, states: spinners.map(() => s), steps };
    const hits = open.flatMap((k) => {
      const w = (invs[k].onCycle as NonNullable<Invariant['onCycle']>)(cycle);
      return w === null ? [] : [{ k, w }];
    });
    if (hits.length === 0) return;
    const path = [...tree.path(node), ...spinners];
    const ran = runPath(world, initial, path.map((ti) => initial.threads[ti].id), depth);
    if ('failedAt' in ran) throw new Error(`exhaustive: the spin lasso's step ${ran.failedAt + 1} did not step`);
    const problem = lassoProblem(world, ran, depth);
    if (problem) throw new Error(`exhaustive: not a lasso: ${problem}`);
    for (const { k, w } of hits) keep(k, path.length, { witness: w, node, last: -1, length: path.length, states: visited.size, lasso: { path, from: depth, trace: ran.trace } }, false);
  };

  // The layer being expanded and the next one, with their states' part hashes (fingerprint.ts).
  let layer: (ModelState | null)[] = [initial];
  // Each layer state's sleep set, and where the next layer's states are, to intersect them on another arrival.
  let layerSleep: Sleep[] = [AWAKE];
  let layerParts = new PartsStore(visited.stride);
  visited.keepParts(layerParts);
  let layerStart = 0;
  let depth = 0;
  let deepest = 0;
  const statesToDepth: number[] = [];
  let decided = false;
  search: while (layer.length > 0) {
    statesToDepth.push(visited.size);
    // Every later find is at least this long, and a tie keeps the first.
    if (stopAt.length > 0 && stopAt.every((k) => !opens(k, depth, false))) {
      decided = true;
      break;
    }
    deepest = depth;
    const next: ModelState[] = [];
    const nextSleep: Sleep[] = [];
    const nextAt = visited.newIndex();
    const nextParts = new PartsStore(visited.stride);
    for (let j = 0; j < layer.length; j++) {
      const s = layer[j] as ModelState;
      layer[j] = null; // the layer is freed as it is expanded
      const sleep = resources ? layerSleep[j] : AWAKE;
      const taken: { ti: number; fp: Footprint }[] = [];
      const from = { state: s, parts: layerParts.buf, at: j * layerParts.stride };
      const node = layerStart + j;
      if (++expanded % MEMORY_EVERY === 0) {
        const heap = getHeapStatistics().used_heap_size; // heapUsed without memoryUsage's read of /proc (its rss)
        peakHeap = Math.max(peakHeap, heap);
        if (heap + visited.bytes + tree.bytes + (graph?.bytes ?? 0) + layerParts.bytes + nextParts.bytes > maxMemory) {
          bound = 'memory';
          break search;
        }
        if (o.deadline !== undefined && performance.now() >= o.deadline) {
          bound = 'time';
          break search;
        }
      }
      if (o.onProgress && expanded % PROGRESS_EVERY === 0) o.onProgress(visited.size, performance.now() - t0);
      if (depth >= maxDepth) {
        const spinners = s.threads.flatMap((t, ti) => (!t.done && !idle?.[ti] && idleSpinner(world, s, t) ? [ti] : []));
        if (enabledThreads(world, s).length > spinners.length) bound ??= 'depth';
        else {
          judgeEnd(s, node, depth);
          if (spinners.length > 0) judgeSpins(s, node, depth, spinners);
        }
        graph?.close(0); // not expanded: no edges, so on no cycle
        continue;
      }
      let enabledMask = 0;
      let lockMask = 0;
      let liveMask = 0;
      // Stepping every unfinished thread tells both its successors and whether the state is
      // terminal (enabled: not blocked; model/step.ts isEnabled), with one guard evaluation each;
      // a thread spinning at its retry steps to where it is (interpreter.ts idleSpinner).
      let enabled = false;
      const spinners: number[] = [];
      for (let ti = 0; ti < s.threads.length; ti++) {
        const t = s.threads[ti];
        if (t.done || idle?.[ti]) continue;
        if (graph && (idler === undefined || idler(world, s, t))) liveMask |= 1 << ti;
        const spins = idleSpinner(world, s, t);
        if (spins) spinners.push(ti);
        if (sleep.mask & (1 << ti)) {
          // Asleep: enabled still (nothing since could disable it), its successor reached another way.
          if (!spins) enabled = true;
          pruned++;
          continue;
        }
        const res = step(stepWorld, s, t.id, false);
        let soft = NONE;
        if (variants !== null) {
          soft = variants.softIn();
          for (let v = 0; v < apart.length; v++) if (!apart[v] && variants.differs(v)) apart[v] = true;
        }
        if (res.tag === 'blocked') {
          // A timer fires whatever else runs: for fairness the sleeper counts as enabled, so a cycle it sleeps through is not fair.
          if (res.blocker.on === 'timeout') enabledMask |= 1 << ti;
          if (blockedGoals.length && blockedGoals.some((g) => g.reached(res.blocker))) {
            for (const g of blockedGoals) if (g.reached(res.blocker)) goals[g.name] = 1;
            blockedGoals = blockedGoals.filter((g) => goals[g.name] === 0);
          }
          continue;
        }
        if (!spins) enabled = true;
        if (res.tag !== 'stepped') continue;
        transitions++;
        if (onTransition !== null) onTransition(s, ti);
        enabledMask |= 1 << ti;
        if (graph && takesLock(s, res.state, t.id)) lockMask |= 1 << ti;
        const kinds = factMask(res.facts);
        const kind = res.state.threads[ti].kind; // the stepping thread's (a thread keeps its kind)
        const c = { world, before: s, after: res.state, step: res };
        if (stepGoals.length) {
          let hit = false;
          for (const { goal, needs } of stepGoals)
            if (mayFire(needs, kinds, kind) && goal.reached(c)) {
              goals[goal.name] = 1;
              hit = true;
            }
          if (hit) stepGoals = stepGoals.filter(({ goal }) => goals[goal.name] === 0);
        }
        let childSleep = AWAKE;
        if (resources) {
          const { fp, quiet } = resources.footprint(world, s, res, ti);
          childSleep = sleepAfter(sleep, taken, fp);
          if (quiet && !fp.all) taken.push({ ti, fp });
        }
        for (const v of soft) softNow[v] = 1;
        for (let i = 0; i < onStep.length; i++) {
          if (!mayFire(onStepNeeds[i], kinds, kind)) continue;
          const k = onStep[i];
          if (!opens(k, depth + 1, true)) continue;
          const w = (invs[k].onStep as NonNullable<Invariant['onStep']>)(c);
          if (w !== null) keep(k, depth + 1, { witness: w, node, last: ti, length: depth + 1, states: visited.size }, true);
        }
        // A variant told apart on this step in what it reports: its own step, to the same state, judged on its own facts.
        for (const v of soft) {
          softNow[v] = 0;
          if (apart[v]) continue;
          const vw = (variants as Variants).worlds[v];
          const rv = step(vw, s, t.id, false);
          if (rv.tag !== 'stepped' || !isDeepStrictEqual(rv.state, res.state)) {
            apart[v] = true;
            continue;
          }
          const cv = { world: vw, before: s, after: rv.state, step: rv };
          const vkinds = factMask(rv.facts);
          for (let i = 0; i < onStep.length; i++) {
            if (!mayFire(onStepNeeds[i], vkinds, kind)) continue;
            const k = onStep[i];
            const g = vfound[v][k];
            if (g !== null && g.length <= depth + 1) continue;
            const w = (invs[k].onStep as NonNullable<Invariant['onStep']>)(cv);
            if (w !== null) vfound[v][k] = { witness: w, node, last: ti, length: depth + 1, states: visited.size };
          }
        }
        if (visited.size >= maxStates) {
          if (!visited.has(res.state, from)) bound ??= 'states';
          else graph?.edge(visited.last, ti);
          continue;
        }
        if (!visited.add(res.state, from)) {
          graph?.edge(visited.last, ti);
          if (resources) {
            const at = nextAt.get();
            if (at !== undefined) nextSleep[at] = intersect(nextSleep[at], childSleep);
          }
          continue;
        }
        graph?.edge(visited.size - 1, ti);
        tree.push(node, ti);
        next.push(res.state);
        visited.keepParts(nextParts);
        if (resources) {
          nextAt.set(next.length - 1);
          nextSleep.push(childSleep);
        }
      }
      // Terminal, or only spins: judged at its end; spins, also as their cycle.
      if (!enabled) {
        judgeEnd(s, node, depth);
        if (spinners.length > 0) judgeSpins(s, node, depth, spinners);
      }
      graph?.close(enabledMask, lockMask, liveMask, markers.reduce((m, p, b) => (p(s) ? m | (1 << b) : m), 0));
    }
    layerStart += layer.length;
    layer = next;
    layerSleep = nextSleep;
    layerParts = nextParts;
    depth++;
  }
  layer = [];
  layerParts = new PartsStore(0);
  // Fair cycles among the states expanded: each is real (a cut search finds fewer, never false ones).
  // Each invariant's own search: the fair cycles in its scope (lasso.ts Scope), the SCCs split again.
  const undecided = onCycle.filter((k) => found[k] === null || vfound.some((fs, v) => !apart[v] && fs[k] === null));
  for (const k of graph ? undecided : []) {
    const cycle = (graph as EdgeGraph).fairCycle(initial.threads.length, scopes[k]);
    // A variant's lasso would need its own world's trace: it is searched on its own.
    if (cycle) vfound.forEach((fs, v) => { if (fs[k] === null) apart[v] = true; });
    if (cycle && found[k] !== null) continue;
    if (cycle && live !== null) {
      // A fair cycle of the proofs' graph is one of the scenario's (the merged states are
      // bisimilar), but its states close only up to the proofs' form: found again below.
      found[k] = { witness: 'a fair cycle', node: cycle.entry, last: -1, length: 0, states: visited.size };
    } else if (cycle) {
      const prefix = tree.path(cycle.entry);
      const path = [...prefix, ...cycle.steps.map((x) => x.via)];
      const ran = runPath(world, initial, path.map((ti) => initial.threads[ti].id), prefix.length);
      if ('failedAt' in ran) throw new Error(`exhaustive: the lasso's step ${ran.failedAt + 1} did not step`);
      const problem = lassoProblem(world, ran, prefix.length);
      if (problem) throw new Error(`exhaustive: not a lasso: ${problem}`);
      const w = (invs[k].onCycle as NonNullable<Invariant['onCycle']>)(cycleContext(world, ran, prefix.length));
      if (w === null) throw new Error(`exhaustive: ${invs[k].name} holds on the cycle found in its scope`);
      found[k] = { witness: w, node: cycle.entry, last: -1, length: path.length, states: visited.size, lasso: { path, from: prefix.length, trace: ran.trace } };
    }
  }
  const ms = performance.now() - t0;
  peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  // Under the proofs' key, the violations to find again without it: every fair cycle (length 0
  // above), and each counterexample the caller keeps (the plain search's trace, to print it).
  const refind = live === null ? [] : invs.flatMap((inv, k) => {
    const f = found[k];
    return f !== null && (f.length === 0 || !o.refind || o.refind(inv.name, f.length)) ? [k] : [];
  });
  const again = refind.length > 0 ? explore(scenario, invariantNames, { ...o, proofKey: false, refind: undefined, stopWhen: refind.map((k) => invs[k].name) }) : null;

  const resultsOf = (fs: readonly (Found | null)[], w: World) => invs.map((inv, k): ExhaustiveResult => {
    if (again !== null && fs === found && refind.includes(k)) return again.results[k];
    const f = fs[k];
    if (f === null) return { engine: 'exhaustive', invariant: inv.name, verdict: bound ? 'holds-up-to-bound' : 'holds', states: visited.size, depth: deepest, ms, counterexample: null, bound, goals };
    const path = f.lasso ? [...f.lasso.path] : tree.path(f.node);
    if (f.last >= 0) path.push(f.last);
    const trace = f.lasso ? [...f.lasso.trace] : replay(w, initial, path);
    const switches = contextSwitches(trace);
    // Breadth-first: the first trace found is a shortest one, so nothing was shrunk.
    const counterexample: Counterexample = {
      invariant: inv.name,
      witness: f.witness,
      scenario,
      schedule: trace.map((s) => s.thread),
      trace,
      steps: trace.length,
      contextSwitches: switches,
      fromSteps: trace.length,
      fromSwitches: switches,
      provenance: { foundWith: 'exhaustive' },
      // Breadth-first: the first found is the shortest of the set, unless a state or memory bound
      // dropped states on the way, or `only` left threads idle; a lasso is not the shortest (lasso.ts).
      shortestOnThreads: bound !== 'states' && bound !== 'memory' && bound !== 'time' && !o.only && !f.lasso,
      ...(f.lasso ? { cycle: { from: f.lasso.from } } : {}),
    };
    return { engine: 'exhaustive', invariant: inv.name, verdict: 'violated', states: f.states, depth: trace.length, ms, counterexample, bound: null };
  });
  const results = resultsOf(found, world);
  // A variant keeps its results unless they hold a lasso or a counterexample to find again (its own world's trace).
  const own = (fs: readonly (Found | null)[]) => fs.every((f, k) => f === null || (!f.lasso && (live === null || (f.length > 0 && o.refind !== undefined && !o.refind(invs[k].name, f.length)))));
  const vresults = variants?.worlds.map((w, v) => (apart[v] || !own(vfound[v]) ? null : resultsOf(vfound[v], w)));
  return { ...(vresults ? { variants: vresults } : {}), results, stats: { states: visited.size, transitions, pruned, depth: deepest, statesToDepth, ms: again === null ? ms : performance.now() - t0, bound, decided, tableBytes: visited.bytes + tree.bytes + (graph?.bytes ?? 0), peakHeapBytes: peakHeap, cycles: graph !== null, ...(live !== null ? { refound: again?.stats.states ?? 0 } : {}) } };
};

/** One search, every invariant named: a result per invariant, in the order asked. */
export const exhaustiveAll = (scenario: Scenario, invariantNames: readonly string[], o: ExhaustiveOptions = {}): ExhaustiveResult[] => explore(scenario, invariantNames, o).results;

/** One invariant, to a depth bound (what the tests and bench called before the one-pass search). */
export const exhaustive = (scenario: Scenario, invariantName: string, maxDepth: number, o: ExhaustiveOptions = {}): ExhaustiveResult =>
  explore(scenario, [invariantName], { ...o, maxDepth }).results[0];
