// Packaging time only: the janitor — hourly, in both regions, it deletes temporary restore-test
// instances of ours that outlived the test timeout (a test whose teardown never ran: a Lambda or state
// machine failure, an aborted execution), and likewise the temporary replication groups of our cache
// restore tests, and alerts. Least privilege like restore-test-teardown and cache-restore-test-teardown:
// it lists every instance and every replication group of its region, and may delete only our temporary
// ones carrying our owner tag. It also sweeps what full recoveries replaced (tagged replaced-by and
// keep-until): stops an instance found running again, deletes one of ours past keep-until with a final snapshot (started first when stopped),
// keeps its posture memory of what it kept. No ElastiCache permission at all when the policy has no cache.

import { PREFIX, SERVICE, TAG } from '../../../shared/contracts.js';
import { elastiCacheArn, rdsArn, type CfnValue, type Statement } from '../../core/cloudformation.js';
import { scheduled, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { postureMemoryStatements } from '../../platform/reports-bucket.js';
import { allInstances, ownerResourceTag, recoveryInstances, restoreInstances } from '../rds/scope.js';

const JANITOR_SCHEDULE = 'rate(1 hour)';

/** Every group we name (bdr-*): restore-test groups and the groups of ours a recovery replaced — the only ones the janitor deletes. */
const ourGroups = (region: string): CfnValue => elastiCacheArn(region, `replicationgroup:${PREFIX.restoreInstance}*`);

function cacheStatements(ctx: Context): Statement[] {
  if (ctx.policy.resources.caches.length === 0) return [];
  // A group is found replaced by its tags (ElastiCache lists them apart): they are read for every group.
  return [
    // DescribeReplicationGroups without a group id lists every group of the region: IAM authorizes it on replicationgroup:*.
    { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: [elastiCacheArn(ctx.region, 'replicationgroup:*')] },
    { Effect: 'Allow', Action: ['elasticache:ListTagsForResource'], Resource: [elastiCacheArn(ctx.region, 'replicationgroup:*')] },
    // Only groups we name, in this region, carrying our owner tag (as cache-restore-test-teardown).
    { Effect: 'Allow', Action: ['elasticache:DeleteReplicationGroup'], Resource: [ourGroups(ctx.region)], Condition: ownerResourceTag(ctx) },
    // A replaced group's final snapshot (FinalSnapshotIdentifier) needs CreateSnapshot (DeleteReplicationGroup's
    // API reference), which ElastiCache authorizes on the group, the node it snapshots (a cluster:
    // "<group>-001" …) and the snapshot it creates (as take-cache-snapshot's, deploy/components/redis/backup.ts).
    // No tag condition: the snapshot does not exist yet and the nodes carry no tags of ours — the delete
    // statement above is what holds it to groups of ours.
    {
      Effect: 'Allow',
      Action: ['elasticache:CreateSnapshot'],
      Resource: [ourGroups(ctx.region), elastiCacheArn(ctx.region, `cluster:${PREFIX.restoreInstance}*`), elastiCacheArn(ctx.region, `snapshot:${PREFIX.finalSnapshot}*`)],
    },
  ];
}

/**
 * The replaced-instance sweep (functions/platform/janitor/replaced.ts). RDS facts (service authorization
 * reference for RDS): a DeleteDBInstance with a final snapshot also needs rds:CreateDBSnapshot on the
 * instance and the snapshot, and rds:AddTagsToResource on the snapshot when the instance's tags are copied
 * to it; StopDBInstance, ModifyDBInstance and AddTagsToResource authorize on the instance (aws:ResourceTag).
 */
function replacedInstanceStatements(ctx: Context): Statement[] {
  const finalSnapshots = rdsArn(ctx.region, `snapshot:${PREFIX.finalSnapshot}*`);
  return [
    // Stopped again when RDS restarted it (7 days): any instance, only one tagged replaced-by.
    { Effect: 'Allow', Action: ['rds:StopDBInstance'], Resource: [allInstances(ctx.region)], Condition: { Null: { [`aws:ResourceTag/${TAG.replacedBy}`]: 'false' } } },
    // Prepared for deletion, only ours (bdr-rec-*, our owner tag): deletion protection off, tags copied to snapshots, tier=final;
    // started first when stopped (the RDS user guide, stopping limitations: a stopped instance cannot be modified).
    { Effect: 'Allow', Action: ['rds:ModifyDBInstance'], Resource: [recoveryInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
    { Effect: 'Allow', Action: ['rds:StartDBInstance'], Resource: [recoveryInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
    { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [recoveryInstances(ctx.region)], Condition: { ...ownerResourceTag(ctx), 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.tier] } } },
    // The final snapshot (bdr-final-*), with the instance's tags.
    { Effect: 'Allow', Action: ['rds:CreateDBSnapshot'], Resource: [recoveryInstances(ctx.region), finalSnapshots] },
    { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [finalSnapshots] },
  ];
}

const FUNCTIONS = {
  janitor: {
    roles: ['primary', 'secondary'],
    invokedBy: 'async',
    description: 'Deletes leaked restore-test instances and cache restore-test groups of ours older than the test timeout and alerts',
    timeout: 300,
    memorySize: 256,
    events: (ctx) => [scheduled(ctx, JANITOR_SCHEDULE, `${SERVICE}: hourly sweep for leaked restore-test instances and cache groups`)],
    statements: (ctx) => [
      // DescribeDBInstances lists every instance of the region (with its tags): IAM authorizes it on db:*.
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [allInstances(ctx.region)] },
      // Only instances we name (bdr-*: restore-test leaks, and bdr-rec-* a recovery replaced), in this region, carrying our owner tag.
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [restoreInstances(ctx.region)], Condition: ownerResourceTag(ctx) },
      ...replacedInstanceStatements(ctx),
      ...postureMemoryStatements(ctx),
      ...cacheStatements(ctx),
    ],
  },
} satisfies Record<string, FunctionSpec>;

export type PlatformFunction = keyof typeof FUNCTIONS;

export const platformJanitor = { component: 'platform', name: 'platform/janitor', functions: FUNCTIONS } as const satisfies Contribution;
