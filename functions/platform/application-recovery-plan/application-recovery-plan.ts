// The Plan step of application-recovery: checks the input (plan.ts), then — for a database part with a
// time — that the time lies inside the source's restorable window, as database-recovery's plan does
// (shared/rds/restorable-window.ts): the nested database-recovery runs after the rollback, too late to
// refuse it. Reads only the source instance and its automated backups; nothing is changed.

import type { RDSClient } from '@aws-sdk/client-rds';
import type { ApplicationPlan } from '../../../shared/platform/application-run.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { checkInWindow, describeSource, restorableWindow } from '../../../shared/rds/restorable-window.js';
import { asDatabaseError, checkApplicationInput, planApplicationRecovery } from './plan.js';

export interface PlanDeps {
  readonly policy: Policy;
  /** RDS in the primary region, where the database is restored. */
  readonly rds: RDSClient;
  readonly now: () => number;
}

export async function planApplication(deps: PlanDeps, rawInput: unknown, runId: string, execution: string): Promise<ApplicationPlan> {
  const { policy } = deps;
  const checked = checkApplicationInput(policy, rawInput);
  const restore = checked.database;
  const time = restore?.input.time;
  if (restore !== null && time !== undefined) {
    try {
      const source = await describeSource(deps.rds, restore.db, policy.regions.primary);
      checkInWindow(time, await restorableWindow(deps.rds, restore.db.instanceId, source), policy.timezone);
    } catch (error) {
      throw asDatabaseError(error);
    }
  }
  return planApplicationRecovery(policy, checked, runId, execution, deps.now());
}
