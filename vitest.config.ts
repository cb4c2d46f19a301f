import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at once on 2 cores: most tests wait on child processes (the real CLI and
    // its worker pool), so two overlap well (about 7 minutes serially, under 6 with two). The
    // CLI helper never blocks a worker (test/helpers/cli.ts), so a loaded machine slows the
    // suite without failing it.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
