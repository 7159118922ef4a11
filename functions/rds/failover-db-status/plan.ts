// Is the database region-failover brings up ready, pure? A restored instance as a restore test's (the
// statuses of shared/rds/instance-status.ts); a promoted replica only once RDS no longer names its
// source — before the promotion begins, the replica is "available" and still a replica.

import type { DBInstance } from '@aws-sdk/client-rds';
import type { FailoverDatabase } from '../../../shared/platform/failover-run.js';
import { RestoreFailed, RestoreNotReady, RestoreTimedOut } from '../../../shared/rds/errors.js';
import { SERVING, TERMINAL } from '../../../shared/rds/instance-status.js';
import type { InstanceReady } from '../../../shared/rds/restore-run.js';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

export function failoverReadiness(db: FailoverDatabase, instance: DBInstance | undefined, now: number): InstanceReady {
  const status = instance?.DBInstanceStatus ?? 'unknown';
  const stillReplica = db.method === 'promote' && instance?.ReadReplicaSourceDBInstanceIdentifier !== undefined;
  if (SERVING.has(status) && !stillReplica && instance?.Endpoint?.Address !== undefined) {
    return { address: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432, availableAt: now, ...(instance.DBName === undefined ? {} : { database: instance.DBName }) };
  }
  if (TERMINAL.has(status)) throw new RestoreFailed(`${db.instanceId} is "${status}", which it never leaves by itself`);
  const state = stillReplica ? `"${status}", still a replica` : `"${status}"`;
  if (now > db.waitUntil) throw new RestoreTimedOut(`${db.instanceId} is still ${state} after ${minutes(now - db.plannedAt)} (objectives.regionFailover.rto: ${minutes(db.waitUntil - db.plannedAt)})`);
  throw new RestoreNotReady(`${db.instanceId} is ${state}`);
}
