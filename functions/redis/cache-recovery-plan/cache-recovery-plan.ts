// The Plan step of redis-recovery: checks the input before anything is read, then reads what the plan
// needs — the group being replaced and its first node (production's shape and network), this region's
// exports of the cache with their verified marks, whether the snapshot that may seed is available, the
// manifest captured with it (the engine an .rdb seeds with) — and lets plan.ts decide. Nothing is changed.

import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import { EXPORT_TAG, manifestKey } from '../../../shared/contracts.js';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { exportCandidates, newestVerified } from '../../../shared/redis/export-candidates.js';
import { readCacheManifest } from '../../../shared/redis/manifest-store.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import { snapshotIsAvailable } from '../../../shared/redis/snapshots.js';
import { cacheRecoveryPlan, checkInput, chooseBackup, type SourceFacts } from './plan.js';

export interface CacheRecoveryPlanDeps {
  readonly policy: Policy;
  /** The primary region, where redis-recovery runs. */
  readonly region: string;
  readonly elasticache: ElastiCacheClient;
  readonly s3: S3Client;
  readonly exportBucket: string;
  readonly reportsBucket: string;
  readonly now: () => number;
}

export async function planCacheRecovery(deps: CacheRecoveryPlanDeps, rawInput: unknown, execution: string): Promise<CacheRecoveryPlan> {
  const { policy } = deps;
  const { input, cache } = checkInput(policy, rawInput);
  const now = deps.now();
  const source = await describeSource(deps.elasticache, cache.replicationGroupId);
  const side = { s3: deps.s3, bucket: deps.exportBucket, region: deps.region };
  const verifiedTag = EXPORT_TAG.verifiedIn(deps.region);
  const exports = await exportCandidates(side, cache, policy.timezone, verifiedTag);
  // Only the snapshot that may seed is asked about: the one named, or the newest verified one's.
  const wanted = input.snapshot ?? newestVerified(exports, cache.name, policy.timezone)?.snapshotName;
  const available = wanted === undefined ? false : await snapshotIsAvailable(deps.elasticache, wanted);
  const backup = chooseBackup(cache, input, { exports, bucket: deps.exportBucket, snapshotAvailable: (name) => name === wanted && available }, policy.timezone);
  // Only for the engine an .rdb seeds with when the source is gone: a manifest that cannot be read is validation's to report.
  const manifest = await readCacheManifest(deps.s3, deps.reportsBucket, manifestKey(cache.name, backup.snapshotName)).catch(() => null);
  return cacheRecoveryPlan(policy, cache, input, { execution, now, backup, source, manifest });
}


async function describeSource(elasticache: ElastiCacheClient, groupId: string): Promise<SourceFacts> {
  let group;
  try {
    group = (await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }))).ReplicationGroups?.[0];
  } catch (error) {
    if (errorName(error) === 'ReplicationGroupNotFoundFault') return { group: null, node: null };
    throw error;
  }
  if (group === undefined) return { group: null, node: null };
  const first = group.MemberClusters?.[0];
  const node = first === undefined ? undefined : (await elasticache.send(new DescribeCacheClustersCommand({ CacheClusterId: first }))).CacheClusters?.[0];
  return { group, node: node ?? null };
}

