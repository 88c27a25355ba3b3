/**
 * The long searches of `check` and `compare`, cut into tasks and run in worker threads, so that
 * the main thread stays free to react to SIGINT while the engines compute (engine/ is
 * synchronous: a signal handler in the same thread would only run once the whole search is
 * over), and so that `--workers N` runs independent tasks side by side.
 *
 * A unit is what the commands report: one strategy (its `check` results, or its `compare`
 * cells). The job is cut into tasks, and each unit names the tasks whose results make it: for
 * `compare`, a task per group of strategies that share proofs (engine/share.ts shareGroups) and
 * family (engine/compare.ts compareGroup), feeding each of the group's units, merged by
 * mergeCells; for an exhaustive `check` whose threads are open, a task per thread set (merged by
 * mergeSets); otherwise the unit is one task. Tasks are handed to the workers in order, one at a
 * time; a unit is combined in the main thread once its tasks are in, and reported in unit order,
 * so N workers give the same results, in the same order, as one.
 * `compare --shard K/N` runs only the tasks shardTasks picks (JobOptions.only) and keeps their
 * results (JobRun.tasks); `compare --merge` combines every shard's with combineUnits, the same
 * unit.combine the workers' results go through (scripts/compare-shard.ts).
 * On SIGINT the main thread stops the workers and keeps the units completed so far. The main
 * thread does all the writing (saving cases, printing), so a stop never cuts a write short.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { check, exhaustiveBounds, type CheckProgress, type Checked } from '../engine/check.ts';
import { compareGroup, mergeCells, type Cell, type FamilyTemplate, type FoundInFamily, type ProofOptions } from '../engine/compare.ts';
import { catalogueWith, type DriverFile } from '../engine/driver-format.ts';
import { explore } from '../engine/exhaustive.ts';
import type { ExhaustiveResult } from '../engine/result.ts';
import { shareGroups } from '../engine/share.ts';
import { mergeSets, threadSets, DEFAULT_MAX_THREADS } from '../engine/threadsets.ts';

export interface CheckJob {
  readonly kind: 'check';
  readonly templates: readonly ScenarioTemplate[];
  readonly invariants: readonly string[];
  readonly seed: number;
  readonly runs: number;
  readonly timeLimitMs?: number;
  readonly exhaustive: boolean;
  /** Exhaustive bounds (engine/check.ts CheckOptions); absent: the engine's defaults. */
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxMemoryBytes?: number;
  readonly maxThreads?: number;
  /** The random search's shortest pass, states per counterexample (absent: DEFAULT_SHORTEST). */
  readonly shortest?: number;
  /** Driver files (--driver): plain data, so they cross into the worker; the catalogue is built there. */
  readonly drivers?: readonly DriverFile[];
}

export interface CompareJob {
  readonly kind: 'compare';
  readonly strategies: readonly string[];
  readonly invariants: readonly string[];
  /** The families (checks/families.ts, or the user's scenario as the one family), as plain data. */
  readonly families: readonly FamilyTemplate[];
  readonly seed: number;
  readonly runs: number;
  /** The exhaustive proofs behind held cells (null: sample only). */
  readonly proof: ProofOptions | null;
  /** Driver files (--driver), as for check. */
  readonly drivers?: readonly DriverFile[];
}

export type Job = CheckJob | CompareJob;

export type JobProgress =
  | CheckProgress
  | { readonly engine: 'compare'; readonly strategy: string; readonly family: string; readonly phase: 'sampling' | 'proving' }
  /** What a family's search of `compare` has violated so far (engine/compare.ts onFound). */
  | { readonly engine: 'compare-found'; readonly strategy: string; readonly family: string; readonly found: readonly FoundInFamily[] };

/**
 * What one unit found: `check` results without files (the main thread saves) and, for the random
 * engine, the most runs its progress reported (a lower bound on the runs generated, to the
 * hundred: a result only carries the exact count when its invariant held), or `compare` cells.
 */
export type UnitResult =
  | { readonly kind: 'check'; readonly checked: readonly Checked[]; readonly runsSeen: number }
  | { readonly kind: 'compare'; readonly cells: readonly Cell[] };

/** What one task computed: plain data, posted from a worker. */
export type TaskResult =
  | { readonly kind: 'check'; readonly checked: readonly Checked[]; readonly runsSeen: number }
  /** A compare task's cells, one entry per strategy of its group, in order (null: it cannot run the family). */
  | { readonly kind: 'family'; readonly cells: readonly (readonly Cell[] | null)[] }
  | { readonly kind: 'set'; readonly results: readonly ExhaustiveResult[] };

export interface Task {
  readonly run: (onProgress?: (p: JobProgress) => void) => TaskResult;
}

/** One unit: the tasks it needs (indices into the job's), and how their results (in that order) make the unit's. */
export interface Unit {
  readonly tasks: readonly number[];
  readonly combine: (results: readonly TaskResult[]) => UnitResult;
}

/** A job cut up: its tasks, in the order they are run and sharded, and its units, in reporting order. */
export interface Plan {
  readonly tasks: readonly Task[];
  readonly units: readonly Unit[];
}

const setOf = (r: TaskResult): readonly ExhaustiveResult[] => (r.kind === 'set' ? r.results : []);

/** compare's tasks, in order: group by group (shareGroups, in the order of their first strategy), family by family. */
export const compareTasks = (job: CompareJob): { strategies: readonly string[]; family: FamilyTemplate }[] =>
  shareGroups(job.strategies, catalogueWith(job.drivers ?? [])).flatMap((strategies) => job.families.map((family) => ({ strategies, family })));

export const planOf = (job: Job): Plan => {
  const catalogue = catalogueWith(job.drivers ?? []);
  if (job.kind === 'compare') {
    // A task per group and family; each strategy's unit takes its cells from its group's tasks.
    // Its cells are attributed once every strategy is in (engine/compare.ts attribute).
    const o = { seed: job.seed, runs: job.runs, proof: job.proof, catalogue };
    const cut = compareTasks(job);
    const tasks = cut.map(({ strategies, family }): Task => ({
      run: (onProgress) => ({
        kind: 'family',
        cells: compareGroup(strategies, job.invariants, family, {
          ...o,
          ...(onProgress
            ? {
                onFamily: (s, f, phase) => onProgress({ engine: 'compare', strategy: s, family: f, phase }),
                onFound: (s, f, found) => onProgress({ engine: 'compare-found', strategy: s, family: f, found }),
              }
            : {}),
        }),
      }),
    }));
    const units = job.strategies.map((strategy): Unit => {
      const mine = cut.flatMap((t, i) => (t.strategies.includes(strategy) ? [i] : []));
      return {
        tasks: mine,
        combine: (rs) => ({ kind: 'compare', cells: mergeCells(strategy, job.invariants, rs.map((r, k) => (r.kind === 'family' ? (r.cells[cut[mine[k]].strategies.indexOf(strategy)] ?? null) : null))) }),
      };
    });
    return { tasks, units };
  }
  const { kind: _kind, templates, drivers: _drivers, ...options } = job;
  const tasks: Task[] = [];
  // Each unit's own tasks, appended in unit order (a check task feeds one unit).
  const own = (ts: readonly Task[]): number[] => ts.map((t) => tasks.push(t) - 1);
  const units = templates.map((t): Unit => {
    if (options.exhaustive && !t.threads) {
      // A task per thread set; merged per invariant as exhaustiveTemplate merges them.
      const sets = threadSets(t, options.maxThreads ?? DEFAULT_MAX_THREADS, catalogue);
      const bounds = exhaustiveBounds({ ...options, catalogue });
      return {
        tasks: own(sets.map((threads, set) => ({
          run: (onProgress) => {
            const progress = onProgress && ((states: number, ms: number) => onProgress({ engine: 'exhaustive', strategy: t.strategy, threads, set, of: sets.length, states, ms }));
            return { kind: 'set', results: explore({ ...t, threads }, options.invariants, { ...bounds, ...(progress ? { onProgress: progress } : {}) }).results };
          },
        }))),
        combine: (rs) => ({ kind: 'check', checked: mergeSets(rs.map(setOf), sets).map((result) => ({ strategy: t.strategy, result, file: null })), runsSeen: 0 }),
      };
    }
    const task: Task = {
      run: (onProgress) => {
        let runsSeen = 0;
        const checked = check([t], {
          ...options,
          catalogue,
          onProgress: (p) => {
            if (p.engine === 'random') runsSeen = Math.max(runsSeen, p.runs);
            onProgress?.(p);
          },
        });
        return { kind: 'check', checked, runsSeen };
      },
    };
    return { tasks: own([task]), combine: ([r]) => (r.kind === 'check' ? { kind: 'check', checked: r.checked, runsSeen: r.runsSeen } : { kind: 'check', checked: [], runsSeen: 0 }) };
  });
  return { tasks, units };
};

/**
 * The tasks of shard K of N (`compare --shard K/N`): every task whose index in the job's task
 * order (Plan.tasks) is K-1 modulo N. The rule depends only on the job, so N machines given the
 * same job and K = 1..N run every task exactly once.
 */
export const shardTasks = (total: number, k: number, n: number): number[] => Array.from({ length: total }, (_, i) => i).filter((i) => i % n === k - 1);

/**
 * Each unit combined from its tasks' results (indexed as Plan.tasks orders them, every one present):
 * what the worker threads' results make (Collector), and what `compare --merge` makes of shards.
 */
export const combineUnits = (units: readonly Unit[], results: readonly TaskResult[]): UnitResult[] => units.map((u) => u.combine(u.tasks.map((i) => results[i])));

/** --workers' default: one per core, never more than there are tasks. */
export const defaultWorkers = (): number => availableParallelism();

export interface JobRun {
  /** The completed units' results, in unit order. */
  readonly results: readonly UnitResult[];
  /** Which units those are (indices into the job's units, ascending). */
  readonly completed: readonly number[];
  readonly total: number;
  readonly interrupted: boolean;
  /** Worker threads it ran in (0: in this thread). */
  readonly workers: number;
  /** Each task's result by its index in Plan.tasks (undefined: not run, or not finished). */
  readonly tasks: readonly (TaskResult | undefined)[];
}

export interface JobOptions {
  /** Each unit's results once it is complete, in unit order; may write (save cases, clear a progress line). */
  readonly onUnit?: (r: UnitResult, index: number) => void;
  readonly onProgress?: (p: JobProgress) => void;
  /** Aborting stops the job: the workers are terminated, the completed units are kept. */
  readonly signal?: AbortSignal;
  /** In this thread (tests): the signal is then noticed between tasks only. */
  readonly inline?: boolean;
  /** Worker threads (default 1): tasks run side by side, results come out as with one. */
  readonly workers?: number;
  /**
   * Only these tasks (indices into Plan.tasks, ascending; a shard: shardTasks): a unit some of
   * whose tasks are left out never completes, and the results are read from JobRun.tasks.
   */
  readonly only?: readonly number[];
}

type FromWorker = { type: 'progress'; progress: JobProgress } | { type: 'task'; index: number; result: TaskResult };

/**
 * How a worker thread starts: from dist/job-worker.mjs beside the bundle this module was built
 * into (scripts/run.mjs), else job-worker.ts through tsx, as the script itself was run; null if
 * neither is possible (the job then runs inline).
 */
const workerBoot = ((): ((data: unknown) => Worker) | null => {
  if (import.meta.url.endsWith('.mjs')) return (data) => new Worker(new URL('./job-worker.mjs', import.meta.url), { workerData: data });
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
  const entry = new URL('./job-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return (data) => new Worker(boot, { eval: true, workerData: data });
})();

/**
 * Collects task results and reports each unit, combined, once it and every unit before it are
 * complete (so the order never depends on which worker finished first).
 */
class Collector {
  readonly got: (TaskResult | undefined)[];
  private readonly missing: number[];
  /** Per task, the units it feeds. */
  private readonly feeds: number[][];
  readonly results: UnitResult[] = [];
  readonly completed: number[] = [];
  private reported = 0;
  private readonly done: (UnitResult | undefined)[];
  constructor(
    private readonly plan: Plan,
    private readonly onUnit?: (r: UnitResult, index: number) => void,
  ) {
    this.got = plan.tasks.map(() => undefined);
    this.missing = plan.units.map((u) => u.tasks.length);
    this.feeds = plan.tasks.map(() => []);
    plan.units.forEach((u, k) => u.tasks.forEach((i) => this.feeds[i].push(k)));
    this.done = plan.units.map(() => undefined);
  }
  add(index: number, r: TaskResult): void {
    this.got[index] = r;
    for (const unit of this.feeds[index]) {
      if (--this.missing[unit] > 0) continue;
      const u = this.plan.units[unit];
      this.done[unit] = u.combine(u.tasks.map((i) => this.got[i] as TaskResult));
    }
    while (this.reported < this.plan.units.length && this.done[this.reported] !== undefined) {
      // Counted before onUnit runs: it may write, and a write may stop the job (flushOnStop) there and then.
      const k = this.reported++;
      const u = this.done[k] as UnitResult;
      this.results.push(u);
      this.completed.push(k);
      this.onUnit?.(u, k);
    }
  }
  /** Units complete but not yet reported (a unit before them is not): kept on an interrupt, in order. */
  flushOnStop(): void {
    const from = this.reported;
    this.reported = this.plan.units.length;
    for (let k = from; k < this.plan.units.length; k++) {
      const u = this.done[k];
      if (u === undefined) continue;
      this.results.push(u);
      this.completed.push(k);
      this.onUnit?.(u, k);
    }
  }
}

/** The indices of the tasks to run: all of them, or o.only's. */
const chosen = (tasks: readonly unknown[], o: JobOptions): readonly number[] => o.only ?? tasks.map((_, i) => i);

const runInline = async (job: Job, o: JobOptions): Promise<JobRun> => {
  const plan = planOf(job);
  const c = new Collector(plan, o.onUnit);
  const run = (interrupted: boolean): JobRun => ({ results: c.results, completed: c.completed, total: plan.units.length, interrupted, workers: 0, tasks: c.got });
  for (const i of chosen(plan.tasks, o)) {
    await new Promise((r) => setImmediate(r)); // let a signal handler run between tasks
    if (o.signal?.aborted) {
      // A group's later strategy may be complete while an earlier one is not: kept, as the workers keep it.
      c.flushOnStop();
      return run(true);
    }
    c.add(i, plan.tasks[i].run(o.onProgress));
  }
  return run(false);
};

export const runJob = (job: Job, o: JobOptions = {}): Promise<JobRun> => {
  if (o.inline || workerBoot === null) return runInline(job, o);
  const boot = workerBoot;
  const plan = planOf(job);
  const c = new Collector(plan, o.onUnit);
  const total = plan.units.length;
  const order = chosen(plan.tasks, o);
  if (o.signal?.aborted || order.length === 0) return Promise.resolve({ results: c.results, completed: c.completed, total, interrupted: order.length > 0, workers: 0, tasks: c.got });
  const n = Math.max(1, Math.min(o.workers ?? 1, order.length));
  return new Promise<JobRun>((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let finished = 0;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) {
        w.removeAllListeners('message');
        w.removeAllListeners('exit');
        void w.terminate();
      }
      f();
    };
    const onAbort = () =>
      settle(() => {
        c.flushOnStop();
        resolve({ results: c.results, completed: c.completed, total, interrupted: true, workers: n, tasks: c.got });
      });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const give = (w: Worker) => {
      if (next < order.length) w.postMessage({ type: 'run', index: order[next++] });
    };
    for (let k = 0; k < n; k++) {
      const w = boot({ job, progress: o.onProgress !== undefined });
      workers.push(w);
      w.on('message', (m: FromWorker) => {
        if (settled) return;
        try {
          if (m.type === 'progress') o.onProgress?.(m.progress);
          else {
            c.add(m.index, m.result);
            give(w);
            if (++finished === order.length) settle(() => resolve({ results: c.results, completed: c.completed, total, interrupted: false, workers: n, tasks: c.got }));
          }
        } catch (e) {
          settle(() => reject(e));
        }
      });
      w.on('error', (e) => settle(() => reject(e)));
      w.on('exit', (code) => settle(() => reject(new Error(`an engine worker thread stopped (exit code ${code}) before finishing`))));
      give(w);
    }
  });
};
