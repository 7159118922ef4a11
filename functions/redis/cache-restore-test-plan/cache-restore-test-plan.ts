// The Plan step of the cache-restore-test state machine: reads what can be restored — this region's
// exports of the cache with their marks, in the primary whether the snapshot itself is still there, and
// the manifest captured with it (the engine to seed) — and lets plan.ts decide. Nothing is changed.

import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import { EXPORT_TAG, manifestKey } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { exportCandidates } from '../../../shared/redis/export-candidates.js';
import { readCacheManifest } from '../../../shared/redis/manifest-store.js';
import { snapshotIsAvailable } from '../../../shared/redis/snapshots.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { cacheFor, cachePlan, executionInput, pickExport, restoreRole } from './plan.js';

export interface CachePlanDeps {
  readonly policy: Policy;
  /** The region role of the deployment running the test: a restore happens where its state machine runs. */
  readonly role: 'primary' | 'secondary';
  readonly region: string;
  readonly elasticache: ElastiCacheClient;
  readonly s3: S3Client;
  /** This region's export bucket and reports bucket. */
  readonly exportBucket: string;
  readonly reportsBucket: string;
  readonly now: () => number;
}

export async function planCacheRestoreTest(deps: CachePlanDeps, rawInput: unknown): Promise<CacheRestorePlan> {
  const { policy } = deps;
  const now = deps.now();
  const input = parseInput(executionInput, rawInput ?? {});
  const cache = cacheFor(policy, input.resource);
  const role = restoreRole(policy, input.region, deps.role);
  const side = { s3: deps.s3, bucket: deps.exportBucket, region: deps.region };
  const candidates = await exportCandidates(side, cache, policy.timezone, EXPORT_TAG.verifiedIn(deps.region));
  const wanted = input.backup ?? 'latest';
  const chosen = pickExport(cache, role, wanted, candidates, policy.timezone);
  const snapshotAvailable = role === 'primary' && (await snapshotIsAvailable(deps.elasticache, chosen.snapshotName));
  // Only for the engine to seed with: a manifest that cannot be read is the validation step's to report.
  const manifest = await readCacheManifest(deps.s3, deps.reportsBucket, manifestKey(cache.name, chosen.snapshotName)).catch(() => null);
  return cachePlan(policy, cache, { role, chosen, newest: wanted === 'latest', bucket: deps.exportBucket, snapshotAvailable, manifest, now });
}

