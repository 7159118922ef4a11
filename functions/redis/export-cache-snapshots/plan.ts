// What export-cache-snapshots does with one of our cache snapshots, decided from DescribeSnapshots, its
// tags and whether its export object is in the bucket: export it (CopySnapshot to S3), record an export
// that arrived, wait for one in progress, alert on one that never arrived, or nothing. Pure.

import type { Snapshot } from '@aws-sdk/client-elasticache';
import { TAG } from '../../../shared/contracts.js';

/** An export normally lands within minutes; one not there after this has failed. */
export const EXPORT_DEADLINE_MS = 6 * 3_600_000;

export type ExportAction =
  | { readonly action: 'export' }
  | { readonly action: 'record-exported' }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'fail'; readonly reason: string }
  | { readonly action: 'skip'; readonly reason: string };

export interface ExportFacts {
  readonly snapshot: Snapshot;
  readonly tags: Readonly<Record<string, string>>;
  /** Every node group's object (`<name>-0001.rdb` … `-<NumNodeGroups>.rdb`) is in the bucket. */
  readonly objectExists: boolean;
  /** When the snapshot's run was scheduled (from its name), null when unreadable. */
  readonly takenAt: number | null;
  readonly now: number;
}

export function exportAction({ snapshot, tags, objectExists, takenAt, now }: ExportFacts): ExportAction {
  const name = snapshot.SnapshotName ?? '(unnamed)';
  if (tags[TAG.exportedAt] !== undefined) return { action: 'skip', reason: `exported already (${tags[TAG.exportedAt]})` };
  if (tags[TAG.exportFailed] !== undefined) return { action: 'skip', reason: `export failed already and was alerted (${tags[TAG.exportFailed]})` };
  if (objectExists) return { action: 'record-exported' };
  if (snapshot.DataTiering === 'enabled') return { action: 'fail', reason: `snapshot ${name} is of a data-tiering cluster, which ElastiCache cannot export to S3` };
  const requested = tags[TAG.exportRequestedAt];
  if (requested !== undefined) {
    const age = now - Date.parse(requested);
    if (age < EXPORT_DEADLINE_MS) return { action: 'wait', reason: `export requested ${Math.round(age / 60_000)} min ago` };
    return { action: 'fail', reason: `export of ${name} requested at ${requested} has not arrived after ${Math.round(age / 3_600_000)} h` };
  }
  if (snapshot.SnapshotStatus !== 'available') {
    // A snapshot that never becomes available is never exported: past the deadline that is a failure.
    if (takenAt !== null && now - takenAt >= EXPORT_DEADLINE_MS) return { action: 'fail', reason: `snapshot ${name} is still ${snapshot.SnapshotStatus ?? 'in an unknown state'} ${Math.round((now - takenAt) / 3_600_000)} h after its run` };
    return { action: 'wait', reason: `snapshot ${name} is ${snapshot.SnapshotStatus ?? 'in an unknown state'}` };
  }
  return { action: 'export' };
}
