import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

/**
 * The chaos suite (npm run chaos): its own files (*.chaos.ts, which the default include patterns do not match),
 * one file at a time in one fork, because each scenario owns the machine's two cores and its own servers.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    teardownTimeout: 60_000,
  },
});
