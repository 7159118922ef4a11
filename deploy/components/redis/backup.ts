// Packaging time only: the Redis (ElastiCache) backup pipeline's snapshot-time functions — the scheduled
// snapshot of each replication group and its manifest — with their triggers (Scheduler in the policy's time zone) and
// least-privilege IAM: our snapshots by name prefix, only the groups of the policy and their nodes,
// tag-on-create only with our owner tag.

import { OWNER_VALUE, PREFIX, REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import type { CacheResource } from '../../../shared/policy/schema.js';
import { elastiCacheArn, nonEmpty, secretArn, unique, type CfnValue } from '../../core/cloudformation.js';
import { reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import { scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';

/** Our cache snapshots: the only ones we create or tag. */
export const ourCacheSnapshots = (region: string): CfnValue => elastiCacheArn(region, `snapshot:${PREFIX.snapshot}-*`);
/** A replication group of the policy, and its nodes (cache clusters are named "<group>-001", …). */
const groupArn = (region: string, cache: CacheResource): CfnValue => elastiCacheArn(region, `replicationgroup:${cache.replicationGroupId}`);
const nodesArn = (region: string, cache: CacheResource): CfnValue => elastiCacheArn(region, `cluster:${cache.replicationGroupId}-*`);

const FUNCTIONS = {
  'take-cache-snapshot': {
    roles: ['primary'],
    deployedWhen: (ctx: Context) => ctx.policy.resources.caches.length > 0,
    invokedBy: 'async',
    description: 'Takes the scheduled manual snapshot of each ElastiCache replication group in the policy, from a replica where there is one',
    timeout: 60,
    memorySize: 256,
    events: (ctx) =>
      ctx.policy.resources.caches.map((cache) =>
        scheduled(ctx, cache.schedule, `${SERVICE}: snapshot of ${cache.name} (${cache.replicationGroupId})`, { resources: [cache.name], scheduledTime: '<aws.scheduler.scheduled-time>' }),
      ),
    statements: (ctx) => {
      const groups = ctx.policy.resources.caches.map((cache) => groupArn(ctx.primary, cache));
      const nodes = ctx.policy.resources.caches.map((cache) => nodesArn(ctx.primary, cache));
      return nonEmpty([
        { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: groups },
        // CreateSnapshot authorizes on the snapshot it creates and on the group or node it is taken from.
        { Effect: 'Allow', Action: ['elasticache:CreateSnapshot'], Resource: groups.length === 0 ? [] : [...groups, ...nodes, ourCacheSnapshots(ctx.primary)] },
        // Tag-on-create needs AddTagsToResource; only on our snapshots, only requests carrying our owner tag.
        {
          Effect: 'Allow',
          Action: ['elasticache:AddTagsToResource'],
          Resource: [ourCacheSnapshots(ctx.primary)],
          Condition: { StringEquals: { [`aws:RequestTag/${ctx.ownerTag}`]: OWNER_VALUE } },
        },
      ]);
    },
  },
  // Reads each cache at its snapshot's time and stores the manifest the restore test compares with. In
  // the validation VPC (a cache is reachable only from inside it); the group's endpoint through the
  // ElastiCache API (an interface endpoint in "endpoints" egress, platform/network.ts).
  'capture-cache-manifest': {
    roles: ['primary'],
    deployedWhen: (ctx: Context) => ctx.policy.resources.caches.length > 0,
    invokedBy: 'async',
    description: "Captures each cache's manifest (key counts, a seeded sample of keys with types, expiries and value hashes) at its snapshot's time",
    timeout: 600,
    memorySize: 512,
    inVpc: true,
    events: (ctx) =>
      ctx.policy.resources.caches.map((cache) =>
        scheduled(ctx, cache.schedule, `${SERVICE}: manifest of ${cache.name} at its snapshot`, { resources: [cache.name], scheduledTime: '<aws.scheduler.scheduled-time>' }),
      ),
    statements: (ctx) => {
      const secrets = unique(ctx.policy.resources.caches.flatMap((cache) => (cache.validation.authSecret === undefined ? [] : [cache.validation.authSecret])));
      return nonEmpty([
        { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: ctx.policy.resources.caches.map((cache) => groupArn(ctx.primary, cache)) },
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets.map((secret) => secretArn(ctx.primary, secret)) },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.manifests)] },
        serviceKeyViaS3(ctx, ['kms:GenerateDataKey']),
      ]);
    },
  },
} satisfies Record<string, FunctionSpec>;

export type RedisBackupFunction = keyof typeof FUNCTIONS;

export const redisBackup = { component: 'redis', name: 'redis/backup', functions: FUNCTIONS } as const satisfies Contribution;
