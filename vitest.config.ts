import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests bind real sockets and spawn real peers: keep files from starving
    // each other on a 2-core machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
