/**
 * `npm run check` without its arguments and its printing: one template per strategy, every
 * invariant judged by the random search (or the exhaustive one), each counterexample
 * optionally saved as a case file.
 */
import { resolve, type Catalogue } from '../model/index.ts';
import type { ScenarioTemplate } from './arbitraries.ts';
import { toCase } from './case-format.ts';
import { saveCase } from './cases.ts';
import { DEFAULT_MAX_STATES, type ExhaustiveOptions } from './exhaustive.ts';
import { DEFAULT_MAX_THREADS, exhaustiveTemplate } from './threadsets.ts';
import { searchAll, type FoundSoFar, type PassProgress } from './random.ts';
import type { EngineResult } from './result.ts';

export { DEFAULT_MAX_STATES, DEFAULT_MAX_THREADS };

export type CheckProgress =
  | { readonly engine: 'random'; readonly strategy: string; readonly runs: number; readonly of: number; readonly ms: number; readonly found?: readonly FoundSoFar[] }
  | { readonly engine: 'exhaustive'; readonly strategy: string; readonly threads: readonly string[]; readonly set: number; readonly of: number; readonly states: number; readonly ms: number }
  /** The random search after its runs: shrinking, then the shortest pass (engine/random.ts PassProgress). */
  | { readonly engine: 'pass'; readonly strategy: string; readonly pass: PassProgress };

export interface CheckOptions {
  readonly invariants: readonly string[];
  readonly seed: number;
  /** Random cases per strategy. */
  readonly runs: number;
  readonly timeLimitMs?: number;
  /** Every reachable state instead of random runs (engine/exhaustive.ts), all invariants in one pass. */
  readonly exhaustive?: boolean;
  /** Exhaustive bounds: path length (default none), distinct states, memory, and threads per set when the template leaves them open. */
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxMemoryBytes?: number;
  readonly maxThreads?: number;
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
    else errors.push(...r.errors);
  }
  return { ok, errors };
};

/**
 * When no strategy can run a scenario: the errors most strategies share, which are the
 * scenario's (a strategy's own refusal is noise then), without repeats.
 */
export const commonestErrors = (errors: readonly string[]): string[] => {
  const count = (e: string) => errors.filter((x) => x === e).length;
  const most = Math.max(0, ...errors.map(count));
  return [...new Set(errors.filter((e) => count(e) === most))];
};

/** check's exhaustive bounds as the engine's options (absent: the engine's defaults). */
export const exhaustiveBounds = (o: Pick<CheckOptions, 'depth' | 'maxStates' | 'maxMemoryBytes' | 'catalogue'>): ExhaustiveOptions => ({
  ...(o.catalogue ? { catalogue: o.catalogue } : {}),
  ...(o.depth !== undefined ? { maxDepth: o.depth } : {}),
  ...(o.maxStates !== undefined ? { maxStates: o.maxStates } : {}),
  ...(o.maxMemoryBytes !== undefined ? { maxMemoryBytes: o.maxMemoryBytes } : {}),
});

export const check = (templates: readonly ScenarioTemplate[], o: CheckOptions): Checked[] => {
  const { catalogue, onProgress } = o;
  const found: { strategy: string; result: EngineResult }[] = [];
  for (const t of templates) {
    const strategy = t.strategy;
    if (o.exhaustive) {
      let current: { threads: readonly string[]; set: number; of: number } = { threads: t.threads ?? [], set: 0, of: 1 };
      const progress = onProgress && ((states: number, ms: number) => onProgress({ engine: 'exhaustive', strategy, ...current, states, ms }));
      const results = exhaustiveTemplate(t, o.invariants, {
        ...exhaustiveBounds(o),
        ...(o.maxThreads !== undefined ? { maxThreads: o.maxThreads } : {}),
        ...(progress ? { onProgress: progress } : {}),
        onSet: (threads, set, of) => { current = { threads, set, of }; },
      });
      for (const result of results) found.push({ strategy, result });
    } else {
      const progress = onProgress && ((runs: number, ms: number, found: readonly FoundSoFar[]) => onProgress({ engine: 'random', strategy, runs, of: o.runs, ms, found }));
      const opts = {
        seed: o.seed,
        numRuns: o.runs,
        catalogue,
        shortest: o.shortest ?? DEFAULT_SHORTEST,
        ...(o.timeLimitMs ? { timeLimitMs: o.timeLimitMs } : {}),
        ...(progress ? { onProgress: progress, onPass: (pass: PassProgress) => onProgress({ engine: 'pass', strategy, pass }) } : {}),
      };
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
