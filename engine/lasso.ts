/**
 * Liveness on cycles (docs/design.md §3.5, §4): every model thread runs a finite program, so an
 * infinite run that a weakly fair scheduler allows is a thread that never finishes. This file
 * holds the edge graph the exhaustive search records for it, the search for a reachable fair
 * cycle over that graph, the lasso (prefix, then a cycle repeated forever) built from it, and
 * the check that a lasso is one: its last state equals its cycle's first, and the cycle is fair.
 *
 * Weak fairness per thread: a cycle is fair iff every thread that is enabled in every state of
 * the cycle takes a step in it. Over a strongly connected component C, some cycle is fair iff
 * every thread steps on an edge inside C or is disabled at some state of C (E. A. Emerson and
 * C.-L. Lei, "Modalities for model checking: branching time logic strikes back", SCP 8(3), 1987,
 * for fairness over SCCs). If: a closed walk through C that takes one such step of each thread
 * that steps, and visits one such state of each other thread, exists (C is strongly connected)
 * and is fair. Only if: a cycle inside C uses a subset of C's states and edges, so a thread
 * enabled at every state of C that never steps inside C is enabled throughout it and never
 * steps. So for weak fairness no SCC needs splitting further, unlike strong fairness.
 * The SCCs come from Tarjan's algorithm (R. Tarjan, "Depth-first search and linear graph
 * algorithms", SIAM J. Comput. 1(2), 1972), written with explicit stacks: the graphs have
 * millions of states.
 */
import { enabledThreads, step, type CycleContext, type ModelState, type TraceStep, type World } from '../model/index.ts';
import { exactKey } from './fingerprint.ts';

/**
 * Each expanded state's successors and the threads enabled in it, in compressed rows: nodes are
 * numbered as the search stores them and expanded in that order, so node k's edges are
 * `to[start[k]..start[k+1])`, each with the index of the thread that steps (`via`).
 */
export class EdgeGraph {
  private start = new Int32Array(1 << 12);
  private enabledMask = new Int32Array(1 << 12);
  private to = new Int32Array(1 << 13);
  private via = new Uint8Array(1 << 13);
  /** Nodes whose edges are recorded. */
  nodes = 0;
  private edges = 0;
  /** A new edge out of node `nodes` (the one being expanded). */
  edge(target: number, thread: number): void {
    if (this.edges === this.to.length) {
      const to = new Int32Array(this.to.length * 2);
      to.set(this.to);
      this.to = to;
      const via = new Uint8Array(this.via.length * 2);
      via.set(this.via);
      this.via = via;
    }
    this.to[this.edges] = target;
    this.via[this.edges] = thread;
    this.edges++;
  }
  /** Node `nodes` is expanded: its edges are those added since the last close; `enabled`, a bitmask of thread indices. */
  close(enabled: number): void {
    if (this.nodes + 2 > this.start.length) {
      const start = new Int32Array(this.start.length * 2);
      start.set(this.start);
      this.start = start;
      const mask = new Int32Array(this.start.length);
      mask.set(this.enabledMask);
      this.enabledMask = mask;
    }
    this.enabledMask[this.nodes] = enabled;
    this.nodes++;
    this.start[this.nodes] = this.edges;
  }
  get bytes(): number {
    return this.start.byteLength + this.enabledMask.byteLength + this.to.byteLength + this.via.byteLength;
  }

  /**
   * A reachable fair cycle (module comment), or null: of the fair SCCs, the one entered first by
   * the search (its smallest node; breadth-first, that is the shallowest), and a closed walk
   * through it from that node which takes one step of each thread that steps there, unless the
   * thread is disabled at the entry, and visits a state where each other unfinished thread is
   * disabled; each leg a shortest path inside the SCC. Not the shortest fair cycle.
   */
  fairCycle(threads: number): { entry: number; steps: { to: number; via: number }[] } | null {
    const n = this.nodes;
    const { start, to, via, enabledMask } = this;
    const all = (2 ** threads - 1) | 0;
    const index = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const comp = new Int32Array(n).fill(-1);
    const onStack = new Uint8Array(n);
    const stack = new Int32Array(n);
    const callNode = new Int32Array(n);
    const callEdge = new Int32Array(n);
    let sp = 0;
    let csp = 0;
    let counter = 0;
    let comps = 0;
    let best = -1; // the fair component with the smallest node so far
    let bestEntry = n;
    const open = (v: number) => {
      index[v] = low[v] = counter++;
      stack[sp++] = v;
      onStack[v] = 1;
      callNode[csp] = v;
      callEdge[csp++] = start[v];
    };
    for (let root = 0; root < n; root++) {
      if (index[root] !== -1) continue;
      open(root);
      while (csp > 0) {
        const v = callNode[csp - 1];
        const e = callEdge[csp - 1];
        if (e < start[v + 1]) {
          callEdge[csp - 1]++;
          const w = to[e];
          if (w >= n) continue; // a state not expanded (a bound cut the search): on no cycle
          if (index[w] === -1) open(w);
          else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
          continue;
        }
        csp--;
        if (csp > 0) {
          const u = callNode[csp - 1];
          if (low[v] < low[u]) low[u] = low[v];
        }
        if (low[v] !== index[v]) continue;
        // v roots a component: pop it, then judge it.
        const c = comps++;
        let first = sp - 1;
        while (stack[first] !== v) first--;
        let entry = n;
        for (let k = first; k < sp; k++) {
          const u = stack[k];
          onStack[u] = 0;
          comp[u] = c;
          if (u < entry) entry = u;
        }
        let steppers = 0;
        let disabled = 0;
        let edgeInside = false;
        for (let k = first; k < sp; k++) {
          const u = stack[k];
          disabled |= ~enabledMask[u];
          for (let f = start[u]; f < start[u + 1]; f++)
            if (to[f] < n && comp[to[f]] === c) {
              edgeInside = true;
              steppers |= 1 << via[f];
            }
        }
        sp = first;
        if (edgeInside && ((steppers | disabled) & all) === all && entry < bestEntry) {
          best = c;
          bestEntry = entry;
        }
      }
    }
    if (best < 0) return null;
    return { entry: bestEntry, steps: this.walk(best, bestEntry, comp, threads) };
  }

  /** The closed walk through component `c` from `entry` (fairCycle's). */
  private walk(c: number, entry: number, comp: Int32Array, threads: number): { to: number; via: number }[] {
    const { start, to, via, enabledMask } = this;
    const n = this.nodes;
    const inside = (f: number) => to[f] < n && comp[to[f]] === c;
    // The targets: per thread, a step of it inside, or a state where it is disabled.
    const targets: ({ edge: number } | { node: number })[] = [];
    for (let t = 0; t < threads; t++) {
      if (!(enabledMask[entry] & (1 << t))) continue;
      let target: { edge: number } | { node: number } | null = null;
      for (let u = entry; u < n && target === null; u++) {
        if (comp[u] !== c) continue;
        for (let f = start[u]; f < start[u + 1]; f++)
          if (via[f] === t && inside(f)) {
            target = { edge: f };
            break;
          }
      }
      for (let u = entry; u < n && target === null; u++) if (comp[u] === c && !(enabledMask[u] & (1 << t))) target = { node: u };
      if (target) targets.push(target);
    }
    // Shortest paths inside the component (breadth-first over its edges).
    const prevEdge = new Int32Array(n);
    const seen = new Int32Array(n);
    let stamp = 0;
    const source = new Int32Array(n);
    const legTo = (from: number, goal: number, out: number[]): void => {
      if (from === goal) return;
      stamp++;
      const queue = [from];
      seen[from] = stamp;
      for (let q = 0; q < queue.length; q++) {
        const u = queue[q];
        for (let f = start[u]; f < start[u + 1]; f++) {
          const w = to[f];
          if (!inside(f) || seen[w] === stamp) continue;
          seen[w] = stamp;
          prevEdge[w] = f;
          source[w] = u;
          if (w === goal) {
            const leg: number[] = [];
            for (let x = goal; x !== from; x = source[x]) leg.push(prevEdge[x]);
            out.push(...leg.reverse());
            return;
          }
          queue.push(w);
        }
      }
      throw new Error('lasso: no path inside a strongly connected component');
    };
    const edges: number[] = [];
    let cur = entry;
    for (const t of targets) {
      if ('node' in t) {
        legTo(cur, t.node, edges);
        cur = t.node;
      } else {
        let u = 0;
        while (!(start[u] <= t.edge && t.edge < start[u + 1])) u++;
        legTo(cur, u, edges);
        edges.push(t.edge);
        cur = to[t.edge];
      }
    }
    if (edges.length === 0) {
      // No target: any cycle through the entry (the component has an edge inside).
      let f = start[entry];
      while (!inside(f)) f++;
      edges.push(f);
      cur = to[f];
    }
    legTo(cur, entry, edges);
    return edges.map((f) => ({ to: to[f], via: via[f] }));
  }
}

/** A lasso re-run: its trace, the states of its cycle (before each cycle step), and the state after it. */
export interface Ran {
  readonly trace: TraceStep[];
  readonly cycleStates: ModelState[];
  readonly last: ModelState;
}

/** Step `path` (thread ids) from `initial`, every choice stepping; null at the first that cannot (with its index). */
export const runPath = (world: World, initial: ModelState, path: readonly string[], from: number): Ran | { readonly failedAt: number } => {
  const trace: TraceStep[] = [];
  const cycleStates: ModelState[] = [];
  let s = initial;
  for (const [k, th] of path.entries()) {
    if (k >= from) cycleStates.push(s);
    const res = step(world, s, th, true);
    if (res.tag !== 'stepped') return { failedAt: k };
    trace.push({ thread: th, action: res.label, events: res.events, ...(res.diagnostics.length ? { diagnostics: res.diagnostics.map((x) => `${x.kind}: ${x.text}`) } : {}) });
    s = res.state;
  }
  return { trace, cycleStates, last: s };
};

/** Why a re-run lasso is not one (its last state is not its cycle's first, or the cycle is unfair), or null. */
export const lassoProblem = (world: World, ran: Ran, from: number): string | null => {
  const { cycleStates, trace, last } = ran;
  if (cycleStates.length === 0) return 'the cycle is empty';
  if (exactKey(cycleStates[0]) !== exactKey(last)) return `the state after the last step is not the state before step ${from + 1}, where the cycle starts`;
  const steps = trace.slice(from);
  const unfair = cycleStates[0].threads.filter(
    (t) => !steps.some((s) => s.thread === t.id) && cycleStates.every((s) => enabledThreads(world, s).includes(t.id)),
  );
  if (unfair.length) return `the cycle is unfair: ${unfair.map((t) => t.id).join(', ')} ${unfair.length === 1 ? 'is' : 'are'} enabled in every state of it and never ${unfair.length === 1 ? 'steps' : 'step'}`;
  return null;
};

/** The cycle an invariant's onCycle judges. */
export const cycleContext = (world: World, ran: Ran, from: number): CycleContext => ({ world, states: ran.cycleStates, steps: ran.trace.slice(from) });
