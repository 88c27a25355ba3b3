/**
 * The victim mm's page tables: clearing PTEs frees their frames (docs/kernel.md §3.2). Shared by
 * every unmapper: the OOM reaper, munmap and exit_mmap.
 */
import type { Effects } from './facts.ts';
import type { ModelState, Range, ThreadState } from './types.ts';

/** Clear the PTEs of a range and free their frames, noting any a device still maps (INV-8, INV-13). */
export const clearPtes = (s: ModelState, t: ThreadState, r: Range, what: string, fx: Effects): ModelState => {
  const freed: number[] = [];
  const afterFailedStart = t.inv !== null && Object.values(t.inv.results).includes('fail');
  fx.facts.push({ fact: 'pte_cleared', thread: t.id, start: r.start, end: r.end, afterFailedStart });
  const pte = s.mm.pte.map((f, p) => {
    if (p < r.start || p >= r.end || f === null) return f;
    freed.push(f);
    const mappedBy = Object.keys(s.drivers).filter((n) => s.drivers[n].sptes[p] === f);
    fx.facts.push({ fact: 'frame_freed', thread: t.id, page: p, frame: f, mappedBy });
    return null;
  });
  if (fx.record) fx.events.push(`${what} [${r.start},${r.end}): free frames ${freed.length ? freed.join(',') : '(none)'}`);
  return { ...s, mm: { ...s.mm, pte, freedFrames: [...s.mm.freedFrames, ...freed] } };
};

/** The whole address space, as exit_mmap and mn_itree_release see it. */
export const wholeMm = (s: ModelState): Range => ({ start: 0, end: s.mm.pte.length });
