import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: most tests train real models or run the real CLI, and a machine busy with other
    // work can make them several times slower than alone; a timeout must mean a hang.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    // Two test files at once on 2 cores: most tests wait on child processes (the real CLI and
    // its worker pool), so two overlap well (about 7 minutes serially, under 6 with two). The
    // CLI helper never blocks a worker (test/helpers/cli.ts), so a loaded machine slows the
    // suite without failing it.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
