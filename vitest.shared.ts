import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Test files run side by side on every core. vitest's own default is cores − 1, which on a 2-core machine runs the
 * suite one file at a time, although many files spend most of their time waiting for child processes, a browser,
 * a Redis server or a worker (the whole suite: ~410 s with 2 files at a time against 500–640 s with 1).
 */
const workers = Math.max(2, availableParallelism());

/**
 * One vitest configuration for every package: workspace packages resolve to their `src` through the
 * `source` export condition, so tests never need a build of their dependencies.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: workers,
  },
});
