/**
 * Replay checks a case whole (docs/design.md §5): a case found now (so the model's own changes
 * do not matter here) is edited in every way a file can be, and each edit is noticed: drift at
 * the edited step naming the field (exit 3), or a changed verdict (exit 1), never a pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { toCase, type SavedCase } from '../engine/case-format.ts';
import { replayCase, type ReplayOutcome } from '../engine/cases.ts';
import { search } from '../engine/random.ts';
import { INVARIANT_NAMES, STRATEGY_NAMES } from '../model/index.ts';
import { runCommand, type Io } from '../scripts/cli.ts';
import { replayCaseCommand } from '../scripts/replay.ts';
import { seed } from './seed.ts';

const ab = familyById('ab-pair');
if (!ab) throw new Error('no ab-pair family');

/** Seed3 (docs/kernel.md §5.0), found afresh: schedule steps, drain steps, several threads. */
const found = search({ ...ab.template, strategy: 'skip-all-end' }, 'StartEndPaired', { seed, numRuns: 300 });
if (!found.counterexample) throw new Error('skip-all-end × StartEndPaired not found on ab-pair');
const base: SavedCase = toCase(found.counterexample);
const L = base.trace.length;

type Field = 'thread' | 'action' | 'events' | 'diagnostics' | 'drain';
const FIELDS: readonly Field[] = ['thread', 'action', 'events', 'diagnostics', 'drain'];

/** Step i with one field changed (always to something different). */
const edit = (c: SavedCase, i: number, field: Field): SavedCase => {
  const trace = c.trace.map((s, k) => {
    if (k !== i) return s;
    switch (field) {
      case 'thread':
        return { ...s, thread: c.scenario.threads.find((t) => t !== s.thread) ?? `${s.thread}x` };
      case 'action':
        return { ...s, action: `${s.action} (edited)` };
      case 'events':
        return { ...s, events: [...s.events, 'edited'] };
      case 'diagnostics':
        return { ...s, diagnostics: [...(s.diagnostics ?? []), 'WARN_ON: edited'] };
      case 'drain':
        return s.drain ? { thread: s.thread, action: s.action, events: s.events, ...(s.diagnostics ? { diagnostics: s.diagnostics } : {}) } : { ...s, drain: true };
    }
  });
  return { ...c, trace };
};

const drift = (o: ReplayOutcome) => (o.kind === 'drift' ? { step: o.step, field: o.field } : { kind: o.kind });

describe(`replay notices every edit of a case (seed ${seed})`, () => {
  it('the case as found reproduces: violated at its last step with its witness', () => {
    expect(L).toBeGreaterThan(2);
    expect(base.trace.some((s) => s.drain) && base.trace.some((s) => !s.drain)).toBe(true);
    expect(replayCase(base)).toMatchObject({ kind: 'reproduced', step: L, witness: base.expect.witness });
  });

  it('what the case carries about its making must fit its trace: the shrink record and a random search\'s seed and runs', () => {
    expect(base.shrink).toBeDefined();
    const sh = base.shrink as NonNullable<SavedCase['shrink']>;
    expect(drift(replayCase({ ...base, shrink: { ...sh, toSteps: sh.toSteps + 1 } }))).toEqual({ step: L, field: 'shrink.toSteps' });
    expect(drift(replayCase({ ...base, shrink: { ...sh, contextSwitches: sh.contextSwitches + 1 } }))).toEqual({ step: L, field: 'shrink.contextSwitches' });
    expect(drift(replayCase({ ...base, shrink: { ...sh, fromSteps: sh.toSteps - 1 } }))).toEqual({ step: L, field: 'shrink.fromSteps' });
    const { seed: _s, ...noSeed } = base.provenance;
    expect(drift(replayCase({ ...base, provenance: { ...noSeed, foundWith: 'random' } }))).toEqual({ step: L, field: 'provenance' });
  });

  it('"trace": [] is drift at step 1', () => {
    expect(drift(replayCase({ ...base, trace: [] }))).toEqual({ step: 1, field: 'trace' });
  });

  it('a missing last step is drift: the violation now comes after the recorded trace', () => {
    expect(drift(replayCase({ ...base, trace: base.trace.slice(0, -1) }))).toEqual({ step: L, field: 'trace length' });
  });

  it('an extra trailing step is drift: the invariant is violated before the recorded end', () => {
    const extra = { ...base, trace: [...base.trace, { thread: base.trace[L - 1].thread, action: 'later', events: [] }] };
    expect(drift(replayCase(extra))).toEqual({ step: L, field: 'verdict' });
  });

  it('every field of every step: drift at that step, naming that field', () => {
    for (let i = 0; i < L; i++)
      for (const field of FIELDS) {
        const got = drift(replayCase(edit(base, i, field)));
        // A step moved to another thread shows first as its thread.
        expect(got, `step ${i + 1} ${field}`).toEqual({ step: i + 1, field });
      }
  });

  it('a changed witness is drift at the last step', () => {
    const out = replayCase({ ...base, expect: { ...base.expect, witness: `${base.expect.witness} (edited)` } });
    expect(out).toMatchObject({ kind: 'drift', step: L, field: 'witness', actual: base.expect.witness });
  });

  it('expect.invariant changed to any other invariant never passes', () => {
    const others = INVARIANT_NAMES.filter((n) => n !== base.expect.invariant);
    expect(others).toHaveLength(INVARIANT_NAMES.length - 1);
    for (const invariant of others) expect(replayCase({ ...base, expect: { ...base.expect, invariant } }).kind, invariant).not.toBe('reproduced');
  });

  it('an extra schedule choice is drift, and one whose thread cannot step is named though the trace is unchanged', () => {
    const k = base.schedule.length;
    const outs = base.scenario.threads.map((t) => replayCase({ ...base, schedule: [...base.schedule, t] }));
    for (const o of outs) expect(o.kind).toBe('drift');
    // Seed3's ioctl:B is done after its one step: the extra choice is skipped, which only the schedule shows.
    expect(outs.map(drift)).toContainEqual({ step: k + 1, field: `schedule[${k}]` });
  });

  it('any set of edits: drift exactly at the first edited step (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: L - 1 }), fc.constantFrom(...FIELDS)), { minLength: 1, maxLength: 4, selector: ([i]) => i }), (edits) => {
        const c = edits.reduce((acc, [i, f]) => edit(acc, i, f), base);
        const [i, f] = edits.reduce((a, b) => (b[0] < a[0] ? b : a));
        expect(drift(replayCase(c))).toEqual({ step: i + 1, field: f });
      }),
      { seed, numRuns: 60 },
    );
  });

  it('under another strategy only the verdict counts (the trace is that strategy’s own)', () => {
    for (const s of STRATEGY_NAMES.filter((n) => n !== base.scenario.strategy)) expect(['reproduced', 'verdict-changed', 'invalid']).toContain(replayCase(base, s).kind);
  });
});

describe('npm run replay: exit codes of a whole-case replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mnc-tamper-'));
  const write = (name: string, c: SavedCase) => {
    const f = join(dir, name);
    writeFileSync(f, `${JSON.stringify(c, null, 2)}\n`);
    return f;
  };
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const io: Io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { NO_COLOR: '1' } };
    const code = await runCommand(replayCaseCommand, argv, io);
    return { code, out, err };
  };
  const holdsNow = INVARIANT_NAMES.find((invariant) => replayCase({ ...base, expect: { ...base.expect, invariant } }).kind === 'verdict-changed');
  const good = write('good.json', base);
  const drifted = write('drifted.json', edit(base, 1, 'events'));
  const changed = write('changed.json', { ...base, expect: { ...base.expect, invariant: holdsNow ?? 'StartEndPaired' } });

  it('reproduced: exit 0, the timeline on stdout', async () => {
    const r = await run(good);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`violated StartEndPaired at step ${L}`);
  });
  it('drift: exit 3, one line naming the step and the field', async () => {
    const r = await run(drifted);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^drift: .*drifted\.json: the case no longer fits the model at step 2 \(events\): recorded '\[.*"edited"\]', now '\[/);
  });
  it('a verdict that no longer holds: exit 1', async () => {
    expect(holdsNow).toBeDefined();
    const r = await run(changed);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/holds .* \(recorded: violated\)/);
  });
  it('--strategy all: one line per strategy; the case’s own strategy decides the exit code', async () => {
    const ok = await run(good, '--strategy', 'all');
    expect(ok.code).toBe(0);
    expect(ok.out.trim().split('\n').map((l) => l.split(' ')[0])).toEqual([...STRATEGY_NAMES]);
    const d = await run(drifted, '--strategy', 'all');
    expect(d.code).toBe(3);
    expect(d.out.split('\n').find((l) => l.startsWith(`${base.scenario.strategy} `))).toMatch(/drift at step 2 \(events\)/);
    const c = await run(changed, '--strategy', 'all');
    expect(c.code).toBe(1);
    expect(c.out.split('\n').find((l) => l.startsWith(`${base.scenario.strategy} `))).toMatch(/: holds$/);
  });
  it('--strategy naming the case’s own strategy is the plain replay', async () => {
    expect((await run(drifted, '--strategy', base.scenario.strategy)).code).toBe(3);
    expect((await run(good, '--strategy', base.scenario.strategy)).code).toBe(0);
  });
  it('as a process: drift exits 3 with the one line and nothing else', () => {
    const r = spawnSync(process.execPath, [join('scripts', 'run.mjs'), 'replay', drifted], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^drift: .* at step 2 \(events\)/);
  });
});
