// What a copy run does, pure: which of our available originals still lack a copy in the secondary
// region (oldest first), how many more copies fit under the in-flight cap, what each copy request says
// (same id, encrypted with the secondary's key, our tags carried over and marked as a copy), and what
// each failure means for a person: a deferral to wait out, or a fault to fix; and how long each snapshot
// took (or has taken so far) and how big it is.

import type { CopyDBSnapshotCommandInput, DBSnapshot } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { TAG, TIER } from '../../../shared/contracts.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isThrottling } from '../../../shared/rds/errors.js';
import { copySourceArn, takenAt, tierOf } from '../../../shared/rds/snapshots.js';
import { tagValue } from '../../../shared/tags.js';

/** Copy states that count against the destination region's limit on copies in flight. */
const IN_FLIGHT = new Set(['creating', 'copying', 'pending']);
const time = (s: DBSnapshot) => s.SnapshotCreateTime?.getTime() ?? 0;

export interface CopyPlan {
  /** Our available originals without a copy, oldest first. */
  readonly pending: readonly DBSnapshot[];
  /** Copies in flight to the secondary region now. */
  readonly inFlight: number;
}

/** `sources`: our snapshots in the primary; `copies`: ours in the secondary. */
export function planCopies(policy: Policy, sources: readonly DBSnapshot[], copies: readonly DBSnapshot[]): CopyPlan {
  const databases = new Set(policy.resources.databases.map((d) => d.name));
  const copied = new Set(copies.map(copySourceArn).filter((arn): arn is string => arn !== undefined));
  const pending = sources
    .filter((s) => s.Status === 'available' && tierOf(s) === TIER.primary && databases.has(tagValue(s.TagList, TAG.resource) ?? ''))
    .filter((s) => !copied.has(s.DBSnapshotArn ?? ''))
    .sort((a, b) => time(a) - time(b));
  return { pending, inFlight: copies.filter((c) => IN_FLIGHT.has(c.Status ?? '')).length };
}

/** Our tags carried over, marked as a copy, with AWS-reserved keys left out. */
export function copyTags(source: DBSnapshot, now: number): { Key: string; Value: string }[] {
  const own = new Set<string>([TAG.tier, TAG.copyOf, TAG.verifiedAt, TAG.copyStartedAt]);
  const carried = (source.TagList ?? []).filter((t) => t.Key !== undefined && !t.Key.startsWith('aws:') && !own.has(t.Key));
  return [
    ...carried.map((t) => ({ Key: t.Key as string, Value: t.Value ?? '' })),
    { Key: TAG.tier, Value: TIER.copy },
    { Key: TAG.copyOf, Value: source.DBSnapshotArn ?? '' },
    // RDS reports no SnapshotCreateTime while a copy is in progress: this is how a stuck copy is timed.
    { Key: TAG.copyStartedAt, Value: new Date(now).toISOString() },
  ];
}

/**
 * The copy of one snapshot into the secondary region, always encrypted with `key` (the secondary's key):
 * RDS re-encrypts an encrypted source with it, and encrypts an unencrypted source with it (CopyDBSnapshot,
 * KmsKeyId) — no copy of ours is ever unencrypted.
 */
export function copyRequest(snapshot: DBSnapshot, key: string, now: number): CopyDBSnapshotCommandInput {
  return {
    SourceDBSnapshotIdentifier: snapshot.DBSnapshotArn,
    TargetDBSnapshotIdentifier: snapshot.DBSnapshotIdentifier ?? '',
    // No SourceRegion/PreSignedUrl: outside GovCloud RDS reads the source region from the ARN
    // (SDK v3's CopyDBSnapshot input has no SourceRegion; PreSignedUrl is GovCloud-only).
    KmsKeyId: key,
    Tags: copyTags(snapshot, now),
  };
}

/** A failed copy request (the error already translated to a domain error where known) as an alert. */
export function copyFailureAlert(policy: Policy, snapshot: DBSnapshot, key: string, error: unknown, now: number): Alert {
  const id = snapshot.DBSnapshotIdentifier ?? '';
  const secondary = policy.regions.secondary;
  const name = errorName(error);
  const alert = (severity: Alert['severity'], kind: string, summary: string, action: string) => copyAlert(policy, snapshot, now, severity, kind, summary, action, error);
  if (name === 'CopyLimitReached') {
    return alert('warning', 'copy-deferred', `cross-region copy limit reached in ${secondary}; ${id} and later snapshots wait`,
      'Nothing to do if it clears within a day: the next run continues. If it persists, look for copies stuck in "creating" in the secondary region.');
  }
  if (isThrottling(error)) {
    return alert('warning', 'copy-deferred', `RDS throttled the copy of ${id}; the next run retries`,
      'Nothing to do unless it repeats for a day; then look for other automation calling RDS in this account.');
  }
  if (name === 'SnapshotQuotaExceeded') {
    return alert('critical', 'copy-failed', `manual snapshot quota reached in ${secondary}: ${id} cannot be copied`, 'Check that prune-db-snapshots runs in the secondary region, or request a quota increase.');
  }
  if (name === 'ConfigurationError' || name === 'KmsKeyNotAccessible') {
    return alert('critical', 'configuration', `the KMS key ${key} cannot encrypt copies in ${secondary}`,
      `Check that ${key} is an enabled key in ${secondary} (kms.secondary, or the secondary deployment's own key) and that its key policy lets this account use it through RDS.`);
  }
  return alert('critical', 'copy-failed', `copy of ${id} to ${secondary} failed: ${name}`, 'Read the copy-db-snapshots logs; the next run retries.');
}

function copyAlert(policy: Policy, snapshot: DBSnapshot, now: number, severity: Alert['severity'], kind: string, summary: string, action: string, error?: unknown): Alert {
  return {
    severity,
    kind,
    resource: tagValue(snapshot.TagList, TAG.resource) ?? 'unknown',
    region: policy.regions.secondary,
    summary,
    action,
    source: 'copy-db-snapshots',
    at: now,
    details: {
      snapshot: snapshot.DBSnapshotArn ?? '',
      ...(error === undefined ? {} : { error: errorName(error), message: errorMessage(error).slice(0, 500) }),
    },
  };
}

/** A snapshot of ours RDS says it finished creating: the "manual snapshot created" event's snapshot id and time. */
export interface SnapshotCreated {
  readonly snapshotId: string;
  readonly at: number;
}

/** A snapshot's duration — done (with its size), or still being created — for the BackupDuration records. */
export interface BackupFigure {
  readonly resource: string;
  readonly snapshotId: string;
  readonly state: 'completed' | 'creating';
  readonly durationMs: number;
  /** AllocatedStorage (GiB) in bytes: the volume the snapshot holds; null while it is being created. */
  readonly sizeBytes: number | null;
}

const GIB = 1024 ** 3;

/**
 * The duration of our originals, measured from their start — OriginalSnapshotCreateTime, "the time of
 * the CreateDBSnapshot operation" (RDS API reference, DBSnapshot), else our created-at tag, which is all
 * RDS gives while a snapshot is creating — to the time RDS says the snapshot was created (the "manual
 * snapshot created" event, RDS-EVENT-0042, which triggers this run): exact, once per snapshot. A
 * snapshot still `creating` has taken now − start so far, measured on every run (hourly at least): one
 * that runs past its window is seen while it does. The fallback schedule cannot tell when a snapshot
 * whose event was lost finished, so it measures none. Size: DescribeDBSnapshots' AllocatedStorage (GiB),
 * the allocated storage of the volume snapshotted; RDS reports no bytes per incremental snapshot.
 */
export function backupFigures(policy: Policy, sources: readonly DBSnapshot[], created: SnapshotCreated | null, now: number): BackupFigure[] {
  const databases = new Set(policy.resources.databases.map((d) => d.name));
  const figures: BackupFigure[] = [];
  for (const snapshot of sources) {
    const resource = tagValue(snapshot.TagList, TAG.resource) ?? '';
    const start = takenAt(snapshot);
    // Originals only: not a copy, nor a replaced instance's final snapshot (tier final), which is no scheduled backup.
    if (!databases.has(resource) || tierOf(snapshot) !== TIER.primary || start === null) continue;
    const snapshotId = snapshot.DBSnapshotIdentifier ?? '';
    if (snapshot.Status === 'creating') figures.push({ resource, snapshotId, state: 'creating', durationMs: Math.max(0, now - start), sizeBytes: null });
    else if (snapshot.Status === 'available' && created?.snapshotId === snapshotId) {
      figures.push({ resource, snapshotId, state: 'completed', durationMs: Math.max(0, created.at - start), sizeBytes: snapshot.AllocatedStorage === undefined ? null : snapshot.AllocatedStorage * GIB });
    }
  }
  return figures;
}
