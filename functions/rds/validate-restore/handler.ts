// validate-restore: the Validate state of the restore-test and pitr-test state machines. Runs in the
// VPC, reads the database credentials from Secrets Manager (never logged) and the snapshot's manifest
// from the reports bucket, and returns the report of every check.

import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { rdsClient, s3Client, secretsClient } from '../../../shared/aws/clients.js';
import { dbCredentials, tlsSetting } from '../../../shared/rds/credentials.js';
import { getManifest } from '../../../shared/rds/manifests.js';
import { optionalEnv } from '../../../shared/runtime/env.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { InstanceReady, RestorePlan } from '../../../shared/rds/restore-run.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { validateRestore, type ConnectionSpec } from './validation.js';

export const handler = lambdaHandler(
  'validate-restore',
  async (event: { plan: RestorePlan; instance: InstanceReady }, rt) => {
    const { plan, instance } = event;
    const db = rt.policy.resources.databases.find((d) => d.name === plan.resource);
    if (db === undefined) throw new InvalidInput('plan.resource', `no database "${plan.resource}" in the policy`);
    const credentials = await dbCredentials(secretsClient(plan.region), plan.credentialsSecret);
    const ssl = tlsSetting(optionalEnv('DB_TLS'));
    const connection: ConnectionSpec = {
      host: instance.address,
      port: instance.port,
      user: credentials.username,
      password: credentials.password,
      database: plan.database ?? instance.database ?? 'postgres',
      ssl,
    };
    const manifestBucket = optionalEnv('MANIFEST_BUCKET');
    const manifest =
      plan.kind === 'snapshot' && plan.snapshotId !== undefined && manifestBucket !== undefined
        ? await getManifest(s3Client(rt.policy.regions.primary), manifestBucket, plan.resource, plan.snapshotId).catch(() => null)
        : null;
    let liveSource: ConnectionSpec | undefined;
    if (db.validation.rowCounts.mode === 'live') {
      const source = (await rdsClient(rt.policy.regions.primary).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.sourceInstanceId }))).DBInstances?.[0];
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
      rpoTargetMs: (db.objectives ?? rt.policy.objectives.database).rpo,
      now: rt.now,
    });
    rt.log.info('restore validated', { runId: plan.runId, passed: report.passed, checks: report.checks.map((c) => `${c.name}:${c.status}`) });
    return report;
  },
  { onError: 'state-machine' },
);
