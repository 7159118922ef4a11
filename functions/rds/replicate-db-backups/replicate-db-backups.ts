// Starts cross-region replication of automated backups (point-in-time recovery in the secondary region)
// for each database whose policy enforces it and that does not replicate yet (plan.ts decides). The
// request is made in the secondary region, naming the source instance. Safe to run again: an active
// replication is left alone.

import type { KMSClient } from '@aws-sdk/client-kms';
import { StartDBInstanceAutomatedBackupsReplicationCommand, type RDSClient } from '@aws-sdk/client-rds';
import { keyArn } from '../../../shared/aws/kms-keys.js';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { describeInstance, replicatedBackupsOf } from '../../../shared/rds/automated-backups.js';
import type { Log } from '../../../shared/runtime/log.js';
import { enforcedDatabases, replicationDecision, startedAlert, startFailedAlert } from './plan.js';

export interface ReplicateDeps {
  readonly policy: Policy;
  readonly primary: RDSClient;
  /** RDS in the secondary region: replication is started (and read) there. */
  readonly secondary: RDSClient;
  /** KMS in the secondary region: the replication request names the key by ARN (an alias is not accepted). */
  readonly kms: KMSClient;
  /** The secondary's key (alias, id or ARN) the replicated backups are encrypted with. */
  readonly key: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface ReplicationOutcome {
  readonly resource: string;
  readonly outcome: 'started' | 'skipped' | 'failed';
  readonly detail: string;
}

export async function replicateDbBackups(deps: ReplicateDeps): Promise<ReplicationOutcome[]> {
  const { policy } = deps;
  const outcomes: ReplicationOutcome[] = [];
  for (const db of enforcedDatabases(policy)) {
    const instance = await describeInstance(deps.primary, db.instanceId);
    const replicated = instance === null ? [] : await replicatedBackupsOf(deps.secondary, policy.regions.primary, db.instanceId);
    const decision = replicationDecision(db, instance, replicated);
    if ('skip' in decision) {
      outcomes.push({ resource: db.name, outcome: 'skipped', detail: decision.skip });
      continue;
    }
    try {
      const key = decision.encrypted ? { KmsKeyId: await keyArn(deps.kms, deps.key) } : {};
      await deps.secondary.send(new StartDBInstanceAutomatedBackupsReplicationCommand({ ...decision.start, ...key }));
      deps.log.info('started automated backups replication', { resource: db.name, instance: db.instanceId });
      outcomes.push({ resource: db.name, outcome: 'started', detail: `replication of ${db.instanceId} to ${policy.regions.secondary} started` });
      await deps.alerts.publish(startedAlert(policy, db, deps.now()));
    } catch (error) {
      deps.log.error('could not start automated backups replication', { resource: db.name, error: errorName(error) });
      outcomes.push({ resource: db.name, outcome: 'failed', detail: errorName(error) });
      await deps.alerts.publish(startFailedAlert(policy, db, error, deps.now()));
    }
  }
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  if (failed.length > 0) throw new RunFailed(`replication could not be started for ${failed.map((f) => f.resource).join(', ')}`, failed.map((f) => ({ resource: f.resource, error: f.detail })));
  return outcomes;
}
