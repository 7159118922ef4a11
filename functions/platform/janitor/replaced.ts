// The janitor's sweep of what full recoveries replaced (replaced-plan.ts decides): an instance past its
// keep-until that is ours is deleted with a final snapshot (tagged tier=final, deletion protection off and
// tags copied to snapshots first, each step once: a stopped one is started first, since RDS modifies no
// stopped instance, modified once available, and deleted the hour after); one started again before its
// keep-until is stopped again, with a warning; a replication group of ours past keep-until is deleted with
// a final snapshot; whatever is kept past keep-until (not ours, legal hold, ours in a status it never
// leaves, ours still waiting a day on) is a posture finding, alerted once per change
// (shared/alerts/posture-memory.ts). Safe to run again: gone or already being deleted is success; a state
// RDS or ElastiCache refuses in is tried again next hour. A failure is alerted and fails the run
// (RunFailed) once everything else was done.

import { DeleteReplicationGroupCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { AddTagsToResourceCommand, DeleteDBInstanceCommand, ModifyDBInstanceCommand, StartDBInstanceCommand, StopDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { publishPosture, type PostureAlerting } from '../../../shared/alerts/posture-memory.js';
import { TAG, TIER } from '../../../shared/contracts.js';
import { errorMessage, errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound } from '../../../shared/rds/errors.js';
import { isInvalidInstanceState } from '../../../shared/rds/instance-teardown.js';
import { listInstances, listReplicationGroups, taggedGroups } from './inventory.js';
import { keptFinding, REPLACED_RESOURCE, replacedDeletedAlert, replacedFailedAlert, replacedGroupActions, replacedInstanceActions, replacedStoppedAlert, type Kind, type Replaced } from './replaced-plan.js';

export interface ReplacedSweepDeps extends PostureAlerting {
  readonly policy: Policy;
  readonly region: string;
  readonly now: () => number;
}

export interface ReplacedResult {
  readonly deleted: string[];
  readonly stopped: string[];
  /** Kept past keep-until (findings). */
  readonly kept: string[];
  /** Prepared for deletion or in a state that refuses it: the next hour goes on. */
  readonly waiting: string[];
  readonly failed: string[];
}

const empty = (): ReplacedResult => ({ deleted: [], stopped: [], kept: [], waiting: [], failed: [] });

async function failed(deps: ReplacedSweepDeps, result: ReplacedResult, kind: Kind, replaced: Replaced, doing: string, error: unknown): Promise<void> {
  result.failed.push(replaced.id);
  deps.log.error('could not handle a replaced resource', { id: replaced.id, doing, error: errorName(error) });
  await deps.alerts.publish(replacedFailedAlert(kind, deps.region, replaced, doing, { name: errorName(error), message: errorMessage(error) }, deps.now()));
}

function finish(result: ReplacedResult, what: string): ReplacedResult {
  if (result.failed.length > 0) throw new RunFailed(`could not handle replaced ${what}: ${result.failed.join(', ')}`, result.failed.map((id) => ({ resource: id, error: `replaced-${what}` })));
  return result;
}

/** The delete of a replaced instance of ours: "true" once RDS took it (or it is gone or being deleted already). */
async function deleteInstance(rds: RDSClient, id: string, finalSnapshotId: string): Promise<'deleted' | 'gone' | 'waiting'> {
  try {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: finalSnapshotId, DeleteAutomatedBackups: true }));
    return 'deleted';
  } catch (error) {
    if (isInstanceNotFound(error)) return 'gone';
    if (isInvalidInstanceState(error) && /already being deleted/i.test(errorMessage(error))) return 'gone';
    if (isInvalidInstanceState(error)) return 'waiting';
    throw error;
  }
}

export async function sweepReplacedInstances(deps: ReplacedSweepDeps & { readonly rds: RDSClient }): Promise<ReplacedResult> {
  const now = deps.now();
  const result = empty();
  const findings = [];
  for (const step of replacedInstanceActions(deps.policy, await listInstances(deps.rds), now)) {
    const { replaced } = step;
    if (step.action === 'none') continue;
    if (step.action === 'keep') {
      result.kept.push(replaced.id);
      findings.push(keptFinding(deps.policy, 'instance', deps.region, replaced, step.why, now));
      continue;
    }
    if (step.action === 'stop') {
      try {
        await deps.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: replaced.id }));
        result.stopped.push(replaced.id);
        deps.log.warn('stopped a replaced instance found running before its keep-until', { instanceId: replaced.id, replacedBy: replaced.replacedBy, keepUntil: replaced.keepUntilTag });
        await deps.alerts.publish(replacedStoppedAlert(deps.policy, deps.region, replaced, now));
      } catch (error) {
        if (isInstanceNotFound(error)) continue;
        if (isInvalidInstanceState(error)) result.waiting.push(replaced.id);
        else await failed(deps, result, 'instance', replaced, 'stop', error);
      }
      continue;
    }
    const outcome = step.action === 'wait' ? 'waiting' : await prepareOrDelete(deps, result, step);
    if (outcome !== 'waiting') continue;
    result.waiting.push(replaced.id);
    // Due for a day and still not deletable: said once (and again when its status changes).
    if (step.overdue) findings.push(keptFinding(deps.policy, 'instance', deps.region, replaced, 'still-waiting', now));
  }
  await publishPosture(deps, 'rds', 'janitor', [{ resource: REPLACED_RESOURCE.instances, region: deps.region, findings }], now);
  return finish(result, 'instances');
}

/** The next step towards deleting one of ours past keep-until: tag, start or modify (then 'waiting'), or delete. */
async function prepareOrDelete(
  deps: ReplacedSweepDeps & { readonly rds: RDSClient },
  result: ReplacedResult,
  step: Extract<ReturnType<typeof replacedInstanceActions>[number], { action: 'delete' }>,
): Promise<'deleted' | 'gone' | 'waiting' | 'failed'> {
  const { replaced } = step;
  try {
    // The final snapshot copies the instance's tags: tier=final keeps it out of pruning, copying and recovery plans.
    if (step.tagFinal && replaced.arn !== undefined) await deps.rds.send(new AddTagsToResourceCommand({ ResourceName: replaced.arn, Tags: [{ Key: TAG.tier, Value: TIER.final }] }));
    if (step.start) {
      // RDS modifies no stopped instance (user guide, stopping limitations): started now, modified once available.
      await deps.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: replaced.id }));
      deps.log.warn('started a stopped replaced instance of ours to prepare it for deletion: modified once available', { instanceId: replaced.id });
      return 'waiting';
    }
    if (step.modify) {
      // Only because it is ours: deletion protection off, and tags copied to the final snapshot. RDS
      // applies it within minutes; the delete follows in the next hour's run.
      await deps.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: replaced.id, DeletionProtection: false, CopyTagsToSnapshot: true, ApplyImmediately: true }));
      deps.log.warn('prepared a replaced instance of ours for deletion: deleted next hour', { instanceId: replaced.id });
      return 'waiting';
    }
    const outcome = await deleteInstance(deps.rds, replaced.id, step.finalSnapshotId);
    if (outcome !== 'deleted') return outcome;
    result.deleted.push(replaced.id);
    deps.log.warn('deleted a replaced instance of ours past its keep-until', { instanceId: replaced.id, finalSnapshot: step.finalSnapshotId });
    await deps.alerts.publish(replacedDeletedAlert(deps.policy, 'instance', deps.region, replaced, step.finalSnapshotId, deps.now()));
    return 'deleted';
  } catch (error) {
    if (isInstanceNotFound(error)) return 'gone';
    if (isInvalidInstanceState(error)) return 'waiting';
    await failed(deps, result, 'instance', replaced, step.start ? 'start' : step.modify ? 'modify' : 'delete', error);
    return 'failed';
  }
}

const GROUP_NOT_FOUND = 'ReplicationGroupNotFoundFault';
const GROUP_BUSY = 'InvalidReplicationGroupStateFault';

async function deleteGroup(deps: ReplacedSweepDeps & { readonly elasticache: ElastiCacheClient }, result: ReplacedResult, replaced: Replaced, finalSnapshotId: string): Promise<'deleted' | 'gone' | 'waiting' | 'failed'> {
  try {
    await deps.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: replaced.id, RetainPrimaryCluster: false, FinalSnapshotIdentifier: finalSnapshotId }));
    result.deleted.push(replaced.id);
    deps.log.warn('deleted a replaced replication group of ours past its keep-until', { groupId: replaced.id, finalSnapshot: finalSnapshotId });
    await deps.alerts.publish(replacedDeletedAlert(deps.policy, 'cache-group', deps.region, replaced, finalSnapshotId, deps.now()));
    return 'deleted';
  } catch (error) {
    if (errorName(error) === GROUP_NOT_FOUND) return 'gone';
    if (errorName(error) === GROUP_BUSY) return 'waiting';
    await failed(deps, result, 'cache-group', replaced, 'delete', error);
    return 'failed';
  }
}

/** Replication groups tagged replaced-by and keep-until: deleted with a final snapshot when ours and past keep-until, else a finding. */
export async function sweepReplacedCacheGroups(deps: ReplacedSweepDeps & { readonly elasticache: ElastiCacheClient }): Promise<ReplacedResult> {
  const result = empty();
  // No cache in the policy: nothing of ours is replaced there, and the janitor has no ElastiCache permission.
  if (deps.policy.resources.caches.length === 0) return result;
  const now = deps.now();
  const findings = [];
  const groups = await taggedGroups(deps.elasticache, (await listReplicationGroups(deps.elasticache)).filter((g) => g.ARN !== undefined && g.Status !== 'deleting'));
  for (const step of replacedGroupActions(deps.policy, groups, now)) {
    const { replaced } = step;
    if (step.action === 'none') continue;
    if (step.action === 'keep') {
      result.kept.push(replaced.id);
      findings.push(keptFinding(deps.policy, 'cache-group', deps.region, replaced, step.why, now));
      continue;
    }
    const outcome = step.action === 'wait' ? 'waiting' : await deleteGroup(deps, result, replaced, step.finalSnapshotId);
    if (outcome !== 'waiting') continue;
    result.waiting.push(replaced.id);
    if (step.overdue) findings.push(keptFinding(deps.policy, 'cache-group', deps.region, replaced, 'still-waiting', now));
  }
  await publishPosture(deps, 'redis', 'janitor', [{ resource: REPLACED_RESOURCE.cacheGroups, region: deps.region, findings }], now);
  return finish(result, 'cache-groups');
}
