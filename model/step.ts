/**
 * One atomic step of one thread: `step(world, state, threadId)`, pure and total (docs/design.md §3.2).
 *
 * Each thread kind's module reads what its thread does next off its program counter
 * (`nextAction`); each action's guard (why it cannot run now) and update live beside it in that
 * module. This file only dispatches: one exhaustive ts-pattern match over the actions.
 */
import { match } from 'ts-pattern';
import { describeStart, invalidateRangeEnd, invalidateRangeStart, type CoreAction } from './core/invalidate.ts';
import { describeRegistration, register, registerAction, registrationBlocker, unregister, unregisterAction, type RegistrationAction } from './core/registration.ts';
import { describeExitMmap, exitMmap, exitMmapAction, exitMmapBlocker, type ExitMmapAction } from './exit-mmap.ts';
import { noEffects, type Effects } from './facts.ts';
import { describeInstr, driverInstr, driverInstrAction, driverInstrBlocker, type DriverInstrAction } from './interpreter.ts';
import type { LockMode } from './program.ts';
import { mmapWriteLock, mmapWriteLockBlocker, mmapWriteUnlock, munmapAction, munmapUnmapPageRange, type MunmapAction } from './munmap.ts';
import { mmapReadTrylock, mmapReadUnlock, oomReaperSkip, oomUnmapPageRange, reaperAction, type ReaperAction } from './reaper.ts';
import { threadById } from './state.ts';
import type { ModelState, ThreadState, World } from './types.ts';

export type Action = DriverInstrAction | CoreAction | ReaperAction | MunmapAction | ExitMmapAction | RegistrationAction;

/** What a blocked thread waits for (edges of the waits-for graph, INV-10). */
export type Blocker =
  | { readonly on: 'lock'; readonly lock: string; readonly mode: LockMode }
  | { readonly on: 'memory' } // reclaim under OOM: waits for the victim to be reaped or skipped
  | { readonly on: 'invalidation'; readonly sub: string } // mmu_interval_read_begin: waits for seq to move
  | { readonly on: 'counter'; readonly sub: string; readonly counter: string } // wait_event(wq, counter == 0): waits for the ends
  | { readonly on: 'srcu'; readonly readers: readonly string[] } // synchronize_srcu: waits for these walks to finish
  | { readonly on: 'registration'; readonly sub: string }; // a device faults only once its notifier is registered

export interface Stepped extends Effects {
  readonly tag: 'stepped';
  readonly state: ModelState;
  readonly thread: string;
  readonly label: string;
}

/** `stepped` with the new state; `blocked` with what the thread waits for; `finished` when it has nothing left to do. */
export type StepResult = Stepped | { readonly tag: 'blocked'; readonly thread: string; readonly blocker: Blocker } | { readonly tag: 'finished'; readonly thread: string };

/** The thread's next action; null once it is done. */
export const nextAction = (world: World, s: ModelState, t: ThreadState): Action | null => {
  if (t.done) return null;
  switch (t.kind) {
    case 'oom_reaper':
      return reaperAction(world, s, t);
    case 'munmap':
      return munmapAction(world, s, t);
    case 'exit_mmap':
      return exitMmapAction(world, s, t);
    case 'fault':
    case 'ioctl': // a device fault or an ioctl is one driver program; no invalidation caller
      return t.call ? driverInstrAction(world, t, t.call, null) : null;
    case 'register':
      return registerAction(world, s, t);
    case 'unregister':
      return unregisterAction(t);
  }
};

/** The guard of an action: why it cannot run now, or null. */
const guard = (world: World, s: ModelState, a: Action): Blocker | null => {
  switch (a.type) {
    case 'driver_instr':
      return driverInstrBlocker(world, s, a);
    case 'mmap_write_lock':
      return mmapWriteLockBlocker(s);
    case 'exit_mmap':
      return exitMmapBlocker(s, a);
    case 'mmu_notifier_register':
    case 'mmu_notifier_unregister':
      return registrationBlocker(s, a);
    case 'invalidate_range_start':
    case 'invalidate_range_end':
    case 'mmap_read_trylock':
    case 'oom_reaper_skip':
    case 'oom_unmap_page_range':
    case 'mmap_read_unlock':
    case 'munmap_unmap_page_range':
    case 'mmap_write_unlock':
      return null;
  }
};

/** Why a thread cannot step now, or null when it can (or is done). */
export const blocker = (world: World, s: ModelState, t: ThreadState): Blocker | null => {
  const a = nextAction(world, s, t);
  return a === null ? null : guard(world, s, a);
};

export const isEnabled = (world: World, s: ModelState, t: ThreadState): boolean => !t.done && blocker(world, s, t) === null;

export const enabledThreads = (world: World, s: ModelState): string[] => s.threads.filter((t) => isEnabled(world, s, t)).map((t) => t.id);

/** Step one thread. `record`: build the printable events (the facts the invariants judge are always built). */
export const step = (world: World, s: ModelState, threadId: string, record = true): StepResult => {
  const t = threadById(s, threadId);
  const a = t ? nextAction(world, s, t) : null;
  if (a === null) return { tag: 'finished', thread: threadId };
  const b = guard(world, s, a);
  if (b !== null) return { tag: 'blocked', thread: threadId, blocker: b };
  const fx = noEffects(record);
  const next = match(a)
    .with({ type: 'driver_instr' }, (a) => driverInstr(world, s, a, fx))
    .with({ type: 'invalidate_range_start' }, (a) => invalidateRangeStart(world, s, a.t, a, a.k, fx))
    .with({ type: 'invalidate_range_end' }, (a) => invalidateRangeEnd(world, s, a.t, a.k, fx))
    .with({ type: 'mmap_read_trylock' }, (a) => mmapReadTrylock(world, s, a.t, fx))
    .with({ type: 'oom_reaper_skip' }, (a) => oomReaperSkip(s, a.t, fx))
    .with({ type: 'oom_unmap_page_range' }, (a) => oomUnmapPageRange(world, s, a.t, a.vma, fx))
    .with({ type: 'mmap_read_unlock' }, (a) => mmapReadUnlock(s, a.t, fx))
    .with({ type: 'mmap_write_lock' }, (a) => mmapWriteLock(s, a.t, fx))
    .with({ type: 'munmap_unmap_page_range' }, (a) => munmapUnmapPageRange(s, a.t, a.vma, fx))
    .with({ type: 'mmap_write_unlock' }, (a) => mmapWriteUnlock(s, a.t, fx))
    .with({ type: 'exit_mmap' }, (a) => exitMmap(world, s, a, fx))
    .with({ type: 'mmu_notifier_register' }, (a) => register(world, s, a.t, a.phase, fx))
    .with({ type: 'mmu_notifier_unregister' }, (a) => unregister(world, s, a.t, a.phase, fx))
    .exhaustive();
  // The label is formatted only when asked for: searching runs never print it.
  return {
    tag: 'stepped',
    state: next,
    thread: threadId,
    get label() {
      return describe(world, a);
    },
    ...fx,
  };
};

/** The action as a trace line: kernel function names. */
export const describe = (world: World, a: Action): string =>
  match(a)
    .with({ type: 'driver_instr' }, (a) => `${a.call.sub}.${a.call.op}: ${describeInstr(a.call, a.instr)}`)
    .with({ type: 'invalidate_range_start' }, (a) => describeStart(a))
    .with({ type: 'invalidate_range_end' }, () => 'invalidate_range_end')
    .with({ type: 'mmap_read_trylock' }, () => 'mmap_read_trylock')
    .with({ type: 'oom_reaper_skip' }, () => 'oom_reaper: skip mm with notifiers')
    .with({ type: 'oom_unmap_page_range' }, { type: 'munmap_unmap_page_range' }, (a) => `unmap_page_range vma ${a.vma}`)
    .with({ type: 'mmap_read_unlock' }, () => 'mmap_read_unlock')
    .with({ type: 'mmap_write_lock' }, () => 'mmap_write_lock')
    .with({ type: 'mmap_write_unlock' }, () => 'mmap_write_unlock')
    .with({ type: 'exit_mmap' }, (a) => describeExitMmap(a))
    .with({ type: 'mmu_notifier_register' }, { type: 'mmu_notifier_unregister' }, (a) => describeRegistration(world, a))
    .exhaustive();
