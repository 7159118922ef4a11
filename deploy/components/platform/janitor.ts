// Packaging time only: the janitor — hourly, in both regions, it deletes temporary restore-test
// instances of ours that outlived the test timeout (a test whose teardown never ran: a Lambda or state
// machine failure, an aborted execution), and likewise the temporary replication groups of our cache
// restore tests, and alerts. Least privilege like restore-test-teardown and cache-restore-test-teardown:
// it lists every instance and every replication group of its region, and may delete only our temporary
// ones carrying our owner tag. No ElastiCache permission at all when no cache is restore-tested.

import { PREFIX, SERVICE } from '../../../shared/contracts.js';
import { elastiCacheArn, type CfnValue, type Statement } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { allInstances, ownerResourceTag, restoreInstances } from '../rds/scope.js';

const JANITOR_SCHEDULE = 'rate(1 hour)';

/** A cache restore test runs in this region (its state machine is deployed in both when a cache has one). */
const cacheRestoreTested = (ctx: Context): boolean => ctx.policy.resources.caches.some((cache) => cache.restoreTest !== undefined);
/** The temporary groups of cache restore tests in one region: the only groups the janitor reads the tags of or deletes. */
const restoreGroups = (region: string): CfnValue => elastiCacheArn(region, `replicationgroup:${PREFIX.cacheRestoreGroup}*`);

function cacheStatements(ctx: Context): Statement[] {
  if (!cacheRestoreTested(ctx)) return [];
  return [
    // DescribeReplicationGroups without a group id lists every group of the region: IAM authorizes it on replicationgroup:*.
    { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: [elastiCacheArn(ctx.region, 'replicationgroup:*')] },
    { Effect: 'Allow', Action: ['elasticache:ListTagsForResource'], Resource: [restoreGroups(ctx.region)] },
    // Only temporary groups, in this region, carrying our owner tag (as cache-restore-test-teardown).
    { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: [restoreGroups(ctx.region)], Condition: ownerResourceTag(ctx) },
  ];
}

const FUNCTIONS = {
  janitor: {
    roles: ['primary', 'secondary'],
    invokedBy: 'async',
    description: 'Deletes leaked restore-test instances and cache restore-test groups of ours older than the test timeout and alerts',
    timeout: 120,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, JANITOR_SCHEDULE, `${SERVICE}: hourly sweep for leaked restore-test instances and cache groups`)],
    statements: (ctx) => [
      // DescribeDBInstances lists every instance of the region (with its tags): IAM authorizes it on db:*.
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [allInstances(ctx.region)] },
      // Only temporary instances, in this region, carrying our owner tag (as restore-test-teardown).
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [restoreInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
      ...cacheStatements(ctx),
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type PlatformFunction = keyof typeof FUNCTIONS;

export const platformJanitor = { component: 'platform', name: 'platform/janitor', functions: FUNCTIONS } as const satisfies Contribution;
