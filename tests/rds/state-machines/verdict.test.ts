// The verdict of a restore test and the alert for one that did not pass, pure: three outcomes, only
// "passed" is green; inconclusive (a required check could not run or had nothing to compare) is a warning.

import { describe, expect, it } from 'vitest';
import { restoreTestAlert } from '../../../functions/rds/restore-test-notify/plan.js';
import { judge } from '../../../functions/rds/restore-test-record/plan.js';
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
  restorePoint: T0 - 2 * 60 * MIN,
  sourceInstanceId: 'app-db-prod',
  instanceId: 'bdr-rt-app-db-202611290400',
  instanceClass: 'db.t4g.micro',
  securityGroups: [],
  credentialsSecret: 'backup-dr/app-db-master',
  plannedAt: T0,
  waitUntil: T0 + 180 * MIN,
};
const KEY = 'validation/app-db/2026/11/bdr-rt-app-db-202611290400.json';

function summary(checks: ValidationSummary['checks'], overrides: Partial<ValidationSummary> = {}): ValidationSummary {
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

const ok = { name: 'connectivity', status: 'passed' as const, durationMs: 1 };
const run = (validation: ValidationSummary | undefined, extra: Partial<RestoreRun> = {}): RestoreRun => ({
  kind: 'snapshot',
  plan: PLAN,
  restore: { requestedAt: T0 + MIN, alreadyExisted: false },
  ...(validation === undefined ? {} : { validation }),
  teardown: { deleted: true, detail: 'deleted' },
  ...extra,
});

describe('the verdict', () => {
  it.each([
    { name: 'every check passed', validation: summary([ok]), outcome: 'passed', failures: [], inconclusive: [] },
    { name: 'a check the policy does not require was skipped', validation: summary([ok, { name: 'amcheck', status: 'skipped', durationMs: 0, detail: 'disabled in the policy' }]), outcome: 'passed', failures: [], inconclusive: [] },
    {
      name: 'a required check was inconclusive',
      validation: summary([ok, { name: 'row-counts', status: 'inconclusive', durationMs: 0, detail: 'no manifest was captured' }]),
      outcome: 'inconclusive',
      failures: [],
      inconclusive: ['check row-counts was inconclusive: no manifest was captured'],
    },
    {
      name: 'one check failed and another was inconclusive',
      validation: summary([{ name: 'schema', status: 'failed', durationMs: 0, detail: 'public.orders is missing' }, { name: 'amcheck', status: 'inconclusive', durationMs: 0, detail: 'not available' }]),
      outcome: 'failed',
      failures: ['check schema failed: public.orders is missing'],
      inconclusive: ['check amcheck was inconclusive: not available'],
    },
    {
      name: 'more checks failed than the summary could list',
      validation: summary([{ name: 'assertion:a', status: 'failed', durationMs: 0, detail: 'x' }], { counts: { passed: 0, failed: 3, inconclusive: 0, skipped: 0 } }),
      outcome: 'failed',
      failures: ['check assertion:a failed: x', `2 more failed checks: see the validation report ${KEY}`],
      inconclusive: [],
    },
    {
      name: 'the summary says inconclusive without naming a check',
      validation: summary([ok], { outcome: 'inconclusive' }),
      outcome: 'inconclusive',
      failures: [],
      inconclusive: [`validation was inconclusive: see the validation report ${KEY}`],
    },
  ])('$name → $outcome', ({ validation, outcome, failures, inconclusive }) => {
    expect(judge(run(validation), TARGETS)).toMatchObject({ outcome, failures, inconclusive });
  });

  it('measures RTO for an inconclusive test too (the restore was usable), and RPO by the newest data at or before the restore point', () => {
    const verdict = judge(run(summary([ok, { name: 'amcheck', status: 'inconclusive', durationMs: 0, detail: 'n/a' }])), TARGETS);
    expect(verdict).toMatchObject({ outcome: 'inconclusive', rtoMs: 24 * MIN, rpoMs: 2 * MIN });
  });

  it('fails an inconclusive test that also missed its RTO', () => {
    const verdict = judge(run(summary([ok, { name: 'amcheck', status: 'inconclusive', durationMs: 0, detail: 'n/a' }], { finishedAt: T0 + 180 * MIN })), TARGETS);
    expect(verdict).toMatchObject({ outcome: 'failed', failures: ['RTO 179 min exceeds the target of 120 min'] });
  });

  it('fails a test whose step errored or whose instance was not torn down', () => {
    expect(judge(run(undefined, { error: { Error: 'ManifestUnreadable', Cause: JSON.stringify({ errorMessage: 'cannot read the manifest' }) } }), TARGETS)).toMatchObject({
      outcome: 'failed',
      failures: ['ManifestUnreadable: cannot read the manifest'],
    });
    const { teardown: _gone, ...leaked } = run(summary([ok]));
    expect(judge(leaked, TARGETS)).toMatchObject({ outcome: 'failed', failures: ['the temporary instance was not torn down'] });
  });
});

describe('the alert for a test that did not pass', () => {
  const policy = teamPolicy();
  const verdictOf = (r: RestoreRun) => ({ ...judge(r, TARGETS), evidenceKey: 'evidence/app-db/2026/11/x.json' });

  it('warns for an inconclusive test, naming what could not be proven and where the reports are', () => {
    const r = run(summary([ok, { name: 'row-counts', status: 'inconclusive', durationMs: 0, detail: 'no manifest was captured' }], { warnings: ['freshness: 1 row dated after'] }));
    const alert = restoreTestAlert(policy, { ...r, verdict: verdictOf(r) }, 'bucket', T0);
    expect(alert).toMatchObject({
      severity: 'warning',
      kind: 'restore-test-inconclusive',
      summary: 'restore test inconclusive: check row-counts was inconclusive: no manifest was captured',
      action: expect.stringMatching(/^The backup was restored but not proven/),
      details: expect.objectContaining({ outcome: 'inconclusive', warnings: 'freshness: 1 row dated after', evidence: 's3://bucket/evidence/app-db/2026/11/x.json', validationReport: `s3://bucket/${KEY}` }),
    });
  });

  it('is critical for a failed test, and names the PITR kind', () => {
    const r = run(summary([{ name: 'freshness', status: 'failed', durationMs: 0, detail: 'stale' }]), { kind: 'pitr', plan: { ...PLAN, kind: 'pitr' } });
    expect(restoreTestAlert(policy, { ...r, verdict: verdictOf(r) }, 'bucket', T0)).toMatchObject({ severity: 'critical', kind: 'pitr-test-failed', summary: 'PITR test failed: check freshness failed: stale' });
    const i = run(summary([{ name: 'freshness', status: 'inconclusive', durationMs: 0, detail: 'none' }]), { kind: 'pitr', plan: { ...PLAN, kind: 'pitr' } });
    expect(restoreTestAlert(policy, { ...i, verdict: verdictOf(i) }, 'bucket', T0)).toMatchObject({ severity: 'warning', kind: 'pitr-test-inconclusive' });
  });
});
