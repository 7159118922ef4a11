// Records, at each scheduled snapshot, what the source database holds — exact row counts per table and
// the server version — under the snapshot's deterministic id, so a restore test can prove that a
// restore of that snapshot holds the same. Runs in the VPC beside the database.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { dbCredentials } from '../../../shared/rds/credentials.js';
import { resolveScheduledRun, type ScheduledRunEvent } from '../../../shared/rds/events.js';
import { putManifest } from '../../../shared/rds/manifests.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import type { Log } from '../../../shared/runtime/log.js';
import { manifestTargets } from './plan.js';

export interface CaptureDeps {
  readonly policy: Policy;
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly tls: boolean | { rejectUnauthorized: boolean };
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export async function captureDbManifests(deps: CaptureDeps, event: ScheduledRunEvent): Promise<{ resource: string; key: string }[]> {
  const targets = manifestTargets(resolveScheduledRun(event, deps.policy, deps.now()), deps.policy.timezone);
  const done: { resource: string; key: string }[] = [];
  const failures: { resource: string; error: string }[] = [];
  for (const { db, snapshotId: id } of targets) {
    try {
      const instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstances?.[0];
      if (instance?.Endpoint?.Address === undefined) throw new Error(`DB instance ${db.instanceId} has no endpoint`);
      const credentials = await dbCredentials(deps.secrets, db.restoreTest.credentialsSecret);
      const manifest = await captureManifest(
        { host: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432, user: credentials.username, password: credentials.password, database: db.restoreTest.database ?? instance.DBName ?? 'postgres', ssl: deps.tls },
        db.validation,
        deps.now,
      );
      const key = await putManifest(deps.s3, deps.bucket, db.name, id, manifest);
      deps.log.info('manifest captured', { resource: db.name, snapshotId: id, tables: Object.keys(manifest.tables).length });
      done.push({ resource: db.name, key });
    } catch (error) {
      failures.push({ resource: db.name, error: errorName(error) });
      deps.log.warn('manifest capture failed', { resource: db.name, snapshotId: id, error: errorName(error) });
      await deps.alerts.publish({
        severity: 'warning',
        kind: 'manifest-failed',
        resource: db.name,
        region: deps.policy.regions.primary,
        summary: `could not record the row counts of ${db.instanceId} for ${id}: ${errorName(error)}`,
        action: 'The snapshot itself is not affected, but its restore test cannot compare row counts (they will be skipped). Check the VPC access and the credentials secret of capture-db-manifest.',
        source: 'capture-db-manifest',
        at: deps.now(),
        details: { snapshotId: id, message: errorMessage(error).slice(0, 300) },
      });
    }
  }
  if (failures.length > 0) throw new RunFailed(`manifest capture failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  return done;
}
