/**
 * Planted bugs: deliberate, realistic mistakes in the strategies, the drivers, the core and the
 * reaper. Each is applied as a text edit to a copy of model/ (and of engine/, which imports it),
 * and the checker must catch it with the named invariant and a shrunk trace, on a scenario where
 * the unmodified model holds that invariant. The copies live under node_modules/.cache (git
 * ignores it; the copy resolves fast-check and ts-pattern from the project's node_modules).
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { search } from '../engine/random.ts';
import type { SearchResult } from '../engine/result.ts';
import { seed } from './seed.ts';

interface Planted {
  readonly name: string;
  readonly file: string; // under model/
  readonly from: string; // must occur exactly once
  readonly to: string;
  readonly template: ScenarioTemplate;
  readonly invariant: string;
  /** Random runs (default 1000). */
  readonly runs?: number;
}

const base = { reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }] } as const;
const kvm = { name: 'A', driver: 'kvm', address: 256 };

const PLANTED: readonly Planted[] = [
  {
    name: 'strategy: the sorted undo stops one notifier early',
    file: 'strategies/sorted-undo.ts',
    from: 'sub.address >= failedAt.address',
    to: 'sub.address + 128 >= failedAt.address',
    template: { ...base, strategy: 'sorted-undo', notifiers: [kvm, { name: 'C', driver: 'kvm', address: 384 }, { name: 'F', driver: 'gntdev', address: 512 }], threads: ['oom_reaper'] },
    invariant: 'StartEndPaired',
  },
  {
    name: 'strategy: the sorted undo ends the failing notifier too (> for >=)',
    file: 'strategies/sorted-undo.ts',
    from: 'sub.address >= failedAt.address',
    to: 'sub.address > failedAt.address',
    template: { ...base, strategy: 'sorted-undo', notifiers: [kvm, { name: 'B', driver: 'hmm-5.3', address: 512 }] },
    invariant: 'NoCounterUnderflow',
  },
  {
    name: 'driver: KVM end forgets the sequence bump',
    file: 'drivers/kvm.ts',
    from: "      I.inc('mmu_invalidate_seq'), // bump seq before the count drops (smp_wmb)\n",
    to: '',
    template: { ...base, strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['munmap', 'fault:A'] },
    invariant: 'NoStaleSecondaryMapping',
  },
  {
    name: 'driver: KVM fault installs without its retry check',
    file: 'drivers/kvm.ts',
    from: "      I.jump('busy', C.any(C.nonzero('mmu_invalidate_in_progress'), C.changed('mmu_invalidate_seq', 'snap'))), // mmu_notifier_retry()\n",
    to: '',
    template: { ...base, strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['munmap', 'fault:A'] },
    invariant: 'NoStaleSecondaryMapping',
  },
  {
    name: 'driver: KVM non-blocking start sleeps (mmu_lock a mutex)',
    file: 'drivers/kvm.ts',
    from: "locks: { mmu_lock: 'spinlock' }",
    to: "locks: { mmu_lock: 'mutex' }",
    template: { ...base, strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['oom_reaper'] },
    invariant: 'NonBlockingNeverSleeps',
  },
  {
    name: 'core: mn_itree_inv_end forgets the deferred list',
    file: 'core/invalidate.ts',
    from: '  return { ...s, subs, core: { ...s.core, deferred: [] } };\n',
    to: '  return { ...s, core: { ...s.core, deferred: [] } };\n',
    // munmap (VMA 0) freezes the tree, N's remove is deferred, then madvise (VMA 1) invalidates N again.
    template: { ...base, vmas: [{ start: 0, end: 4 }, { start: 4, end: 8 }], strategy: 'core-counter', notifiers: [kvm, { name: 'N', driver: 'odp-5.5', address: 512 }], threads: ['munmap', 'unregister:N', 'madvise'] },
    invariant: 'UnregisterQuiesces',
    runs: 3000,
  },
  {
    name: 'reaper: mmap_read_lock instead of mmap_read_trylock',
    file: 'step.ts',
    from: "    case 'mm_has_notifiers':\n    case 'mmap_read_trylock':\n",
    to: "    case 'mmap_read_trylock':\n      return mmapReadLockBlocker(world, s, a.t.id);\n    case 'mm_has_notifiers':\n",
    template: { ...base, strategy: 'call-all-end-2021', notifiers: [kvm], threads: ['oom_reaper', 'munmap'] },
    invariant: 'ReaperBounded',
  },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const cache = join(root, 'node_modules', '.cache', 'planted');

/** A copy of model/ and engine/ with the bug planted; its search. */
const plantedSearch = async (p: Planted, k: number): Promise<typeof search> => {
  const dir = join(cache, `${process.pid}-${k}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ['model', 'engine']) cpSync(join(root, d), join(dir, d), { recursive: true });
  const file = join(dir, 'model', p.file);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(p.from);
  if (at < 0 || text.indexOf(p.from, at + 1) >= 0) throw new Error(`${p.name}: the text to replace must occur exactly once in model/${p.file}`);
  writeFileSync(file, text.replace(p.from, p.to));
  const engine = (await import(join(dir, 'engine', 'random.ts'))) as { search: typeof search };
  return engine.search;
};

describe(`planted bugs are caught (seed ${seed})`, () => {
  afterAll(() => {
    for (const k of PLANTED.keys()) rmSync(join(cache, `${process.pid}-${k}`), { recursive: true, force: true });
  });
  for (const [k, p] of PLANTED.entries()) {
    it(`${p.name} → ${p.invariant}`, async () => {
      const runs = p.runs ?? 1000;
      const clean: SearchResult = search(p.template, p.invariant, { seed, numRuns: runs });
      expect(clean.verdict, `the unmodified model must hold ${p.invariant} here: ${clean.counterexample?.witness}`).toBe('holds');
      const planted = (await plantedSearch(p, k))(p.template, p.invariant, { seed, numRuns: runs });
      expect(planted.verdict, `${p.name}: not caught in ${runs} runs`).toBe('violated');
      const cx = planted.counterexample;
      expect(cx?.trace.length).toBe(cx?.steps);
      expect(cx?.steps).toBeLessThanOrEqual(cx?.fromSteps ?? 0); // shrunk (or already minimal)
    }, 60_000);
  }
});
