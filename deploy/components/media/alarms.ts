// Packaging time only: the media alarms (README, "Alarms"), all in the primary, where the source buckets
// and the replication check are:
// - per bucket, on verify-media-replication's daily record (component, resource, the replica's region):
//   replication verified — freshness, the dead man's switch: a mismatch (an object missing or different
//   in the replica) alarms, and so does no record for a day and two hours (the check stopped running);
// - per managed bucket, on S3's replication metrics of its "to-replica" rule (AWS/S3, dimensions
//   SourceBucket, DestinationBucket, RuleId; published because the rule enables Metrics): latency over
//   Replication Time Control's 15 minutes, bytes still pending after an hour without ever draining, and
//   any failed replication operation. S3 publishes these only while it replicates: silence is not breaching.
// A bucket another stack owns (`managed: false`) has a rule we do not name: only the check watches it.

import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { RTC_MINUTES } from '../../../shared/media/protection.js';
import type { BucketResource } from '../../../shared/policy/schema.js';
import { alarmsOf, backupDrMetric, freshnessHours, freshnessWindow, type AlarmSpec } from '../../core/alarms.js';
import type { Context, Contribution } from '../../core/contribution.js';
import { REPLICA_RULE_ID } from './buckets.js';

const RTC_S = RTC_MINUTES * 60;
/** Pending bytes that never drain for this long (4 × 15 min) alarm. */
const PENDING_PERIODS = 4;

function checkAlarm(ctx: Context, bucket: BucketResource, hours: number): AlarmSpec {
  return {
    component: 'media',
    resource: bucket.name,
    what: 'replication-verified',
    region: ctx.policy.regions.secondary,
    ...freshnessWindow(hours),
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    metric: backupDrMetric('ReplicationMismatches', { component: 'media', resource: bucket.name, region: ctx.policy.regions.secondary }, 'Maximum'),
    description:
      `verify-media-replication found objects of ${bucket.bucket} missing or different in ${bucket.replicaBucket} (${ctx.policy.regions.secondary}), or has reported nothing for ${hours} hours (the check stopped running). ` +
      `Runbook: read its alert and the report under ${REPORT_PREFIX.replication} in the reports bucket for the keys; check the bucket's replication rule and the replication role's KMS grants; re-replicate what is missing with S3 Batch Replication.`,
  };
}

function s3Alarms(ctx: Context, bucket: BucketResource): AlarmSpec[] {
  const dimensions = [
    { Name: 'SourceBucket', Value: bucket.bucket },
    { Name: 'DestinationBucket', Value: bucket.replicaBucket },
    { Name: 'RuleId', Value: REPLICA_RULE_ID },
  ];
  const base = { component: 'media', resource: bucket.name, region: ctx.policy.regions.secondary, missing: 'notBreaching' } as const;
  const where = `${bucket.bucket} → ${bucket.replicaBucket} (${ctx.policy.regions.secondary})`;
  return [
    {
      ...base,
      what: 'replication-latency',
      period: RTC_S,
      evaluationPeriods: 1,
      threshold: RTC_S,
      comparison: 'GreaterThanThreshold',
      metric: { namespace: 'AWS/S3', name: 'ReplicationLatency', dimensions, statistic: 'Maximum' },
      description: `Replication ${where} is slower than Replication Time Control's ${RTC_MINUTES} minutes: the replica is behind the media RPO. Runbook: check the S3 console's replication metrics and Service Health for ${ctx.policy.regions.secondary}; large uploads may catch up by themselves — if not, open an AWS support case (RTC has an SLA).`,
    },
    {
      ...base,
      what: 'replication-pending',
      period: RTC_S,
      evaluationPeriods: PENDING_PERIODS,
      datapointsToAlarm: PENDING_PERIODS,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      metric: { namespace: 'AWS/S3', name: 'BytesPendingReplication', dimensions, statistic: 'Minimum' },
      description: `Bytes have been waiting to replicate ${where} for an hour without the backlog ever draining. Runbook: check OperationsFailedReplication and the replication role (its KMS grants in both regions, the replica bucket's versioning); S3's replication failure events reach the topic through alert-media-replication-failure.`,
    },
    {
      ...base,
      what: 'replication-failed',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      metric: { namespace: 'AWS/S3', name: 'OperationsFailedReplication', dimensions, statistic: 'Sum' },
      description: `Objects failed to replicate ${where}. Runbook: read the alert-media-replication-failure alerts for the keys and reason (KMS access, permissions, object ownership); fix it and re-replicate the failed objects with S3 Batch Replication.`,
    },
  ];
}

export const mediaAlarms: Contribution = {
  component: 'media',
  name: 'media/alarms',
  alarms: (ctx, deployed) => {
    if (deployed.functions['verify-media-replication'] === undefined) return {};
    const hours = freshnessHours(ctx.policy.rds.postureSchedule, ctx.policy.timezone, Date.now());
    const buckets = ctx.policy.resources.buckets;
    return alarmsOf(ctx, [...buckets.map((bucket) => checkAlarm(ctx, bucket, hours)), ...buckets.filter((bucket) => bucket.managed).flatMap((bucket) => s3Alarms(ctx, bucket))]);
  },
};
