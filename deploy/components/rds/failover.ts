// Packaging time only: the database steps of region-failover (platform/failover.ts deploys the state
// machine): bring a database up in the secondary region and wait for it, with least-privilege IAM. In the
// secondary only, with the policy's recovery section.
//
// AWS facts relied on (service authorization reference for RDS): RestoreDBInstanceToPointInTime
// authorizes on the target instance, the source automated backups, the subnet group and the option and
// parameter groups; RestoreDBInstanceFromDBSnapshot on the instance, the snapshot, the subnet group and the
// groups; PromoteReadReplica on the replica; aws:RequestTag conditions apply to the restores' Tags and to
// AddTagsToResource (tag-on-create).

import { PREFIX } from '../../../shared/contracts.js';
import { nonEmpty, rdsArn, type CfnValue } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { automatedBackups, ourSnapshots, ownerRequestTag } from './scope.js';

const hasRecovery = (ctx: Context) => ctx.policy.recovery !== undefined;
const failoverDatabases = (ctx: Context) => ctx.policy.resources.databases.filter((db) => db.failover !== undefined);

/** The instances a failover creates or promotes (the policy's names) and a rehearsal's (bdr-rh-*), in this region. */
export function failoverInstances(ctx: Context): CfnValue[] {
  const names = failoverDatabases(ctx).flatMap((db) => [db.failover?.readReplica, db.failover?.instanceId ?? db.instanceId].filter((n): n is string => n !== undefined));
  return [...new Set(names)].map((name) => rdsArn(ctx.region, `db:${name}`)).concat(rdsArn(ctx.region, `db:${PREFIX.rehearsal}*`));
}

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>): FunctionSpec => ({ roles: ['secondary'], deployedWhen: hasRecovery, invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'failover-db-restore': step({
    description: 'Region failover: brings a database up in the secondary (promote the replica, restore to the latest restorable time, or the newest verified copy)',
    timeout: 60,
    memorySize: 256,
    statements: (ctx) => {
      const databases = failoverDatabases(ctx);
      if (databases.length === 0) return [];
      const replicas = databases.flatMap((db) => (db.failover?.readReplica === undefined ? [] : [rdsArn(ctx.region, `db:${db.failover.readReplica}`)]));
      const subnetGroups = [...new Set(databases.map((db) => db.failover?.subnetGroup ?? db.restoreTest?.secondary?.subnetGroup ?? db.pitrTest?.subnetGroup ?? 'default'))];
      return nonEmpty([
        // Only requests that tag the new instance as ours; on the run's instances, our copies, the replicated backups, the subnet groups.
        {
          Effect: 'Allow',
          Action: ['rds:RestoreDBInstanceToPointInTime', 'rds:RestoreDBInstanceFromDBSnapshot'],
          Resource: [...failoverInstances(ctx), ourSnapshots(ctx.region), automatedBackups(ctx.region), ...subnetGroups.map((name) => rdsArn(ctx.region, `subgrp:${name}`)), rdsArn(ctx.region, 'og:*'), rdsArn(ctx.region, 'pg:*')],
          Condition: ownerRequestTag(ctx),
        },
        { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: failoverInstances(ctx), Condition: ownerRequestTag(ctx) },
        // A retried step finds its instance and checks that it is ours; a promotion checks the replica first.
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: failoverInstances(ctx) },
        ...(replicas.length === 0 ? [] : [{ Effect: 'Allow' as const, Action: ['rds:PromoteReadReplica'], Resource: replicas }]),
        // The restored instance is encrypted with the copies' (backups') key in this region: RDS makes a grant for the caller.
        ...keyStatements(ctx, [ctx.role], ['kms:DescribeKey', 'kms:Decrypt'], true, `rds.${ctx.region}.amazonaws.com`),
      ]);
    },
  }),
  'failover-db-status': step({
    description: 'Region failover: is the database up yet (a promoted replica: no longer a replica; the state machine retries)',
    timeout: 30,
    memorySize: 256,
    retriedErrors: ['RestoreNotReady'],
    statements: (ctx) => [{ Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: failoverInstances(ctx) }],
  }),
} satisfies Record<string, FunctionSpec>;

export type RdsFailoverFunction = keyof typeof FUNCTIONS;

export const rdsFailover = { component: 'rds', name: 'rds/failover', functions: FUNCTIONS } as const satisfies Contribution;
