// Where a restore test's temporary instance goes and how validation logs in, per region: subnet groups
// and security groups are per region (ids differ), and the credentials secret must be readable in the
// region of the restore (a replica secret keeps its name). The primary's settings are restoreTest's own;
// the secondary's are restoreTest.secondary (snapshot restores) and pitrTest (point-in-time restores).

import type { DatabaseResource } from '../policy/schema.js';

export interface RestoreSettings {
  readonly subnetGroup?: string;
  readonly securityGroups: readonly string[];
  readonly credentialsSecret: string;
}

type RestoreTested = DatabaseResource & { readonly restoreTest: NonNullable<DatabaseResource['restoreTest']> };

/** The settings of a snapshot restore in `role`'s region, or null when the policy gives none for the secondary. */
export function snapshotRestoreSettings(db: RestoreTested, role: 'primary' | 'secondary'): RestoreSettings | null {
  const test = db.restoreTest;
  if (role === 'primary') return { ...(test.subnetGroup === undefined ? {} : { subnetGroup: test.subnetGroup }), securityGroups: test.securityGroups, credentialsSecret: test.credentialsSecret };
  const there = test.secondary;
  if (there === undefined) return null;
  return { ...(there.subnetGroup === undefined ? {} : { subnetGroup: there.subnetGroup }), securityGroups: there.securityGroups, credentialsSecret: there.credentialsSecret ?? test.credentialsSecret };
}

/** The settings of a point-in-time restore (always in the secondary region), or null without pitrTest. */
export function pitrRestoreSettings(db: RestoreTested): RestoreSettings | null {
  const pitr = db.pitrTest;
  if (pitr === undefined) return null;
  const secret = pitr.credentialsSecret ?? db.restoreTest.secondary?.credentialsSecret ?? db.restoreTest.credentialsSecret;
  return { ...(pitr.subnetGroup === undefined ? {} : { subnetGroup: pitr.subnetGroup }), securityGroups: pitr.securityGroups, credentialsSecret: secret };
}

/**
 * A test execution lives at most twice the longest restore wait (the wait, then teardown waiting for a
 * busy instance as long again) plus 2 h (validation, record, notify): the state machine's own timeout.
 * The janitor waits 3 h more than that.
 */
const AFTER_WAITS_MS = 2 * 3_600_000 + 3 * 3_600_000;

/**
 * The age past which a restore-test instance of ours can only be a leak: no execution of the policy's
 * restore or PITR tests lives that long (the state machine's own timeout is the longest wait plus a few
 * hours). The janitor deletes older ones.
 */
export function restoreInstanceMaxAge(policy: { readonly resources: { readonly databases: readonly DatabaseResource[] } }): number {
  const timeouts = policy.resources.databases.flatMap((db) => (db.restoreTest === undefined ? [] : [db.restoreTest.timeout]));
  return 2 * Math.max(3 * 3_600_000, ...timeouts) + AFTER_WAITS_MS;
}
