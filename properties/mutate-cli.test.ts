/**
 * `npm run mutate -- DIR|FILE ...` (scripts/mutate.mjs): a per-directory mutation run; bad input
 * is named with exit 2 before Stryker starts (the runs themselves take minutes: not run here).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const mutate = (...args: string[]) => spawnSync('node', ['scripts/mutate.mjs', ...args], { encoding: 'utf8' });

describe('npm run mutate -- DIR', () => {
  it('refuses, naming each, a path outside model/ and engine/, a missing one and a file that is not TypeScript', () => {
    const r = mutate('README.md', 'model/nope', 'model/drivers/index.ts');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: README.md: mutate code under model/ or engine/', 'error: model/nope: no such file or directory']);
  });

  it('--help names the per-directory form and --concurrency', () => {
    const r = mutate('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('npm run mutate -- model/drivers');
    expect(r.stdout).toContain('--concurrency N');
  });

  it('takes FILE.ts:START-END, naming the file when it is missing', () => {
    const r = mutate('model/nope.ts:1-5', 'docs/x.ts:1-2');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: model/nope.ts: no such file or directory', 'error: docs/x.ts: mutate code under model/ or engine/']);
  });

  it('refuses a --concurrency that is not a positive whole number, before Stryker starts', () => {
    for (const bad of [['--concurrency', '0'], ['--concurrency', 'x', 'model/step.ts'], ['model/step.ts', '--concurrency']]) {
      const r = mutate(...bad);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: --concurrency: expected a positive whole number, got (0|x|nothing)\n$/);
    }
  });
});
