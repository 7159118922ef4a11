// Is the temporary replication group ready, pure? ElastiCache's replication group statuses (the
// ReplicationGroup.Status of the API reference: creating, available, modifying, deleting, create-failed,
// snapshotting) placed in three sets: ready (the RTO clock stops at validation), waiting
// (CacheRestoreNotReady: the state machine asks again every minute until the plan's waitUntil, then
// CacheRestoreTimedOut), or terminal (CacheRestoreFailed at once: never available by itself).

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import { CacheRestoreFailed, CacheRestoreNotReady, CacheRestoreTimedOut } from '../../../shared/redis/errors.js';
import type { CacheReady, CacheRestorePlan } from '../../../shared/redis/restore-run.js';

/** Serving reads once seeded: a group snapshotting or being modified still answers. */
export const READY = new Set(['available', 'snapshotting', 'modifying']);
/** Seeding failed (a bad .rdb, a missing grant on the object, a node type the engine refuses), or the group is going away. */
export const TERMINAL = new Set(['create-failed', 'deleting']);

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The group's endpoint when it is ready; otherwise throws the error that tells the state machine what to do. */
export function groupReadiness(plan: CacheRestorePlan, group: ReplicationGroup | undefined, now: number): CacheReady {
  const status = group?.Status ?? 'not visible yet';
  const endpoint = group?.NodeGroups?.[0]?.PrimaryEndpoint;
  if (READY.has(status) && endpoint?.Address !== undefined && endpoint.Port !== undefined) return { host: endpoint.Address, port: endpoint.Port, availableAt: now };
  if (TERMINAL.has(status)) throw new CacheRestoreFailed(`the temporary group ${plan.groupId} is "${status}", which it never leaves by itself${status === 'create-failed' ? ` (seeding from ${plan.snapshotName} failed: see its events in the ElastiCache console)` : ''}`);
  if (now > plan.waitUntil) {
    throw new CacheRestoreTimedOut(`the temporary group ${plan.groupId} is still "${status}" after ${minutes(now - plan.plannedAt)} (restoreTest.timeout: ${minutes(plan.waitUntil - plan.plannedAt)})`);
  }
  throw new CacheRestoreNotReady(`the temporary group ${plan.groupId} is "${status}"`);
}
