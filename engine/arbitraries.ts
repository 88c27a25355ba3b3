/**
 * What the random engine generates (docs/design.md §4): a thread set (when the template leaves it
 * open) and a schedule, as data. A choice whose thread cannot step is skipped, so deleting
 * choices keeps the others' meaning and fast-check's shrinking stays effective.
 */
import fc from 'fast-check';
import { candidateThreads, resolve, threadKind, type Catalogue, type Scenario } from '../model/index.ts';

/** A scenario whose threads may be left open: then the engine generates the thread set too. */
export type ScenarioTemplate = Omit<Scenario, 'threads'> & { readonly threads?: readonly string[] };

export interface Candidate {
  readonly threads: readonly string[];
  readonly schedule: readonly string[];
}

/** Every thread the template's notifiers make sensible. */
export const threadsFor = (t: ScenarioTemplate, catalogue?: Catalogue): string[] => {
  const r = resolve({ ...t, threads: [] }, catalogue);
  if (!r.ok) return [];
  return candidateThreads(r.world, t.notifiers.map((n) => n.name));
};

/**
 * Thread combinations a real system cannot produce: a notifier is registered or unregistered,
 * not both; a driver ioctl (MR registration, command submission) holds a reference on its
 * mirror, so the mirror is not unregistered under it; and ioctls, munmap and madvise run in tasks of
 * this mm, so the mm does not reach exit_mmap while they run.
 */
const sensibleWith = (x: string, ts: readonly string[]): boolean => {
  const [kind, n] = x.split(':');
  // Registration needs mm_users > 0 (BUG_ON in __mmu_notifier_register): not once exit_mmap runs.
  if (kind === 'register') return !ts.includes(`unregister:${n}`) && !ts.includes('exit_mmap');
  // An ioctl's task, like munmap's, holds mm_users: the mm cannot reach exit_mmap meanwhile.
  if (kind === 'ioctl') return !ts.includes(`unregister:${n}`) && !ts.includes('exit_mmap');
  if (kind === 'munmap' || kind === 'madvise') return !ts.includes('exit_mmap');
  return true;
};

export const sensible = (ts: readonly string[]): boolean => ts.every((x) => sensibleWith(x, ts));

/** A thread set the engines explore: sensible, with at least one invalidator (the protocol is about invalidations). */
export const allowedThreadSet = (ts: readonly string[]): boolean =>
  ts.some((x) => threadKind(x)?.target === null) && sensible(ts); // the mm-wide threads are the invalidators (model/scenario.ts threadKind)

export const candidateArb = (t: ScenarioTemplate, maxSchedule = 40, catalogue?: Catalogue): fc.Arbitrary<Candidate> => {
  const all = t.threads ?? threadsFor(t, catalogue);
  const threads = t.threads
    ? fc.constant(t.threads)
    : fc
        .subarray([...all], { minLength: 1 })
        .filter(allowedThreadSet);
  return fc.record({ threads, schedule: fc.array(fc.constantFrom(...all), { maxLength: maxSchedule }) });
};
