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
// the mapping. No failure involved, so every strategy has it: two threads suffice (madvise and
// fault:B, 29 and 39 steps, 34 and 39 under sorted-undo), and KVM's registration beside them
// makes it 24 and 29 (scripts/shortest.ts over every set of up to 3 threads). Under the
// call-all-end strategies and reaper-calls-end the matrix already pins the same invariants.
const HMM_VALID = 'HMM v5.3 resets every range valid when notifiers drops to 0 (docs/kernel.md §6.3)';

// HMM v5.2 under an end after a failed start (docs/kernel.md §5.1 unsafe case 4, §6.3): the end
// takes madvise's count, which then ends at -1 (the matrix pins NoCounterUnderflow and
// QuiescentBalanced); a fault then waits for notifiers == 0 for good. The model's wait has no
// timeout (model/drivers/hmm.ts): in the kernel, hmm_range_wait_until_valid gives up after
// 1000 ms and the device can never fault the range in again.
const HMM52_STUCK = 'HMM v5.2\'s count at -1 after an end for a start that failed before counting: the fault waits for 0 forever (docs/kernel.md §6.3)';

export const proofFindings: readonly ProofFinding[] = [
  { strategy: 'skip-all-end', family: 'failing-self-undo', invariant: 'NoStaleSecondaryMapping', threads: ['madvise', 'register:A', 'fault:B'], steps: 24, why: HMM_VALID },
  { strategy: 'skip-all-end', family: 'failing-self-undo', invariant: 'NoUseAfterFree', threads: ['madvise', 'register:A', 'fault:B'], steps: 29, why: HMM_VALID },
  { strategy: 'sorted-undo', family: 'failing-self-undo', invariant: 'NoStaleSecondaryMapping', threads: ['madvise', 'register:A', 'fault:B'], steps: 24, why: HMM_VALID },
  { strategy: 'sorted-undo', family: 'failing-self-undo', invariant: 'NoUseAfterFree', threads: ['madvise', 'register:A', 'fault:B'], steps: 29, why: HMM_VALID },
  { strategy: 'call-all-end-2019', family: 'failing-expects-end', invariant: 'NoDeadlock', threads: ['oom_reaper', 'madvise', 'fault:B'], steps: 83, why: HMM52_STUCK },
  { strategy: 'call-all-end-2021', family: 'failing-expects-end', invariant: 'NoDeadlock', threads: ['oom_reaper', 'madvise', 'fault:B'], steps: 83, why: HMM52_STUCK },
  { strategy: 'reaper-calls-end', family: 'failing-expects-end', invariant: 'NoDeadlock', threads: ['oom_reaper', 'madvise', 'fault:B'], steps: 84, why: HMM52_STUCK },
];
