/**
 * `--format mail` (report/mail.ts): a counterexample a mail to linux-mm can carry. Every saved
 * case, replayed through the command itself, prints only ASCII, no line over 72 columns, with
 * every action and effect of its trace whole; the replay command it prints reads back in a
 * shell as the words it was made of.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../engine/case-format.ts';
import type { Checked } from '../engine/check.ts';
import { catalogueWith } from '../engine/driver-format.ts';
import { contextSwitches } from '../engine/judge.ts';
import type { Counterexample } from '../engine/result.ts';
import { invariantByName, strategies, type Scenario, type TraceStep } from '../model/index.ts';
import { checkMail } from '../report/check.ts';
import { mailText, shellLines } from '../report/mail.ts';
import { ascii } from '../report/wrap.ts';
import { checkCommand } from '../scripts/check.ts';
import { runCommand, type Command } from '../scripts/cli.ts';
import { replayCaseCommand } from '../scripts/replay.ts';

const run = async (cmd: Command, argv: readonly string[]) => {
  let out = '';
  let err = '';
  const code = await runCommand(cmd, argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { NO_COLOR: '1' }, inline: true });
  return { code, out, err };
};

const fitsAMail = (text: string) => {
  for (const l of text.split('\n')) {
    expect(l.length, l).toBeLessThanOrEqual(72);
    expect(l, l).toMatch(/^[\x20-\x7e]*$/);
  }
};

/** Without blanks, comment marks and line breaks: what wrapping may insert. */
const squeezed = (s: string) => s.replace(/\/\/|!!|\s+/g, '');

const scenario: Scenario = {
  strategy: 'skip-all-end',
  reaper: 'nonblock-per-vma',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ name: 'A', driver: 'kvm', address: 256 }, { name: 'B', driver: 'odp-4.20', address: 512 }],
  threads: ['oom_reaper', 'ioctl:B'],
};
const trace: TraceStep[] = [
  { thread: 'ioctl:B', action: 'B.ioctl: lock(umem_rwsem)', events: ['lock(B.umem_rwsem)'] },
  { thread: 'oom_reaper', action: 'mmap_read_trylock', events: ['mmap_read_trylock ok; set MMF_UNSTABLE'], drain: true },
  { thread: 'oom_reaper', action: 'B.invalidate_range_start: down_read_trylock(umem_rwsem)', events: ['down_read_trylock(B.umem_rwsem) failed'], drain: true },
  { thread: 'oom_reaper', action: 'B.invalidate_range_start: return -EAGAIN', events: ['B.invalidate_range_start → -EAGAIN'], diagnostics: ['WARN_ON: WARN_ON(ops->invalidate_range_end): B failed start but has an end'], drain: true },
];
const mail = (o: Partial<Parameters<typeof mailText>[0]> = {}) =>
  mailText({ scenario, invariant: 'StartEndPaired', verdict: 'violated', witness: 'A got 0 ends … §5.0 ✘', trace, contextSwitches: 1, replay: [['npm', 'run', 'replay', '--', 'shrunk-cases/x.json']], ...o });

describe('the mail of one counterexample', () => {
  it('names the strategy, the reaper era, the drivers, the invariant in one sentence, the witness and the replay command', () => {
    const text = mail();
    fitsAMail(text);
    expect(text).toMatch(/^mmu_notifier: StartEndPaired broken under skip-all-end\n/);
    expect(text).toContain(`Strategy:   skip-all-end: ${ascii(strategies['skip-all-end'].title)}`);
    expect(squeezed(text)).toContain(squeezed('Kernel era: OOM reaper nonblock-per-vma (v4.19+: the OOM reaper runs a non-blocking invalidate_range_start per VMA'));
    expect(text).toMatch(/^Notifiers: {2}A = kvm \(v4\.19\+/m);
    expect(text).toMatch(/^ {12}B = odp-4\.20 \(v4\.20-v5\.2\)$/m);
    expect(squeezed(text)).toContain(squeezed(`Invariant: StartEndPaired (INV-1) is broken: ${invariantByName('StartEndPaired')?.summary}.`));
    expect(squeezed(text)).toContain(squeezed('Witness: at step 4, A got 0 ends ... S5.0 x'));
    expect(text).toContain('To replay:\n  npm run replay -- shrunk-cases/x.json\n');
  });
  it('two threads: a column per CPU, a callback\'s statements under it, effects as // and diagnostics as !! lines', () => {
    const lines = mail().split('\n');
    const head = lines.findIndex((l) => l.includes('CPU0 (ioctl:B)'));
    expect(lines[head]).toMatch(/^ {3}CPU0 \(ioctl:B\) +CPU1 \(oom_reaper\)$/);
    expect(lines[head + 1]).toMatch(/^ {3}-+ {3}-+$/);
    const col1 = lines[head].indexOf('CPU1');
    const body = lines.slice(head + 2);
    expect(body[0]).toBe('1  B->ioctl():');
    expect(body).toContain('     lock(umem_rwsem)');
    // The other thread's steps start in the second column; its callback line comes once.
    const step3 = body.findIndex((l) => l.startsWith('3 '));
    expect(body[step3].slice(col1)).toBe('B->invalidate_range_start():');
    expect(body[step3 + 1].slice(col1)).toBe('  down_read_trylock(umem_rwsem)');
    const step4 = body.findIndex((l) => l.startsWith('4 '));
    expect(body[step4].slice(col1)).toBe('  return -EAGAIN');
    expect(body.filter((l) => l.includes('->invalidate_range_start():'))).toHaveLength(1);
    expect(body.some((l) => l.slice(col1).startsWith('  // B.invalidate_range_start ->'))).toBe(true);
    expect(body.some((l) => l.slice(col1).startsWith('  !! WARN_ON:'))).toBe(true);
    // The fair drain starts at step 2.
    expect(body.findIndex((l) => l.includes('-- from here on the model drains'))).toBeLessThan(body.findIndex((l) => l.startsWith('2 ')));
  });
  it('more threads: numbered steps naming the CPU, the callback line again when another thread ran in between', () => {
    const three: TraceStep[] = [
      { thread: 'oom_reaper', action: 'B.invalidate_range_start: lock(mmu_lock)', events: [] },
      { thread: 'fault:A', action: 'A.fault: get_user_pages', events: [] },
      { thread: 'oom_reaper', action: 'B.invalidate_range_start: unlock(mmu_lock)', events: [] },
      { thread: 'munmap', action: 'mmap_write_lock', events: [] },
    ];
    const text = mail({ trace: three, scenario: { ...scenario, threads: ['oom_reaper', 'fault:A', 'munmap'] } });
    fitsAMail(text);
    const lines = text.split('\n');
    expect(lines).toContain('Threads: CPU0 = oom_reaper, CPU1 = fault:A, CPU2 = munmap');
    expect(lines).toContain('1 CPU0  B->invalidate_range_start():');
    expect(lines).toContain('2 CPU1  A->fault():');
    expect(lines).toContain('3 CPU0  B->invalidate_range_start():');
    expect(lines).toContain('          unlock(mmu_lock)');
    expect(lines).toContain('4 CPU2  mmap_write_lock');
  });
  it('a long action, effect or witness wraps; nothing is cut', () => {
    const long = `${'x'.repeat(40)} ${'y_'.repeat(60)}`;
    const text = mail({ trace: [{ ...trace[0], action: `B.ioctl: ${long}`, events: [long] }], witness: long });
    fitsAMail(text);
    expect(squeezed(text).split(squeezed(long)).length - 1).toBe(3);
  });
  it('a run that held (a replay under another strategy) says so', () => {
    const text = mail({ verdict: 'holds', witness: null });
    expect(text).toMatch(/^mmu_notifier: StartEndPaired holds under skip-all-end\n/);
    expect(squeezed(text)).toContain(squeezed('StartEndPaired (INV-1) holds on this run'));
  });
});

describe('the replay command in a mail reads back in a shell as its words', () => {
  const words = [
    'shrunk-cases/call-all-end-2019__NoStaleSecondaryMapping__kvm_i915-4.19_kvm_madvise_register-A_fault-B_register-B_unregister-C_registrationTakesAllLocks-false.json',
    'my scenarios/it’s $HOME and `x`.json',
    `${'long word with spaces '.repeat(6)}end`,
    '--strategy',
    'call-all-end-2021',
  ];
  it.each([72, 40])('%i columns', (width) => {
    const lines = shellLines(['printf', '%s\\n', ...words], width);
    for (const l of lines) {
      expect(l.length, l).toBeLessThanOrEqual(width);
      expect(l).toMatch(/^[\x20-\x7e]*$/);
    }
    const r = spawnSync('bash', ['-c', lines.join('\n')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(words.map((w) => `${w}\n`).join(''));
  });
});

describe('ascii()', () => {
  it('spells out the symbols, drops accents, escapes control characters and anything else', () => {
    expect(ascii('a → b ← c ✘ ✔ § … – — ≤ ≥ × ≈ ’ é')).toBe("a -> b <- c x ok S ... - -- <= >= x ~ ' e");
    expect(ascii('\u001b[31m\u0000 \ufeff 😀')).toBe('\\x1b[31m\\x00 \\u{feff} \\u{1f600}');
  });
});

describe('npm run replay -- FILE --format mail, for every saved case', () => {
  const files = readdirSync('shrunk-cases').filter((f) => f.endsWith('.json')).sort();
  const cases = files.map((f) => {
    const c = parseCase(JSON.parse(readFileSync(join('shrunk-cases', f), 'utf8')));
    if (!c.ok) throw new Error(`${f}: ${c.error}`);
    return { f, c: c.value };
  });
  /** What replay prints for a case that reproduces: the mail of its recorded trace (cases.test.ts replays every case). */
  const mailOf = ({ f, c }: (typeof cases)[number]) =>
    mailText(
      { scenario: c.scenario, invariant: c.expect.invariant, verdict: 'violated', witness: c.expect.witness, trace: c.trace, contextSwitches: contextSwitches(c.trace), replay: [['npm', 'run', 'replay', '--', join('shrunk-cases', f)]], ...(c.cycle ? { cycleFrom: c.cycle.from } : {}) },
      catalogueWith(c.drivers ?? []),
    );
  it(`${files.length} cases: only ASCII, no line over 72 columns, every action and effect whole`, () => {
    expect(files.length).toBeGreaterThan(100);
    const tooWide: string[] = [];
    const missing: string[] = [];
    for (const k of cases) {
      const text = mailOf(k);
      tooWide.push(...text.split('\n').filter((l) => l.length > 72 || !/^[\x20-\x7e]*$/.test(l)).map((l) => `${k.f}: ${l}`));
      const all = squeezed(text);
      for (const s of k.c.trace) {
        const body = s.action.replace(/^[A-Za-z][A-Za-z0-9_]*\.[a-z_]+: /, '');
        for (const x of [body, ...s.events, ...(s.diagnostics ?? [])]) if (!all.includes(squeezed(ascii(x)))) missing.push(`${k.f}: ${x}`);
      }
    }
    expect(tooWide).toEqual([]);
    expect(missing).toEqual([]);
  });
  // The command itself on the widest cases: the most threads, the longest trace, the longest file name, an embedded driver.
  const widest = [...new Set([
    cases.reduce((a, b) => (new Set(b.c.trace.map((s) => s.thread)).size > new Set(a.c.trace.map((s) => s.thread)).size ? b : a)),
    cases.reduce((a, b) => (b.c.trace.length > a.c.trace.length ? b : a)),
    cases.reduce((a, b) => (b.f.length > a.f.length ? b : a)),
    ...cases.filter((k) => k.c.drivers?.length).slice(0, 1),
  ])];
  it.each(widest.map((k) => [k.f, k] as const))('the command on %s prints exactly that mail (exit 0)', async (_f, k) => {
    const r = await run(replayCaseCommand, [join('shrunk-cases', k.f), '--format', 'mail']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(mailOf(k));
    fitsAMail(r.out);
  });
});

describe('npm run check -- --format mail', () => {
  it('a verdict line per strategy, then each counterexample as a mail with the check command that finds it again', async () => {
    const r = await run(checkCommand, ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'StartEndPaired,ReaperBounded', '--runs', '100', '--format', 'mail']);
    expect(r.code).toBe(1);
    fitsAMail(r.out);
    expect(r.out).toMatch(/^skip-all-end \(seed 42, 100 runs\): violates StartEndPaired; holds 1\n {2}other\.\n/);
    expect(r.out).toContain('mmu_notifier: StartEndPaired broken under skip-all-end');
    expect(squeezed(r.out.replace(/ \\\n/g, ' '))).toContain(squeezed('npm run check -- --strategy skip-all-end --invariant StartEndPaired --seed 42 --notifiers kvm,odp-4.20 --runs 100'));
    // The pass proved it the fewest on its threads: the mail says so too.
    expect(squeezed(r.out)).toMatch(/Found:randomsearch,seed42,run\d+,shrunkfrom\d+to10steps,thefewestthesethreadsallow(CPU|\d)/);
  });
  it('the rows behind it: a mail per counterexample, none for a holds', () => {
    const cx = { invariant: 'StartEndPaired', witness: 'A got 0 ends', scenario, schedule: [], trace, steps: 4, contextSwitches: 1, fromSteps: 4, fromSwitches: 1, provenance: { foundWith: 'exhaustive' }, shortestOnThreads: true } as Counterexample;
    const checked: Checked[] = [
      { strategy: 'skip-all-end', result: { engine: 'exhaustive', invariant: 'StartEndPaired', verdict: 'violated', states: 9, depth: 4, ms: 1, counterexample: cx }, file: 'shrunk-cases/x.json' },
      { strategy: 'skip-all-end', result: { engine: 'exhaustive', invariant: 'NoDeadlock', verdict: 'holds', states: 9, depth: 4, ms: 1, counterexample: null }, file: null },
    ];
    const text = checkMail(checked, { seed: 1, runs: 10, exhaustive: true, depth: 40, notifiers: 'kvm,odp-4.20', threads: 'oom_reaper,ioctl:B' });
    fitsAMail(text);
    expect(text.match(/^mmu_notifier: /gm)).toHaveLength(1);
    expect(text).toContain('To replay:\n  npm run replay -- shrunk-cases/x.json\n  npm run check -- --strategy skip-all-end --invariant StartEndPaired \\\n');
    expect(text).toContain('Found:      exhaustive search: a shortest counterexample');
    // Cut by a state or memory bound, the search cannot claim it.
    const cut = checkMail([{ ...checked[0], result: { ...checked[0].result, counterexample: { ...cx, shortestOnThreads: false } } as Checked['result'] }], { seed: 1, runs: 10, exhaustive: true, notifiers: 'kvm,odp-4.20' });
    expect(squeezed(cut)).toContain(squeezed('Found: exhaustive search: the first found before a bound cut the search'));
  });
  it('an interrupted check: its note line by line, what was found before the stop included', () => {
    const text = checkMail([], { seed: 1, runs: 10, exhaustive: false, notifiers: 'kvm,odp-4.20' }, undefined, { completed: 0, total: 1, unit: 'strategies', foundSoFar: [{ strategy: 'skip-all-end', invariant: 'StartEndPaired', run: 1 }] });
    fitsAMail(text);
    expect(text).not.toContain('\\x0a');
    expect(text.split('\n').slice(0, 4)).toEqual([
      'interrupted (SIGINT) after 0 of 1 strategies; nothing finished',
      'violated before the stop, not yet shrunk (the first run that broke each:',
      'a --runs at least that large finds it again):',
      '  skip-all-end x StartEndPaired (run 1)',
    ]);
  });
  it.each([
    [checkCommand, ['--format', 'nope'], /^error: unknown format 'nope' \(valid: text, mail\)$/],
    [checkCommand, ['--json', '--format', 'mail'], /^error: --json and --format: give one or the other$/],
    [replayCaseCommand, ['shrunk-cases/skip-all-end__StartEndPaired__kvm_odp-4.20_ioctl-B.json', '--mermaid', '--format', 'mail'], /^error: --mermaid and --format: give one or the other$/],
    [replayCaseCommand, ['shrunk-cases/skip-all-end__StartEndPaired__kvm_odp-4.20_ioctl-B.json', '--strategy', 'all', '--format', 'mail'], /^error: --format mail writes one replay/],
    [replayCaseCommand, ['shrunk-cases/skip-all-end__StartEndPaired__kvm_odp-4.20_ioctl-B.json', '--strategy', ' all', '--format', 'mail'], /^error: --format mail writes one replay/],
  ])('bad input %#: exit 2, one line', async (cmd, argv, msg) => {
    const r = await run(cmd as Command, argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(msg as RegExp);
  });
});
