// The Report and Notify steps of redis-recovery: words the outcome (plan.ts), keeps the run record — the
// report with the measured RTO/RPO — in the region's reports bucket, publishes the alert and hands the
// report back as the execution's output. A record that cannot be written does not stop the alert.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { CacheRecoveryRun } from '../../../shared/redis/recovery-run.js';
import type { Log } from '../../../shared/runtime/log.js';
import { cacheRecoveryAlert, cacheRecoveryReport, recoveryRecordKey, type CacheRecoveryReport } from './plan.js';

export interface NotifyDeps {
  readonly policy: Policy;
  readonly alerts: AlertSink;
  readonly s3: S3Client;
  readonly reportsBucket: string;
  readonly log: Log;
  readonly now: () => number;
}

export async function notifyCacheRecovery(deps: NotifyDeps, run: CacheRecoveryRun): Promise<CacheRecoveryReport> {
  const now = deps.now();
  let recordKey: string | null = null;
  const plan = run.run.plan;
  if (plan !== undefined) {
    const key = recoveryRecordKey(plan.runId);
    const record = { schema: 'backup-dr/redis-recovery/v1', ...cacheRecoveryReport(deps.policy, run, now, key), plan, validation: run.run.validation ?? null, endpoint: run.run.endpoint ?? null, at: new Date(now).toISOString() };
    try {
      await deps.s3.send(new PutObjectCommand({ Bucket: deps.reportsBucket, Key: key, Body: JSON.stringify(record, null, 2), ContentType: 'application/json' }));
      recordKey = key;
    } catch (error) {
      deps.log.warn('recovery record not written', { key, error: errorName(error) });
    }
  }
  const report = cacheRecoveryReport(deps.policy, run, now, recordKey);
  await deps.alerts.publish(cacheRecoveryAlert(deps.policy, run, report, now));
  return report;
}
