// Packaging time only: where exported cache snapshots live and how they reach the DR region — an export
// bucket per region (deployed when the policy has caches), the primary's replicated to the secondary's
// with S3 Replication Time Control — and the functions that export, verify, prune and check them.
//
// AWS facts relied on (ElastiCache user guide, "Exporting a backup" and "Seeding a new cluster"; S3 user
// guide, replication): ElastiCache writes "<name>-0001.rdb" (one object per node group) into a bucket of
// the same region; the guide recommends granting it access by a bucket policy for the service principal
// <region>.elasticache-snapshot.amazonaws.com (PutObject, GetObject, ListBucket, GetBucketAcl and the
// multipart listings) rather than the older ACL grant to its canonical user, which also lets the bucket
// enforce bucket-owner ownership (no ACLs, and every object replicable: replication skips objects whose
// ACLs the owner cannot read). A cluster is seeded only from an .rdb encrypted with SSE-S3, so the
// buckets use SSE-S3, not the service key. The caller of CopySnapshot needs s3:ListAllMyBuckets on
// arn:aws:s3:::* besides the bucket's own actions. RTC: ReplicationTime (15 min) with Metrics (15 min).
// The grant's actions per role are shared/redis/export-bucket.ts's, which check-cache-posture checks daily.

import { ENV, EXPORT_TAG, exportBucketName, OWNER_VALUE, PREFIX, SERVICE, TAG } from '../../../shared/contracts.js';
import { ACCOUNT, elastiCacheArn, getAtt, LOGICAL_ID, PARTITION, ref, sub, type CfnResource, type CfnValue, type TemplateFragment } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { s3ReplicationRole } from '../../core/s3.js';
import { elastiCacheSnapshotPrincipal, ELASTICACHE_EXPORT_GRANT, TLS_ONLY_SID } from '../../../shared/redis/export-bucket.js';
import { postureMemoryStatements } from '../../platform/reports-bucket.js';
import { ourCacheSnapshots } from './backup.js';

/** A region's export bucket by its deterministic name (one region names the other's without a lookup). */
const exportBucketSub = (ctx: Context, region: string): string => exportBucketName(ctx.stage, ACCOUNT, region);
const exportBucketArn = (ctx: Context, region: string): CfnValue => sub(`arn:${PARTITION}:s3:::${exportBucketSub(ctx, region)}`);
const exportObjectsArn = (ctx: Context, region: string): CfnValue => sub(`arn:${PARTITION}:s3:::${exportBucketSub(ctx, region)}/*`);
const otherRegion = (ctx: Context): string => (ctx.role === 'primary' ? ctx.secondary : ctx.primary);
const hasCaches = (ctx: Context): boolean => ctx.policy.resources.caches.length > 0;

/** Superseded versions of an export (it is written once; prune deletes by the policy) go after this. */
const NONCURRENT_EXPIRE_DAYS = 7;

function exportBucket(ctx: Context): CfnResource {
  const replication =
    ctx.role !== 'primary'
      ? {}
      : {
          ReplicationConfiguration: {
            Role: getAtt(LOGICAL_ID.exportReplicationRole),
            Rules: [
              {
                Id: 'exports-to-secondary',
                Status: 'Enabled',
                Priority: 1,
                Filter: { Prefix: '' },
                // Each region prunes its own copies by the policy: a deletion here is not a deletion there.
                DeleteMarkerReplication: { Status: 'Disabled' },
                Destination: {
                  Bucket: exportBucketArn(ctx, ctx.secondary),
                  ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
                  Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
                },
              },
            ],
          },
        };
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      BucketName: sub(exportBucketSub(ctx, ctx.region)),
      VersioningConfiguration: { Status: 'Enabled' },
      // SSE-S3: a seeding .rdb must not be KMS-encrypted.
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'superseded-versions',
            Status: 'Enabled',
            Prefix: '',
            NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_EXPIRE_DAYS },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
          },
        ],
      },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
      ...replication,
    },
  };
}

function exportBucketPolicy(ctx: Context): CfnResource {
  const grant = ELASTICACHE_EXPORT_GRANT[ctx.role === 'primary' ? 'primary' : 'secondary'];
  const bucket = getAtt(LOGICAL_ID.exportBucket);
  const objects = sub(`\${${LOGICAL_ID.exportBucket}.Arn}/*`);
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(LOGICAL_ID.exportBucket),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Sid: TLS_ONLY_SID, Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucket, objects], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          // The primary's receives exports; a cluster seeded in the secondary reads its .rdb from there.
          {
            Sid: grant.sid,
            Effect: 'Allow',
            Principal: { Service: elastiCacheSnapshotPrincipal(ctx.region) },
            Action: [...grant.actions],
            Resource: [bucket, objects],
          },
        ],
      },
    },
  };
}

function replicationRole(ctx: Context): CfnResource {
  return s3ReplicationRole({
    description: `S3 replicates the ${ctx.stage} cache exports to ${ctx.secondary}`,
    policyName: 'replicate-exports',
    sourceBuckets: [exportBucketArn(ctx, ctx.primary)],
    sourceObjects: [exportObjectsArn(ctx, ctx.primary)],
    destinationObjects: [exportObjectsArn(ctx, ctx.secondary)],
  });
}

/** The environment both functions read their buckets from. */
const bucketsEnvironment = (ctx: Context): Record<string, CfnValue> => ({
  [ENV.exportBucket]: ref(LOGICAL_ID.exportBucket),
  [ENV.peerExportBucket]: sub(exportBucketSub(ctx, otherRegion(ctx))),
});

const FUNCTIONS = {
  'export-cache-snapshots': {
    roles: ['primary'],
    deployedWhen: hasCaches,
    invokedBy: 'async',
    description: 'Exports our new cache snapshots to the export bucket (replicated to the secondary), alerting on an export refused or never arrived',
    timeout: 120,
    memorySize: 256,
    environment: bucketsEnvironment,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.reconcileSchedule, `${SERVICE}: export new cache snapshots to S3`)],
    statements: (ctx) => [
      // DescribeSnapshots lists every snapshot of the region: IAM authorizes it on snapshot:*.
      { Effect: 'Allow', Action: ['elasticache:DescribeSnapshots'], Resource: [elastiCacheArn(ctx.region, 'snapshot:*')] },
      { Effect: 'Allow', Action: ['elasticache:ListTagsForResource', 'elasticache:CopySnapshot'], Resource: [ourCacheSnapshots(ctx.region)] },
      // Only the export tags, only on our snapshots (a failed export's request mark is removed).
      {
        Effect: 'Allow',
        Action: ['elasticache:AddTagsToResource', 'elasticache:RemoveTagsFromResource'],
        Resource: [ourCacheSnapshots(ctx.region)],
        Condition: { StringEquals: { [`aws:ResourceTag/${ctx.ownerTag}`]: OWNER_VALUE }, 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.exportRequestedAt, TAG.exportedAt, TAG.exportFailed] } },
      },
      // What ElastiCache checks of the caller of an export (the guide's list): the bucket, its objects, and listing buckets.
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [getAtt(LOGICAL_ID.exportBucket)] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: [sub(`\${${LOGICAL_ID.exportBucket}.Arn}/${PREFIX.snapshot}-*`)] },
      { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: [sub(`arn:${PARTITION}:s3:::*`)] },
    ],
  },
  'verify-cache-exports': {
    roles: ['primary', 'secondary'],
    deployedWhen: hasCaches,
    invokedBy: 'async',
    description: 'Verifies each exported .rdb against the other region (size, S3 checksum) and through the RDB integrity check (CRC64), alerting once per failure',
    timeout: 900,
    memorySize: 512,
    environment: bucketsEnvironment,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.reconcileSchedule, `${SERVICE}: verify exported cache snapshots`)],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt(LOGICAL_ID.exportBucket)] },
      // It reads and marks the version it looked at (VersionId on GetObject and PutObjectTagging).
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
        Resource: [sub(`\${${LOGICAL_ID.exportBucket}.Arn}/${PREFIX.snapshot}-*`)],
      },
      // The other region's copies are only looked at (HEAD is s3:GetObject).
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [sub(`arn:${PARTITION}:s3:::${exportBucketSub(ctx, otherRegion(ctx))}/${PREFIX.snapshot}-*`)] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [exportBucketArn(ctx, otherRegion(ctx))] },
    ],
  },
  'prune-cache-backups': {
    roles: ['primary', 'secondary'],
    deployedWhen: hasCaches,
    invokedBy: 'async',
    description: "Deletes the cache backups the policy's retention removes (primary: snapshots and exports; secondary: replicas), guarded like the database snapshots",
    timeout: 300,
    memorySize: 256,
    environment: bucketsEnvironment,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.pruneSchedule, `${SERVICE}: prune cache backups by the policy's retention`)],
    statements: (ctx) => [
      // Both regions read the primary's snapshots (legal holds); only the primary deletes them, only ours.
      { Effect: 'Allow', Action: ['elasticache:DescribeSnapshots'], Resource: [elastiCacheArn(ctx.primary, 'snapshot:*')] },
      { Effect: 'Allow', Action: ['elasticache:ListTagsForResource'], Resource: [ourCacheSnapshots(ctx.primary)] },
      ...(ctx.role === 'primary'
        ? [{ Effect: 'Allow' as const, Action: ['elasticache:DeleteSnapshot'], Resource: [ourCacheSnapshots(ctx.primary)], Condition: { StringEquals: { [`aws:ResourceTag/${ctx.ownerTag}`]: OWNER_VALUE } } }]
        : []),
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt(LOGICAL_ID.exportBucket), exportBucketArn(ctx, otherRegion(ctx))] },
      { Effect: 'Allow', Action: ['s3:GetObjectTagging', 's3:DeleteObject'], Resource: [sub(`\${${LOGICAL_ID.exportBucket}.Arn}/${PREFIX.snapshot}-*`)] },
      { Effect: 'Allow', Action: ['s3:GetObjectTagging'], Resource: [sub(`arn:${PARTITION}:s3:::${exportBucketSub(ctx, otherRegion(ctx))}/${PREFIX.snapshot}-*`)] },
    ],
  },
  'check-cache-posture': {
    roles: ['primary', 'secondary'],
    deployedWhen: hasCaches,
    invokedBy: 'async',
    description: "Daily: a missed cache snapshot, the newest verified export against the RPO, the export bucket's grants, ownership, public access and replication; each finding an alert",
    timeout: 120,
    memorySize: 256,
    environment: bucketsEnvironment,
    events: (ctx) => [scheduled(ctx, ctx.policy.rds.postureSchedule, `${SERVICE}: posture of the cache backups`)],
    statements: (ctx) => [
      ...(ctx.role === 'primary' ? [{ Effect: 'Allow' as const, Action: ['elasticache:DescribeSnapshots'], Resource: [elastiCacheArn(ctx.primary, 'snapshot:*')] }] : []),
      // The export bucket's own settings: its policy (ElastiCache's grant, the TLS-only deny), object
      // ownership, public access block and, in the primary, its replication — of this bucket only.
      {
        Effect: 'Allow',
        Action: ['s3:GetBucketPolicy', 's3:GetBucketOwnershipControls', 's3:GetBucketPublicAccessBlock', ...(ctx.role === 'primary' ? ['s3:GetReplicationConfiguration'] : [])],
        Resource: [getAtt(LOGICAL_ID.exportBucket)],
      },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt(LOGICAL_ID.exportBucket)] },
      { Effect: 'Allow', Action: ['s3:GetObjectTagging'], Resource: [sub(`\${${LOGICAL_ID.exportBucket}.Arn}/${PREFIX.snapshot}-*`)] },
      // What it last alerted (alert once per change).
      ...postureMemoryStatements(ctx),
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type RedisExportFunction = keyof typeof FUNCTIONS;

export const redisExports = {
  component: 'redis',
  name: 'redis/exports',
  functions: FUNCTIONS,
  resources: (ctx): TemplateFragment =>
    !hasCaches(ctx)
      ? { Resources: {}, Outputs: {} }
      : {
          Resources: {
            [LOGICAL_ID.exportBucket]: exportBucket(ctx),
            [LOGICAL_ID.exportBucketPolicy]: exportBucketPolicy(ctx),
            ...(ctx.role === 'primary' ? { [LOGICAL_ID.exportReplicationRole]: replicationRole(ctx) } : {}),
          },
          Outputs: {
            CacheExportBucketName: {
              Description: `Exported cache snapshots (.rdb) of this region${ctx.role === 'primary' ? `, replicated to ${ctx.secondary}` : `, replicated from ${ctx.primary}`}; marks ${EXPORT_TAG.verifiedIn(ctx.region)}`,
              Value: ref(LOGICAL_ID.exportBucket),
            },
          },
        },
} as const satisfies Contribution;
