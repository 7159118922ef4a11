// Whether to start cross-region replication of a database's automated backups, pure: only where the
// policy enforces it, the instance exists with automated backups on, and no replication is active
// yet; an encrypted instance's backups are re-encrypted with the secondary region's key.

import type { DBInstance, DBInstanceAutomatedBackup, StartDBInstanceAutomatedBackupsReplicationCommandInput } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { activeReplications } from '../../../shared/rds/automated-backups.js';

export type ReplicationDecision =
  /** `encrypted`: the request must name the secondary's key by ARN (KmsKeyId takes an ARN in the destination region). */
  | { readonly start: StartDBInstanceAutomatedBackupsReplicationCommandInput; readonly encrypted: boolean }
  | { readonly skip: string };

/** The databases whose replication this function looks after. */
export function enforcedDatabases(policy: Policy): DatabaseResource[] {
  return policy.resources.databases.filter((db) => db.automatedBackups.replicateToSecondary && db.automatedBackups.enforce);
}

export function replicationDecision(db: DatabaseResource, instance: DBInstance | null, replicated: readonly DBInstanceAutomatedBackup[]): ReplicationDecision {
  if (instance?.DBInstanceArn === undefined) return { skip: `DB instance ${db.instanceId} not found (check-db-posture reports it)` };
  if ((instance.BackupRetentionPeriod ?? 0) === 0) return { skip: `automated backups are off on ${db.instanceId}: nothing to replicate (check-db-posture reports it)` };
  if (activeReplications(replicated).length > 0) return { skip: 'already replicating' };
  return { start: { SourceDBInstanceArn: instance.DBInstanceArn, BackupRetentionPeriod: db.automatedBackups.retentionDays }, encrypted: instance.StorageEncrypted === true };
}

export function startedAlert(policy: Policy, db: DatabaseResource, now: number): Alert {
  return {
    severity: 'warning',
    kind: 'posture',
    resource: db.name,
    region: policy.regions.secondary,
    summary: `automated-backup replication of ${db.instanceId} was off; started it (enforce: true)`,
    action: 'Nothing to do; the next posture check confirms it is replicating.',
    source: 'replicate-db-backups',
    at: now,
    details: { check: 'replication' },
  };
}

export function startFailedAlert(policy: Policy, db: DatabaseResource, error: unknown, now: number): Alert {
  return {
    severity: 'critical',
    kind: 'posture',
    resource: db.name,
    region: policy.regions.secondary,
    summary: `could not start automated-backup replication of ${db.instanceId}: ${errorName(error)}`,
    action: `Read the error (${errorMessage(error).slice(0, 200)}); check the KMS key in the secondary region and the IAM role of replicate-db-backups.`,
    source: 'replicate-db-backups',
    at: now,
    details: { check: 'replication', error: errorName(error) },
  };
}
