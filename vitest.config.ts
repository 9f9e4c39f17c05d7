import { defineConfig } from 'vitest/config';

// Unit tests run in Node on tfjs' cpu backend (test/setup.ts); browser tests live in test/e2e.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    setupFiles: ['test/setup.ts'],
    // Each file runs in its own process: kernel registrations (cpuKernels) never leak across files.
    pool: 'forks',
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
