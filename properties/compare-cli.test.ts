/**
 * `npm run compare` answers the user's question (docs/design.md §6): with --notifiers, --driver
 * or --scenario the user's scenario is the one family compared; the JSON carries each
 * violation's cause and the per-strategy decision; a cell held only vacuously says so. Run in
 * this process (runCommand with the engine inline), with few runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { familyById } from '../checks/families.ts';
import { compare, type Cell } from '../engine/compare.ts';
import { INVARIANT_NAMES, STRATEGY_NAMES } from '../model/index.ts';
import { runCommand } from '../scripts/cli.ts';
import { compareCommand } from '../scripts/compare.ts';
import { seed } from './seed.ts';

const run = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await runCommand(compareCommand, argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { NO_COLOR: '1', FC_SEED: String(seed) }, inline: true });
  return { code, out, err };
};

interface Broken {
  invariant: string;
  cause: string;
  family: string;
}

describe(`compare --notifiers: the user's drivers as the one family (seed ${seed})`, () => {
  it('--json: the format, the scenario, each violation attributed, the per-strategy decision consistent with the cells', async () => {
    // Proofs over the one-thread sets only: the consistency below holds whatever found a violation.
    const r = await run(['--notifiers', 'kvm,i915-4.19,odp-5.5', '--runs', '30', '--max-threads', '1', '--json']);
    expect([0, 1]).toContain(r.code);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ format: 'mmu-notifier-checker/compare-result@1', families: ['kvm,i915-4.19,odp-5.5'], userScenario: 'kvm,i915-4.19,odp-5.5', strategies: STRATEGY_NAMES });
    expect(j.results).toHaveLength(STRATEGY_NAMES.length * INVARIANT_NAMES.length);
    const cells = j.results as Cell[];
    expect(cells.some((c) => c.proved), 'some held cell is proved').toBe(true);
    for (const c of cells) for (const v of c.violatedIn) expect(['strategy', 'driver']).toContain(v.cause); // v4.19+ reaper: never the era's
    // The exit code answers the decision: 0 when some strategy keeps every invariant.
    expect(r.code).toBe(JSON.parse(r.out).decision.keepEveryInvariant.length > 0 ? 0 : 1);
    // A violation is the strategy's exactly when another strategy that runs the family holds it there.
    for (const c of cells)
      for (const v of c.violatedIn) {
        const others = cells.filter((o) => o.invariant === c.invariant && o.strategy !== c.strategy && o.ranIn.includes(v.family));
        expect(v.cause === 'strategy', `${c.strategy} × ${c.invariant}`).toBe(others.some((o) => o.violatedIn.length === 0));
      }
    const per = j.decision.perStrategy as { strategy: string; keepsEveryInvariant: boolean; breaks: Broken[] }[];
    expect(per.map((s) => s.strategy)).toEqual(STRATEGY_NAMES);
    for (const s of per) {
      const mine = cells.filter((c) => c.strategy === s.strategy && c.verdict === 'violated');
      expect(s.breaks.map((b) => b.invariant).sort()).toEqual(mine.map((c) => c.invariant).sort());
      expect(s.keepsEveryInvariant).toBe(mine.length === 0);
    }
    expect(j.decision.keepEveryInvariant).toEqual(per.filter((s) => s.keepsEveryInvariant).map((s) => s.strategy));
  });
  it('a driver that states assertions (warn_on, a counter range) brings DriverAssertions into the default invariants, as in check', async () => {
    const r = await run(['--driver', 'examples/finish-inuse-warn.json', '--notifiers', 'kvm,finish-inuse-warn', '--strategy', 'skip-all-end', '--runs', '50', '--max-threads', '1', '--json']);
    const cells = JSON.parse(r.out).results as { invariant: string; verdict: string }[];
    expect(cells.find((c) => c.invariant === 'DriverAssertions')).toMatchObject({ verdict: 'violated' });
    const plain = await run(['--notifiers', 'kvm,odp-4.20', '--strategy', 'skip-all-end', '--runs', '20', '--max-threads', '0', '--json']);
    expect((JSON.parse(plain.out).results as { invariant: string }[]).map((c) => c.invariant)).not.toContain('DriverAssertions');
  });
  it('the terminal: the decision view of the scenario and the closing line', async () => {
    const r = await run(['--notifiers', 'kvm,gntdev', '--strategy', 'skip-all-end,call-all-end-2021', '--invariant', 'StartEndPaired,StartReturnContract', '--runs', '150', '--max-threads', '2']);
    const lines = r.out.split('\n');
    expect(lines).toContain('your scenario (kvm,gntdev)');
    expect(lines).toContain('  skip-all-end       breaks StartEndPaired');
    expect(lines).toContain('  call-all-end-2021  keeps every invariant (proved over every thread set of up to 2 threads)');
    expect(r.out.replace(/\n {2}(?=\S)/g, ' ').split('\n')).toContain('with these drivers, call-all-end-2021 keeps every invariant (proved over every thread set of up to 2 threads)'); // wrapped at 100 columns
    // Each proved cell names the bound it was proved to.
    expect(lines.find((l) => l.startsWith('StartReturnContract '))).toMatch(/^StartReturnContract +✔ ≤2 threads \(\d+k?\) +✔ ≤2 threads \(\d+k?\)$/);
    expect(lines).toContain('details: npm run check -- --strategy NAME --invariant NAME --notifiers kvm,gntdev');
    expect(r.code).toBe(0); // the decision's answer: a strategy (call-all-end-2021) keeps every invariant, proved
  });
  it('the exit code answers the decision: 0 a strategy keeps every invariant (proved), 4 one does but a proof hit --max-states, 1 none does', async () => {
    const args = ['--notifiers', 'kvm,gntdev', '--invariant', 'StartEndPaired', '--runs', '20'];
    const cut = await run([...args, '--strategy', 'call-all-end-2021', '--max-states', '1', '--max-threads', '2', '--json']);
    expect(cut.code, cut.err).toBe(4);
    const [cell] = JSON.parse(cut.out).results as Cell[];
    expect(cell).toMatchObject({ verdict: 'holds', proved: false, maxThreads: 2 });
    const text = await run([...args, '--strategy', 'call-all-end-2021', '--max-states', '1', '--max-threads', '2']);
    expect(text.code).toBe(4);
    expect(text.out.split('\n')).toContain('  call-all-end-2021  keeps every invariant (sampled: a proof did not complete within --max-states)');
    // skip-all-end breaks StartEndPaired; call-all-end-2021 keeps it, but only sampled.
    expect((await run([...args, '--strategy', 'skip-all-end,call-all-end-2021', '--max-states', '1', '--max-threads', '2'])).code).toBe(4);
    expect((await run([...args, '--strategy', 'skip-all-end', '--max-threads', '2'])).code).toBe(1);
    const whole = await run([...args, '--strategy', 'call-all-end-2021', '--max-threads', '1', '--json']);
    expect(whole.code, whole.err).toBe(0);
    expect(JSON.parse(whole.out).results[0]).toMatchObject({ verdict: 'holds', proved: true, maxThreads: 1 });
    // Proofs off: nothing was cut, the runs are the evidence asked for.
    expect((await run([...args, '--strategy', 'call-all-end-2021', '--max-threads', '0'])).code).toBe(0);
  });
  it('an old reaper era under every strategy is the era\'s doing', async () => {
    const r = await run(['--notifiers', 'kvm,i915-4.19', '--reaper', 'skip-if-notifiers', '--strategy', 'skip-all-end,call-all-end-2021', '--invariant', 'ReaperUsefulProgress', '--runs', '50', '--max-threads', '2', '--json']);
    const j = JSON.parse(r.out);
    expect(j.results.map((c: Cell) => [c.strategy, c.verdict, c.violatedIn.map((v) => v.cause)])).toEqual([
      ['skip-all-end', 'violated', ['reaper-era']],
      ['call-all-end-2021', 'violated', ['reaper-era']],
    ]);
    expect(j.decision.keepEveryInvariant).toEqual([]);
    expect(j.decision.keepEveryInvariantTheyDecide).toEqual(['skip-all-end', 'call-all-end-2021']);
  });
  it('--driver: a driver file the user named runs beside the presets; --scenario: a file is the family', async () => {
    const viaDriver = JSON.parse((await run(['--driver', 'examples/dmirror.json', '--notifiers', 'kvm,dmirror', '--strategy', 'call-all-end-2021,core-counter', '--invariant', 'NoStaleSecondaryMapping,FaultLiveness', '--runs', '40', '--max-threads', '2', '--json'])).out);
    expect(viaDriver.results.map((c: Cell) => [c.strategy, c.familiesRun])).toEqual([['call-all-end-2021', 1], ['call-all-end-2021', 1], ['core-counter', 1], ['core-counter', 1]]);
    const d = mkdtempSync(join(tmpdir(), 'mnc-compare-'));
    const file = join(d, 'mine.json');
    writeFileSync(file, JSON.stringify({ strategy: 'skip-all-end', reaper: 'nonblock-per-vma', vmas: [{ start: 0, end: 4 }], notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'gntdev', address: 512 }] }));
    const viaFile = JSON.parse((await run(['--scenario', file, '--strategy', 'skip-all-end,sorted-undo', '--invariant', 'StartEndPaired', '--runs', '100', '--max-threads', '2', '--json'])).out);
    // The file's strategy is not the only one compared.
    expect(viaFile).toMatchObject({ families: [file], userScenario: file, strategies: ['skip-all-end', 'sorted-undo'] });
    expect(viaFile.results.map((c: Cell) => [c.strategy, c.verdict])).toEqual([['skip-all-end', 'violated'], ['sorted-undo', 'holds']]);
    expect(viaFile.results[0].violatedIn[0].cause).toBe('strategy');
  });
  it.each([
    [['--notifiers', 'kvm', '--family', 'ab-pair'], /--notifiers replaces --family/],
    [['--scenario', 'x.json', '--notifiers', 'kvm'], /--scenario replaces --notifiers/],
    [['--reaper', 'no-notify'], /--reaper goes with --notifiers/],
    [['--notifiers', 'kvm,floppy'], /unknown driver 'floppy'/],
    [['--notifiers', 'odp-4.20', '--strategy', 'core-counter'], /no interval-notifier form/],
    [['--notifiers', 'kvm', '--threads', 'fault:Z'], /'fault:Z' is not a thread of this scenario/],
    [['--driver', 'nope.json'], /nope\.json: /],
  ])('bad input %j: exit 2', async (argv, msg) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(msg);
  });
});

describe(`compare: a holds that is vacuous in every family that ran it (seed ${seed})`, () => {
  it('core-counter never calls an end: StartEndPaired holds there only vacuously; the goals behind it are summed', () => {
    const fam = familyById('failing-no-end');
    if (!fam) throw new Error('no family failing-no-end');
    const [cc] = compare(['core-counter'], ['StartEndPaired'], [fam], { seed, runs: 60 });
    expect(cc).toMatchObject({ verdict: 'holds', vacuous: true, vacuousIn: ['failing-no-end'], ranIn: ['failing-no-end'] });
    expect(cc.goals.failed_after_another_started).toBe(0);
    expect(Object.values(cc.goals).some((n) => n > 0)).toBe(true);
    const [held] = compare(['call-all-end-2021'], ['NoDeadlock'], [fam], { seed, runs: 60 });
    expect(held).toMatchObject({ verdict: 'holds', vacuous: false, vacuousIn: [] });
  });
});
