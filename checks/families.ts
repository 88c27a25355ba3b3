/**
 * Scenario families shared by the expected-verdict matrix (properties/) and `npm run compare`.
 * Each is a template: the thread set is generated unless fixed.
 */
import type { ScenarioTemplate } from '../engine/arbitraries.ts';

export interface Family {
  readonly id: string;
  readonly title: string;
  readonly why: string;
  readonly template: Omit<ScenarioTemplate, 'strategy'>;
}

const base = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }] } as const;

export const families: readonly Family[] = [
  {
    id: 'ab-pair',
    title: 'A/B pair: kvm + odp-4.20',
    why: 'Seed3: A (KVM) counts in start, B (ODP) fails its non-blocking start (docs/kernel.md §5.0)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }] },
  },
  {
    id: 'failing-no-end',
    title: 'failing notifier without an end: kvm + gntdev',
    why: 'the 2021 precondition P1 holds: the failing notifier (gntdev: -EAGAIN on an intersecting grant map) has no end (docs/kernel.md §5.1c, §6.7)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'gntdev', address: 512 }] },
  },
  {
    id: 'failing-self-undo',
    title: 'failing notifier that undoes its own start: kvm + hmm-5.3',
    why: 'HMM since v5.3 decrements its own counter on -EAGAIN and has an end: call-all-end undoes twice (docs/kernel.md §5.1 unsafe case 1, §6.3)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'hmm-5.3', address: 512 }] },
  },
  {
    id: 'failing-expects-end',
    title: 'failing notifier that expects its end: kvm + hmm-5.2',
    why: 'HMM v5.2 fails before counting (hmm->lock) or after (mirrors_sem) and its end always uncounts: with no end the count stays raised, with one it drops another invalidation\'s (docs/kernel.md §5.1 unsafe case 4, §6.3)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'hmm-5.2', address: 512 }] },
  },
  {
    id: 'lock-across-window',
    title: 'a driver holding its lock from start to end: kvm + amdgpu-4.19',
    why: 'amdgpu ≈4.14–5.0 read-holds amn->lock across the window while command submission write-holds it and allocates (docs/kernel.md §6.4, §3.1)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'amdgpu-4.19', address: 512 }] },
  },
  {
    id: 'interval-and-hlist',
    title: 'interval notifier beside a failing hlist notifier: odp-5.5 + nouveau-5.5',
    why: 'interval notifiers run first; a later hlist failure returns -EAGAIN after the itree part succeeded (docs/kernel.md §2.2)',
    template: { ...base, vmas: [{ start: 0, end: 2 }, { start: 2, end: 4 }], notifiers: [{ name: 'A', driver: 'odp-5.5', address: 256, interval: { start: 0, end: 4 } }, { name: 'B', driver: 'nouveau-5.5', address: 512 }] },
  },
  {
    id: 'registration-unlocked',
    title: 'registration without mm_take_all_locks: kvm + i915-4.19 + kvm C',
    why: 'sorted-undo relies on no insertion during the window (docs/kernel.md §5.2 precondition 1; §1.4)',
    template: {
      ...base,
      notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }, { name: 'C', driver: 'kvm', address: 128 }],
      knobs: { registrationTakesAllLocks: false },
    },
  },
  {
    id: 'nonblock-sleeps',
    title: 'a start that sleeps in non-blocking mode: kvm + generic(sleeps)',
    why: 'a driver that takes a sleeping lock even when !blockable (docs/kernel.md §2.3 non_block_start/end, §3.1)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'generic', address: 512, nonblockStart: 'sleeps', allocatesUnderLock: true }] },
  },
  {
    id: 'reaper-skip-era',
    title: 'v4.14 reaper (skip mms with notifiers): kvm + i915-4.19',
    why: 'the reaper skips and declares success without unmapping (docs/kernel.md §3.3)',
    template: { ...base, reaper: 'skip-if-notifiers', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }] },
  },
  {
    id: 'reaper-rfc-check',
    title: 'v4.14 reaper, the 2017 RFC placement of mm_has_notifiers: kvm',
    why: 'the check read before mmap_read_trylock is stale once a registration lands before the lock (docs/kernel.md §3.3; Seed2)',
    // The threads of Andrea's objection, fixed: a registration and a device fault race the reaper.
    template: { ...base, reaper: 'skip-if-notifiers', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }], threads: ['oom_reaper', 'register:A', 'fault:A'], knobs: { reaperChecksNotifiersBeforeLock: true } },
  },
  {
    id: 'reaper-no-notify',
    title: '≤ v4.13 reaper (no notifiers): kvm + i915-4.19',
    why: 'the reaper unmaps without telling secondary MMUs (docs/kernel.md §3.3)',
    template: { ...base, reaper: 'no-notify', notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }] },
  },
];

export const familyById = (id: string): Family | undefined => families.find((f) => f.id === id);
