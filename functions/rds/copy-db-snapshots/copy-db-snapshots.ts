// Reconciles cross-region copies: every available snapshot of ours in the primary region without a
// copy in the secondary region gets one, re-encrypted with the secondary region's key, oldest first,
// never more than the configured number in flight; the rest wait for the next run.

import { CopyDBSnapshotCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, isAlreadyExists, isThrottling, translateRdsError } from '../../../shared/rds/errors.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import { RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { TAG, tagValue } from '../../../shared/tags.js';

export interface CopyDeps {
  readonly policy: Policy;
  /** RDS in the primary region (the sources). */
  readonly source: RDSClient;
  /** RDS in the secondary region (the copies are made there). */
  readonly target: RDSClient;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface CopyReport {
  readonly started: readonly string[];
  readonly inFlight: number;
  /** Sources still without a copy after this run (they wait for the next run). */
  readonly waiting: readonly string[];
}

const IN_FLIGHT = new Set(['creating', 'copying', 'pending']);

/** The source snapshot ARN a copy was made from (our tag, else RDS's own field). */
export function copySourceArn(copy: DBSnapshot): string | undefined {
  return tagValue(copy.TagList, TAG.copyOf) ?? copy.SourceDBSnapshotIdentifier;
}

function time(s: DBSnapshot): number {
  return s.SnapshotCreateTime?.getTime() ?? 0;
}

/** Our tags carried over, marked as a copy, with AWS-reserved keys left out. */
function copyTags(source: DBSnapshot, now: number): { Key: string; Value: string }[] {
  const own = new Set<string>([TAG.tier, TAG.copyOf, TAG.verifiedAt, TAG.copyStartedAt]);
  const carried = (source.TagList ?? []).filter((t) => t.Key !== undefined && !t.Key.startsWith('aws:') && !own.has(t.Key));
  return [
    ...carried.map((t) => ({ Key: t.Key as string, Value: t.Value ?? '' })),
    { Key: TAG.tier, Value: 'copy' },
    { Key: TAG.copyOf, Value: source.DBSnapshotArn ?? '' },
    // RDS reports no SnapshotCreateTime while a copy is in progress: this is how a stuck copy is timed.
    { Key: TAG.copyStartedAt, Value: new Date(now).toISOString() },
  ];
}

export async function copyDbSnapshots(deps: CopyDeps): Promise<CopyReport> {
  const { policy } = deps;
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const databases = new Set(policy.resources.databases.map((d) => d.name));
  const sources = (await listOwnedSnapshots(deps.source, ownership))
    .filter((s) => s.Status === 'available' && tagValue(s.TagList, TAG.tier) !== 'copy' && databases.has(tagValue(s.TagList, TAG.resource) ?? ''))
    .sort((a, b) => time(a) - time(b));
  const copies = await listOwnedSnapshots(deps.target, ownership);
  const copied = new Set(copies.map(copySourceArn).filter((arn): arn is string => arn !== undefined));
  let inFlight = copies.filter((c) => IN_FLIGHT.has(c.Status ?? '')).length;
  const pending = sources.filter((s) => !copied.has(s.DBSnapshotArn ?? ''));

  const started: string[] = [];
  const alerts: Alert[] = [];
  const alert = (severity: Alert['severity'], kind: string, snapshot: DBSnapshot, summary: string, action: string, error?: unknown) =>
    alerts.push({
      severity,
      kind,
      resource: tagValue(snapshot.TagList, TAG.resource) ?? 'unknown',
      region: policy.regions.secondary,
      summary,
      action,
      source: 'copy-db-snapshots',
      at: deps.now(),
      details: {
        snapshot: snapshot.DBSnapshotArn ?? '',
        ...(error === undefined ? {} : { error: errorName(error), message: errorMessage(error).slice(0, 500) }),
      },
    });

  let stopped = false;
  for (const snapshot of pending) {
    if (stopped) break;
    if (inFlight >= policy.rds.maxCopiesInFlight) {
      deps.log.info('copy limit reached: the rest wait for the next run', { inFlight, waiting: pending.length - started.length });
      break;
    }
    const id = snapshot.DBSnapshotIdentifier ?? '';
    const key = policy.kms.secondary;
    if (snapshot.Encrypted === true && key === undefined) {
      alert('critical', 'configuration', snapshot, `snapshot ${id} is encrypted but the policy names no KMS key for ${policy.regions.secondary}`,
        'Set kms.secondary in backup-policy.yml to a customer-managed key in the secondary region and redeploy.');
      stopped = true;
      break;
    }
    try {
      await deps.target.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: snapshot.DBSnapshotArn,
          TargetDBSnapshotIdentifier: id,
          // No SourceRegion/PreSignedUrl: outside GovCloud RDS reads the source region from the ARN
          // (SDK v3's CopyDBSnapshot input has no SourceRegion; PreSignedUrl is GovCloud-only).
          ...(snapshot.Encrypted === true ? { KmsKeyId: key } : {}),
          Tags: copyTags(snapshot, deps.now()),
        }),
      );
      started.push(id);
      inFlight += 1;
      deps.log.info('copy started', { snapshotId: id, from: policy.regions.primary, to: policy.regions.secondary, inFlight });
    } catch (raw) {
      if (isAlreadyExists(raw)) {
        deps.log.info('copy already exists: nothing to do', { snapshotId: id });
        continue;
      }
      const error = translateRdsError(raw);
      const name = errorName(error);
      deps.log.warn('copy failed', { snapshotId: id, error: name, message: errorMessage(error) });
      if (name === 'CopyLimitReached') {
        alert('warning', 'copy-deferred', snapshot, `cross-region copy limit reached in ${policy.regions.secondary}; ${id} and later snapshots wait`,
          'Nothing to do if it clears within a day: the next run continues. If it persists, look for copies stuck in "creating" in the secondary region.', error);
      } else if (isThrottling(error)) {
        alert('warning', 'copy-deferred', snapshot, `RDS throttled the copy of ${id}; the next run retries`,
          'Nothing to do unless it repeats for a day; then look for other automation calling RDS in this account.', error);
      } else if (name === 'SnapshotQuotaExceeded') {
        alert('critical', 'copy-failed', snapshot, `manual snapshot quota reached in ${policy.regions.secondary}: ${id} cannot be copied`,
          'Check that prune-db-snapshots runs in the secondary region, or request a quota increase.', error);
      } else if (name === 'ConfigurationError' || name === 'KmsKeyNotAccessible') {
        alert('critical', 'configuration', snapshot, `the KMS key ${key ?? '(none)'} cannot encrypt copies in ${policy.regions.secondary}`,
          'Check that kms.secondary names an enabled customer-managed key in the secondary region and that its key policy lets this account use it.', error);
      } else {
        alert('critical', 'copy-failed', snapshot, `copy of ${id} to ${policy.regions.secondary} failed: ${name}`, 'Read the copy-db-snapshots logs; the next run retries.', error);
      }
      stopped = true;
    }
  }

  for (const a of alerts) await deps.alerts.publish(a);
  const waiting = pending.map((s) => s.DBSnapshotIdentifier ?? '').filter((id) => !started.includes(id));
  const failures = alerts.filter((a) => a.severity === 'critical');
  if (failures.length > 0) {
    throw new RunFailed(`copy run failed: ${failures.map((f) => f.summary).join('; ')}`, failures.map((f) => ({ resource: f.resource, error: f.kind })));
  }
  return { started, inFlight, waiting };
}
