// Packaging time only: the cache step of region-failover (platform/failover.ts deploys the state machine):
// seed a cache in the secondary region from its newest verified export, with least-privilege IAM. In the
// secondary only, with the policy's recovery section. The wait, the validation and a rehearsal's teardown
// are the cache restore test's steps (cache-restore-test-status, validate-cache-restore,
// cache-restore-test-teardown): restore-test.ts widens their resources to the groups named here.
//
// AWS facts relied on (Service Authorization Reference, ElastiCache; user guide, "Seeding a new cluster
// with an externally created backup"): CreateReplicationGroup authorizes on the new group and its nodes,
// the parameter, subnet, security and user groups; it supports aws:RequestTag (tag-on-create needs
// AddTagsToResource); each S3 ARN it seeds from needs s3:GetObject of the caller, and the export bucket
// grants ElastiCache itself (exports.ts, the bucket policy check-cache-posture checks); a customer key for
// at-rest encryption needs DescribeKey and a grant ElastiCache makes for the caller.

import { ACCOUNT, elastiCacheArn, nonEmpty, PARTITION, secretArn, sub, unique, type CfnValue } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { exportBucketName, OWNER_VALUE, PREFIX } from '../../../shared/contracts.js';
import { cacheFailoverSettings } from '../../../shared/policy/failover-settings.js';
import type { CacheResource } from '../../../shared/policy/schema.js';

const hasRecovery = (ctx: Context) => ctx.policy.recovery !== undefined;

/** The caches a failover seeds (those with a failover section); none outside the secondary. */
export function failoverCachesOf(ctx: Context): CacheResource[] {
  return ctx.role === 'secondary' && hasRecovery(ctx) ? ctx.policy.resources.caches.filter((c) => c.failover !== undefined) : [];
}

/** The groups a failover seeds (the policy's names) and a rehearsal's (bdr-rh-*), in this region, and their nodes ("<group>-001"). */
export function failoverCacheGroups(ctx: Context): CfnValue[] {
  const caches = failoverCachesOf(ctx);
  if (caches.length === 0) return [];
  const names = unique(caches.map((c) => c.failover?.replicationGroupId ?? c.replicationGroupId));
  return [...names.map((n) => elastiCacheArn(ctx.region, `replicationgroup:${n}`)), elastiCacheArn(ctx.region, `replicationgroup:${PREFIX.rehearsal}*`)];
}
export function failoverCacheNodes(ctx: Context): CfnValue[] {
  const caches = failoverCachesOf(ctx);
  if (caches.length === 0) return [];
  const names = unique(caches.map((c) => c.failover?.replicationGroupId ?? c.replicationGroupId));
  return [...names.map((n) => elastiCacheArn(ctx.region, `cluster:${n}-*`)), elastiCacheArn(ctx.region, `cluster:${PREFIX.rehearsal}*`)];
}
/** The AUTH secrets of the failed-over caches (replicated to this region under their names). */
export function failoverCacheSecrets(ctx: Context): string[] {
  return unique(failoverCachesOf(ctx).flatMap((c) => (c.validation.authSecret === undefined ? [] : [c.validation.authSecret])));
}
const exportObjects = (ctx: Context): CfnValue => sub(`arn:${PARTITION}:s3:::${exportBucketName(ctx.stage, ACCOUNT, ctx.region)}/${PREFIX.snapshot}-*`);
const ownerRequestTag = (ctx: Context) => ({ StringEquals: { [`aws:RequestTag/${ctx.ownerTag}`]: OWNER_VALUE } });

const FUNCTIONS = {
  'failover-cache-seed': {
    roles: ['secondary'],
    deployedWhen: hasRecovery,
    invokedBy: 'state-machine',
    events: () => [],
    description: `Region failover: seeds a cache in the secondary from its newest verified export (the policy's group, or a rehearsal's ${PREFIX.rehearsal}*), tagged as ours and this run's`,
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => {
      const caches = failoverCachesOf(ctx);
      if (caches.length === 0) return [];
      const subnetGroups = unique(caches.map((c) => cacheFailoverSettings(c).subnetGroup ?? 'default')).map((name) => elastiCacheArn(ctx.region, `subnetgroup:${name}`));
      const userGroups = unique(caches.flatMap((c) => { const id = c.failover?.userGroupId ?? c.restoreTest?.userGroupId; return id === undefined ? [] : [id]; })).map((id) => elastiCacheArn(ctx.region, `usergroup:${id}`));
      const secrets = failoverCacheSecrets(ctx);
      return nonEmpty([
        {
          Effect: 'Allow',
          Action: ['elasticache:CreateReplicationGroup'],
          Resource: [...failoverCacheGroups(ctx), ...failoverCacheNodes(ctx), elastiCacheArn(ctx.region, 'parametergroup:*'), elastiCacheArn(ctx.region, 'securitygroup:*'), ...subnetGroups, ...userGroups],
          Condition: ownerRequestTag(ctx),
        },
        { Effect: 'Allow', Action: ['elasticache:AddTagsToResource'], Resource: [...failoverCacheGroups(ctx), ...failoverCacheNodes(ctx)], Condition: ownerRequestTag(ctx) },
        // A retried or resumed step finds the group and checks that it is this run's.
        { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'], Resource: failoverCacheGroups(ctx) },
        // Seeding from S3: each .rdb needs s3:GetObject of the caller.
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [exportObjects(ctx)] },
        ...(secrets.length === 0 ? [] : [{ Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: secrets.map((s) => secretArn(ctx.region, s)) }]),
        // At-rest encryption with the policy's secondary key when it names one: ElastiCache makes a grant for the caller.
        ...(ctx.policy.kms.secondary === undefined ? [] : keyStatements(ctx, [ctx.role], ['kms:DescribeKey'], true, `elasticache.${ctx.region}.amazonaws.com`)),
      ]);
    },
  },
} satisfies Record<string, FunctionSpec>;

export type RedisFailoverFunction = keyof typeof FUNCTIONS;

/** A failover without a node type of its own seeds production's cache on the restore test's (small) one. */
function warnings(ctx: Context): string[] {
  return failoverCachesOf(ctx).flatMap((c) =>
    c.failover?.nodeType === undefined ? [`resources.caches[${ctx.policy.resources.caches.indexOf(c)}].failover.nodeType is not set: region-failover seeds ${c.name} on the restore test's node type (${c.restoreTest?.nodeType ?? 'none: the run would stop at assess'})`] : [],
  );
}

export const redisFailover = { component: 'redis', name: 'redis/failover', functions: FUNCTIONS, warnings } as const satisfies Contribution;
