/**
 * `check --stats`: what the runs behind a verdict exercised. Per action, per driver-program
 * instruction and per strategy decision point, how often it ran; how many distinct states the
 * runs visited; and the instructions of the scenario's drivers that never ran — dead code in a
 * preset or a driver file is a finding (a typo can make every interesting branch unreachable).
 * With `--exhaustive`, the same counters over the transitions of the whole state space.
 */
import fc from 'fast-check';
import { nextAction, resolve, runWorld, threadById, type CallOp, type Catalogue, type Instr, type ModelState, type RollbackStrategy, type World } from '../model/index.ts';
import { candidateArb, type ScenarioTemplate } from './arbitraries.ts';
import { exactKey } from './fingerprint.ts';
import type { Bound } from './result.ts';
import { DEFAULT_MAX_THREADS, exhaustiveTemplate, type ThreadSetOptions } from './threadsets.ts';

interface Counts {
  readonly strategy: string;
  /** Random: the steps of the runs; exhaustive: the transitions of the state space. */
  readonly steps: number;
  readonly distinctStates: number;
  /** Action type → times taken. */
  readonly actions: Readonly<Record<string, number>>;
  /** `driver op[pc]: instruction` → times executed, for every instruction of the scenario's drivers (0: never). */
  readonly instructions: Readonly<Record<string, number>>;
  /** `hook → decision` → times the core asked the strategy and got that answer. */
  readonly decisions: Readonly<Record<string, number>>;
}

/** Over the random runs behind a verdict (`check --stats`). */
export interface RandomStats extends Counts {
  readonly engine: 'random';
  readonly runs: number;
}

/**
 * Over the state space (`check --exhaustive --stats`): every transition taken once, each state's
 * steps once (the sleep-set reduction off), not runs; summed over the thread sets searched.
 */
export interface ExhaustiveStats extends Counts {
  readonly engine: 'exhaustive';
  /** The thread sets searched (1 with fixed threads). */
  readonly threadSets: number;
  /** What cut a set's search, if any (the first set's): the counts are then of the part searched. */
  readonly bound: Bound | null;
  readonly maxThreads?: number;
}

export type Stats = RandomStats | ExhaustiveStats;

/** The strategy with every hook counted (the model stays untouched: the counting lives in this copy). */
const counted = (s: RollbackStrategy, count: (k: string) => void): RollbackStrategy => ({
  ...s,
  afterFailedStart: () => {
    const d = s.afterFailedStart();
    count(`afterFailedStart → ${d}`);
    return d;
  },
  warnOnFailedStart: (sub, hasEnd) => {
    const w = s.warnOnFailedStart(sub, hasEnd);
    count(`warnOnFailedStart → ${w === null ? 'no WARN' : 'WARN'}`);
    return w;
  },
  undo: (c) => {
    const d = s.undo(c);
    count(`undo (start ${c.startResult}) → ${d}`);
    return d;
  },
  reaperAfterFailedStart: () => {
    const d = s.reaperAfterFailedStart();
    count(`reaperAfterFailedStart → ${d}`);
    return d;
  },
});

/** `kvm invalidate_range_start[1] add mmu_invalidate_in_progress`: the driver, the program, the instruction and its operand. */
const instrKey = (world: World, sub: string, op: string, pc: number, i: Instr): string => {
  const arg = 'lock' in i ? i.lock : 'counter' in i ? i.counter : 'to' in i ? i.to : 'value' in i ? String(i.value) : '';
  return `${world.defs[sub].driver} ${op}[${pc}] ${i.op}${arg ? ` ${arg}` : ''}`;
};

const CALL_OPS: readonly CallOp[] = ['invalidate_range_start', 'invalidate_range_end', 'invalidate', 'invalidate_finish', 'release', 'fault', 'ioctl'];

/** The counters behind a Stats, fed by random runs (collectStats) or the exhaustive search's transitions (exhaustiveStats). */
const counters = () => {
  const actions: Record<string, number> = {};
  const instructions: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  return {
    actions,
    instructions,
    decisions,
    /** A copy of the world whose strategy hooks are counted; every instruction of its drivers is listed, so one never executed shows as 0. */
    world: (w: World): World => {
      const world: World = { ...w, strategy: counted(w.strategy, (k) => bump(decisions, k)) };
      for (const [sub, ops] of Object.entries(world.ops))
        for (const op of CALL_OPS) ops[op]?.code.forEach((i: Instr, pc: number) => (instructions[instrKey(world, sub, op, pc, i)] ??= 0));
      return world;
    },
    /** A step of `thread` out of `before`: its action, and the driver instruction it executed. */
    step: (world: World, before: ModelState, thread: string): void => {
      const th = threadById(before, thread);
      const a = th ? nextAction(world, before, th) : null;
      if (!a) return;
      bump(actions, a.type);
      if (a.type === 'driver_instr') bump(instructions, instrKey(world, a.call.sub, a.call.op, a.call.pc, a.instr));
    },
  };
};

export const collectStats = (t: ScenarioTemplate, o: { seed: number; runs: number; maxSchedule?: number; catalogue?: Catalogue }): RandomStats => {
  const c = counters();
  // Keyed as the exhaustive engine keys states (canonical form, history-only fields abstracted), so the counts compare.
  const states = new Set<string>();
  let steps = 0;
  const candidates = fc.sample(candidateArb(t, o.maxSchedule, o.catalogue), { seed: o.seed, numRuns: o.runs });
  for (const cand of candidates) {
    const r = resolve({ ...t, threads: cand.threads }, o.catalogue);
    if (!r.ok) throw new Error(r.error);
    const world = c.world(r.world);
    states.add(exactKey(r.state));
    runWorld(world, r.state, cand.schedule, {
      record: false,
      onStep: (st, before) => {
        steps++;
        states.add(exactKey(st.state));
        c.step(world, before, st.thread);
      },
    });
  }
  return { strategy: t.strategy, engine: 'random', runs: candidates.length, steps, distinctStates: states.size, actions: c.actions, instructions: c.instructions, decisions: c.decisions };
};

/**
 * `check --exhaustive --stats`: the same counters over every transition of the state space the
 * exhaustive search explores, with the sleep-set reduction off (each state's enabled steps taken
 * once) and no invariant judged: a search of its own, beside the verdicts' (which keeps its
 * speed: explore's `observe` is absent there). Without fixed threads, summed over every thread
 * set up to `maxThreads`; the distinct states are the searches' own count (their sum).
 */
export const exhaustiveStats = (t: ScenarioTemplate, o: Omit<ThreadSetOptions, 'observe' | 'reduce' | 'onSetDone' | 'stopWhen' | 'only' | 'from'> = {}): ExhaustiveStats => {
  const c = counters();
  let steps = 0;
  let states = 0;
  let sets = 0;
  let bound: Bound | null = null;
  const observe = (w: World) => {
    const world = c.world(w);
    return { world, onTransition: (before: ModelState, ti: number) => c.step(world, before, before.threads[ti].id) };
  };
  exhaustiveTemplate(t, [], {
    ...o,
    reduce: false,
    observe,
    onSetDone: (_, s) => {
      sets++;
      steps += s.transitions;
      states += s.states;
      bound ??= s.bound;
    },
  });
  return {
    strategy: t.strategy,
    engine: 'exhaustive',
    threadSets: sets,
    bound,
    ...(t.threads ? {} : { maxThreads: o.maxThreads ?? DEFAULT_MAX_THREADS }),
    steps,
    distinctStates: states,
    actions: c.actions,
    instructions: c.instructions,
    decisions: c.decisions,
  };
};

/** The instructions of the scenario's drivers that no run (exhaustive: no transition) executed. */
export const neverExecuted = (s: Stats): string[] => Object.entries(s.instructions).filter(([, n]) => n === 0).map(([k]) => k);
