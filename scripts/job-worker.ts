/**
 * A worker thread of scripts/jobs.ts: runs the tasks the main thread hands it, by index, one at
 * a time, and posts each one's result as soon as it is done. It writes nothing itself; the main
 * thread terminates it when the job is over.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { planOf, type Job, type JobProgress } from './jobs.ts';

const { job, progress } = workerData as { job: Job; progress: boolean };
const port = parentPort;
if (port) {
  const { tasks } = planOf(job);
  const onProgress = progress ? (p: JobProgress) => port.postMessage({ type: 'progress', progress: p }) : undefined;
  port.on('message', (m: { type: 'run'; index: number }) => {
    port.postMessage({ type: 'task', index: m.index, result: tasks[m.index].run(onProgress) });
  });
}
