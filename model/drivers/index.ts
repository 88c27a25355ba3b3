/**
 * Driver presets by name (docs/design.md §3.4). Each preset cites its docs/kernel.md §6 section.
 */
import type { DriverDef, GenericKnobs, NotifierSpec } from '../types.ts';
import { amdgpu419, amdgpu55 } from './amdgpu.ts';
import { DEFAULT_GENERIC_KNOBS, genericDriver } from './generic.ts';
import { gntdev } from './gntdev.ts';
import { gru } from './gru.ts';
import { hmm52, hmm53 } from './hmm.ts';
import { i915_419, i915_513 } from './i915.ts';
import { kvm } from './kvm.ts';
import { nouveau55 } from './nouveau.ts';
import { odp419, odp420, odp55 } from './odp.ts';
import { xe } from './xe.ts';

export const presets: Readonly<Record<string, DriverDef>> = {
  kvm,
  'odp-4.19': odp419,
  'odp-4.20': odp420,
  'odp-5.5': odp55,
  'hmm-5.2': hmm52,
  'hmm-5.3': hmm53,
  'amdgpu-4.19': amdgpu419,
  'amdgpu-5.5': amdgpu55,
  'i915-4.19': i915_419,
  'i915-5.13': i915_513,
  'nouveau-5.5': nouveau55,
  gru,
  gntdev,
  xe,
};

export const DRIVER_NAMES: readonly string[] = [...Object.keys(presets), 'generic'];

export const GENERIC_KNOB_NAMES = Object.keys(DEFAULT_GENERIC_KNOBS) as (keyof GenericKnobs)[];

/** The definition a notifier runs: its preset, or the generic driver built from its knobs. */
export const driverFor = (spec: NotifierSpec, table: Readonly<Record<string, DriverDef>> = presets): DriverDef | undefined => {
  if (spec.driver !== 'generic') return Object.hasOwn(table, spec.driver) ? table[spec.driver] : undefined;
  const knobs = { ...DEFAULT_GENERIC_KNOBS };
  for (const k of GENERIC_KNOB_NAMES) if (spec[k] !== undefined) (knobs as Record<string, unknown>)[k] = spec[k];
  return genericDriver(knobs);
};
