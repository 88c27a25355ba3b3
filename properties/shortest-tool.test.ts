/**
 * checks/shortest.ts, the tool that regenerates the matrix's lengths, also checks the matrix's
 * "holds" cells: every set it searches judges every invariant, so a cell the row says holds but
 * a set breaks comes back (expected: 'holds'). The HMM v5.2 underflow (docs/kernel.md §6.3) was
 * such a cell until compare's proofs found it.
 */
import { describe, expect, it } from 'vitest';
import { matrix, type Row } from '../checks/matrix.ts';
import { rowShortest } from '../checks/shortest.ts';

describe('checks/shortest.ts rowShortest', () => {
  const row = matrix.find((r) => r.strategy === 'call-all-end-2019' && r.family === 'failing-expects-end') as Row;

  it('returns the violated cells of a row, each with its exhaustive shortest, and no "holds" cell when none is broken', () => {
    const cells = rowShortest(row, { maxThreads: 2 });
    expect(cells.filter((c) => c.expected === 'holds')).toEqual([]);
    const ncu = cells.find((c) => c.invariant === 'NoCounterUnderflow');
    expect(ncu).toMatchObject({ expected: 'violated', pinned: ['oom_reaper', 'madvise'], steps: 36, complete: true });
  });

  it('reports a cell the row says holds when a thread set breaks it', () => {
    const { NoCounterUnderflow: _pinned, QuiescentBalanced: _qb, ...violated } = row.violated;
    const cells = rowShortest({ ...row, violated }, { maxThreads: 2 });
    const wrong = cells.filter((c) => c.expected === 'holds').map((c) => [c.invariant, c.steps, c.threads?.join(',')]);
    expect(wrong).toEqual([
      ['QuiescentBalanced', 83, 'oom_reaper,madvise'],
      ['NoCounterUnderflow', 36, 'oom_reaper,madvise'],
    ]);
  });
});
