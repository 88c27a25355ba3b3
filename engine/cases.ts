/**
 * The shrunk-cases corpus (docs/design.md §5). Saving writes a temporary file and links it into
 * place, so a case file is whole or absent and an existing one is never replaced: an identical
 * case (same scenario, schedule and invariant, whatever the key order) is reused, a different one
 * gets the next free suffix. Replay checks a case whole: the trace step by step (thread, action,
 * events, diagnostics, drain), its length, the schedule, and the verdict at the last step with its
 * witness; the first difference is drift.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { invariantByName, resolve, runWorld, type Catalogue, type Invariant, type ModelState, type Scenario, type TraceStep, type World } from '../model/index.ts';
import { parseCase, type SavedCase } from './case-format.ts';
import { confirmDrain, contextSwitches } from './judge.ts';
import { cycleContext, lassoProblem, runPath } from './lasso.ts';

// ---------------------------------------------------------------------------------------------
// Reading a file that came from outside

/** Input files larger than this are refused (a case is a few kilobytes). */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

export type TextRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

const errnoText = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ENAMETOOLONG':
      return 'the file name is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return `cannot read (${code ?? (e instanceof Error ? e.message : String(e))})`;
  }
};

const kindOf = (st: Stats): string =>
  st.isDirectory() ? 'is a directory, not a file'
  : st.isCharacterDevice() ? 'is a character device, not a regular file'
  : st.isBlockDevice() ? 'is a block device, not a regular file'
  : st.isFIFO() ? 'is a pipe, not a regular file'
  : st.isSocket() ? 'is a socket, not a regular file'
  : 'is not a regular file';

/**
 * A regular file of at most `max` bytes, as UTF-8 text (a leading BOM dropped). Directories,
 * devices (/dev/zero, /dev/urandom), pipes and sockets are refused without reading them; so are
 * larger files, binary content (NUL bytes) and bytes that are not UTF-8.
 */
export const readTextFile = (file: string, max = MAX_INPUT_BYTES): TextRead => {
  const no = (error: string): TextRead => ({ ok: false, error });
  if (file === '') return no('empty file name');
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    return no(errnoText(e));
  }
  if (!st.isFile()) return no(kindOf(st));
  if (st.size > max) return no(`is ${st.size} bytes, larger than the ${max}-byte limit for an input file`);
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return no(errnoText(e));
  }
  try {
    const now = fstatSync(fd);
    if (!now.isFile()) return no(kindOf(now));
    // Read to the end, but never past the limit (the size a stat reports can be wrong: /proc, a growing file).
    const chunks: Buffer[] = [];
    let n = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, max + 1 - n));
      const k = readSync(fd, chunk, 0, chunk.length, null);
      if (k === 0) break;
      chunks.push(chunk.subarray(0, k));
      n += k;
      if (n > max) return no(`is larger than the ${max}-byte limit for an input file`);
    }
    const bytes = Buffer.concat(chunks, n);
    if (bytes.includes(0)) return no('contains NUL bytes: a binary file, not JSON text');
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return no('is not UTF-8 text');
    }
  } catch (e) {
    return no(errnoText(e));
  } finally {
    closeSync(fd);
  }
};

// ---------------------------------------------------------------------------------------------
// Saving

/** A failure to write a case (the directory is read-only, the disk is full, …): not a bug in the tool. */
export class SaveError extends Error {}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-');

const slug = (s: Scenario): string =>
  safe(
    [
      ...s.notifiers.map((n) => n.driver),
      ...s.threads.filter((t) => t !== 'oom_reaper').map((t) => t.replace(':', '-')),
      ...(s.kernel !== undefined ? [s.kernel] : s.reaper === 'nonblock-per-vma' ? [] : [s.reaper]),
      ...Object.entries(s.knobs ?? {}).map(([k, v]) => `${k}-${v}`),
    ].join('_'),
  );

/** The longest file name most filesystems take (NAME_MAX); on ENAMETOOLONG the tighter budgets are tried. */
const NAME_BUDGETS = [255, 143, 80];

/**
 * `<strategy>__<Invariant>__<slug><suffix>.json`, within `budget` bytes: a slug too long keeps
 * its beginning and ends in a hash of the whole, so the same case always gets the same name.
 */
export const caseFileName = (c: SavedCase, suffix = '', budget = NAME_BUDGETS[0]): string => {
  const head = `${safe(c.scenario.strategy)}__${safe(c.expect.invariant)}__`;
  const tail = slug(c.scenario as Scenario);
  const full = `${head}${tail}${suffix}.json`;
  if (full.length <= budget) return full; // ASCII only: characters are bytes
  const hash = createHash('sha256').update(head + tail).digest('hex').slice(0, 12);
  const keep = Math.max(0, budget - head.length - suffix.length - '.json'.length - hash.length - 2);
  return `${head}${tail.slice(0, keep)}--${hash}${suffix}.json`;
};

/** As written to disk: key order and undefined fields do not make two cases different. */
const asJson = <T,>(x: T): unknown => JSON.parse(JSON.stringify(x));

/** The same case: the same scenario, schedule and invariant (semantically: key order does not count). */
export const sameCase = (a: SavedCase, b: SavedCase): boolean =>
  a.expect.invariant === b.expect.invariant && isDeepStrictEqual(asJson(a.schedule), asJson(b.schedule)) && isDeepStrictEqual(asJson(a.scenario), asJson(b.scenario));

const existingCase = (file: string): SavedCase | null => {
  const r = readTextFile(file);
  if (!r.ok) return null;
  try {
    const loaded = parseCase(JSON.parse(r.text));
    return loaded.ok ? loaded.value : null;
  } catch {
    return null;
  }
};

/** Put `tmp`'s content at `file` unless `file` exists: a hard link is atomic; without one (some filesystems), an exclusive copy. */
const placeExclusive = (tmp: string, file: string): void => {
  try {
    linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EXDEV' || code === 'EMLINK') copyFileSync(tmp, file, constants.COPYFILE_EXCL);
    else throw e;
  }
};

/** The nearest of `dir` and its ancestors that exists (with its stat), and the missing ones below it, outermost first. */
const nearestExisting = (dir: string): { readonly path: string; readonly stat: Stats | null; readonly missing: readonly string[] } => {
  const missing: string[] = [];
  for (let d = resolvePath(dir); ; d = dirname(d)) {
    try {
      return { path: d, stat: statSync(d), missing: missing.reverse() };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    missing.push(d);
    if (dirname(d) === d) return { path: d, stat: null, missing: missing.reverse() };
  }
};

/** Why a file cannot be created, in words. */
const writeErrnoText = (code: string | undefined): string => {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'a read-only file system';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the device';
    case 'EFBIG':
      return 'file too large for this process (a file-size limit)';
    case 'ENOENT':
      return 'no file can be created there';
    default:
      return code ?? 'cannot create a file';
  }
};

/**
 * Why cases cannot be saved under `dir`, or null: a file, not a directory, in its place, or a
 * directory this process cannot create a file in (tried: a temporary file in `dir`, or in the
 * nearest existing directory above it, made and removed at once; nothing else is left behind).
 * Asked before a search, so that its results are never lost to a directory found unwritable
 * after it; a disk that fills meanwhile is still reported after the results (scripts/check.ts).
 */
export const savePathProblem = (dir: string): string | null => {
  try {
    const { path, stat } = nearestExisting(dir);
    if (stat === null) return null;
    if (!stat.isDirectory()) return `${path} is a file, not a directory: cases cannot be saved under ${dir}`;
    const probe = join(path, `.tmp-probe-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      closeSync(openSync(probe, 'wx'));
    } catch (e) {
      return `cannot save cases under ${dir}: ${path} is not writable (${writeErrnoText((e as NodeJS.ErrnoException).code)})`;
    }
    unlinkSync(probe);
    return null;
  } catch (e) {
    return `${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
};

/**
 * `mkdir -p`: each missing directory made on its own. Node 20's `mkdirSync(dir, { recursive:
 * true })` never returns for a path under /proc (its parent exists, yet mkdir says ENOENT).
 */
export const makeDir = (dir: string): void => {
  for (const d of nearestExisting(dir).missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
};

/**
 * All of `text` to `fd`: writeSync may write only part of it (a file-size limit, a disk that
 * fills), and the rest then fails with the reason (EFBIG, ENOSPC) instead of a truncated file.
 */
export const writeAll = (fd: number, text: string): void => {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
};

/**
 * `text` in a new temporary file of `dir`, whole and flushed: its path. Not *.json, so a reader of
 * the corpus never sees it, even if this process is killed before it is renamed or unlinked; a
 * failed write leaves no file.
 */
const writeTemp = (dir: string, text: string): string => {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx');
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
};

/**
 * Replace `file` with `text` whole or not at all: written to a temporary file in the same
 * directory, flushed, then renamed over it (a full disk leaves the old file as it was, never a
 * truncated one). For files the tool owns (the schemas); a case is never replaced (saveCase).
 */
export const replaceFile = (file: string, text: string): void => {
  const tmp = writeTemp(dirname(file), text);
  try {
    renameSync(tmp, file);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // renamed into place, or never created
    }
  }
};

/**
 * Write a case; an identical one already there is reused, a different one is never replaced.
 * Safe against concurrent savers: a file appears whole (written to a temporary file in the same
 * directory, then linked to its name without overwriting), and two savers of the same case end
 * with one file.
 */
export const saveCase = (dir: string, c: SavedCase): { file: string; existed: boolean } => {
  const text = `${JSON.stringify(c, null, 2)}\n`;
  let tmp: string | null = null;
  try {
    makeDir(dir);
    tmp = writeTemp(dir, text);
    let budget = 0;
    for (let k = 1; k <= 10_000; ) {
      const file = join(dir, caseFileName(c, k === 1 ? '' : `-${k}`, NAME_BUDGETS[budget]));
      try {
        placeExclusive(tmp, file);
        return { file, existed: false };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENAMETOOLONG' && budget + 1 < NAME_BUDGETS.length) {
          budget++;
          continue;
        }
        if (code !== 'EEXIST') throw e;
      }
      const other = existingCase(file);
      if (other && sameCase(other, c)) return { file, existed: true };
      k++;
    }
    throw new SaveError(`${dir}: 10000 different cases already share the name ${caseFileName(c)}`);
  } catch (e) {
    if (e instanceof SaveError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SaveError(`cannot save the case under ${dir}: ${code ? `${writeErrnoText(code)}${writeErrnoText(code) === code ? '' : ` (${code})`}` : e instanceof Error ? e.message : String(e)}`);
  } finally {
    if (tmp !== null)
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
  }
};

// ---------------------------------------------------------------------------------------------
// Replaying

export type ReplayOutcome =
  /** `cycleFrom`: a lasso, whose steps from that index on repeat forever. */
  | { kind: 'reproduced'; trace: readonly TraceStep[]; witness: string; step: number; cycleFrom?: number }
  | { kind: 'verdict-changed'; trace: readonly TraceStep[]; verdict: string; witness: string | null }
  /** `field`: what differs first at `step` (thread, action, events, diagnostics, drain, trace length, schedule[k], verdict, witness). */
  | { kind: 'drift'; step: number; field?: string; expected: string; actual: string; trace: readonly TraceStep[] }
  | { kind: 'invalid'; errors: readonly string[] };

const stepText = (s: TraceStep | undefined) => (s ? `${s.thread}: ${s.action}` : '(nothing: the run has ended)');
const list = (xs: readonly string[] | undefined) => JSON.stringify(xs ?? []);

type Difference = { step: number; field: string; expected: string; actual: string };

/** The first field in which a recorded step and the replayed one differ. */
const stepDifference = (i: number, rec: TraceStep, got: TraceStep | undefined): Difference | null => {
  const d = (field: string, expected: string, actual: string): Difference => ({ step: i + 1, field, expected, actual });
  if (!got) return d('trace length', stepText(rec), stepText(undefined));
  if (got.thread !== rec.thread) return d('thread', stepText(rec), stepText(got));
  if (got.action !== rec.action) return d('action', stepText(rec), stepText(got));
  if (!isDeepStrictEqual([...got.events], [...rec.events])) return d('events', list(rec.events), list(got.events));
  if (!isDeepStrictEqual([...(got.diagnostics ?? [])], [...(rec.diagnostics ?? [])])) return d('diagnostics', list(rec.diagnostics), list(got.diagnostics));
  if ((got.drain ?? false) !== (rec.drain ?? false)) return d('drain', rec.drain ? 'a drain step' : 'a schedule step', got.drain ? 'a drain step' : 'a schedule step');
  return null;
};

/**
 * Replay a case. Without `strategyOverride` it must reproduce exactly: every recorded step
 * (thread, action, events, diagnostics, drain flag), every schedule choice executed, and the
 * invariant violated at the last recorded step with the recorded witness; the first difference,
 * by step, is drift; a violation that no longer happens is a changed verdict. With an override
 * (another strategy), only the verdict is reported.
 */
export const replayCase = (c: SavedCase, strategyOverride?: string, catalogue?: Catalogue): ReplayOutcome => {
  const scenario = { ...(c.scenario as Scenario), ...(strategyOverride ? { strategy: strategyOverride } : {}) };
  const r = resolve(scenario, catalogue);
  if (!r.ok) return { kind: 'invalid', errors: r.errors.map((e) => `scenario.${e}`) };
  const inv = invariantByName(c.expect.invariant);
  if (!inv) return { kind: 'invalid', errors: [`expect.invariant: unknown '${c.expect.invariant}'`] };
  for (const [i, th] of c.schedule.entries())
    if (!c.scenario.threads.includes(th)) return { kind: 'invalid', errors: [`schedule[${i}]: '${th}' is not one of the scenario's threads (${c.scenario.threads.join(', ')})`] };
  if (c.cycle && !strategyOverride) return withCarried(c, replayLasso(c, r.world, r.state, inv, c.cycle.from));
  const raw = runWorld(r.world, r.state, c.schedule, { invariants: [inv] });
  if (strategyOverride) {
    // Under another strategy a drain that hits its bound is judged as a search judges it (judge.ts).
    const report = confirmDrain(scenario, r.world, r.state, raw, [inv], catalogue);
    const v = report.verdicts[inv.name];
    if (v.status === 'violated' && v.path) {
      const ran = runPath(r.world, r.state, v.path, v.cycleFrom ?? v.path.length);
      if (!('failedAt' in ran)) return { kind: 'reproduced', trace: ran.trace, witness: v.witness, step: v.step, ...(v.cycleFrom !== undefined ? { cycleFrom: v.cycleFrom } : {}) };
    }
    if (v.status === 'violated') return { kind: 'reproduced', trace: report.trace.slice(0, v.step), witness: v.witness, step: v.step };
    return { kind: 'verdict-changed', trace: report.trace, verdict: v.status, witness: null };
  }
  const report = raw;
  const v = report.verdicts[inv.name];

  const rec = c.trace;
  const got = report.trace;
  const found: Difference[] = [];
  // 1. The recorded steps, field by field.
  for (let i = 0; i < rec.length; i++) {
    const d = stepDifference(i, rec[i], got[i]);
    if (d) {
      found.push(d);
      break;
    }
  }
  // 2. Every schedule choice executed, in order (the k-th choice is the k-th step the drain did not take).
  const k = c.schedule.findIndex((x, i) => report.executed[i] !== x);
  if (k >= 0 || report.executed.length !== c.schedule.length) {
    const at = k >= 0 ? k : c.schedule.length;
    const scheduled = got.map((s, i) => (s.drain ? -1 : i)).filter((i) => i >= 0);
    const firstDrain = got.findIndex((s) => s.drain);
    const step = (scheduled[at] ?? (firstDrain >= 0 ? firstDrain : got.length)) + 1;
    found.push({
      step,
      field: `schedule[${at}]`,
      expected: at < c.schedule.length ? `choice '${c.schedule[at]}'` : 'no further choice',
      actual: at < report.executed.length ? `choice '${report.executed[at]}'` : `'${c.schedule[at]}' skipped: its thread could not step`,
    });
  }
  // 3. The verdict at the last recorded step, and its witness.
  if (rec.length === 0) found.push({ step: 1, field: 'trace', expected: '(no steps recorded)', actual: stepText(got[0]) });
  else if (v.status === 'violated' && v.step < rec.length)
    found.push({ step: v.step, field: 'verdict', expected: `${inv.name} not yet violated (recorded: violated at step ${rec.length})`, actual: `violated here: ${v.witness}` });
  else if (v.status === 'violated' && v.step > rec.length)
    found.push({ step: rec.length + 1, field: 'trace length', expected: `(end: ${inv.name} violated at step ${rec.length})`, actual: stepText(got[rec.length]) });
  else if (v.status === 'violated' && v.witness !== c.expect.witness) found.push({ step: v.step, field: 'witness', expected: c.expect.witness, actual: v.witness });

  if (found.length) {
    // The first difference by step; on a tie, the trace's own fields first (they say the most).
    const first = found.reduce((a, b) => (b.step < a.step ? b : a));
    return { kind: 'drift', ...first, trace: report.trace };
  }
  if (v.status === 'violated') return withCarried(c, { kind: 'reproduced', trace: got.slice(0, v.step), witness: v.witness, step: v.step });
  return { kind: 'verdict-changed', trace: report.trace, verdict: v.status, witness: null };
};

/** A case that reproduces must also carry a shrink record and provenance that fit it (issue #23 item 5): else drift at its last step. */
const withCarried = (c: SavedCase, out: ReplayOutcome): ReplayOutcome => {
  if (out.kind !== 'reproduced') return out;
  const carried = carriedProblem(c);
  return carried ? { kind: 'drift', step: c.trace.length, ...carried, trace: out.trace } : out;
};

/**
 * The fields a case carries about its making, checked against the trace they describe: the
 * shrink record's length and context switches are the recorded trace's, and it shrank (never
 * grew); a random search's case names its seed and runs (the replay command needs them).
 */
const carriedProblem = (c: SavedCase): { field: string; expected: string; actual: string } | null => {
  const sh = c.shrink;
  if (sh) {
    if (sh.toSteps !== c.trace.length) return { field: 'shrink.toSteps', expected: String(sh.toSteps), actual: `${c.trace.length} steps recorded` };
    const cs = contextSwitches(c.trace);
    if (sh.contextSwitches !== cs) return { field: 'shrink.contextSwitches', expected: String(sh.contextSwitches), actual: `${cs} in the recorded trace` };
    if (sh.fromSteps < sh.toSteps) return { field: 'shrink.fromSteps', expected: `at least toSteps (${sh.toSteps})`, actual: String(sh.fromSteps) };
  }
  if (c.provenance.foundWith === 'random' && (c.provenance.seed === undefined || c.provenance.runs === undefined))
    return { field: 'provenance', expected: 'a random search\'s seed and runs', actual: JSON.stringify(c.provenance) };
  return null;
};

/**
 * A lasso case (docs/design.md §3.5): every schedule choice must step and give the recorded
 * step; then the state after the last step must be the state before step `from` (the same
 * canonical form: engine/fingerprint.ts exactKey), the cycle fair, and the invariant's cycle
 * judgement the recorded witness.
 */
const replayLasso = (c: SavedCase, world: World, initial: ModelState, inv: Invariant, from: number): ReplayOutcome => {
  if (!inv.onCycle) return { kind: 'invalid', errors: [`cycle: ${inv.name} is not judged on cycles`] };
  const ran = runPath(world, initial, c.schedule, from);
  if ('failedAt' in ran) {
    const k = ran.failedAt;
    return { kind: 'drift', step: k + 1, field: `schedule[${k}]`, expected: `choice '${c.schedule[k]}'`, actual: `'${c.schedule[k]}' cannot step: a lasso's every choice steps`, trace: [] };
  }
  const got = ran.trace;
  for (let i = 0; i < Math.max(c.trace.length, got.length); i++) {
    const d = i < c.trace.length ? stepDifference(i, c.trace[i], got[i]) : { step: i + 1, field: 'trace length', expected: '(end of the recorded trace)', actual: stepText(got[i]) };
    if (d) return { kind: 'drift', ...d, trace: got };
  }
  const problem = lassoProblem(world, ran, from);
  if (problem) return { kind: 'drift', step: got.length, field: 'cycle', expected: `a fair cycle back to the state before step ${from + 1}`, actual: problem, trace: got };
  const w = inv.onCycle(cycleContext(world, ran, from));
  if (w === null) return { kind: 'verdict-changed', trace: got, verdict: 'holds', witness: null };
  if (w !== c.expect.witness) return { kind: 'drift', step: got.length, field: 'witness', expected: c.expect.witness, actual: w, trace: got };
  return { kind: 'reproduced', trace: got, witness: w, step: got.length, cycleFrom: from };
};
