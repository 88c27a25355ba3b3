/**
 * The scenarios `npm run bench` measures (docs/design.md §8), as data beside the families.
 */
import type { Scenario } from '../model/index.ts';
import { families } from './families.ts';

/** The seed's A/B pair under skip-all-end: the random engine's shrunk length against the exhaustive shortest. */
export const shrinkVsExhaustive: readonly Scenario[] = [['oom_reaper'], ['oom_reaper', 'ioctl:B']].map((threads) => ({ ...families[0].template, strategy: 'skip-all-end', threads }));

/** n notifiers (kvm…, then i915-4.19) under mainline, the reaper plus faults of the first nt − 1: exhaustive growth. */
export const growth = (n: number, nt: number): Scenario => {
  const notifiers = Array.from({ length: n }, (_, i) => ({ name: String.fromCharCode(65 + i), driver: i === n - 1 ? 'i915-4.19' : 'kvm', address: 256 * (i + 1) }));
  const threads = ['oom_reaper', ...notifiers.slice(0, nt - 1).map((x) => `fault:${x.name}`)];
  return { strategy: 'call-all-end-2021', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers, threads };
};

/** Issue #10's four thread sets on kvm A + i915-4.19 B under call-all-end-2021: time to a complete verdict on every invariant. */
export const proofSets: readonly Scenario[] = [['oom_reaper', 'fault:A'], ['oom_reaper', 'munmap', 'fault:B'], ['oom_reaper', 'munmap', 'fault:A'], ['oom_reaper', 'munmap', 'fault:A', 'fault:B']].map((threads) => ({
  strategy: 'call-all-end-2021',
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }],
  threads,
}));
