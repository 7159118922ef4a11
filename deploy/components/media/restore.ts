// Packaging time only: the point-in-time restore of a media prefix — the steps its state machine invokes
// (plan, a page of the walk, record, notify) with least-privilege IAM, and the media-restore state
// machine (state-machines/media/restore-prefix.asl.json), started by an operator (no schedule). In the
// primary, where the media buckets are; it reads the replicas in the secondary across regions.
//
// AWS facts relied on (S3 API reference): ListObjectVersions needs s3:ListBucketVersions; HEAD and copy
// of a given version s3:GetObjectVersion (and s3:GetObjectVersionTagging to copy its tags); the copy's
// destination s3:PutObject and s3:PutObjectTagging; a delete marker s3:DeleteObject (a version id would be
// s3:DeleteObjectVersion, never granted here: nothing is erased); RestoreObject s3:RestoreObject.

import { relative, resolve } from 'node:path';
import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { MEDIA_RESTORE_DEFINITION_FILE, mediaRestoreDefinition } from '../../../state-machines/media/restore-prefix.js';
import { nonEmpty, PARTITION, sub, type CfnValue } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), MEDIA_RESTORE_DEFINITION_FILE);

const bucketArn = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}`);
const objectsArn = (name: string): CfnValue => sub(`arn:${PARTITION}:s3:::${name}/*`);
const sources = (ctx: Context) => ctx.policy.resources.buckets.map((b) => b.bucket);
const replicas = (ctx: Context) => ctx.policy.resources.buckets.map((b) => b.replicaBucket);

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events'>): FunctionSpec => ({ roles: ['primary'], invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'media-restore-plan': step({
    description: 'Point-in-time restore of a prefix: checks the request against the policy and starts the walk (dry run unless told otherwise)',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
  'media-restore-pass': step({
    description: 'Point-in-time restore of a prefix: decides and (unless a dry run) restores up to 1,000 keys, listing every change',
    timeout: 900,
    memorySize: 512,
    statements: (ctx) =>
      nonEmpty([
        { Effect: 'Allow', Action: ['s3:ListBucketVersions'], Resource: [...sources(ctx), ...replicas(ctx)].map(bucketArn) },
        { Effect: 'Allow', Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:RestoreObject'], Resource: [...sources(ctx), ...replicas(ctx)].map(objectsArn) },
        // The copy back and the delete marker, only in the source buckets.
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: sources(ctx).map(objectsArn) },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.mediaRestores)] },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
        // Buckets encrypted with the policy's keys: read a version in either region, write the copy in the primary.
        ...(ctx.policy.resources.buckets.length === 0
          ? []
          : [
              ...keyStatements(ctx, ['primary'], ['kms:Decrypt', 'kms:GenerateDataKey'], false, `s3.${ctx.primary}.amazonaws.com`),
              ...keyStatements(ctx, ['secondary'], ['kms:Decrypt'], false, `s3.${ctx.secondary}.amazonaws.com`),
            ]),
      ]),
  }),
  'media-restore-record': step({
    description: "Point-in-time restore of a prefix: the outcome and the evidence in this region's reports bucket",
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
  'media-restore-notify': step({
    description: 'Point-in-time restore of a prefix: publishes a failed restore to the alerts topic',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
} satisfies Record<string, FunctionSpec>;

export type MediaRestoreFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  'media-restore': { roles: ['primary'], id: 'MediaRestoreStateMachine', source: DEFINITION_SOURCE, definition: () => mediaRestoreDefinition(), schedules: () => [] },
} satisfies Record<string, StateMachineSpec>;

export type MediaRestoreMachine = keyof typeof STATE_MACHINES;

export const mediaRestore = { component: 'media', name: 'media/restore', functions: FUNCTIONS, stateMachines: STATE_MACHINES } as const satisfies Contribution;
