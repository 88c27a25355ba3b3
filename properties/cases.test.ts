/**
 * Replay every saved case in shrunk-cases/ (docs/design.md §5): each must reproduce its recorded
 * verdict and trace step for step; a schedule that no longer fits is drift, not a pass.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCase } from '../engine/case-format.ts';
import { replayCase } from '../engine/cases.ts';

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
    expect(parseCase({ ...good.value, format: 'other@9' })).toEqual({ ok: false, error: expect.stringContaining('format: unknown') });
    const { schedule: _s, ...noSchedule } = good.value;
    expect(parseCase(noSchedule)).toEqual({ ok: false, error: expect.stringMatching(/^schedule: /) });
    expect(parseCase({ ...good.value, expect: { ...good.value.expect, invariant: 'Nope' } })).toEqual({
      ok: false,
      error: expect.stringContaining('expect.invariant: unknown'),
    });
  });
  it('a schedule naming a thread the scenario lacks is invalid, not drift', () => {
    if (!good.ok) return expect.fail(good.error);
    const out = replayCase({ ...good.value, schedule: ['fault:Z'] });
    expect(out).toEqual({ kind: 'invalid', error: expect.stringContaining("schedule[0]: 'fault:Z'") });
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
