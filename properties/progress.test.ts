/**
 * Progress off a terminal (issue #23 item 5): none by default, so a CI log or a pipe gets the
 * results only; with --progress a plain line on stderr, the first at once and then at most one
 * every PROGRESS_EVERY_MS.
 */
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/check.ts';
import { compareCommand } from '../scripts/compare.ts';
import { inProcess } from './cli-support.ts';

const args = ['--strategy', 'skip-all-end', '--notifiers', 'kvm,odp-4.20', '--invariant', 'StartEndPaired', '--runs', '200'];

describe('progress off a terminal', () => {
  it('check: nothing on stderr by default; with --progress one plain line (no terminal codes), and the same results', async () => {
    const quiet = await inProcess(checkCommand, args);
    expect(quiet.err).toBe('');
    const told = await inProcess(checkCommand, [...args, '--progress']);
    expect(told.err).toMatch(/^ {2}skip-all-end: \d+\/200 runs, \d+\.\d s\n/);
    expect(told.err).not.toMatch(/\r|\x1b/);
    const untimed = (x: string) => x.replace(/\d+ ms/g, 'N ms');
    expect(untimed(told.out)).toBe(untimed(quiet.out));
    expect(told.code).toBe(quiet.code);
  });

  it('compare: with --progress a plain line naming the strategy and family', async () => {
    const r = await inProcess(compareCommand, ['--notifiers', 'kvm,gntdev', '--strategy', 'call-all-end-2021', '--invariant', 'StartEndPaired', '--runs', '20', '--max-threads', '1', '--progress', '--workers', '1']);
    expect(r.err).toMatch(/^ {2}call-all-end-2021 × kvm,gntdev: sampling…\n/);
    expect(r.err).not.toMatch(/\r|\x1b/);
  });
});
