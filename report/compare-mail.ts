/**
 * `compare --format mail` (issue #23): compare's answer as a mail to linux-mm can carry it, in
 * the check mail's conventions (report/mail.ts): plain ASCII, no line over 72 columns, nothing
 * cut. The decision comes first (which strategies keep every invariant, with what backs it, and
 * every adaptation compare made), then a line per strategy, then the cells that decide it: each
 * invariant a strategy breaks where another strategy holds it, with its one-line witness and
 * the command that reproduces it, and once each what every strategy breaks.
 */
import type { ScenarioTemplate } from '../engine/arbitraries.ts';
import { decide, type Cause, type Cell, type Violation } from '../engine/compare.ts';
import { invariantByName } from '../model/index.ts';
import type { Interrupted } from './check.ts';
import { interruptedLine } from './check.ts';
import { field, MAIL_WIDTH, shellLines } from './mail.ts';
import { adaptationText, andList, CAUSE_TEXT, decisionLines, evidence, evidenceText, notRunText, type MatrixRun } from './matrix.ts';
import { ascii, wrap } from './wrap.ts';

/** The flags that give `check` one family's scenario (as words), and whether they fix its threads. */
export interface FamilyCheck {
  readonly args: readonly string[];
  readonly fixedThreads: boolean;
}

/** A family template as `check` flags, or null when --notifiers, --reaper and --threads cannot say it (knobs, VMAs, intervals, generic knobs). */
export const familyCheckArgs = (t: Omit<ScenarioTemplate, 'strategy'>): FamilyCheck | null => {
  if (t.knobs && Object.keys(t.knobs).length) return null;
  if (t.vmas.length !== 1 || t.vmas[0].start !== 0 || t.vmas[0].end !== 4) return null;
  if (t.notifiers.some((n) => Object.keys(n as object).some((k) => !['name', 'driver', 'address'].includes(k)))) return null;
  const spec = t.notifiers.map((n, i) => `${n.name === (i < 26 ? String.fromCharCode(65 + i) : `N${i}`) ? '' : `${n.name}=`}${n.driver}${n.address === 256 * (i + 1) ? '' : `@${n.address}`}`).join(',');
  return {
    args: ['--notifiers', spec, ...(t.kernel !== undefined ? ['--kernel', t.kernel] : t.reaper !== 'nonblock-per-vma' ? ['--reaper', t.reaper] : []), ...(t.threads ? ['--threads', t.threads.join(',')] : [])],
    fixedThreads: t.threads !== undefined,
  };
};

/** What the mail needs beyond the matrix's run: each family's `check` flags (null: not expressible). */
export interface CompareMailRun extends MatrixRun {
  readonly familyCheck?: Readonly<Record<string, FamilyCheck | null>>;
}

/** The command that reproduces a violation: `check` on its scenario (the runs, or the proof that found it), else `compare` on its family. */
export const replayArgv = (strategy: string, invariant: string, v: Pick<Violation, 'family' | 'foundBy'>, run: CompareMailRun): string[] => {
  const fc = run.familyCheck?.[v.family] ?? null;
  const base = ['--strategy', strategy, '--invariant', invariant, '--seed', String(run.seed)];
  if (fc) {
    const how = v.foundBy === 'exhaustive' ? ['--exhaustive', ...(run.proof && !fc.fixedThreads ? ['--max-threads', String(run.proof.maxThreads), '--max-states', String(run.proof.maxStates)] : [])] : ['--runs', String(run.runs)];
    return ['npm', 'run', 'check', '--', ...base, ...fc.args, ...how];
  }
  return ['npm', 'run', 'compare', '--', '--family', v.family, ...base, '--runs', String(run.runs), '--max-threads', String(run.proof?.maxThreads ?? 0)];
};

const shortest = (vs: readonly Violation[]): Violation => vs.reduce((a, b) => (b.steps < a.steps ? b : a));

const invName = (i: string): string => {
  const inv = invariantByName(i);
  return inv ? `${i} (${inv.id})` : i;
};

/** One violation: a heading, its witness and the command that reproduces it. */
const cellBlock = (heading: string, strategy: string, invariant: string, v: Violation, families: readonly string[], run: CompareMailRun, width: number): string[] => {
  const where = run.userScenario !== undefined ? '' : families.length > 1 ? ` in ${families.join(', ')}; shortest in ${v.family}` : ` in ${v.family}`;
  return [
    ...wrap(ascii(`${heading}${where}: ${v.steps} steps${v.foundBy ? ', found by the proof' : ''}`), width, 2),
    ...field('Witness', v.witness, width),
    'To replay:',
    ...shellLines(replayArgv(strategy, invariant, v, run), width),
  ];
};

/** compare's mail: every line ASCII and at most `width` columns, the decision first. */
export const compareMail = (strategies: readonly string[], cells: readonly Cell[], run: CompareMailRun, interrupted?: Interrupted, width = MAIL_WIDTH): string => {
  const d = decide(cells, strategies, run.families);
  const para = (text: string, hang = 0) => wrap(ascii(text), width, hang);
  const out: string[] = [];
  const named = (l: string) => (run.userScenario !== undefined ? l.replace(/^with these drivers/, `with these drivers (${run.userScenario})`) : l);
  // The decision, then every adaptation it rests on.
  for (const l of decisionLines(d, run)) out.push(...para(`${named(l)[0].toUpperCase()}${named(l).slice(1)}.`));
  for (const a of run.adaptations ?? []) out.push(...para(`Adapted: ${adaptationText(a, run)}.`, 2));
  if (interrupted) out.push('', ...interruptedLine(interrupted).trim().split('\n').flatMap((l) => para(l)));
  out.push('');
  // A line per strategy: ok, ok but for what every strategy breaks, BROKEN (its own breaks), or not run.
  const sw = Math.max(...strategies.map((s) => s.length));
  for (const s of d.perStrategy) {
    const mine = [...new Set(s.breaks.filter((b) => b.cause === 'strategy').map((b) => b.invariant))];
    const verdict =
      s.familiesRun.length === 0 ? `not run: ${notRunText(s.strategy, run.families[0] ?? '', run).replace(/^cannot/, 'it cannot')}`
      : s.keepsEveryInvariant ? `ok: keeps every invariant (${evidenceText(s.proved, run)})`
      : mine.length ? `BROKEN: ${mine.join(', ')}${s.breaks.length > mine.length ? ', and what every strategy breaks' : ''}`
      : `ok but for what every strategy breaks (${evidenceText(s.proved, run)})`;
    const notRun = s.familiesRun.length ? run.families.filter((f) => !s.familiesRun.includes(f)) : [];
    const text = notRun.length ? `${verdict}; not run in ${notRun.join(', ')}` : verdict;
    const prefix = `  ${s.strategy.padEnd(sw)}  `;
    out.push(...wrap(ascii(text), width - prefix.length).map((l, k) => `${k === 0 ? prefix : ' '.repeat(prefix.length)}${l}`));
  }
  const byCause = (cause: Cause) => [...new Set(cells.flatMap((c) => (c.violatedIn.some((v) => v.cause === cause) ? [c.invariant] : [])))];
  for (const c of ['driver', 'reaper-era'] as const) if (byCause(c).length) out.push(...para(`Broken under every strategy that runs ${run.userScenario !== undefined ? 'them' : 'the family'}, by ${CAUSE_TEXT[c]}: ${byCause(c).join(', ')}.`));
  out.push('', ...para(`Compared: ${andList(strategies)} on ${run.userScenario !== undefined ? `your scenario (${run.userScenario})` : `the families ${run.families.join(', ')}`}; seed ${run.seed}, ${evidence(run)}.`));
  out.push(...para('mmu-notifier-checker is a model of the mmu_notifier protocol: these are model results, not reproduced kernel failures.'));

  // The cells that decide it: each strategy's own breaks.
  const own = cells.filter((c) => strategies.includes(c.strategy) && c.violatedIn.some((v) => v.cause === 'strategy'));
  if (own.length) {
    out.push('', '-'.repeat(width), '', ...para('What each strategy breaks where another strategy holds it:'));
    for (const c of own) {
      const vs = c.violatedIn.filter((v) => v.cause === 'strategy');
      out.push('', ...cellBlock(`${c.strategy} breaks ${invName(c.invariant)}`, c.strategy, c.invariant, shortest(vs), vs.map((v) => v.family), run, width));
    }
  }
  // What every strategy breaks: once per invariant and cause, the shortest over the strategies.
  const folded = (['driver', 'reaper-era'] as const).flatMap((cause) =>
    [...new Set(cells.filter((c) => c.violatedIn.some((v) => v.cause === cause)).map((c) => c.invariant))].map((invariant) => {
      const all = cells.filter((c) => c.invariant === invariant).flatMap((c) => c.violatedIn.filter((v) => v.cause === cause).map((v) => ({ strategy: c.strategy, v })));
      const best = all.reduce((a, b) => (b.v.steps < a.v.steps ? b : a));
      return { cause, invariant, best, families: [...new Set(all.map((x) => x.v.family))] };
    }),
  );
  if (folded.length) {
    out.push('', '-'.repeat(width), '', ...para('What every strategy that runs the drivers breaks (not the strategy\'s doing), each once, under the strategy with the shortest counterexample:'));
    for (const f of folded) out.push('', ...cellBlock(`${invName(f.invariant)}, ${CAUSE_TEXT[f.cause]}, under ${f.best.strategy}`, f.best.strategy, f.invariant, f.best.v, f.families, run, width));
  }
  return `${out.join('\n')}\n`;
};
