/** The OOM reaper's own promises: INV-9, INV-9b (docs/kernel.md §8). */
import { MAX_OOM_REAP_RETRIES } from '../reaper.ts';
import { threadById } from '../state.ts';
import { waitOf } from '../step.ts';
import type { Invariant } from './types.ts';

/**
 * INV-9. The reaper's loop is written to be bounded (step.ts failedAttempt), so this guards the
 * model against regressions rather than finding kernel bugs: at most MAX_OOM_REAP_RETRIES
 * attempts, MMF_OOM_SKIP set whenever the reaper finishes, and mmap_lock only ever try-locked.
 * Only the reaper's own steps change these, so it is judged when the reaper steps.
 * Not judged: "≤ one start per reapable VMA per attempt" (needs a count across steps).
 */
export const ReaperBounded: Invariant = {
  name: 'ReaperBounded',
  about: ['reaper_attempt_failed'],
  kind: 'safety',
  id: 'INV-9',
  domainRef: 'docs/kernel.md §8 INV-9; §3.2 oom_reap_task / oom_reap_task_mm (OOM-5.10)',
  summary: `the OOM reaper makes at most MAX_OOM_REAP_RETRIES (${MAX_OOM_REAP_RETRIES}) attempts, sets MMF_OOM_SKIP when it finishes, and only try-locks mmap_lock`,
  // Judged on every step: another thread's step (a munmap's mmap_write_lock) can leave the reaper
  // facing a sleeping wait for mmap_lock before it has taken a step of its own.
  onStep: (c) => {
    const t = c.after.threads.find((x) => x.kind === 'oom_reaper');
    if (!t || t.kind !== 'oom_reaper') return null;
    if (t.id !== c.step.thread) {
      // Only a writer, holding or queued, makes an mmap_lock acquisition wait: the usual step skips waitOf.
      const l = c.after.locks.mmap_lock;
      if (t.done || (l.writer === null && l.waiters.length === 0)) return null;
      const b = waitOf(c.world, c.after, t);
      return b !== null && b.on === 'lock' && b.lock === 'mmap_lock' ? `${t.id} would sleep on mmap_lock: the reaper may only mmap_read_trylock it` : null;
    }
    if (t.attempts > MAX_OOM_REAP_RETRIES) return `${t.id} made ${t.attempts} failed attempts (MAX_OOM_REAP_RETRIES is ${MAX_OOM_REAP_RETRIES})`;
    if (t.attempts === MAX_OOM_REAP_RETRIES && !t.done) return `${t.id} goes on to attempt ${t.attempts + 1} after ${t.attempts} failed ones (MAX_OOM_REAP_RETRIES is ${MAX_OOM_REAP_RETRIES})`;
    if (t.done && !c.after.mm.MMF_OOM_SKIP) return `${t.id} finished (${t.outcome}) without setting MMF_OOM_SKIP: the OOM killer keeps choosing this mm`;
    if (t.done) return null;
    const b = waitOf(c.world, c.after, t);
    if (b !== null && b.on === 'lock' && b.lock === 'mmap_lock') return `${t.id} would sleep on mmap_lock: the reaper may only mmap_read_trylock it`;
    return null;
  },
};

/**
 * INV-9b, judged at the step where the reaper declares success (outcome 'reaped': it sets
 * MMF_OOM_SKIP because it believes the mm is reaped). Judgements:
 * - The DOMAIN premise ("notifiers all non-failing, mmap_lock available infinitely often") is
 *   what makes *eventual* reaping a fair demand; it does not excuse *declaring* success without
 *   unmapping, which is the v4.14 bug (§3.3), so the 'reaped' outcome is judged unconditionally.
 *   The other half (gave up with non-failing notifiers) is not judged: in this model a
 *   non-failing notifier leaves only a busy mmap_lock as the reason to give up, i.e. the
 *   premise itself fails on a finite run.
 * - "Unmapped" means no page of a reapable VMA (one munmap has not removed) still maps the
 *   frame it had when the run began. A device fault cannot fault a page back in after the
 *   reaper's unmap: the reaper sets MMF_UNSTABLE first, and get_user_pages then fails
 *   (check_stable_address_space).
 * Not atEnd: by then munmap or exit_mmap may have freed what the reaper left.
 */
export const ReaperUsefulProgress: Invariant = {
  name: 'ReaperUsefulProgress',
  about: ['reaper_declared_reaped'],
  kind: 'liveness',
  id: 'INV-9b',
  domainRef: 'docs/kernel.md §8 INV-9b; §3.3 (v4.14 4d4bbd8526a8: skip and declare success); §3.2',
  summary: 'when the OOM reaper declares the victim reaped (MMF_OOM_SKIP), every reapable VMA has been unmapped',
  threadKinds: ['oom_reaper'],
  onStep: (c) => {
    const t = threadById(c.after, c.step.thread);
    if (!t || t.kind !== 'oom_reaper' || !t.done || t.outcome !== 'reaped') return null;
    const { mm } = c.after;
    const before = c.world.initialPte;
    for (const [k, v] of mm.vmas.entries()) {
      if (v.unmapped) continue;
      for (let p = v.start; p < v.end; p++) {
        const f = mm.pte[p];
        if (f !== null && f !== undefined && f === before[p])
          return `${t.id} declared the victim reaped and set MMF_OOM_SKIP, but VMA ${k} [${v.start},${v.end}) was not unmapped: page ${p} still maps frame ${f} (reaper era ${c.world.scenario.reaper})`;
      }
    }
    return null;
  },
};
