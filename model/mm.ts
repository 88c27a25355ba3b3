/**
 * The victim mm's page tables (docs/kernel.md §3.2): unmapping clears PTEs and gathers their
 * frames (mmu_gather); tlb_finish_mmu frees them, except a frame a get_user_pages reference
 * still holds, which is freed when that reference is dropped (put_page).
 */
import type { Effects } from './facts.ts';
import { anyStartResult } from './state.ts';
import type { Gathered, ModelState, Range, ThreadState, World } from './types.ts';

/** The frames a thread has gathered and not yet freed (every unmapper has a gather). */
const gatherOf = (t: ThreadState): readonly Gathered[] => ('gather' in t ? t.gather : []);


type Unmapper = ThreadState & { readonly gather: readonly Gathered[] };

/** Clear the PTEs of a range and gather their frames (unmap_page_range, zap_page_range). */
export const clearPtes = <T extends Unmapper>(s: ModelState, t: T, r: Range, what: string, fx: Effects): { s: ModelState; t: T } => {
  const gathered: Gathered[] = [];
  const afterFailedStart = t.inv !== null && anyStartResult(t.inv, 'fail');
  fx.facts.push({ fact: 'pte_cleared', thread: t.id, start: r.start, end: r.end, afterFailedStart });
  const pte = s.mm.pte.map((f, p) => {
    if (p < r.start || p >= r.end || f === null) return f;
    gathered.push({ page: p, frame: f });
    return null;
  });
  if (fx.record) fx.events.push(`${what} [${r.start},${r.end}): clear PTEs${gathered.length ? `, gather frames ${gathered.map((g) => g.frame).join(',')}` : ''}`);
  return { s: { ...s, mm: { ...s.mm, pte } }, t: { ...t, gather: [...t.gather, ...gathered] } };
};

/** A page reference holds this frame: a fault between get_user_pages and its end, or a pinning driver's mapping. */
const pinned = (world: World, s: ModelState, frame: number, except?: string): boolean =>
  s.threads.some((x) => x.id !== except && x.call !== null && x.call.locals.pinned === 1 && x.call.locals.frame === frame) ||
  Object.keys(s.drivers).some((n) => world.defs[n].pinsPages === true && Object.values(s.drivers[n].sptes).includes(frame));

/** Free a frame: note every device that still maps it (INV-13). */
const free = (s: ModelState, thread: string, page: number, frame: number, fx: Effects): ModelState => {
  const mappedBy = Object.keys(s.drivers).filter((n) => s.drivers[n].sptes[page] === frame);
  fx.facts.push({ fact: 'frame_freed', thread, page, frame, mappedBy });
  return { ...s, mm: { ...s.mm, freedFrames: [...s.mm.freedFrames, frame] } };
};

/** tlb_finish_mmu: free the gathered frames nobody pins; a pinned one waits for its put_page. */
export const tlbFinishMmu = <T extends Unmapper>(world: World, s: ModelState, t: T, fx: Effects, what = 'tlb_finish_mmu'): { s: ModelState; t: T } => {
  let s1 = s;
  const freed: number[] = [];
  const kept: number[] = [];
  for (const g of t.gather) {
    if (pinned(world, s1, g.frame)) kept.push(g.frame);
    else {
      s1 = free(s1, t.id, g.page, g.frame, fx);
      freed.push(g.frame);
    }
  }
  if (fx.record) fx.events.push(`${what}: free frames ${freed.length ? freed.join(',') : '(none)'}${kept.length ? `; ${kept.join(',')} still pinned (a get_user_pages reference)` : ''}`);
  return { s: s1, t: { ...t, gather: [] } };
};

/** put_page of a page reference (`t`'s own is already dropped): a frame no PTE maps, no gather and no other reference holds is freed now. */
export const putPage = (world: World, s: ModelState, t: ThreadState, page: number, frame: number, fx: Effects): ModelState => {
  const orphan = !s.mm.pte.includes(frame) && !s.mm.freedFrames.includes(frame) && !s.threads.some((x) => gatherOf(x).some((g) => g.frame === frame)) && !pinned(world, s, frame, t.id);
  if (!orphan) return s;
  if (fx.record) fx.events.push(`put_page: free frame ${frame}`);
  return free(s, t.id, page, frame, fx);
};

/** A pinning driver tore these mappings down: their references go (put_page each). */
export const unpinZapped = (world: World, s: ModelState, t: ThreadState, sub: string, zapped: readonly Gathered[], fx: Effects): ModelState =>
  world.defs[sub].pinsPages ? zapped.reduce((acc, g) => putPage(world, acc, t, g.page, g.frame, fx), s) : s;

/** The whole address space, as exit_mmap and mn_itree_release see it. */
export const wholeMm = (s: ModelState): Range => ({ start: 0, end: s.mm.pte.length });
