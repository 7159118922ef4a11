// Plans a database recovery, pure: checks the operator's input (by schema, then each mode's rules, then
// against the policy) before anything is created, picks what to restore — the newest verified snapshot
// or a named one, or a time inside the source's restorable window — and decides the new instance: named
// deterministically, tagged as this run's, shaped like production when it stays (full, point-in-time),
// the smallest and temporary when it only feeds a partial copy.

import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { TAG, TIER } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { NoRestorePoint } from '../../../shared/rds/errors.js';
import { recoveryInstanceId } from '../../../shared/rds/naming.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import { copySourceArn, isVerified, newestFirst, takenAt, tierOf } from '../../../shared/rds/snapshots.js';
import { tagValue } from '../../../shared/tags.js';
import { recoverySchemaName } from '../../../shared/rds/recovery-tables.js';
import type { Recoverable, RecoveryInput } from '../../../shared/rds/recovery-input.js';

export { checkInput, recoveryInput, type Recoverable, type RecoveryInput } from '../../../shared/rds/recovery-input.js';
export { checkInWindow, type RestorableWindow } from '../../../shared/rds/restorable-window.js';

/**
 * The snapshot to restore in the primary region: the one named (ours, of this database, available), or
 * the newest whose cross-region copy is verified — proven readable, as restore tests pick theirs.
 */
export function pickSnapshot(db: DatabaseResource, wanted: string | undefined, primaries: readonly DBSnapshot[], copies: readonly DBSnapshot[]): DBSnapshot {
  const ofDb = (list: readonly DBSnapshot[], tier: string) => list.filter((s) => tagValue(s.TagList, TAG.resource) === db.name && tierOf(s) === tier && s.Status === 'available' && takenAt(s) !== null);
  const candidates = ofDb(primaries, TIER.primary).sort(newestFirst);
  if (wanted !== undefined) {
    const named = candidates.find((s) => s.DBSnapshotIdentifier === wanted || s.DBSnapshotArn === wanted);
    if (named === undefined) throw new InvalidInput('snapshot', `no available snapshot of ours named "${wanted}" for "${db.name}" in the primary region`);
    return named;
  }
  const verified = new Set(ofDb(copies, TIER.copy).filter(isVerified).map(copySourceArn));
  const newest = candidates.find((s) => verified.has(s.DBSnapshotArn));
  if (newest === undefined) throw new NoRestorePoint(`no snapshot of "${db.name}" with a verified copy to restore`);
  return newest;
}

export interface PlanFacts {
  readonly source: DBInstance;
  readonly execution: string;
  readonly now: number;
  /** The snapshot chosen, or the point in time (checked) to restore to. */
  readonly from: { readonly snapshot: DBSnapshot } | { readonly time: number };
}

export function recoveryPlan(policy: Policy, db: Recoverable, input: RecoveryInput, facts: PlanFacts): RecoveryPlan {
  const { source, now } = facts;
  const test = db.restoreTest;
  const keep = input.mode !== 'partial';
  const instanceId = recoveryInstanceId(db.name, now, policy.timezone);
  // A kept instance may become production: production's class, network and parameter group. A partial
  // recovery's only feeds the copy: the restore test's (smallest) class and network, which validate-restore reaches.
  const shape = keep
    ? {
        instanceClass: source.DBInstanceClass ?? test.instanceClass,
        ...(source.DBSubnetGroup?.DBSubnetGroupName === undefined ? {} : { subnetGroup: source.DBSubnetGroup.DBSubnetGroupName }),
        securityGroups: (source.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId === undefined ? [] : [g.VpcSecurityGroupId])),
        multiAz: source.MultiAZ === true,
        ...(source.DBParameterGroups?.[0]?.DBParameterGroupName === undefined ? {} : { parameterGroup: source.DBParameterGroups[0].DBParameterGroupName }),
      }
    : { instanceClass: test.instanceClass, ...(test.subnetGroup === undefined ? {} : { subnetGroup: test.subnetGroup }), securityGroups: [...test.securityGroups], multiAz: false };
  const restore =
    'snapshot' in facts.from
      ? { kind: 'snapshot' as const, snapshotId: facts.from.snapshot.DBSnapshotIdentifier ?? '', snapshotArn: facts.from.snapshot.DBSnapshotArn ?? '', restorePoint: takenAt(facts.from.snapshot) ?? now }
      : { kind: 'pitr' as const, restorePoint: facts.from.time };
  return {
    runId: instanceId,
    instanceId,
    ...restore,
    resource: db.name,
    role: 'primary',
    region: policy.regions.primary,
    sourceInstanceId: db.instanceId,
    ...shape,
    ...(test.database === undefined ? {} : { database: test.database }),
    credentialsSecret: test.credentialsSecret,
    plannedAt: now,
    waitUntil: now + test.timeout,
    mode: input.mode,
    execution: facts.execution,
    dryRun: input.dryRun ?? false,
    keep,
    tables: input.mode === 'partial' ? [...(input.tables ?? [])] : [],
    ...(input.mode === 'partial' ? { recoverySchema: recoverySchemaName(now, policy.timezone) } : {}),
    ...(source.Endpoint?.Address === undefined ? {} : { sourceAddress: source.Endpoint.Address }),
  };
}
