/**
 * The strategy registry (docs/design.md §3.3). Adding a strategy: one file in this folder plus one
 * line here. No code outside this folder branches on a strategy's name.
 */
import type { RollbackStrategy } from '../types.ts';
import { callAllEnd2019 } from './call-all-end-2019.ts';
import { callAllEnd2021 } from './call-all-end-2021.ts';
import { coreCounter } from './core-counter.ts';
import { reaperCallsEnd } from './reaper-calls-end.ts';
import { skipAllEnd } from './skip-all-end.ts';
import { sortedUndo } from './sorted-undo.ts';

export const strategies: Readonly<Record<string, RollbackStrategy>> = Object.fromEntries(
  [skipAllEnd, callAllEnd2019, callAllEnd2021, reaperCallsEnd, sortedUndo, coreCounter].map((s) => [s.name, s]),
);

export const STRATEGY_NAMES: readonly string[] = Object.keys(strategies);
