// The Copy tables step of a partial database-recovery: where the restored (temporary) instance and the
// production database are, and the master credentials both take (a restore keeps the source's master
// user; the secret is restoreTest.credentialsSecret) — then copy-tables.ts does the work.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInput } from '../../../shared/errors.js';
import { dbCredentials } from '../../../shared/rds/credentials.js';
import { RestoreFailed } from '../../../shared/rds/errors.js';
import type { ConnectionSpec } from '../../../shared/rds/postgres/types.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import type { InstanceReady } from '../../../shared/rds/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { copyTables, type CopyReport } from './copy-tables.js';

/** Each statement (an INSERT of up to 1,000 rows, a count) gets this long; the Lambda's own timeout is 15 min. */
const STATEMENT_TIMEOUT_MS = 10 * 60_000;

export interface CopyDeps {
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly tls: boolean | { rejectUnauthorized: boolean };
  readonly log: Log;
}

export async function copyRecoveredTables(deps: CopyDeps, plan: RecoveryPlan, instance: InstanceReady): Promise<CopyReport> {
  if (plan.mode !== 'partial' || plan.recoverySchema === undefined) throw new InvalidInput('plan.mode', 'only a partial recovery copies tables');
  const source = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.sourceInstanceId }))).DBInstances?.[0];
  if (source?.Endpoint?.Address === undefined) throw new RestoreFailed(`the production instance ${plan.sourceInstanceId} has no endpoint to copy into (status ${source?.DBInstanceStatus ?? 'unknown'})`);
  const credentials = await dbCredentials(deps.secrets, plan.credentialsSecret);
  const common = { user: credentials.username, password: credentials.password, ssl: deps.tls };
  const restored: ConnectionSpec = { ...common, host: instance.address, port: instance.port, database: plan.database ?? instance.database ?? 'postgres' };
  const production: ConnectionSpec = { ...common, host: source.Endpoint.Address, port: source.Endpoint.Port ?? 5432, database: plan.database ?? source.DBName ?? 'postgres' };
  const report = await copyTables(
    { restored, production, tables: plan.tables, schema: plan.recoverySchema, runId: plan.runId, statementTimeoutMs: STATEMENT_TIMEOUT_MS },
    { applicationName: 'backup-dr-database-recovery' },
  );
  deps.log.info('tables recovered', { runId: plan.runId, schema: report.schema, tables: report.tables.map((t) => `${t.table}: ${t.rowsCopied}`) });
  return report;
}
