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
 * A thread asleep on a timer (the reaper's schedule_timeout_idle, model/step.ts timerPending)
 * counts as enabled: its timer fires whatever else runs, so a cycle it sleeps through is unfair.
 * The SCCs come from Tarjan's algorithm (R. Tarjan, "Depth-first search and linear graph
 * algorithms", SIAM J. Comput. 1(2), 1972), written with explicit stacks: the graphs have
 * millions of states.
 *
 * An invariant judges only some fair cycles (model/invariants/types.ts CycleScope; FaultLiveness:
 * no invalidation in any state, a fault stepping), so each scope is searched for on its own: the
 * graph restricted to the states the scope keeps, then its fair SCCs, as the fair-EG algorithm
 * does (E. M. Clarke, E. A. Emerson, A. P. Sistla, "Automatic verification of finite-state
 * concurrent systems using temporal logic specifications", ACM TOPLAS 8(2), 1986); of those, the
 * ones holding a step or a state the scope asks for.
 */
import { enabledThreads, step, timerPending, type ThreadState, type CycleContext, type ModelState, type TraceStep, type World } from '../model/index.ts';
import { exactKey } from './fingerprint.ts';

/**
 * Each expanded state's successors and the threads enabled in it, in compressed rows: nodes are
 * numbered as the search stores them and expanded in that order, so node k's edges are
 * `to[start[k]..start[k+1])`, each with the index of the thread that steps (`via`).
 */
export class EdgeGraph {
  private start = new Int32Array(1 << 12);
  private enabledMask = new Int32Array(1 << 12);
  private lockMask = new Int32Array(1 << 12);
  private liveMask = new Int32Array(1 << 12);
  private marks = new Int32Array(1 << 12);
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
  /**
   * Node `nodes` is expanded: its edges are those added since the last close. Bitmasks of thread
   * indices: `enabled`, the threads that can step; `locks`, those whose step takes a lock;
   * `live`, the unfinished ones a scope's `idle` accepts there. `marks`: which of the searches'
   * state predicates hold (Scope).
   */
  close(enabled: number, locks = 0, live = 0, marks = 0): void {
    if (this.nodes + 2 > this.start.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.enabledMask = grow(this.enabledMask);
      this.lockMask = grow(this.lockMask);
      this.liveMask = grow(this.liveMask);
      this.marks = grow(this.marks);
    }
    this.enabledMask[this.nodes] = enabled;
    this.lockMask[this.nodes] = locks;
    this.liveMask[this.nodes] = live;
    this.marks[this.nodes] = marks;
    this.nodes++;
    this.start[this.nodes] = this.edges;
  }
  get bytes(): number {
    return this.start.byteLength + this.enabledMask.byteLength + this.lockMask.byteLength + this.liveMask.byteLength + this.marks.byteLength + this.to.byteLength + this.via.byteLength;
  }

  /**
   * A reachable fair cycle in the scope (module comment), or null: of the fair SCCs of the states
   * `scope.within` marks that hold such a cycle, the one entered first by the search (its
   * smallest node; breadth-first, that is the shallowest), and a closed walk through it from that
   * node which takes one step of each thread that steps there, visits a state where each other
   * unfinished thread is disabled, and, where the scope asks for one, a state it marks (`has`);
   * each leg a shortest path inside the SCC. Not the shortest fair cycle.
   */
  fairCycle(threads: number, scope: Scope = {}): { entry: number; steps: { to: number; via: number }[] } | null {
    const n = this.nodes;
    const { start, to, via, enabledMask, lockMask, liveMask, marks } = this;
    const all = (2 ** threads - 1) | 0;
    // The node sets still to split into SCCs: group[u] names u's (−1: on no fair cycle). A scope's
    // `within` restricts them to the states it marks: a cycle of that subgraph is one of the graph,
    // and fair in it exactly when fair in the graph (enabledness is the graph's).
    const group = new Int32Array(n);
    const within = scope.within;
    const first = within === undefined ? Int32Array.from({ length: n }, (_, u) => u) : Int32Array.from({ length: n }, (_, u) => u).filter((u) => (marks[u] & within) !== 0);
    if (within !== undefined) {
      group.fill(-1);
      for (const u of first) group[u] = 0;
    }
    let groups = 1;
    const work: Int32Array[] = first.length > 0 ? [first] : [];
    // Where a fair SCC met the scope only at a state (`has`, `idle`), that state: the walk visits it.
    let bestHas = -1;
    const index = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const onStack = new Uint8Array(n);
    const stack = new Int32Array(n);
    const callNode = new Int32Array(n);
    const callEdge = new Int32Array(n);
    let best: Int32Array | null = null;
    let bestEntry = n;
    // Whether a fair SCC holds a cycle the scope asks for: −1 yes, a node: yes, through that node
    // (a `has` state), null: no. Every cycle inside it has a subset of its steps; the walk takes a
    // step of each thread stepping there, so a `stepper` one is met exactly; an `idle` one steps
    // nowhere in it and is unfinished there and accepted at a state, which the walk then visits.
    const meets = (members: Int32Array, steppers: number, idle: number): number | null => {
      if (scope.stepper === undefined && scope.has === undefined && !scope.idle) return -1;
      if (scope.stepper !== undefined && (steppers & scope.stepper) !== 0) return -1;
      if (scope.idle) for (const u of members) if ((liveMask[u] & idle) !== 0) return u;
      const has = scope.has;
      if (has !== undefined) for (const u of members) if ((marks[u] & has) !== 0) return u;
      return null;
    };
    const judge = (members: Int32Array, g: number) => {
      let steppers = 0;
      let disabled = 0;
      let edgeInside = false;
      let entry = n;
      for (const u of members) {
        if (u < entry) entry = u;
        disabled |= ~enabledMask[u];
        for (let f = start[u]; f < start[u + 1]; f++)
          if (to[f] < n && group[to[f]] === g) {
            edgeInside = true;
            steppers |= 1 << via[f];
          }
      }
      if (!edgeInside || entry >= bestEntry) return;
      // Weak fairness: a thread enabled throughout and never stepping rules out every cycle here.
      if (((steppers | disabled) & all) !== all) return;
      // Lock handoff: a thread that never steps here may not be offered a lock it waits for.
      const idle = ~steppers & all;
      const keep = members.filter((u) => (lockMask[u] & idle) === 0);
      // (the refined set is searched again for SCCs: removing states may remove steps too)
      if (keep.length === members.length) {
        const met = meets(members, steppers, idle);
        if (met === null) return;
        best = members;
        bestEntry = entry;
        bestHas = met;
        return;
      }
      const h = groups++;
      for (const u of members) group[u] = -1;
      for (const u of keep) group[u] = h;
      if (keep.length > 0) work.push(keep);
    };
    while (work.length > 0) {
      const nodes = work.pop() as Int32Array;
      const g = group[nodes[0]];
      for (const u of nodes) index[u] = -1;
      let sp = 0;
      let csp = 0;
      let counter = 0;
      const open = (v: number) => {
        index[v] = low[v] = counter++;
        stack[sp++] = v;
        onStack[v] = 1;
        callNode[csp] = v;
        callEdge[csp++] = start[v];
      };
      for (const root of nodes) {
        if (index[root] !== -1) continue;
        open(root);
        while (csp > 0) {
          const v = callNode[csp - 1];
          const e = callEdge[csp - 1];
          if (e < start[v + 1]) {
            callEdge[csp - 1]++;
            const w = to[e];
            if (w >= n || group[w] !== g) continue; // not expanded (a bound cut the search), or outside this set
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
          // v roots an SCC: every node it reaches is in an SCC already, so it is judged now, as its own group.
          let first = sp - 1;
          while (stack[first] !== v) first--;
          for (let k = first; k < sp; k++) onStack[stack[k]] = 0;
          if (sp - first === 1) {
            let self = false;
            for (let f = start[v]; f < start[v + 1]; f++) if (to[f] === v) self = true;
            sp = first;
            if (!self) {
              group[v] = -1;
              continue;
            }
            sp = first + 1;
          }
          const members = stack.slice(first, sp);
          sp = first;
          const c = groups++;
          for (const u of members) group[u] = c;
          judge(members, c);
        }
      }
    }
    if (best === null) return null;
    const fair = best as Int32Array;
    const c = groups++;
    for (const u of fair) group[u] = c;
    return { entry: bestEntry, steps: this.walk(c, bestEntry, group, threads, bestHas) };
  }

  /** The closed walk through component `c` from `entry` (fairCycle's), through node `through` too unless it is −1. */
  private walk(c: number, entry: number, comp: Int32Array, threads: number, through: number): { to: number; via: number }[] {
    const { start, to, via, enabledMask } = this;
    const n = this.nodes;
    const inside = (f: number) => to[f] < n && comp[to[f]] === c;
    // The targets: per thread, a step of it inside (so a lock offered to it is taken), else a
    // state where it is disabled.
    const targets: ({ edge: number } | { node: number })[] = [];
    for (let t = 0; t < threads; t++) {
      let target: { edge: number } | { node: number } | null = null;
      for (let u = entry; u < n && target === null; u++) {
        if (comp[u] !== c) continue;
        for (let f = start[u]; f < start[u + 1]; f++)
          if (via[f] === t && inside(f)) {
            target = { edge: f };
            break;
          }
      }
      if (target === null && !(enabledMask[entry] & (1 << t))) continue;
      for (let u = entry; u < n && target === null; u++) if (comp[u] === c && !(enabledMask[u] & (1 << t))) target = { node: u };
      if (target) targets.push(target);
    }
    if (through >= 0) targets.push({ node: through });
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

/**
 * What a cycle search looks for (model/invariants/types.ts CycleScope, as masks): its states all
 * carry the mark `within`; it has a step of a thread in `stepper`, or a state with the mark `has`,
 * or (`idle`) an unfinished thread that takes no step in it. Empty: any fair cycle.
 */
export interface Scope {
  readonly within?: number;
  readonly stepper?: number;
  readonly has?: number;
  readonly idle?: boolean;
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
    (t) => !steps.some((s) => s.thread === t.id) && cycleStates.every((s) => enabledThreads(world, s).includes(t.id) || timerPending(world, s, s.threads.find((x) => x.id === t.id) as ThreadState)),
  );
  if (unfair.length) return `the cycle is unfair: ${unfair.map((t) => t.id).join(', ')} ${unfair.length === 1 ? 'is' : 'are'} enabled in every state of it and never ${unfair.length === 1 ? 'steps' : 'step'}`;
  for (const t of cycleStates[0].threads) {
    if (steps.some((s) => s.thread === t.id)) continue;
    const k = cycleStates.findIndex((s) => {
      const res = step(world, s, t.id, false);
      return res.tag === 'stepped' && takesLock(s, res.state, t.id);
    });
    if (k >= 0) return `the cycle is unfair: before step ${from + k + 1} ${t.id} could take the lock it waits for, and never steps (a lock is handed to its waiter)`;
  }
  return null;
};

/** Whether `id` holds a lock after the step that it did not hold before. */
export const takesLock = (before: ModelState, after: ModelState, id: string): boolean => {
  if (after.locks === before.locks) return false;
  for (const [name, l] of Object.entries(after.locks)) {
    const was = before.locks[name];
    if (l === was) continue;
    if ((l.writer === id && was?.writer !== id) || (l.readers.includes(id) && !was?.readers.includes(id))) return true;
  }
  return false;
};

/** The cycle an invariant's onCycle judges. */
export const cycleContext = (world: World, ran: Ran, from: number): CycleContext => ({ world, states: ran.cycleStates, steps: ran.trace.slice(from) });
