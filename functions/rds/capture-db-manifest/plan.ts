// What a capture run decides, pure: which databases get a manifest before their snapshot (those with a
// restore test: only those are ever compared with one), which database a snapshot event is about, which
// recent snapshots still lack the manifest after them, and what to tell a person when a capture fails.

import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { PREFIX, TAG, TIER } from '../../../shared/contracts.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import type { ScheduledRun } from '../../../shared/rds/events.js';
import { snapshotId } from '../../../shared/rds/naming.js';
import { takenAt, tierOf } from '../../../shared/rds/snapshots.js';
import { isOwned, tagValue } from '../../../shared/tags.js';

export type RestoreTested = DatabaseResource & { readonly restoreTest: NonNullable<DatabaseResource['restoreTest']> };

export interface ManifestTarget {
  readonly db: RestoreTested;
  readonly snapshotId: string;
}

const restoreTested = (db: DatabaseResource): db is RestoreTested => db.restoreTest !== undefined;

export function manifestTargets(run: ScheduledRun, timeZone: string): ManifestTarget[] {
  return run.databases.filter(restoreTested).map((db) => ({ db, snapshotId: snapshotId(db.name, run.scheduledAt, timeZone) }));
}

/** The restore-tested database a snapshot id of ours belongs to ("backup-dr-<name>-<yyyymmdd>-<hhmm>"), or null. */
export function databaseOfSnapshot(policy: Policy, id: string): RestoreTested | null {
  for (const db of policy.resources.databases.filter(restoreTested)) {
    const prefix = `${PREFIX.snapshot}-${db.name}-`;
    if (id.startsWith(prefix) && /^\d{8}-\d{4}$/.test(id.slice(prefix.length))) return db;
  }
  return null;
}

/** How long after a snapshot the fallback schedule still captures a missing "after" manifest for it. */
export const AFTER_CAPTURE_WINDOW_MS = 3 * 3_600_000;

/** Why a snapshot cannot have a manifest captured after it now (null: it can): ours, an original of `db`, available. */
export function afterCaptureRefusal(policy: Policy, db: DatabaseResource, snapshot: DBSnapshot): string | null {
  const id = snapshot.DBSnapshotIdentifier ?? '(no id)';
  if (!isOwned(snapshot.TagList, policy.tags.owner, policy.name) || tagValue(snapshot.TagList, TAG.resource) !== db.name || tierOf(snapshot) !== TIER.primary) {
    return `snapshot ${id} is not one of ours of ${db.name}`;
  }
  if (snapshot.Status !== 'available') return `snapshot ${id} is ${snapshot.Status ?? 'in an unknown state'}, not available yet: a capture now might precede the data it holds`;
  return null;
}

/** The snapshots of `db` a fallback run looks at: ours, available, taken within the window before `now`. */
export function recentSnapshots(policy: Policy, db: DatabaseResource, snapshots: readonly DBSnapshot[], now: number): DBSnapshot[] {
  return snapshots.filter((s) => {
    const at = takenAt(s);
    return afterCaptureRefusal(policy, db, s) === null && at !== null && at <= now && now - at <= AFTER_CAPTURE_WINDOW_MS;
  });
}

/** The warning when a manifest could not be captured: the snapshot is fine, its restore test will know less. */
export function manifestFailedAlert(policy: Policy, db: DatabaseResource, id: string, phase: 'before' | 'after', error: { name: string; message: string }, at: number): Alert {
  const consequence =
    phase === 'before'
      ? 'The snapshot itself is not affected, but its restore test has no capture from just before it: it is judged against the capture after it alone, or is inconclusive when there is none.'
      : 'The snapshot itself is not affected, but its restore test has no capture from after it: it is judged against the capture before it alone (rows written while the snapshot started may then show as differences). Re-run capture-db-manifest with {"after": "' + id + '"} once the cause is fixed.';
  return {
    severity: 'warning',
    kind: 'manifest-failed',
    resource: db.name,
    region: policy.regions.primary,
    summary: `could not capture the manifest ${phase} snapshot ${id}: ${error.name}`,
    action: `${consequence} Check the VPC access and the credentials secret of capture-db-manifest.`,
    source: 'capture-db-manifest',
    at,
    details: { snapshotId: id, phase, message: error.message.slice(0, 300) },
  };
}
