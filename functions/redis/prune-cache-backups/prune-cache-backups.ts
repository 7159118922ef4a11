// Prunes one region's cache backups by the policy's retention (shared/redis/retention.ts): in the primary
// the ElastiCache snapshots of ours and their export objects, in the secondary the replicated exports.
// The other region is read first (verified exports, legal holds); if it cannot be read, nothing is
// deleted. Deleting an export object leaves a delete marker: the superseded version stays for the export
// bucket's noncurrent-version lifecycle (7 days), so a mistaken prune can still be undone. Dry run only
// reports. A snapshot or object already gone is not an error (a retried run).

import { DeleteSnapshotCommand, type ElastiCacheClient, type Snapshot } from '@aws-sdk/client-elasticache';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { pruneFailureAlert } from '../../../shared/alerts/prune.js';
import { EXPORT_TAG, OWNER_VALUE } from '../../../shared/contracts.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { exportStates, type Bucket } from '../../../shared/redis/export-objects.js';
import { planCachePrune, type CacheBackup } from '../../../shared/redis/retention.js';
import { cacheOf, isBackupOf, listCacheSnapshots, snapshotTags } from '../../../shared/redis/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isUnderHold, tagStrings, tagValue, type AwsTag } from '../../../shared/tags.js';

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

export async function pruneCacheBackups(deps: PruneCacheDeps): Promise<CachePruneDecision[]> {
  const { policy } = deps;
  const secondary = policy.regions.secondary;
  const hold = policy.tags.legalHold;
  // Everything is read before anything is deleted: the other region first.
  const [primaryBucket, secondaryBucket] = deps.role === 'primary' ? [deps.own, deps.other] : [deps.other, deps.own];
  const secondaryObjects = await exportStates(secondaryBucket, EXPORT_TAG.verifiedIn(secondary));
  const primaryObjects = await exportStates(primaryBucket, EXPORT_TAG.verifiedIn(secondary));
  // Ours: a backup of a cache of the policy, carrying our owner tag.
  const snapshots = new Map<string, { snapshot: Snapshot; tags: AwsTag[] }>();
  for (const snapshot of await listCacheSnapshots(deps.elasticache)) {
    if (cacheOf(snapshot, policy.resources.caches, policy.timezone) === undefined) continue;
    const tags = await snapshotTags(deps.elasticache, snapshot);
    if (tagValue(tags, policy.tags.owner) === OWNER_VALUE) snapshots.set(snapshot.SnapshotName!, { snapshot, tags });
  }
  const decisions: CachePruneDecision[] = [];
  const failures: { resource: string; error: string }[] = [];
  for (const cache of policy.resources.caches) {
    const ofCache = (name: string) => isBackupOf(name, cache, policy.timezone);
    const backups: CacheBackup[] = [];
    const heldElsewhere = new Set<string>();
    if (deps.role === 'primary') {
      const names = new Set([...snapshots.keys(), ...primaryObjects.keys()].filter(ofCache));
      for (const name of names) {
        const snapshot = snapshots.get(name);
        const objects = primaryObjects.get(name);
        const replica = secondaryObjects.get(name);
        backups.push({
          name,
          ...(snapshot === undefined ? {} : { snapshotStatus: snapshot.snapshot.SnapshotStatus ?? 'unknown' }),
          keys: objects?.keys ?? [],
          tags: tagStrings([...(snapshot?.tags ?? []), ...(objects?.tags ?? [])]),
          verifiedInSecondary: replica?.verified === true,
          replicaPresent: replica !== undefined,
        });
        if (replica !== undefined && isUnderHold(replica.tags, hold)) heldElsewhere.add(name);
      }
    } else {
      for (const [name, objects] of secondaryObjects) {
        if (!ofCache(name)) continue;
        backups.push({ name, keys: objects.keys, tags: tagStrings(objects.tags), verifiedInSecondary: objects.verified, replicaPresent: true });
        const source = [...(snapshots.get(name)?.tags ?? []), ...(primaryObjects.get(name)?.tags ?? [])];
        if (isUnderHold(source, hold)) heldElsewhere.add(name);
      }
    }
    try {
      decisions.push(await pruneCache(deps, cache, backups, heldElsewhere));
    } catch (error) {
      failures.push({ resource: cache.name, error: errorName(error) });
      deps.log.error('cache prune failed', { resource: cache.name, region: deps.own.region, error: errorName(error), message: errorMessage(error) });
      await deps.alerts.publish(pruneFailureAlert(cache.name, deps.own.region, error, deps.now(), 'prune-cache-backups'));
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
