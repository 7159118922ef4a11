// The Validate step's I/O around the checks (validation.ts): the credentials of the restored copy from
// Secrets Manager (never logged), the manifests captured just before and just after the snapshot from
// this region's reports bucket (replicated there from the primary), and — for live row counts — the
// source's endpoint; then
// every check against the restore. The full report goes to the reports bucket; the state machine gets a
// bounded summary (a state over 256 KB would end the execution before teardown).

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { validationReportKey } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { dbCredentials } from '../../../shared/rds/credentials.js';
import { getManifestBracket } from '../../../shared/rds/manifests.js';
import type { ManifestBracket } from '../../../shared/rds/postgres/types.js';
import type { InstanceReady, RestorePlan, ValidationSummary } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { wallTime } from '../../../shared/time/zone.js';
import { summariseReport } from './plan.js';
import { validateRestore, type ConnectionSpec, type ValidationReport } from './validation.js';

export interface ValidateDeps {
  readonly policy: Policy;
  /** Secrets Manager in the region of the restore (the secret is replicated there). */
  readonly secrets: SecretsManagerClient;
  /** S3 in the region the test runs in: its reports bucket has the manifests and takes the report. */
  readonly reports: S3Client;
  readonly reportsBucket: string;
  /** RDS in the primary region: the live source, for `rowCounts.mode: live`. */
  readonly source: RDSClient;
  readonly tls: boolean | { rejectUnauthorized: boolean };
  readonly log: Log;
  readonly now: () => number;
}

/** Where this run's full report goes: by resource and the month it was planned in (policy's zone), like its evidence. */
export function runReportKey(policy: Policy, plan: RestorePlan): string {
  const month = wallTime(plan.plannedAt, policy.timezone);
  return validationReportKey(plan.resource, month.year, month.month, plan.runId);
}

/** The manifests around a snapshot restore (none: nothing was captured); a PITR restore has none. Unreadable or invalid ones throw. */
async function manifestsOf(deps: ValidateDeps, plan: RestorePlan): Promise<ManifestBracket> {
  const none = { before: null, after: null };
  if (plan.kind !== 'snapshot' || plan.snapshotId === undefined) return none;
  return (await getManifestBracket(deps.reports, deps.reportsBucket, plan.resource, plan.snapshotId)) ?? none;
}

export async function validateRestoredDatabase(deps: ValidateDeps, plan: RestorePlan, instance: InstanceReady): Promise<ValidationSummary> {
  const db = deps.policy.resources.databases.find((d) => d.name === plan.resource);
  if (db === undefined) throw new InvalidInput('plan.resource', `no database "${plan.resource}" in the policy`);
  const manifests = await manifestsOf(deps, plan);
  const credentials = await dbCredentials(deps.secrets, plan.credentialsSecret);
  const connection: ConnectionSpec = {
    host: instance.address,
    port: instance.port,
    user: credentials.username,
    password: credentials.password,
    database: plan.database ?? instance.database ?? 'postgres',
    ssl: deps.tls,
  };
  let liveSource: ConnectionSpec | undefined;
  if (db.validation.rowCounts.mode === 'live') {
    const source = (await deps.source.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.sourceInstanceId }))).DBInstances?.[0];
    if (source?.Endpoint?.Address !== undefined) {
      liveSource = { ...connection, host: source.Endpoint.Address, port: source.Endpoint.Port ?? 5432, database: plan.database ?? source.DBName ?? 'postgres' };
    }
  }
  const report = await validateRestore({
    connection,
    config: db.validation,
    kind: plan.kind,
    manifest: manifests.before,
    after: manifests.after,
    ...(liveSource === undefined ? {} : { liveSource }),
    referenceTime: plan.restorePoint,
    rpoTargetMs: (db.objectives ?? deps.policy.objectives.database).rpo,
    now: deps.now,
  });
  const key = await putReport(deps, plan, report);
  deps.log.info('restore validated', { runId: plan.runId, outcome: report.outcome, checks: report.checks.map((c) => `${c.name}:${c.status}`), report: `s3://${deps.reportsBucket}/${key}` });
  return summariseReport(report, key);
}

/** The full report, with what it was about, in the reports bucket (its default key encrypts it). */
async function putReport(deps: ValidateDeps, plan: RestorePlan, report: ValidationReport): Promise<string> {
  const key = runReportKey(deps.policy, plan);
  const document = {
    schema: 'backup-dr/validation-report/v1',
    runId: plan.runId,
    kind: plan.kind,
    resource: plan.resource,
    region: plan.region,
    snapshotId: plan.snapshotId ?? null,
    restorePoint: new Date(plan.restorePoint).toISOString(),
    instanceId: plan.instanceId,
    ...report,
  };
  await deps.reports.send(new PutObjectCommand({ Bucket: deps.reportsBucket, Key: key, Body: JSON.stringify(document), ContentType: 'application/json' }));
  return key;
}
