// The Validate step of the cache restore test: the manifest captured with the snapshot (this region's
// reports bucket holds the primary's replicas), a connection to the temporary group (TLS and AUTH as the
// policy says; the secret is replicated to the region under its name and never logged), the observation
// and the verdict (shared/redis/observe.ts, restore-verdict.ts). The full report — every check, every
// count — goes to the reports bucket; the state machine gets a bounded summary.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { validationReportKey } from '../../../shared/contracts.js';
import { ConfigurationError, errorMessage } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { closeRedis, connectRedis } from '../../../shared/redis/connection.js';
import { endpointFor } from '../../../shared/redis/endpoint.js';
import { engineOf } from '../../../shared/redis/manifest.js';
import { readCacheManifest } from '../../../shared/redis/manifest-store.js';
import { observeRestore } from '../../../shared/redis/observe.js';
import { judgeRedisRestore } from '../../../shared/redis/restore-verdict.js';
import type { CacheReady, CacheRestorePlan, CacheValidationSummary } from '../../../shared/redis/restore-run.js';
import type { RestoreObservation } from '../../../shared/redis/types.js';
import type { Log } from '../../../shared/runtime/log.js';
import { wallTime } from '../../../shared/time/zone.js';
import { emptyManifest, summarise, withoutManifest } from './plan.js';

export interface ValidateCacheDeps {
  readonly policy: Policy;
  /** Secrets Manager in the region of the restore. */
  readonly secrets: SecretsManagerClient;
  /** S3 in the region the test runs in: its reports bucket has the manifests and takes the report. */
  readonly reports: S3Client;
  readonly reportsBucket: string;
  readonly log: Log;
  readonly now: () => number;
}

export async function validateCacheRestore(deps: ValidateCacheDeps, plan: CacheRestorePlan, group: CacheReady): Promise<CacheValidationSummary> {
  const startedAt = deps.now();
  const cache = deps.policy.resources.caches.find((c) => c.name === plan.resource);
  if (cache === undefined) throw new ConfigurationError(`the plan names cache "${plan.resource}", which the policy no longer has`);
  const manifest = await readCacheManifest(deps.reports, deps.reportsBucket, plan.manifestKey);
  const endpoint = await endpointFor({ host: group.host, port: group.port }, cache.validation, deps.secrets);
  let observation: RestoreObservation;
  let engine: string | null = null;
  try {
    const redis = await connectRedis(endpoint);
    try {
      const server = engineOf(await redis.info('server'));
      engine = `${server.name} ${server.version}`;
      observation = await observeRestore(redis, manifest ?? emptyManifest(plan.snapshotName), cache.validation, deps.now);
    } finally {
      await closeRedis(redis);
    }
  } catch (error) {
    observation = { reachable: { error: errorMessage(error) }, observedAt: deps.now(), keyCounts: {}, sampled: {}, requiredKeys: [], assertions: [] };
  }
  const verdict = judgeRedisRestore(manifest ?? emptyManifest(plan.snapshotName), observation, cache.validation);
  const checks = manifest === null ? withoutManifest(verdict.checks, plan.snapshotName, plan.manifestKey) : verdict.checks.map((c) => ({ ...c }));
  const month = wallTime(plan.plannedAt, deps.policy.timezone);
  const reportKey = validationReportKey(plan.resource, month.year, month.month, plan.runId);
  const summary = summarise(checks, manifest, observation, engine, { startedAt, finishedAt: deps.now() }, reportKey);
  const report = { schema: 'backup-dr/cache-validation/v1', runId: plan.runId, resource: plan.resource, snapshotName: plan.snapshotName, manifestKey: plan.manifestKey, group: plan.groupId, engine, outcome: summary.outcome, checks, observation };
  await deps.reports.send(new PutObjectCommand({ Bucket: deps.reportsBucket, Key: reportKey, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }));
  deps.log.info('cache restore validated', { runId: plan.runId, outcome: summary.outcome, keys: summary.keys, report: `s3://${deps.reportsBucket}/${reportKey}` });
  return summary;
}
