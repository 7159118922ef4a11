// Removes each retention guard by hand, one at a time, and counts the tests that notice: no guard may be
// one whose removal only a single test would catch. Run on demand (minutes; not part of `npm test`):
//
//   npx tsx tests/mutation/guard-removal.ts [guard name …]
//
// Each removal is applied to a scratch copy of the sources (never to the working tree), the tests that
// exercise the guards run there (unit, property, the RDS function tests, the simulation, the CLI), and
// the failing tests are listed. Exits 1 when a guard is noticed by fewer than two tests, or when a
// removal no longer applies (the guard's code changed: update its `find` below).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Not copied into the scratch directory: dependencies (linked instead), history, and build or run output. */
const SKIPPED = new Set(['node_modules', '.git', '.stryker-tmp', 'reports', '.serverless', '.esbuild', 'coverage']);
const TESTS = ['tests/unit', 'tests/property', 'tests/rds/functions', 'tests/rds/simulation', 'tests/rds/state-machines/verdict.test.ts', 'tests/cli/retention-plan.test.ts'];

interface Removal {
  readonly guard: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/** Each guard and the smallest edit that takes it out (the rest of the code unchanged). */
export const REMOVALS: readonly Removal[] = [
  { guard: 'legal hold', file: 'shared/retention/plan.ts', find: "if (isUnderLegalHold(snapshot, holdTags)) guards.push('legal hold');", replace: '' },
  { guard: 'newest', file: 'shared/retention/plan.ts', find: "if (snapshot === newest) guards.push('newest snapshot');\n    else if", replace: 'if' },
  { guard: 'newest not in the future', file: 'shared/retention/plan.ts', find: "else if (snapshot === newestPast) guards.push('newest snapshot not in the future');", replace: '' },
  { guard: 'refusal to remove all', file: 'shared/retention/plan.ts', find: 'if (owned.length > 0 && outcome.decisions.every((d) => d.reasons.length === 0)) {', replace: 'if (false) {' },
  { guard: 'refusal of a policy that keeps nothing', file: 'shared/retention/plan.ts', find: 'if (keepsNothing(policy.keep)) {', replace: 'if (false) {' },
  { guard: 'compliance floor', file: 'shared/retention/plan.ts', find: "if (violations.length > 0 && (policy.override ?? '').trim() === '') {", replace: 'if (false) {' },
  { guard: 'not available', file: 'shared/rds/retention.ts', find: "(c.snapshot.Status === 'available' ? null :", replace: '(true ? null :' },
  { guard: 'copy not verified', file: 'shared/rds/retention.ts', find: "roleGuard = (c) => (verified.has(c.snapshot.DBSnapshotArn) ? null : 'copy in the secondary region not verified yet');", replace: 'roleGuard = () => null;' },
  { guard: 'newest verified copy', file: 'shared/rds/retention.ts', find: "roleGuard = (c) => (c === newestVerified ? 'newest verified copy' : null);", replace: 'roleGuard = () => null;' },
  { guard: 'hold on the counterpart', file: 'shared/rds/retention.ts', find: '? HELD_ELSEWHERE_GUARD : null', replace: '&& false ? HELD_ELSEWHERE_GUARD : null' },
  { guard: 'unknown creation time', file: 'shared/rds/retention.ts', find: '(time === null ? unknown : known).push(candidate);', replace: 'known.push(candidate);' },
  { guard: 'anomaly quarantine', file: 'shared/rds/retention.ts', find: 'extraGuards: [notAvailable, roleGuard, heldElsewhere, inQuarantine],', replace: 'extraGuards: [notAvailable, roleGuard, heldElsewhere],' },
  { guard: 'dry run', file: 'functions/rds/prune-db-snapshots/plan.ts', find: 'delete: dryRun ? [] : plan.remove,', replace: 'delete: plan.remove,' },
  { guard: 'ownership: owner tag', file: 'shared/tags.ts', find: 'tagValue(tags, ownerKey) === OWNER_VALUE && ', replace: '' },
  { guard: 'ownership: policy tag', file: 'shared/tags.ts', find: ' && tagValue(tags, TAG.policy) === policyName', replace: '' },
];

interface JsonReport {
  readonly testResults: readonly { readonly name: string; readonly assertionResults: readonly { readonly fullName: string; readonly status: string }[] }[];
}

function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'guard-removal-'));
  for (const entry of readdirSync(ROOT)) if (!SKIPPED.has(entry)) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function failingTests(dir: string): string[] {
  // The CLI tests run the compiled CLI: build it from the (edited) sources first.
  const build = spawnSync('npx', ['tsx', 'cli/build.ts'], { cwd: dir, stdio: 'ignore' });
  if (build.status !== 0) throw new Error('the CLI did not build in the scratch copy');
  const report = join(dir, 'vitest-report.json');
  rmSync(report, { force: true });
  spawnSync('npx', ['vitest', 'run', ...TESTS, '--reporter=json', `--outputFile=${report}`], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '' } });
  if (!existsSync(report)) throw new Error('vitest wrote no report');
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as JsonReport;
  return parsed.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'failed').map((t) => `${file.name.slice(dir.length + 1)} › ${t.fullName}`),
  );
}

function main(selected: readonly string[]): number {
  const dir = scratchCopy();
  let status = 0;
  try {
    const baseline = failingTests(dir);
    if (baseline.length > 0) {
      console.error(`the tests fail without any removal:\n  ${baseline.join('\n  ')}`);
      return 1;
    }
    for (const removal of REMOVALS.filter((r) => selected.length === 0 || selected.includes(r.guard))) {
      const path = join(dir, removal.file);
      const original = readFileSync(path, 'utf8');
      if (original.split(removal.find).length !== 2) {
        console.log(`${removal.guard}: the code to remove is not in ${removal.file} exactly once — update guard-removal.ts`);
        status = 1;
        continue;
      }
      writeFileSync(path, original.replace(removal.find, removal.replace));
      const failing = failingTests(dir);
      writeFileSync(path, original);
      const files = new Set(failing.map((t) => t.split(' › ')[0]));
      console.log(`${removal.guard}: ${failing.length} failing tests in ${files.size} files`);
      for (const test of failing) console.log(`    ${test}`);
      if (failing.length < 2) status = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return status;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
