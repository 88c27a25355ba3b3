/**
 * Text that came from outside (a file name, a key or a value read from a file, an argument) is
 * escaped before it is printed: control characters, format characters (the BOM, bidi overrides,
 * zero-width marks), line and paragraph separators and lone surrogates appear as `\xNN` /
 * `\u{NNNN}`, so one message stays one line and nothing reaches the terminal raw.
 */

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const HAS_UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const code = (ch: string): string => {
  const n = ch.codePointAt(0) as number;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
};

/** bash's `$'…'` escapes: \xHH, \uHHHH, \UHHHHHHHH. */
export const bashCode = (ch: string): string => {
  const n = ch.codePointAt(0) as number;
  const hex = n.toString(16);
  return n <= 0xff ? `\\x${hex.padStart(2, '0')}` : n <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
};

export const escapeText = (s: string): string => s.replace(UNSAFE, code);

/** A word the shell reads back as itself: bare when it is plain, else single-quoted (`$'…'` if it holds control characters). */
export const shellWord = (s: string): string => {
  if (/^[A-Za-z0-9_.,:=@%+/-]+$/.test(s)) return s;
  if (HAS_UNSAFE.test(s)) return `$'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(UNSAFE, bashCode)}'`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
};
