// The janitor, hourly in each region: deletes the restore-test instances of ours that outlived every
// execution (plan.ts decides which) and alerts each one — a leaked instance costs money every hour.
// Safe to run again: an instance already gone or being deleted is success.

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { allPages, markerOf } from '../../../shared/aws/pages.js';
import { errorName, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isInstanceNotFound } from '../../../shared/rds/errors.js';
import type { Log } from '../../../shared/runtime/log.js';
import { leakDeletedAlert, leakedInstances, leakNotDeletedAlert } from './plan.js';

export interface JanitorDeps {
  readonly policy: Policy;
  readonly region: string;
  /** RDS in this region. */
  readonly rds: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
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
