// Records a cache restore test's evidence — what was restored and from where, the validation summary and
// where its full report is, the timings, the verdict — as a JSON document in the versioned reports bucket
// (its default customer-managed key encrypts it), beside the database tests' evidence.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { evidenceKey } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { requestedResource, type CacheRestoreRun, type CacheVerdict } from '../../../shared/redis/restore-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { formatIsoInZone, wallTime } from '../../../shared/time/zone.js';
import { judgeCacheRun } from './plan.js';

export interface RecordCacheDeps {
  readonly policy: Policy;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly log: Log;
  readonly now: () => number;
}

export async function recordCacheRestoreTest(deps: RecordCacheDeps, run: CacheRestoreRun): Promise<CacheVerdict> {
  const { policy } = deps;
  const now = deps.now();
  const cache = policy.resources.caches.find((c) => c.name === run.plan?.resource);
  const objectives = cache?.objectives ?? policy.objectives.redis;
  const verdict = judgeCacheRun(run, { rtoMs: objectives.rto, rpoMs: objectives.rpo });
  const at = run.plan?.plannedAt ?? now;
  const month = wallTime(at, policy.timezone);
  const resource = requestedResource(run);
  const key = evidenceKey(resource, month.year, month.month, run.plan?.runId ?? `failed-cache-restore-${at}`);
  const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : formatIsoInZone(ms, policy.timezone));
  const plan = run.plan;
  const evidence = {
    schema: 'backup-dr/cache-restore-evidence/v1',
    policy: policy.name,
    runId: plan?.runId ?? null,
    kind: 'cache-restore',
    resource,
    region: plan?.region ?? null,
    outcome: verdict.outcome,
    restored:
      plan === undefined
        ? null
        : { snapshotName: plan.snapshotName, restorePoint: iso(plan.restorePoint), seededFrom: plan.seed, group: plan.groupId, nodeType: plan.nodeType, engine: plan.engine ?? null, engineVersion: plan.engineVersion ?? null },
    input: run.input ?? null,
    timings: { planned: iso(plan?.plannedAt), seedRequested: iso(run.seeded?.requestedAt), groupAvailable: iso(run.group?.availableAt), validationStarted: iso(run.validation?.startedAt), validationFinished: iso(run.validation?.finishedAt), recorded: iso(now) },
    validation: run.validation === undefined ? null : { ...run.validation, report: `s3://${deps.bucket}/${run.validation.reportKey}` },
    teardown: run.teardown ?? null,
    error: run.error ?? null,
    teardownError: run.teardownError ?? null,
    verdict: { ...verdict, evidenceKey: key },
  };
  await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify(evidence, null, 2), ContentType: 'application/json' }));
  deps.log.info('cache restore test recorded', { runId: evidence.runId, outcome: verdict.outcome, rtoMs: verdict.rtoMs, rpoMs: verdict.rpoMs, evidence: `s3://${deps.bucket}/${key}` });
  return { ...verdict, evidenceKey: key };
}
