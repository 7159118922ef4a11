// What export-cache-snapshots does with one of our cache snapshots, decided from DescribeSnapshots, its
// tags and whether its export object is in the bucket: export it (CopySnapshot to S3), record an export
// that arrived, wait for one in progress, alert on one that never arrived, or nothing; and how long the
// snapshot took. Pure.

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

/**
 * How long a snapshot of ours took, as this run can tell, from its request (our created-at tag, set by
 * take-cache-snapshot): still being created — the time so far (every run measures it again, so one
 * that runs past its window is seen while it does); first found available, as its export is requested
 * — the time until this run, which is at most one reconcile interval after it finished (ElastiCache
 * reports no completion time: NodeSnapshots' SnapshotCreateTime is when the data set was obtained).
 * Null otherwise: a snapshot seen available again (an export retried after a failure, hours later)
 * would read as a backup that took that long.
 */
export function snapshotDurationMs(facts: Pick<ExportFacts, 'snapshot' | 'tags' | 'now'>, action: ExportAction['action']): number | null {
  const requested = Date.parse(facts.tags[TAG.createdAt] ?? '');
  if (Number.isNaN(requested)) return null;
  const elapsed = Math.max(0, facts.now - requested);
  if (facts.snapshot.SnapshotStatus === 'creating') return elapsed;
  return action === 'export' && elapsed < EXPORT_DEADLINE_MS ? elapsed : null;
}
