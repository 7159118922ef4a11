// The janitor, hourly in each region: deletes the restore-test instances of ours that outlived every
// execution, and the temporary replication groups of our cache restore tests that did (plan.ts decides
// which), and alerts each one — a leaked instance or group costs money every hour. The two sweeps are
// independent: one failing does not stop the other; the run fails afterwards (RunFailed), each failure
// alerted. Safe to run again: an instance or group already gone or being deleted is success.

import {
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  type ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { allPages, markerOf } from '../../../shared/aws/pages.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound } from '../../../shared/rds/errors.js';
import type { Log } from '../../../shared/runtime/log.js';
import type { AwsTag } from '../../../shared/tags.js';
import { cacheGroupCandidates, cacheGroupMaxAge, cacheLeakDeletedAlert, cacheLeakNotDeletedAlert, leakDeletedAlert, leakedCacheGroups, leakedInstances, leakNotDeletedAlert, sweepFailedAlert } from './plan.js';

export interface JanitorDeps {
  readonly policy: Policy;
  readonly region: string;
  /** RDS in this region. */
  readonly rds: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface CacheJanitorDeps extends Omit<JanitorDeps, 'rds'> {
  /** ElastiCache in this region: called only when a cache of the policy is restore-tested. */
  readonly elasticache: ElastiCacheClient;
}

async function listInstances(rds: RDSClient): Promise<DBInstance[]> {
  return allPages(async (marker) => {
    const page = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100, ...markerOf(marker) }));
    return { items: page.DBInstances, marker: page.Marker };
  });
}

export async function cleanUpLeakedInstances(deps: JanitorDeps): Promise<{ deleted: string[]; failed: string[] }> {
  const leaks = leakedInstances(deps.policy, await listInstances(deps.rds), deps.now());
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const leak of leaks) {
    try {
      await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: leak.id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
      deleted.push(leak.id);
      deps.log.warn('deleted a leaked restore-test instance', { instanceId: leak.id, runId: leak.runId, region: deps.region });
      await deps.alerts.publish(leakDeletedAlert(deps.policy, deps.region, leak, deps.now()));
    } catch (error) {
      if (isInstanceNotFound(error)) continue;
      failed.push(leak.id);
      deps.log.error('could not delete a leaked restore-test instance', { instanceId: leak.id, error: errorName(error) });
      await deps.alerts.publish(leakNotDeletedAlert(deps.policy, deps.region, leak, error, deps.now()));
    }
  }
  if (failed.length > 0) throw new RunFailed(`could not delete leaked instances: ${failed.join(', ')}`, failed.map((id) => ({ resource: id, error: 'leaked-instance' })));
  return { deleted, failed };
}

// ---- cache restore-test groups ----------------------------------------------------------------------

const GROUP_NOT_FOUND = 'ReplicationGroupNotFoundFault';
const GROUP_BUSY = 'InvalidReplicationGroupStateFault';

async function listReplicationGroups(elasticache: ElastiCacheClient): Promise<ReplicationGroup[]> {
  return allPages(async (marker) => {
    const page = await elasticache.send(new DescribeReplicationGroupsCommand({ MaxRecords: 100, ...markerOf(marker) }));
    return { items: page.ReplicationGroups, marker: page.Marker };
  });
}

/** A group's tags, or null when it is gone since it was listed. */
async function groupTags(elasticache: ElastiCacheClient, group: ReplicationGroup): Promise<AwsTag[] | null> {
  try {
    return (await elasticache.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }))).TagList ?? [];
  } catch (error) {
    if (errorName(error) === GROUP_NOT_FOUND) return null;
    throw error;
  }
}

export async function cleanUpLeakedCacheGroups(deps: CacheJanitorDeps): Promise<{ deleted: string[]; failed: string[]; waiting: string[] }> {
  // No restore-tested cache: no cache restore test runs here, and the janitor has no ElastiCache permission.
  if (cacheGroupMaxAge(deps.policy) === null) return { deleted: [], failed: [], waiting: [] };
  const tagged: { group: ReplicationGroup; tags: AwsTag[] }[] = [];
  for (const group of cacheGroupCandidates(await listReplicationGroups(deps.elasticache))) {
    const tags = await groupTags(deps.elasticache, group);
    if (tags !== null) tagged.push({ group, tags });
  }
  const leaks = leakedCacheGroups(deps.policy, tagged, deps.now());
  const deleted: string[] = [];
  const failed: string[] = [];
  const waiting: string[] = [];
  for (const leak of leaks) {
    if (!leak.deletable) {
      waiting.push(leak.id);
      deps.log.warn('a leaked cache restore-test group cannot be deleted in its state: trying next hour', { groupId: leak.id, runId: leak.runId, status: leak.status, region: deps.region });
      continue;
    }
    try {
      // No final snapshot: the group only holds a copy of a backup we keep.
      await deps.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: leak.id, RetainPrimaryCluster: false }));
      deleted.push(leak.id);
      deps.log.warn('deleted a leaked cache restore-test group', { groupId: leak.id, runId: leak.runId, region: deps.region });
      await deps.alerts.publish(cacheLeakDeletedAlert(deps.policy, deps.region, leak, deps.now()));
    } catch (error) {
      if (errorName(error) === GROUP_NOT_FOUND) continue;
      if (errorName(error) === GROUP_BUSY) {
        // It changed state since it was listed (or is being deleted already): next hour tells.
        waiting.push(leak.id);
        deps.log.warn('a leaked cache restore-test group cannot be deleted yet: trying next hour', { groupId: leak.id, runId: leak.runId, status: leak.status, message: errorMessage(error) });
        continue;
      }
      failed.push(leak.id);
      deps.log.error('could not delete a leaked cache restore-test group', { groupId: leak.id, error: errorName(error) });
      await deps.alerts.publish(cacheLeakNotDeletedAlert(deps.policy, deps.region, leak, error, deps.now()));
    }
  }
  if (failed.length > 0) throw new RunFailed(`could not delete leaked cache groups: ${failed.join(', ')}`, failed.map((id) => ({ resource: id, error: 'leaked-cache-group' })));
  return { deleted, failed, waiting };
}

// ---- the hourly run ---------------------------------------------------------------------------------

export interface JanitorResult {
  readonly instances: { deleted: string[]; failed: string[] };
  readonly cacheGroups: { deleted: string[]; failed: string[]; waiting: string[] };
}

/**
 * Both sweeps, each whatever the other did. A sweep's RunFailed has alerted its failures already; any
 * other error (it could not list, or lacks a permission) is alerted here. Then the run fails with all.
 */
export async function runJanitor(deps: JanitorDeps & CacheJanitorDeps): Promise<JanitorResult> {
  const failures: { resource: string; error: string }[] = [];
  const sweep = async <T>(what: string, run: () => Promise<T>, none: T): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RunFailed) {
        failures.push(...error.failures);
        return none;
      }
      failures.push({ resource: what, error: errorName(error) });
      deps.log.error('janitor sweep failed', { sweep: what, region: deps.region, error: errorName(error), message: errorMessage(error) });
      await deps.alerts.publish(sweepFailedAlert(deps.region, what, error, deps.now()));
      return none;
    }
  };
  const instances = await sweep('restore-test instances', () => cleanUpLeakedInstances(deps), { deleted: [], failed: [] });
  const cacheGroups = await sweep('cache restore-test groups', () => cleanUpLeakedCacheGroups(deps), { deleted: [], failed: [], waiting: [] });
  if (failures.length > 0) throw new RunFailed(`janitor failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  return { instances, cacheGroups };
}
