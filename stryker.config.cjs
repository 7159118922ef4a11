// Mutation testing of the decision modules (`npm run mutate`; not part of `npm test`): StrykerJS mutates
// the pure cores that decide what is kept, deleted, copied, verified and judged, and runs the vitest
// tests that cover each mutant (per-test coverage, vitest `related` mode). A surviving mutant is a change
// to a decision that no test notices. The score per module is in README ("Mutation testing").
//
// The tests it runs are listed in tests/mutation/vitest.config.ts (quick ones first): not the PostgreSQL
// validation, infrastructure, drill or CLI tests, which never load these modules in-process. Nor the
// 400-day simulation: it runs the pipeline once in a beforeAll, which Stryker counts as "static" coverage,
// so every mutant it touches would rerun it and every other test (hours). It runs in `npm test`, judged
// by its own independent oracle; add it to MUTATION_TESTS there for a (very slow) full run.
//
// To mutate another module, add it to `mutate` below and its tests (any test that imports it) to
// MUTATION_TESTS; `npx stryker run --mutate <file>` scores one module alone.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
module.exports = {
  testRunner: 'vitest',
  // The test set is tests/mutation/vitest.config.ts's `include` (not Stryker's `testFiles`: see there).
  vitest: { configFile: 'tests/mutation/vitest.config.ts', related: true, pool: 'threads' },
  coverageAnalysis: 'perTest',
  // Static mutants (a module-level constant, evaluated once at import) must each be tested against every
  // test, ~75 s apiece on two cores: a few dozen of them took the run from 20 minutes to many hours.
  // They are reported as "Ignored" and left out of the score; the module-level constants of the decision
  // modules (tier ranks, the copy-backlog age, guard texts) are each asserted by name in the plan tests.
  ignoreStatic: true,
  // Not copied into Stryker's sandbox: what the mutation tests never load, and editors' temporary files
  // (a file that vanishes while the sandbox is copied aborts the run).
  ignorePatterns: ['*.tmp', '*.swp', '/deploy', '/drill', '/bench', '/tests/infra', '/tests/drill', '/.serverless', '/.esbuild', '/coverage'],
  mutate: [
    'shared/retention/**/*.ts',
    'shared/rds/retention.ts',
    'shared/rds/snapshots.ts',
    'functions/rds/prune-db-snapshots/plan.ts',
    'functions/rds/verify-db-snapshots/plan.ts',
    'functions/rds/copy-db-snapshots/plan.ts',
    'functions/rds/check-db-posture/plan.ts',
    'functions/rds/restore-test-record/plan.ts',
    // The judges of a restore: verdicts per check, the schema and content comparisons, anomalies.
    'functions/rds/validate-restore/plan.ts',
    'functions/rds/validate-restore/content-verdict.ts',
    'shared/rds/postgres/schema-diff.ts',
    'functions/rds/check-db-anomalies/plan.ts',
  ],
  // Equivalent mutants (no test can tell them apart), each with its reason: see the plugin.
  appendPlugins: ['./tests/mutation/equivalent-mutants.cjs'],
  ignorers: ['equivalent-mutants'],
  // Two cores: one test runner per core (the main process mostly waits).
  concurrency: 2,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
