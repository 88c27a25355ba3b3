/**
 * A counterexample as a mail to linux-mm can carry it (`--format mail` on check and replay):
 * plain ASCII, no line over 72 columns, nothing truncated (long lines wrap). The trace is drawn
 * the way kernel developers draw races: one column of pseudo-code per CPU when two threads take
 * part, numbered steps naming the CPU otherwise; a driver callback's steps sit under a
 * `B->invalidate_range_start():` line, each step's effects follow as `//` comments and the
 * kernel's diagnostics as `!!` lines. Around it: the strategy, the kernel era of the OOM
 * reaper, the drivers and their eras, the invariant broken in one sentence, and the commands
 * that replay it.
 */
import { BUILTIN, DEFAULT_KNOBS, invariantByName, type Catalogue, type ReaperEra, type Scenario, type TraceStep } from '../model/index.ts';
import { ascii, breakAt, wrap, wrapTokens } from './wrap.ts';
import { bashCode, shellWord } from './escape.ts';

/** The mail's width: the usual limit for a mail's body. */
export const MAIL_WIDTH = 72;

/** The reaper eras in a kernel developer's words (docs/kernel.md §3.2-§3.3). */
const REAPER_ERA_TEXT: Readonly<Record<ReaperEra, string>> = {
  'no-notify': '<= v4.13: the OOM reaper unmaps without calling the notifiers',
  'skip-if-notifiers': 'v4.14: the OOM reaper skips an mm with notifiers and declares it reaped',
  'nonblock-per-vma': 'v4.19+: the OOM reaper runs a non-blocking invalidate_range_start per VMA and skips the VMA on -EAGAIN',
};

export interface MailCase {
  readonly scenario: Scenario;
  readonly invariant: string;
  /** `violated`: at the trace's last step, with the witness; `holds`: a replay under another strategy that held. */
  readonly verdict: 'violated' | 'holds';
  readonly witness: string | null;
  readonly trace: readonly TraceStep[];
  readonly contextSwitches: number;
  /** Commands that replay it, as argument words (quoted and wrapped here). */
  readonly replay: readonly (readonly string[])[];
  /** How it was found, e.g. "random search, seed 42, shrunk from 11 steps". */
  readonly found?: string;
  /** A lasso: the steps from this index on repeat forever (engine/result.ts Counterexample.cycle). */
  readonly cycleFrom?: number;
}

const own = <T,>(table: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** `label:` then the text (in ASCII), continuation lines aligned under the text; compare's mail (report/compare-mail.ts) too. */
export const field = (label: string, text: string, width: number): string[] => {
  const pad = 12;
  return wrap(ascii(text), width - pad).map((l, k) => `${(k === 0 && label ? `${label}:` : '').padEnd(pad)}${l}`);
};

/** A shell word in ASCII: shellWord's, with every non-ASCII character escaped in `$'...'` too. */
const asciiShellWord = (s: string): string =>
  /^[\x20-\x7e]*$/.test(s) ? shellWord(s) : `$'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/gu, bashCode)}'`;

/**
 * A command on lines of at most `width` columns, as the shell reads it back: lines end with
 * ` \` (a flag and its value kept together); a word longer than a line is cut into pieces, each quoted on its own and joined by a
 * backslash-newline (which the shell removes, so the pieces make one word again).
 */
export const shellLines = (argv: readonly string[], width: number, indent = 2): string[] => {
  const cont = indent + 2;
  const lines: string[] = [];
  let line = ' '.repeat(indent);
  const room = (l: string) => width - 2 - l.length; // room before a trailing ' \'
  for (const [i, word] of argv.entries()) {
    const q = asciiShellWord(word);
    const sep = line.trim() === '' ? '' : ' ';
    // A flag and its value stay on one line when they fit one: break before the flag.
    const value = /^--./.test(word) && i + 1 < argv.length && !argv[i + 1].startsWith('-') ? asciiShellWord(argv[i + 1]) : null;
    if (value !== null && line.trim() !== '' && sep.length + q.length + 1 + value.length > room(line) && q.length + 1 + value.length <= width - 2 - cont) {
      lines.push(`${line} \\`);
      line = ' '.repeat(cont);
    }
    const sep2 = line.trim() === '' ? '' : ' ';
    if (sep2 !== sep) {
      line += q;
      continue;
    }
    if (q.length + sep.length <= room(line)) {
      line += sep + q;
      continue;
    }
    if (line.trim() !== '') {
      lines.push(`${line} \\`);
      line = ' '.repeat(cont);
    }
    if (q.length <= room(line)) {
      line += q;
      continue;
    }
    // Too long for any line: pieces of the raw word, each quoted, none wider than a line (cut after a punctuation mark when one is near).
    let rest = [...word];
    while (rest.length) {
      let n = rest.length;
      while (n > 1 && asciiShellWord(rest.slice(0, n).join('')).length > room(line)) n--;
      if (n < rest.length) n = breakAt(rest.join(''), n);
      const piece = asciiShellWord(rest.slice(0, n).join(''));
      rest = rest.slice(n);
      if (rest.length) {
        lines.push(`${line}${piece}\\`);
        line = '';
      } else line += piece;
    }
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd());
};

/** `B.invalidate_range_start: return -EAGAIN` → the callback it runs in and the statement. */
const splitAction = (action: string): { ctx: string | null; body: string } => {
  const m = /^([A-Za-z][A-Za-z0-9_]*)\.([a-z_]+): (.*)$/.exec(action);
  return m ? { ctx: `${m[1]}->${m[2]}()`, body: m[3] } : { ctx: null, body: action };
};

/** One step's lines in a column `w` wide: the callback line when it changes, the statement, its effects. */
const stepLines = (s: TraceStep, showCtx: boolean, w: number): string[] => {
  const { ctx, body } = splitAction(ascii(s.action));
  const out: string[] = [];
  const ind = ctx ? 2 : 0;
  if (ctx && showCtx) out.push(...wrap(`${ctx}:`, w, 4));
  out.push(...wrap(`${' '.repeat(ind)}${body}`, w, 2));
  // Comments wrap under themselves: every line starts with the mark, continuations indented.
  const comment = (mark: string, text: string) => wrap(ascii(text), w - ind - mark.length - 1, 2).map((l) => `${' '.repeat(ind)}${mark} ${l}`);
  for (const e of s.events) out.push(...comment('//', e));
  for (const d of s.diagnostics ?? []) out.push(...comment('!!', d));
  return out;
};

const drainNote = 'from here on the model drains: every thread runs to its end, round-robin';
const repeatNote = 'repeats forever:';

/** The trace in columns (two threads) or as numbered steps naming the CPU; a lasso's cycle under a line. */
const traceLines = (trace: readonly TraceStep[], width: number, cycleFrom?: number): string[] => {
  const threads = [...new Set(trace.map((s) => s.thread))];
  const cpu = (t: string) => `CPU${threads.indexOf(t)}`;
  const num = String(trace.length).length;
  const out: string[] = [];
  let drained = false;
  const drainLine = (gutter: number) => {
    if (drained) return;
    drained = true;
    out.push(...wrap(`${' '.repeat(gutter)}-- ${drainNote} --`, width, 3));
  };
  if (threads.length <= 2) {
    const gutter = num + 2;
    const gap = 3;
    const w = threads.length === 2 ? Math.floor((width - gutter - gap) / 2) : width - gutter;
    const heads = threads.map((t) => wrap(ascii(`${cpu(t)} (${t})`), w, 2));
    for (let k = 0; k < Math.max(...heads.map((h) => h.length)); k++) out.push(`${' '.repeat(gutter)}${heads.map((h) => (h[k] ?? '').padEnd(w)).join(' '.repeat(gap))}`.trimEnd());
    out.push(`${' '.repeat(gutter)}${threads.map(() => '-'.repeat(w)).join(' '.repeat(gap))}`);
    const lastCtx = new Map<string, string | null>();
    for (const [k, s] of trace.entries()) {
      if (s.drain) drainLine(gutter);
      if (k === cycleFrom) out.push(`${' '.repeat(gutter)}-- ${repeatNote} --`);
      const { ctx } = splitAction(ascii(s.action));
      const lines = stepLines(s, ctx !== lastCtx.get(s.thread), w);
      lastCtx.set(s.thread, ctx);
      const col = threads.indexOf(s.thread);
      for (const [j, l] of lines.entries()) {
        const lead = j === 0 ? `${String(k + 1).padStart(num)}  ` : ' '.repeat(gutter);
        out.push(`${lead}${col === 1 ? `${''.padEnd(w)}${' '.repeat(gap)}` : ''}${l}`.trimEnd());
      }
    }
    return out;
  }
  const gutter = num + 1 + `CPU${threads.length - 1}`.length + 2;
  // The legend: each `CPUn = thread` kept on one line.
  const legend = threads.map((t, k) => ({ text: `${cpu(t)} = ${ascii(t)}${k < threads.length - 1 ? ',' : ''}` }));
  out.push(...wrapTokens([{ text: 'Threads:' }, ...legend], width, 9), '');
  let prev: { thread: string; ctx: string | null } | null = null;
  for (const [k, s] of trace.entries()) {
    if (s.drain) drainLine(gutter);
    if (k === cycleFrom) out.push(`${' '.repeat(gutter)}-- ${repeatNote} --`);
    const { ctx } = splitAction(ascii(s.action));
    const lines = stepLines(s, !(prev && prev.thread === s.thread && prev.ctx === ctx), width - gutter);
    prev = { thread: s.thread, ctx };
    for (const [j, l] of lines.entries()) out.push(`${j === 0 ? `${String(k + 1).padStart(num)} ${cpu(s.thread).padEnd(gutter - num - 1)}` : ' '.repeat(gutter)}${l}`.trimEnd());
  }
  return out;
};

/** The whole mail: every line ASCII and at most `width` columns. */
export const mailText = (m: MailCase, catalogue: Catalogue = BUILTIN, width = MAIL_WIDTH): string => {
  const sc = m.scenario;
  const inv = invariantByName(m.invariant);
  const strategy = own(catalogue.strategies, sc.strategy);
  const out: string[] = [];
  out.push(...wrap(ascii(`mmu_notifier: ${m.invariant} ${m.verdict === 'violated' ? 'broken' : 'holds'} under ${sc.strategy}`), width, 2), '');
  out.push(...wrap(ascii(`A ${m.verdict === 'violated' ? 'counterexample found' : 'run replayed'} by mmu-notifier-checker, a model of the mmu_notifier protocol (a model result, not a reproduced kernel failure).`), width), '');
  out.push(...field('Strategy', `${sc.strategy}${strategy ? `: ${strategy.title}` : ''}`, width));
  const knobs = sc.knobs ?? {};
  const rfc = knobs.reaperChecksNotifiersBeforeLock === true ? '; mm_has_notifiers() read before mmap_read_trylock, as in the 2017 RFC' : '';
  out.push(...field('Kernel era', `OOM reaper ${sc.reaper} (${REAPER_ERA_TEXT[sc.reaper] ?? sc.reaper}${rfc})`, width));
  sc.notifiers.forEach((n, k) => {
    const def = n.driver === 'generic' ? undefined : own(catalogue.drivers, n.driver);
    const genericKnobs = Object.entries(n).filter(([key]) => !['name', 'driver', 'address', 'interval'].includes(key)).map(([key, v]) => `${key}=${String(v)}`);
    const what = n.driver === 'generic' ? `generic driver${genericKnobs.length ? ` (${genericKnobs.join(', ')})` : ''}` : `${n.driver}${def ? ` (${def.era})` : ''}`;
    const where = n.interval ? `, mirrors [${n.interval.start},${n.interval.end})` : '';
    out.push(...field(k === 0 ? 'Notifiers' : '', `${n.name} = ${what}${where}`, width));
  });
  out.push(...field('VMAs', sc.vmas.map((v) => `[${v.start},${v.end})`).join(' '), width));
  const changed = Object.entries(knobs).filter(([k, v]) => Object.hasOwn(DEFAULT_KNOBS, k) && DEFAULT_KNOBS[k as keyof typeof DEFAULT_KNOBS] !== v);
  if (changed.length) out.push(...field('Knobs', changed.map(([k, v]) => `${k}=${String(v)}`).join(', '), width));
  const sentence = inv ? `${inv.summary}.` : '';
  out.push('');
  out.push(...field('Invariant', `${m.invariant}${inv ? ` (${inv.id})` : ''} ${m.verdict === 'violated' ? 'is broken' : 'holds on this run'}: ${sentence}`, width));
  const when =
    m.cycleFrom !== undefined
      ? `${m.cycleFrom + 1 === m.trace.length ? `step ${m.trace.length} repeats` : `steps ${m.cycleFrom + 1}-${m.trace.length} repeat`} forever, a fair cycle (each thread that takes no step in it is blocked or done in it):`
      : `at step ${m.trace.length},`;
  if (m.witness) out.push(...field('Witness', m.verdict === 'violated' ? `${when} ${m.witness}` : m.witness, width));
  if (m.found) out.push(...field('Found', m.found, width));
  out.push('', ...traceLines(m.trace, width, m.cycleFrom), '');
  out.push(
    ...wrap(
      ascii(`${m.trace.length} steps, ${m.contextSwitches} context switch${m.contextSwitches === 1 ? '' : 'es'}. Lines starting "//" are a step's effects, "!!" the kernel's diagnostics (WARN_ON, BUG_ON, might_sleep).`),
      width,
    ),
  );
  if (m.replay.length) {
    out.push('', 'To replay:');
    for (const argv of m.replay) out.push(...shellLines(argv, width));
  }
  return `${out.join('\n')}\n`;
};
