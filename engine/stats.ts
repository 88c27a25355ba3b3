/**
 * `check --stats`: what the runs behind a verdict exercised. Per action, per driver-program
 * instruction and per strategy decision point, how often it ran; how many distinct states the
 * runs visited; and the instructions of the scenario's drivers that never ran — dead code in a
 * preset or a driver file is a finding (a typo can make every interesting branch unreachable).
 */
import fc from 'fast-check';
import { nextAction, resolve, runWorld, threadById, type CallOp, type Catalogue, type Instr, type RollbackStrategy, type World } from '../model/index.ts';
import { candidateArb, type ScenarioTemplate } from './arbitraries.ts';
import { exactKey } from './fingerprint.ts';

export interface Stats {
  readonly strategy: string;
  readonly runs: number;
  readonly steps: number;
  readonly distinctStates: number;
  /** Action type → times taken. */
  readonly actions: Readonly<Record<string, number>>;
  /** `driver op[pc]: instruction` → times executed, for every instruction of the scenario's drivers (0: never). */
  readonly instructions: Readonly<Record<string, number>>;
  /** `hook → decision` → times the core asked the strategy and got that answer. */
  readonly decisions: Readonly<Record<string, number>>;
}

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

const CALL_OPS: readonly CallOp[] = ['invalidate_range_start', 'invalidate_range_end', 'invalidate', 'release', 'fault', 'ioctl'];

export const collectStats = (t: ScenarioTemplate, o: { seed: number; runs: number; maxSchedule?: number; catalogue?: Catalogue }): Stats => {
  const actions: Record<string, number> = {};
  const instructions: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  // Keyed as the exhaustive engine keys states (canonical form, history-only fields abstracted), so the counts compare.
  const states = new Set<string>();
  let steps = 0;
  const candidates = fc.sample(candidateArb(t, o.maxSchedule, o.catalogue), { seed: o.seed, numRuns: o.runs });
  for (const c of candidates) {
    const r = resolve({ ...t, threads: c.threads }, o.catalogue);
    if (!r.ok) throw new Error(r.error);
    const world: World = { ...r.world, strategy: counted(r.world.strategy, (k) => bump(decisions, k)) };
    // Every instruction of the drivers this run can run, so the ones never executed show as 0.
    for (const [sub, ops] of Object.entries(world.ops))
      for (const op of CALL_OPS) ops[op]?.code.forEach((i: Instr, pc: number) => (instructions[instrKey(world, sub, op, pc, i)] ??= 0));
    states.add(exactKey(r.state));
    runWorld(world, r.state, c.schedule, {
      record: false,
      onStep: (st, before) => {
        steps++;
        states.add(exactKey(st.state));
        const th = threadById(before, st.thread);
        const a = th ? nextAction(world, before, th) : null;
        if (!a) return;
        bump(actions, a.type);
        if (a.type === 'driver_instr') bump(instructions, instrKey(world, a.call.sub, a.call.op, a.call.pc, a.instr));
      },
    });
  }
  return { strategy: t.strategy, runs: candidates.length, steps, distinctStates: states.size, actions, instructions, decisions };
};

/** The instructions of the scenario's drivers that no run executed. */
export const neverExecuted = (s: Stats): string[] => Object.entries(s.instructions).filter(([, n]) => n === 0).map(([k]) => k);
