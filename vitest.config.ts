import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}', 'apps/*/test/**/*.test.{ts,tsx}'],
    // Integration tests start real server processes and databases: two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
    // Generous: servers, databases and browsers start slowly on a loaded 2-core machine; a test that
    // really hangs still fails, and none of these bounds is a timing assertion.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
