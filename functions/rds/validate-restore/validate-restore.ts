// The Validate step's I/O around the checks (validation.ts): the credentials of the restored copy from
// Secrets Manager (never logged), the manifest captured with the snapshot from the primary's reports
// bucket, and — for live row counts — the source's endpoint; then every check against the restore.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInput } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { dbCredentials } from '../../../shared/rds/credentials.js';
import { getManifest } from '../../../shared/rds/manifests.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { validateRestore, type ConnectionSpec, type ValidationReport } from './validation.js';

export interface ValidateDeps {
  readonly policy: Policy;
  /** Secrets Manager in the region of the restore (the secret is replicated there). */
  readonly secrets: SecretsManagerClient;
  /** S3 in the primary region, where manifests are captured. */
  readonly manifests: S3Client;
  /** The primary's reports bucket, or undefined when none is configured (no manifest then). */
  readonly manifestBucket: string | undefined;
  /** RDS in the primary region: the live source, for `rowCounts.mode: live`. */
  readonly source: RDSClient;
  readonly tls: boolean | { rejectUnauthorized: boolean };
  readonly log: Log;
  readonly now: () => number;
}

export async function validateRestoredDatabase(deps: ValidateDeps, plan: RestorePlan, instance: InstanceReady): Promise<ValidationReport> {
  const db = deps.policy.resources.databases.find((d) => d.name === plan.resource);
  if (db === undefined) throw new InvalidInput('plan.resource', `no database "${plan.resource}" in the policy`);
  const credentials = await dbCredentials(deps.secrets, plan.credentialsSecret);
  const connection: ConnectionSpec = {
    host: instance.address,
    port: instance.port,
    user: credentials.username,
    password: credentials.password,
    database: plan.database ?? instance.database ?? 'postgres',
    ssl: deps.tls,
  };
  const manifest =
    plan.kind === 'snapshot' && plan.snapshotId !== undefined && deps.manifestBucket !== undefined
      ? await getManifest(deps.manifests, deps.manifestBucket, plan.resource, plan.snapshotId).catch(() => null)
      : null;
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
    manifest,
    ...(liveSource === undefined ? {} : { liveSource }),
    referenceTime: plan.restorePoint,
    rpoTargetMs: (db.objectives ?? deps.policy.objectives.database).rpo,
    now: deps.now,
  });
  deps.log.info('restore validated', { runId: plan.runId, passed: report.passed, checks: report.checks.map((c) => `${c.name}:${c.status}`) });
  return report;
}
