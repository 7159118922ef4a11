// The Plan step of database-recovery: checks the input before anything is read or created, then reads
// what the plan needs — the source instance (its shape, its endpoint, LatestRestorableTime), our
// snapshots and their verified copies, or the automated backups' EarliestTime — and lets plan.ts decide.
// Nothing is changed.
//
// The restorable window of an RDS instance: DBInstance reports only LatestRestorableTime; the earliest
// time is the RestoreWindow.EarliestTime of its automated backups (DescribeDBInstanceAutomatedBackups,
// API reference "RestoreWindow": "Earliest and latest time an instance can be restored to").

import { DescribeDBInstanceAutomatedBackupsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { InvalidInput } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { describeInstance } from '../../../shared/rds/automated-backups.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import { checkInput, checkInWindow, pickSnapshot, recoveryPlan, type PlanFacts } from './plan.js';

export interface PlanDeps {
  readonly policy: Policy;
  readonly rds: { readonly primary: RDSClient; readonly secondary: RDSClient };
  readonly now: () => number;
}

async function earliestRestorable(rds: RDSClient, instanceId: string): Promise<number | null> {
  const backups = (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: instanceId }))).DBInstanceAutomatedBackups ?? [];
  const times = backups.flatMap((b) => (b.RestoreWindow?.EarliestTime === undefined ? [] : [b.RestoreWindow.EarliestTime.getTime()]));
  return times.length === 0 ? null : Math.min(...times);
}

export async function planRecovery(deps: PlanDeps, rawInput: unknown, execution: string): Promise<RecoveryPlan> {
  const { policy } = deps;
  const { input, db } = checkInput(policy, rawInput);
  const now = deps.now();
  const source = await describeInstance(deps.rds.primary, db.instanceId);
  if (source === null) throw new InvalidInput('resource', `the instance ${db.instanceId} of "${db.name}" does not exist in ${policy.regions.primary}`);
  let from: PlanFacts['from'];
  if (input.time !== undefined) {
    const window = { earliest: await earliestRestorable(deps.rds.primary, db.instanceId), latest: source.LatestRestorableTime?.getTime() ?? null };
    checkInWindow(input.time, window, policy.timezone);
    from = { time: input.time };
  } else {
    const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
    const [primaries, copies] = await Promise.all([listOwnedSnapshots(deps.rds.primary, ownership), listOwnedSnapshots(deps.rds.secondary, ownership)]);
    from = { snapshot: pickSnapshot(db, input.snapshot, primaries, copies) };
  }
  return recoveryPlan(policy, db, input, { source, execution, now, from });
}
