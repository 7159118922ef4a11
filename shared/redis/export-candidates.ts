// The exports of one cache in a region's export bucket that could seed a group: each with its .rdb
// objects in node-group order, whether it is whole, and whether every object carries this region's
// verified mark for its current version (tags are read only of whole exports: nothing else can seed).
// Shared by the cache restore test's plan and region-failover's assess.

import type { CacheResource } from '../policy/schema.js';
import { isVerifiedHere, type Bucket, exportSets } from './export-objects.js';
import { isWhole, parseExportKey } from './exports.js';
import { backupTime } from './retention.js';
import { isBackupOf } from './snapshots.js';

/** One export of the cache in the bucket, as a plan judges it. */
export interface ExportCandidate {
  readonly snapshotName: string;
  /** Its .rdb objects, in node-group order. */
  readonly keys: readonly string[];
  /** Whole (its marker and every node group) and verified here. */
  readonly whole: boolean;
  readonly verified: boolean;
}

export async function exportCandidates(side: Bucket, cache: Pick<CacheResource, 'name' | 'replicationGroupId'>, timeZone: string, verifiedTag: string): Promise<ExportCandidate[]> {
  const candidates: ExportCandidate[] = [];
  for (const [snapshotName, set] of await exportSets(side)) {
    if (!isBackupOf(snapshotName, cache, timeZone)) continue;
    const whole = isWhole(set);
    let verified = whole;
    for (const key of whole ? set.keys : []) verified &&= await isVerifiedHere(side, key, verifiedTag);
    const keys = [...set.keys].sort((a, b) => Number(parseExportKey(a)?.part) - Number(parseExportKey(b)?.part));
    candidates.push({ snapshotName, keys, whole, verified });
  }
  return candidates;
}

/** The newest whole, verified export with when it was taken (ms), or null. */
export function newestVerified(candidates: readonly ExportCandidate[], cacheName: string, timeZone: string): (ExportCandidate & { readonly takenAt: number }) | null {
  const dated = candidates.flatMap((e) => {
    const takenAt = backupTime(e.snapshotName, cacheName, timeZone);
    return takenAt === null || !e.whole || !e.verified ? [] : [{ ...e, takenAt }];
  });
  return dated.sort((a, b) => b.takenAt - a.takenAt)[0] ?? null;
}
