// What the janitor removes, pure: temporary instances of our restore and PITR tests that have outlived
// any execution (restoreInstanceMaxAge) — a test whose teardown could not run leaves a billed instance
// behind. Only an instance named with our prefix, carrying our owner and policy tags and a restore-test
// run tag, is ever a candidate; one already being deleted is left alone.

import type { DBInstance } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { PREFIX, TAG } from '../../../shared/contracts.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { restoreInstanceMaxAge } from '../../../shared/rds/restore-settings.js';
import { isOwned, tagValue } from '../../../shared/tags.js';
import { formatWall } from '../../../shared/time/zone.js';

export interface Leak {
  readonly instance: DBInstance;
  readonly id: string;
  readonly runId: string;
  readonly createdAt: number;
}

/** When the instance was made: our created-at tag (set at the restore request), else RDS's create time. */
function createdAt(instance: DBInstance): number | null {
  const tagged = Date.parse(tagValue(instance.TagList, TAG.createdAt) ?? '');
  if (!Number.isNaN(tagged)) return tagged;
  return instance.InstanceCreateTime?.getTime() ?? null;
}

export function leakedInstances(policy: Policy, instances: readonly DBInstance[], now: number): Leak[] {
  const maxAge = restoreInstanceMaxAge(policy);
  return instances.flatMap((instance) => {
    const id = instance.DBInstanceIdentifier ?? '';
    const runId = tagValue(instance.TagList, TAG.restoreTest);
    if (!id.startsWith(PREFIX.restoreInstance) || runId === undefined || !isOwned(instance.TagList, policy.tags.owner, policy.name)) return [];
    if (instance.DBInstanceStatus === 'deleting') return [];
    const made = createdAt(instance);
    // An instance whose age cannot be known is not deleted: it is not provably a leak.
    if (made === null || now - made <= maxAge) return [];
    return [{ instance, id, runId, createdAt: made }];
  });
}

export function leakDeletedAlert(policy: Policy, region: string, leak: Leak, now: number): Alert {
  return {
    severity: 'warning',
    kind: 'leaked-instance',
    resource: leak.instance.TagList?.find((t) => t.Key === TAG.resource)?.Value ?? 'unknown',
    region,
    summary: `deleted the restore-test instance ${leak.id}, left behind since ${formatWall(leak.createdAt, policy.timezone)} (run ${leak.runId})`,
    action: 'A restore or PITR test could not tear down its instance: read that execution in the Step Functions console and the teardown alert; the instance is being deleted now.',
    source: 'janitor',
    at: now,
    details: { instance: leak.id, runId: leak.runId },
  };
}

export function leakNotDeletedAlert(policy: Policy, region: string, leak: Leak, error: unknown, now: number): Alert {
  return {
    severity: 'critical',
    kind: 'leaked-instance',
    resource: leak.instance.TagList?.find((t) => t.Key === TAG.resource)?.Value ?? 'unknown',
    region,
    summary: `could not delete the leaked restore-test instance ${leak.id}: ${errorName(error)}`,
    action: `It is billed every hour. Delete it by hand (aws rds delete-db-instance --region ${region} --db-instance-identifier ${leak.id} --skip-final-snapshot --delete-automated-backups); the janitor retries every hour. ${errorMessage(error).slice(0, 200)}`,
    source: 'janitor',
    at: now,
    details: { instance: leak.id, runId: leak.runId, error: errorName(error) },
  };
}
