// Packaging time only: the daily posture check of the media buckets (check-media-posture) — in the
// primary the sources and their archive copies (the archive region runs no function), in the secondary
// the replicas; managed buckets (drift from the template) and buckets another stack owns alike. It may
// only read each bucket's configuration (never an object) and describe the keys it expects them to be
// encrypted with; and keep its memory of what it alerted in the reports bucket.

import { SERVICE } from '../../../shared/contracts.js';
import { PARTITION, sub, type CfnValue, type Statement } from '../../core/cloudformation.js';
import { runningRole, scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { postureMemoryStatements } from '../../platform/reports-bucket.js';

const hasBuckets = (ctx: Context) => ctx.policy.resources.buckets.length > 0;
const bucketArn = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}`);

/** The seven configuration reads of the check (the IAM actions behind GetBucketVersioning … GetBucketPolicy). */
export const POSTURE_READS = [
  's3:GetBucketVersioning',
  's3:GetReplicationConfiguration',
  's3:GetLifecycleConfiguration',
  's3:GetEncryptionConfiguration',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketOwnershipControls',
  's3:GetBucketPolicy',
];

/** The buckets a region checks: the primary the sources and archive copies, the secondary the replicas. */
export function postureBuckets(ctx: Context): string[] {
  const { buckets } = ctx.policy.resources;
  if (runningRole(ctx) === 'secondary') return buckets.map((b) => b.replicaBucket);
  const archived = ctx.policy.regions.archive === undefined ? [] : buckets.flatMap((b) => b.archiveBucket ?? []);
  return [...buckets.map((b) => b.bucket), ...archived];
}

const FUNCTIONS = {
  'check-media-posture': {
    roles: ['primary', 'secondary'],
    deployedWhen: hasBuckets,
    invokedBy: 'async',
    description: "Daily: each media bucket's settings (versioning, replication, lifecycle, encryption, public access, ownership, TLS-only policy) against the policy; drift alerts",
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, `${SERVICE}: posture of the media buckets`)],
    statements: (ctx): Statement[] => [
      { Effect: 'Allow', Action: POSTURE_READS, Resource: postureBuckets(ctx).map(bucketArn) },
      // The expected keys by what S3 may report (key id, ARN): DescribeKey only, no use of them.
      ...keyStatements(ctx, runningRole(ctx) === 'primary' ? ['primary', 'archive'] : ['secondary'], ['kms:DescribeKey'], false),
      // What it last alerted (alert once per change), in this region's reports bucket.
      ...postureMemoryStatements(ctx),
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type MediaPostureFunction = keyof typeof FUNCTIONS;

export const mediaPosture = {
  component: 'media',
  name: 'media/posture',
  functions: FUNCTIONS,
} as const satisfies Contribution;
