/** `check --stats`: what the runs exercised, or with `--exhaustive` the state space held (engine/stats.ts), as text. */
import { neverExecuted, type Stats } from '../engine/stats.ts';

const table = (title: string, m: Readonly<Record<string, number>>): string[] => {
  const rows = Object.entries(m).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const w = Math.max(0, ...rows.map(([, n]) => String(n).length));
  return [title, ...rows.map(([k, n]) => `  ${String(n).padStart(w)}  ${k}`)];
};

export const statsText = (stats: readonly Stats[]): string => {
  const out: string[] = [];
  for (const s of stats) {
    if (s.engine === 'exhaustive') {
      const sets = s.maxThreads === undefined ? '' : `, over ${s.threadSets} thread set${s.threadSets === 1 ? '' : 's'} of up to ${s.maxThreads} thread${s.maxThreads === 1 ? '' : 's'} (summed)`;
      out.push(`${s.strategy}: ${s.steps} transitions, ${s.distinctStates} distinct states${sets}`);
      if (s.bound) out.push(`cut by the ${s.bound} bound: the counts are of the part searched, not the whole state space`);
      out.push('');
    } else out.push(`${s.strategy}: ${s.runs} runs, ${s.steps} steps, ${s.distinctStates} distinct states`, '');
    out.push(...table('actions', s.actions), '');
    out.push(...table('strategy decision points (the core asked → the strategy answered)', s.decisions), '');
    out.push(...table('driver instructions', s.instructions), '');
    const dead = neverExecuted(s);
    const none = s.engine === 'exhaustive' ? 'never executed in the state space (dead code, or a program no thread of the set calls)' : 'never executed (dead code, or a situation no run reached)';
    out.push(dead.length ? `${none}: ${dead.length}` : 'every driver instruction ran at least once');
    for (const d of dead) out.push(`  ${d}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
};
