// Takes the scheduled manual snapshot of each ElastiCache replication group of the run: a deterministic
// name from the scheduled time (a duplicate or retried event finds it existing: a no-op), our tags, from
// a replica where there is one (plan.ts), a bounded immediate retry of transient faults. A group that is
// not available (modifying, snapshotting already) or refuses fails for that group only, with one alert;
// the other groups proceed.

import { CreateSnapshotCommand, DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { OWNER_VALUE, TAG, TIER } from '../../../shared/contracts.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { CacheNotReady, isCacheSnapshotAlreadyExists, translateElastiCacheError } from '../../../shared/redis/errors.js';
import { resolveCacheRun, type ScheduledCacheRunEvent } from '../../../shared/redis/events.js';
import { cacheSnapshotName } from '../../../shared/redis/naming.js';
import type { Log } from '../../../shared/runtime/log.js';
import { toAwsTags } from '../../../shared/tags.js';
import { snapshotSource } from './plan.js';

export interface TakeCacheSnapshotDeps {
  readonly policy: Policy;
  /** The primary region's ElastiCache client. */
  readonly elasticache: ElastiCacheClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  /** Attempts per cache for transient faults (throttling, 5xx) after the SDK's own retries. */
  readonly attempts?: number;
}

export type CacheSnapshotOutcome =
  | { readonly resource: string; readonly snapshotName: string; readonly status: 'created' | 'already-exists'; readonly source?: string }
  | { readonly resource: string; readonly snapshotName: string; readonly status: 'failed'; readonly error: string; readonly message: string };

/** Failures another attempt right away cannot fix. */
const PERMANENT = new Set(['CacheNotReady', 'CacheNotFound', 'CacheSnapshotQuotaExceeded', 'CacheSnapshotNotSupported']);

export async function takeCacheSnapshots(deps: TakeCacheSnapshotDeps, event: ScheduledCacheRunEvent): Promise<CacheSnapshotOutcome[]> {
  const { scheduledAt, caches } = resolveCacheRun(event, deps.policy, deps.now());
  const outcomes: CacheSnapshotOutcome[] = [];
  for (const cache of caches) outcomes.push(await snapshotOne(deps, cache, scheduledAt));
  const failures = outcomes.filter((o): o is Extract<CacheSnapshotOutcome, { status: 'failed' }> => o.status === 'failed');
  for (const failure of failures) await deps.alerts.publish(cacheSnapshotFailedAlert(deps.policy, caches.find((c) => c.name === failure.resource)!, failure, deps.now()));
  if (failures.length > 0) {
    throw new RunFailed(
      `${failures.length} of ${outcomes.length} cache snapshots failed: ${failures.map((f) => `${f.resource} (${f.error})`).join(', ')}`,
      failures.map((f) => ({ resource: f.resource, error: f.error })),
    );
  }
  return outcomes;
}

async function snapshotOne(deps: TakeCacheSnapshotDeps, cache: CacheResource, scheduledAt: number): Promise<CacheSnapshotOutcome> {
  const name = cacheSnapshotName(cache.name, scheduledAt, deps.policy.timezone);
  const attempts = deps.attempts ?? 3;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const group = (await deps.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: cache.replicationGroupId }))).ReplicationGroups?.[0];
      if (group === undefined) throw new Error(`DescribeReplicationGroups returned no group ${cache.replicationGroupId}`);
      const source = snapshotSource(group);
      if (source.kind === 'not-ready') throw new CacheNotReady(source.reason);
      const requestedAt = deps.now();
      const tags = toAwsTags({
        [deps.policy.tags.owner]: OWNER_VALUE,
        [TAG.policy]: deps.policy.name,
        [TAG.resource]: cache.name,
        [TAG.sourceArn]: group.ARN ?? cache.replicationGroupId,
        [TAG.createdAt]: new Date(requestedAt).toISOString(),
        [TAG.scheduledAt]: new Date(scheduledAt).toISOString(),
        [TAG.tier]: TIER.primary,
      });
      const target = source.kind === 'group' ? { ReplicationGroupId: source.replicationGroupId } : { CacheClusterId: source.cacheClusterId };
      await deps.elasticache.send(new CreateSnapshotCommand({ SnapshotName: name, ...target, Tags: tags }));
      deps.log.info('cache snapshot requested', { resource: cache.name, snapshotName: name, source: source.reason, attempt });
      return { resource: cache.name, snapshotName: name, status: 'created', source: source.reason };
    } catch (error) {
      if (isCacheSnapshotAlreadyExists(error)) {
        deps.log.info('cache snapshot already exists: nothing to do', { resource: cache.name, snapshotName: name });
        return { resource: cache.name, snapshotName: name, status: 'already-exists' };
      }
      last = translateElastiCacheError(error);
      deps.log.warn('cache snapshot attempt failed', { resource: cache.name, snapshotName: name, attempt, error: errorName(last), message: errorMessage(last) });
      if (PERMANENT.has(errorName(last))) break;
    }
  }
  return { resource: cache.name, snapshotName: name, status: 'failed', error: errorName(last), message: errorMessage(last) };
}

/** What a person should do about a cache snapshot that could not be taken. */
export function cacheSnapshotAction(error: string, cache: CacheResource): string {
  const rerun = `re-run take-cache-snapshot with {"resources":["${cache.name}"]}`;
  switch (error) {
    case 'CacheNotReady':
      return `Replication group ${cache.replicationGroupId} (or its replica) is not available — modifying, or taking another snapshot: wait for it to be available, then ${rerun}.`;
    case 'CacheNotFound':
      return `Replication group ${cache.replicationGroupId} does not exist in this region: fix replicationGroupId of "${cache.name}" in backup-policy.yml or restore the cache.`;
    case 'CacheSnapshotQuotaExceeded':
      return 'ElastiCache refused: the manual-snapshot quota, or 20 snapshots of a node in 24 hours, would be exceeded. Check that pruning runs and how many snapshots were taken by hand today, then ' + rerun + '.';
    case 'CacheSnapshotNotSupported':
      return `ElastiCache cannot snapshot ${cache.replicationGroupId} (Memcached, or a cache.t1.micro node): remove "${cache.name}" from the policy or move the cache to a node type that supports backups.`;
    default:
      return `Read the take-cache-snapshot logs; ${rerun} once the cause is fixed.`;
  }
}

export function cacheSnapshotFailedAlert(policy: Policy, cache: CacheResource, failure: Extract<CacheSnapshotOutcome, { status: 'failed' }>, at: number): Alert {
  return {
    severity: 'critical',
    kind: 'backup-failed',
    resource: failure.resource,
    region: policy.regions.primary,
    summary: `cache snapshot failed: ${failure.error} (${failure.snapshotName})`,
    action: cacheSnapshotAction(failure.error, cache),
    source: 'take-cache-snapshot',
    at,
    details: { replicationGroup: cache.replicationGroupId, snapshotName: failure.snapshotName, error: failure.error, message: failure.message.slice(0, 500) },
  };
}
