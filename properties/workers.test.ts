/**
 * `--workers N` (scripts/jobs.ts): the tasks of a job (compare: a family each, for a group of
 * strategies that share proofs; an exhaustive check with open threads: a thread set each) run in N worker threads and come out combined, in
 * unit order, exactly as they do in one thread.
 */
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { planOf, runJob, type Job } from '../scripts/jobs.ts';
import { INVARIANT_NAMES } from '../model/index.ts';
import { seed } from './seed.ts';

const fam = (id: string) => ({ id, template: familyById(id)?.template as NonNullable<ReturnType<typeof familyById>>['template'] });

/** Results without the timings (ms), which differ from run to run. */
const timeless = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'ms' ? undefined : v)));

const jobs: Record<string, Job> = {
  compare: { kind: 'compare', strategies: ['skip-all-end', 'call-all-end-2021'], invariants: INVARIANT_NAMES, families: [fam('reaper-rfc-check'), fam('reaper-skip-era')], seed, runs: 20, proof: { maxThreads: 2, maxStates: 100_000 } },
  'check --exhaustive': {
    kind: 'check',
    templates: [{ ...fam('reaper-skip-era').template, strategy: 'skip-all-end' }, { ...fam('reaper-skip-era').template, strategy: 'sorted-undo' }],
    invariants: INVARIANT_NAMES,
    seed,
    runs: 0,
    exhaustive: true,
    maxThreads: 2,
  },
};

describe('N workers give what one thread gives', () => {
  for (const [name, job] of Object.entries(jobs)) {
    it(`${name}: 2 workers and the inline run agree, unit by unit, in order`, async () => {
      const { tasks, units } = planOf(job);
      expect(tasks.length).toBeGreaterThan(1); // two workers both have work
      const one = await runJob(job, { inline: true });
      const order: number[] = [];
      const two = await runJob(job, { workers: 2, onUnit: (_r, k) => order.push(k) });
      expect(two.workers).toBe(2);
      expect(two.interrupted).toBe(false);
      expect(two.completed).toEqual(units.map((_, k) => k));
      expect(order).toEqual(two.completed);
      expect(timeless(two.results)).toEqual(timeless(one.results));
    }, 120_000);
  }
});

describe('a stop keeps every unit whose tasks are in, in one thread as in workers', () => {
  // skip-all-end and call-all-end-2021 share their tasks (engine/share.ts), sorted-undo's come
  // after: stopped once unit 0 is reported, unit 2 is complete and unit 1 is not.
  const job: Job = { kind: 'compare', strategies: ['skip-all-end', 'sorted-undo', 'call-all-end-2021'], invariants: INVARIANT_NAMES, families: [fam('reaper-rfc-check')], seed, runs: 10, proof: { maxThreads: 2, maxStates: 20_000 } };
  for (const inline of [true, false]) {
    it(inline ? 'inline' : 'in a worker thread', async () => {
      const stop = new AbortController();
      const r = await runJob(job, { ...(inline ? { inline } : { workers: 1 }), signal: stop.signal, onUnit: (_u, k) => k === 0 && stop.abort() });
      expect(r.interrupted).toBe(true);
      expect(r.completed).toEqual([0, 2]);
    }, 60_000);
  }
});
