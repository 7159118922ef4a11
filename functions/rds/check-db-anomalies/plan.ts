// Anomalies between consecutive backups, pure: compares the manifest captured with each new snapshot
// with the one before it — a table gone, a table that lost more than the policy's share of its rows, an
// append-only table that lost or rewrote rows, a schema object (index, constraint, function …) gone —
// and decides which backups to quarantine: every snapshot of the database (and its copy) taken before the
// anomaly, so that retention cannot age out the last good backup while a person looks. This is the
// policy's "data corruption" and "security breach" detection: it runs on what each backup recorded, before
// anyone restores anything.

import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { TAG } from '../../../shared/contracts.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import type { SourceManifest, TableContent } from '../../../shared/rds/postgres/types.js';
import { isBackupTier, takenAt } from '../../../shared/rds/snapshots.js';
import { tagValue } from '../../../shared/tags.js';

export interface Anomaly {
  /** `table-gone`, `table-shrunk`, `append-only-changed`, `schema-object-gone`. */
  readonly check: string;
  readonly table: string;
  readonly detail: string;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

const MAX_OBJECT_DETAILS = 20;

/** Buckets of the same key range in both captures whose rows both captures hold in full: they must hash the same in an append-only table. */
function changedAppendOnlyBuckets(before: TableContent | undefined, after: TableContent | undefined): string[] {
  if (before?.mode !== 'key' || after?.mode !== 'key' || before.column !== after.column) return [];
  const changed: string[] = [];
  const last = before.bounds.length - 1;
  for (const [index, hashed] of Object.entries(before.buckets)) {
    const i = Number(index);
    // The last bucket of the earlier capture is open up to its max: later rows land in it. Skip it.
    if (i >= last) continue;
    const lower = before.bounds[i];
    const upper = before.bounds[i + 1];
    const j = after.bounds.indexOf(lower ?? '');
    if (j === -1 || after.bounds[j + 1] !== upper) continue;
    const other = after.buckets[String(j)];
    if (other !== undefined && (other.rows !== hashed.rows || other.hash !== hashed.hash)) changed.push(`${before.column} [${lower}, ${upper})`);
  }
  return changed;
}

/** What changed from `before` to `after` that no ordinary day of an application does. */
export function compareManifests(before: SourceManifest, after: SourceManifest, settings: DatabaseResource['anomalies']): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const appendOnly = new Set([...(before.content?.appendOnly ?? []), ...(after.content?.appendOnly ?? [])]);
  for (const [table, was] of Object.entries(before.tables).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const now = after.tables[table];
    if (now === undefined) {
      anomalies.push({ check: 'table-gone', table, detail: `${table} (${was} rows) is gone` });
      continue;
    }
    if (appendOnly.has(table)) {
      // Rows of an append-only table (payments, ledgers, audit logs) are never deleted or rewritten.
      if (now < was) anomalies.push({ check: 'append-only-changed', table, detail: `append-only ${table} lost ${was - now} row(s) (${was} → ${now})` });
      const changed = changedAppendOnlyBuckets(before.content?.tables[table], after.content?.tables[table]);
      if (changed.length > 0) anomalies.push({ check: 'append-only-changed', table, detail: `append-only ${table}: rows changed in ${changed.length} key range(s) written before (${changed.slice(0, 3).join('; ')})` });
      continue;
    }
    if (was < settings.minRows) continue;
    const lost = (was - now) / was;
    if (lost > settings.shrinkRatio) anomalies.push({ check: 'table-shrunk', table, detail: `${table} lost ${percent(lost)} of its rows (${was} → ${now}; limit ${percent(settings.shrinkRatio)})` });
  }
  // Schema objects gone (an index, a constraint, a function, a trigger, a view …): tables are judged above.
  if (before.schema !== undefined && after.schema !== undefined && before.schema.digest !== after.schema.digest) {
    const gone = Object.keys(before.schema.objects)
      .filter((object) => !(object in (after.schema?.objects ?? {})))
      // Tables (and the columns of a table that is gone) are judged above.
      .filter((object) => !object.startsWith('table ') && !Object.keys(before.tables).some((t) => !(t in after.tables) && object.startsWith(`column ${t}.`)))
      .sort();
    for (const object of gone.slice(0, MAX_OBJECT_DETAILS)) anomalies.push({ check: 'schema-object-gone', table: object, detail: `${object} is gone` });
    if (gone.length > MAX_OBJECT_DETAILS) anomalies.push({ check: 'schema-object-gone', table: '', detail: `and ${gone.length - MAX_OBJECT_DETAILS} more schema objects are gone` });
  }
  return anomalies;
}

/**
 * The snapshots to quarantine for an anomaly first seen in the manifest of `anomalyAt` (epoch ms of its
 * capture): every snapshot of ours of the database — originals and copies — taken before it, not yet
 * quarantined. A snapshot whose time is unknown is quarantined too (it might be the good one). Not a
 * replaced instance's final snapshot (tier final): no retention prunes it, and tagging it is refused.
 */
export function quarantineTargets(db: DatabaseResource, owned: readonly DBSnapshot[], anomalyAt: number): DBSnapshot[] {
  return owned.filter((s) => {
    if (tagValue(s.TagList, TAG.resource) !== db.name || !isBackupTier(s) || tagValue(s.TagList, TAG.quarantine) !== undefined) return false;
    const at = takenAt(s);
    return at === null || at < anomalyAt;
  });
}

/** Our snapshots of the database that carry the quarantine tag (what a release clears). */
export function quarantined(db: DatabaseResource, owned: readonly DBSnapshot[]): DBSnapshot[] {
  return owned.filter((s) => tagValue(s.TagList, TAG.resource) === db.name && tagValue(s.TagList, TAG.quarantine) !== undefined);
}

export function anomalyAlert(policy: Policy, db: DatabaseResource, snapshotId: string, previousId: string, anomalies: readonly Anomaly[], quarantinedCount: number, now: number): Alert {
  return {
    severity: 'critical',
    kind: 'backup-anomaly',
    resource: db.name,
    region: policy.regions.primary,
    summary: `anomaly in the backup ${snapshotId}: ${anomalies[0]?.detail ?? ''}${anomalies.length > 1 ? ` (and ${anomalies.length - 1} more)` : ''}`,
    action:
      `Compare with ${previousId} — a deletion, a corruption or a breach shows here before anyone restores. ${quarantinedCount} earlier snapshot(s) of ${db.name} ` +
      'are quarantined (tag backup-dr:quarantine): prune keeps them in both regions until you release them with ' +
      `aws lambda invoke --function-name <stage's check-db-anomalies> --payload '{"release":{"resource":"${db.name}","reason":"…"}}' out.json`,
    source: 'check-db-anomalies',
    at: now,
    details: { snapshot: snapshotId, previous: previousId, anomalies: anomalies.map((a) => a.detail).join(' | ').slice(0, 1500), quarantined: quarantinedCount },
  };
}

export function releaseAlert(policy: Policy, db: DatabaseResource, released: number, reason: string, now: number): Alert {
  return {
    severity: 'warning',
    kind: 'quarantine-released',
    resource: db.name,
    region: policy.regions.primary,
    summary: `quarantine of ${released} snapshot(s) of ${db.name} released: ${reason}`.slice(0, 300),
    action: 'Nothing to do if you released it: retention applies to these snapshots again from the next prune run.',
    source: 'check-db-anomalies',
    at: now,
    details: { released, reason: reason.slice(0, 500) },
  };
}
