// Packaging time only: the redis-recovery runbook (README, "Recovering a cache") — its steps with
// least-privilege IAM and the state machine (state-machines/redis/redis-recovery.asl.json), in the
// primary only like database-recovery (the secondary recovers caches through region-failover), started
// by an operator (no schedule), deployed when the policy has a recovery section and a restore-tested
// cache (the restore test's settings are a recovery's fallback network, its RBAC user group and its wait).
// It also invokes the cache restore test's status and validate-cache-restore steps (redis/restore-test,
// whose status step may describe bdr-rec-* groups when this is deployed) and request-approval,
// switch-endpoint and check-endpoint-change (platform/runbook-steps).
//
// AWS facts relied on (Service Authorization Reference, ElastiCache): CreateReplicationGroup authorizes on
// the new group and its nodes, the parameter group, the subnet, security and user groups, and the
// snapshot it seeds from; it supports aws:RequestTag, and its Tags need AddTagsToResource. Each S3 ARN it
// seeds from needs s3:GetObject of the caller. DeleteReplicationGroup supports aws:ResourceTag.
// DescribeCacheClusters authorizes on the node (cluster:<group>-NNN).

import { relative, resolve } from 'node:path';
import { ENV, exportBucketName, OWNER_VALUE, PREFIX, REPORT_PREFIX } from '../../../shared/contracts.js';
import type { CacheResource } from '../../../shared/policy/schema.js';
import { REDIS_RECOVERY_DEFINITION_FILE, redisRecoveryDefinition } from '../../../state-machines/redis/redis-recovery.js';
import { ACCOUNT, elastiCacheArn, nonEmpty, PARTITION, secretArn, sub, unique, type CfnValue } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), REDIS_RECOVERY_DEFINITION_FILE);

type Recoverable = CacheResource & { restoreTest: NonNullable<CacheResource['restoreTest']> };
const recoverable = (ctx: Context): Recoverable[] => ctx.policy.resources.caches.filter((c): c is Recoverable => c.restoreTest !== undefined);

/** Deployed in the primary when the policy has a recovery section and a restore-tested cache. */
export const recoversCaches = (ctx: Context): boolean => ctx.policy.recovery !== undefined && recoverable(ctx).length > 0;

/** The groups a recovery creates and their nodes ("<group>-001"): the only groups its steps create or delete. */
export const recoveryGroups = (region: string): CfnValue => elastiCacheArn(region, `replicationgroup:${PREFIX.cacheRecoveryGroup}*`);
const recoveryNodes = (region: string): CfnValue => elastiCacheArn(region, `cluster:${PREFIX.cacheRecoveryGroup}*`);
/** The production groups a recovery replaces, and their nodes. */
const sourceGroups = (ctx: Context): CfnValue[] => recoverable(ctx).map((c) => elastiCacheArn(ctx.region, `replicationgroup:${c.replicationGroupId}`));
const sourceNodes = (ctx: Context): CfnValue[] => recoverable(ctx).map((c) => elastiCacheArn(ctx.region, `cluster:${c.replicationGroupId}-*`));
const exportBucket = (ctx: Context): string => exportBucketName(ctx.stage, ACCOUNT, ctx.region);
const exportObjects = (ctx: Context): CfnValue => sub(`arn:${PARTITION}:s3:::${exportBucket(ctx)}/${PREFIX.snapshot}-*`);
const authSecrets = (ctx: Context): string[] => unique(recoverable(ctx).flatMap((c) => (c.validation.authSecret === undefined ? [] : [c.validation.authSecret])));
const ownerRequestTag = (ctx: Context) => ({ StringEquals: { [`aws:RequestTag/${ctx.ownerTag}`]: OWNER_VALUE } });
/** The run records of recoveries (cache-recovery-notify's recoveryRecordKey). */
const RECORD_PREFIX = `${REPORT_PREFIX.runs}redis-recovery/`;

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>): FunctionSpec => ({ roles: ['primary'], deployedWhen: recoversCaches, invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'cache-recovery-plan': step({
    description: 'Cache recovery: checks the input, picks the newest verified export (or the snapshot or export named), names and shapes the new group',
    timeout: 60,
    memorySize: 256,
    environment: (ctx): Record<string, CfnValue> => ({ [ENV.exportBucket]: sub(exportBucket(ctx)) }),
    statements: (ctx) => [
      // Production's shape: its group, and its first node's network, parameter group and engine.
      { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: sourceGroups(ctx) },
      { Effect: 'Allow', Action: ['elasticache:DescribeCacheClusters'], Resource: sourceNodes(ctx) },
      // Whether the snapshot that may seed is available (DescribeSnapshots is authorized on snapshot:*).
      { Effect: 'Allow', Action: ['elasticache:DescribeSnapshots'], Resource: [elastiCacheArn(ctx.region, 'snapshot:*')] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [sub(`arn:${PARTITION}:s3:::${exportBucket(ctx)}`)] },
      { Effect: 'Allow', Action: ['s3:GetObjectTagging'], Resource: [exportObjects(ctx)] },
      // The manifest (the engine an .rdb seeds with when production is gone); ListBucket makes a missing one NoSuchKey.
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
    ],
  }),
  'cache-recovery-seed': step({
    description: 'Cache recovery: creates the new production-shaped replication group (tagged as ours and this run) from the snapshot or the exported .rdb',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => {
      const userGroups = unique(recoverable(ctx).flatMap((c) => (c.restoreTest.userGroupId === undefined ? [] : [c.restoreTest.userGroupId]))).map((id) => elastiCacheArn(ctx.region, `usergroup:${id}`));
      return nonEmpty([
        {
          Effect: 'Allow',
          Action: ['elasticache:CreateReplicationGroup'],
          Resource: [
            recoveryGroups(ctx.region),
            recoveryNodes(ctx.region),
            // Production's parameter group and subnet group, read at run time (any of this region's), the VPC
            // security groups, the policy's user groups, and our snapshots it may seed from.
            elastiCacheArn(ctx.region, 'parametergroup:*'),
            elastiCacheArn(ctx.region, 'securitygroup:*'),
            elastiCacheArn(ctx.region, 'subnetgroup:*'),
            ...userGroups,
            elastiCacheArn(ctx.region, `snapshot:${PREFIX.snapshot}-*`),
          ],
          Condition: ownerRequestTag(ctx),
        },
        { Effect: 'Allow', Action: ['elasticache:AddTagsToResource'], Resource: [recoveryGroups(ctx.region), recoveryNodes(ctx.region)], Condition: ownerRequestTag(ctx) },
        // A retried step finds the group already there and checks that it is this run's.
        { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'], Resource: [recoveryGroups(ctx.region)] },
        // Seeding from S3: each .rdb needs s3:GetObject of the caller.
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [exportObjects(ctx)] },
        // The AUTH token the new group is created with (the source's).
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: authSecrets(ctx).map((s) => secretArn(ctx.region, s)) },
      ]);
    },
  }),
  'cache-recovery-teardown': step({
    description: "Cache recovery: deletes this run's new group after a failure before the switch or a rejection (carrying our tags)",
    timeout: 60,
    memorySize: 256,
    retriedErrors: ['CacheTeardownNotReady'],
    statements: (ctx) => [
      { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'], Resource: [recoveryGroups(ctx.region)] },
      // Only bdr-rec-* groups carrying our owner tag; the step itself also requires this run's recovery tag.
      { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: [recoveryGroups(ctx.region)], Condition: { StringEquals: { [`aws:ResourceTag/${ctx.ownerTag}`]: OWNER_VALUE } } },
    ],
  }),
  'cache-recovery-retire': step({
    description: 'Cache recovery: tags the replaced group replaced-by and keep-until (never deletes it)',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['elasticache:AddTagsToResource', 'elasticache:DescribeReplicationGroups'], Resource: sourceGroups(ctx) }],
  }),
  'cache-recovery-notify': step({
    description: 'Cache recovery: the report and run record of every run (RTO/RPO), published to the alerts topic (critical when it failed)',
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(RECORD_PREFIX)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
} satisfies Record<string, FunctionSpec>;

export type CacheRecoveryFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  'redis-recovery': { roles: ['primary'], deployedWhen: recoversCaches, id: 'RedisRecoveryStateMachine', source: DEFINITION_SOURCE, definition: (ctx) => redisRecoveryDefinition(ctx.policy), schedules: () => [] },
} satisfies Record<string, StateMachineSpec>;

export type RedisRecoveryMachine = keyof typeof STATE_MACHINES;

export const redisRecovery = { component: 'redis', name: 'redis/recovery', functions: FUNCTIONS, stateMachines: STATE_MACHINES } as const satisfies Contribution;
