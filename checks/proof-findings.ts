/**
 * Violations of matrix cells that only the exhaustive engine finds (checks/matrix.ts lists what
 * the random search finds): the random search's HOLDS_RUNS runs miss them, even with the
 * threads fixed, so the matrix row says "holds" for its random runs and this table says what
 * the proof found. properties/matrix-proofs.test.ts asserts each, with its exact shortest
 * length, and keeps every other "holds" cell of the matrix honest against the same proofs.
 */
export interface ProofFinding {
  readonly strategy: string;
  readonly family: string;
  readonly invariant: string;
  /** The thread set of the shortest counterexample, and its length (exhaustive, breadth-first). */
  readonly threads: readonly string[];
  readonly steps: number;
  readonly why: string;
}

// HMM v5.3's lazy range->valid (docs/kernel.md §6.3): a fault whose hmm_range_fault ran inside
// madvise's window checks hmm_range_valid only after notifiers_decrement set every range valid
// again, and maps the zapped frame; once it drops its page reference the frame is freed under
// the mapping. Two threads, no failure involved, so every strategy has it; under the call-all-end
// strategies and reaper-calls-end the matrix already pins the same invariants on a larger set.
const HMM_VALID = 'HMM v5.3 resets every range valid when notifiers drops to 0 (docs/kernel.md §6.3)';

export const proofFindings: readonly ProofFinding[] = [
  { strategy: 'skip-all-end', family: 'failing-self-undo', invariant: 'NoStaleSecondaryMapping', threads: ['madvise', 'fault:B'], steps: 29, why: HMM_VALID },
  { strategy: 'skip-all-end', family: 'failing-self-undo', invariant: 'NoUseAfterFree', threads: ['madvise', 'fault:B'], steps: 39, why: HMM_VALID },
  { strategy: 'sorted-undo', family: 'failing-self-undo', invariant: 'NoStaleSecondaryMapping', threads: ['madvise', 'fault:B'], steps: 34, why: HMM_VALID },
  { strategy: 'sorted-undo', family: 'failing-self-undo', invariant: 'NoUseAfterFree', threads: ['madvise', 'fault:B'], steps: 39, why: HMM_VALID },
];
