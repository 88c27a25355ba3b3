/**
 * The worker thread of scripts/jobs.ts: runs a job's units in order and posts each one's results
 * as soon as it is done, then `done`, and waits to be terminated. It writes nothing itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { unitsOf, type Job, type JobProgress } from './jobs.ts';

const { job, progress } = workerData as { job: Job; progress: boolean };
const port = parentPort;
if (port) {
  const onProgress = progress ? (p: JobProgress) => port.postMessage({ type: 'progress', progress: p }) : undefined;
  for (const [index, unit] of unitsOf(job).entries()) port.postMessage({ type: 'unit', index, result: unit.run(onProgress) });
  port.postMessage({ type: 'done' });
  // Stay until the main thread has read `done` and terminates this worker: exiting first could race the message.
  port.on('message', () => undefined);
}
