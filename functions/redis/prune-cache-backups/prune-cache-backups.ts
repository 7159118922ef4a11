// Prunes one region's cache backups by the policy's retention (shared/redis/retention.ts): in the primary
// the ElastiCache snapshots of ours and their export objects, in the secondary the replicated exports.
// The other region is read first (verified exports, legal holds); if it cannot be read, nothing is
// deleted. Deleting an export object leaves a delete marker: the superseded version stays for the export
// bucket's noncurrent-version lifecycle (7 days), so a mistaken prune can still be undone. Dry run only
// reports. A snapshot or object already gone is not an error (a retried run).

import { DeleteSnapshotCommand, DescribeSnapshotsCommand, ListTagsForResourceCommand, type ElastiCacheClient, type Snapshot } from '@aws-sdk/client-elasticache';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { EXPORT_TAG, OWNER_VALUE, PREFIX } from '../../../shared/contracts.js';
import { errorMessage, errorName, RetentionRefused, RunFailed } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { exportSets, objectTags, type Bucket } from '../../../shared/redis/export-objects.js';
import { isWhole, ofGroup } from '../../../shared/redis/exports.js';
import { planCachePrune, type CacheBackup } from '../../../shared/redis/retention.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface PruneCacheDeps {
  readonly policy: Policy;
  readonly role: 'primary' | 'secondary';
  /** ElastiCache of the primary region: its snapshots are pruned there, and read for legal holds from the secondary. */
  readonly elasticache: ElastiCacheClient;
  readonly own: Bucket;
  readonly other: Bucket;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface CachePruneDecision {
  readonly resource: string;
  readonly deleted: readonly string[];
  readonly wouldDelete: readonly string[];
  readonly kept: readonly { readonly id: string; readonly reasons: readonly string[]; readonly guards: readonly string[] }[];
}

interface ObjectInfo {
  /** The .rdb objects and the marker, when there is one: what a deletion removes. */
  readonly keys: string[];
  readonly tags: string[];
  /** Whole (the marker and every node group it names) and every part carrying `verifiedTag`. */
  readonly verified: boolean;
}

const tagStrings = (tags: Record<string, string>): string[] => Object.entries(tags).map(([key, value]) => (value === '' ? key : `${key}=${value}`));
const isHold = (tags: readonly string[], holdKey: string): boolean => tags.some((t) => (t.includes('=') ? t.slice(0, t.indexOf('=')) : t).toLowerCase() === holdKey.toLowerCase());

/** A bucket's exports by snapshot name: keys, all their parts' tags, whether whole and verified (`verifiedTag`). */
async function objectsByName(bucket: Bucket, verifiedTag: string): Promise<Map<string, ObjectInfo>> {
  const byName = new Map<string, ObjectInfo>();
  for (const [name, set] of await exportSets(bucket)) {
    const tags: string[] = [];
    let verified = isWhole(set);
    for (const key of set.keys) {
      const own = await objectTags(bucket, key);
      tags.push(...tagStrings(own));
      verified &&= own[verifiedTag] !== undefined;
    }
    byName.set(name, { keys: [...set.keys, ...(set.markerKey === null ? [] : [set.markerKey])], tags, verified });
  }
  return byName;
}

/** Our snapshots of the policy's caches, with their tags (DescribeSnapshots page by page, then ListTagsForResource). */
async function ourSnapshots(deps: PruneCacheDeps): Promise<Map<string, { snapshot: Snapshot; tags: string[] }>> {
  const found = new Map<string, { snapshot: Snapshot; tags: string[] }>();
  let marker: string | undefined;
  do {
    const page = await deps.elasticache.send(new DescribeSnapshotsCommand({ SnapshotSource: 'user', ...(marker === undefined ? {} : { Marker: marker }) }));
    for (const snapshot of page.Snapshots ?? []) {
      if (!deps.policy.resources.caches.some((c) => ofGroup(snapshot, c.replicationGroupId)) || snapshot.SnapshotName?.startsWith(`${PREFIX.snapshot}-`) !== true) continue;
      const { TagList } = await deps.elasticache.send(new ListTagsForResourceCommand({ ResourceName: snapshot.ARN }));
      const tags = Object.fromEntries((TagList ?? []).map((t): [string, string] => [t.Key ?? '', t.Value ?? '']));
      if (tags[deps.policy.tags.owner] === OWNER_VALUE) found.set(snapshot.SnapshotName, { snapshot, tags: tagStrings(tags) });
    }
    marker = page.Marker;
  } while (marker !== undefined);
  return found;
}

export async function pruneCacheBackups(deps: PruneCacheDeps): Promise<CachePruneDecision[]> {
  const { policy } = deps;
  const secondary = policy.regions.secondary;
  const hold = policy.tags.legalHold;
  // Everything is read before anything is deleted: the other region first.
  const [primaryBucket, secondaryBucket] = deps.role === 'primary' ? [deps.own, deps.other] : [deps.other, deps.own];
  const secondaryObjects = await objectsByName(secondaryBucket, EXPORT_TAG.verifiedIn(secondary));
  const primaryObjects = await objectsByName(primaryBucket, EXPORT_TAG.verifiedIn(secondary));
  const snapshots = await ourSnapshots(deps);
  const decisions: CachePruneDecision[] = [];
  const failures: { resource: string; error: string }[] = [];
  for (const cache of policy.resources.caches) {
    const prefix = `${PREFIX.snapshot}-${cache.name}-`;
    const backups: CacheBackup[] = [];
    const heldElsewhere = new Set<string>();
    if (deps.role === 'primary') {
      const names = new Set([...snapshots.keys(), ...primaryObjects.keys()].filter((n) => n.startsWith(prefix)));
      for (const name of names) {
        const snapshot = snapshots.get(name);
        const objects = primaryObjects.get(name);
        const replica = secondaryObjects.get(name);
        backups.push({
          name,
          ...(snapshot === undefined ? {} : { snapshotStatus: snapshot.snapshot.SnapshotStatus ?? 'unknown' }),
          keys: objects?.keys ?? [],
          tags: [...(snapshot?.tags ?? []), ...(objects?.tags ?? [])],
          verifiedInSecondary: replica?.verified === true,
          replicaPresent: replica !== undefined,
        });
        if (replica !== undefined && isHold(replica.tags, hold)) heldElsewhere.add(name);
      }
    } else {
      for (const [name, objects] of secondaryObjects) {
        if (!name.startsWith(prefix)) continue;
        backups.push({ name, keys: objects.keys, tags: objects.tags, verifiedInSecondary: objects.verified, replicaPresent: true });
        const source = [...(snapshots.get(name)?.tags ?? []), ...(primaryObjects.get(name)?.tags ?? [])];
        if (isHold(source, hold)) heldElsewhere.add(name);
      }
    }
    try {
      decisions.push(await pruneCache(deps, cache, backups, heldElsewhere));
    } catch (error) {
      failures.push({ resource: cache.name, error: errorName(error) });
      deps.log.error('cache prune failed', { resource: cache.name, region: deps.own.region, error: errorName(error), message: errorMessage(error) });
      await deps.alerts.publish(pruneFailureAlert(cache.name, deps.own.region, error, deps.now()));
    }
  }
  if (failures.length > 0) throw new RunFailed(`cache prune failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  return decisions;
}

async function pruneCache(deps: PruneCacheDeps, cache: CacheResource, backups: CacheBackup[], heldElsewhere: Set<string>): Promise<CachePruneDecision> {
  const plan = planCachePrune({ policy: deps.policy, role: deps.role, cache, backups, heldElsewhere, now: deps.now() });
  const kept = plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons, guards: k.guards }));
  if (deps.policy.dryRun) {
    for (const r of plan.remove) deps.log.info('dry run: would delete cache backup', { resource: cache.name, region: deps.own.region, backup: r.snapshot.id, reason: r.reasons.join('; ') });
    return { resource: cache.name, deleted: [], wouldDelete: plan.remove.map((r) => r.snapshot.id), kept };
  }
  const deleted: string[] = [];
  for (const { snapshot: candidate, reasons } of plan.remove) {
    const backup = candidate.backup;
    if (deps.role === 'primary' && backup.snapshotStatus !== undefined) {
      try {
        await deps.elasticache.send(new DeleteSnapshotCommand({ SnapshotName: backup.name }));
      } catch (error) {
        if (errorName(error) !== 'SnapshotNotFoundFault') throw error;
      }
    }
    for (const key of backup.keys) await deps.own.s3.send(new DeleteObjectCommand({ Bucket: deps.own.bucket, Key: key }));
    deps.log.info('deleted cache backup', { resource: cache.name, region: deps.own.region, backup: backup.name, objects: backup.keys.length, reason: reasons.join('; ') });
    deleted.push(backup.name);
  }
  return { resource: cache.name, deleted, wouldDelete: [], kept };
}

function pruneFailureAlert(resource: string, region: string, error: unknown, now: number): Alert {
  const refused = error instanceof RetentionRefused;
  return {
    severity: 'critical',
    kind: refused ? 'prune-refused' : 'prune-failed',
    resource,
    region,
    summary: refused ? `cache prune refused: ${errorMessage(error)}` : `cache prune failed: ${errorName(error)}`,
    action: refused
      ? 'Nothing was deleted. Fix the retention of this cache in backup-policy.yml (npx backup-dr policy check) and redeploy.'
      : 'Nothing more was deleted for this cache. Read the prune-cache-backups logs; the next run retries. Watch the snapshot quota meanwhile.',
    source: 'prune-cache-backups',
    at: now,
    details: { error: errorName(error), message: errorMessage(error).slice(0, 500) },
  };
}
