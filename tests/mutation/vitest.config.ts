// The test set of a mutation run (`npm run mutate`, stryker.config.cjs): the tests that exercise the
// decision modules Stryker mutates (the validation's verdict tests among them), and not the slow ones
// that don't (the PostgreSQL validation runs, infrastructure packaging, the drill, the CLI in child
// processes) or that Stryker cannot use (the
// simulation, which runs the pipeline once in a beforeAll; see stryker.config.cjs). The list lives here,
// not in Stryker's `testFiles`: with `testFiles`, Stryker 10.1 activates static mutants (module-level
// constants) only after the modules have loaded, so they falsely survive (stryker-js #6144, #6209).
//
// Files run in a fixed order, the quick and pointed ones first: a mutant Stryker must test against every
// test (a static one) stops at its first failing test, so the property tests — the slowest — come last.

import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/**
 * MUTATION_QUICK=1 leaves the property tests out: a surviving mutant runs every test that covers it, and
 * the property tests (seconds each, hundreds of cases) made the tail of a full run take hours on two cores.
 */
const QUICK = process.env.MUTATION_QUICK === '1';

/** MUTATION_WITH_PG=1 adds the restore judges' tests against the real PostgreSQL (slower, but they are most of their tests). */
const WITH_PG = process.env.MUTATION_WITH_PG === '1';
const PG_TESTS = ['tests/rds/validation/corruption.test.ts', 'tests/rds/validation/bracket.test.ts', 'tests/rds/validation/validate-restore.test.ts'];

export const MUTATION_TESTS = [
  'tests/unit/**/*.test.ts',
  'tests/rds/functions/**/*.test.ts',
  'tests/rds/state-machines/verdict.test.ts',
  'tests/rds/validation/verdicts.test.ts',
  'tests/rds/validation/fingerprint-verdicts.test.ts',
  'tests/rds/validation/validate-restore-plan.test.ts',
  'tests/rds/validation/content-verdict.test.ts',
  'tests/rds/validation/schema-diff.test.ts',
  'tests/mutation/**/*.test.ts',
  'tests/property/retention.property.test.ts',
  'tests/property/retention-reference.property.test.ts',
  'tests/property/projection.property.test.ts',
  'tests/property/steady-state.property.test.ts',
];

/** Where a test file runs: plan tests first, then other unit and handler tests, property tests last. */
function rank(file: string): number {
  if (/-plan\.test\.ts$|plan-guards|rules-and-floors/.test(file)) return 0;
  if (file.includes('/tests/unit/')) return 1;
  if (file.includes('/tests/rds/')) return 2;
  if (file.includes('/tests/property/')) return 4;
  return 3;
}

class QuickFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a.moduleId) - rank(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...base.test,
    // No global setup: it builds the CLI and the drill for the tests that run them as processes, and none
    // of those is in this set (nor are their sources in Stryker's sandbox: stryker.config.cjs ignorePatterns).
    globalSetup: [],
    // Each file in a worker of its own, as the scores in the README were measured.
    isolate: true,
    include: [...(QUICK ? MUTATION_TESTS.filter((t) => !t.startsWith('tests/property/')) : MUTATION_TESTS), ...(WITH_PG ? PG_TESTS : [])],
    sequence: { sequencer: QuickFirst },
  },
});
