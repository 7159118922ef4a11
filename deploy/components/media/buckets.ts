// Packaging time only: the media buckets the policy says this stack manages (`buckets[].managed`, the
// default) — in the primary the source bucket, in the secondary its replica — with what protects them:
// versioning; encryption with the region's key (the policy's kms.<role>, else the service's own key), with
// S3 Bucket Keys; public access blocked, bucket-owner enforced, TLS-only; lifecycle on the source
// (Standard-IA, Glacier Flexible Retrieval, Deep Archive after the policy's durations; noncurrent versions
// removed after `noncurrentExpireAfter`, when set); replication of every object and delete marker to the
// replica with Replication Time Control (15 minutes) and replication metrics (needed for S3's
// replication events), which go to alert-media-replication-failure. Retained on stack deletion.
// A bucket another stack owns (`managed: false`) is left alone (README: what that stack must declare).
//
// AWS facts relied on (S3 user guide, replication): the destination must exist and be versioned when the
// rule is put — deploy the secondary first; SSE-KMS objects replicate only with SourceSelectionCriteria
// SseKmsEncryptedObjects and a ReplicaKmsKeyID (key or alias ARN) in the destination's region; the role
// needs GetObjectVersionForReplication/Acl/Tagging on the source, Replicate* on the destination, and
// kms:Decrypt / kms:Encrypt through S3 in each region. Lifecycle transitions: Standard-IA no earlier than
// 30 days.

import { OWNER_VALUE, serviceKeyAlias } from '../../../shared/contracts.js';
import type { BucketResource } from '../../../shared/policy/schema.js';
import { durationDays, type Duration } from '../../../shared/retention/duration.js';
import { ACCOUNT, getAtt, lambdaLogicalId, LOGICAL_ID, PackagingError, PARTITION, sub, type CfnResource, type CfnValue, type TemplateFragment } from '../../core/cloudformation.js';
import type { Context, Contribution } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { s3ReplicationRole, tlsOnlyBucketPolicy } from '../../core/s3.js';

const managed = (ctx: Context): BucketResource[] => ctx.policy.resources.buckets.filter((b) => b.managed);
const arnOf = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}`);
const objectsOf = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}/*`);

/** Whole days of a policy duration, as lifecycle rules count them (a month as 30 days, a year as 365). */
export function lifecycleDays(d: Duration): number {
  return Math.max(1, durationDays(d));
}

/** S3 refuses transitions out of order, and a move out of Standard-IA before 30 days there (S3 user guide, lifecycle constraints). */
function checkTransitions(bucket: BucketResource, days: { ia?: number; glacier?: number; deep?: number }, index: number): void {
  const field = (name: string) => `resources.buckets[${index}].lifecycle.${name}`;
  if (days.ia !== undefined && days.glacier !== undefined && days.glacier < days.ia + 30) {
    throw new PackagingError(`${field('glacierAfter')} (${days.glacier} days) of ${bucket.name} must come at least 30 days after infrequentAccessAfter (${days.ia} days: S3 keeps an object 30 days in Standard-IA)`);
  }
  const before = days.glacier ?? days.ia;
  if (days.deep !== undefined && before !== undefined && days.deep <= before) {
    throw new PackagingError(`${field('deepArchiveAfter')} (${days.deep} days) of ${bucket.name} must come after ${days.glacier === undefined ? 'infrequentAccessAfter' : 'glacierAfter'} (${before} days)`);
  }
  if (days.ia !== undefined && days.deep !== undefined && days.glacier === undefined && days.deep < days.ia + 30) {
    throw new PackagingError(`${field('deepArchiveAfter')} (${days.deep} days) of ${bucket.name} must come at least 30 days after infrequentAccessAfter (${days.ia} days)`);
  }
}

/** The key a region role encrypts with, as S3 takes it: the policy's key (alias or ARN), else the service key's alias ARN. */
function keyFor(ctx: Context, role: 'primary' | 'secondary'): CfnValue {
  const named = ctx.policy.kms[role];
  const region = ctx.policy.regions[role];
  if (named === undefined) return sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:${serviceKeyAlias(ctx.stage)}`);
  if (named.startsWith('arn:')) return named;
  return sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:${named.startsWith('alias/') ? named : `key/${named}`}`);
}

const logicalId = (prefix: string, index: number) => `${prefix}${index + 1}`;


function common(ctx: Context, role: 'primary' | 'secondary', name: string) {
  return {
    BucketName: name,
    VersioningConfiguration: { Status: 'Enabled' },
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyFor(ctx, role) }, BucketKeyEnabled: true }] },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
  };
}

function noncurrent(bucket: BucketResource) {
  const after = bucket.lifecycle.noncurrentExpireAfter;
  return after === undefined ? {} : { NoncurrentVersionExpiration: { NoncurrentDays: lifecycleDays(after) } };
}

function sourceBucket(ctx: Context, bucket: BucketResource): CfnResource {
  const { infrequentAccessAfter, glacierAfter, deepArchiveAfter } = bucket.lifecycle;
  const days = {
    ...(infrequentAccessAfter === undefined ? {} : { ia: Math.max(30, lifecycleDays(infrequentAccessAfter)) }),
    ...(glacierAfter === undefined ? {} : { glacier: lifecycleDays(glacierAfter) }),
    ...(deepArchiveAfter === undefined ? {} : { deep: lifecycleDays(deepArchiveAfter) }),
  };
  checkTransitions(bucket, days, ctx.policy.resources.buckets.indexOf(bucket));
  const transitions = [
    ...(days.ia === undefined ? [] : [{ StorageClass: 'STANDARD_IA', TransitionInDays: days.ia }]),
    ...(days.glacier === undefined ? [] : [{ StorageClass: 'GLACIER', TransitionInDays: days.glacier }]),
    ...(days.deep === undefined ? [] : [{ StorageClass: 'DEEP_ARCHIVE', TransitionInDays: days.deep }]),
  ];
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    // S3 checks it may invoke the function when the notification is put.
    DependsOn: [`MediaReplicationEventsPermission${ctx.policy.resources.buckets.indexOf(bucket) + 1}`],
    Properties: {
      ...common(ctx, 'primary', bucket.bucket),
      LifecycleConfiguration: {
        Rules: [{ Id: 'media-lifecycle', Status: 'Enabled', Prefix: '', ...(transitions.length === 0 ? {} : { Transitions: transitions }), ...noncurrent(bucket), AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
      },
      ReplicationConfiguration: {
        Role: getAtt(LOGICAL_ID.mediaReplicationRole),
        Rules: [
          {
            Id: 'to-replica',
            Status: 'Enabled',
            Priority: 1,
            Filter: { Prefix: '' },
            // The replica mirrors deletions as delete markers (versions stay on both sides).
            DeleteMarkerReplication: { Status: 'Enabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: arnOf(bucket.replicaBucket),
              EncryptionConfiguration: { ReplicaKmsKeyID: keyFor(ctx, 'secondary') },
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
              Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
            },
          },
        ],
      },
      NotificationConfiguration: {
        LambdaConfigurations: ['s3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold'].map((Event) => ({ Event, Function: getAtt(lambdaLogicalId('alert-media-replication-failure')) })),
      },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
    },
  };
}

function replicaBucket(ctx: Context, bucket: BucketResource): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      ...common(ctx, 'secondary', bucket.replicaBucket),
      LifecycleConfiguration: { Rules: [{ Id: 'replica-versions', Status: 'Enabled', Prefix: '', ...noncurrent(bucket), AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }] },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
    },
  };
}

function replicationRole(ctx: Context, buckets: readonly BucketResource[]): CfnResource {
  return s3ReplicationRole({
    description: `S3 replicates the ${ctx.stage} media buckets to ${ctx.secondary}`,
    policyName: 'replicate-media',
    sourceBuckets: buckets.map((b) => arnOf(b.bucket)),
    sourceObjects: buckets.map((b) => objectsOf(b.bucket)),
    destinationObjects: buckets.map((b) => objectsOf(b.replicaBucket)),
    more: [
      ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`),
      ...keyStatements(ctx, ['secondary'], ['kms:Encrypt'], false, `s3.${ctx.secondary}.amazonaws.com`),
    ],
  });
}

export const mediaBuckets = {
  component: 'media',
  name: 'media/buckets',
  resources: (ctx): TemplateFragment => {
    const buckets = managed(ctx);
    if (buckets.length === 0) return { Resources: {}, Outputs: {} };
    const all = ctx.policy.resources.buckets;
    const resources: Record<string, CfnResource> = {};
    for (const bucket of buckets) {
      const index = all.indexOf(bucket);
      const id = logicalId(ctx.role === 'primary' ? 'MediaBucket' : 'MediaReplicaBucket', index);
      resources[id] = ctx.role === 'primary' ? sourceBucket(ctx, bucket) : replicaBucket(ctx, bucket);
      resources[`${id}Policy`] = tlsOnlyBucketPolicy(id);
    }
    if (ctx.role === 'primary') resources[LOGICAL_ID.mediaReplicationRole] = replicationRole(ctx, buckets);
    return { Resources: resources, Outputs: {} };
  },
} as const satisfies Contribution;
