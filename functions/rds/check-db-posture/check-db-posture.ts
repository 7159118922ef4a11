// The daily posture check: automated backups on with enough retention, cross-region replication of
// them active (started when the policy enforces it), RPO figures in both regions, the age of the newest
// verified copy, a scheduled snapshot that never appeared, and manual-snapshot quota use in both
// regions. Findings become alerts.

import {
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstance,
  type DBSnapshot,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName } from '../../../shared/rds/errors.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { occurrencesBetween, parseScheduleExpression, typicalInterval } from '../../../shared/schedule/expression.js';
import { formatWall } from '../../../shared/time/zone.js';
import { TAG, tagValue } from '../../../shared/tags.js';
import { copySourceArn } from '../copy-db-snapshots/copy-db-snapshots.js';
import { planPrune, snapshotsOf, takenAt } from '../../../shared/rds/retention.js';
import { assessPosture, assessQuota, type Finding, type PostureFigures } from './plan.js';

export interface PostureDeps {
  readonly policy: Policy;
  readonly primary: RDSClient;
  readonly secondary: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface PostureReport {
  readonly databases: readonly { resource: string; figures: PostureFigures; findings: readonly Finding[]; replicationStarted: boolean }[];
  readonly quota: readonly { region: string; used: number; max: number; ours: number }[];
}

async function describeInstance(rds: RDSClient, id: string): Promise<DBInstance | null> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0] ?? null;
  } catch (error) {
    if (errorName(error) === 'DBInstanceNotFoundFault' || errorName(error) === 'DBInstanceNotFound') return null;
    throw error;
  }
}

async function quotaOf(rds: RDSClient): Promise<{ used: number; max: number }> {
  const attributes = await rds.send(new DescribeAccountAttributesCommand({}));
  const quota = attributes.AccountQuotas?.find((q) => q.AccountQuotaName === 'ManualSnapshots');
  return { used: quota?.Used ?? 0, max: quota?.Max ?? 0 };
}

/** Twice the backup interval: a daily schedule tolerates one missed day before the copy is "old". */
function copyAgeLimit(db: DatabaseResource, timeZone: string, now: number): number {
  const interval = typicalInterval(parseScheduleExpression(db.schedule), timeZone, now);
  return Number.isFinite(interval) ? 2 * interval : 2 * 86_400_000;
}

/**
 * The "dead man's switch": the latest scheduled run that should have produced a snapshot by now (an hour
 * of grace) and did not. A job that never ran fails nothing loudly; this is how it is heard.
 */
function missedRun(db: DatabaseResource, primaryOwned: readonly DBSnapshot[], timeZone: string, now: number): number | null {
  const due = occurrencesBetween(parseScheduleExpression(db.schedule), timeZone, now - 3 * 86_400_000, now - 3_600_000).at(-1);
  if (due === undefined) return null;
  const covered = primaryOwned.some((s) => {
    if (tagValue(s.TagList, TAG.resource) !== db.name) return false;
    const scheduled = Date.parse(tagValue(s.TagList, TAG.scheduledAt) ?? '');
    const created = Date.parse(tagValue(s.TagList, TAG.createdAt) ?? '');
    return (!Number.isNaN(scheduled) && scheduled >= due) || (!Number.isNaN(created) && created >= due);
  });
  return covered ? null : due;
}

const COPY_BACKLOG_AFTER = 6 * 3_600_000;

/**
 * Work the reconcilers should have done by now: snapshots hours old without a verified copy (copy or
 * verify not running), and snapshots the retention plan removes that still exist (prune not running).
 */
function backlogFindings(policy: Policy, db: DatabaseResource, primaryOwned: readonly DBSnapshot[], copies: readonly DBSnapshot[], now: number): Finding[] {
  const findings: Finding[] = [];
  const originals = snapshotsOf(db, 'primary', primaryOwned);
  const copiesOfDb = snapshotsOf(db, 'secondary', copies);
  const verified = new Set(copiesOfDb.filter((c) => tagValue(c.TagList, TAG.verifiedAt) !== undefined).map(copySourceArn));
  const uncopied = originals.filter((s) => s.Status === 'available' && takenAt(s) < now - COPY_BACKLOG_AFTER && !verified.has(s.DBSnapshotArn));
  if (uncopied.length > 0) {
    const oldest = uncopied.reduce((a, b) => (takenAt(b) < takenAt(a) ? b : a));
    findings.push({
      severity: 'warning',
      check: 'copy-backlog',
      summary: `${uncopied.length} snapshot(s) older than 6 h have no verified copy in ${policy.regions.secondary} (oldest ${oldest.DBSnapshotIdentifier ?? ''})`,
      action: 'Check that copy-db-snapshots (primary) and verify-db-snapshots (secondary) run, and their alerts; copies in flight are capped by rds.maxCopiesInFlight.',
    });
  }
  for (const [role, mine] of [['primary', originals], ['secondary', copiesOfDb]] as const) {
    try {
      const due = planPrune({ policy, role, db, mine, copies, now }).remove.length;
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

export async function checkDbPosture(deps: PostureDeps): Promise<PostureReport> {
  const { policy } = deps;
  const now = deps.now();
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const copies = await listOwnedSnapshots(deps.secondary, ownership);
  const primaryOwned = await listOwnedSnapshots(deps.primary, ownership);
  const databases: PostureReport['databases'][number][] = [];
  const alerts: { region: string; resource: string; finding: Finding }[] = [];

  for (const db of policy.resources.databases) {
    const instance = await describeInstance(deps.primary, db.instanceId);
    const replicated = instance?.DBInstanceArn === undefined ? [] : (await deps.secondary.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstanceAutomatedBackups ?? [];
    const newestVerifiedCopy = copies
      .filter((c) => tagValue(c.TagList, TAG.resource) === db.name && tagValue(c.TagList, TAG.verifiedAt) !== undefined)
      .map((c) => c.OriginalSnapshotCreateTime?.getTime() ?? c.SnapshotCreateTime?.getTime() ?? 0)
      .reduce<number | null>((a, b) => (a === null || b > a ? b : a), null);
    const verdict = assessPosture({ db, instance, replicated, newestVerifiedCopy, now, rpoTarget: policy.objectives.database.rpo, copyAgeLimit: copyAgeLimit(db, policy.timezone, now) });
    let replicationStarted = false;
    let findings = verdict.findings;
    const missed = missedRun(db, primaryOwned, policy.timezone, now);
    if (missed !== null) {
      findings = [...findings, {
        severity: 'critical',
        check: 'missed-backup',
        summary: `no snapshot of ${db.instanceId} for the run scheduled at ${formatWall(missed, policy.timezone)} (${policy.timezone})`,
        action: `Check the take-db-snapshot schedule, its logs and earlier alerts; take one now by invoking take-db-snapshot with {"resources":["${db.name}"]}.`,
      }];
    }
    if (verdict.replicationMissing && db.automatedBackups.enforce && instance !== null && (instance.BackupRetentionPeriod ?? 0) > 0) {
      try {
        await deps.secondary.send(
          new StartDBInstanceAutomatedBackupsReplicationCommand({
            SourceDBInstanceArn: instance.DBInstanceArn,
            BackupRetentionPeriod: db.automatedBackups.retentionDays,
            ...(instance.StorageEncrypted === true && policy.kms.secondary !== undefined ? { KmsKeyId: policy.kms.secondary } : {}),
          }),
        );
        replicationStarted = true;
        findings = findings.map((f) =>
          f.check === 'replication'
            ? { ...f, severity: 'warning' as const, summary: `automated-backup replication of ${db.instanceId} was off; started it (enforce: true)`, action: 'Nothing to do; the next posture check confirms it is replicating.' }
            : f,
        );
        deps.log.info('started automated backups replication', { resource: db.name, instance: db.instanceId });
      } catch (error) {
        findings = [...findings, { severity: 'critical', check: 'replication', summary: `could not start automated-backup replication: ${errorName(error)}`, action: `Read the error (${errorMessage(error).slice(0, 200)}); check the KMS key in the secondary region and the IAM role of check-db-posture.` }];
      }
    }
    findings = [...findings, ...backlogFindings(policy, db, primaryOwned, copies, now)];
    for (const finding of findings) alerts.push({ region: finding.check === 'rpo-secondary' || finding.check === 'copies' || finding.check === 'replication' ? policy.regions.secondary : policy.regions.primary, resource: db.name, finding });
    databases.push({ resource: db.name, figures: verdict.figures, findings, replicationStarted });
  }

  const quota: PostureReport['quota'][number][] = [];
  for (const [region, rds, ours] of [
    [policy.regions.primary, deps.primary, primaryOwned.length],
    [policy.regions.secondary, deps.secondary, copies.length],
  ] as const) {
    const { used, max } = await quotaOf(rds);
    quota.push({ region, used, max, ours });
    const finding = assessQuota(region, used, max, policy.rds.quotaWarningRatio);
    if (finding !== null) alerts.push({ region, resource: 'rds-quota', finding });
  }

  for (const { region, resource, finding } of alerts) {
    await deps.alerts.publish({ severity: finding.severity, kind: 'posture', resource, region, summary: finding.summary, action: finding.action, source: 'check-db-posture', at: now, details: { check: finding.check } });
  }
  return { databases, quota };
}
