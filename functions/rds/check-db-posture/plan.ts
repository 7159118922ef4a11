// The daily posture verdict, pure: from what RDS reports about an instance, its replicated automated
// backups and our copies, the findings a person must act on and the RPO figures to chart.

import type { DBInstance, DBInstanceAutomatedBackup } from '@aws-sdk/client-rds';
import type { DatabaseResource } from '../../../shared/policy/schema.js';

export interface Finding {
  readonly severity: 'critical' | 'warning';
  readonly check: string;
  readonly summary: string;
  readonly action: string;
}

export interface PostureFigures {
  /** now − LatestRestorableTime in the primary region (ms), null when PITR is off. */
  readonly primaryPitrLag: number | null;
  /** now − the replicated backups' RestoreWindow.LatestTime in the secondary region, null when none. */
  readonly secondaryPitrLag: number | null;
  /** Age of the newest verified snapshot copy in the secondary region, null when none. */
  readonly newestVerifiedCopyAge: number | null;
}

export interface PostureInput {
  readonly db: DatabaseResource;
  readonly instance: DBInstance | null;
  readonly replicated: readonly DBInstanceAutomatedBackup[];
  readonly newestVerifiedCopy: number | null;
  readonly now: number;
  /** The database RPO target (ms). */
  readonly rpoTarget: number;
  /** How old the newest verified copy may be before it is a finding (ms). */
  readonly copyAgeLimit: number;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

export function assessPosture(input: PostureInput): { findings: Finding[]; figures: PostureFigures; replicationMissing: boolean } {
  const { db, instance, now } = input;
  const findings: Finding[] = [];
  if (instance === null) {
    findings.push({ severity: 'critical', check: 'instance', summary: `DB instance ${db.instanceId} not found`, action: `Fix instanceId of "${db.name}" in backup-policy.yml, or restore the instance.` });
    return { findings, figures: { primaryPitrLag: null, secondaryPitrLag: null, newestVerifiedCopyAge: input.newestVerifiedCopy === null ? null : now - input.newestVerifiedCopy }, replicationMissing: false };
  }
  const retention = instance.BackupRetentionPeriod ?? 0;
  const wanted = db.automatedBackups.retentionDays;
  if (retention === 0) {
    findings.push({ severity: 'critical', check: 'automated-backups', summary: `automated backups are OFF on ${db.instanceId}: no point-in-time recovery`, action: `aws rds modify-db-instance --db-instance-identifier ${db.instanceId} --backup-retention-period ${wanted} --apply-immediately` });
  } else if (retention < wanted) {
    findings.push({ severity: 'warning', check: 'automated-backups', summary: `automated backup retention is ${retention} days on ${db.instanceId}, policy wants ${wanted}`, action: `aws rds modify-db-instance --db-instance-identifier ${db.instanceId} --backup-retention-period ${wanted} --apply-immediately` });
  }

  const latest = instance.LatestRestorableTime?.getTime();
  const primaryPitrLag = retention > 0 && latest !== undefined ? now - latest : null;
  if (primaryPitrLag !== null && primaryPitrLag > input.rpoTarget) {
    findings.push({ severity: 'critical', check: 'rpo-primary', summary: `PITR lags ${minutes(primaryPitrLag)} behind in the primary region (target ${minutes(input.rpoTarget)})`, action: 'Check the instance events and transaction-log uploads (aws rds describe-events --source-identifier …); open an AWS support case if it persists.' });
  }

  const active = input.replicated.filter((b) => b.Status === 'replicating' || b.Status === 'active');
  const replicationMissing = db.automatedBackups.replicateToSecondary && active.length === 0;
  const windowEnd = active.map((b) => b.RestoreWindow?.LatestTime?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  const secondaryPitrLag = active.length > 0 && windowEnd > 0 ? now - windowEnd : null;
  if (replicationMissing) {
    findings.push({ severity: 'critical', check: 'replication', summary: `automated backups of ${db.instanceId} are not replicated to the secondary region: no cross-region PITR`, action: 'Set automatedBackups.enforce: true for this database to let check-db-posture start it, or run aws rds start-db-instance-automated-backups-replication in the secondary region.' });
  } else if (secondaryPitrLag !== null && secondaryPitrLag > input.rpoTarget) {
    findings.push({ severity: 'critical', check: 'rpo-secondary', summary: `cross-region PITR lags ${minutes(secondaryPitrLag)} behind (target ${minutes(input.rpoTarget)})`, action: 'Check the replicated automated backups in the secondary region (aws rds describe-db-instance-automated-backups); a long snapshot copy of the same database can pause replication.' });
  }

  const newestVerifiedCopyAge = input.newestVerifiedCopy === null ? null : now - input.newestVerifiedCopy;
  if (newestVerifiedCopyAge === null) {
    findings.push({ severity: 'warning', check: 'copies', summary: 'no verified snapshot copy in the secondary region yet', action: 'Expected only in the first day after deployment; otherwise check copy-db-snapshots and verify-db-snapshots alerts and logs.' });
  } else if (newestVerifiedCopyAge > input.copyAgeLimit) {
    findings.push({ severity: 'critical', check: 'copies', summary: `newest verified copy in the secondary region is ${hours(newestVerifiedCopyAge)} old (limit ${hours(input.copyAgeLimit)})`, action: 'Backups or copies have stalled: check take-db-snapshot, copy-db-snapshots and verify-db-snapshots alerts and logs.' });
  }
  return { findings, figures: { primaryPitrLag, secondaryPitrLag, newestVerifiedCopyAge }, replicationMissing };
}

/** Manual-snapshot quota use in a region: a finding when above the policy's warning ratio. */
export function assessQuota(region: string, used: number, max: number, ratio: number): Finding | null {
  if (max <= 0 || used <= max * ratio) return null;
  return {
    severity: used >= max ? 'critical' : 'warning',
    check: 'quota',
    summary: `${used} of ${max} manual DB snapshots used in ${region} (${Math.round((used / max) * 100)} %)`,
    action: 'Check that prune-db-snapshots runs and is not refusing; delete manual snapshots you no longer need, or request a quota increase (Service Quotas, "Manual DB instance snapshots").',
  };
}
