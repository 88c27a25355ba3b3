/**
 * The long searches of `check` and `compare`, cut into units and run in a worker thread, so that
 * the main thread stays free to react to SIGINT while the engine computes (engine/ is
 * synchronous: a signal handler in the same thread would only run once the whole search is over).
 *
 * A unit is one strategy (`check`, random or exhaustive, and `compare`). The worker posts each unit's results as soon as it is done; on SIGINT the main
 * thread stops the worker and keeps the units completed so far. The main thread does all the
 * writing (saving cases, printing), so a stop never cuts a write short.
 */
import { Worker } from 'node:worker_threads';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { check, type CheckProgress, type Checked } from '../engine/check.ts';
import { compare, type Cell, type FamilyTemplate } from '../engine/compare.ts';
import { catalogueWith, type DriverFile } from '../engine/driver-format.ts';

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
  /** Driver files (--driver), as for check. */
  readonly drivers?: readonly DriverFile[];
}

export type Job = CheckJob | CompareJob;

export type JobProgress = CheckProgress | { readonly engine: 'compare'; readonly strategy: string; readonly family: string };

/**
 * What one unit found: `check` results without files (the main thread saves) and, for the random
 * engine, the most runs its progress reported (a lower bound on the runs generated, to the
 * hundred: a result only carries the exact count when its invariant held), or `compare` cells.
 */
export type UnitResult =
  | { readonly kind: 'check'; readonly checked: readonly Checked[]; readonly runsSeen: number }
  | { readonly kind: 'compare'; readonly cells: readonly Cell[] };

/** One strategy's search. */
export interface Unit {
  readonly run: (onProgress?: (p: JobProgress) => void) => UnitResult;
}

export const unitsOf = (job: Job): Unit[] => {
  if (job.kind === 'compare') {
    const catalogue = catalogueWith(job.drivers ?? []);
    // One unit per strategy: its cells are attributed once every strategy is in (engine/compare.ts attribute).
    return job.strategies.map((strategy) => ({
      run: (onProgress) => ({
        kind: 'compare',
        cells: compare([strategy], job.invariants, job.families, { seed: job.seed, runs: job.runs, catalogue, ...(onProgress ? { onFamily: (s, family) => onProgress({ engine: 'compare', strategy: s, family }) } : {}) }),
      }),
    }));
  }
  const { kind: _kind, templates, drivers, ...options } = job;
  const catalogue = catalogueWith(drivers ?? []);
  // One unit per strategy: the exhaustive engine judges every invariant in one pass.
  return templates.map((t) => ({
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
  }));
};

export interface JobRun {
  /** The completed units' results, in unit order. */
  readonly results: readonly UnitResult[];
  readonly total: number;
  readonly interrupted: boolean;
}

export interface JobOptions {
  /** Each unit's results as they arrive (in order); may write (save cases, clear a progress line). */
  readonly onUnit?: (r: UnitResult, index: number) => void;
  readonly onProgress?: (p: JobProgress) => void;
  /** Aborting stops the job: the worker is terminated, the completed units are kept. */
  readonly signal?: AbortSignal;
  /** In this thread (tests): the signal is then noticed between units only. */
  readonly inline?: boolean;
}

type FromWorker = { type: 'progress'; progress: JobProgress } | { type: 'unit'; index: number; result: UnitResult } | { type: 'done' };

/** The worker's entry loads TypeScript through tsx, as the scripts themselves are run; null if tsx is not installed. */
const tsxApi = ((): string | null => {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
})();

const startWorker = (api: string, data: unknown): Worker => {
  const entry = new URL('./job-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return new Worker(boot, { eval: true, workerData: data });
};

const runInline = async (job: Job, o: JobOptions): Promise<JobRun> => {
  const units = unitsOf(job);
  const results: UnitResult[] = [];
  for (const [i, u] of units.entries()) {
    await new Promise((r) => setImmediate(r)); // let a signal handler run between units
    if (o.signal?.aborted) return { results, total: units.length, interrupted: true };
    const r = u.run(o.onProgress);
    results.push(r);
    o.onUnit?.(r, i);
  }
  return { results, total: units.length, interrupted: false };
};

export const runJob = (job: Job, o: JobOptions = {}): Promise<JobRun> => {
  if (o.inline || tsxApi === null) return runInline(job, o);
  const units = unitsOf(job);
  const results: UnitResult[] = [];
  const total = units.length;
  if (o.signal?.aborted) return Promise.resolve({ results, total, interrupted: true });
  return new Promise<JobRun>((resolve, reject) => {
    const worker = startWorker(tsxApi, { job, progress: o.onProgress !== undefined });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      worker.removeAllListeners('message');
      void worker.terminate();
      f();
    };
    const onAbort = () => settle(() => resolve({ results, total, interrupted: true }));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: FromWorker) => {
      if (settled) return;
      try {
        if (m.type === 'progress') o.onProgress?.(m.progress);
        else if (m.type === 'unit') {
          results.push(m.result);
          o.onUnit?.(m.result, m.index);
        } else settle(() => resolve({ results, total, interrupted: false }));
      } catch (e) {
        settle(() => reject(e));
      }
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the engine's worker thread stopped (exit code ${code}) before finishing`))));
  });
};
