// What region-failover restores, decided from what the secondary region holds, pure: per database the
// best way up (promote the named replica; else the replicated automated backups at their latest
// restorable time; else the newest verified snapshot copy), the instance it goes into (the policy's name
// for a failover, a rehearsal name otherwise), and the data loss each implies against the objectives. A
// rehearsal never promotes: a promotion cannot be undone.

import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import { InvalidInput } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { restorableBackups } from '../../../shared/rds/automated-backups.js';
import { NoRestorePoint } from '../../../shared/rds/errors.js';
import { isVerified, newestFirst, snapshotsOf, takenAt } from '../../../shared/rds/snapshots.js';
import { REHEARSAL_PREFIX, stepName, type FailoverDatabase, type FailoverMode, type StepRecord } from '../../../shared/platform/failover-run.js';
import { wallTime } from '../../../shared/time/zone.js';

/** What the secondary region holds for one database. */
export interface DatabaseFacts {
  /** The replica `failover.readReplica` names, as DescribeDBInstances returned it (null: not there). */
  readonly replica: DBInstance | null;
  /** The source's automated backups replicated into the secondary. */
  readonly replicated: readonly DBInstanceAutomatedBackup[];
  /** Our snapshots in the secondary region (copies among them). */
  readonly copies: readonly DBSnapshot[];
}

export interface RunFacts {
  readonly runId: string;
  readonly mode: FailoverMode;
  readonly startedAt: number;
  readonly now: number;
  /** The steps a previous run of this failover recorded, by step name. */
  readonly records: ReadonlyMap<string, StepRecord>;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** "bdr-rh-app-db-202612030910": from the run's start, so a resumed rehearsal finds the same instance. */
export function rehearsalName(resource: string, startedAt: number, timeZone: string, maxLength: number): string {
  const w = wallTime(startedAt, timeZone);
  return `${REHEARSAL_PREFIX}${resource}-${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}`.slice(0, maxLength);
}

/** The databases a failover brings up: those the policy gives a `failover` section. */
export function failoverDatabases(policy: Policy): (DatabaseResource & { failover: NonNullable<DatabaseResource['failover']> })[] {
  return policy.resources.databases.filter((db): db is DatabaseResource & { failover: NonNullable<DatabaseResource['failover']> } => db.failover !== undefined);
}

type Restore = Pick<FailoverDatabase, 'method' | 'restorePoint' | 'snapshotId' | 'snapshotArn' | 'automatedBackupsArn'>;

function chooseRestore(db: DatabaseResource, mode: FailoverMode, facts: DatabaseFacts, now: number, region: string): Restore {
  const replica = facts.replica;
  // Promotion only of a replica still replicating (or one a previous run promoted: ReadReplicaSource is then gone).
  if (mode === 'failover' && db.failover?.readReplica !== undefined && replica !== null) return { method: 'promote', restorePoint: now };
  // RestoreWindow.LatestTime is the replicated backups' latest restorable time (RDS API reference, DBInstanceAutomatedBackup).
  const backups = restorableBackups(facts.replicated).sort((a, b) => (b.RestoreWindow?.LatestTime?.getTime() ?? 0) - (a.RestoreWindow?.LatestTime?.getTime() ?? 0));
  const latest = backups[0];
  const latestTime = latest?.RestoreWindow?.LatestTime?.getTime();
  if (latest?.DBInstanceAutomatedBackupsArn !== undefined && latestTime !== undefined) return { method: 'pitr', restorePoint: latestTime, automatedBackupsArn: latest.DBInstanceAutomatedBackupsArn };
  const copy = snapshotsOf(db, 'secondary', facts.copies)
    .filter((s) => isVerified(s) && takenAt(s) !== null)
    .sort(newestFirst)[0];
  if (copy === undefined) throw new NoRestorePoint(`"${db.name}" has nothing to restore in ${region}: no replica, no replicated automated backups, no verified snapshot copy`);
  return { method: 'snapshot', restorePoint: takenAt(copy) ?? 0, snapshotId: copy.DBSnapshotIdentifier ?? '', snapshotArn: copy.DBSnapshotArn ?? '' };
}

/** Where the database comes up and how validation logs in: the failover section, else the restore test's secondary settings. */
function settingsOf(db: DatabaseResource, index: number) {
  const failover = db.failover;
  const secondary = db.restoreTest?.secondary;
  const credentialsSecret = failover?.credentialsSecret ?? secondary?.credentialsSecret ?? db.pitrTest?.credentialsSecret ?? db.restoreTest?.credentialsSecret;
  if (credentialsSecret === undefined) {
    throw new InvalidInput(`resources.databases[${index}].failover.credentialsSecret`, `"${db.name}": validation needs the credentials secret in the secondary region`);
  }
  const subnetGroup = failover?.subnetGroup ?? secondary?.subnetGroup ?? db.pitrTest?.subnetGroup;
  const securityGroups = failover !== undefined && failover.securityGroups.length > 0 ? failover.securityGroups : (secondary?.securityGroups ?? db.pitrTest?.securityGroups ?? []);
  return { credentialsSecret, subnetGroup, securityGroups: [...securityGroups] };
}

export function planDatabase(policy: Policy, db: DatabaseResource, index: number, facts: DatabaseFacts, run: RunFacts): FailoverDatabase {
  const region = policy.regions.secondary;
  const step = stepName.database(db.name);
  const record = run.records.get(step)?.result as Partial<FailoverDatabase> | undefined;
  const restore: Restore = record?.method !== undefined && record.restorePoint !== undefined ? { method: record.method, restorePoint: record.restorePoint } : chooseRestore(db, run.mode, facts, run.now, region);
  const settings = settingsOf(db, index);
  const promote = restore.method === 'promote';
  const instanceId = promote ? (db.failover?.readReplica ?? '') : run.mode === 'rehearsal' ? rehearsalName(db.name, run.startedAt, policy.timezone, 63) : (db.failover?.instanceId ?? db.instanceId);
  // A rehearsal proves the restore on the restore test's (small) class unless the failover names one.
  const targetClass = db.failover?.instanceClass ?? (run.mode === 'rehearsal' ? db.restoreTest?.instanceClass : undefined);
  const endpointRecord = run.records.get(stepName.endpoint(db.name));
  return {
    runId: run.runId,
    kind: restore.method === 'snapshot' ? 'snapshot' : 'pitr',
    resource: db.name,
    role: 'secondary',
    region,
    ...(restore.snapshotId === undefined ? {} : { snapshotId: restore.snapshotId }),
    ...(restore.snapshotArn === undefined ? {} : { snapshotArn: restore.snapshotArn }),
    ...(restore.automatedBackupsArn === undefined ? {} : { automatedBackupsArn: restore.automatedBackupsArn }),
    restorePoint: restore.restorePoint,
    sourceInstanceId: db.instanceId,
    instanceId,
    // validate-restore never reads the class; "source" says none is asked for.
    instanceClass: targetClass ?? 'source',
    ...(targetClass === undefined ? {} : { targetClass }),
    ...(settings.subnetGroup === undefined ? {} : { subnetGroup: settings.subnetGroup }),
    securityGroups: settings.securityGroups,
    ...(db.restoreTest?.database === undefined ? {} : { database: db.restoreTest.database }),
    credentialsSecret: settings.credentialsSecret,
    plannedAt: run.now,
    waitUntil: run.now + policy.objectives.regionFailover.rto,
    method: restore.method,
    multiAz: db.failover?.multiAz ?? false,
    step,
    done: record !== undefined && record.instance !== undefined,
    hasEndpoint: db.endpoint !== undefined,
    endpointDone: endpointRecord !== undefined,
    // A promoted replica loses what it had not replayed: its lag, which CloudWatch's ReplicaLag reports and DescribeDBInstances does not.
    rpoMs: promote ? null : Math.max(0, run.startedAt - restore.restorePoint),
    rpoTargetMs: policy.objectives.database.rpo,
    rtoTargetMs: policy.objectives.database.rto,
    ...(record?.instance === undefined ? {} : { instance: record.instance }),
  };
}

/** One line per database for the approver: what is restored and the data loss it implies. */
export function databaseSummary(db: FailoverDatabase): string {
  const target = `target ${minutes(db.rpoTargetMs)}`;
  if (db.done) return `already recovered by this run into ${db.instanceId}`;
  if (db.method === 'promote') return `promote the read replica ${db.instanceId}; data loss = its replication lag (${target})`;
  const loss = db.rpoMs === null ? 'unknown' : minutes(db.rpoMs);
  const from = db.method === 'pitr' ? `the replicated automated backups at their latest restorable time ${new Date(db.restorePoint).toISOString()}` : `the verified copy ${db.snapshotId ?? ''} of ${new Date(db.restorePoint).toISOString()}`;
  const over = db.rpoMs !== null && db.rpoMs > db.rpoTargetMs ? ' — OVER the objective' : '';
  return `restore ${from} into ${db.instanceId}; data loss ≈ ${loss} (${target})${over}`;
}
