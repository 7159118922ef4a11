import { defineConfig } from 'vitest/config';
import { LongFirstSequencer } from './tests/sequencer.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    // Hooks create and seed PostgreSQL databases: 10 s (the default) is too short on a busy two-core machine.
    hookTimeout: 30_000,
    pool: 'forks',
    // Test files share their worker's loaded modules instead of each starting from nothing: the SDK,
    // vitest and the project's modules are loaded once per worker, not 80 times (~30 s of the suite's CPU
    // on two cores). tests/setup.ts gives each file a clean start all the same.
    isolate: false,
    // Vitest's default is one worker fewer than the cores: on two cores, one file at a time. Much of the
    // suite waits (on PostgreSQL, on the drills and packagings it runs as child processes): three files at
    // once keep both cores busy (`npm test` on a clean clone, two cores: 1 m 49 s with two, 1 m 33–40 s
    // with three).
    maxWorkers: 3,
    // The drill tests run their drills side by side (describe.concurrent): three at a time.
    maxConcurrency: 3,
    sequence: { sequencer: LongFirstSequencer },
  },
});
