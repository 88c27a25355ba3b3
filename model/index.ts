/**
 * The model's public surface: engine/, scripts/ and properties/ import from here and nowhere
 * else in model/ (docs/design.md §2).
 */
export { run, runWorld, DRAIN_BOUND, DRAIN_QUANTUM, type RunOptions, type RunReport, type TraceStep, type Verdict } from './run.ts';
export { KERNELS, KERNEL_NAMES, kernelNamed, legacyKernel, compareKernels, inRange, kernelsIn, rangeText } from './kernel.ts';
export { resolve, candidateThreads, threadKind, BUILTIN, type Catalogue, type Resolved } from './scenario.ts';
export { step, actionOf, blocker, waitOf, timerPending, enabledThreads, isEnabled, nextAction, describe, type Action, type Blocker, type StepResult, type Stepped, type Updates } from './step.ts';
export { fatalSignalPending, holdsMmUsers, threadById } from './state.ts';
export { idleSpinner } from './interpreter.ts';
export { GOALS, STEP_GOALS, BLOCKED_GOALS, GOAL_NAMES, DRIVER_GOAL_NAMES, type Goal } from './goals.ts';
export { MAX_OOM_REAP_RETRIES, reaperNotifies } from './reaper.ts';
export * from './invariants/index.ts';
export { strategies, STRATEGY_NAMES } from './strategies/index.ts';
export { presets, DRIVER_NAMES, GENERIC_KNOB_NAMES, driverFor } from './drivers/index.ts';
export { C, I, canFail, EAGAIN, intervalFault, program, type Cond, type Instr, type Program } from './program.ts';
export type { Fact, Diagnostic } from './facts.ts';
export { factMask } from './facts.ts';
export { mayFire, stepNeeds, type StepNeeds } from './hints.ts';
export * from './types.ts';
// The kernel's choice at each strategy decision point, for strategies defined outside model/strategies/ (a test, a user's experiment).
export { MAINLINE_2018, classicOps, intervalCoreOps, headAdd, sortedAdd } from './strategies/hooks.ts';
export { stepReads, actionReads, quietStep, observedReads } from './footprint.ts';
