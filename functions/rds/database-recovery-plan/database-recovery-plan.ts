// The Plan step of database-recovery: checks the input before anything is read or created, then reads
// what the plan needs — the source instance (its shape, its endpoint, LatestRestorableTime), our
// snapshots and their verified copies, or the automated backups' EarliestTime — and lets plan.ts decide.
// Nothing is changed. The restorable window: shared/rds/restorable-window.ts.

import type { RDSClient } from '@aws-sdk/client-rds';
import type { Policy } from '../../../shared/policy/schema.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import { checkInWindow, describeSource, restorableWindow } from '../../../shared/rds/restorable-window.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import { checkInput, pickSnapshot, recoveryPlan, type PlanFacts } from './plan.js';

export interface PlanDeps {
  readonly policy: Policy;
  readonly rds: { readonly primary: RDSClient; readonly secondary: RDSClient };
  readonly now: () => number;
}

export async function planRecovery(deps: PlanDeps, rawInput: unknown, execution: string): Promise<RecoveryPlan> {
  const { policy } = deps;
  const { input, db } = checkInput(policy, rawInput);
  const now = deps.now();
  const source = await describeSource(deps.rds.primary, db, policy.regions.primary);
  let from: PlanFacts['from'];
  if (input.time !== undefined) {
    checkInWindow(input.time, await restorableWindow(deps.rds.primary, db.instanceId, source), policy.timezone);
    from = { time: input.time };
  } else {
    const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
    const [primaries, copies] = await Promise.all([listOwnedSnapshots(deps.rds.primary, ownership), listOwnedSnapshots(deps.rds.secondary, ownership)]);
    from = { snapshot: pickSnapshot(db, input.snapshot, primaries, copies) };
  }
  return recoveryPlan(policy, db, input, { source, execution, now, from });
}
