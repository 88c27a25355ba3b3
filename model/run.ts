/**
 * run(scenario, schedule): execute the schedule (a choice whose thread cannot step is skipped),
 * then drain fairly, judging every invariant after every step (docs/design.md §3.5, §4).
 */
import { invariants as allInvariants, type Invariant } from './invariants/index.ts';
import { factMask } from './facts.ts';
import { BLOCKED_GOALS, STEP_GOALS } from './goals.ts';
import { mayFire, stepNeeds } from './hints.ts';
import { resolve, type Catalogue } from './scenario.ts';
import { idleSpinner } from './interpreter.ts';
import { threadById } from './state.ts';
import { step, type Stepped } from './step.ts';
import type { ModelState, Scenario, ThreadState, World } from './types.ts';

export interface TraceStep {
  readonly thread: string;
  readonly action: string;
  readonly events: readonly string[];
  readonly diagnostics?: readonly string[];
  /** Taken by the drain rather than the schedule. */
  readonly drain?: boolean;
}

export type Verdict =
  | { readonly status: 'holds' }
  | {
      readonly status: 'violated';
      readonly step: number;
      readonly witness: string;
      /**
       * Set by the engine when it confirms a drain that hit its bound (engine/judge.ts), and by the
       * drain where only spinning faults can step (judgeSpins): every step's thread from the
       * initial state (`step` of them), all schedule choices; with `cycleFrom`, a lasso whose
       * cycle starts there (docs/design.md §3.5).
       */
      readonly path?: readonly string[];
      readonly cycleFrom?: number;
    };

export interface RunReport {
  readonly trace: readonly TraceStep[];
  /** The schedule's executed choices (skipped ones removed). */
  readonly executed: readonly string[];
  readonly verdicts: Readonly<Record<string, Verdict>>;
  readonly final: ModelState;
  /** The drain stopped with unfinished threads, not counting those spinning at their retry (interpreter.ts idleSpinner). */
  readonly stuck: boolean;
  /**
   * The drain hit its bound with threads still stepping: the invariants judged on cycles
   * (`onCycle`) are then undecided by the run itself; the engine searches for a fair cycle from
   * `final` (engine/lasso.ts).
   */
  readonly exhausted: boolean;
}

export interface RunOptions {
  /** Judge only these (default: all). */
  readonly invariants?: readonly Invariant[];
  /** Stop as soon as every judged invariant is decided (saves the drain when shrinking). */
  readonly stopWhenDecided?: boolean;
  readonly drainBound?: number;
  /** Record action labels, events and diagnostics in the trace (default true); a search turns it off. */
  readonly record?: boolean;
  /** Called after every step taken, with the state before it (tests read its facts; --stats counts it). */
  readonly onStep?: (step: Stepped, before: ModelState) => void;
  /** Collect the reachability goals (goals.ts) this run reaches into this set. */
  readonly goals?: Set<string>;
}

export const DRAIN_BOUND = 4000;
const NO_EVENTS: readonly string[] = [];
export const DRAIN_QUANTUM = 8;

export const runWorld = (world: World, initial: ModelState, schedule: readonly string[], opts: RunOptions = {}): RunReport => {
  const judged = opts.invariants ?? allInvariants;
  // Those still open, as a list: a step reads no name (an object's keys are slow to look up).
  const stepJudged = judged.filter((i) => i.onStep).map((inv) => ({ inv, needs: stepNeeds(inv) }));
  const goals = opts.goals;
  const stepGoals = goals ? STEP_GOALS.filter((g) => !goals.has(g.goal.name)) : [];
  const verdicts: Record<string, Verdict> = {};
  const trace: TraceStep[] = [];
  const executed: string[] = [];
  let s = initial;
  const record = opts.record ?? true;
  const decided = () => judged.every((i) => verdicts[i.name] !== undefined && !i.atEnd && !i.onCycle);
  const take = (thread: string, drain: boolean): boolean => {
    const r = step(world, s, thread, record);
    if (r.tag !== 'stepped') {
      if (r.tag === 'blocked' && opts.goals) for (const g of BLOCKED_GOALS) if (!opts.goals.has(g.name) && g.reached(r.blocker)) opts.goals.add(g.name);
      return false;
    }
    const facts = factMask(r.facts);
    const kind = (r.state.threads.find((t) => t.id === thread) as ThreadState).kind; // a thread that stepped exists
    for (let k = 0; k < stepGoals.length; k++) {
      const { goal: g, needs } = stepGoals[k];
      if (!mayFire(needs, facts, kind) || !g.reached({ world, before: s, after: r.state, step: r })) continue;
      goals?.add(g.name);
      stepGoals.splice(k--, 1);
    }
    opts.onStep?.(r, s);
    s = r.state;
    trace.push(
      record
        ? {
            thread,
            action: r.label,
            events: r.events,
            ...(r.diagnostics.length ? { diagnostics: r.diagnostics.map((d) => `${d.kind}: ${d.text}`) } : {}),
            ...(drain ? { drain: true } : {}),
          }
        : { thread, action: '', events: NO_EVENTS },
    );
    for (let k = 0; k < stepJudged.length; k++) {
      const { inv, needs: n } = stepJudged[k];
      if (!mayFire(n, facts, kind)) continue;
      const w = (inv.onStep as NonNullable<Invariant['onStep']>)({ world, after: s, step: r });
      if (w === null) continue;
      verdicts[inv.name] = { status: 'violated', step: trace.length, witness: w };
      stepJudged.splice(k--, 1);
    }
    return true;
  };
  for (const thread of schedule) {
    if (take(thread, false)) executed.push(thread);
    if (opts.stopWhenDecided && decided()) break;
  }
  // The drain: round-robin over the threads in scenario order, each running up to
  // DRAIN_QUANTUM steps (or until it blocks or finishes) before the next one; deterministic and
  // fair, with fewer context switches than one step per turn.
  const bound = opts.drainBound ?? DRAIN_BOUND;
  const order = s.threads.map((t) => t.id);
  let turn = 0;
  let n = 0;
  let stuck = false;
  let exhausted = false;
  drain: for (;;) {
    let progressed = false;
    for (let k = 0; k < order.length; k++) {
      const id = order[(turn + k) % order.length];
      let q = 0;
      while (q < DRAIN_QUANTUM) {
        if (opts.stopWhenDecided && decided()) break drain;
        if (n >= bound) {
          exhausted = true;
          break drain;
        }
        // A spin changes nothing: the drain takes it as blocked (its cycle is judged below).
        if (idleSpinner(world, s, threadById(s, id) as ThreadState)) break;
        if (!take(id, true)) break;
        n++;
        q++;
      }
      if (q > 0) {
        progressed = true;
        turn = (turn + k + 1) % order.length;
        break;
      }
    }
    if (!progressed) {
      stuck = s.threads.some((t) => !t.done && !idleSpinner(world, s, t));
      break;
    }
  }
  for (const inv of judged) {
    if (verdicts[inv.name] || !inv.atEnd) continue;
    const w = inv.atEnd({ world, state: s, stuck, exhausted });
    if (w !== null) verdicts[inv.name] = { status: 'violated', step: trace.length, witness: w };
  }
  if (!exhausted) judgeSpins(world, s, trace, judged, verdicts);
  for (const inv of judged) verdicts[inv.name] ??= { status: 'holds' };
  return { trace, executed, verdicts, final: s, stuck, exhausted };
};

/**
 * Where the drain stopped with threads spinning at their retry (interpreter.ts idleSpinner) and
 * nothing else able to step, their spins repeat forever: a fair cycle (every other thread is
 * disabled), one spin step each, judged by the invariants on cycles. The lasso is the run's
 * steps, every one a schedule choice, then the spins (Verdict.path, cycleFrom).
 */
const judgeSpins = (world: World, s: ModelState, trace: readonly TraceStep[], judged: readonly Invariant[], verdicts: Record<string, Verdict>): void => {
  const open = judged.filter((i) => i.onCycle && !verdicts[i.name]);
  const spinners = s.threads.filter((t) => idleSpinner(world, s, t)).map((t) => t.id);
  if (open.length === 0 || spinners.length === 0) return;
  const steps = spinners.map((id) => {
    const r = step(world, s, id, true);
    return { thread: id, action: r.tag === 'stepped' ? r.label : '' };
  });
  const cycle = { world, states: spinners.map(() => s), steps };
  const path = [...trace.map((x) => x.thread), ...spinners];
  for (const inv of open) {
    const w = (inv.onCycle as NonNullable<Invariant['onCycle']>)(cycle);
    if (w !== null) verdicts[inv.name] = { status: 'violated', step: path.length, witness: w, path, cycleFrom: trace.length };
  }
};

/** Convenience: resolve and run; throws only on an invalid scenario (callers validate first). */
export const run = (scenario: Scenario, schedule: readonly string[], opts: RunOptions = {}, catalogue?: Catalogue): RunReport => {
  const r = resolve(scenario, catalogue);
  if (!r.ok) throw new Error(r.error);
  return runWorld(r.world, r.state, schedule, opts);
};
