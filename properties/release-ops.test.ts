/**
 * A classic notifier whose kernel ops have no ->release gets none (issue #22 item 4, docs/kernel.md
 * §1.3, §1.4, §10.1 item 13): on a named release, mn_hlist_release and mmu_notifier_unregister
 * call `ops->release` only where it exists (`if (subscription->ops->release)`), and what follows in
 * the kernel follows in the model — the device keeps its mappings, the pages it pins stay pinned,
 * and NoStaleSecondaryMapping / NoUseAfterFree judge that. The model without a kernel keeps every
 * classic notifier's release tearing the mirror down (model/strategies/hooks.ts releaseOf), so
 * its saved cases and the matrix keep their traces.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../engine/exhaustive.ts';
import { catalogueWith, fromDriverDef, parseDriverFile, toDriverDef } from '../engine/driver-format.ts';
import { BUILTIN, KERNELS, presets, type ModelState, type Program, type Scenario, type ThreadState, type World } from '../model/index.ts';
import { notifier, scenario, stepUntil, world } from './support.ts';

/** A scenario on a named release (its reaper and mainline rule), or without a kernel. */
const on = (kernel: string | null, o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => {
  if (kernel === null) return scenario(o);
  const k = KERNELS.find((x) => x.name === kernel);
  if (!k) throw new Error(kernel);
  return { ...scenario({ strategy: k.mainline ?? 'skip-all-end', ...o }), kernel, reaper: k.reaper };
};

const zaps = (p: Program | null): boolean => p !== null && p.code.some((i) => i.op === 'zapAll');
const done = (_s: ModelState, t: ThreadState) => t.done;

/** Run the threads one after another, each to its end, collecting the step labels. */
const inTurn = (w: World, s: ModelState, ids: readonly string[]): { final: ModelState; labels: string[] } => {
  const labels: string[] = [];
  let cur = s;
  for (const id of ids) cur = stepUntil(w, cur, id, done, 300, labels);
  return { final: cur, labels };
};

/** The exhaustive verdict of one invariant. */
const verdict = (sc: Scenario, inv: string): string => {
  const r = explore(sc, [inv]).results[0];
  return r.verdict;
};

const kvmAnd = (driver: string) => [notifier('A', 'kvm', 256), notifier('B', driver, 512)];

describe('which ->release each classic notifier runs', () => {
  it('on a named release: none for ops without .release (i915-4.19, nouveau-5.5, gru); the kernel program otherwise', () => {
    const ops = (kernel: string, driver: string) => world(on(kernel, { notifiers: kvmAnd(driver), threads: ['exit_mmap'] })).world.ops;
    expect(ops('v5.10', 'i915-4.19').B.release).toBeNull();
    expect(ops('v5.10', 'nouveau-5.5').B.release).toBeNull();
    expect(ops('v5.10', 'gru').B.release).toBeNull();
    // kvm_mmu_notifier_release and gntdev's mn_release zap; hmm_release and amdgpu_mn_release do not.
    expect(zaps(ops('v5.10', 'i915-4.19').A.release)).toBe(true);
    expect(zaps(ops('v4.19', 'gntdev').B.release)).toBe(true);
    expect(zaps(ops('v4.19', 'odp-4.19').B.release)).toBe(true);
    expect(ops('v5.3', 'hmm-5.3').B.release).not.toBeNull();
    expect(zaps(ops('v5.3', 'hmm-5.3').B.release)).toBe(false);
    expect(zaps(ops('v4.19', 'amdgpu-4.19').B.release)).toBe(false);
  });

  it('without a kernel every classic notifier keeps a release that zaps (the model as it was)', () => {
    for (const driver of ['i915-4.19', 'nouveau-5.5', 'gru', 'hmm-5.3', 'amdgpu-4.19', 'odp-4.20', 'gntdev']) {
      const { ops } = world(on(null, { notifiers: kvmAnd(driver), threads: ['exit_mmap'] })).world;
      expect(zaps(ops.B.release), driver).toBe(true);
    }
  });

  it('a driver file says "no release" with release: null, and a file without one still gets the default', () => {
    const shown = fromDriverDef(presets['i915-4.19']);
    expect(shown.hlist?.release).toBeNull();
    expect(fromDriverDef(presets.kvm).hlist?.release).toBeDefined();
    const parsed = parseDriverFile({ ...shown, driver: 'i915-copy' });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(toDriverDef(parsed.value).hlist?.release).toBeNull();
    const unstated = parseDriverFile({ ...shown, driver: 'i915-unstated', hlist: { ...shown.hlist, release: undefined } });
    if (!unstated.ok) throw new Error(unstated.problems.join('; '));
    expect(toDriverDef(unstated.value).hlist).not.toHaveProperty('release');
    const catalogue = { ...catalogueWith([parsed.value, unstated.value]), strategies: BUILTIN.strategies };
    const sc = (driver: string) => on('v5.10', { notifiers: kvmAnd(driver), threads: ['exit_mmap'] });
    expect(world(sc('i915-copy'), catalogue).world.ops.B.release).toBeNull();
    expect(zaps(world(sc('i915-unstated'), catalogue).world.ops.B.release)).toBe(true);
  });
});

describe('at exit (mn_hlist_release)', () => {
  it('v5.10, kvm + i915-4.19: B gets no ->release, keeps its mapping after unmap_vmas, and its pinned frame is not freed', () => {
    const { world: w, state } = world(on('v5.10', { notifiers: kvmAnd('i915-4.19'), threads: ['fault:B', 'exit_mmap'] }));
    const { final, labels } = inTurn(w, state, ['fault:B', 'exit_mmap']);
    expect(labels.some((l) => l.startsWith('A.release'))).toBe(true);
    expect(labels.some((l) => l.startsWith('B.release'))).toBe(false);
    const b = final.subs.find((x) => x.name === 'B');
    expect(b?.registered).toBe(false);
    expect(b?.released).toBe(false);
    const mapped = Object.entries(final.drivers.B.sptes).map(([p, f]) => [Number(p), f]);
    expect(mapped.length).toBeGreaterThan(0);
    expect(final.drivers.A.sptes).toEqual({});
    expect(final.mm.pte.every((f) => f === null)).toBe(true);
    // i915 holds page references (pinsPages): the frames it still maps stay allocated.
    for (const [, frame] of mapped) expect(final.mm.freedFrames).not.toContain(frame);
  });

  it('without a kernel the same run zaps B at exit (the default release)', () => {
    const { world: w, state } = world(on(null, { notifiers: kvmAnd('i915-4.19'), threads: ['fault:B', 'exit_mmap'] }));
    const { final, labels } = inTurn(w, state, ['fault:B', 'exit_mmap']);
    expect(labels.some((l) => l.startsWith('B.release'))).toBe(true);
    expect(final.drivers.B.sptes).toEqual({});
  });

  it('NoStaleSecondaryMapping is violated at exit on a named release for i915-4.19 and holds without a kernel', () => {
    const threads = ['fault:B', 'exit_mmap'];
    expect(verdict(on('v5.10', { notifiers: kvmAnd('i915-4.19'), threads }), 'NoStaleSecondaryMapping')).toBe('violated');
    expect(verdict(on(null, { notifiers: kvmAnd('i915-4.19'), threads }), 'NoStaleSecondaryMapping')).toBe('holds');
  });

  it('nouveau-5.5 (no pins): the GPU still maps frames exit_mmap frees — NoUseAfterFree on v5.10, not without a kernel', () => {
    const threads = ['fault:B', 'exit_mmap'];
    expect(verdict(on('v5.10', { notifiers: kvmAnd('nouveau-5.5'), threads }), 'NoUseAfterFree')).toBe('violated');
    expect(verdict(on(null, { notifiers: kvmAnd('nouveau-5.5'), threads }), 'NoUseAfterFree')).toBe('holds');
  });

  it('a driver whose ->release zaps keeps nothing: kvm alone on v5.10 has no stale mapping at exit', () => {
    expect(verdict(on('v5.10', { notifiers: [notifier('A', 'kvm', 256)], threads: ['fault:A', 'exit_mmap'] }), 'NoStaleSecondaryMapping')).toBe('holds');
  });
});

describe('at mmu_notifier_unregister', () => {
  it('v5.10, i915-4.19: no srcu_read_lock/->release step, straight to hlist_del_init_rcu; B keeps its mappings', () => {
    const { world: w, state } = world(on('v5.10', { notifiers: kvmAnd('i915-4.19'), threads: ['fault:B', 'unregister:B'] }));
    const { final, labels } = inTurn(w, state, ['fault:B', 'unregister:B']);
    const unregister = labels.slice(labels.findIndex((l) => l.startsWith('hlist_del_init_rcu')));
    expect(unregister).toEqual(['hlist_del_init_rcu(B)', 'synchronize_srcu; mmdrop']);
    expect(labels.some((l) => l.includes('->release'))).toBe(false);
    expect(Object.keys(final.drivers.B.sptes).length).toBeGreaterThan(0);
    expect(final.subs.find((x) => x.name === 'B')?.released).toBe(false);
  });

  it('without a kernel the unregister calls the default ->release, which zaps', () => {
    const { world: w, state } = world(on(null, { notifiers: kvmAnd('i915-4.19'), threads: ['fault:B', 'unregister:B'] }));
    const { final, labels } = inTurn(w, state, ['fault:B', 'unregister:B']);
    expect(labels).toContain('mmu_notifier_unregister(B): srcu_read_lock; ->release');
    expect(final.drivers.B.sptes).toEqual({});
  });

  it('kvm, which has kvm_mmu_notifier_release, still gets it on a named release', () => {
    const { world: w, state } = world(on('v5.10', { notifiers: kvmAnd('i915-4.19'), threads: ['unregister:A'] }));
    const { final, labels } = inTurn(w, state, ['unregister:A']);
    expect(labels[0]).toBe('mmu_notifier_unregister(A): srcu_read_lock; ->release');
    expect(final.drivers.A.sptes).toEqual({});
  });

  it('what follows: a munmap after the unregister leaves B mapping an unmapped page — violated on v5.10, holds without a kernel', () => {
    const threads = ['unregister:B', 'munmap'];
    expect(verdict(on('v5.10', { notifiers: kvmAnd('i915-4.19'), threads }), 'NoStaleSecondaryMapping')).toBe('violated');
    expect(verdict(on(null, { notifiers: kvmAnd('i915-4.19'), threads }), 'NoStaleSecondaryMapping')).toBe('holds');
  });
});
