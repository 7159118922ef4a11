// Packaging time only: the media buckets the policy says this stack manages (`buckets[].managed`, the
// default) — in the primary the source bucket, in the secondary its replica — with what protects them:
// versioning; encryption with the region's key (the policy's kms.<role>, else the service's own key), with
// S3 Bucket Keys; public access blocked, bucket-owner enforced, TLS-only; lifecycle on the source
// (Standard-IA, Glacier Flexible Retrieval, Deep Archive after the policy's durations; noncurrent versions
// removed after `noncurrentExpireAfter`, when set); replication of every object and delete marker to the
// replica with Replication Time Control (15 minutes) and replication metrics (needed for S3's
// replication events), which go to alert-media-replication-failure. Retained on stack deletion.
// With `regions.archive` and a bucket's `archiveBucket`: the archive region's deployment creates the
// archive bucket (versioned, SSE-KMS with the archive key, public access blocked, bucket-owner enforced,
// TLS-only, retained), and the source gets a second rule (priority 2) replicating every object there into
// Deep Archive — without delete markers, so a delete in production never reaches the archive (and the
// role may not ReplicateDelete there). No Replication Time Control for it: the archive is the 7-year
// copy, not the recovery path. A bucket another stack owns (`managed: false`) is left alone (README:
// what that stack must declare; check-media-posture verifies it).
//
// AWS facts relied on (S3 user guide, replication): the destination must exist and be versioned when the
// rule is put — deploy the secondary first; SSE-KMS objects replicate only with SourceSelectionCriteria
// SseKmsEncryptedObjects and a ReplicaKmsKeyID (key or alias ARN) in the destination's region; the role
// needs GetObjectVersionForReplication/Acl/Tagging on the source, Replicate* on the destination, and
// kms:Decrypt / kms:Encrypt through S3 in each region. Lifecycle transitions: Standard-IA no earlier than
// 30 days. Deep Archive: the cheapest class, 180 days minimum storage (far below the 7 years kept), a
// restore within 12 hours (48 in bulk) — right for a copy that is read only when everything else is lost.

import { OWNER_VALUE, serviceKeyAlias } from '../../../shared/contracts.js';
import type { BucketResource } from '../../../shared/policy/schema.js';
import { ABORT_MULTIPART_DAYS, ARCHIVE_NONCURRENT_DAYS, ARCHIVE_STORAGE_CLASS, expectedTransitions, noncurrentDays, RTC_MINUTES, transitionDays } from '../../../shared/media/protection.js';
import { ACCOUNT, getAtt, lambdaLogicalId, LOGICAL_ID, PackagingError, PARTITION, sub, type CfnResource, type CfnValue, type TemplateFragment } from '../../core/cloudformation.js';
import type { Context, Contribution } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { s3ReplicationRole, tlsOnlyBucketPolicy } from '../../core/s3.js';

/** The id of the replication rule to the replica: S3's replication metrics (RuleId) name it, and so do the alarms on them. */
export const REPLICA_RULE_ID = 'to-replica';

const managed = (ctx: Context): BucketResource[] => ctx.policy.resources.buckets.filter((b) => b.managed);
/** The archive bucket of a managed bucket, when the policy has an archive region and names one. */
export const archiveOf = (ctx: Context, bucket: BucketResource): string | undefined => (ctx.policy.regions.archive === undefined ? undefined : bucket.archiveBucket);

const arnOf = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}`);
const objectsOf = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}/*`);

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
export function keyFor(ctx: Pick<Context, 'policy' | 'stage'>, role: 'primary' | 'secondary' | 'archive'): CfnValue {
  const named = ctx.policy.kms[role];
  const region = ctx.policy.regions[role];
  if (region === undefined) throw new PackagingError(`kms.${role}: the policy has no regions.${role}`);
  if (named === undefined) return sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:${serviceKeyAlias(ctx.stage)}`);
  if (named.startsWith('arn:')) return named;
  return sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:${named.startsWith('alias/') ? named : `key/${named}`}`);
}

const logicalId = (prefix: string, index: number) => `${prefix}${index + 1}`;


function common(ctx: Context, role: 'primary' | 'secondary' | 'archive', name: string) {
  return {
    BucketName: name,
    VersioningConfiguration: { Status: 'Enabled' },
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyFor(ctx, role) }, BucketKeyEnabled: true }] },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
  };
}

function noncurrent(bucket: BucketResource) {
  const days = noncurrentDays(bucket);
  return days === undefined ? {} : { NoncurrentVersionExpiration: { NoncurrentDays: days } };
}

/** Where the source's replication events go, and what it waits for: by default this stack's alert function and its permission. */
export interface SourceWiring {
  readonly replicationEvents: CfnValue;
  readonly dependsOn: readonly string[];
}

function ourWiring(ctx: Context, bucket: BucketResource): SourceWiring {
  return {
    replicationEvents: getAtt(lambdaLogicalId('alert-media-replication-failure')),
    // S3 checks it may invoke the function when the notification is put.
    dependsOn: [`MediaReplicationEventsPermission${ctx.policy.resources.buckets.indexOf(bucket) + 1}`],
  };
}

export function sourceBucket(ctx: Context, bucket: BucketResource, wiring: SourceWiring = ourWiring(ctx, bucket)): CfnResource {
  checkTransitions(bucket, transitionDays(bucket), ctx.policy.resources.buckets.indexOf(bucket));
  const transitions = expectedTransitions(bucket).map((t) => ({ StorageClass: t.storageClass, TransitionInDays: t.days }));
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    ...(wiring.dependsOn.length === 0 ? {} : { DependsOn: wiring.dependsOn }),
    Properties: {
      ...common(ctx, 'primary', bucket.bucket),
      LifecycleConfiguration: {
        Rules: [{ Id: 'media-lifecycle', Status: 'Enabled', Prefix: '', ...(transitions.length === 0 ? {} : { Transitions: transitions }), ...noncurrent(bucket), AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_DAYS } }],
      },
      ReplicationConfiguration: {
        Role: getAtt(LOGICAL_ID.mediaReplicationRole),
        Rules: [
          {
            Id: REPLICA_RULE_ID,
            Status: 'Enabled',
            Priority: 1,
            Filter: { Prefix: '' },
            // The replica mirrors deletions as delete markers (versions stay on both sides).
            DeleteMarkerReplication: { Status: 'Enabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: arnOf(bucket.replicaBucket),
              EncryptionConfiguration: { ReplicaKmsKeyID: keyFor(ctx, 'secondary') },
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: RTC_MINUTES } },
              Metrics: { Status: 'Enabled', EventThreshold: { Minutes: RTC_MINUTES } },
            },
          },
          ...archiveRules(ctx, bucket),
        ],
      },
      NotificationConfiguration: {
        LambdaConfigurations: ['s3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold'].map((Event) => ({ Event, Function: wiring.replicationEvents })),
      },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
    },
  };
}

/** The second rule: every object (never a delete marker) into Deep Archive in the archive region. */
function archiveRules(ctx: Context, bucket: BucketResource): Record<string, unknown>[] {
  const archive = archiveOf(ctx, bucket);
  if (archive === undefined) return [];
  return [
    {
      Id: 'to-archive',
      Status: 'Enabled',
      Priority: 2,
      Filter: { Prefix: '' },
      // A delete in production (or by an attacker) never reaches the archive.
      DeleteMarkerReplication: { Status: 'Disabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: { Bucket: arnOf(archive), StorageClass: ARCHIVE_STORAGE_CLASS, EncryptionConfiguration: { ReplicaKmsKeyID: keyFor(ctx, 'archive') } },
    },
  ];
}

/** The archive copy (archive region): versioned, the archive key, replaced versions kept 7 years. */
export function archiveBucket(ctx: Context, name: string): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      ...common(ctx, 'archive', name),
      LifecycleConfiguration: {
        Rules: [{ Id: 'archive-versions', Status: 'Enabled', Prefix: '', NoncurrentVersionExpiration: { NoncurrentDays: ARCHIVE_NONCURRENT_DAYS }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_DAYS } }],
      },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
    },
  };
}

export function replicaBucket(ctx: Context, bucket: BucketResource): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      ...common(ctx, 'secondary', bucket.replicaBucket),
      LifecycleConfiguration: { Rules: [{ Id: 'replica-versions', Status: 'Enabled', Prefix: '', ...noncurrent(bucket), AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_DAYS } }] },
      Tags: [{ Key: ctx.ownerTag, Value: OWNER_VALUE }],
    },
  };
}

export function replicationRole(ctx: Context, buckets: readonly BucketResource[]): CfnResource {
  const archives = buckets.flatMap((b) => archiveOf(ctx, b) ?? []);
  const archiveRegion = ctx.policy.regions.archive;
  const toArchive =
    archives.length === 0 || archiveRegion === undefined
      ? []
      : [
          // Objects and their tags only: no s3:ReplicateDelete, so no delete marker can land in the archive.
          { Effect: 'Allow' as const, Action: ['s3:ReplicateObject', 's3:ReplicateTags'], Resource: archives.map(objectsOf) },
          ...keyStatements(ctx, ['archive'], ['kms:Encrypt'], false, `s3.${archiveRegion}.amazonaws.com`),
        ];
  return s3ReplicationRole({
    description: `S3 replicates the ${ctx.stage} media buckets to ${ctx.secondary}${toArchive.length === 0 ? '' : ` and archives them in ${archiveRegion}`}`,
    policyName: 'replicate-media',
    sourceBuckets: buckets.map((b) => arnOf(b.bucket)),
    sourceObjects: buckets.map((b) => objectsOf(b.bucket)),
    destinationObjects: buckets.map((b) => objectsOf(b.replicaBucket)),
    more: [
      ...keyStatements(ctx, ['primary'], ['kms:Decrypt'], false, `s3.${ctx.primary}.amazonaws.com`),
      ...keyStatements(ctx, ['secondary'], ['kms:Encrypt'], false, `s3.${ctx.secondary}.amazonaws.com`),
      ...toArchive,
    ],
  });
}

/** The archive region's stack: the archive bucket of each managed bucket that names one. */
function archiveResources(ctx: Context): Record<string, CfnResource> {
  const resources: Record<string, CfnResource> = {};
  ctx.policy.resources.buckets.forEach((bucket, index) => {
    const archive = bucket.managed ? archiveOf(ctx, bucket) : undefined;
    if (archive === undefined) return;
    const id = logicalId('MediaArchiveBucket', index);
    resources[id] = archiveBucket(ctx, archive);
    resources[`${id}Policy`] = tlsOnlyBucketPolicy(id);
  });
  return resources;
}

export const mediaBuckets = {
  component: 'media',
  name: 'media/buckets',
  inArchive: true,
  warnings: (ctx) => {
    const unarchived = ctx.policy.regions.archive === undefined ? ctx.policy.resources.buckets.filter((b) => b.archiveBucket !== undefined) : [];
    const nothingToArchive = ctx.role === 'archive' && Object.keys(archiveResources(ctx)).length === 0;
    return [
      ...unarchived.map((b) => `resources.buckets[${ctx.policy.resources.buckets.indexOf(b)}].archiveBucket (${b.archiveBucket}) is not replicated to: the policy has no regions.archive`),
      ...(nothingToArchive ? [`the archive region ${ctx.region} gets no archive bucket: no managed bucket names an archiveBucket`] : []),
    ];
  },
  resources: (ctx): TemplateFragment => {
    if (ctx.role === 'archive') return { Resources: archiveResources(ctx), Outputs: {} };
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
