// The manifest of each cache at snapshot time (README, "Redis"): on the snapshot's own schedule, beside
// take-cache-snapshot, it reads the cache (reader endpoint where there are replicas) and stores what the
// snapshot of that run should hold under the snapshot's deterministic name, in the reports bucket's
// manifests/ (replicated to the secondary with the database manifests). Written once: a duplicate or
// retried event finds it there and leaves it. A cache it cannot read fails alone, with one alert.

import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { manifestKey } from '../../../shared/contracts.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { closeRedis, connectRedis } from '../../../shared/redis/connection.js';
import { endpointFor, groupAddress } from '../../../shared/redis/endpoint.js';
import { resolveCacheRun, type ScheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { captureRedisManifest } from '../../../shared/redis/manifest.js';
import { cacheSnapshotName } from '../../../shared/redis/naming.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface CaptureCacheManifestDeps {
  readonly policy: Policy;
  readonly elasticache: ElastiCacheClient;
  readonly secrets: SecretsManagerClient;
  readonly s3: S3Client;
  /** The primary's reports bucket. */
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export type CaptureOutcome =
  | { readonly resource: string; readonly snapshotName: string; readonly status: 'captured' | 'already-captured'; readonly key: string; readonly keys: number }
  | { readonly resource: string; readonly snapshotName: string; readonly status: 'failed'; readonly error: string };

export async function captureCacheManifests(deps: CaptureCacheManifestDeps, event: ScheduledCacheRunEvent): Promise<CaptureOutcome[]> {
  const { scheduledAt, caches } = resolveCacheRun(event, deps.policy, deps.now());
  const outcomes: CaptureOutcome[] = [];
  for (const cache of caches) {
    const snapshotName = cacheSnapshotName(cache.name, scheduledAt, deps.policy.timezone);
    try {
      outcomes.push(await captureOne(deps, cache, snapshotName));
    } catch (error) {
      deps.log.error('cache manifest failed', { resource: cache.name, snapshotName, error: errorName(error), message: errorMessage(error) });
      outcomes.push({ resource: cache.name, snapshotName, status: 'failed', error: errorName(error) });
      await deps.alerts.publish({
        severity: 'warning',
        kind: 'manifest-failed',
        resource: cache.name,
        region: deps.policy.regions.primary,
        summary: `no manifest for ${snapshotName}: ${errorName(error)}: ${errorMessage(error)}`.slice(0, 300),
        action: `A restore test of this snapshot cannot compare the data and will be inconclusive. Check that the function reaches ${cache.replicationGroupId} (its security group admits the function's), TLS and the AUTH secret; the next snapshot's run captures again.`,
        source: 'capture-cache-manifest',
        at: deps.now(),
        details: { snapshotName, error: errorName(error) },
      });
    }
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) throw new RunFailed(`${failed.length} of ${outcomes.length} cache manifests failed: ${failed.map((f) => f.resource).join(', ')}`, failed.map((f) => ({ resource: f.resource, error: 'error' in f ? f.error : '' })));
  return outcomes;
}

async function captureOne(deps: CaptureCacheManifestDeps, cache: CacheResource, snapshotName: string): Promise<CaptureOutcome> {
  const group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: cache.replicationGroupId }))).ReplicationGroups?.[0];
  if (group === undefined) throw new Error(`DescribeReplicationGroups returned no group ${cache.replicationGroupId}`);
  const address = groupAddress(group);
  if ('refused' in address) throw new Error(address.refused);
  const redis = await connectRedis(await endpointFor(address, cache.validation, deps.secrets));
  let manifest;
  try {
    manifest = await captureRedisManifest(redis, { cache, snapshotId: snapshotName, now: deps.now });
  } finally {
    await closeRedis(redis);
  }
  const key = manifestKey(cache.name, snapshotName);
  const keys = Object.values(manifest.databases).reduce((n, d) => n + d.keys, 0);
  try {
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify(manifest), ContentType: 'application/json', IfNoneMatch: '*' }));
  } catch (error) {
    if (errorName(error) !== 'PreconditionFailed') throw error;
    deps.log.info('cache manifest already captured: left as it is', { resource: cache.name, snapshotName, key });
    return { resource: cache.name, snapshotName, status: 'already-captured', key, keys };
  }
  deps.log.info('cache manifest captured', { resource: cache.name, snapshotName, key, via: address.via, keys, databases: Object.keys(manifest.databases).length });
  return { resource: cache.name, snapshotName, status: 'captured', key, keys };
}
