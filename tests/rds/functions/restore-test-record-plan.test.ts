// The judge of a restore test at its edges (functions/rds/restore-test-record/plan.ts): what makes a
// test fail rather than pass or stay inconclusive, when RTO and RPO are measured and where their targets
// bite, and how a step's error is told.

import { describe, expect, it } from 'vitest';
import { judge } from '../../../functions/rds/restore-test-record/plan.js';
import { runEvidenceKey } from '../../../functions/rds/restore-test-record/restore-test-record.js';
import type { RestorePlan, RestoreRun, ValidationSummary } from '../../../shared/rds/restore-run.js';
import { teamPolicy } from '../../helpers/runtime.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-29T04:00:00+09:00');
const TARGETS = { rtoMs: 120 * MIN, rpoMs: 15 * MIN };
const PLAN: RestorePlan = {
  runId: 'bdr-rt-app-db-202611290400',
  kind: 'snapshot',
  resource: 'app-db',
  role: 'primary',
  region: 'ap-northeast-1',
  snapshotId: 'backup-dr-app-db-20261129-0200',
  restorePoint: T0 - 120 * MIN,
  sourceInstanceId: 'app-db-prod',
  instanceId: 'bdr-rt-app-db-202611290400',
  instanceClass: 'db.t4g.micro',
  securityGroups: [],
  credentialsSecret: 'backup-dr/app-db-master',
  plannedAt: T0,
  waitUntil: T0 + 180 * MIN,
};
const KEY = 'validation/app-db/2026/11/bdr-rt-app-db-202611290400.json';
type Check = ValidationSummary['checks'][number];
const passed: Check = { name: 'connectivity', status: 'passed', durationMs: 1 };

function validation(checks: Check[] = [passed], overrides: Partial<ValidationSummary> = {}): ValidationSummary {
  const counts = { passed: 0, failed: 0, inconclusive: 0, skipped: 0 };
  for (const check of checks) counts[check.status] += 1;
  return {
    outcome: counts.failed > 0 ? 'failed' : counts.inconclusive > 0 ? 'inconclusive' : 'passed',
    counts,
    checks,
    omittedChecks: 0,
    warnings: [],
    serverVersion: '16.4',
    newestData: PLAN.restorePoint - 2 * MIN,
    startedAt: T0 + 20 * MIN,
    finishedAt: T0 + 25 * MIN,
    reportKey: KEY,
    ...overrides,
  };
}

/** Restore requested at T0 + 1 min; validated at T0 + 25 min (RTO 24 min); newest data 2 min before the restore point. */
const run = (overrides: Partial<RestoreRun> = {}): RestoreRun => ({
  kind: 'snapshot',
  plan: PLAN,
  restore: { requestedAt: T0 + MIN, alreadyExisted: false },
  validation: validation(),
  teardown: { deleted: true, detail: 'deleted' },
  ...overrides,
});
const without = (key: keyof RestoreRun) => {
  const copy: Record<string, unknown> = { ...run() };
  delete copy[key];
  return copy as RestoreRun;
};

describe('the judge of a restore test', () => {
  it('passes a validated, torn-down test within both targets, and reports both figures', () => {
    expect(judge(run(), TARGETS)).toEqual({ outcome: 'passed', failures: [], inconclusive: [], rtoMs: 24 * MIN, rtoTargetMs: 120 * MIN, rpoMs: 2 * MIN, rpoTargetMs: 15 * MIN });
  });

  it('fails a test that was never validated, without measuring RTO', () => {
    expect(judge(without('validation'), TARGETS)).toMatchObject({ outcome: 'failed', failures: ['the restore was never validated'], rtoMs: null, rpoMs: null });
  });

  it('does not add "never validated" to a step error that explains it', () => {
    const verdict = judge({ ...without('validation'), error: { Error: 'States.Timeout' } }, TARGETS);
    expect(verdict.failures).toEqual(['a step timed out (validation did not finish in time)']);
  });

  it('does not blame a teardown on a test that never planned an instance', () => {
    const { plan: _plan, teardown: _teardown, ...unplanned } = run();
    const verdict = judge(unplanned, TARGETS);
    expect(verdict.failures).toEqual([]);
    expect(verdict.rpoMs).toBeNull(); // no restore point to measure from
  });

  it.each([
    { name: 'failed', overrides: { outcome: 'failed' as const }, rto: null },
    { name: 'inconclusive', overrides: { outcome: 'inconclusive' as const }, rto: 24 * MIN },
  ])('measures RTO only for a restore validated without a failure (validation $name → $rto)', ({ overrides, rto }) => {
    expect(judge(run({ validation: validation([passed], overrides) }), TARGETS).rtoMs).toBe(rto);
  });

  it('measures no RTO when a step errored, even after validation', () => {
    expect(judge(run({ error: { Error: 'TeardownFailed', Cause: 'x' } }), TARGETS).rtoMs).toBeNull();
  });

  it('measures no RTO without the time the restore was requested', () => {
    expect(judge(without('restore'), TARGETS)).toMatchObject({ outcome: 'passed', rtoMs: null });
  });

  it.each([
    { finishedAt: T0 + MIN + 120 * MIN, failures: [] },
    { finishedAt: T0 + MIN + 120 * MIN + 1, failures: ['RTO 120 min exceeds the target of 120 min'] },
  ])('fails an RTO only above its target (validation finished at T0 + $finishedAt)', ({ finishedAt, failures }) => {
    expect(judge(run({ validation: validation([passed], { finishedAt }) }), TARGETS).failures).toEqual(failures);
  });

  it.each([
    { newestData: PLAN.restorePoint - 15 * MIN, failures: [] },
    { newestData: PLAN.restorePoint - 15 * MIN - 1, failures: ['RPO 15 min exceeds the target of 15 min'] },
    { newestData: PLAN.restorePoint - 61 * MIN, failures: ['RPO 61 min exceeds the target of 15 min'] },
  ])('fails an RPO only above its target (newest data $newestData)', ({ newestData, failures }) => {
    expect(judge(run({ validation: validation([passed], { newestData }) }), TARGETS).failures).toEqual(failures);
  });

  it('measures RPO from the newest data even when validation failed, and never below zero', () => {
    const failed = judge(run({ validation: validation([{ name: 'schema', status: 'failed', durationMs: 0 }], { newestData: PLAN.restorePoint - 20 * MIN }) }), TARGETS);
    expect(failed).toMatchObject({ rpoMs: 20 * MIN, failures: ['check schema failed:', 'RPO 20 min exceeds the target of 15 min'] });
    expect(judge(run({ validation: validation([passed], { newestData: PLAN.restorePoint + 5 * MIN }) }), TARGETS).rpoMs).toBe(0);
  });

  it('measures no RPO when the freshness check found no data', () => {
    expect(judge(run({ validation: validation([passed], { newestData: null }) }), TARGETS)).toMatchObject({ outcome: 'passed', rpoMs: null });
  });

  it('lists a check without detail by its name only', () => {
    const verdict = judge(run({ validation: validation([{ name: 'amcheck', status: 'inconclusive', durationMs: 0 }]) }), TARGETS);
    expect(verdict).toMatchObject({ outcome: 'inconclusive', inconclusive: ['check amcheck was inconclusive:'] });
  });

  it('fails the test for more failed checks than listed, and points to the report', () => {
    const verdict = judge(run({ validation: validation([passed], { outcome: 'failed', counts: { passed: 1, failed: 2, inconclusive: 0, skipped: 0 } }) }), TARGETS);
    expect(verdict).toMatchObject({ outcome: 'failed', failures: [`2 more failed checks: see the validation report ${KEY}`], rtoMs: null });
  });
});

describe('how a step error is told', () => {
  it.each([
    { error: { Error: 'RestoreNotReady', Cause: 'still creating' }, failure: 'the restored instance did not become available in time (still creating)' },
    { error: { Error: 'RestoreTimedOut', Cause: JSON.stringify({ errorMessage: 'waited 3 h' }) }, failure: 'the restored instance did not become available within restoreTest.timeout (waited 3 h)' },
    { error: { Error: 'States.Timeout', Cause: 'anything' }, failure: 'a step timed out (validation did not finish in time)' },
    { error: { Error: 'ManifestInvalid', Cause: JSON.stringify({ errorType: 'ManifestInvalid' }) }, failure: 'ManifestInvalid: {"errorType":"ManifestInvalid"}' },
    { error: { Error: 'States.TaskFailed', Cause: 'plain text' }, failure: 'States.TaskFailed: plain text' },
    { error: { Error: 'RestoreNotReady' }, failure: 'the restored instance did not become available in time ()' },
    { error: { Error: 'Lambda.Unknown' }, failure: 'Lambda.Unknown:' },
  ])('$error.Error → "$failure"', ({ error, failure }) => {
    expect(judge(run({ error }), TARGETS).failures).toEqual([failure]);
  });
});

describe('where a run without a plan keeps its evidence', () => {
  const policy = teamPolicy();
  const NOW = Date.parse('2026-12-03T04:10:00+09:00');

  it("beside the database it was asked about, when that is one of the policy's; else under unknown", () => {
    const noPlan = (input: unknown) => ({ input, error: { Error: 'NoRestorePoint', Cause: 'no snapshot' } }) as unknown as RestoreRun;
    expect(runEvidenceKey(policy, noPlan({ resource: 'app-db' }), NOW)).toBe(`evidence/app-db/2026/12/failed-${NOW}.json`);
    // A name the policy does not have (or none) never becomes a key of its own.
    expect(runEvidenceKey(policy, noPlan({ resource: '../other' }), NOW)).toBe(`evidence/unknown/2026/12/failed-${NOW}.json`);
    expect(runEvidenceKey(policy, noPlan(null), NOW)).toBe(`evidence/unknown/2026/12/failed-${NOW}.json`);
  });
});
