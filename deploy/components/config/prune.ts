// Packaging time only: prune-configuration-bundles in each region, daily at the policy's prune time, on
// that region's config bucket (the primary's bundles, the secondary's replicas: each deployment prunes its
// own). Its IAM is the bundle keys of that one bucket only: list their versions (s3:prefix held to the
// bundle keys), HEAD a version and read its tags (capture time, legal hold), delete a version. No KMS:
// HEAD and the tags do not decrypt. The config buckets carry no lifecycle: a noncurrent-version
// expiration would delete by age the monthly and yearly bundles the retention keeps (7 years).

import { ENV, SERVICE } from '../../../shared/contracts.js';
import { type Context, type Contribution, type FunctionSpec, scheduled } from '../../core/contribution.js';
import { sub } from '../../core/cloudformation.js';
import { BUNDLE_KEYS, bucketArn, bucketName, bundlesArn, hasConfiguration } from './backup.js';

const FUNCTIONS = {
  'prune-configuration-bundles': {
    roles: ['primary', 'secondary'],
    deployedWhen: hasConfiguration,
    invokedBy: 'async',
    description: "Deletes the versions of each configuration bundle the policy's retention removes (GFS, as the database's), in this region's config bucket; never the current version or one under legal hold",
    timeout: 300,
    memorySize: 256,
    environment: (ctx: Context) => ({ [ENV.configBucket]: sub(bucketName(ctx, ctx.region)) }),
    events: (ctx: Context) => [scheduled(ctx, ctx.policy.rds.pruneSchedule, `${SERVICE}: prune configuration bundles by the policy's retention`)],
    statements: (ctx: Context) => [
      { Effect: 'Allow', Action: ['s3:ListBucketVersions'], Resource: [bucketArn(ctx, ctx.region)], Condition: { StringLike: { 's3:prefix': [BUNDLE_KEYS] } } },
      { Effect: 'Allow', Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:DeleteObjectVersion'], Resource: [bundlesArn(ctx, ctx.region)] },
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type ConfigPruneFunction = keyof typeof FUNCTIONS;

export const configPrune = {
  component: 'config',
  name: 'config/prune',
  functions: FUNCTIONS,
} as const satisfies Contribution;
