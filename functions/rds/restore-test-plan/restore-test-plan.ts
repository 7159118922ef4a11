// The Plan step of the restore-test and pitr-test state machines: reads what can be restored — our
// snapshots in the region the test runs in, or the replicated automated backups — and lets plan.ts
// decide. Nothing is changed.

import type { DBSnapshot, RDSClient } from '@aws-sdk/client-rds';
import type { Policy } from '../../../shared/policy/schema.js';
import { replicatedBackupsOf } from '../../../shared/rds/automated-backups.js';
import type { RestoreKind, RestorePlan } from '../../../shared/rds/restore-run.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { executionInput, pickSnapshot, pitrPlan, resourceFor, restoreRole, snapshotPlan } from './plan.js';

export interface PlanDeps {
  readonly policy: Policy;
  readonly rds: { readonly primary: RDSClient; readonly secondary: RDSClient };
  readonly now: () => number;
  /** Uniform in [0, 1): which snapshot "random-within-30d" picks. */
  readonly random: () => number;
  /** The region role of the deployment running the test: a restore happens where its state machine runs. */
  readonly role: 'primary' | 'secondary';
}

export async function planRestoreTest(deps: PlanDeps, kind: RestoreKind, rawInput: unknown): Promise<RestorePlan> {
  const { policy } = deps;
  const now = deps.now();
  if (kind === 'pitr') {
    const input = parseInput(executionInput.pitr, rawInput ?? {});
    const db = resourceFor(policy, input.resource, kind);
    return pitrPlan(policy, db, input.restoreTo, await replicatedBackupsOf(deps.rds.secondary, policy.regions.primary, db.instanceId), now);
  }
  const input = parseInput(executionInput.snapshot, rawInput ?? {});
  const db = resourceFor(policy, input.resource, kind);
  const role = restoreRole(policy, input.region, deps.role);
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const copies = await listOwnedSnapshots(deps.rds.secondary, ownership);
  const here: DBSnapshot[] = role === 'primary' ? await listOwnedSnapshots(deps.rds.primary, ownership) : copies;
  const snapshot = pickSnapshot(db, role, { wanted: input.snapshot ?? db.restoreTest.snapshot, here, copies, now, random: deps.random() });
  return snapshotPlan(policy, db, role, snapshot, now);
}
