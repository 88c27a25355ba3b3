/**
 * Kernel versions as data (model/kernel.ts, docs/kernel.md §11): each switch of the table changes
 * what it should between the releases on either side of the commit that introduced it, and a
 * release whose switches are those of the model without a named kernel (v5.4–v5.15: downgrade,
 * non_block, the lockdep map, the v4.17 exit_mmap) replays every saved case step for step.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../engine/case-format.ts';
import { explore } from '../engine/exhaustive.ts';
import { checkCommand } from '../scripts/check.ts';
import { compareCommand } from '../scripts/compare.ts';
import { replayCaseCommand } from '../scripts/replay.ts';
import { compareKernels, KERNEL_NAMES, KERNELS, legacyKernel, resolve, runWorld, step, threadById, type Scenario, type TraceStep } from '../model/index.ts';
import { inProcess } from './cli-support.ts';
import { notifier, scenario, stepOnce } from './support.ts';

const on = (kernel: string | undefined, o: Partial<Scenario> & Pick<Scenario, 'notifiers'>): Scenario => {
  const k = KERNELS.find((x) => x.name === kernel);
  return { ...scenario(o), ...(k ? { kernel, reaper: k.reaper } : {}) };
};

const ran = (sc: Scenario, schedule: readonly string[]) => {
  const r = resolve(sc);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return runWorld(r.world, r.state, schedule);
};

const errorsOf = (sc: Scenario): readonly string[] => {
  const r = resolve(sc);
  return r.ok ? [] : r.errors;
};

const actions = (trace: readonly TraceStep[]) => trace.map((s) => s.action);

/** The step where exit_mmap, without a named kernel, begins what follows its exit-time reap: its unmap (or, for no OOM victim, its lock cycle). */
const finalUnmap = (trace: readonly TraceStep[], oom: boolean): number =>
  trace.findIndex((s) => s.thread === 'exit_mmap' && (s.action === 'unmap_vmas; free_pgtables' || (!oom && s.action === 'mmap_write_lock; mmap_write_unlock')));

/**
 * The first step that calls the ->release of a notifier whose release differs on the named
 * release (model/strategies/hooks.ts releaseOf: the kernel's ops, or none; docs/kernel.md §10.1
 * item 13): mn_hlist_release's walk, or its unregister's srcu_read_lock; -1 if none.
 */
const firstRelease = (sc: Scenario, kernel: string, trace: readonly TraceStep[]): number => {
  const [a, b] = [resolve(sc), resolve({ ...sc, kernel })];
  if (!a.ok || !b.ok) return -1;
  const differ = Object.keys(a.world.ops).filter((n) => a.world.ops[n].release !== b.world.ops[n].release);
  if (differ.length === 0) return -1;
  return trace.findIndex(
    (s) => (s.thread === 'exit_mmap' && s.action.startsWith('mmu_notifier_release: srcu_read_lock')) || differ.some((n) => s.thread === `unregister:${n}` && s.action === `mmu_notifier_unregister(${n}): srcu_read_lock; ->release`),
  );
};

/**
 * The first step where the named release's trace leaves the model's without a kernel because a
 * task of the OOM victim has SIGKILL pending there (docs/kernel.md §3.4): the release's step at that
 * index takes the reserves, or gets -EINTR, or exits at a signal test; -1 if the traces agree.
 */
const firstSignalled = (a: readonly TraceStep[], b: readonly TraceStep[]): number => {
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && JSON.stringify(a[k]) === JSON.stringify(b[k])) k++;
  if (k === a.length && k === b.length) return -1;
  return k < b.length && b[k].events.some((e) => /fatal signal pending|ALLOC_OOM|-> -EINTR/.test(e)) ? k : -1;
};

describe('the table', () => {
  it('names every release issue #22 asks for, oldest first', () => {
    for (const v of ['v4.14', 'v4.19', 'v5.4', 'v5.5', 'v5.10', 'v5.12', 'v5.15', 'v6.1', 'v6.6', 'v7.1']) expect(KERNEL_NAMES).toContain(v);
    const sorted = [...KERNEL_NAMES].sort(compareKernels);
    expect(KERNEL_NAMES).toEqual(sorted);
    expect(compareKernels('v5.10', 'v5.9')).toBeGreaterThan(0); // numerically, not as text
  });

  it('an unknown release, and a reaper that is not the release\'s, are refused with what is valid', () => {
    expect(errorsOf({ ...scenario({ notifiers: [notifier('A', 'kvm', 256)] }), kernel: 'v5.9' })[0]).toMatch(/kernel: unknown 'v5.9' \(valid: v4.14, .*v7.1\)/);
    expect(errorsOf({ ...scenario({ notifiers: [notifier('A', 'kvm', 256)], reaper: 'no-notify' }), kernel: 'v5.10' })[0]).toMatch(/reaper: 'no-notify' is not the reaper of v5.10 \('nonblock-per-vma'\)/);
  });
});

describe('each switch changes what it should', () => {
  const kvm = [notifier('A', 'kvm', 256)];

  it('reaper (4d4bbd8526a8 v4.14, 93065ac753e4 v4.19): v4.14 skips an mm with notifiers; v4.19 invalidates without blocking', () => {
    const old = ran(on('v4.14', { notifiers: kvm }), []);
    const now = ran(on('v4.19', { notifiers: kvm }), []);
    expect(actions(old.trace).join('\n')).not.toMatch(/invalidate_range_start/);
    expect(actions(now.trace).join('\n')).toMatch(/invalidate_range_start/);
  });

  it('munmapDowngrades (dd2283f2605e, v4.20): only from v4.20 does munmap unmap under the read lock', () => {
    const before = ran(on('v4.19', { notifiers: kvm, threads: ['munmap'] }), []);
    const after = ran(on('v4.20', { notifiers: kvm, threads: ['munmap'] }), []);
    expect(actions(before.trace)).not.toContain('mmap_write_downgrade');
    expect(actions(after.trace)).toContain('mmap_write_downgrade');
  });

  it('nonBlock (312364f3534c, ba170f76b69d; v5.4): a start that sleeps when it must not is a BUG only from v5.4; the contract is broken in both', () => {
    const sleeps = [{ ...notifier('A', 'generic', 256), nonblockStart: 'sleeps' as const }];
    const before = ran(on('v5.2', { notifiers: sleeps }), []);
    const after = ran(on('v5.4', { notifiers: sleeps }), []);
    const bugs = (t: readonly TraceStep[]) => t.flatMap((s) => s.diagnostics ?? []).filter((d) => d.includes('sleeping function called from invalid context'));
    expect(bugs(before.trace)).toEqual([]);
    expect(bugs(after.trace).length).toBeGreaterThan(0);
    expect(before.verdicts.NonBlockingNeverSleeps.status).toBe('violated');
    expect(after.verdicts.NonBlockingNeverSleeps.status).toBe('violated');
  });

  it('lockdepMap (v5.4): a lockdep cycle through the notifier map is still found before v5.4, and says lockdep would not report it there', () => {
    const file = 'shrunk-cases/skip-all-end__LockOrder__kvm_amdgpu-4.19_madvise_ioctl-B-2.json';
    const loaded = parseCase(JSON.parse(readFileSync(file, 'utf8')));
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const c = loaded.value;
    const legacy = ran(c.scenario as Scenario, c.schedule).verdicts.LockOrder;
    const v420 = ran({ ...(c.scenario as Scenario), kernel: 'v4.20' }, c.schedule).verdicts.LockOrder;
    expect(legacy.status).toBe('violated');
    expect(v420.status).toBe('violated');
    expect(legacy.status === 'violated' && legacy.witness).not.toMatch(/would not report/);
    expect(v420.status === 'violated' && v420.witness).toMatch(/v4.20's lockdep has no notifier map \(v5.4\), so it would not report this cycle$/);
  });

  it('intervalNotifiers (99cb252f5e68, v5.5) and preset releases: an interval-notifier preset is refused before v5.5, a v4.19 one after its time', () => {
    expect(errorsOf(on('v5.4', { notifiers: [notifier('A', 'odp-5.5', 256)] }))).toEqual(["notifiers[0].driver: 'odp-5.5' is kernel code from v5.5 on, so v5.4 does not have it"]);
    expect(errorsOf(on('v5.5', { notifiers: [notifier('A', 'odp-5.5', 256)] }))).toEqual([]);
    expect(errorsOf(on('v5.10', { notifiers: [notifier('A', 'odp-4.20', 256)] }))).toEqual(["notifiers[0].driver: 'odp-4.20' is kernel code v4.20 to v5.2, so v5.10 does not have it"]);
    // A driver file (or the generic driver) says no releases: every release has it.
    expect(errorsOf(on('v4.14', { notifiers: [notifier('A', 'generic', 256)] }))).toEqual([]);
  });

  it('mainline (c2655835fd8c, v5.12): skip-all-end is the rule up to v5.11, call-all-end-2021 from v5.12; a proposal runs on either', () => {
    const at = (kernel: string, strategy: string) => errorsOf(on(kernel, { notifiers: kvm, strategy }));
    expect(at('v5.10', 'skip-all-end')).toEqual([]);
    expect(at('v5.12', 'skip-all-end')[0]).toMatch(/^strategy: skip-all-end is mainline's rule up to v5.11; v5.12 runs call-all-end-2021/);
    expect(at('v5.10', 'call-all-end-2021')[0]).toMatch(/^strategy: call-all-end-2021 is mainline's rule from v5.12 on; v5.10 runs skip-all-end/);
    expect(at('v5.12', 'call-all-end-2021')).toEqual([]);
    for (const k of ['v4.19', 'v5.10', 'v7.1']) expect(at(k, 'sorted-undo')).toEqual([]);
  });

  it('exitMmap (212925802454 v4.14, 27ae357fa82b v4.17, bf3980c85212 v6.1): MMF_OOM_SKIP after unmap_vmas on v4.14 and v6.1, before it on v4.19–v5.15 (properties/exit-mmap-eras.test.ts)', () => {
    const labels = (kernel: string, strategy: string) => actions(ran(on(kernel, { notifiers: kvm, threads: ['oom_reaper', 'exit_mmap'], strategy }), Array(40).fill('exit_mmap')).trace);
    const order = (l: readonly string[]) => Math.sign(l.indexOf('set_bit(MMF_OOM_SKIP)') - l.indexOf('unmap_vmas: unmap_single_vma vma 0'));
    expect(order(labels('v4.14', 'skip-all-end'))).toBe(1);
    expect(order(labels('v5.10', 'skip-all-end'))).toBe(-1);
    expect(order(labels('v6.1', 'call-all-end-2021'))).toBe(1);
    expect(labels('v6.1', 'call-all-end-2021')).toContain('mmap_read_lock');
    expect(labels('v4.14', 'skip-all-end')).not.toContain('mmap_read_lock');
  });
});

describe('subscriptions->lock and the 2022 remove race (319561669a59, v5.18; L-2022-RM)', () => {
  const odp = [notifier('A', 'odp-5.5', 256)];
  const race = (kernel: string | undefined) =>
    explore({ ...on(kernel, { notifiers: odp, strategy: 'call-all-end-2021', threads: ['munmap', 'unregister:A'] }), ...(kernel ? {} : { kernel: undefined }) }, ['UnregisterQuiesces']).results[0];

  it('on a named release the last mn_itree_inv_end is two steps under the lock: seq++, then the deferred list and the unlock', () => {
    const named = ran(on('v5.15', { notifiers: odp, strategy: 'call-all-end-2021', threads: ['munmap'] }), []);
    const events = named.trace.flatMap((s) => s.events);
    const locked = events.indexOf('spin_lock(subscriptions->lock)');
    expect(locked).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('spin_unlock(subscriptions->lock); wake_up_all')).toBeGreaterThan(locked);
    const legacy = ran({ ...scenario({ notifiers: odp, strategy: 'call-all-end-2021', threads: ['munmap'] }) }, []);
    expect(legacy.trace.flatMap((s) => s.events)).not.toContain('spin_lock(subscriptions->lock)');
    expect(named.trace.length).toBe(legacy.trace.length + 1);
  });

  it('v5.15 (the wait reads the seq without the lock): remove returns between the two steps, and inv_end then touches the notifier its owner may have freed', () => {
    const r = race('v5.15');
    expect(r.verdict).toBe('violated');
    expect(r.counterexample?.witness).toMatch(/^mn_itree_inv_end in munmap applies A's deferred remove .* after mmu_interval_notifier_remove\(A\) returned in unregister:A/);
  });

  it('v6.1 (mmu_interval_seq_released takes the lock): remove waits for the deferred list; and the model without a kernel has one-step inv_end, so no window', () => {
    expect(race('v6.1').verdict).toBe('holds');
    expect(race(undefined).verdict).toBe('holds');
    // Not by never returning: the remove still completes.
    const done = explore(on('v6.1', { notifiers: odp, strategy: 'call-all-end-2021', threads: ['munmap', 'unregister:A'] }), ['NoDeadlock']).results[0];
    expect(done.verdict).toBe('holds');
  });

  it('while the holder is between the two steps, inv_start_range and read_begin spin on subscriptions->lock', () => {
    // Two VMAs: munmap takes the first, madvise the last.
    const r = resolve(on('v5.15', { notifiers: odp, strategy: 'call-all-end-2021', vmas: [{ start: 0, end: 2 }, { start: 2, end: 4 }], threads: ['munmap', 'madvise', 'fault:A'] }));
    if (!r.ok) throw new Error(r.error);
    let s = r.state;
    for (let k = 0; k < 40 && threadById(s, 'munmap')?.inv?.phase !== 'itree_end'; k++) s = stepOnce(r.world, s, 'munmap').state;
    expect(s.locks.subscriptions_lock.writer).toBe('munmap');
    // madvise: mmap_read_lock (munmap holds it for read after its downgrade), then its start spins.
    const m = stepOnce(r.world, s, 'madvise').state;
    expect(step(r.world, m, 'madvise')).toMatchObject({ tag: 'blocked', blocker: { on: 'lock', lock: 'subscriptions_lock' } });
    expect(step(r.world, s, 'fault:A')).toMatchObject({ tag: 'blocked', blocker: { on: 'lock', lock: 'subscriptions_lock' } });
  });

  it("the OOM reaper's failed non-blocking start ends the wave in two steps too: on v5.15 its inv_end applies the deferred remove after remove returned; not on v6.6", () => {
    const reaper = (kernel: string) => explore(on(kernel, { notifiers: odp, strategy: 'call-all-end-2021', threads: ['oom_reaper', 'unregister:A'] }), ['UnregisterQuiesces', 'NoDeadlock', 'IntervalSeqProtocol']).results;
    const [v515, dead515] = reaper('v5.15');
    expect(v515.verdict).toBe('violated');
    expect(v515.counterexample?.witness).toMatch(/^mn_itree_inv_end in oom_reaper applies A's deferred remove/);
    expect(dead515.verdict).toBe('holds');
    for (const r of reaper('v6.6')) expect(r.verdict, r.invariant).toBe('holds');
  });

  it("nouveau's per-fault notifier (on the fault's stack): on v5.15 inv_end applies its deferred remove after the fault's remove returned; not on v6.6", () => {
    const nv = (kernel: string) => explore(on(kernel, { notifiers: [notifier('A', 'nouveau-5.5', 256)], strategy: 'call-all-end-2021', threads: ['munmap', 'fault:A'] }), ['UnregisterQuiesces']).results[0];
    const v515 = nv('v5.15');
    expect(v515.verdict).toBe('violated');
    expect(v515.counterexample?.witness).toMatch(/^mn_itree_inv_end in munmap applies the deferred remove of A's per-fault interval notifier after fault:A's mmu_interval_notifier_remove returned/);
    expect(nv('v6.6').verdict).toBe('holds');
  });
});

describe('the model without a named kernel is a release of the table', () => {
  // The switches LEGACY runs with, for the v4.19+ reaper: every release from v5.4 to v5.15 has them.
  const same = KERNELS.filter((k) => {
    const l = legacyKernel(k.reaper);
    return k.reaper === 'nonblock-per-vma' && k.munmapDowngrades === l.munmapDowngrades && k.nonBlock === l.nonBlock && k.lockdepMap === l.lockdepMap && k.exitMmap === l.exitMmap;
  }).map((k) => k.name as string);

  it('those releases are v5.4 to v5.15', () => {
    expect(same).toEqual(['v5.4', 'v5.5', 'v5.10', 'v5.12', 'v5.13', 'v5.15']);
  });

  // A named release also gives subscriptions->lock a holder (mn_itree_inv_end in two steps), so
  // the cases compared are those with no interval tree: hlist notifiers only.
  it('every saved case of the v4.19+ reaper with hlist notifiers only replays step for step on a release that has its drivers and strategy', () => {
    const dir = 'shrunk-cases';
    let compared = 0;
    let signalledCases = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const loaded = parseCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      if (!loaded.ok || loaded.value.drivers?.length || loaded.value.cycle) continue;
      const c = loaded.value;
      const sc = c.scenario as Scenario;
      if (sc.reaper !== 'nonblock-per-vma' || sc.kernel !== undefined) continue;
      const kernel = same.find((k) => resolve({ ...sc, kernel: k }).ok);
      if (!kernel) continue;
      const r = resolve(sc);
      if (!r.ok || Object.values(r.world.ops).some((o) => o.form !== 'hlist')) continue;
      const a = ran(sc, c.schedule);
      // On the release the reaper thread's first step is the OOM kill (docs/kernel.md §3.4): taken
      // first, before the case's schedule, and left out of the comparison.
      const kills = sc.threads.includes('oom_reaper');
      const killed = ran({ ...sc, kernel }, kills ? ['oom_reaper', ...c.schedule] : c.schedule);
      if (kills) expect(killed.trace[0]?.action, `${f} on ${kernel}`).toBe('oom_kill_process');
      const b = kills ? { ...killed, trace: killed.trace.slice(1) } : killed;
      // A named release runs exit_mmap's final unmap_vmas as the kernel does (its notifier start/end,
      // a step per VMA; the write-lock cycle only for an OOM victim: docs/kernel.md §3.2), the model
      // without one its old single step: the traces agree up to there, where the release's start begins.
      const cut = finalUnmap(a.trace, sc.threads.includes('oom_reaper'));
      // A notifier whose kernel ops have another ->release (or none) gets it on the release: the
      // traces agree up to the step that calls it, which the same thread takes in both.
      const released = firstRelease(sc, kernel, a.trace);
      // A task of the victim has SIGKILL pending on the release: the traces agree up to its first signal test.
      const signalled = sc.threads.includes('oom_reaper') ? firstSignalled(a.trace, b.trace) : -1;
      if (signalled >= 0 && (released < 0 || signalled < released) && (cut < 0 || signalled <= cut)) {
        // firstSignalled found the first difference, and it is a signal test; the thread the schedule
        // names there takes it (the old trace took the same, or ended there: that thread blocked, on
        // memory say), and it is a task of the victim.
        const step = b.trace[signalled];
        if (a.trace[signalled]) expect(step.thread, `${f} on ${kernel}`).toBe(a.trace[signalled].thread);
        else expect(step.drain === true || c.schedule[signalled] === step.thread, `${f} on ${kernel}: ${step.thread} steps where the old run ended`).toBe(true);
        expect(['oom_reaper', 'reclaim'], `${f} on ${kernel}`).not.toContain(b.trace[signalled].thread);
        signalledCases++;
        compared++;
        continue;
      }
      if (released >= 0 && (cut < 0 || released < cut)) {
        expect(b.trace.slice(0, released), `${f} on ${kernel}`).toEqual(a.trace.slice(0, released));
        expect(b.trace[released]?.thread, `${f} on ${kernel}`).toBe(a.trace[released].thread);
        compared++;
        continue;
      }
      if (cut >= 0) {
        expect(b.trace.slice(0, cut), `${f} on ${kernel}`).toEqual(a.trace.slice(0, cut));
        expect(b.trace[cut]?.action, `${f} on ${kernel}`).toMatch(/^invalidate_range_start \[0,\d+\)$/);
        compared++;
        continue;
      }
      expect(b.trace, `${f} on ${kernel}`).toEqual(a.trace);
      const vb = b.verdicts[c.expect.invariant] as { step?: number } | undefined;
      // The verdict's step counts the kill step the release took first.
      expect(kills && vb?.step !== undefined ? { ...vb, step: vb.step - 1 } : vb, `${f} on ${kernel}`).toEqual(a.verdicts[c.expect.invariant]);
      compared++;
    }
    expect(compared).toBeGreaterThan(80);
    // The signal parts the traces of a minority: most cases still compare beyond it.
    expect(signalledCases).toBeLessThan(compared / 2);
  });
});

describe('--kernel on the command line', () => {
  it('check: --kernel with --reaper, an unknown release, or a preset the release lacks: exit 2, each problem named', async () => {
    const both = await inProcess(checkCommand, ['--kernel', 'v5.10', '--reaper', 'no-notify']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--kernel fixes the reaper era (v5.10 runs nonblock-per-vma): give --kernel or --reaper, not both');
    const unknown = await inProcess(checkCommand, ['--kernel', 'v5.9']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown kernel 'v5.9'");
    const lacks = await inProcess(checkCommand, ['--strategy', 'call-all-end-2021', '--notifiers', 'kvm,odp-4.20', '--kernel', 'v6.6']);
    expect(lacks.code).toBe(2);
    expect(lacks.err).toContain("'odp-4.20' is kernel code v4.20 to v5.2, so v6.6 does not have it");
    expect(lacks.err).not.toMatch(/\n\s+at /);
  });

  it('check: the replay command it prints names the release', async () => {
    const r = await inProcess(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--kernel', 'v4.20', '--invariant', 'StartEndPaired', '--runs', '200']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('--kernel v4.20');
  });

  it('check --scenario FILE --kernel: a file naming no reaper runs that release; a file reaper not the release\'s is refused; the replay command keeps --kernel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-'));
    const none = join(dir, 'none.json');
    writeFileSync(none, JSON.stringify({ vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }] }));
    const ran = await inProcess(checkCommand, ['--scenario', none, '--kernel', 'v4.20', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '200']);
    expect(ran.code).toBe(1);
    expect(ran.out).toContain(`--scenario ${none} --kernel v4.20`);
    const old = join(dir, 'old.json');
    writeFileSync(old, JSON.stringify({ reaper: 'skip-if-notifiers', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }] }));
    const clash = await inProcess(checkCommand, ['--scenario', old, '--kernel', 'v5.12']);
    expect(clash.code).toBe(2);
    expect(clash.err).toContain("reaper: 'skip-if-notifiers' is not the reaper of --kernel v5.12 ('nonblock-per-vma')");
  });

  it('replay --kernel: the same schedule on another release, and the outcome there', async () => {
    const file = 'shrunk-cases/skip-all-end__LockOrder__kvm_amdgpu-4.19_madvise_ioctl-B-2.json';
    const r = await inProcess(replayCaseCommand, [file, '--kernel', 'v4.20']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('replayed under skip-all-end on v4.20');
    expect(r.out).toContain("v4.20's lockdep has no notifier map (v5.4), so it would not report this cycle");
    const gone = await inProcess(replayCaseCommand, [file, '--kernel', 'v6.6']);
    expect(gone.code).toBe(2);
    expect(gone.err).toContain("'amdgpu-4.19' is kernel code v4.19 to v5.0, so v6.6 does not have it");
  });

  it('compare: --kernel goes with --notifiers or --scenario', async () => {
    const r = await inProcess(compareCommand, ['--kernel', 'v5.10', '--max-threads', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--kernel goes with --notifiers or --scenario');
  });
});
