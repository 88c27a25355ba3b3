import { defineConfig } from 'vitest/config';

// The test selection `npm run mutate` runs against each mutant: the model's unit tests and small
// scenario checks (seconds), not the expected-verdict matrix; no test here writes shrunk-cases/.
// scripts/mutate.mjs sets MUTATE_TESTS=engine for a target under engine/: the engine's tests then.
const model = [
  'properties/drivers.test.ts',
  'properties/reaper-eras.test.ts',
  'properties/registration.test.ts',
  'properties/invariants.test.ts',
  'properties/fidelity.test.ts',
  'properties/model.test.ts',
  'properties/strategy-plugin.test.ts',
  'properties/drivers-as-data.test.ts',
  'properties/mutants-invalidate.test.ts',
  'properties/mutants-reaper.test.ts',
  'properties/mutants-strategies.test.ts',
  // The kernel releases, two-pass notifiers, releases, reclaim and amdgpu's recursion (seconds each).
  'properties/kernel-versions.test.ts',
  'properties/two-pass.test.ts',
  'properties/release-ops.test.ts',
  'properties/exit-mmap-eras.test.ts',
  'properties/reclaim.test.ts',
  'properties/amdgpu-recursion.test.ts',
  // The interpreter's conditions, counter ranges, warn_on/bug_on and waits (milliseconds).
  'properties/mutants-interpreter.test.ts',
  // The interpreter from line 161: spins, zaps, get_user_pages, lockdep edges, insert/remove (milliseconds).
  'properties/mutants-interpreter-2.test.ts',
  // blocker, isEnabled and timerPending, which the engines read (milliseconds).
  'properties/mutants-step.test.ts',
  // The OOM victim's fatal signal: the interpreter's -EINTR and ALLOC_OOM paths (milliseconds).
  'properties/victim-signal.test.ts',
  // Fair cycles: NoDeadlock's livelock and FaultLiveness's lassos, the tests that run
  // model/invariants/liveness.ts's onCycle code through the engine (about 7 s together).
  'properties/liveness-cycles.test.ts',
  'properties/fault-liveness-cycles.test.ts',
  // The invariants' conditions on small scenarios and built states (milliseconds).
  'properties/mutants-invariants.test.ts',
];
// The fingerprint, its canonical forms and the partial-order reduction (seconds each).
const engine = [
  'properties/fingerprint.test.ts',
  // The fingerprint against the exact key on walked reachable states, hashed against the parent and whole (under a second).
  'properties/mutants-fingerprint.test.ts',
  // Ids only an srcu reader or an invStarted still names, exchanged; three ids for the sort (under a second).
  'properties/mutants-fingerprint-2.test.ts',
  // The visited sets: a FingerprintSet grown from two slots against ExactSet, their indexes, the kept parts (under a second).
  'properties/mutants-fingerprint-3.test.ts',
  'properties/reduction.test.ts',
  'properties/proof-key.test.ts',
  // Every pair the reduction calls independent commutes (engine/reduction.ts's independence).
  'properties/commutation.test.ts',
];

export default defineConfig({
  test: {
    include: process.env.MUTATE_TESTS === 'engine' ? engine : model,
    testTimeout: 60_000,
  },
});
