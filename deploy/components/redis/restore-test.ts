// Packaging time only: the cache restore test — the steps its state machine invokes (plan, seed, status,
// validate, teardown, record, notify) with least-privilege IAM, and the state machine made from
// state-machines/redis/restore-test.asl.json with its schedules per the policy. Deployed in both regions
// like the database restore test: the secondary seeds from the replicated exports while the primary is down.
//
// AWS facts relied on (Service Authorization Reference, ElastiCache; user guide, "Seeding a new cluster
// with an externally created backup"): CreateReplicationGroup authorizes on the new group and its nodes,
// the parameter group ElastiCache picks, the subnet, security and user groups, and the snapshot it seeds
// from; it supports aws:RequestTag, and its Tags need AddTagsToResource. Each S3 ARN it seeds from needs
// s3:GetObject of the caller (the export bucket grants ElastiCache itself, exports.ts).
// DeleteReplicationGroup supports aws:ResourceTag.

import { relative, resolve } from 'node:path';
import { ENV, exportBucketName, OWNER_VALUE, PREFIX, REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import type { CacheResource } from '../../../shared/policy/schema.js';
import { CACHE_DEFINITION_FILE, cacheRestoreTestDefinition } from '../../../state-machines/redis/restore-test.js';
import { ACCOUNT, elastiCacheArn, nonEmpty, PARTITION, secretArn, sub, unique, type CfnValue } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import { recoveryGroups, recoversCaches } from './recovery.js';
import { failoverCacheGroups, failoverCacheSecrets, failoverCachesOf } from './failover.js';

const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), CACHE_DEFINITION_FILE);

type Tested = CacheResource & { restoreTest: NonNullable<CacheResource['restoreTest']> };
const tested = (ctx: Context): Tested[] => ctx.policy.resources.caches.filter((c): c is Tested => c.restoreTest !== undefined);
/** The network of a test in this region: the primary's settings, or restoreTest.secondary. */
const networkHere = (ctx: Context, cache: Tested) => (ctx.role === 'secondary' ? cache.restoreTest.secondary : cache.restoreTest);

/** The temporary groups and their nodes ("<group>-001"): the only groups the service creates or deletes. */
const restoreGroups = (region: string): CfnValue => elastiCacheArn(region, `replicationgroup:${PREFIX.cacheRestoreGroup}*`);
const restoreNodes = (region: string): CfnValue => elastiCacheArn(region, `cluster:${PREFIX.cacheRestoreGroup}*`);
const exportObjects = (ctx: Context): CfnValue => sub(`arn:${PARTITION}:s3:::${exportBucketName(ctx.stage, ACCOUNT, ctx.region)}/${PREFIX.snapshot}-*`);
const authSecrets = (ctx: Context): string[] => unique(tested(ctx).flatMap((c) => (c.validation.authSecret === undefined ? [] : [c.validation.authSecret])));
const ownerRequestTag = (ctx: Context) => ({ StringEquals: { [`aws:RequestTag/${ctx.ownerTag}`]: OWNER_VALUE } });

/** The steps are invoked synchronously by the state machine, which retries them: no triggers of their own. */
const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events'>): FunctionSpec => ({ roles: ['primary', 'secondary'], invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'cache-restore-test-plan': step({
    description: 'Cache restore test: checks the request, picks the newest verified export (or the one named), names the temporary group',
    timeout: 60,
    memorySize: 256,
    // This region's export bucket by its deterministic name (it exists only where the policy has caches).
    environment: (ctx): Record<string, CfnValue> => (tested(ctx).length === 0 ? {} : { [ENV.exportBucket]: sub(exportBucketName(ctx.stage, ACCOUNT, ctx.region)) }),
    statements: (ctx) =>
      tested(ctx).length === 0
        ? []
        : [
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [sub(`arn:${PARTITION}:s3:::${exportBucketName(ctx.stage, ACCOUNT, ctx.region)}`)] },
            { Effect: 'Allow', Action: ['s3:GetObjectTagging'], Resource: [exportObjects(ctx)] },
            // The manifest (for the engine to seed with); s3:ListBucket makes a missing one NoSuchKey, not AccessDenied.
            { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
            // In the primary, whether the snapshot itself is still there (DescribeSnapshots is authorized on snapshot:*).
            ...(ctx.role === 'primary' ? [{ Effect: 'Allow' as const, Action: ['elasticache:DescribeSnapshots'], Resource: [elastiCacheArn(ctx.region, 'snapshot:*')] }] : []),
          ],
  }),
  'cache-restore-test-seed': step({
    description: 'Cache restore test: creates the temporary replication group (one small node, tagged as ours) from the snapshot or the exported .rdb',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => {
      const caches = tested(ctx);
      if (caches.length === 0) return [];
      const subnetGroups = unique(caches.map((c) => networkHere(ctx, c)?.subnetGroup ?? 'default')).map((name) => elastiCacheArn(ctx.region, `subnetgroup:${name}`));
      const userGroups = unique(caches.flatMap((c) => (c.restoreTest.userGroupId === undefined ? [] : [c.restoreTest.userGroupId]))).map((id) => elastiCacheArn(ctx.region, `usergroup:${id}`));
      return nonEmpty([
        {
          Effect: 'Allow',
          Action: ['elasticache:CreateReplicationGroup'],
          Resource: [
            restoreGroups(ctx.region),
            restoreNodes(ctx.region),
            // The default parameter group of the engine (ElastiCache picks it), the policy's subnet groups and
            // user groups, the VPC security groups; in the primary, our snapshots it may seed from.
            elastiCacheArn(ctx.region, 'parametergroup:*'),
            elastiCacheArn(ctx.region, 'securitygroup:*'),
            ...subnetGroups,
            ...userGroups,
            ...(ctx.role === 'primary' ? [elastiCacheArn(ctx.region, `snapshot:${PREFIX.snapshot}-*`)] : []),
          ],
          Condition: ownerRequestTag(ctx),
        },
        { Effect: 'Allow', Action: ['elasticache:AddTagsToResource'], Resource: [restoreGroups(ctx.region), restoreNodes(ctx.region)], Condition: ownerRequestTag(ctx) },
        // A retried step finds the group already there and checks that it is this run's.
        { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'], Resource: [restoreGroups(ctx.region)] },
        // Seeding from S3: each .rdb needs s3:GetObject of the caller.
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [exportObjects(ctx)] },
        // The AUTH token the restored group is created with (the source's, replicated to this region under its name).
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: authSecrets(ctx).map((s) => secretArn(ctx.region, s)) },
      ]);
    },
  }),
  'cache-restore-test-status': step({
    description: 'Cache restore test: is the temporary group available yet (the state machine retries)',
    timeout: 30,
    memorySize: 256,
    retriedErrors: ['CacheRestoreNotReady'],
    // redis-recovery (redis/recovery.ts) waits for its bdr-rec-* group with this step too, region-failover for the groups it seeds (failover.ts).
    statements: (ctx) =>
      tested(ctx).length === 0 && failoverCachesOf(ctx).length === 0
        ? []
        : [{ Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: [restoreGroups(ctx.region), ...(ctx.role === 'primary' && recoversCaches(ctx) ? [recoveryGroups(ctx.region)] : []), ...failoverCacheGroups(ctx)] }],
  }),
  'validate-cache-restore': step({
    description: 'Cache restore test: connects to the temporary group and judges it against the manifest captured with the snapshot',
    timeout: 900,
    memorySize: 512,
    inVpc: true,
    // Also region-failover's validation of the caches it seeds (their AUTH secrets).
    statements: (ctx) =>
      tested(ctx).length === 0 && failoverCachesOf(ctx).length === 0
        ? []
        : nonEmpty([
            { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: unique([...authSecrets(ctx), ...failoverCacheSecrets(ctx)]).map((s) => secretArn(ctx.region, s)) },
            { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
            { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.validation)] },
            serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
          ]),
  }),
  'cache-restore-test-teardown': step({
    description: "Cache restore test: deletes the temporary group (only this run's, carrying our tags)",
    timeout: 60,
    memorySize: 256,
    retriedErrors: ['CacheTeardownNotReady'],
    // Also a region-failover rehearsal's bdr-rh-* groups (never a failover's: the state machine tears down only in a rehearsal, and the step only a group tagged as this run's restore test).
    statements: (ctx) => {
      const rehearsal = failoverCachesOf(ctx).length === 0 ? [] : [elastiCacheArn(ctx.region, `replicationgroup:${PREFIX.rehearsal}*`)];
      return tested(ctx).length === 0 && rehearsal.length === 0
        ? []
        : [
            { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'], Resource: [restoreGroups(ctx.region), ...rehearsal] },
            // The only replication-group delete in the service: temporary groups, in this region, carrying our owner tag.
            { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: [restoreGroups(ctx.region), ...rehearsal], Condition: { StringEquals: { [`aws:ResourceTag/${ctx.ownerTag}`]: OWNER_VALUE } } },
          ];
    },
  }),
  'cache-restore-test-record': step({
    description: "Cache restore test: judges the run and writes the evidence to this region's reports bucket",
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.evidence)] }, serviceKeyViaS3(ctx, ['kms:GenerateDataKey'])],
  }),
  'cache-restore-test-notify': step({
    description: 'Cache restore test: publishes a failed or inconclusive test to the alerts topic',
    timeout: 30,
    memorySize: 256,
    statements: () => [],
  }),
} satisfies Record<string, FunctionSpec>;

export type CacheRestoreTestFunction = keyof typeof FUNCTIONS;

const STATE_MACHINES = {
  'cache-restore-test': {
    roles: ['primary', 'secondary'],
    id: 'CacheRestoreTestStateMachine',
    source: DEFINITION_SOURCE,
    definition: (ctx) => cacheRestoreTestDefinition(ctx.policy),
    schedules: (ctx) =>
      tested(ctx)
        .filter((cache) => cache.restoreTest.region === ctx.role)
        .map((cache) => ({ expression: cache.restoreTest.schedule, input: { resource: cache.name }, description: `${SERVICE}: restore test of ${cache.name}` })),
  },
} satisfies Record<string, StateMachineSpec>;

export type CacheRestoreTestMachine = keyof typeof STATE_MACHINES;

export const redisRestoreTest = {
  component: 'redis',
  name: 'redis/restore-test',
  functions: FUNCTIONS,
  stateMachines: STATE_MACHINES,
  warnings: (ctx) =>
    ctx.policy.resources.caches.flatMap((cache, index) =>
      cache.restoreTest === undefined ? [`resources.caches[${index}] (${cache.name}) has no restoreTest: its backups are verified but never restored (the policy's weekly restore test)`] : [],
    ),
} as const satisfies Contribution;
