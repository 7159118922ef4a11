// daily-checklist: at 09:00 in the policy's time zone — daily, and the weekly (Mondays) and monthly (the
// 1st) summaries — reads the figures of every protected resource and posts the checklist to Slack, or,
// without Slack, publishes it to the alerts topic as info. Runs in the primary; reads both regions.
import * as z from 'zod/mini';
import { cloudWatchClient } from '../../../shared/aws/cloudwatch-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { secretsClient } from '../../../shared/aws/secrets-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { optionalEvent } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { metricRecorder } from '../../../shared/runtime/metric-records.js';
import { PERIODS } from './checklist.js';
import { runChecklist } from './daily-checklist.js';

/** The schedule's input: which checklist (default daily). */
export const checklistEvent = optionalEvent(z.looseObject({ period: z.optional(z.enum(PERIODS, { error: `must be one of ${PERIODS.join(', ')}` })) }));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const handler = lambdaHandler('daily-checklist', checklistEvent, async (event, rt) => {
  const result = await runChecklist(event.period ?? 'daily', {
    policy: rt.policy,
    stage: rt.stage,
    reportsBuckets: { [rt.policy.regions.primary]: requireEnv(ENV.reportsBucket), [rt.policy.regions.secondary]: requireEnv(ENV.peerReportsBucket) },
    cloudwatch: cloudWatchClient,
    s3: s3Client,
    secrets: secretsClient(rt.region),
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
    sleep,
  });
  metricRecorder(rt.metrics, 'platform').run(rt.region, [['ChecklistResourcesFailing', result.failing.length]]);
  return result;
});
