// The order test files start in. Vitest runs the files that took longest last time first, but a fresh
// clone (CI) has no last time and vitest falls back to file size: the drill's cleanup test, small and
// ~20 s long, started last and ran alone at the end. The files known to be long start first here, longest
// first; everything else follows in vitest's own order. Measured on two cores, `npm test` on a clean clone.

import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files of ~10 s or more, longest first (packaging, drills, the 400-day simulation, 2,000 tables). */
export const LONG_FILES: readonly string[] = [
  'tests/infra/template.test.ts',
  'tests/drill/drill.test.ts',
  'tests/drill/cleanup.test.ts',
  'tests/drill/redis-drill.test.ts',
  'tests/rds/simulation/rds-pipeline.sim.test.ts',
  'tests/rds/validation/validate-step.test.ts',
  'tests/drill/inject-sql.test.ts',
  'tests/drill/region-failover-drill.test.ts',
  'tests/rds/validation/bracket.test.ts',
  'tests/rds/validation/capture-manifest.test.ts',
  'tests/rds/validation/validate-restore.test.ts',
];

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const index = LONG_FILES.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return index === -1 ? LONG_FILES.length : index;
    };
    const ordered = await super.sort(files);
    return ordered.map((spec, position) => ({ spec, position })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.position - b.position).map(({ spec }) => spec);
  }
}
