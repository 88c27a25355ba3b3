/**
 * Text that fits a width: word wrapping (long words are split, never cut), with an optional
 * style per word so that colours survive the wrap, and plain ASCII for a mail.
 */
import { escapeText } from './escape.ts';

/** A word and how it is drawn (e.g. pc.red); its visible width is its length. */
export interface Token {
  readonly text: string;
  readonly style?: (s: string) => string;
}

/** Words of `text`, all drawn with `style`. */
export const tokens = (text: string, style?: (s: string) => string): Token[] =>
  text
    .split(' ')
    .filter((w) => w !== '')
    .map((w) => (style ? { text: w, style } : { text: w }));

/** Where to cut a word to at most `max` characters: after a punctuation mark in the second half if there is one, else at `max`. */
export const breakAt = (word: string, max: number): number => {
  for (let k = Math.min(max, word.length - 1); k > max / 2; k--) if (/[._/(,>:;=-]/.test(word[k - 1])) return k;
  return Math.max(1, max);
};

/**
 * Lines of at most `width` columns: words are kept whole when they fit a line, a word longer
 * than a line is split across lines; continuation lines start with `hang` spaces. Consecutive
 * words with the same style are drawn as one run.
 */
export const wrapTokens = (words: readonly Token[], width: number, hang = 0): string[] => {
  const w = Math.max(1, width);
  const h = Math.min(hang, w - 1);
  const lines: Token[][] = [];
  let line: Token[] = [];
  let used = 0;
  const room = () => (lines.length === 0 ? w : w - h);
  const push = () => {
    lines.push(line);
    line = [];
    used = 0;
  };
  for (const t of words) {
    let text = t.text;
    while (text.length > 0) {
      const sep = line.length ? 1 : 0;
      if (used + sep + text.length <= room()) {
        line.push({ ...t, text });
        used += sep + text.length;
        text = '';
      } else if (line.length) push();
      else {
        // A word longer than a whole line: its head fills this one (up to a punctuation mark if one is near the end), the rest goes on.
        const at = breakAt(text, room());
        line.push({ ...t, text: text.slice(0, at) });
        text = text.slice(at);
        push();
      }
    }
  }
  if (line.length || lines.length === 0) lines.push(line);
  return lines.map((l, k) => {
    const runs: { text: string; style?: (s: string) => string }[] = [];
    for (const t of l) {
      const last = runs[runs.length - 1];
      if (last && last.style === t.style) last.text += ` ${t.text}`;
      else runs.push({ text: t.text, ...(t.style ? { style: t.style } : {}) });
    }
    const body = runs.map((r) => (r.style ? r.style(r.text) : r.text)).join(' ');
    return `${k > 0 ? ' '.repeat(h) : ''}${body}`;
  });
};

/** Plain text wrapped to `width` (see wrapTokens); leading spaces of `text` indent every line. */
export const wrap = (text: string, width: number, hang = 0): string[] => {
  const lead = /^ */.exec(text)?.[0] ?? '';
  return wrapTokens(tokens(text.slice(lead.length)), width - lead.length, hang).map((l) => `${lead}${l}`);
};

/** Characters of the model's and the kernel's prose, in ASCII. */
const ASCII: Readonly<Record<string, string>> = {
  '→': '->',
  '←': '<-',
  '⇒': '=>',
  '↔': '<->',
  '✘': 'x',
  '✔': 'ok',
  '○': 'o',
  '§': 'S',
  '…': '...',
  '–': '-',
  '—': '--',
  '−': '-',
  '≤': '<=',
  '≥': '>=',
  '≠': '!=',
  '×': 'x',
  '≈': '~',
  '·': '.',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '│': '|',
  '─': '-',
  '┼': '+',
  '\u00a0': ' ',
};

/**
 * Plain ASCII: control and format characters escaped (report/escape.ts), the usual symbols
 * spelled out, accents dropped, anything else as `\u{NNNN}`.
 */
export const ascii = (s: string): string =>
  escapeText(s)
    .replace(/[^\x00-\x7f]/gu, (ch) => ASCII[ch] ?? ch)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x00-\x7f]/gu, (ch) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`);
