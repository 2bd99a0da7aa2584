import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Process tests spawn many writers; two cores on CI.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Nothing may hang: every test, hook and teardown has a finite limit, generous enough for
    // a loaded 2-core machine (tests wait on events with bounded waits of their own, which
    // fail first with a message naming what did not happen; see test/helpers.ts waitFor).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});
