// Packaging time only: the manifests where the restore tests run. capture-db-manifest writes them to the
// primary's reports bucket; validate-restore reads them from its own region's bucket (a VPC endpoint
// serves its own region only, and the primary's bucket is gone in a regional disaster). So the primary's
// manifests/ are replicated to the secondary's reports bucket, re-encrypted with the secondary's service
// key. The destination must exist first: deploy the secondary before the primary.
//
// AWS facts relied on (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html):
// SSE-KMS objects replicate only when the rule opts in (SourceSelectionCriteria.SseKmsEncryptedObjects)
// and names the replica key (EncryptionConfiguration.ReplicaKmsKeyID, a key in the destination's region);
// the replication role needs s3:GetObjectVersionForReplication on the source objects, kms:Decrypt on the
// source key and kms:Encrypt on the replica key, best narrowed with kms:ViaService and the
// kms:EncryptionContext:aws:s3:arn condition — which, with S3 Bucket Keys (both buckets use them), is the
// bucket ARN rather than the object ARN, and the replica key must also allow kms:Decrypt.
// ReplicaKmsKeyID takes a key ARN or an alias ARN (https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html;
// an alias resolves in the requester's account — here the same account): the secondary's key is named by
// its stage-scoped alias ARN, so the primary needs no parameter for it. Versioning is on in both buckets.

import { REPORT_PREFIX, reportsBucketName, serviceKeyAlias } from '../../shared/contracts.js';
import { ACCOUNT, getAtt, LOGICAL_ID, PARTITION, sub, type CfnResource, type Statement } from '../core/cloudformation.js';
import type { Context } from '../core/contribution.js';
import { mergeConditions, namedKeyScope } from '../core/kms.js';

/** A reports bucket by its deterministic name (no Ref: the role and the bucket would depend on each other). */
const bucketArn = (ctx: Context, region: string) => `arn:${PARTITION}:s3:::${reportsBucketName(ctx.stage, ACCOUNT, region)}`;

function replicationRole(ctx: Context): CfnResource {
  const source = bucketArn(ctx, ctx.primary);
  const destination = bucketArn(ctx, ctx.secondary);
  const prefix = REPORT_PREFIX.manifests;
  const encryptionContext = (bucket: string) => ({ 'kms:EncryptionContext:aws:s3:arn': [sub(bucket), sub(`${bucket}/${prefix}*`)] });
  const replicaKey = namedKeyScope(serviceKeyAlias(ctx.stage), ctx.secondary);
  const statements: Statement[] = [
    { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [sub(source)] },
    { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: [sub(`${source}/${prefix}*`)] },
    { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: [sub(`${destination}/${prefix}*`)] },
    // The manifests are encrypted with this (the primary's) service key, through S3 here.
    {
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [getAtt(LOGICAL_ID.key)],
      Condition: { StringEquals: { 'kms:ViaService': `s3.${ctx.primary}.amazonaws.com` }, StringLike: encryptionContext(source) },
    },
    // The replicas, with the secondary's service key (by its alias), through S3 there.
    {
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: replicaKey.Resource,
      Condition: mergeConditions(replicaKey.Condition, { StringEquals: { 'kms:ViaService': `s3.${ctx.secondary}.amazonaws.com` }, StringLike: encryptionContext(destination) })!,
    },
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `S3 replicates the ${ctx.stage} manifests to ${ctx.secondary}`,
      // The trust policy of the S3 guide (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html):
      // only this account can pass the role to a bucket (iam:PassRole), and it may touch only our buckets.
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      Policies: [{ PolicyName: 'replicate-manifests', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}

/** In the primary: the ReplicationConfiguration of its reports bucket, and the role S3 replicates with. Nothing in the secondary. */
export function manifestReplication(ctx: Context): { bucketProperties: Record<string, unknown>; resources: Record<string, CfnResource> } {
  if (ctx.role !== 'primary') return { bucketProperties: {}, resources: {} };
  return {
    bucketProperties: {
      ReplicationConfiguration: {
        Role: getAtt(LOGICAL_ID.manifestReplicationRole),
        Rules: [
          {
            Id: 'manifests-to-secondary',
            Status: 'Enabled',
            Priority: 1,
            Filter: { Prefix: REPORT_PREFIX.manifests },
            // A superseded or deleted manifest stays in the secondary until its lifecycle removes it.
            DeleteMarkerReplication: { Status: 'Disabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: sub(bucketArn(ctx, ctx.secondary)),
              EncryptionConfiguration: { ReplicaKmsKeyID: sub(`arn:${PARTITION}:kms:${ctx.secondary}:${ACCOUNT}:${serviceKeyAlias(ctx.stage)}`) },
            },
          },
        ],
      },
    },
    resources: { [LOGICAL_ID.manifestReplicationRole]: replicationRole(ctx) },
  };
}
