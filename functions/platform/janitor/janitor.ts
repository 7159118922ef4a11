// The janitor, hourly in each region: deletes the restore-test instances of ours that outlived every
// execution, and the temporary replication groups of our cache restore tests that did (plan.ts decides
// which), and alerts each one — a leaked instance or group costs money every hour; then handles what full
// recoveries replaced, past or before its keep-until (replaced.ts). The sweeps are independent: one
// failing does not stop the others; the run fails afterwards (RunFailed), each failure alerted. Safe to
// run again: an instance or group already gone or being deleted is success.

import { DeleteReplicationGroupCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DeleteDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import type { PostureAlerting } from '../../../shared/alerts/posture-memory.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound } from '../../../shared/rds/errors.js';
import type { Log } from '../../../shared/runtime/log.js';
import { listInstances, listReplicationGroups, taggedGroups } from './inventory.js';
import { sweepReplacedCacheGroups, sweepReplacedInstances, type ReplacedResult } from './replaced.js';
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

export async function cleanUpLeakedCacheGroups(deps: CacheJanitorDeps): Promise<{ deleted: string[]; failed: string[]; waiting: string[] }> {
  // No restore-tested cache: no cache restore test runs here, and the janitor has no ElastiCache permission.
  if (cacheGroupMaxAge(deps.policy) === null) return { deleted: [], failed: [], waiting: [] };
  const tagged = await taggedGroups(deps.elasticache, cacheGroupCandidates(await listReplicationGroups(deps.elasticache)));
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

/** Runs sweeps one after the other, each whatever the others did; collects their failures. */
function sweeper(deps: Pick<JanitorDeps, 'region' | 'alerts' | 'log' | 'now'>) {
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
  const finish = () => {
    if (failures.length > 0) throw new RunFailed(`janitor failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  };
  return { sweep, finish };
}

/**
 * Both leak sweeps, each whatever the other did. A sweep's RunFailed has alerted its failures already; any
 * other error (it could not list, or lacks a permission) is alerted here. Then the run fails with all.
 */
export async function runJanitor(deps: JanitorDeps & CacheJanitorDeps): Promise<JanitorResult> {
  const { sweep, finish } = sweeper(deps);
  const instances = await sweep('restore-test instances', () => cleanUpLeakedInstances(deps), { deleted: [], failed: [] });
  const cacheGroups = await sweep('cache restore-test groups', () => cleanUpLeakedCacheGroups(deps), { deleted: [], failed: [], waiting: [] });
  finish();
  return { instances, cacheGroups };
}

export interface HourlyResult extends JanitorResult {
  readonly replacedInstances: ReplacedResult;
  readonly replacedCacheGroups: ReplacedResult;
}

/**
 * The hourly run: the leak sweeps, then the sweeps of what full recoveries replaced (replaced.ts), each
 * whatever the others did; the run fails afterwards with every failure.
 */
export async function runHourly(deps: JanitorDeps & CacheJanitorDeps & PostureAlerting): Promise<HourlyResult> {
  const { sweep, finish } = sweeper(deps);
  const none = (): ReplacedResult => ({ deleted: [], stopped: [], kept: [], waiting: [], failed: [] });
  const instances = await sweep('restore-test instances', () => cleanUpLeakedInstances(deps), { deleted: [], failed: [] });
  const cacheGroups = await sweep('cache restore-test groups', () => cleanUpLeakedCacheGroups(deps), { deleted: [], failed: [], waiting: [] });
  const replacedInstances = await sweep('replaced instances', () => sweepReplacedInstances(deps), none());
  const replacedCacheGroups = await sweep('replaced cache groups', () => sweepReplacedCacheGroups(deps), none());
  finish();
  return { instances, cacheGroups, replacedInstances, replacedCacheGroups };
}
