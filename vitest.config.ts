import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Every core: the property files are CPU-bound and independent (docs/design.md §9).
    maxWorkers: availableParallelism(),
  },
});
