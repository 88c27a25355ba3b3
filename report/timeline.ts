/** The per-thread timeline of a trace: one column per thread, one row per step. */
import type { TraceStep } from '../model/index.ts';
import { plain, type Colors } from './colors.ts';

const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s);

/** Plus the step's effects, the kernel's diagnostics in red, and `(drain)` on the fair drain's steps. */
export const timeline = (trace: readonly TraceStep[], opts: { width?: number; pc?: Colors } = {}): string => {
  const pc = opts.pc ?? plain;
  const threads = [...new Set(trace.map((s) => s.thread))];
  const w = Math.min(opts.width ?? 46, Math.max(12, ...trace.map((s) => s.action.length)));
  const col = (text: string) => cut(text, w).padEnd(w);
  const lines: string[] = [];
  const num = String(trace.length).length;
  lines.push(pc.bold(`${'#'.padStart(num)}  ${threads.map(col).join(' │ ')} │ effect`));
  lines.push(`${'-'.repeat(num)}  ${threads.map(() => '-'.repeat(w)).join('─┼─')}─┼─${'-'.repeat(20)}`);
  for (const [k, s] of trace.entries()) {
    const cells = threads.map((t) => col(t === s.thread ? s.action : ''));
    const fx = [...s.events, ...(s.diagnostics ?? []).map((d) => pc.red(d))].join('; ');
    lines.push(`${String(k + 1).padStart(num)}  ${cells.join(' │ ')} │ ${s.drain ? pc.dim('(drain) ') : ''}${fx}`);
  }
  return lines.join('\n');
};
