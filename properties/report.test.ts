/**
 * The renderers of report/ on hand-made data, without spawning a process: what each prints,
 * not how it looks byte for byte (properties/cli.test.ts covers the scripts' contract).
 */
import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { SavedCase } from '../engine/case-format.ts';
import type { Checked } from '../engine/check.ts';
import type { Cell } from '../engine/compare.ts';
import type { Counterexample } from '../engine/result.ts';
import type { Scenario, TraceStep } from '../model/index.ts';
import { checkJson, checkRows, checkText, progressLine, replayCommand } from '../report/check.ts';
import { jsonMatrix, markdownMatrix, terminalMatrix } from '../report/matrix.ts';
import { mermaid } from '../report/mermaid.ts';
import { driftLine, replaySummary, replayUnderLine } from '../report/replay.ts';
import { timeline } from '../report/timeline.ts';

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
const cellsOf = (row: string) => row.split(' │ ').map((c) => c.trim());

describe('timeline', () => {
  it('one row per step, the action in its thread column, the effects last', () => {
    const lines = timeline(trace).split('\n');
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
  it('cuts long actions to the width with an ellipsis', () => {
    const row = timeline(trace, { width: 12 }).split('\n')[4];
    expect(cellsOf(row)[1]).toBe('B.invalidat…');
  });
  it('colours diagnostics red and the drain mark dim only when given a colouring instance', () => {
    expect(timeline(trace)).not.toContain('\x1b[');
    const coloured = timeline(trace, { pc: colour });
    expect(coloured).toContain(colour.red('WARN_ON(B has an end)'));
    expect(coloured).toContain(colour.dim('(drain) '));
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

describe('the compare matrix', () => {
  const cell = (strategy: string, invariant: string, o: Partial<Cell>): Cell => ({
    strategy, invariant, verdict: 'holds', runs: 600, familiesRun: 2, violatedIn: [], ms: null, steps: null, family: null, witness: null, ...o,
  });
  const strategies = ['skip-all-end', 'core-counter'];
  const invariants = ['StartEndPaired', 'NoDeadlock'];
  const cells = [
    cell('skip-all-end', 'StartEndPaired', { verdict: 'violated', violatedIn: [{ family: 'ab-pair', steps: 10, ms: 15, witness: 'A got 0 ends' }], ms: 15, steps: 10, family: 'ab-pair', witness: 'A got 0 ends' }),
    cell('skip-all-end', 'NoDeadlock', {}),
    cell('core-counter', 'StartEndPaired', { verdict: 'n/a', runs: 0, familiesRun: 0 }),
    cell('core-counter', 'NoDeadlock', { runs: 300, familiesRun: 1 }),
  ];
  const run = { seed: 42, runs: 300, families: ['ab-pair', 'failing-no-end'] };

  it('Markdown: a header, a rule, one row per invariant with ✘/✔/n/a cells, and the legend', () => {
    const lines = markdownMatrix(strategies, invariants, cells).split('\n');
    expect(lines[0]).toBe('| invariant | skip-all-end | core-counter |');
    expect(lines[1]).toBe('|---|---|---|');
    expect(lines.slice(2, 4)).toEqual(['| StartEndPaired | ✘ 1/2 · 10 st | n/a |', '| NoDeadlock | ✔ 600 | ✔ 300 |']);
    expect(lines[4]).toBe('');
    expect(lines[5]).toMatch(/^✘ k\/n · s st: /);
  });
  it('terminal: a row per invariant, and each violated cell with its families and shortest witness', () => {
    const text = terminalMatrix(strategies, invariants, cells, run);
    const lines = text.split('\n');
    expect(lines[0]).toBe('strategy × invariant (seed 42, 300 runs per family; families: ab-pair, failing-no-end)');
    expect(lines.find((l) => l.startsWith('StartEndPaired'))).toMatch(/^StartEndPaired {2}✘ 1\/2 10st +n\/a/);
    expect(lines.find((l) => l.startsWith('NoDeadlock'))).toMatch(/^NoDeadlock {6}✔ 600 runs +✔ 300 runs/);
    expect(lines).toContain('  skip-all-end × StartEndPaired: ab-pair (10 st, 15 ms)');
    expect(lines).toContain('      shortest: A got 0 ends');
    expect(terminalMatrix(strategies, invariants, cells, run, colour)).toContain(colour.red('✘ 1/2 10st'.padEnd(14)));
  });
  it('JSON: the run and every cell', () => {
    expect(JSON.parse(jsonMatrix(cells, run))).toEqual({ seed: 42, runsPerFamily: 300, families: run.families, results: cells });
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
    expect(JSON.parse(checkJson(checked, 42))).toEqual({ seed: 42, results: JSON.parse(JSON.stringify(rows)) });
  });
  it('text: a verdict line per result under its strategy, then each counterexample with its timeline and replay line', () => {
    const text = checkText(checked, how);
    const lines = text.split('\n');
    expect(lines).toContain('skip-all-end  (seed 42, 1000 runs)');
    expect(lines).toContain('  violated  StartEndPaired 6 runs, 15 ms');
    expect(lines).toContain('  holds     NoDeadlock     1000 runs, 300 ms');
    expect(lines).toContain('  holds ≤ bound  NoDeadlock     61 states, 5 ms');
    expect(lines).toContain('✘ skip-all-end × StartEndPaired: A got 0 ends');
    expect(lines).toContain('  threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B","oom_reaper"]; 3 steps (shrunk from 7), 1 context switches');
    expect(lines).toContain('  threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B","oom_reaper"]; 3 steps, 1 context switches');
    expect(lines).toContain('  replay: npm run check -- --strategy skip-all-end --invariant StartEndPaired --seed 42 --notifiers kvm,odp-4.20 --runs 1000');
    expect(lines).toContain('  saved: shrunk-cases/x.json  (npm run replay -- shrunk-cases/x.json)');
    expect(text).toContain(timeline(trace));
  });
  it('the replay command repeats a --scenario file, fixed threads and the exhaustive bound', () => {
    expect(replayCommand({ strategy: 's', invariant: 'I' }, { ...how, exhaustive: true, depth: 30, scenarioFile: 'sc.json', threads: 'oom_reaper,ioctl:B' })).toBe(
      'npm run check -- --strategy s --invariant I --seed 42 --scenario sc.json --threads oom_reaper,ioctl:B --exhaustive --depth 30',
    );
  });
  it('progress: runs of the random engine, states of the exhaustive one, overwriting the line', () => {
    expect(progressLine({ engine: 'random', strategy: 'skip-all-end', runs: 200, of: 1000, ms: 1234 })).toBe('\r  skip-all-end: 200/1000 runs, 1.2 s\x1b[K');
    expect(progressLine({ engine: 'exhaustive', strategy: 'sorted-undo', invariant: 'NoDeadlock', states: 5000, ms: 50 })).toBe('\r  sorted-undo: NoDeadlock: 5000 states, 0.1 s\x1b[K');
  });
});

describe('replay', () => {
  const c = { scenario, schedule: ['ioctl:B'], expect: { invariant: 'StartEndPaired', verdict: 'violated' } } as unknown as SavedCase;
  it('one line per strategy under --strategy all', () => {
    expect(replayUnderLine('sorted-undo', 'StartEndPaired', { kind: 'verdict-changed', trace, verdict: 'holds', witness: null })).toBe('sorted-undo        StartEndPaired: holds\n');
    expect(replayUnderLine('skip-all-end', 'StartEndPaired', { kind: 'reproduced', trace, witness: 'A got 0 ends', step: 10 })).toBe('skip-all-end       StartEndPaired: violated at step 10: A got 0 ends\n');
    expect(replayUnderLine('core-counter', 'StartEndPaired', { kind: 'invalid', error: 'no form' })).toBe('core-counter       StartEndPaired: cannot run: no form\n');
  });
  it('the summary names the file, the case, and the verdict reached', () => {
    const reproduced = replaySummary('f.json', c, undefined, { kind: 'reproduced', trace, witness: 'A got 0 ends', step: 3 }).split('\n');
    expect(reproduced.slice(0, 4)).toEqual([
      'f.json',
      '  skip-all-end × StartEndPaired; threads ["oom_reaper","ioctl:B"]; schedule ["ioctl:B"]',
      '  violated StartEndPaired at step 3: A got 0 ends',
      '  3 steps, 1 context switches',
    ]);
    const other = replaySummary('f.json', c, 'call-all-end-2021', { kind: 'verdict-changed', trace, verdict: 'holds', witness: null }).split('\n');
    expect(other[1]).toMatch(/^ {2}skip-all-end case replayed under call-all-end-2021 × StartEndPaired;/);
    expect(other[2]).toBe('  holds StartEndPaired (recorded: violated)');
  });
  it('drift names the step, the recorded and the current action', () => {
    expect(driftLine('f.json', { kind: 'drift', step: 1, expected: 'a', actual: 'b', trace })).toBe("drift: f.json: the schedule no longer fits the model at step 1: recorded 'a', now 'b'\n");
  });
});
