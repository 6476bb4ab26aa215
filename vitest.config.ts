import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['keel-source'] },
  ssr: { resolve: { conditions: ['keel-source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll's own default (1 s) cuts off a browser test waiting on a server write and a page
    // update on a loaded machine: its waits get the time a test has.
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
  },
});
