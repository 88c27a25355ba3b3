/**
 * Scenario families shared by the expected-verdict matrix (properties/) and `npm run compare`.
 * Each is a template: the thread set is generated unless fixed.
 */
import type { ScenarioTemplate } from './random.ts';

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
    why: 'Seed3: A (KVM) counts in start, B (ODP) fails its non-blocking start (DOMAIN.md §5.0)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }] },
  },
  {
    id: 'failing-no-end',
    title: 'failing notifier without an end: kvm + i915-4.19',
    why: 'the 2021 precondition P1 holds: the failing notifier (i915) has no end (DOMAIN.md §5.1c)',
    template: { ...base, notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'i915-4.19', address: 512 }] },
  },
];

export const familyById = (id: string): Family | undefined => families.find((f) => f.id === id);
