// Packaging time only: the media buckets' replication checks — the daily check of each bucket against
// its replica (every object changed since the last run, and a random sample of the others, compared by
// version, size and S3 checksum) and the alert on S3's own replication events, which S3 sends to the
// function directly (S3 Event Notifications: SQS, SNS or Lambda; EventBridge does not carry replication
// events). S3 may invoke it only for the policy's source buckets, in this account. Primary only.

import { REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { getAtt, lambdaLogicalId, PARTITION, ref, sub, type CfnResource, type CfnValue, type TemplateFragment } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

const hasBuckets = (ctx: Context) => ctx.policy.resources.buckets.length > 0;
const bucketArn = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}`);
const objectsArn = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}/*`);

const FUNCTIONS = {
  'verify-media-replication': {
    roles: ['primary'],
    deployedWhen: hasBuckets,
    invokedBy: 'async',
    description: 'Daily: each media bucket against its replica — every object changed since the last run and a random sample of the rest, by version, size and S3 checksum',
    timeout: 900,
    memorySize: 512,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, `${SERVICE}: replication check of the media buckets`)],
    statements: (ctx) => {
      const buckets = ctx.policy.resources.buckets;
      return [
        // The replica too: without s3:ListBucket, S3 answers HEAD of a missing key 403, not 404 — and a missing copy is what the check looks for.
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: buckets.flatMap((b) => [bucketArn(b.bucket), bucketArn(b.replicaBucket)]) },
        // HEAD of the current object and of the replica's copy of that version.
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: buckets.flatMap((b) => [objectsArn(b.bucket), objectsArn(b.replicaBucket)]) },
        // Where the last run got to, and the reports; ListBucket makes a first run's missing state NoSuchKey.
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.replication)] },
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
        // HEAD in checksum mode of an SSE-KMS object needs kms:Decrypt on its key: the policy's keys, through S3.
        ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`),
        ...keyStatements(ctx, ['secondary'], ['kms:Decrypt'], false, `s3.${ctx.secondary}.amazonaws.com`),
      ];
    },
  },
  'alert-media-replication-failure': {
    roles: ['primary'],
    deployedWhen: hasBuckets,
    invokedBy: 'async',
    description: "Alerts on S3's replication events of a media bucket: an object that failed to replicate, or missed the 15 minutes of Replication Time Control",
    timeout: 30,
    memorySize: 256,
    events: () => [],
    statements: () => [],
  },
} satisfies Record<string, FunctionSpec>;

export type MediaVerifyFunction = keyof typeof FUNCTIONS;

/** S3 may invoke the alert function for each source bucket of the policy, in this account only. */
function invokePermissions(ctx: Context): Record<string, CfnResource> {
  return Object.fromEntries(
    ctx.policy.resources.buckets.map((b, index) => [
      `MediaReplicationEventsPermission${index + 1}`,
      {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: getAtt(lambdaLogicalId('alert-media-replication-failure')),
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
          SourceArn: bucketArn(b.bucket),
          SourceAccount: ref('AWS::AccountId'),
        },
      },
    ]),
  );
}

export const mediaVerify = {
  component: 'media',
  name: 'media/verify',
  functions: FUNCTIONS,
  resources: (ctx): TemplateFragment =>
    ctx.role !== 'primary' || !hasBuckets(ctx)
      ? { Resources: {}, Outputs: {} }
      : {
          Resources: invokePermissions(ctx),
          Outputs: {
            MediaReplicationEventsFunctionArn: {
              Description: "Send each media bucket's replication events (s3:Replication:OperationFailedReplication, s3:Replication:OperationMissedThreshold) here: README, \"Media\"",
              Value: getAtt(lambdaLogicalId('alert-media-replication-failure')),
            },
          },
        },
} as const satisfies Contribution;

