import { defineConfig } from 'vitest/config';

// The fast tier (`npm run test:unit`): tests of one module at a time, with no server, database or
// browser, and time driven by an injected clock or fake timers. They run in the full suite too.
export default defineConfig({
  test: {
    include: ['packages/*/test/unit/**/*.test.{ts,tsx}', 'apps/*/test/unit/**/*.test.{ts,tsx}'],
    pool: 'threads',
    maxWorkers: 2,
    testTimeout: 10_000,
    reporters: ['default'],
  },
});
