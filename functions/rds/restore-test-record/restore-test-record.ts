// Records a restore test's evidence — what was restored, the validation summary and where its full
// report is, the timings, the verdict with its outcome — as a JSON document in the versioned reports
// bucket, encrypted by its default customer-managed key (no SSE header: an explicit 'aws:kms' without a
// key id would pick the AWS-managed key): the audit log kept 5 years.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { evidenceKey } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RestoreRun, Verdict } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { formatIsoInZone, wallTime } from '../../../shared/time/zone.js';
import { judge } from './plan.js';

export interface RecordDeps {
  readonly policy: Policy;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly log: Log;
  readonly now: () => number;
}

/** Where this run's evidence goes: by resource and the month it was planned in (policy's zone). */
export function runEvidenceKey(policy: Policy, run: RestoreRun, now: number): string {
  const at = run.plan?.plannedAt ?? now;
  const w = wallTime(at, policy.timezone);
  // A run that failed before its plan still names the database it was asked about: when that is one of the
  // policy's, its evidence goes beside that database's (where the checklist looks for it).
  const asked = (run.input as { resource?: unknown } | null | undefined)?.resource;
  const known = policy.resources.databases.find((db) => db.name === asked)?.name;
  return evidenceKey(run.plan?.resource ?? known ?? 'unknown', w.year, w.month, run.plan?.runId ?? `failed-${at}`);
}

export async function recordRestoreTest(deps: RecordDeps, run: RestoreRun): Promise<Verdict> {
  const { policy } = deps;
  const now = deps.now();
  const resource = policy.resources.databases.find((d) => d.name === run.plan?.resource);
  const objectives = resource?.objectives ?? policy.objectives.database;
  const verdict = judge(run, { rtoMs: objectives.rto, rpoMs: objectives.rpo });
  const key = runEvidenceKey(policy, run, now);
  const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : formatIsoInZone(ms, policy.timezone));
  const validation = run.validation;
  const evidence = {
    schema: 'backup-dr/restore-evidence/v2',
    policy: policy.name,
    runId: run.plan?.runId ?? null,
    kind: run.plan?.kind ?? run.kind ?? null,
    resource: run.plan?.resource ?? null,
    region: run.plan?.region ?? null,
    outcome: verdict.outcome,
    restored: run.plan === undefined ? null : { snapshotId: run.plan.snapshotId ?? null, snapshotArn: run.plan.snapshotArn ?? null, automatedBackupsArn: run.plan.automatedBackupsArn ?? null, restorePoint: iso(run.plan.restorePoint), instanceId: run.plan.instanceId, instanceClass: run.plan.instanceClass },
    input: run.input ?? null,
    timings: {
      planned: iso(run.plan?.plannedAt),
      restoreRequested: iso(run.restore?.requestedAt),
      instanceAvailable: iso(run.instance?.availableAt),
      validationStarted: iso(validation?.startedAt),
      validationFinished: iso(validation?.finishedAt),
      recorded: iso(now),
    },
    serverVersion: validation?.serverVersion ?? null,
    validation:
      validation === undefined
        ? null
        : { outcome: validation.outcome, counts: validation.counts, omittedChecks: validation.omittedChecks, report: `s3://${deps.bucket}/${validation.reportKey}`, reportKey: validation.reportKey },
    checks: validation?.checks ?? [],
    warnings: validation?.warnings ?? [],
    newestData: iso(validation?.newestData),
    teardown: run.teardown ?? null,
    error: run.error ?? null,
    verdict: { ...verdict, evidenceKey: key },
  };
  await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify(evidence, null, 2), ContentType: 'application/json' }));
  deps.log.info('restore test recorded', { runId: evidence.runId, outcome: verdict.outcome, rtoMs: verdict.rtoMs, rpoMs: verdict.rpoMs, evidence: `s3://${deps.bucket}/${key}` });
  return { ...verdict, evidenceKey: key };
}
