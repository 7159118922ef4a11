// What the janitor removes, pure: temporary instances of our restore and PITR tests that have outlived
// any execution (restoreInstanceMaxAge), and temporary replication groups of our cache restore tests
// that have (cacheGroupMaxAge) — a test whose teardown could not run leaves a billed instance or group
// behind. Only one named with our prefix, carrying our owner and policy tags and a restore-test run tag,
// is ever a candidate; one already being deleted is left alone, and so is one whose age is unknown.

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { PREFIX, SERVICE, TAG } from '../../../shared/contracts.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { restoreInstanceMaxAge } from '../../../shared/rds/restore-settings.js';
import { isOwned, tagValue, type AwsTag } from '../../../shared/tags.js';
import { formatWall } from '../../../shared/time/zone.js';

export interface Leak {
  readonly instance: DBInstance;
  readonly id: string;
  readonly runId: string;
  readonly createdAt: number;
}

/** When the instance was made: our created-at tag (set at the restore request), else RDS's create time. */
function createdAt(instance: DBInstance): number | null {
  const tagged = Date.parse(tagValue(instance.TagList, TAG.createdAt) ?? '');
  if (!Number.isNaN(tagged)) return tagged;
  return instance.InstanceCreateTime?.getTime() ?? null;
}

export function leakedInstances(policy: Policy, instances: readonly DBInstance[], now: number): Leak[] {
  const maxAge = restoreInstanceMaxAge(policy);
  return instances.flatMap((instance) => {
    const id = instance.DBInstanceIdentifier ?? '';
    const runId = tagValue(instance.TagList, TAG.restoreTest);
    if (!id.startsWith(PREFIX.restoreInstance) || runId === undefined || !isOwned(instance.TagList, policy.tags.owner, policy.name)) return [];
    if (instance.DBInstanceStatus === 'deleting') return [];
    const made = createdAt(instance);
    // An instance whose age cannot be known is not deleted: it is not provably a leak.
    if (made === null || now - made <= maxAge) return [];
    return [{ instance, id, runId, createdAt: made }];
  });
}

export function leakDeletedAlert(policy: Policy, region: string, leak: Leak, now: number): Alert {
  return {
    severity: 'warning',
    kind: 'leaked-instance',
    resource: leak.instance.TagList?.find((t) => t.Key === TAG.resource)?.Value ?? 'unknown',
    region,
    summary: `deleted the restore-test instance ${leak.id}, left behind since ${formatWall(leak.createdAt, policy.timezone)} (run ${leak.runId})`,
    action: 'A restore or PITR test could not tear down its instance: read that execution in the Step Functions console and the teardown alert; the instance is being deleted now.',
    source: 'janitor',
    at: now,
    details: { instance: leak.id, runId: leak.runId },
  };
}

export function leakNotDeletedAlert(policy: Policy, region: string, leak: Leak, error: unknown, now: number): Alert {
  return {
    severity: 'critical',
    kind: 'leaked-instance',
    resource: leak.instance.TagList?.find((t) => t.Key === TAG.resource)?.Value ?? 'unknown',
    region,
    summary: `could not delete the leaked restore-test instance ${leak.id}: ${errorName(error)}`,
    action: `It is billed every hour. Delete it by hand (aws rds delete-db-instance --region ${region} --db-instance-identifier ${leak.id} --skip-final-snapshot --delete-automated-backups); the janitor retries every hour. ${errorMessage(error).slice(0, 200)}`,
    source: 'janitor',
    at: now,
    details: { instance: leak.id, runId: leak.runId, error: errorName(error) },
  };
}

// ---- cache restore-test groups ----------------------------------------------------------------------

const HOUR_MS = 3_600_000;
/** restoreTest.timeout's default for a cache (shared/policy/schema.ts): the least wait the bound assumes. */
const CACHE_DEFAULT_WAIT_MS = HOUR_MS;
/**
 * As for instances (restoreInstanceMaxAge): an execution of the cache restore test lives at most twice
 * the longest wait (the wait, then teardown waiting for a busy group as long again) plus 2 h (validation,
 * record, notify) — its state machine's own timeout (state-machines/redis/restore-test.ts). The janitor
 * waits 3 h more than that.
 */
const CACHE_AFTER_WAITS_MS = 2 * HOUR_MS + 3 * HOUR_MS;

/**
 * The age past which a cache restore-test group of ours can only be a leak, or null when no cache of the
 * policy is restore-tested: then the janitor leaves ElastiCache alone (and has no permission on it).
 */
export function cacheGroupMaxAge(policy: Pick<Policy, 'resources'>): number | null {
  const timeouts = policy.resources.caches.flatMap((cache) => (cache.restoreTest === undefined ? [] : [cache.restoreTest.timeout]));
  if (timeouts.length === 0) return null;
  return 2 * Math.max(CACHE_DEFAULT_WAIT_MS, ...timeouts) + CACHE_AFTER_WAITS_MS;
}

/** The states in which ElastiCache deletes a group; any other (creating, modifying, snapshotting) refuses. */
const DELETABLE = new Set(['available', 'create-failed']);

export interface CacheGroupLeak {
  readonly id: string;
  readonly runId: string;
  readonly createdAt: number;
  readonly status: string;
  /** Whether ElastiCache deletes it in its state; if not, the janitor tries again next hour. */
  readonly deletable: boolean;
  readonly tags: readonly AwsTag[];
}

/** The groups worth reading the tags of: named as a cache restore test's, with an ARN, not already being deleted. */
export function cacheGroupCandidates(groups: readonly ReplicationGroup[]): ReplicationGroup[] {
  return groups.filter((group) => group.ReplicationGroupId?.startsWith(PREFIX.cacheRestoreGroup) === true && group.ARN !== undefined && group.Status !== 'deleting');
}

export function leakedCacheGroups(policy: Policy, groups: readonly { readonly group: ReplicationGroup; readonly tags: readonly AwsTag[] }[], now: number): CacheGroupLeak[] {
  const maxAge = cacheGroupMaxAge(policy);
  if (maxAge === null) return [];
  return groups.flatMap(({ group, tags }) => {
    const id = group.ReplicationGroupId ?? '';
    const runId = tagValue(tags, TAG.restoreTest);
    if (!id.startsWith(PREFIX.cacheRestoreGroup) || runId === undefined || !isOwned(tags, policy.tags.owner, policy.name)) return [];
    const status = group.Status ?? 'unknown';
    if (status === 'deleting') return [];
    // Only our created-at tag (set when the run was planned) tells the age: without it, not provably a leak.
    const made = Date.parse(tagValue(tags, TAG.createdAt) ?? '');
    if (Number.isNaN(made) || now - made <= maxAge) return [];
    return [{ id, runId, createdAt: made, status, deletable: DELETABLE.has(status), tags }];
  });
}

export function cacheLeakDeletedAlert(policy: Policy, region: string, leak: CacheGroupLeak, now: number): Alert {
  return {
    severity: 'warning',
    kind: 'leaked-cache-group',
    resource: tagValue(leak.tags, TAG.resource) ?? 'unknown',
    region,
    summary: `deleted the cache restore-test group ${leak.id}, left behind since ${formatWall(leak.createdAt, policy.timezone)} (run ${leak.runId})`,
    action:
      'A cache restore test could not tear down its temporary replication group: read that execution of the cache-restore-test state machine in the Step Functions console and its teardown alert; ' +
      'the group is being deleted now, without a final snapshot (it only held a copy of a backup we keep).',
    source: 'janitor',
    at: now,
    details: { replicationGroup: leak.id, runId: leak.runId, status: leak.status },
  };
}

export function cacheLeakNotDeletedAlert(policy: Policy, region: string, leak: CacheGroupLeak, error: unknown, now: number): Alert {
  return {
    severity: 'critical',
    kind: 'leaked-cache-group',
    resource: tagValue(leak.tags, TAG.resource) ?? 'unknown',
    region,
    summary: `could not delete the leaked cache restore-test group ${leak.id}: ${errorName(error)}`,
    action: `It is billed every hour. Delete it by hand (aws elasticache delete-replication-group --region ${region} --replication-group-id ${leak.id} --no-retain-primary-cluster); the janitor retries every hour. ${errorMessage(error).slice(0, 200)}`,
    source: 'janitor',
    at: now,
    details: { replicationGroup: leak.id, runId: leak.runId, error: errorName(error) },
  };
}

/** One part of the sweep (instances or cache groups) could not run at all: what it leaks stays billed. */
export function sweepFailedAlert(region: string, what: string, error: unknown, now: number): Alert {
  return {
    severity: 'critical',
    kind: 'janitor-failed',
    resource: SERVICE,
    region,
    summary: `the janitor could not sweep for leaked ${what}: ${errorName(error)}`,
    action: `Leaked ${what} stay billed until it can. Read the janitor logs in CloudWatch (aws/lambda/…-janitor), fix the cause (permissions, throttling); the next hourly run retries. ${errorMessage(error).slice(0, 200)}`,
    source: 'janitor',
    at: now,
    details: { error: errorName(error) },
  };
}
