// Which manifests a run captures, pure: one per database of the run that has a restore test (only those
// are ever compared with one), keyed by the id its snapshot gets for the same scheduled time.

import type { DatabaseResource } from '../../../shared/policy/schema.js';
import type { ScheduledRun } from '../../../shared/rds/events.js';
import { snapshotId } from '../../../shared/rds/naming.js';

export interface ManifestTarget {
  readonly db: DatabaseResource & { readonly restoreTest: NonNullable<DatabaseResource['restoreTest']> };
  readonly snapshotId: string;
}

export function manifestTargets(run: ScheduledRun, timeZone: string): ManifestTarget[] {
  return run.databases.flatMap((db) => (db.restoreTest === undefined ? [] : [{ db: { ...db, restoreTest: db.restoreTest }, snapshotId: snapshotId(db.name, run.scheduledAt, timeZone) }]));
}
