// What a snapshot run decides, pure: the tags a new snapshot carries, which failures are worth an
// immediate retry, and what to tell a person when one still fails. (Which databases, and the
// deterministic id from the scheduled time, are shared with capture-db-manifest: shared/rds.)

import { OWNER_VALUE, TAG, TIER } from '../../../shared/contracts.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { toAwsTags } from '../../../shared/tags.js';

/** The tags of a new snapshot: ours, which database, from which instance, when requested and scheduled. */
export function snapshotTags(policy: Policy, db: DatabaseResource, instanceArn: string | undefined, requestedAt: number, scheduledAt: number): { Key: string; Value: string }[] {
  return toAwsTags({
    [policy.tags.owner]: OWNER_VALUE,
    [TAG.policy]: policy.name,
    [TAG.resource]: db.name,
    [TAG.sourceArn]: instanceArn ?? db.instanceId,
    [TAG.createdAt]: new Date(requestedAt).toISOString(),
    [TAG.scheduledAt]: new Date(scheduledAt).toISOString(),
    [TAG.tier]: TIER.primary,
  });
}

/** Failures that another attempt right away cannot fix. */
const PERMANENT = new Set(['InstanceNotReady', 'InstanceNotFound', 'SnapshotQuotaExceeded', 'KmsKeyNotAccessible', 'ConfigurationError']);
export const isPermanent = (errorName: string): boolean => PERMANENT.has(errorName);

export function actionFor(error: string, db: DatabaseResource): string {
  switch (error) {
    case 'InstanceNotReady':
      return `Check the state of DB instance ${db.instanceId} (a stopped or modifying instance cannot be snapshotted); start it or wait, then re-run take-db-snapshot with {"resources":["${db.name}"]}.`;
    case 'InstanceNotFound':
      return `DB instance ${db.instanceId} does not exist in this region: fix instanceId of "${db.name}" in backup-policy.yml or restore the instance.`;
    case 'SnapshotQuotaExceeded':
      return 'The region has reached its manual DB snapshot quota: check that prune-db-snapshots runs, delete unneeded manual snapshots or request a quota increase, then re-run.';
    default:
      return `Read the take-db-snapshot logs; re-run with {"resources":["${db.name}"]} once the cause is fixed.`;
  }
}
