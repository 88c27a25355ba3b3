/**
 * From a scenario to the static World and the initial state (xstate's `initialTransition`).
 * Invalid scenarios are returned as an error value naming the field, never thrown.
 */
import { driverFor, presets } from './drivers/index.ts';
import { inRange, KERNEL_NAMES, KERNELS, kernelNamed, legacyKernel, rangeText } from './kernel.ts';
import { ITREE_LOCK } from './core/itree.ts';
import { LOCKDEP_PRIMING } from './lockdep.ts';
import { RMAP_LOCK } from './rwsem.ts';
import { reaperInitialPc } from './reaper.ts';
import { FREE, inTree } from './state.ts';
import { strategies } from './strategies/index.ts';
import {
  DEFAULT_KNOBS,
  REAPER_ERAS,
  type DriverDef,
  type DriverState,
  type Lock,
  type ModelState,
  type Scenario,
  type Range,
  type ResolvedOps,
  type RollbackStrategy,
  type Subscription,
  type ThreadKind,
  type ThreadState,
  type World,
} from './types.ts';

/**
 * The strategies and drivers a scenario may name. The built-in one holds the strategies of
 * model/strategies/ and the driver presets; a caller may extend it (a strategy defined in a
 * test, a driver read from a file).
 */
export interface Catalogue {
  readonly strategies: Readonly<Record<string, RollbackStrategy>>;
  readonly drivers: Readonly<Record<string, DriverDef>>;
}

export const BUILTIN: Catalogue = { strategies, drivers: presets };

/** Own keys only: a name such as 'constructor' is not a strategy. */
const lookup = <T,>(table: Readonly<Record<string, T>>, name: string): T | undefined => (Object.hasOwn(table, name) ? table[name] : undefined);

/** The world and initial state, or every problem of the scenario (`error`: the first). */
export type Resolved = { readonly ok: true; readonly world: World; readonly state: ModelState } | { readonly ok: false; readonly error: string; readonly errors: readonly string[] };

export const threadKind = (id: string): { kind: ThreadKind; target: string | null } | null => {
  if (id === 'oom_reaper' || id === 'munmap' || id === 'madvise' || id === 'exit_mmap' || id === 'reclaim') return { kind: id, target: null };
  const m = /^(fault|ioctl|register|unregister):(.+)$/.exec(id);
  return m ? { kind: m[1] as ThreadKind, target: m[2] } : null;
};

/** The threads that make sense for these notifiers (docs/design.md §4: explored when --threads is absent). */
export const candidateThreads = (world: Pick<World, 'ops' | 'kernel'>, names: readonly string[]): string[] => {
  const out = ['oom_reaper', 'munmap', 'madvise', 'exit_mmap'];
  for (const n of names) {
    if (world.ops[n].fault) out.push(`fault:${n}`);
    if (world.ops[n].ioctl) out.push(`ioctl:${n}`);
    out.push(`register:${n}`, `unregister:${n}`);
  }
  return out;
};

export const resolve = (scenario: Scenario, catalogue: Catalogue = BUILTIN): Resolved => {
  // Every problem, not only the first (docs/design.md §6); a thread of a notifier that is itself
  // wrong is not reported again.
  const errors: string[] = [];
  const strategy = lookup(catalogue.strategies, scenario.strategy);
  if (!strategy) errors.push(`strategy: unknown '${scenario.strategy}' (valid: ${Object.keys(catalogue.strategies).join(', ')})`);
  if (!REAPER_ERAS.includes(scenario.reaper)) errors.push(`reaper: unknown era '${scenario.reaper}' (valid: ${REAPER_ERAS.join(', ')})`);
  if (scenario.vmas.length === 0) errors.push('vmas: at least one VMA is needed');
  const wellFormed = (v: Range) => Number.isInteger(v.start) && Number.isInteger(v.end) && v.start >= 0 && v.end > v.start && v.end <= 64;
  for (const [i, v] of scenario.vmas.entries()) {
    if (!wellFormed(v)) errors.push(`vmas[${i}]: need integers 0 <= start < end <= 64`);
    // An mm's VMAs never overlap (docs/kernel.md §1.1).
    const other = scenario.vmas.findIndex((w, j) => j < i && wellFormed(v) && wellFormed(w) && w.start < v.end && v.start < w.end);
    if (other >= 0) errors.push(`vmas[${i}]: [${v.start},${v.end}) overlaps vmas[${other}]; an mm's VMAs never overlap`);
  }
  // A named kernel fixes the reaper era, the mainline rule and the presets there are (docs/kernel.md §11).
  const named = scenario.kernel === undefined ? undefined : kernelNamed(scenario.kernel);
  if (scenario.kernel !== undefined && !named) errors.push(`kernel: unknown '${scenario.kernel}' (valid: ${KERNEL_NAMES.join(', ')})`);
  if (named && REAPER_ERAS.includes(scenario.reaper) && scenario.reaper !== named.reaper)
    errors.push(`reaper: '${scenario.reaper}' is not the reaper of ${named.name} ('${named.reaper}'); with a kernel, give its reaper or none`);
  if (named && strategy?.mainline && !inRange(named.name as string, strategy.mainline))
    errors.push(`strategy: ${strategy.name} is mainline's rule ${rangeText(strategy.mainline)}; ${named.name} runs ${named.mainline} (name a release of ${strategy.name}, or a proposal: one with no mainline release)`);
  const kernel = named ?? legacyKernel(scenario.reaper);
  const knobs = { ...DEFAULT_KNOBS, ...(scenario.knobs ?? {}) };
  const defs: Record<string, DriverDef> = {};
  const ops: Record<string, ResolvedOps> = {};
  const names = new Set<string>();
  const addrs = new Set<number>();
  const broken = new Set<string>();
  for (const [i, n] of scenario.notifiers.entries()) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(n.name)) errors.push(`notifiers[${i}].name: '${n.name}' is not a simple identifier`);
    else if (names.has(n.name)) errors.push(`notifiers[${i}].name: duplicate '${n.name}'`);
    if (!Number.isInteger(n.address) || addrs.has(n.address)) errors.push(`notifiers[${i}].address: need a distinct integer`);
    const def = driverFor(n, catalogue.drivers);
    if (!def) errors.push(`notifiers[${i}].driver: unknown '${n.driver}' (valid: ${[...Object.keys(catalogue.drivers), 'generic'].join(', ')})`);
    else if (named && !inRange(named.name as string, def.kernels)) errors.push(`notifiers[${i}].driver: '${n.driver}' is kernel code ${rangeText(def.kernels ?? {})}, so ${named.name} does not have it`);
    const o = def && strategy ? strategy.opsFor(def, kernel) : undefined;
    if (def && strategy && !o) errors.push(`notifiers[${i}].driver: '${n.driver}' has no interval-notifier form, so it cannot run under ${strategy.name}`);
    // Two-pass interval ops are v7.1's (7aba71dbc416, docs/kernel.md §2.6): no other core calls a finish.
    if (def?.interval?.invalidate_finish !== undefined && !kernel.twoPass)
      errors.push(`notifiers[${i}].driver: '${n.driver}' has two-pass interval ops (invalidate_start, invalidate_finish), which only ${KERNELS.filter((k) => k.twoPass).map((k) => k.name).join(', ')} has${named ? '' : ': give --kernel (kernel in a scenario file)'}`);
    if (!def || !o || names.has(n.name)) broken.add(n.name);
    else {
      defs[n.name] = def;
      ops[n.name] = o;
    }
    names.add(n.name);
    addrs.add(n.address);
  }
  // Page reclaim (model/reclaim.ts) runs on named releases when --threads names it; it is not generated.
  const valid = [...candidateThreads({ ops, kernel }, [...names].filter((n) => !broken.has(n))), ...(kernel.name !== null ? ['reclaim'] : [])];
  const threadKinds: { id: string; kind: ThreadKind; target: string | null }[] = [];
  for (const id of scenario.threads) {
    const tk = threadKind(id);
    if (tk?.target != null && broken.has(tk.target)) continue; // its notifier's problem is reported
    if (id === 'reclaim' && kernel.name === null) {
      errors.push("threads: 'reclaim' (page reclaim, model/reclaim.ts) runs only on a named release: give --kernel (kernel in a scenario file)");
      continue;
    }
    if (!tk || !valid.includes(id)) errors.push(`threads: '${id}' is not a thread of this scenario (valid: ${valid.join(', ')})`);
    else if (threadKinds.some((t) => t.id === id)) errors.push(`threads: duplicate '${id}'`);
    else threadKinds.push({ id, ...tk });
  }
  // The tasks of the processes sharing the mm (docs/kernel.md §3.4): any of the scenario's threads
  // (its sets may be left open) but a kthread, or a fault whose driver runs it in a kernel worker;
  // the threads left out are kernel threads using the mm. Only a named release signals them.
  if (scenario.victim !== undefined) {
    if (kernel.name === null) errors.push("victim: the OOM victim's fatal signal is modelled on named releases only: give --kernel (kernel in a scenario file)");
    scenario.victim.forEach((id, k) => {
      const tk = threadKind(id);
      if (id === 'oom_reaper' || id === 'reclaim') errors.push(`victim[${k}]: '${id}' is a kernel thread (or another task), never the victim's`);
      else if (!valid.includes(id)) errors.push(`victim[${k}]: '${id}' is not a thread of this scenario (valid: ${valid.filter((v) => v !== 'oom_reaper' && v !== 'reclaim').join(', ')})`);
      else if (scenario.victim?.indexOf(id) !== k) errors.push(`victim[${k}]: duplicate '${id}'`);
      else if (tk?.kind === 'fault' && tk.target !== null && defs[tk.target] !== undefined && defs[tk.target].faultInTask === undefined)
        errors.push(`victim[${k}]: '${id}': driver '${defs[tk.target].driver}' runs its fault in a kernel worker (no faultInTask: its lookup and retry test no signal), so it is never the victim's`);
    });
  }
  // A notifier with a register thread starts unregistered; one thread per notifier changes it.
  for (const n of names)
    if (scenario.threads.includes(`register:${n}`) && scenario.threads.includes(`unregister:${n}`))
      errors.push(`threads: register:${n} and unregister:${n} together (pick one; a notifier is registered once)`);
  for (const n of scenario.notifiers)
    if (n.interval !== undefined && !wellFormed(n.interval)) errors.push(`notifiers.${n.name}.interval: need integers 0 <= start < end <= 64 (the pages VMAs can have)`);
  if (errors.length > 0 || !strategy) return fail(errors);
  const pages = Math.max(...scenario.vmas.map((v) => v.end));
  const registering = (n: string) => scenario.threads.includes(`register:${n}`);
  const lockKinds: Record<string, 'spinlock' | 'mutex' | 'rwsem'> = { mmap_lock: 'rwsem', ...(kernel.subscriptionsLock ? { [ITREE_LOCK]: 'spinlock' as const } : {}) };
  const locks: Record<string, Lock> = { mmap_lock: FREE, ...(kernel.subscriptionsLock ? { [ITREE_LOCK]: FREE } : {}) };
  // The rmap locks, only beside a reclaim thread (model/reclaim.ts).
  if (scenario.threads.includes('reclaim')) {
    lockKinds[RMAP_LOCK] = 'rwsem';
    locks[RMAP_LOCK] = FREE;
  }
  const drivers: Record<string, DriverState> = {};
  const pte = Array.from({ length: pages }, (_, p) => (scenario.vmas.some((v) => p >= v.start && p < v.end) ? p : null));
  let subs: readonly Subscription[] = [];
  for (const n of scenario.notifiers) {
    const def = defs[n.name];
    for (const [l, kind] of Object.entries(def.locks)) {
      lockKinds[`${n.name}.${l}`] = kind;
      locks[`${n.name}.${l}`] = FREE;
    }
    const interval = n.interval ?? { start: 0, end: pages };
    const sptes: Record<number, number> = {};
    // The device already mirrors its pages when the OOM killer strikes (unless not registered yet).
    if (!registering(n.name)) for (let p = interval.start; p < Math.min(interval.end, pages); p++) if (pte[p] !== null) sptes[p] = pte[p] as number;
    drivers[n.name] = { counters: Object.fromEntries(Object.keys(def.counters).map((c) => [c, 0])), sptes };
    // Interval subs inserted while idle get seq - 1 (odd, != mm seq) (docs/kernel.md §1.5).
    const sub: Subscription = { name: n.name, driver: n.driver, address: n.address, form: ops[n.name].form, interval, registered: !registering(n.name), inTree: false, released: false, invalidateSeq: 1 };
    // Registered in scenario order, each where the strategy inserts it (docs/kernel.md §1.4).
    subs = strategy.hlistAdd(subs, sub);
  }
  const underOom = scenario.threads.includes('oom_reaper');
  const world: World = { scenario, kernel, knobs, strategy, defs, lockKinds, underOom, ops, initialPte: pte };
  const threads = threadKinds.map((x) => initialThread(world, x.id, x.kind, x.target));
  const state: ModelState = {
    mm: {
      vmas: scenario.vmas.map((v) => ({ start: v.start, end: v.end, unmapped: false })),
      pte,
      freedFrames: [],
      nextFrame: pages,
      MMF_OOM_SKIP: false,
      MMF_UNSTABLE: false,
    },
    subs,
    core: { invalidateSeq: 2, activeInvalidateRanges: 0, hasItree: subs.some(inTree), deferred: [], hasSubscriptions: subs.some((s) => s.registered) },
    locks,
    drivers,
    threads,
    nextInvId: 1,
    lockdep: [LOCKDEP_PRIMING],
  };
  return { ok: true, world, state };
};

const fail = (errors: readonly string[]): Resolved => ({ ok: false, error: errors[0], errors });

const initialThread = (world: World, id: string, kind: ThreadKind, target: string | null): ThreadState => {
  const base = { id, inv: null, call: null, nonBlockCount: 0, done: false, outcome: 'running' } as const;
  const x = target as string; // every kind but the three below names its notifier (threadKind)
  switch (kind) {
    case 'oom_reaper':
      return { ...base, kind, pc: reaperInitialPc(world), vma: 0, attempts: 0, attemptOk: true, gather: [] };
    case 'munmap':
      return { ...base, kind, pc: 'lock', vma: 0, gather: [] };
    case 'madvise':
      return { ...base, kind, pc: 'lock', vma: world.scenario.vmas.length - 1, gather: [] };
    case 'reclaim': // the first page of the first VMA
      return { ...base, kind, pc: 'rmap_lock', page: world.scenario.vmas[0].start, gather: [] };
    case 'exit_mmap':
      return { ...base, kind, pc: 'itree_release', srcuReaders: [], gather: [], releasing: [], vma: 0 };
    case 'fault':
    case 'ioctl':
      return { ...base, kind, target: x, pc: 'call', retries: 0, spin: null, call: { sub: x, op: kind, pc: 0, blockable: true, nonBlock: false, locals: {} } };
    case 'register':
      return { ...base, kind, target: x, pc: 'lock' };
    case 'unregister':
      return { ...base, kind, target: x, pc: 'release', srcuReaders: [], waitSeq: -1 };
  }
};
