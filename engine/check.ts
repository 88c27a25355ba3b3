/**
 * `npm run check` without its arguments and its printing: one template per strategy, every
 * invariant judged by the random search (or the exhaustive one), each counterexample
 * optionally saved as a case file.
 */
import { resolve, type Catalogue } from '../model/index.ts';
import { threadsFor, type ScenarioTemplate } from './arbitraries.ts';
import { toCase } from './case-format.ts';
import { saveCase } from './cases.ts';
import { exhaustive } from './exhaustive.ts';
import { searchAll } from './random.ts';
import type { EngineResult } from './result.ts';

/** The exhaustive search's default depth bound. */
export const DEFAULT_DEPTH = 60;

export type CheckProgress =
  | { readonly engine: 'random'; readonly strategy: string; readonly runs: number; readonly of: number; readonly ms: number }
  | { readonly engine: 'exhaustive'; readonly strategy: string; readonly invariant: string; readonly states: number; readonly ms: number };

export interface CheckOptions {
  readonly invariants: readonly string[];
  readonly seed: number;
  /** Random cases per strategy. */
  readonly runs: number;
  readonly timeLimitMs?: number;
  /** Every interleaving up to `depth` steps instead of random runs. */
  readonly exhaustive?: boolean;
  readonly depth?: number;
  /** Save each counterexample under this directory (saveCase: never replaces a different case). */
  readonly saveDir?: string;
  readonly catalogue?: Catalogue;
  readonly onProgress?: (p: CheckProgress) => void;
  /** After each strategy (to clear a progress line). */
  readonly onStrategyDone?: (strategy: string) => void;
  /** States the final breadth-first pass may visit looking for a shorter counterexample (engine/random.ts `shortest`; 0: off). */
  readonly shortest?: number;
}

/** check's default bound for the shortest-counterexample pass: milliseconds on the families' scenarios. */
export const DEFAULT_SHORTEST = 200_000;

export interface Checked {
  readonly strategy: string;
  readonly result: EngineResult;
  /** The case file written for the counterexample, with saveDir. */
  readonly file: string | null;
}

/** Split templates into those the catalogue can run and the resolve error of each other one. */
export const runnable = (templates: readonly ScenarioTemplate[], catalogue?: Catalogue): { ok: ScenarioTemplate[]; errors: string[] } => {
  const ok: ScenarioTemplate[] = [];
  const errors: string[] = [];
  for (const t of templates) {
    const r = resolve({ ...t, threads: t.threads ?? [] }, catalogue);
    if (r.ok) ok.push(t);
    else errors.push(r.error);
  }
  return { ok, errors };
};

export const check = (templates: readonly ScenarioTemplate[], o: CheckOptions): Checked[] => {
  const { catalogue, onProgress } = o;
  const found: { strategy: string; result: EngineResult }[] = [];
  for (const t of templates) {
    const strategy = t.strategy;
    if (o.exhaustive) {
      const scenario = { ...t, threads: t.threads ?? threadsFor(t, catalogue) };
      for (const inv of o.invariants) {
        const progress = onProgress && ((states: number, ms: number) => onProgress({ engine: 'exhaustive', strategy, invariant: inv, states, ms }));
        found.push({ strategy, result: exhaustive(scenario, inv, o.depth ?? DEFAULT_DEPTH, { ...(progress ? { onProgress: progress } : {}), catalogue }) });
      }
    } else {
      const progress = onProgress && ((runs: number, ms: number) => onProgress({ engine: 'random', strategy, runs, of: o.runs, ms }));
      const opts = { seed: o.seed, numRuns: o.runs, catalogue, shortest: o.shortest ?? DEFAULT_SHORTEST, ...(o.timeLimitMs ? { timeLimitMs: o.timeLimitMs } : {}), ...(progress ? { onProgress: progress } : {}) };
      for (const result of searchAll(t, o.invariants, opts)) found.push({ strategy, result });
    }
    o.onStrategyDone?.(strategy);
  }
  // Saved once every search is done, in result order, so a name clash resolves as it always did.
  return found.map(({ strategy, result }) => {
    const cx = result.counterexample;
    const file = cx && o.saveDir !== undefined ? saveCase(o.saveDir, toCase(cx)).file : null;
    return { strategy, result, file };
  });
};
