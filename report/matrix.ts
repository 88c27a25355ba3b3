/**
 * What `npm run compare` prints: the strategy × invariant matrix (terminal, Markdown, JSON) and
 * the decision view (family or the user's scenario × strategy: every invariant kept, or the
 * ones broken, and which strategies keep every invariant).
 *
 * The terminal matrix puts the rows that discriminate between strategies first: violations a
 * strategy decides (another strategy holds the same invariant on the same family). Violations
 * every strategy has on a family are folded under their cause (the drivers, the reaper era).
 */
import { decide, type Adaptation, type Cause, type Cell, type Decision, type ProofOptions } from '../engine/compare.ts';
import type { Interrupted } from './check.ts';
import { plain, type Colors } from './colors.ts';
import { DEFAULT_WIDTH } from './timeline.ts';
import { wrap } from './wrap.ts';

/** The `format` of compare's --json object (docs/design.md §6). */
export const COMPARE_RESULT_FORMAT = 'mmu-notifier-checker/compare-result@1';

/** What the matrix was computed from, printed in its header and JSON. */
export interface MatrixRun {
  readonly seed: number;
  readonly runs: number;
  readonly families: readonly string[];
  /** The user's scenario (--notifiers or --scenario) as the one family: its id, as printed. */
  readonly userScenario?: string;
  /** The flags that give `check` the same scenario (the terminal's closing hint); not in the JSON. */
  readonly checkFlags?: string;
  /** checkFlags as words, unquoted (the mail's replay commands); not in the JSON. */
  readonly checkArgs?: readonly string[];
  /** What compare adapted to run the strategies over the families (engine/compare.ts adaptations). */
  readonly adaptations?: readonly Adaptation[];
  /** The exhaustive proofs behind held cells; null or absent: sampled only. */
  readonly proof?: ProofOptions | null;
}

/** 950, 12k, 1.3M: a state count that fits a cell. */
export const compactCount = (n: number): string =>
  n < 1000 ? String(n) : n < 1e6 ? `${Math.round(n / 1000)}k` : `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;

/** A held cell: proved when every family's exhaustive search completed (with the thread bound it searched), else sampled. */
const heldText = (c: Cell): string => (c.proved ? `✔ ≤${c.maxThreads ?? '?'} threads (${compactCount(c.proofStates)})` : `✔ sampled (${c.runs})`);

/** What backs a "keeps every invariant": the proofs and their bound, or only the runs, and why. */
export const evidenceText = (proved: boolean, run: MatrixRun): string =>
  proved && run.proof ? `proved over every thread set of up to ${threads(run.proof.maxThreads)}`
  : run.proof ? 'sampled: a proof did not complete within --max-states'
  : 'sampled only: no proofs, --max-threads 0';

/** The evidence of strategies that keep what they keep: one text for all, or each group's. */
const evidenceOf = (strategies: readonly string[], d: Decision, run: MatrixRun): string => {
  const groups = new Map<string, string[]>();
  for (const s of strategies) {
    const text = evidenceText(d.perStrategy.find((x) => x.strategy === s)?.proved === true, run);
    groups.set(text, [...(groups.get(text) ?? []), s]);
  }
  return groups.size === 1 ? [...groups.keys()][0] : [...groups].map(([text, ss]) => `${andList(ss)}: ${text}`).join('; ');
};

/** The header's account of the evidence: runs per family, and the proofs' reach. */
export const evidence = (run: MatrixRun): string =>
  `${run.runs} runs per family${run.proof ? `, proofs over every thread set of up to ${threads(run.proof.maxThreads)}` : ''}`;

/** `1 thread`, `3 threads`. */
const threads = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;

const heldLegend = (run: MatrixRun | undefined): string =>
  run?.proof
    ? `✔ ≤${run.proof.maxThreads} threads (S): proved: held in every run, and an exhaustive search of every interleaving of every thread set of up to ${run.proof.maxThreads} threads (S states in all) found nothing. ✔ sampled (N): held in N generated runs; some family's proof did not complete within --max-states.`
    : '✔ sampled (N): held in N generated runs (no proofs: --max-threads 0).'

const cellAt = (cells: readonly Cell[], s: string, i: string) => cells.find((c) => c.strategy === s && c.invariant === i) as Cell;

const cellText = (c: Cell): string =>
  c.verdict === 'violated' ? `✘ ${c.violatedIn.length}/${c.familiesRun} · ${c.steps} st` : c.vacuous ? '○ vacuous' : c.verdict === 'holds' ? heldText(c) : 'n/a';

export const CAUSE_TEXT: Readonly<Record<Cause, string>> = { strategy: 'the strategy', driver: 'the drivers', 'reaper-era': 'the reaper era' };

/** `a`, `a and b`, `a, b and c`. */
export const andList = (xs: readonly string[]): string => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** The closing lines: which strategies keep every invariant, and (if it differs) which keep all they decide. */
export const decisionLines = (d: Decision, run: MatrixRun): string[] => {
  const where = run.userScenario !== undefined ? 'with these drivers' : 'in every family compared';
  const lines = [
    d.keepEveryInvariant.length
      ? `${where}, ${andList(d.keepEveryInvariant)} ${d.keepEveryInvariant.length === 1 ? 'keeps' : 'keep'} every invariant (${evidenceOf(d.keepEveryInvariant, d, run)})`
      : run.userScenario !== undefined
        ? `${where}, no strategy keeps every invariant`
        : 'no single strategy keeps every invariant in every family compared',
  ];
  const rest = d.keepEveryInvariantTheyDecide.filter((s) => !d.keepEveryInvariant.includes(s));
  if (rest.length) {
    const folded = (cause: Cause) => [...new Set(d.perStrategy.flatMap((s) => s.breaks.filter((b) => b.cause === cause).map((b) => b.invariant)))];
    const causes = (['driver', 'reaper-era'] as const).filter((c) => folded(c).length).map((c) => `by ${CAUSE_TEXT[c]}: ${folded(c).join(', ')}`);
    lines.push(`setting aside what every strategy breaks (${causes.join('; ')}), ${andList(rest)} ${rest.length === 1 ? 'keeps' : 'keep'} every other invariant (${evidenceOf(rest, d, run)})`);
  }
  return lines;
};

/** One adaptation in words (issue #23): a driver run in another form, a strategy that could not run a driver. */
export const adaptationText = (a: Adaptation, run: Pick<MatrixRun, 'userScenario'>): string => {
  const where = run.userScenario !== undefined ? '' : ` (in ${a.families.join(', ')})`;
  if (a.kind === 'cannot-run') return `${a.strategy} not compared${where}: ${a.reason ?? `it cannot run ${a.driver ?? 'these drivers'}`}`;
  if (a.kind === 'folded') return `under ${a.strategy}, ${a.driver} runs its hlist notifier and its per-fault interval notifier folded into one interval notifier${where}`;
  return `under ${a.strategy}, ${a.driver} runs in its interval form (mmu_interval_notifier), not its own hlist form${where}`;
};

/** The adaptations, one line each, starting "adapted: ". */
export const adaptationLines = (run: MatrixRun): string[] => (run.adaptations ?? []).map((a) => `adapted: ${adaptationText(a, run)}`);

/**
 * Why a strategy did not run a family, in a few words: another release's mainline rule (on a
 * named --kernel), or drivers it cannot run (the "adapted:" line says which and why).
 */
export const notRunText = (strategy: string, family: string, run: Pick<MatrixRun, 'adaptations'>): string =>
  (run.adaptations ?? []).some((a) => a.strategy === strategy && a.kind === 'cannot-run' && a.families.includes(family) && (a.reason ?? '').includes("is mainline's rule"))
    ? "not this release's rule"
    : 'cannot run these drivers';

/** One decision cell in words: every invariant kept, or those broken (with their cause when not the strategy's). */
const decisionCell = (d: Decision['perFamily'][number], markdown: boolean, run: MatrixRun): string => {
  if (!d.ran) return markdown ? 'n/a' : notRunText(d.strategy, d.family, run);
  const vac = d.vacuous.length ? `; ${markdown ? '○ ' : ''}vacuous: ${d.vacuous.join(', ')}` : '';
  if (d.keepsEveryInvariant) return `${markdown ? '✔ ' : ''}keeps every invariant (${evidenceText(d.proved, run)}${vac})`;
  const by = (cause: Cause) => d.breaks.filter((b) => b.cause === cause).map((b) => b.invariant);
  const folded = (['driver', 'reaper-era'] as const).filter((c) => by(c).length).map((c) => `by ${CAUSE_TEXT[c]}: ${by(c).join(', ')}`).join('; ');
  const mine = by('strategy');
  const x = markdown ? '✘ ' : '';
  if (!mine.length) return `${x}breaks only what every strategy breaks (${folded})`;
  return `${x}breaks ${mine.join(', ')}${folded ? ` (and what every strategy breaks: ${folded})` : ''}`;
};

/** `prefix` then `text` wrapped to `width`, continuation lines aligned under the text. */
const hanging = (prefix: string, text: string, width: number): string[] =>
  wrap(text, Math.max(20, width - prefix.length)).map((l, k) => `${k === 0 ? prefix : ' '.repeat(prefix.length)}${l}`);

export const markdownMatrix = (strategies: readonly string[], invariants: readonly string[], cells: readonly Cell[], run?: MatrixRun): string => {
  const lines = [
    `| invariant | ${strategies.join(' | ')} |`,
    `|---|${strategies.map(() => '---').join('|')}|`,
    ...invariants.map((i) => `| ${i} | ${strategies.map((s) => cellText(cellAt(cells, s, i))).join(' | ')} |`),
  ];
  const legend = `✘ k/n · s st: violated in k of the n families the strategy runs; s: the shortest shrunk counterexample, in steps. ${heldLegend(run)}${cells.some((c) => c.vacuous) ? ' ○ vacuous: held, but no run or proof reached a situation the invariant is about.' : ''}`;
  const table = `${lines.join('\n')}\n\n${legend}\n`;
  if (!run) return table;
  // The decision view after the matrix: a row per family and strategy, each naming only what the
  // strategy decides; what every strategy breaks on a family is listed once, below (short rows).
  const d = decide(cells, strategies, run.families);
  const famName = (f: string) => (f === run.userScenario ? `your scenario (${f})` : f);
  const rows = run.families.flatMap((f) =>
    strategies.map((s) => {
      const cell = d.perFamily.find((x) => x.family === f && x.strategy === s) as Decision['perFamily'][number];
      return `| ${famName(f)} | ${s} | ${decisionCellShort(cell, run)} |`;
    }),
  );
  const everyBreaks = run.families.flatMap((f) => {
    const folded = foldedText(d.perFamily.filter((x) => x.family === f && x.ran).flatMap((x) => x.breaks));
    return folded ? [`- ${famName(f)}: ${folded}`] : [];
  });
  return [
    table,
    '**Decision** (family × strategy): ✔ keeps every invariant, else ✘ the invariants the strategy breaks where another strategy holds them; what every strategy breaks is listed once, below the table.',
    '',
    '| family | strategy | decision |',
    '|---|---|---|',
    ...rows,
    '',
    ...(everyBreaks.length ? ['What every strategy that runs the family breaks ("by the drivers" / "by the reaper era"):', '', ...everyBreaks, ''] : []),
    ...decisionLines(d, run).map((l) => `${l[0].toUpperCase()}${l.slice(1)}.`),
    ...(run.adaptations?.length ? ['', 'Adapted:', '', ...run.adaptations.map((a) => `- ${adaptationText(a, run)}`)] : []),
    '',
  ].join('\n');
};

/** What every strategy breaks among `breaks` (the driver's and the reaper era's), by cause, each invariant once. */
const foldedText = (breaks: readonly { invariant: string; cause: Cause }[]): string =>
  (['driver', 'reaper-era'] as const)
    .map((c) => ({ c, names: [...new Set(breaks.filter((b) => b.cause === c).map((b) => b.invariant))] }))
    .filter((x) => x.names.length)
    .map((x) => `by ${CAUSE_TEXT[x.c]}: ${x.names.join(', ')}`)
    .join('; ');

/** A Markdown decision cell: what the strategy decides, with what every strategy breaks only pointed to. */
const decisionCellShort = (d: Decision['perFamily'][number], run: MatrixRun): string => {
  if (!d.ran) return `n/a: ${notRunText(d.strategy, d.family, run)}`;
  if (d.keepsEveryInvariant) return `✔ keeps every invariant (${evidenceText(d.proved, run)}${d.vacuous.length ? `; ○ vacuous: ${d.vacuous.join(', ')}` : ''})`;
  const mine = d.breaks.filter((b) => b.cause === 'strategy').map((b) => b.invariant);
  const rest = d.breaks.length > mine.length;
  if (!mine.length) return '✘ breaks only what every strategy breaks (below)';
  return `✘ breaks ${mine.join(', ')}${rest ? ' (and what every strategy breaks, below)' : ''}`;
};

export const terminalMatrix = (strategies: readonly string[], invariants: readonly string[], cells: readonly Cell[], run: MatrixRun, pc: Colors = plain, width: number = DEFAULT_WIDTH): string => {
  // As wide as the widest name or held cell ('✔ ≤2 threads (106k)'), so the columns stay aligned.
  const w = Math.max(14, ...strategies.map((s) => s.length), ...cells.filter((c) => c.verdict === 'holds' && !c.vacuous && strategies.includes(c.strategy) && invariants.includes(c.invariant)).map((c) => heldText(c).length));
  const iw = Math.max(...invariants.map((i) => i.length));
  const para = (text: string, indent = 0) => wrap(`${' '.repeat(indent)}${text}`, Math.max(40, width), 2);
  const out = [...para(`strategy × invariant (seed ${run.seed}, ${evidence(run)}; families: ${run.families.join(', ')})`), ''];
  out.push(`${''.padEnd(iw)}  ${strategies.map((s) => pc.bold(s.padEnd(w))).join(' ')}`.trimEnd());

  const decided = (c: Cell) => c.violatedIn.filter((v) => v.cause === 'strategy');
  const folded = (c: Cell) => c.violatedIn.filter((v) => v.cause !== 'strategy');
  const rowOf = (i: string) => {
    const row = strategies.map((s) => {
      const c = cellAt(cells, s, i);
      const mine = decided(c);
      const more = folded(c).length ? ` +${folded(c).length}` : '';
      const shortest = Math.min(...mine.map((v) => v.steps));
      const t =
        c.verdict === 'n/a' ? 'n/a'
        : mine.length ? `✘ ${mine.length}/${c.familiesRun} ${shortest}st${more}`
        : more ? `(${more.trim()})`
        : c.vacuous ? '○ vacuous'
        : heldText(c);
      const p = t.padEnd(w);
      return mine.length ? pc.red(p) : c.verdict === 'n/a' || more ? pc.dim(p) : c.vacuous ? pc.yellow(p) : pc.green(p);
    });
    return `${i.padEnd(iw)}  ${row.join(' ')}`.trimEnd();
  };
  const byStrategy = invariants.filter((i) => strategies.some((s) => decided(cellAt(cells, s, i)).length));
  const everyHolds = invariants.filter((i) => strategies.every((s) => cellAt(cells, s, i).violatedIn.length === 0));
  const heading = (text: string) => para(text).map((l) => pc.dim(l));
  if (byStrategy.length) out.push(...heading('decided by the strategy (another strategy holds the invariant on the same family):'), ...byStrategy.map(rowOf));
  if (everyHolds.length) out.push(...heading('held by every strategy that runs it:'), ...everyHolds.map(rowOf));
  const causes = (['driver', 'reaper-era'] as const).map((cause) => ({
    cause,
    rows: invariants
      .map((i) => ({ i, families: [...new Set(strategies.flatMap((s) => cellAt(cells, s, i).violatedIn.filter((v) => v.cause === cause).map((v) => v.family)))] }))
      .filter((r) => r.families.length),
  }));
  if (causes.some((c) => c.rows.length)) {
    out.push(...heading('broken under every strategy that runs the family, folded under their cause:'));
    for (const { cause, rows } of causes) {
      if (!rows.length) continue;
      out.push(`  by ${CAUSE_TEXT[cause]}:`);
      for (const r of rows) out.push(...hanging(`    ${r.i.padEnd(iw)}  `, `in ${r.families.join(', ')}`, width));
    }
  }
  out.push(
    '',
    ...para(
      `✘ k/n Sst: the strategy breaks it in k of the n families it runs where another strategy holds it, shortest counterexample S steps; +m, (+m): broken in m more families under every strategy (folded below the matrix). ${heldLegend(run)} ○ vacuous: held, but no run or proof reached a situation the invariant is about.${strategies.length < 2 ? ' With one strategy compared, no violation can be told apart as the strategy\'s.' : ''}`,
    ),
    '',
  );
  const tag = (cause: Cause | null) => (cause && cause !== 'strategy' ? `, ${CAUSE_TEXT[cause].replace(/^the /, '')}` : '');
  for (const c of cells.filter((c) => c.verdict === 'violated'))
    out.push(...hanging(`  ${c.strategy} × ${c.invariant}: `, c.violatedIn.map((f) => `${f.family} (${f.steps} st, ${f.ms} ms${f.foundBy ? ', found by the proof' : ''}${tag(f.cause)})`).join(', '), width), ...hanging('      shortest: ', c.witness ?? '', width));

  // The decision view: family (or the user's scenario) × strategy.
  const d = decide(cells, strategies, run.families);
  const sw = Math.max(...strategies.map((s) => s.length));
  out.push('', pc.bold('decision: family × strategy'));
  for (const f of run.families) {
    out.push(f === run.userScenario ? `your scenario (${f})` : f);
    for (const s of strategies) {
      const cell = d.perFamily.find((x) => x.family === f && x.strategy === s) as Decision['perFamily'][number];
      const text = decisionCell(cell, false, run);
      const colour = !cell.ran ? pc.dim : cell.keepsEveryInvariant ? pc.green : cell.breaks.some((b) => b.cause === 'strategy') ? pc.red : pc.yellow;
      out.push(...hanging(`  ${s.padEnd(sw)}  `, text, width).map((l) => `${l.slice(0, sw + 4)}${colour(l.slice(sw + 4))}`));
    }
  }
  out.push('', ...decisionLines(d, run).flatMap((l) => para(l).map((x) => pc.bold(x))), ...adaptationLines(run).flatMap((l) => para(l)));
  out.push('', ...para(`details: npm run check -- --strategy NAME --invariant NAME ${run.checkFlags ?? '--notifiers ...'}`), '');
  return out.join('\n');
};

/** The --json object: the run, every cell (each violation with its cause) and the decision. */
export const jsonMatrix = (cells: readonly Cell[], run: MatrixRun, strategies?: readonly string[], interrupted?: Interrupted): string => {
  const ss = strategies ?? [...new Set(cells.map((c) => c.strategy))];
  return `${JSON.stringify(
    {
      format: COMPARE_RESULT_FORMAT,
      seed: run.seed,
      runsPerFamily: run.runs,
      proof: run.proof ?? null,
      families: run.families,
      ...(run.userScenario !== undefined ? { userScenario: run.userScenario } : {}),
      strategies: ss,
      adaptations: run.adaptations ?? [],
      ...(interrupted ? { interrupted } : {}),
      results: cells,
      decision: decide(cells, ss, run.families),
    },
    null,
    2,
  )}\n`;
};
