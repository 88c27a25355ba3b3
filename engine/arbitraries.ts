/**
 * What the random engine generates (docs/design.md §4): a thread set (when the template leaves it
 * open) and a schedule, as data. A choice whose thread cannot step is skipped, so deleting
 * choices keeps the others' meaning and fast-check's shrinking stays effective.
 */
import fc from 'fast-check';
import { candidateThreads, holdsMmUsers, resolve, threadKind, type Catalogue, type Scenario } from '../model/index.ts';

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
 * mirror, so the mirror is not unregistered under it; and a registration, an ioctl, munmap and
 * madvise run in tasks of this mm holding mm_users (holdsMmUsers; registration's BUG_ON in
 * __mmu_notifier_register), so the mm does not reach exit_mmap while they run. A device fault may
 * still be on its way beside exit_mmap, which waits for it (model/exit-mmap.ts mmUsersBlocker).
 */
const sensibleWith = (x: string, ts: readonly string[]): boolean => {
  const tk = threadKind(x);
  if (tk === null) return true;
  if (tk.kind !== 'fault' && holdsMmUsers(tk.kind) && ts.includes('exit_mmap')) return false;
  return tk.kind === 'register' || tk.kind === 'ioctl' ? !ts.includes(`unregister:${tk.target}`) : true;
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
