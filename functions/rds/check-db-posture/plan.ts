// The daily posture verdict, pure: from what RDS reports about an instance, its replicated automated
// backups, our snapshots and copies, and the account's quotas — the findings a person must act on and
// the RPO figures to chart. It only judges: starting replication is replicate-db-backups' job.

import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { activeReplications } from '../../../shared/rds/automated-backups.js';
import { planPrune } from '../../../shared/rds/retention.js';
import { isVerified, snapshotsOf, takenAt, verifiedSources } from '../../../shared/rds/snapshots.js';
import { occurrencesBetween, parseScheduleExpression, typicalInterval } from '../../../shared/schedule/expression.js';
import { tagValue } from '../../../shared/tags.js';
import { formatWall } from '../../../shared/time/zone.js';

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

export function assessPosture(input: PostureInput): { findings: Finding[]; figures: PostureFigures } {
  const { db, instance, now } = input;
  const findings: Finding[] = [];
  if (instance === null) {
    findings.push({ severity: 'critical', check: 'instance', summary: `DB instance ${db.instanceId} not found`, action: `Fix instanceId of "${db.name}" in backup-policy.yml, or restore the instance.` });
    return { findings, figures: { primaryPitrLag: null, secondaryPitrLag: null, newestVerifiedCopyAge: input.newestVerifiedCopy === null ? null : now - input.newestVerifiedCopy } };
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

  const active = activeReplications(input.replicated);
  const replicationMissing = db.automatedBackups.replicateToSecondary && active.length === 0;
  const windowEnd = active.map((b) => b.RestoreWindow?.LatestTime?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  const secondaryPitrLag = active.length > 0 && windowEnd > 0 ? now - windowEnd : null;
  if (replicationMissing && db.automatedBackups.enforce && retention > 0) {
    findings.push({ severity: 'warning', check: 'replication', summary: `automated-backup replication of ${db.instanceId} is off; replicate-db-backups starts it (enforce: true)`, action: 'Nothing to do unless replicate-db-backups alerts that it could not start it; the next posture check confirms it is replicating.' });
  } else if (replicationMissing) {
    findings.push({ severity: 'critical', check: 'replication', summary: `automated backups of ${db.instanceId} are not replicated to the secondary region: no cross-region PITR`, action: 'Set automatedBackups.enforce: true for this database to let replicate-db-backups start it, or run aws rds start-db-instance-automated-backups-replication in the secondary region.' });
  } else if (secondaryPitrLag !== null && secondaryPitrLag > input.rpoTarget) {
    findings.push({ severity: 'critical', check: 'rpo-secondary', summary: `cross-region PITR lags ${minutes(secondaryPitrLag)} behind (target ${minutes(input.rpoTarget)})`, action: 'Check the replicated automated backups in the secondary region (aws rds describe-db-instance-automated-backups); a long snapshot copy of the same database can pause replication.' });
  }

  const newestVerifiedCopyAge = input.newestVerifiedCopy === null ? null : now - input.newestVerifiedCopy;
  if (newestVerifiedCopyAge === null) {
    findings.push({ severity: 'warning', check: 'copies', summary: 'no verified snapshot copy in the secondary region yet', action: 'Expected only in the first day after deployment; otherwise check copy-db-snapshots and verify-db-snapshots alerts and logs.' });
  } else if (newestVerifiedCopyAge > input.copyAgeLimit) {
    findings.push({ severity: 'critical', check: 'copies', summary: `newest verified copy in the secondary region is ${hours(newestVerifiedCopyAge)} old (limit ${hours(input.copyAgeLimit)})`, action: 'Backups or copies have stalled: check take-db-snapshot, copy-db-snapshots and verify-db-snapshots alerts and logs.' });
  }
  return { findings, figures: { primaryPitrLag, secondaryPitrLag, newestVerifiedCopyAge } };
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

/** Twice the backup interval: a daily schedule tolerates one missed day before the copy is "old". */
export function copyAgeLimit(db: DatabaseResource, timeZone: string, now: number): number {
  const interval = typicalInterval(parseScheduleExpression(db.schedule), timeZone, now);
  return Number.isFinite(interval) ? 2 * interval : 2 * 86_400_000;
}

/** When the data of the newest verified copy of `db` was taken, or null when it has none (copies only: a final snapshot is no backup). */
export function newestVerifiedCopy(db: DatabaseResource, copies: readonly DBSnapshot[]): number | null {
  return snapshotsOf(db, 'secondary', copies)
    .filter(isVerified)
    .map((c) => c.OriginalSnapshotCreateTime?.getTime() ?? c.SnapshotCreateTime?.getTime() ?? 0)
    .reduce<number | null>((a, b) => (a === null || b > a ? b : a), null);
}

/**
 * The "dead man's switch": the latest scheduled run that should have produced a snapshot by now (an hour
 * of grace) and did not. A job that never ran fails nothing loudly; this is how it is heard.
 */
export function missedBackup(db: DatabaseResource, primaryOwned: readonly DBSnapshot[], timeZone: string, now: number): Finding | null {
  const due = occurrencesBetween(parseScheduleExpression(db.schedule), timeZone, now - 3 * 86_400_000, now - 3_600_000).at(-1);
  if (due === undefined) return null;
  // Originals only: a replaced instance's final snapshot (tier final) carries the resource and a created-at but is no scheduled backup.
  const ofRun = snapshotsOf(db, 'primary', primaryOwned).filter((s) => {
    const scheduled = Date.parse(tagValue(s.TagList, TAG.scheduledAt) ?? '');
    const created = Date.parse(tagValue(s.TagList, TAG.createdAt) ?? '');
    return (!Number.isNaN(scheduled) && scheduled >= due) || (!Number.isNaN(created) && created >= due);
  });
  // A snapshot RDS marked failed is no backup: the run is missed, and the finding names it.
  if (ofRun.some((s) => s.Status !== 'failed')) return null;
  const failed = ofRun.map((s) => s.DBSnapshotIdentifier ?? '?');
  return {
    severity: 'critical',
    check: 'missed-backup',
    summary:
      failed.length > 0
        ? `the snapshot of ${db.instanceId} for the run scheduled at ${formatWall(due, timeZone)} (${timeZone}) failed: ${failed.join(', ')}`
        : `no snapshot of ${db.instanceId} for the run scheduled at ${formatWall(due, timeZone)} (${timeZone})`,
    action: `Check the take-db-snapshot schedule, its logs and earlier alerts${failed.length > 0 ? ', and the RDS events of the failed snapshot (delete it once understood: prune keeps a snapshot that is not available)' : ''}; take one now by invoking take-db-snapshot with {"resources":["${db.name}"]}.`,
  };
}

const COPY_BACKLOG_AFTER = 6 * 3_600_000;

/**
 * Work the reconcilers should have done by now: snapshots hours old without a verified copy (copy or
 * verify not running), and snapshots the retention plan removes that still exist (prune not running).
 */
export function backlogFindings(policy: Policy, db: DatabaseResource, primaryOwned: readonly DBSnapshot[], copies: readonly DBSnapshot[], now: number): Finding[] {
  const findings: Finding[] = [];
  const originals = snapshotsOf(db, 'primary', primaryOwned);
  const copiesOfDb = snapshotsOf(db, 'secondary', copies);
  const verified = verifiedSources(copiesOfDb);
  const uncopied = originals.filter((s) => s.Status === 'available' && (takenAt(s) ?? now) < now - COPY_BACKLOG_AFTER && !verified.has(s.DBSnapshotArn));
  if (uncopied.length > 0) {
    const oldest = uncopied.reduce((a, b) => ((takenAt(b) ?? now) < (takenAt(a) ?? now) ? b : a));
    findings.push({
      severity: 'warning',
      check: 'copy-backlog',
      summary: `${uncopied.length} snapshot(s) older than 6 h have no verified copy in ${policy.regions.secondary} (oldest ${oldest.DBSnapshotIdentifier ?? ''})`,
      action: 'Check that copy-db-snapshots (primary) and verify-db-snapshots (secondary) run, and their alerts; copies in flight are capped by rds.maxCopiesInFlight.',
    });
  }
  for (const [role, mine] of [['primary', originals], ['secondary', copiesOfDb]] as const) {
    try {
      const due = planPrune({ policy, role, db, mine, counterparts: role === 'primary' ? copies : primaryOwned, now }).remove.length;
      if (due > 0) {
        findings.push({
          severity: 'warning',
          check: 'prune-backlog',
          summary: `${due} snapshot(s) in ${policy.regions[role]} are past their retention but still exist`,
          action: `Check that prune-db-snapshots runs in ${policy.regions[role]} and its alerts (dryRun is ${String(policy.dryRun)}).`,
        });
      }
    } catch {
      // A refused plan is alerted by prune-db-snapshots itself.
    }
  }
  return findings;
}

/** Findings about the secondary region's side (replication, cross-region RPO, copies) are filed under it. */
export function findingRegion(policy: Policy, finding: Finding): string {
  return finding.check === 'rpo-secondary' || finding.check === 'copies' || finding.check === 'replication' ? policy.regions.secondary : policy.regions.primary;
}

/**
 * Snapshots of ours that belong to no database of the policy (a database renamed or removed from it):
 * nothing prunes them — deletion needs an explicit policy entry — so they are reported, not deleted.
 */
export function orphanFinding(policy: Policy, region: string, owned: readonly DBSnapshot[], quotaMax: number): Finding | null {
  const known = new Set(policy.resources.databases.map((db) => db.name));
  const orphans = owned.filter((s) => !known.has(tagValue(s.TagList, TAG.resource) ?? ''));
  if (orphans.length === 0) return null;
  const resources = [...new Set(orphans.map((s) => tagValue(s.TagList, TAG.resource) ?? '(untagged)'))].sort();
  const oldest = orphans.reduce((a, b) => ((takenAt(b) ?? Infinity) < (takenAt(a) ?? Infinity) ? b : a));
  const oldestAt = takenAt(oldest);
  const share = quotaMax > 0 ? ` (${Math.round((100 * orphans.length) / quotaMax)} % of the manual-snapshot quota)` : '';
  return {
    severity: 'warning',
    check: 'orphaned-snapshots',
    summary: `${orphans.length} snapshot(s) of ours in ${region} belong to no database of the policy (${resources.join(', ')}); oldest ${oldest.DBSnapshotIdentifier ?? ''}${oldestAt === null ? '' : ` from ${formatWall(oldestAt, policy.timezone)}`}${share}`,
    action: `They are never deleted automatically. Put the database back into resources.databases (its retention then applies), or delete them by hand once you are sure they are not needed (aws rds delete-db-snapshot --region ${region} …).`,
  };
}
