import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/no-tfjs-notice.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The notebook-runner tests start real kernels; two cores are all we have.
    maxWorkers: 2,
  },
});
