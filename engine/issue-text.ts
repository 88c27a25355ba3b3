/**
 * How a validation problem names its place and the value found there, shared by the case and
 * scenario files (case-format.ts) and the driver files (driver-format.ts).
 */

/** `scenario.notifiers[0].hasEnd`: keys joined by dots, array indices in brackets. */
export const formatPath = (path: readonly PropertyKey[]): string => {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
};

/** A value as a message shows it: a string quoted, anything else as JSON, cut when long. */
export const shown = (v: unknown): string => {
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
  const j = JSON.stringify(v);
  return j === undefined ? String(v) : j.length > 60 ? `${j.slice(0, 57)}...` : j;
};
