// Plans a restore test, pure: checks the request (the execution input, by schema, then against the
// policy), picks what to restore — the newest verified snapshot, a named one, a random verified one
// from the last 30 days, or (PITR) a point in time inside the replicated automated backups' window —
// names the temporary instance deterministically, and sets when waiting for it ends.

import type { DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { TAG, TIER } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { restorableBackups } from '../../../shared/rds/automated-backups.js';
import { NoRestorePoint } from '../../../shared/rds/errors.js';
import { restoreInstanceId } from '../../../shared/rds/naming.js';
import { pitrRestoreSettings, snapshotRestoreSettings, type RestoreSettings } from '../../../shared/rds/restore-settings.js';
import type { RestoreKind, RestorePlan } from '../../../shared/rds/restore-run.js';
import { copySourceArn, isVerified, newestFirst, takenAt, tierOf } from '../../../shared/rds/snapshots.js';
import { isoInstant, nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { tagValue } from '../../../shared/tags.js';

const DAY = 86_400_000;

/** What an operator may start each kind of test with (console "Start execution" input). */
export const executionInput = {
  snapshot: strictInput({
    resource: z.optional(nonEmptyString),
    snapshot: z.optional(nonEmptyString),
    region: z.optional(z.enum(['primary', 'secondary'], { error: 'must be "primary" or "secondary"' })),
  }),
  pitr: strictInput({ resource: z.optional(nonEmptyString), restoreTo: z.optional(isoInstant) }),
} as const;

export type RestoreTested = DatabaseResource & { readonly restoreTest: NonNullable<DatabaseResource['restoreTest']> };

/** The database the request names (default: the policy's first), which must have the settings its kind needs. */
export function resourceFor(policy: Policy, name: string | undefined, kind: RestoreKind): RestoreTested {
  const databases = policy.resources.databases;
  const chosen = name === undefined ? databases[0] : databases.find((d) => d.name === name);
  if (chosen === undefined) {
    throw new InvalidInput('resource', name === undefined ? 'the policy protects no database' : `no database "${name}" in the policy (known: ${databases.map((d) => d.name).join(', ')})`);
  }
  if (chosen.restoreTest === undefined) throw new InvalidInput('resource', `"${chosen.name}" has no restoreTest settings in the policy`);
  if (kind === 'pitr' && chosen.pitrTest === undefined) throw new InvalidInput('resource', `"${chosen.name}" has no pitrTest settings in the policy`);
  return { ...chosen, restoreTest: chosen.restoreTest };
}

export interface SnapshotChoice {
  readonly wanted: string;
  /** Our available snapshots in the region restored in (primary: originals; secondary: copies). */
  readonly here: readonly DBSnapshot[];
  /** Our copies in the secondary region (to know which are verified). */
  readonly copies: readonly DBSnapshot[];
  readonly now: number;
  /** Uniform in [0, 1): which snapshot "random-within-30d" picks. */
  readonly random: number;
}

/** The snapshot to restore in `role`'s region. `latest` and `random-within-30d` take only verified ones. */
export function pickSnapshot(db: DatabaseResource, role: 'primary' | 'secondary', choice: SnapshotChoice): DBSnapshot {
  const { wanted } = choice;
  // A restore point is a known time: a snapshot whose time RDS does not report is never picked.
  const ofDb = (list: readonly DBSnapshot[], tier: string) => list.filter((s) => tagValue(s.TagList, TAG.resource) === db.name && tierOf(s) === tier && s.Status === 'available' && takenAt(s) !== null);
  const copies = ofDb(choice.copies, TIER.copy);
  const verifiedCopies = copies.filter(isVerified);
  const onlyVerified = wanted === 'latest' || wanted === 'random-within-30d';
  let candidates: DBSnapshot[];
  if (role === 'secondary') {
    candidates = onlyVerified ? verifiedCopies : copies;
  } else {
    const primaries = ofDb(choice.here, TIER.primary);
    const verifiedSources = new Set(verifiedCopies.map(copySourceArn));
    candidates = onlyVerified ? primaries.filter((s) => verifiedSources.has(s.DBSnapshotArn)) : primaries;
  }
  candidates.sort(newestFirst);
  if (wanted === 'latest') {
    const newest = candidates[0];
    if (newest === undefined) throw new NoRestorePoint(`no verified snapshot of "${db.name}" in the ${role} region to restore`);
    return newest;
  }
  if (wanted === 'random-within-30d') {
    const recent = candidates.filter((s) => (takenAt(s) ?? 0) >= choice.now - 30 * DAY);
    const pick = recent[Math.min(recent.length - 1, Math.floor(choice.random * recent.length))];
    if (pick === undefined) throw new NoRestorePoint(`no verified snapshot of "${db.name}" from the last 30 days in the ${role} region`);
    return pick;
  }
  const named = candidates.find((s) => s.DBSnapshotIdentifier === wanted || s.DBSnapshotArn === wanted);
  if (named === undefined) throw new InvalidInput('snapshot', `no available snapshot of ours named "${wanted}" for "${db.name}" in the ${role} region`);
  return named;
}

/** The region a snapshot test restores in: the request's, which must be the region its state machine runs in. */
export function restoreRole(policy: Policy, requested: 'primary' | 'secondary' | undefined, here: 'primary' | 'secondary'): 'primary' | 'secondary' {
  const role = requested ?? here;
  if (role !== here) {
    throw new InvalidInput('region', `this is the ${here} region's restore-test: start the restore-test state machine in ${policy.regions[role]} to restore there`);
  }
  return role;
}

/** What every plan says, whatever it restores, in the region its settings are for. */
function basePlan(policy: Policy, db: RestoreTested, kind: RestoreKind, settings: RestoreSettings, now: number) {
  const test = db.restoreTest;
  const instanceId = restoreInstanceId(kind, db.name, now, policy.timezone);
  return {
    runId: instanceId,
    instanceId,
    kind,
    resource: db.name,
    sourceInstanceId: db.instanceId,
    instanceClass: test.instanceClass,
    ...(test.database === undefined ? {} : { database: test.database }),
    credentialsSecret: settings.credentialsSecret,
    ...(settings.subnetGroup === undefined ? {} : { subnetGroup: settings.subnetGroup }),
    securityGroups: [...settings.securityGroups],
    plannedAt: now,
    waitUntil: now + test.timeout,
  };
}

export function snapshotPlan(policy: Policy, db: RestoreTested, role: 'primary' | 'secondary', snapshot: DBSnapshot, now: number): RestorePlan {
  const settings = snapshotRestoreSettings(db, role);
  if (settings === null) {
    throw new InvalidInput('region', `"${db.name}" has no restoreTest.secondary in the policy: a restore in ${policy.regions[role]} needs its subnet group, security groups and credentials secret there`);
  }
  return {
    ...basePlan(policy, db, 'snapshot', settings, now),
    role,
    region: policy.regions[role],
    snapshotId: snapshot.DBSnapshotIdentifier ?? '',
    snapshotArn: snapshot.DBSnapshotArn ?? '',
    restorePoint: takenAt(snapshot) ?? plannedTimeUnknown(snapshot),
  };
}

function plannedTimeUnknown(snapshot: DBSnapshot): never {
  throw new NoRestorePoint(`RDS reports no creation time for ${snapshot.DBSnapshotIdentifier ?? 'the snapshot'}: it cannot be a measured restore point`);
}

/** A point-in-time plan inside the replicated backups' restore window (default: now − pitrTest.restoreTo). */
export function pitrPlan(policy: Policy, db: RestoreTested, requested: number | undefined, replicated: readonly DBInstanceAutomatedBackup[], now: number): RestorePlan {
  const pitr = db.pitrTest;
  const settings = pitrRestoreSettings(db);
  if (pitr === undefined || settings === null) throw new InvalidInput('resource', `"${db.name}" has no pitrTest settings in the policy`);
  const restorePoint = requested ?? now - pitr.restoreTo;
  // The replicated backups with the latest restorable time (replicating; or retained once the source is gone).
  const active = restorableBackups(replicated).sort((a, b) => (b.RestoreWindow?.LatestTime?.getTime() ?? 0) - (a.RestoreWindow?.LatestTime?.getTime() ?? 0))[0];
  if (active?.DBInstanceAutomatedBackupsArn === undefined) throw new NoRestorePoint(`automated backups of ${db.instanceId} are not replicated to ${policy.regions.secondary}`);
  const latest = active.RestoreWindow?.LatestTime?.getTime() ?? 0;
  const earliest = active.RestoreWindow?.EarliestTime?.getTime() ?? Number.POSITIVE_INFINITY;
  if (restorePoint > latest) {
    throw new NoRestorePoint(
      `cannot restore to ${new Date(restorePoint).toISOString()}: the replicated backups reach only ${new Date(latest).toISOString()} (${Math.round((now - latest) / 60_000)} min behind; RPO target ${Math.round(policy.objectives.database.rpo / 60_000)} min)`,
    );
  }
  if (restorePoint < earliest) throw new NoRestorePoint(`cannot restore to ${new Date(restorePoint).toISOString()}: earlier than the restore window`);
  return {
    ...basePlan(policy, db, 'pitr', settings, now),
    role: 'secondary',
    region: policy.regions.secondary,
    automatedBackupsArn: active.DBInstanceAutomatedBackupsArn,
    restorePoint,
  };
}

