/**
 * compare's answer, ready to paste (issue #23 item 1): `--format mail` is ASCII within 72
 * columns with the decision first, then each cell that decides it with its witness and a replay
 * command that does reproduce it; the terminal's prose wraps; the Markdown decision rows stay
 * short; every output names each adaptation compare made (a hlist-era driver run in its
 * interval form under core-counter, a strategy that could not run a driver). Run through the
 * command itself (runCommand, engine inline), small: one-thread proofs, 30 runs.
 */
import { describe, expect, it } from 'vitest';
import { runCommand, type Command } from '../scripts/cli.ts';
import { checkCommand } from '../scripts/check.ts';
import { compareCommand } from '../scripts/compare.ts';

const run = async (argv: readonly string[], cmd: Command = compareCommand) => {
  let out = '';
  let err = '';
  const code = await runCommand(cmd, argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { NO_COLOR: '1', FC_SEED: '42' }, inline: true });
  return { code, out, err };
};

const SMALL = ['--max-threads', '1', '--runs', '30', '--seed', '42'];

/** The commands under "To replay:", each as the words a shell reads (a backslash-newline joins, as the shell does). */
const replays = (mail: string): string[][] => {
  const lines = mail.split('\n');
  const out: string[][] = [];
  for (const [k, l] of lines.entries()) {
    if (l !== 'To replay:') continue;
    let cmd = '';
    // An indented line, or any line after one that ends in a backslash (a word cut in two).
    for (let j = k + 1; j < lines.length && (lines[j].startsWith(' ') || lines[j - 1].endsWith('\\')) && lines[j] !== ''; j++) cmd += `${lines[j]}\n`;
    out.push(cmd.replace(/ \\\n/g, ' ').replace(/\\\n/g, '').trim().split(/\s+/));
  }
  return out;
};

describe('compare --format mail (seed 42)', () => {
  it('kvm,odp-4.20: ASCII within 72 columns, the decision first, each deciding cell with its witness and a replay command that reproduces it', async () => {
    const r = await run(['--notifiers', 'kvm,odp-4.20', ...SMALL, '--format', 'mail']);
    expect(r.code, r.err).toBe(1);
    const lines = r.out.split('\n');
    for (const l of lines) {
      expect(l.length, l).toBeLessThanOrEqual(72);
      expect(l, l).toMatch(/^[\x20-\x7e]*$/);
    }
    // The first line is the decision, naming the drivers; the adaptation follows it.
    expect(lines[0]).toMatch(/^With these drivers \(kvm,odp-4\.20\), (no strategy keeps|[a-z0-9-]+( and [a-z0-9-]+)* keeps?) every/);
    const head = r.out.slice(0, r.out.indexOf('\n\n')).replace(/\n {2}/g, ' ');
    expect(head).toContain("Adapted: core-counter not compared: 'odp-4.20' has no interval-notifier form, so it cannot run under core-counter.");
    expect(lines).toContain('  core-counter       not run: it cannot run these drivers');
    expect(lines.find((l) => l.startsWith('  skip-all-end '))).toMatch(/BROKEN: StartEndPaired/);
    // The cells: skip-all-end's StartEndPaired with its witness and a check command.
    const cell = lines.findIndex((l) => l.startsWith('skip-all-end breaks StartEndPaired (INV-1)'));
    expect(cell).toBeGreaterThan(lines.indexOf('What each strategy breaks where another strategy holds it:'));
    expect(lines[cell + 1]).toMatch(/^Witness: {4}A\.invalidate_range_start returned 0/);
    const cmds = replays(r.out);
    expect(cmds.length).toBeGreaterThan(5);
    const first = cmds[0];
    expect(first.slice(0, 4)).toEqual(['npm', 'run', 'check', '--']);
    expect(first).toEqual(expect.arrayContaining(['--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--notifiers', 'kvm,odp-4.20', '--runs', '30']));
    // What every strategy breaks comes once, after the strategies' own.
    expect(lines.findIndex((l) => l.startsWith('QuiescentBalanced (INV-3), the drivers, under '))).toBeGreaterThan(cell);
    // The command reproduces the violation.
    const again = await run(first.slice(4), checkCommand);
    expect(again.code, again.err).toBe(1);
    expect(again.out).toMatch(/violated +StartEndPaired/);
  });
  it('a long word in a replay command is cut with a backslash-newline and still reads back whole', async () => {
    const long = `kvm,${Array.from({ length: 8 }, () => 'odp-4.20').join(',')}`;
    const r = await run(['--notifiers', long, '--strategy', 'skip-all-end,sorted-undo', '--invariant', 'StartEndPaired', '--runs', '10', '--max-threads', '0', '--format', 'mail']);
    for (const l of r.out.split('\n')) expect(l.length, l).toBeLessThanOrEqual(72);
    const cmds = replays(r.out);
    expect(cmds.length).toBeGreaterThan(0);
    expect(cmds[0]).toEqual(expect.arrayContaining(['--notifiers', long]));
    expect(r.out).toMatch(/[^ ]\\\n/); // cut inside the word
  });
});

describe('the adaptations: named in text, mail, Markdown and JSON', () => {
  const args = ['--notifiers', 'kvm,i915-4.19', '--strategy', 'skip-all-end,core-counter', '--invariant', 'StartEndPaired,NoDeadlock', ...SMALL];
  it('under core-counter, kvm and i915-4.19 run their interval form', async () => {
    const json = JSON.parse((await run([...args, '--json'])).out);
    expect(json.adaptations).toEqual([
      { strategy: 'core-counter', kind: 'interval-form', driver: 'kvm', families: ['kvm,i915-4.19'] },
      { strategy: 'core-counter', kind: 'interval-form', driver: 'i915-4.19', families: ['kvm,i915-4.19'] },
    ]);
    const line = 'under core-counter, i915-4.19 runs in its interval form (mmu_interval_notifier), not its own hlist form';
    const joined = (s: string) => s.replace(/\n {2}(?=\S)/g, ' ');
    expect(joined((await run(args)).out).split('\n')).toContain(`adapted: ${line}`);
    expect(joined((await run([...args, '--format', 'mail'])).out).split('\n')).toContain(`Adapted: ${line}.`);
    expect((await run([...args, '--markdown'])).out.split('\n')).toContain(`- ${line}`);
  });
  it('families: nouveau-5.5 folded, core-counter not compared on ab-pair', async () => {
    const json = JSON.parse((await run(['--family', 'ab-pair,interval-and-hlist', '--strategy', 'skip-all-end,core-counter', '--invariant', 'StartEndPaired', ...SMALL, '--json'])).out);
    expect(json.adaptations).toEqual([
      { strategy: 'core-counter', kind: 'cannot-run', driver: 'odp-4.20', families: ['ab-pair'], reason: "'odp-4.20' has no interval-notifier form, so it cannot run under core-counter" },
      { strategy: 'core-counter', kind: 'folded', driver: 'nouveau-5.5', families: ['interval-and-hlist'] },
    ]);
  });
});

describe('the terminal and Markdown fit', () => {
  it('text: every line but the matrix rows within the width (100 piped), the witnesses and the decision included; Markdown: no row over 200 columns', async () => {
    const argv = ['--notifiers', 'kvm,odp-4.20', ...SMALL];
    const text = (await run(argv)).out.split('\n');
    const header = text.findIndex((l) => l.startsWith(' '.repeat(20)) && l.includes('skip-all-end'));
    const matrix = new Set(text.filter((l, k) => k === header || /^[A-Z][A-Za-z]+ {2,}(✘|✔|○|n\/a|\()/.test(l)));
    expect(matrix.size).toBeGreaterThan(10);
    for (const l of text.filter((x) => !matrix.has(x))) expect([...l].length, l).toBeLessThanOrEqual(100);
    expect(text.some((l) => l.startsWith('      shortest: '))).toBe(true);
    const md = (await run([...argv, '--markdown'])).out.split('\n');
    expect(md).toContain('| your scenario (kvm,odp-4.20) | core-counter | n/a: cannot run these drivers |');
    for (const l of md.filter((x) => x.startsWith('|'))) expect([...l].length, l).toBeLessThanOrEqual(200);
  });
});

describe('--format: bad input, every problem named, exit 2', () => {
  it.each([
    [['--format', 'mail', '--json'], [/--format mail and --json: give one or the other/]],
    [['--format', 'pdf'], [/--format: unknown 'pdf' \(valid: text, mail, markdown\)/]],
    [['--format', 'markdown', '--markdown', '--runs', 'x'], [/--format markdown and --markdown/, /--runs: expected an integer/]],
  ])('%j', async (argv, msgs) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    for (const m of msgs) expect(r.err).toMatch(m);
  });
  it('--format text and --markdown still work as before', async () => {
    const a = await run(['--notifiers', 'kvm,gntdev', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '20', '--max-threads', '0', '--format', 'text']);
    const b = await run(['--notifiers', 'kvm,gntdev', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '20', '--max-threads', '0']);
    const untimed = (t: string) => t.replace(/\d+\s+ms\b/g, 'N ms').replace(/\s+/g, ' '); // timings differ run to run, and their width can move a wrap
    expect(untimed(a.out)).toBe(untimed(b.out));
    expect(a.out).toMatch(/^strategy × invariant \(seed 42/);
    const m1 = await run(['--notifiers', 'kvm,gntdev', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '20', '--max-threads', '0', '--markdown']);
    const m2 = await run(['--notifiers', 'kvm,gntdev', '--strategy', 'skip-all-end', '--invariant', 'StartEndPaired', '--runs', '20', '--max-threads', '0', '--format', 'markdown']);
    expect(untimed(m1.out)).toBe(untimed(m2.out));
    expect(m1.out).toMatch(/^\| invariant \| skip-all-end \|/);
  });
});
