/** A Mermaid sequence diagram of a trace (npm run replay -- FILE --mermaid). */
import type { TraceStep } from '../model/index.ts';

/** Threads and notifiers as participants; a driver step is an arrow from its thread to its notifier; a lasso's cycle (from `cycleFrom`) in a loop box. */
export function mermaid(trace: readonly TraceStep[], cycleFrom?: number): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  const esc = (s: string) => s.replace(/[;#]/g, ' ').replace(/\s+/g, ' ').trim();
  const threads = [...new Set(trace.map((s) => s.thread))];
  const subs = [...new Set(trace.map((s) => /^([A-Za-z][A-Za-z0-9_]*)\.(invalidate|fault|ioctl)/.exec(s.action)?.[1]).filter((x): x is string => !!x))];
  const lines = ['sequenceDiagram'];
  for (const t of threads) lines.push(`  participant ${id(t)} as ${t}`);
  lines.push('  participant core as mmu_notifier core');
  for (const n of subs) lines.push(`  participant N_${id(n)} as notifier ${n}`);
  for (const [k, s] of trace.entries()) {
    if (k === cycleFrom) lines.push('  loop repeats forever');
    const m = /^([A-Za-z][A-Za-z0-9_]*)\.([a-z_]+): (.*)$/.exec(s.action);
    const target = m && subs.includes(m[1]) ? `N_${id(m[1])}` : 'core';
    const text = esc(m ? `${m[2]}: ${m[3]}` : s.action);
    lines.push(`  ${id(s.thread)}->>${target}: ${text}`);
    const fx = esc([...s.events, ...(s.diagnostics ?? [])].join(' / '));
    if (fx) lines.push(`  Note over ${target}: ${fx.length > 120 ? `${fx.slice(0, 117)}...` : fx}`);
  }
  if (cycleFrom !== undefined && cycleFrom < trace.length) lines.push('  end');
  return lines.join('\n');
}
