// Our cache snapshots as ElastiCache lists them: the manual snapshots named like ours (DescribeSnapshots,
// page by page), a snapshot's tags, and whether a name is a backup of a given cache. Shared by the
// functions that export, prune and check them; each decides for itself what it needs of them.

import { DescribeSnapshotsCommand, ListTagsForResourceCommand, type ElastiCacheClient, type Snapshot } from '@aws-sdk/client-elasticache';
import { PREFIX } from '../contracts.js';
import { errorName } from '../errors.js';
import type { CacheResource } from '../policy/schema.js';
import type { AwsTag } from '../tags.js';
import { ofGroup } from './exports.js';
import { backupTime } from './retention.js';

/** Every manual snapshot of the region whose name starts like ours. */
export async function listCacheSnapshots(elasticache: ElastiCacheClient): Promise<Snapshot[]> {
  const found: Snapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await elasticache.send(new DescribeSnapshotsCommand({ SnapshotSource: 'user', ...(marker === undefined ? {} : { Marker: marker }) }));
    for (const snapshot of page.Snapshots ?? []) if (snapshot.SnapshotName?.startsWith(`${PREFIX.snapshot}-`) === true) found.push(snapshot);
    marker = page.Marker;
  } while (marker !== undefined);
  return found;
}

export async function snapshotTags(elasticache: ElastiCacheClient, snapshot: Snapshot): Promise<AwsTag[]> {
  return (await elasticache.send(new ListTagsForResourceCommand({ ResourceName: snapshot.ARN }))).TagList ?? [];
}

/**
 * The cache of the policy a snapshot is a backup of: of its replication group, and named exactly
 * `backup-dr-<cache>-<YYYYMMDD>-<HHmm>` (so "app" never claims "app-redis"'s backups).
 */
export function cacheOf(snapshot: Snapshot, caches: readonly CacheResource[], timeZone: string): CacheResource | undefined {
  return caches.find((cache) => ofGroup(snapshot, cache.replicationGroupId) && isBackupOf(snapshot.SnapshotName ?? '', cache, timeZone));
}

export const isBackupOf = (name: string, cache: Pick<CacheResource, 'name'>, timeZone: string): boolean => backupTime(name, cache.name, timeZone) !== null;

/** Whether our snapshot of this name is available in the client's region (a restore may seed from it). */
export async function snapshotIsAvailable(elasticache: ElastiCacheClient, snapshotName: string): Promise<boolean> {
  try {
    const found = (await elasticache.send(new DescribeSnapshotsCommand({ SnapshotName: snapshotName }))).Snapshots?.[0];
    return found?.SnapshotStatus === 'available';
  } catch (error) {
    if (errorName(error) === 'SnapshotNotFoundFault') return false;
    throw error;
  }
}
