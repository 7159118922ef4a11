// What the janitor does with an instance or replication group a full recovery replaced (tagged
// replaced-by and keep-until by database-recovery-retire, or redis-recovery), pure:
// - past keep-until, ours (our owner and policy tags, a name we give: made by an earlier recovery) and not
//   under legal hold → deleted with a final snapshot (an instance first tagged tier=final, deletion
//   protection turned off and tags copied to snapshots — only because it is ours; RDS modifies no stopped
//   instance, so a stopped one that needs it is started first and modified once available);
// - past keep-until, ours, in a status it never leaves by itself (failed, storage-full, incompatible-*,
//   create-failed …: no final snapshot can be taken), or still there a day after keep-until → a finding;
// - past keep-until and not ours (the team's original production instance or group), or held → never
//   deleted: a finding the posture memory alerts once per change, saying how to delete it by hand;
// - before keep-until, an instance RDS started again after 7 stopped days ("available") → stopped again.
// An unreadable keep-until is a finding too: the janitor does not guess a date.

import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { finalSnapshotId, PREFIX, TAG, TIER } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { TERMINAL } from '../../../shared/rds/instance-status.js';
import { isOwned, isUnderHold, tagValue, type AwsTag } from '../../../shared/tags.js';
import { formatWall } from '../../../shared/time/zone.js';

/** The posture memory's resource (and the metrics') of the findings about replaced instances and groups. */
export const REPLACED_RESOURCE = { instances: 'replaced-instances', cacheGroups: 'replaced-cache-groups' } as const;

/**
 * The names we give what a recovery creates — an instance database-recovery made (bdr-rec-*), a group of
 * ours (bdr-*) — the only ones the janitor may delete (its IAM says the same).
 */
const OUR_NAMES = { instance: PREFIX.recoveryInstance, group: PREFIX.restoreInstance } as const;

export interface Replaced {
  readonly id: string;
  readonly arn: string | undefined;
  readonly replacedBy: string;
  /** keep-until (epoch ms), or null when the tag is not a time. */
  readonly keepUntil: number | null;
  readonly keepUntilTag: string;
  readonly tags: readonly AwsTag[];
  readonly status: string;
}

export type ReplacedInstanceAction =
  | { readonly action: 'none'; readonly replaced: Replaced }
  | { readonly action: 'stop'; readonly replaced: Replaced }
  /**
   * Steps before the delete, each sent once: tag tier=final (copied to the final snapshot), then turn off
   * deletion protection / turn on copying tags — on a stopped instance, which RDS does not modify, start
   * it first (`start`): the modification follows once it is available. `overdue`: a day past keep-until.
   */
  | { readonly action: 'delete'; readonly replaced: Replaced; readonly tagFinal: boolean; readonly modify: boolean; readonly start: boolean; readonly finalSnapshotId: string; readonly overdue: boolean }
  /** Ours past keep-until in a status that ends by itself (starting, modifying …): the next hour goes on; a finding once overdue. */
  | { readonly action: 'wait'; readonly replaced: Replaced; readonly overdue: boolean }
  | { readonly action: 'keep'; readonly replaced: Replaced; readonly why: KeepReason };

/**
 * Why one is kept past keep-until: not ours, held, an unreadable tag; or ours but in a status it never
 * leaves by itself, in which no final snapshot can be taken (`not-deletable`); or ours and still waiting a
 * day after keep-until (`still-waiting`: a refusal that does not go away).
 */
export type KeepReason = 'not-ours' | 'legal-hold' | 'keep-until-unreadable' | 'not-deletable' | 'still-waiting';

/** How long past keep-until one of ours may still be on its way out (start, modify, delete) before it is a finding. */
export const OVERDUE_AFTER_MS = 86_400_000;

/** Instance statuses in which RDS deletes an instance (with a final snapshot) or modifies it; any other waits for the next hour. */
const DELETABLE_INSTANCE = new Set(['available', 'stopped', 'storage-optimization']);
/**
 * Statuses an instance never leaves by itself (shared/rds/instance-status.ts), but for those on the way to
 * stopped or gone: no final snapshot can be taken in them (DeleteDBInstance: failed and incompatible-*
 * only with SkipFinalSnapshot, which the janitor never sets on a replaced instance).
 */
const STUCK_INSTANCE = new Set([...TERMINAL].filter((s) => !['deleting', 'stopping', 'stopped'].includes(s)));
/** ElastiCache deletes a group only when it is available; create-failed it never leaves by itself. */
const DELETABLE_GROUP = new Set(['available']);
const STUCK_GROUP = new Set(['create-failed']);

function replacedOf(id: string, arn: string | undefined, tags: readonly AwsTag[] | undefined, status: string | undefined): Replaced | null {
  const replacedBy = tagValue(tags, TAG.replacedBy);
  const keepUntilTag = tagValue(tags, TAG.keepUntil);
  if (id === '' || replacedBy === undefined || keepUntilTag === undefined) return null;
  const parsed = Date.parse(keepUntilTag);
  return { id, arn, replacedBy, keepUntil: Number.isNaN(parsed) ? null : parsed, keepUntilTag, tags: tags ?? [], status: status ?? 'unknown' };
}

/** Past keep-until, what may happen to it: deleted (ours, not held), or kept and said so. */
function pastKeepUntil(policy: Policy, replaced: Replaced, ourName: string): 'delete' | KeepReason {
  if (!isOwned(replaced.tags, policy.tags.owner, policy.name) || !replaced.id.startsWith(ourName)) return 'not-ours';
  if (isUnderHold(replaced.tags, policy.tags.legalHold)) return 'legal-hold';
  return 'delete';
}

export function replacedInstanceActions(policy: Policy, instances: readonly DBInstance[], now: number): ReplacedInstanceAction[] {
  return instances.flatMap((instance): ReplacedInstanceAction[] => {
    const replaced = replacedOf(instance.DBInstanceIdentifier ?? '', instance.DBInstanceArn, instance.TagList, instance.DBInstanceStatus);
    if (replaced === null || replaced.status === 'deleting') return [];
    if (replaced.keepUntil === null) return [{ action: 'keep', replaced, why: 'keep-until-unreadable' }];
    if (now < replaced.keepUntil) return [{ action: replaced.status === 'available' ? 'stop' : 'none', replaced }];
    const verdict = pastKeepUntil(policy, replaced, OUR_NAMES.instance);
    if (verdict !== 'delete') return [{ action: 'keep', replaced, why: verdict }];
    if (STUCK_INSTANCE.has(replaced.status)) return [{ action: 'keep', replaced, why: 'not-deletable' }];
    const overdue = now - replaced.keepUntil > OVERDUE_AFTER_MS;
    if (!DELETABLE_INSTANCE.has(replaced.status)) return [{ action: 'wait', replaced, overdue }];
    const modify = instance.DeletionProtection === true || instance.CopyTagsToSnapshot !== true;
    return [
      {
        action: 'delete',
        replaced,
        tagFinal: tagValue(replaced.tags, TAG.tier) !== TIER.final,
        modify: modify && replaced.status !== 'stopped',
        start: modify && replaced.status === 'stopped',
        finalSnapshotId: finalSnapshotId(replaced.id),
        overdue,
      },
    ];
  });
}

export type ReplacedGroupAction =
  | { readonly action: 'none'; readonly replaced: Replaced }
  | { readonly action: 'delete'; readonly replaced: Replaced; readonly finalSnapshotId: string; readonly overdue: boolean }
  | { readonly action: 'wait'; readonly replaced: Replaced; readonly overdue: boolean }
  | { readonly action: 'keep'; readonly replaced: Replaced; readonly why: KeepReason };

/** ElastiCache cannot stop a group: before keep-until nothing happens to it. */
export function replacedGroupActions(policy: Policy, groups: readonly { readonly group: ReplicationGroup; readonly tags: readonly AwsTag[] }[], now: number): ReplacedGroupAction[] {
  return groups.flatMap(({ group, tags }): ReplacedGroupAction[] => {
    const replaced = replacedOf(group.ReplicationGroupId ?? '', group.ARN, tags, group.Status);
    if (replaced === null || replaced.status === 'deleting') return [];
    if (replaced.keepUntil === null) return [{ action: 'keep', replaced, why: 'keep-until-unreadable' }];
    if (now < replaced.keepUntil) return [{ action: 'none', replaced }];
    const verdict = pastKeepUntil(policy, replaced, OUR_NAMES.group);
    if (verdict !== 'delete') return [{ action: 'keep', replaced, why: verdict }];
    if (STUCK_GROUP.has(replaced.status)) return [{ action: 'keep', replaced, why: 'not-deletable' }];
    const overdue = now - replaced.keepUntil > OVERDUE_AFTER_MS;
    if (!DELETABLE_GROUP.has(replaced.status)) return [{ action: 'wait', replaced, overdue }];
    return [{ action: 'delete', replaced, finalSnapshotId: finalSnapshotId(replaced.id), overdue }];
  });
}

// ---- alerts ------------------------------------------------------------------------------------------

const resourceOf = (replaced: Replaced): string => tagValue(replaced.tags, TAG.resource) ?? replaced.id;

const WHY: Record<KeepReason, string> = {
  'not-ours': 'it is not one we created (no owner and policy tags of ours, or a name we do not give): the janitor never deletes it',
  'legal-hold': 'it is under legal hold: the janitor never deletes it while the hold tag is on it',
  'keep-until-unreadable': 'its keep-until tag is not a time: the janitor does not guess one',
  'not-deletable': 'it is ours, but in a status it never leaves by itself, in which no final snapshot can be taken: the janitor does not delete it without one',
  'still-waiting': 'it is ours and due for deletion, but still not deletable a day after its keep-until (RDS or ElastiCache keeps refusing): the janitor tries every hour',
};

export type Kind = 'instance' | 'cache-group';

/** The command that deletes it by hand, with a final snapshot (the operator's choice to make). */
export function deleteByHand(kind: Kind, region: string, replaced: Replaced): string {
  return kind === 'instance'
    ? `aws rds delete-db-instance --region ${region} --db-instance-identifier ${replaced.id} --final-db-snapshot-identifier ${finalSnapshotId(replaced.id)} (turn off deletion protection first if it is on)`
    : `aws elasticache delete-replication-group --region ${region} --replication-group-id ${replaced.id} --final-snapshot-identifier ${finalSnapshotId(replaced.id)}`;
}

function keptAction(kind: Kind, region: string, replaced: Replaced, why: KeepReason): string {
  const billed = `It is billed${kind === 'instance' ? ' (storage while stopped; RDS starts it again after 7 days)' : ''} until you act.`;
  switch (why) {
    case 'keep-until-unreadable':
      return `Set ${TAG.keepUntil} on ${replaced.id} to an ISO time, or delete it by hand once you no longer need it: ${deleteByHand(kind, region, replaced)}.`;
    case 'not-deletable':
      return (
        `${billed} Look at its events to see why it is "${replaced.status}"; fix that (storage-full: add storage; inaccessible-encryption-credentials: restore access to its KMS key) and the janitor deletes it with a final snapshot, ` +
        `or, once sure nothing in it is needed, delete it by hand without one: ${kind === 'instance' ? `aws rds delete-db-instance --region ${region} --db-instance-identifier ${replaced.id} --skip-final-snapshot` : `aws elasticache delete-replication-group --region ${region} --replication-group-id ${replaced.id}`}.`
      );
    case 'still-waiting':
      return `${billed} Look at its status and events, and at the janitor's logs (its attempts each hour); once it is ${kind === 'instance' ? 'available or stopped' : 'available'} the janitor deletes it, or delete it by hand: ${deleteByHand(kind, region, replaced)}.`;
    default:
      return `${billed} Once you no longer need it, delete it by hand: ${deleteByHand(kind, region, replaced)}; or move ${TAG.keepUntil} later to keep it longer.`;
  }
}

/** A replaced instance or group kept past keep-until: a posture finding (alerted once, again when it changes, resolved when gone). */
export function keptFinding(policy: Policy, kind: Kind, region: string, replaced: Replaced, why: KeepReason, now: number): Alert {
  const what = kind === 'instance' ? 'instance' : 'replication group';
  const until = replaced.keepUntil === null ? `"${replaced.keepUntilTag}"` : formatWall(replaced.keepUntil, policy.timezone);
  const ours = why === 'not-deletable' || why === 'still-waiting';
  return {
    severity: 'warning',
    kind: 'posture',
    resource: resourceOf(replaced),
    region,
    summary: `the replaced ${what} ${replaced.id} (replaced by ${replaced.replacedBy}${ours ? `, status ${replaced.status}` : ''}) is kept past its keep-until ${until}: ${WHY[why]}`,
    action: keptAction(kind, region, replaced, why),
    source: 'janitor',
    at: now,
    details: {
      check: `${ours ? 'past-keep-until-not-deletable' : 'kept-past-keep-until'}:${replaced.id}`,
      [kind === 'instance' ? 'instance' : 'replicationGroup']: replaced.id,
      replacedBy: replaced.replacedBy,
      keepUntil: replaced.keepUntilTag,
      reason: why,
      status: replaced.status,
    },
  };
}

/** A replaced instance or group of ours deleted past keep-until, with its final snapshot. */
export function replacedDeletedAlert(policy: Policy, kind: Kind, region: string, replaced: Replaced, snapshotId: string, now: number): Alert {
  const what = kind === 'instance' ? 'instance' : 'replication group';
  return {
    severity: 'info',
    kind: 'replaced-deleted',
    resource: resourceOf(replaced),
    region,
    summary: `deleted the replaced ${what} ${replaced.id} (replaced by ${replaced.replacedBy}) past its keep-until ${formatWall(replaced.keepUntil ?? now, policy.timezone)}, keeping the final snapshot ${snapshotId}`,
    action: `Nothing to do. The final snapshot ${snapshotId} holds its last state; it is not a backup the retention prunes: delete it by hand once you no longer need it.`,
    source: 'janitor',
    at: now,
    details: { [kind === 'instance' ? 'instance' : 'replicationGroup']: replaced.id, replacedBy: replaced.replacedBy, finalSnapshot: snapshotId },
  };
}

/** A replaced instance or group could not be stopped or deleted: it stays, the janitor retries next hour. */
export function replacedFailedAlert(kind: Kind, region: string, replaced: Replaced, doing: string, error: { name: string; message: string }, now: number): Alert {
  const what = kind === 'instance' ? 'instance' : 'replication group';
  return {
    severity: 'critical',
    kind: 'replaced-not-handled',
    resource: resourceOf(replaced),
    region,
    summary: `could not ${doing} the replaced ${what} ${replaced.id}: ${error.name}`,
    action: `The janitor retries every hour; fix the cause (permissions, quota) or act by hand: ${kind === 'instance' && doing === 'stop' ? `aws rds stop-db-instance --region ${region} --db-instance-identifier ${replaced.id}` : deleteByHand(kind, region, replaced)}. ${error.message.slice(0, 200)}`,
    source: 'janitor',
    at: now,
    details: { [kind === 'instance' ? 'instance' : 'replicationGroup']: replaced.id, error: error.name },
  };
}

/**
 * A replaced instance found running before its keep-until was stopped again. RDS starts a stopped instance
 * after 7 days, but so does a person (a fail-back, a look at the old data): each stop is said, with the
 * tag to remove if the start was deliberate.
 */
export function replacedStoppedAlert(policy: Policy, region: string, replaced: Replaced, now: number): Alert {
  return {
    severity: 'warning',
    kind: 'replaced-stopped',
    resource: resourceOf(replaced),
    region,
    summary: `stopped the replaced instance ${replaced.id} (replaced by ${replaced.replacedBy}), found running before its keep-until ${formatWall(replaced.keepUntil ?? now, policy.timezone)}`,
    action:
      `RDS starts a stopped instance again after 7 days, and the janitor stops it while it carries ${TAG.replacedBy}. If it was started on purpose (a fail-back, reading its data), ` +
      `remove the tag and start it again: aws rds remove-tags-from-resource --region ${region} --resource-name ${replaced.arn ?? replaced.id} --tag-keys ${TAG.replacedBy} ${TAG.keepUntil}; aws rds start-db-instance --region ${region} --db-instance-identifier ${replaced.id}.`,
    source: 'janitor',
    at: now,
    details: { instance: replaced.id, replacedBy: replaced.replacedBy, keepUntil: replaced.keepUntilTag },
  };
}
