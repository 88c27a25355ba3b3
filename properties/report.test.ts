/**
 * The renderers of report/ on hand-made data, without spawning a process: what each prints,
 * not how it looks byte for byte (properties/cli.test.ts covers the scripts' contract).
 */
import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { SavedCase } from '../engine/case-format.ts';
import type { Checked } from '../engine/check.ts';
import { attribute, decide, type Cell } from '../engine/compare.ts';
import type { Counterexample } from '../engine/result.ts';
import { invariantByName, type Scenario, type TraceStep } from '../model/index.ts';
import { checkJson, checkRows, checkText, progressLine, replayCommand } from '../report/check.ts';
import { plain } from '../report/colors.ts';
import { decisionLines, jsonMatrix, markdownMatrix, terminalMatrix } from '../report/matrix.ts';
import { mermaid } from '../report/mermaid.ts';
import { driftLine, replaySummary, replayUnderLine } from '../report/replay.ts';
import { switchesText, timeline } from '../report/timeline.ts';
import { checkCommand } from '../scripts/check.ts';
import { runCommand, type Io } from '../scripts/cli.ts';

const colour = picocolors.createColors(true);

/** Seed3's opening: B takes its lock, the reaper's trylock succeeds, B's non-blocking start fails. */
const trace: TraceStep[] = [
  { thread: 'ioctl:B', action: 'B.ioctl: lock(umem_rwsem)', events: ['lock(B.umem_rwsem)'] },
  { thread: 'oom_reaper', action: 'mmap_read_trylock', events: ['mmap_read_trylock ok', 'set MMF_UNSTABLE'] },
  { thread: 'oom_reaper', action: 'B.invalidate_range_start: return -EAGAIN', events: ['B.invalidate_range_start -> -EAGAIN'], diagnostics: ['WARN_ON(B has an end)'], drain: true },
];

const scenario: Scenario = {
  strategy: 'skip-all-end',
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }],
  threads: ['oom_reaper', 'ioctl:B'],
};

const cx = (foundWith: 'random' | 'exhaustive'): Counterexample => ({
  invariant: 'StartEndPaired',
  witness: 'A got 0 ends',
  scenario,
  schedule: ['ioctl:B', 'oom_reaper'],
  trace,
  steps: 3,
  contextSwitches: 1,
  fromSteps: foundWith === 'random' ? 7 : 3,
  fromSwitches: foundWith === 'random' ? 4 : 1,
  provenance: foundWith === 'random' ? { foundWith, seed: 42, path: '5:1', runs: 6 } : { foundWith },
});

/** The cells of one timeline row, between the step number and the effect. */
const cellsOf = (row: string) => row.split(/ │(?: |$)/).map((c) => c.trim());

describe('timeline', () => {
  it('one row per step, the action in its thread column, the effects last', () => {
    const lines = timeline(trace, { width: 200 }).split('\n');
    expect(lines).toHaveLength(2 + trace.length); // header, rule, steps
    const header = cellsOf(lines[0]);
    expect(header).toEqual(['#  ioctl:B', 'oom_reaper', 'effect']);
    const [r1, r2, r3] = lines.slice(2).map(cellsOf);
    expect(r1).toEqual(['1  B.ioctl: lock(umem_rwsem)', '', 'lock(B.umem_rwsem)']);
    expect(r2).toEqual(['2', 'mmap_read_trylock', 'mmap_read_trylock ok; set MMF_UNSTABLE']);
    expect(r3[0]).toBe('3');
    expect(r3[1]).toBe('B.invalidate_range_start: return -EAGAIN');
    expect(r3[2]).toBe('(drain) B.invalidate_range_start -> -EAGAIN; WARN_ON(B has an end)');
  });
  it.each([40, 60, 80, 100, 132])('fits %i columns: long actions and effects wrap onto continuation lines, never cut', (width) => {
    const text = timeline(trace, { width });
    const lines = text.split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(Math.max(width, 3 + 2 * 12 + 2 * 3 + 24)); // below the minimum widths, the minimums
    expect(text).not.toContain('…');
    // Each step's cells, read back column by column over its lines, give the action and effects whole.
    const rows: string[][][] = [];
    for (const l of lines.slice(2)) {
      const cells = cellsOf(l.slice(3));
      if (/^\d/.test(l)) rows.push(cells.map((c) => [c]));
      else cells.forEach((c, i) => rows[rows.length - 1][i].push(c));
    }
    const joined = rows.map((r) => r.map((c) => c.filter((x) => x !== '').join(' ')));
    expect(joined.map((r) => r.slice(0, 2).join('').replace(/ /g, ''))).toEqual(trace.map((s) => s.action.replace(/ /g, '')));
    expect(joined[2][2].replace(/ /g, '')).toBe('(drain)B.invalidate_range_start->-EAGAIN;WARN_ON(Bhasanend)');
  });
  it('a narrow terminal: each column at least 12 wide, a wrapped action keeps every character', () => {
    const long: TraceStep[] = [{ thread: 'oom_reaper', action: `A.invalidate_range_start: ${'x'.repeat(70)}`, events: [] }];
    const lines = timeline(long, { width: 50 }).split('\n').slice(2);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.map((l) => cellsOf(l.slice(3))[0]).join('').replace(/ /g, '')).toBe(long[0].action.replace(/ /g, ''));
  });
  it('colours diagnostics red and the drain mark dim only when given a colouring instance', () => {
    expect(timeline(trace)).not.toContain('\x1b[');
    const coloured = timeline(trace, { pc: colour, width: 200 });
    expect(coloured).toContain(colour.red('WARN_ON(B has an end)'));
    expect(coloured).toContain(colour.dim('(drain)'));
  });
});

describe('mermaid', () => {
  const lines = mermaid(trace).split('\n');
  it('a participant per thread, the core and each notifier named in an action', () => {
    expect(lines[0]).toBe('sequenceDiagram');
    expect(lines.filter((l) => l.startsWith('  participant '))).toEqual([
      '  participant ioctl_B as ioctl:B',
      '  participant oom_reaper as oom_reaper',
      '  participant core as mmu_notifier core',
      '  participant N_B as notifier B',
    ]);
  });
  it('an arrow per step, to the notifier for a driver step and to the core otherwise, with its effects as a note', () => {
    expect(lines.filter((l) => l.includes('->>'))).toEqual([
      '  ioctl_B->>N_B: ioctl: lock(umem_rwsem)',
      '  oom_reaper->>core: mmap_read_trylock',
      '  oom_reaper->>N_B: invalidate_range_start: return -EAGAIN',
    ]);
    expect(lines).toContain('  Note over core: mmap_read_trylock ok / set MMF_UNSTABLE');
  });
});

describe('the compare matrix and the decision', () => {
  const cell = (strategy: string, invariant: string, o: Partial<Cell>): Cell => ({
    strategy, invariant, verdict: 'holds', runs: 600, familiesRun: 2, ranIn: ['ab-pair', 'reaper-skip-era'], violatedIn: [], vacuousIn: [], vacuous: false, provedIn: [], proved: false, maxThreads: null, proofStates: 0, goals: {}, ms: null, steps: null, family: null, witness: null, ...o,
  });
  const broken = (family: string, steps: number, witness: string) => ({ family, steps, ms: 15, witness, cause: null });
  const violated = (family: string, steps: number, witness: string): Partial<Cell> => ({ verdict: 'violated', violatedIn: [broken(family, steps, witness)], ms: 15, steps, family, witness });
  const strategies = ['skip-all-end', 'call-all-end-2021', 'core-counter'];
  const invariants = ['StartEndPaired', 'NoDeadlock', 'ReaperUsefulProgress', 'NoCounterUnderflow'];
  const onlyEra = { runs: 300, familiesRun: 1, ranIn: ['reaper-skip-era'] }; // core-counter cannot run ab-pair's odp-4.20
  const raw: Cell[] = [
    // Only skip-all-end breaks pairing on ab-pair: the strategy's doing.
    cell('skip-all-end', 'StartEndPaired', violated('ab-pair', 10, 'A got 0 ends')),
    cell('call-all-end-2021', 'StartEndPaired', { provedIn: ['ab-pair', 'reaper-skip-era'], proved: true, maxThreads: 2, proofStates: 12_345 }),
    cell('core-counter', 'StartEndPaired', { ...onlyEra, vacuousIn: ['reaper-skip-era'], vacuous: true }),
    // Every strategy that runs ab-pair deadlocks there: the drivers'.
    cell('skip-all-end', 'NoDeadlock', violated('ab-pair', 15, 'stuck')),
    cell('call-all-end-2021', 'NoDeadlock', violated('ab-pair', 16, 'stuck')),
    cell('core-counter', 'NoDeadlock', onlyEra),
    // Every strategy breaks it on the v4.14 reaper's family: the reaper era's.
    ...strategies.map((s) => cell(s, 'ReaperUsefulProgress', { ...violated('reaper-skip-era', 2, 'not unmapped'), ...(s === 'core-counter' ? onlyEra : {}) })),
    cell('skip-all-end', 'NoCounterUnderflow', {}),
    cell('call-all-end-2021', 'NoCounterUnderflow', {}),
    cell('core-counter', 'NoCounterUnderflow', { ...onlyEra, vacuousIn: ['reaper-skip-era'], vacuous: true }),
  ];
  const cells = attribute(raw, { 'ab-pair': 'nonblock-per-vma', 'reaper-skip-era': 'skip-if-notifiers' });
  const run = { seed: 42, runs: 300, proof: { maxThreads: 2, maxStates: 500_000 }, families: ['ab-pair', 'reaper-skip-era'] };
  const at = (s: string, i: string) => cells.find((c) => c.strategy === s && c.invariant === i) as Cell;

  it('attributes each violation: the strategy (another holds it on the family), the drivers (all break it), the reaper era', () => {
    expect(at('skip-all-end', 'StartEndPaired').violatedIn.map((v) => v.cause)).toEqual(['strategy']);
    expect(at('skip-all-end', 'NoDeadlock').violatedIn.map((v) => v.cause)).toEqual(['driver']);
    expect(at('call-all-end-2021', 'NoDeadlock').violatedIn.map((v) => v.cause)).toEqual(['driver']);
    expect(strategies.map((s) => at(s, 'ReaperUsefulProgress').violatedIn[0].cause)).toEqual(['reaper-era', 'reaper-era', 'reaper-era']);
    // Among one strategy alone nothing is the strategy's doing; a second that holds it changes that.
    expect(attribute([raw[0]], {})[0].violatedIn[0].cause).toBe('driver');
    expect(attribute([raw[0], raw[1]], {})[0].violatedIn[0].cause).toBe('strategy');
  });
  it('decides per family and strategy, and names the strategies that keep every invariant', () => {
    const d = decide(cells, strategies, run.families);
    const ab = d.perFamily.filter((x) => x.family === 'ab-pair');
    expect(ab.map((x) => [x.strategy, x.ran, x.keepsEveryInvariant, x.breaks.map((b) => `${b.invariant}:${b.cause}`)])).toEqual([
      ['skip-all-end', true, false, ['StartEndPaired:strategy', 'NoDeadlock:driver']],
      ['call-all-end-2021', true, false, ['NoDeadlock:driver']],
      ['core-counter', false, false, []],
    ]);
    expect(d.perFamily.find((x) => x.family === 'reaper-skip-era' && x.strategy === 'core-counter')?.vacuous).toEqual(['StartEndPaired', 'NoCounterUnderflow']);
    expect(d.keepEveryInvariant).toEqual([]);
    expect(d.keepEveryInvariantTheyDecide).toEqual(['call-all-end-2021', 'core-counter']);
    expect(decisionLines(d, run)).toEqual([
      'no single strategy keeps every invariant in every family compared',
      // call-all-end-2021's NoCounterUnderflow and core-counter's NoDeadlock are only sampled.
      'setting aside what every strategy breaks (by the drivers: NoDeadlock; by the reaper era: ReaperUsefulProgress), call-all-end-2021 and core-counter keep every other invariant (sampled: a proof did not complete within --max-states)',
    ]);
    // The user's scenario: with its drivers, the strategies that keep everything.
    const mine = attribute([raw[0], raw[1]], {});
    const user = { ...run, families: ['ab-pair'], userScenario: 'ab-pair' };
    expect(decisionLines(decide(mine, ['skip-all-end', 'call-all-end-2021'], ['ab-pair']), user)).toEqual(['with these drivers, call-all-end-2021 keeps every invariant (proved over every thread set of up to 2 threads)']);
    // Each says what backs it: the proofs and their bound, or the runs alone.
    const sampled = attribute([raw[0], raw[1], cell('sorted-undo', 'StartEndPaired', {})], {});
    expect(decisionLines(decide(sampled, ['skip-all-end', 'call-all-end-2021', 'sorted-undo'], ['ab-pair']), user)).toEqual([
      'with these drivers, call-all-end-2021 and sorted-undo keep every invariant (call-all-end-2021: proved over every thread set of up to 2 threads; sorted-undo: sampled: a proof did not complete within --max-states)',
    ]);
    expect(decisionLines(decide(mine, ['skip-all-end', 'call-all-end-2021'], ['ab-pair']), { ...user, proof: null })).toEqual(['with these drivers, call-all-end-2021 keeps every invariant (sampled only: no proofs, --max-threads 0)']);
  });
  it('Markdown: the matrix (✔ proved or sampled, ○ for a vacuous holds), then the decision table and its closing line', () => {
    const lines = markdownMatrix(strategies, invariants, cells, run).split('\n');
    expect(lines[0]).toBe('| invariant | skip-all-end | call-all-end-2021 | core-counter |');
    expect(lines[1]).toBe('|---|---|---|---|');
    expect(lines.slice(2, 6)).toEqual([
      '| StartEndPaired | ✘ 1/2 · 10 st | ✔ ≤2 threads (12k) | ○ vacuous |',
      '| NoDeadlock | ✘ 1/2 · 15 st | ✘ 1/2 · 16 st | ✔ sampled (300) |',
      '| ReaperUsefulProgress | ✘ 1/2 · 2 st | ✘ 1/2 · 2 st | ✘ 1/1 · 2 st |',
      '| NoCounterUnderflow | ✔ sampled (600) | ✔ sampled (600) | ○ vacuous |',
    ]);
    expect(lines[6]).toBe('');
    expect(lines[7]).toMatch(/^✘ k\/n · s st: .* ✔ ≤2 threads \(S\): proved: .* every thread set of up to 2 threads .* ○ vacuous: held, but no run or proof reached a situation the invariant is about\.$/);
    // A row per family and strategy, naming only what the strategy decides; what every strategy breaks once, below.
    expect(lines).toContain('| family | strategy | decision |');
    expect(lines).toContain('| ab-pair | skip-all-end | ✘ breaks StartEndPaired (and what every strategy breaks, below) |');
    expect(lines).toContain('| ab-pair | call-all-end-2021 | ✘ breaks only what every strategy breaks (below) |');
    expect(lines).toContain('| ab-pair | core-counter | n/a: cannot run these drivers |');
    expect(lines).toContain('- ab-pair: by the drivers: NoDeadlock');
    expect(lines).toContain('- reaper-skip-era: by the reaper era: ReaperUsefulProgress');
    expect(lines).toContain('No single strategy keeps every invariant in every family compared.');
    // Without the run, only the matrix (as README embeds it).
    expect(markdownMatrix(strategies, invariants, cells).trimEnd().split('\n')).toEqual([...lines.slice(0, 7), expect.stringMatching(/✔ sampled \(N\): held in N generated runs \(no proofs/)]);
  });
  it('terminal: the rows a strategy decides first, then those every strategy holds, the rest folded under their cause; then the decision', () => {
    const lines = terminalMatrix(strategies, invariants, cells, run, plain, 200).split('\n');
    expect(lines[0]).toBe('strategy × invariant (seed 42, 300 runs per family, proofs over every thread set of up to 2 threads; families: ab-pair, reaper-skip-era)');
    const idx = (p: (l: string) => boolean) => lines.findIndex(p);
    const decided = idx((l) => l.startsWith('decided by the strategy'));
    const held = idx((l) => l.startsWith('held by every strategy'));
    const folded = idx((l) => l.startsWith('broken under every strategy'));
    expect(decided).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(decided);
    expect(folded).toBeGreaterThan(held);
    expect(lines.slice(decided + 1, held)).toEqual([expect.stringMatching(/^StartEndPaired {8}✘ 1\/2 10st +✔ ≤2 threads \(12k\) +○ vacuous$/)]);
    expect(lines.slice(held + 1, folded)).toEqual([expect.stringMatching(/^NoCounterUnderflow {4}✔ sampled \(600\) +✔ sampled \(600\) +○ vacuous$/)]);
    expect(lines.slice(folded + 1, folded + 5).map((l) => l.replace(/ +/g, ' '))).toEqual([' by the drivers:', ' NoDeadlock in ab-pair', ' by the reaper era:', ' ReaperUsefulProgress in reaper-skip-era']);
    expect(lines).toContain('  skip-all-end × StartEndPaired: ab-pair (10 st, 15 ms)');
    expect(lines).toContain('  skip-all-end × NoDeadlock: ab-pair (15 st, 15 ms, drivers)');
    expect(lines).toContain('      shortest: A got 0 ends');
    const decision = idx((l) => l === 'decision: family × strategy');
    expect(lines.slice(decision + 1, decision + 5)).toEqual([
      'ab-pair',
      '  skip-all-end       breaks StartEndPaired (and what every strategy breaks: by the drivers: NoDeadlock)',
      '  call-all-end-2021  breaks only what every strategy breaks (by the drivers: NoDeadlock)',
      '  core-counter       cannot run these drivers',
    ]);
    expect(lines).toContain('  core-counter       breaks only what every strategy breaks (by the reaper era: ReaperUsefulProgress)');
    expect(lines).toContain('no single strategy keeps every invariant in every family compared');
    // The columns are as wide as the widest name or held cell: '✔ ≤2 threads (12k)', 18.
    expect(terminalMatrix(strategies, invariants, cells, run, colour)).toContain(colour.red('✘ 1/2 10st'.padEnd(18)));
    // At 80 columns the prose wraps (the matrix rows are as wide as the strategies they show).
    const narrow = terminalMatrix(strategies, invariants, cells, run, plain, 80).split('\n');
    const rows = new Set([...invariants.map((i) => narrow.find((l) => l.startsWith(`${i} `))), narrow.find((l) => l.startsWith(' '.repeat(20)))]);
    for (const l of narrow.filter((x) => !rows.has(x))) expect(l.length, l).toBeLessThanOrEqual(80);
    const wrapped = narrow.findIndex((l) => l.startsWith('  skip-all-end       breaks StartEndPaired (and what'));
    expect(wrapped).toBeGreaterThan(0);
    expect(narrow[wrapped + 1]).toMatch(/^ {21}\S/); // the continuation, under the text
  });
  it('JSON: the format, the run, every cell with each violation\'s cause, and the decision', () => {
    const j = JSON.parse(jsonMatrix(cells, run, strategies));
    expect(j).toEqual({ format: 'mmu-notifier-checker/compare-result@1', seed: 42, runsPerFamily: 300, proof: run.proof, families: run.families, strategies, adaptations: [], results: JSON.parse(JSON.stringify(cells)), decision: JSON.parse(JSON.stringify(decide(cells, strategies, run.families))) });
    expect(j.results[0].violatedIn[0].cause).toBe('strategy');
    expect(j.results[1]).toMatchObject({ strategy: 'call-all-end-2021', invariant: 'StartEndPaired', proved: true, maxThreads: 2 });
    expect(j.decision.perStrategy.map((s: { strategy: string; keepsEveryInvariantItDecides: boolean }) => [s.strategy, s.keepsEveryInvariantItDecides])).toEqual([['skip-all-end', false], ['call-all-end-2021', true], ['core-counter', true]]);
    expect(JSON.parse(jsonMatrix(cells, { ...run, userScenario: 'ab-pair', checkFlags: '--notifiers x' }, strategies))).toMatchObject({ userScenario: 'ab-pair' });
    expect(JSON.parse(jsonMatrix(cells, { ...run, checkFlags: '--notifiers x' }, strategies))).not.toHaveProperty('checkFlags');
  });
});

describe('check', () => {
  const checked: Checked[] = [
    { strategy: 'skip-all-end', result: { engine: 'random', invariant: 'StartEndPaired', verdict: 'violated', runs: 6, ms: 14.6, counterexample: cx('random') }, file: null },
    { strategy: 'skip-all-end', result: { engine: 'random', invariant: 'NoDeadlock', verdict: 'holds', runs: 1000, ms: 300, counterexample: null }, file: null },
    { strategy: 'sorted-undo', result: { engine: 'exhaustive', invariant: 'StartEndPaired', verdict: 'violated', states: 20, depth: 3, ms: 2, counterexample: cx('exhaustive') }, file: 'shrunk-cases/x.json' },
    { strategy: 'sorted-undo', result: { engine: 'exhaustive', invariant: 'NoDeadlock', verdict: 'holds-up-to-bound', states: 61, depth: 30, ms: 5, counterexample: null }, file: null },
  ];
  const how = { seed: 42, runs: 1000, exhaustive: false, depth: 60, notifiers: 'kvm,odp-4.20' };

  it('rows: runs for the random engine, states for the exhaustive one, shrunk-from only for a random counterexample', () => {
    const rows = checkRows(checked);
    expect(rows.map((r) => [r.engine, r.runs, r.states, r.ms])).toEqual([['random', 6, 0, 15], ['random', 1000, 0, 300], ['exhaustive', 0, 20, 2], ['exhaustive', 0, 61, 5]]);
    expect(rows[0].counterexample).toMatchObject({ steps: 3, contextSwitches: 1, threads: scenario.threads, file: null, shrunkFrom: 7 });
    expect(rows[2].counterexample).toMatchObject({ steps: 3, file: 'shrunk-cases/x.json' });
    expect(rows[2].counterexample).not.toHaveProperty('shrunkFrom');
    expect(JSON.parse(checkJson(checked, 42))).toEqual({ format: 'mmu-notifier-checker/check-result@1', seed: 42, results: JSON.parse(JSON.stringify(rows)) });
  });
  it('text: a verdict line per result under its strategy, then each counterexample with its timeline and replay line', () => {
    const text = checkText(checked, how);
    const lines = text.split('\n');
    expect(lines).toContain('skip-all-end  (seed 42, 1000 runs)');
    expect(lines).toContain('  violated  StartEndPaired 6 runs, 15 ms');
    expect(lines).toContain('  holds     NoDeadlock     1000 runs, 300 ms');
    expect(lines).toContain('  holds ≤ bound  NoDeadlock     61 states, 5 ms');
    expect(lines).toContain('✘ skip-all-end × StartEndPaired: A got 0 ends');
    expect(lines).toContain('  threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B","oom_reaper"]; 3 steps (shrunk from 7), 1 context switch');
    expect(lines).toContain('  threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B","oom_reaper"]; 3 steps, 1 context switch');
    expect(lines).toContain('  replay: npm run check -- --strategy skip-all-end --invariant StartEndPaired --seed 42 --notifiers kvm,odp-4.20 --runs 1000');
    // Only a counterexample the search proved shortest on its threads says so.
    const proven = checkText([{ ...checked[0], result: { ...checked[0].result, counterexample: { ...cx('random'), shortestOnThreads: true } } as Checked['result'] }], how).split('\n');
    expect(proven).toContain('  threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B","oom_reaper"]; 3 steps (shrunk from 7), the fewest these threads allow, 1 context switch');
    expect(checkRows([{ ...checked[0], result: { ...checked[0].result, counterexample: { ...cx('random'), shortestOnThreads: true } } as Checked['result'] }])[0].counterexample).toMatchObject({ shortestOnThreads: true });
    expect(checkRows(checked)[0].counterexample).toMatchObject({ shortestOnThreads: false });
    // A thread of the scenario that takes no step before the violation is named (it has no column).
    expect(lines.filter((l) => l.includes('no step before the violation'))).toEqual([]);
    const wider = { ...cx('random'), scenario: { ...scenario, threads: [...scenario.threads, 'madvise', 'fault:A'] } };
    expect(checkText([{ ...checked[0], result: { ...checked[0].result, counterexample: wider } as Checked['result'] }], how).split('\n')).toContain('  (madvise, fault:A take no step before the violation)');
    // A random one not proven so says why, and how to search further; an exhaustive one never (its bound line says it).
    const hint = '  (these threads may allow fewer steps: the shortest pass stopped at its budget of 200000 states; try a larger --shortest-states, or --exhaustive --threads oom_reaper,ioctl:B)';
    expect(lines.filter((l) => l === hint)).toHaveLength(1);
    expect(proven).not.toContain(hint);
    expect(checkText([checked[0]], { ...how, shortest: 0 }).split('\n')).toContain('  (not shortened: --shortest-states 0; --exhaustive --threads oom_reaper,ioctl:B finds the fewest steps these threads allow, within --max-states)');
    expect(checkText([checked[0]], { ...how, shortest: 700000 })).toContain('the shortest pass stopped at its budget of 700000 states;');
    expect(checkText([checked[0]], { ...how, shortest: 1 })).toContain('its budget of 1 state;');
    // A --scenario file holds the threads (--threads beside it is refused): the hint names them for the file.
    expect(checkText([checked[0]], { ...how, scenarioFile: 'my.json' })).toContain('or --exhaustive with "threads": ["oom_reaper","ioctl:B"] in my.json)');
    expect(lines).toContain('  saved: shrunk-cases/x.json  (npm run replay -- shrunk-cases/x.json)');
    expect(text).toContain(timeline(trace));
  });
  it('a holds whose runs reached none of its situations prints as vacuous, naming them; --json carries vacuous and goals', () => {
    const about = invariantByName('NoDeadlock')?.about ?? [];
    expect(about.length).toBeGreaterThan(0);
    const none = Object.fromEntries([...about.map((g) => [g, 0]), ['nonblock_callback', 12]]);
    const some = { ...none, [about[0]]: 3 };
    const held = (goals: Record<string, number>): Checked => ({ strategy: 'skip-all-end', result: { engine: 'random', invariant: 'NoDeadlock', verdict: 'holds', runs: 1000, ms: 300, counterexample: null, goals }, file: null });
    const lines = checkText([held(none)], how).split('\n');
    expect(lines).toContain(`  vacuous   NoDeadlock 1000 runs, 300 ms; no run reached ${about.join(', ')}`);
    expect(checkText([held(some)], how)).toContain('  holds     NoDeadlock 1000 runs, 300 ms\n');
    const [vac, real, exh] = JSON.parse(checkJson([held(none), held(some), checked[3]], 42)).results;
    expect(vac).toMatchObject({ verdict: 'holds', vacuous: true, goals: none });
    expect(real).toMatchObject({ verdict: 'holds', vacuous: false, goals: some });
    expect(exh).toMatchObject({ engine: 'exhaustive', vacuous: false, goals: null });
    expect(checkText([held(none)], how, colour)).toContain(colour.yellow('vacuous '));
  });
  it('the replay command repeats a --scenario file, fixed threads and the exhaustive bound', () => {
    expect(replayCommand({ strategy: 's', invariant: 'I' }, { ...how, exhaustive: true, depth: 30, scenarioFile: 'sc.json', threads: 'oom_reaper,ioctl:B' })).toBe(
      'npm run check -- --strategy s --invariant I --seed 42 --scenario sc.json --threads oom_reaper,ioctl:B --exhaustive --depth 30',
    );
  });
  it('progress: runs of the random engine, states of the exhaustive one, overwriting the line', () => {
    expect(progressLine({ engine: 'random', strategy: 'skip-all-end', runs: 200, of: 1000, ms: 1234 })).toBe('\r  skip-all-end: 200/1000 runs, 1.2 s\x1b[K');
    expect(progressLine({ engine: 'exhaustive', strategy: 'sorted-undo', threads: ['oom_reaper', 'fault:A'], set: 0, of: 1, states: 5000, ms: 50 })).toBe('\r  sorted-undo: 5000 states, 0.1 s\x1b[K');
    expect(progressLine({ engine: 'exhaustive', strategy: 'sorted-undo', threads: ['oom_reaper', 'fault:A'], set: 2, of: 7, states: 5000, ms: 50 })).toBe('\r  sorted-undo: thread set 3/7 (oom_reaper,fault:A), 5000 states, 0.1 s\x1b[K');
    expect(progressLine({ engine: 'pass', strategy: 'skip-all-end', pass: { phase: 'shrinking', invariant: 'NoDeadlock', ms: 2500 } })).toBe('\r  skip-all-end: shrinking NoDeadlock, 2.5 s\x1b[K');
    expect(progressLine({ engine: 'pass', strategy: 'skip-all-end', pass: { phase: 'shortest', threads: ['oom_reaper', 'ioctl:B'], states: 10000, ms: 3000 } })).toBe('\r  skip-all-end: shortest pass on oom_reaper,ioctl:B, 10000 states, 3.0 s\x1b[K');
    // A fixed set's subset: the others stay where they start, and the line says so.
    expect(progressLine({ engine: 'pass', strategy: 'skip-all-end', pass: { phase: 'shortest', threads: ['madvise', 'fault:B'], idle: ['oom_reaper'], states: 5000, ms: 1000 } })).toBe('\r  skip-all-end: shortest pass on madvise,fault:B (oom_reaper held at their start), 5000 states, 1.0 s\x1b[K');
  });
  it('progress on a terminal: after the runs, each violated invariant shrunk, then the shortest pass set by set', async () => {
    let err = '';
    const io: Io = { stdout: { write: () => true }, stderr: { isTTY: true, write: (s: string) => ((err += s), true) }, env: { NO_COLOR: '1' }, inline: true };
    const code = await runCommand(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'StartEndPaired,LockOrder', '--runs', '100'], io);
    expect(code).toBe(1);
    const lines = err.split('\r').map((l) => l.replace('\x1b[K', '').trim()).filter((l) => l !== '');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^skip-all-end: 100\/100 runs/)).toBeGreaterThanOrEqual(0);
    expect(at(/^skip-all-end: shrinking StartEndPaired, /)).toBeGreaterThan(at(/^skip-all-end: 100\/100 runs/));
    expect(at(/^skip-all-end: shrinking LockOrder, /)).toBeGreaterThan(at(/^skip-all-end: shrinking StartEndPaired, /));
    expect(at(/^skip-all-end: shortest pass on \S+, 0 states, /)).toBeGreaterThan(at(/^skip-all-end: shrinking LockOrder, /));
  });
});

describe('replay', () => {
  const c = { scenario, schedule: ['ioctl:B'], expect: { invariant: 'StartEndPaired', verdict: 'violated' } } as unknown as SavedCase;
  it('one line per strategy under --strategy all', () => {
    expect(replayUnderLine('sorted-undo', 'StartEndPaired', { kind: 'verdict-changed', trace, verdict: 'holds', witness: null })).toBe('sorted-undo        StartEndPaired: holds\n');
    expect(replayUnderLine('skip-all-end', 'StartEndPaired', { kind: 'reproduced', trace, witness: 'A got 0 ends', step: 10 })).toBe('skip-all-end       StartEndPaired: violated at step 10: A got 0 ends\n');
    expect(replayUnderLine('core-counter', 'StartEndPaired', { kind: 'invalid', errors: ['no form'] })).toBe('core-counter       StartEndPaired: cannot run: no form\n');
  });
  it('the summary names the file, the case, and the verdict reached', () => {
    const reproduced = replaySummary('f.json', c, undefined, { kind: 'reproduced', trace, witness: 'A got 0 ends', step: 3 }).split('\n');
    expect(reproduced.slice(0, 4)).toEqual([
      'f.json',
      '  skip-all-end × StartEndPaired; threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B"]',
      '  violated StartEndPaired at step 3: A got 0 ends',
      '  3 steps, 1 context switch',
    ]);
    expect([0, 1, 2].map(switchesText)).toEqual(['0 context switches', '1 context switch', '2 context switches']);
    const other = replaySummary('f.json', c, 'call-all-end-2021', { kind: 'verdict-changed', trace, verdict: 'holds', witness: null }).split('\n');
    expect(other[1]).toMatch(/^ {2}skip-all-end case replayed under call-all-end-2021 × StartEndPaired;/);
    expect(other[2]).toBe('  holds StartEndPaired (recorded: violated)');
  });
  it('drift names the step, the recorded and the current action', () => {
    expect(driftLine('f.json', { kind: 'drift', step: 1, expected: 'a', actual: 'b', trace })).toBe("drift: f.json: the schedule no longer fits the model at step 1: recorded 'a', now 'b'\n");
  });
});
