import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: [
        'packages/*/src/**/*.test.ts',
        'examples/*/{src,test}/**/*.test.ts',
        'bench/src/**/*.test.ts',
      ],
    },
  }),
);
