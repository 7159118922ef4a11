// Packaging time only: the daily checklist (functions/platform/daily-checklist) — in the primary only,
// at 09:00 in the policy's time zone every day, and the weekly summary on Mondays and the monthly one on
// the 1st at the same hour (three schedules of one function, each with its period as input). It reads
// metrics (cloudwatch:GetMetricData, which has no resource-level permission: '*'), lists the evidence
// prefix of the reports bucket of both regions (restore tests keep their evidence where they ran), and,
// with `alerts.slack`, reads the one webhook secret the notifier reads; without Slack it publishes the
// checklist to the alerts topic, which every function may.
//
// AWS facts relied on: GetMetricData supports no resource-level permissions
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html);
// ListObjectsV2 is authorized by s3:ListBucket on the bucket, narrowed with the s3:prefix condition key
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html); EventBridge
// Scheduler cron expressions are evaluated in the schedule's time zone
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html).

import { ENV, REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { PARTITION, secretArn, sub, type Statement } from '../../core/cloudformation.js';
import { runningRole, scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsBucketSub } from '../../platform/reports-bucket.js';

export const CHECKLIST = 'daily-checklist';

/** 09:00 in the policy's time zone: every day, Mondays, the 1st of the month. */
export const CHECKLIST_SCHEDULES = [
  { period: 'daily', expression: 'cron(0 9 * * ? *)', description: 'the daily backup checklist' },
  { period: 'weekly', expression: 'cron(0 9 ? * MON *)', description: 'the weekly backup summary' },
  { period: 'monthly', expression: 'cron(0 9 1 * ? *)', description: 'the monthly backup summary' },
] as const;

function statements(ctx: Context): Statement[] {
  const slack = ctx.policy.alerts.slack;
  return [
    { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
    // Listing only (names and times of evidence objects: no object is read, so no KMS), in both regions' reports buckets.
    {
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [ctx.primary, ctx.secondary].map((region) => sub(`arn:${PARTITION}:s3:::${reportsBucketSub(ctx.stage, region)}`)),
      Condition: { StringLike: { 's3:prefix': [`${REPORT_PREFIX.evidence}*`] } },
    },
    ...(slack === undefined
      ? []
      : [
          { Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: [secretArn(ctx.region, slack.webhookSecret)] },
          ...keyStatements(ctx, [runningRole(ctx)], ['kms:Decrypt'], false, `secretsmanager.${ctx.region}.amazonaws.com`),
        ]),
  ];
}

const FUNCTIONS = {
  [CHECKLIST]: {
    roles: ['primary'],
    invokedBy: 'async',
    description: 'Posts the daily backup checklist (weekly and monthly summaries) to Slack, or to the alerts topic without Slack',
    // GetMetricData in two regions, a listing per restore-tested resource, the Slack delivery's 60 s budget.
    timeout: 120,
    memorySize: 256,
    environment: (ctx) => ({ [ENV.peerReportsBucket]: sub(reportsBucketSub(ctx.stage, ctx.secondary)) }),
    events: (ctx) => CHECKLIST_SCHEDULES.map((s) => scheduled(ctx, s.expression, `${SERVICE}: ${s.description}`, { period: s.period })),
    statements,
  },
} satisfies Record<string, FunctionSpec>;

export type ChecklistFunction = keyof typeof FUNCTIONS;

export const platformChecklist = { component: 'platform', name: 'platform/checklist', functions: FUNCTIONS } as const satisfies Contribution;
