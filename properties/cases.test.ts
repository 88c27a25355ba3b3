/**
 * Replay every saved case in shrunk-cases/ (docs/design.md §5): each must reproduce its recorded
 * verdict and trace step for step; a schedule that no longer fits is drift, not a pass.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../engine/case-format.ts';
import { caseFileName, replayCase, sameCase, saveCase, SaveError } from '../engine/cases.ts';

const dir = 'shrunk-cases';
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('shrunk-cases replay', () => {
  it('the corpus is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, () => {
      const loaded = parseCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      if (!loaded.ok) expect.fail(`${f}: ${loaded.error}`);
      const c = loaded.value;
      const out = replayCase(c);
      if (out.kind === 'drift') expect.fail(`${f}: drift at step ${out.step}: recorded '${out.expected}', now '${out.actual}'`);
      expect(out.kind).toBe('reproduced');
      if (out.kind !== 'reproduced') return;
      expect(out.step).toBe(c.trace.length);
      expect(out.witness).toBe(c.expect.witness);
      // The file name carries the strategy and the invariant.
      expect(f.startsWith(`${c.scenario.strategy}__${c.expect.invariant}__`)).toBe(true);
    });
  }
});

describe('drift and bad cases', () => {
  const good = parseCase(JSON.parse(readFileSync(join(dir, files[0]), 'utf8')));
  it('a case whose schedule no longer fits reports drift at the first differing step', () => {
    if (!good.ok) return expect.fail(good.error);
    const c = good.value;
    // Make the first traced step claim another action.
    const trace = c.trace.map((s, i) => (i === 0 ? { ...s, action: 'something else' } : s));
    const out = replayCase({ ...c, trace });
    expect(out.kind).toBe('drift');
    if (out.kind === 'drift') expect(out.step).toBe(1);
  });
  it('an unknown format, a missing field and an unknown invariant are one-line errors naming the field', () => {
    if (!good.ok) return expect.fail(good.error);
    expect(parseCase({ ...good.value, format: 'other@9' })).toMatchObject({ ok: false, errors: [expect.stringContaining('format: unknown')] });
    const { schedule: _s, ...noSchedule } = good.value;
    expect(parseCase(noSchedule)).toMatchObject({ ok: false, errors: [expect.stringMatching(/^schedule: missing/)] });
    expect(parseCase({ ...good.value, expect: { ...good.value.expect, invariant: 'Nope' } })).toMatchObject({
      ok: false,
      errors: [expect.stringContaining('expect.invariant: unknown')],
    });
  });
  it('a schedule naming a thread the scenario lacks is invalid, not drift', () => {
    if (!good.ok) return expect.fail(good.error);
    const out = replayCase({ ...good.value, schedule: ['fault:Z'] });
    expect(out).toEqual({ kind: 'invalid', errors: [expect.stringContaining("schedule[0]: 'fault:Z'")] });
  });
});

describe('saving never replaces a different case', () => {
  it('an identical case is reused, a different one gets the next free name', async () => {
    const { mkdtempSync, readdirSync: ls } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { saveCase } = await import('../engine/cases.ts');
    const d = mkdtempSync(join(tmpdir(), 'mnc-save-'));
    const first = parseCase(JSON.parse(readFileSync(join(dir, files[0]), 'utf8')));
    if (!first.ok) return expect.fail(first.error);
    const a = saveCase(d, first.value);
    const again = saveCase(d, first.value);
    const other = saveCase(d, { ...first.value, schedule: [...first.value.schedule, first.value.scenario.threads[0]] });
    expect(again).toEqual({ file: a.file, existed: true });
    expect(other.existed).toBe(false);
    expect(other.file).not.toBe(a.file);
    expect(other.file.endsWith('-2.json')).toBe(true);
    expect(ls(d)).toHaveLength(2);
    expect(JSON.parse(readFileSync(a.file, 'utf8'))).toEqual(first.value);
  });
});

describe('saving: semantic identity, whole files, concurrent savers, long names', () => {
  const load = (f: string) => {
    const r = parseCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  /** The same value with every object's keys in reverse order (as `{ ...fam.template, strategy }` differs from a saved file). */
  const reordered = <T,>(x: T): T =>
    Array.isArray(x) ? (x.map(reordered) as T) : x !== null && typeof x === 'object' ? (Object.fromEntries(Object.entries(x).reverse().map(([k, v]) => [k, reordered(v)])) as T) : x;
  const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
  const jsonFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.json'));

  it('the same case with its keys in another order is reused: one file (npm run corpus twice adds nothing)', () => {
    const d = tmp('mnc-order-');
    const c = load(files[0]);
    const flipped = reordered(c);
    expect(JSON.stringify(flipped)).not.toBe(JSON.stringify(c));
    expect(Object.keys(flipped.scenario)[0]).not.toBe(Object.keys(c.scenario)[0]);
    const a = saveCase(d, c);
    const b = saveCase(d, flipped);
    const again = saveCase(d, { ...c, provenance: { foundWith: 'exhaustive' }, shrink: undefined });
    expect(a.existed).toBe(false);
    expect(b).toEqual({ file: a.file, existed: true });
    expect(again).toEqual({ file: a.file, existed: true });
    expect(readdirSync(d)).toEqual([a.file.slice(d.length + 1)]);
  });

  it('what differs (scenario, schedule or invariant) is saved beside it, never over it', () => {
    const d = tmp('mnc-differ-');
    const c = load(files[0]);
    const a = saveCase(d, c);
    const knob = saveCase(d, { ...c, scenario: { ...c.scenario, vmas: [{ start: 0, end: 5 }] } });
    const sched = saveCase(d, { ...c, schedule: [...c.schedule, c.scenario.threads[0]] });
    expect([a.existed, knob.existed, sched.existed]).toEqual([false, false, false]);
    expect(new Set([a.file, knob.file, sched.file]).size).toBe(3);
    expect(JSON.parse(readFileSync(a.file, 'utf8'))).toEqual(c);
  });

  it('leaves no temporary file behind, and a place it cannot write is a SaveError (exit 2), not a crash', () => {
    const d = tmp('mnc-tmpfile-');
    const c = load(files[0]);
    saveCase(d, c);
    saveCase(d, c);
    expect(readdirSync(d)).toEqual(jsonFiles(d));
    const notADir = join(d, readdirSync(d)[0]);
    expect(() => saveCase(join(notADir, 'sub'), c)).toThrow(SaveError);
  });

  it('a name too long for the filesystem is shortened with a hash of the whole: the same case gets the same name', () => {
    const d = tmp('mnc-long-');
    const c = load(files[0]);
    const many = {
      ...c,
      scenario: { ...c.scenario, notifiers: Array.from({ length: 60 }, (_, i) => ({ name: `N${i}`, driver: 'generic', address: 4096 + i })) },
    };
    expect(`${caseFileName(many, '', 100_000)}`.length).toBeGreaterThan(255);
    const a = saveCase(d, many);
    const name = a.file.slice(d.length + 1);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).toMatch(new RegExp(`^${c.scenario.strategy}__${c.expect.invariant}__generic_generic.*--[0-9a-f]{12}\\.json$`));
    expect(saveCase(d, reordered(many))).toEqual({ file: a.file, existed: true });
    const other = saveCase(d, { ...many, schedule: [...many.schedule, many.scenario.threads[0]] });
    expect(other.existed).toBe(false);
    expect(other.file).toMatch(/--[0-9a-f]{12}-2\.json$/);
    expect(Buffer.byteLength(other.file.slice(d.length + 1))).toBeLessThanOrEqual(255);
    // A short name is what it always was.
    expect(caseFileName(c)).toBe(files[0].replace(/-\d+\.json$/, '.json'));
  });

  it('ENAMETOOLONG (here: a directory path near PATH_MAX) shortens the name further instead of failing', () => {
    let d = tmp('mnc-deep-');
    while (d.length < 3900) d = join(d, 'x'.repeat(Math.min(200, 3900 - d.length)));
    mkdirSync(d, { recursive: true });
    const c = load(files[0]);
    const many = { ...c, scenario: { ...c.scenario, notifiers: Array.from({ length: 60 }, (_, i) => ({ name: `N${i}`, driver: 'generic', address: 4096 + i })) } };
    const a = saveCase(d, many);
    const name = a.file.slice(d.length + 1);
    expect(a.existed).toBe(false);
    expect(name.length).toBeLessThan(255);
    expect(name).toMatch(/--[0-9a-f]{12}\.json$/);
    expect(saveCase(d, many)).toEqual({ file: a.file, existed: true });
    expect(readdirSync(d)).toEqual([name]);
  });

  it('four processes saving the same cases at once end with one whole file per case', () => {
    const d = tmp('mnc-race-');
    const c = load(files[0]);
    const variants = [c, reordered(c), { ...c, schedule: [...c.schedule, c.scenario.threads[0]] }];
    const inputs = variants.map((v, i) => {
      const f = join(tmp('mnc-race-in-'), `${i}.json`);
      writeFileSync(f, JSON.stringify(v));
      return f;
    });
    const start = Date.now() + 1500;
    const saver = join('properties', 'fixtures', 'save-concurrently.ts');
    const runs = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', saver, d, String(start), '5', ...inputs], { stdio: ['ignore', 'pipe', 'pipe'] }));
    return Promise.all(
      runs.map(
        (p) =>
          new Promise<{ code: number | null; out: string; err: string }>((res) => {
            let out = '';
            let err = '';
            p.stdout.on('data', (b) => (out += b));
            p.stderr.on('data', (b) => (err += b));
            p.on('close', (code) => res({ code, out, err }));
          }),
      ),
    ).then((results) => {
      for (const r of results) expect(r, r.err).toMatchObject({ code: 0, err: '' });
      // Two distinct cases (the reordered one is the first), every saver named the same two files.
      expect(readdirSync(d).sort()).toEqual(jsonFiles(d).sort());
      expect(jsonFiles(d)).toHaveLength(2);
      const named = new Set(results.flatMap((r) => r.out.trim().split('\n')));
      expect([...named].sort()).toEqual(jsonFiles(d).map((f) => join(d, f)).sort());
      for (const f of jsonFiles(d)) {
        const loaded = parseCase(JSON.parse(readFileSync(join(d, f), 'utf8')));
        expect(loaded.ok).toBe(true);
        if (loaded.ok) expect(variants.some((v) => sameCase(v, loaded.value))).toBe(true);
      }
    });
  });
});
