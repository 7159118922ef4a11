// The verdict on one cross-region copy, pure: is it available, encrypted with the expected key, and
// the same snapshot as its source (engine, version, storage, source ARN, original creation time)? Is a
// copy in flight still moving? And what a person must do about a copy that is not right.

import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { Alert } from '../../../shared/alerts/alert.js';
import { TAG } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { tagValue } from '../../../shared/tags.js';

export type CopyVerdict =
  | { readonly state: 'verified' }
  | { readonly state: 'pending'; readonly reason: string }
  | { readonly state: 'failed'; readonly problems: readonly string[] };

export interface VerifyInput {
  readonly copy: DBSnapshot;
  /** The source as RDS describes it now; null when it no longer exists or cannot be read. */
  readonly source: DBSnapshot | null;
  /** The key ARN copies must be encrypted with. */
  readonly expectedKeyArn: string | undefined;
  readonly now: number;
  /** When the copy's queue last moved (`queueProgressAt`). */
  readonly lastProgressAt: number;
  /** A copy whose queue has not moved for this long is stuck: a failure (ms). */
  readonly stuckAfter: number;
}

const same = (a: unknown, b: unknown) => a === b;
const IN_FLIGHT = new Set(['creating', 'copying', 'pending']);

/** When the copy was requested: our tag (RDS omits SnapshotCreateTime while copying), else RDS's time. */
function copyStartedAt(copy: DBSnapshot): number | undefined {
  const tagged = Date.parse(tagValue(copy.TagList, TAG.copyStartedAt) ?? '');
  return Number.isNaN(tagged) ? copy.SnapshotCreateTime?.getTime() : tagged;
}

/** The progress recorded on a copy by an earlier run ("<percent>@<ISO time>"), or null. */
export function recordedProgress(copy: DBSnapshot): { percent: number; at: number } | null {
  const match = /^(\d+)@(.+)$/.exec(tagValue(copy.TagList, TAG.copyProgress) ?? '');
  const at = Date.parse(match?.[2] ?? '');
  return match === null || Number.isNaN(at) ? null : { percent: Number(match[1]), at };
}

/** The tag value to record for a copy in flight, or null when its progress has not changed since the last record. */
export function progressTag(copy: DBSnapshot, now: number): string | null {
  const percent = copy.PercentProgress ?? 0;
  const recorded = recordedProgress(copy);
  return recorded !== null && recorded.percent === percent ? null : `${percent}@${new Date(now).toISOString()}`;
}

/** When one copy last moved: its progress changed (now, when it differs from the record), else when requested. */
function movedAt(copy: DBSnapshot, now: number): number {
  const recorded = recordedProgress(copy);
  if (recorded !== null && recorded.percent !== (copy.PercentProgress ?? 0)) return now;
  const started = copyStartedAt(copy);
  if (recorded !== null) return Math.max(recorded.at, started ?? 0);
  // Never seen before and no request time: its clock starts now (this run records its progress).
  return started ?? now;
}

/**
 * When the queue a copy waits in last moved. RDS copies the snapshots of one DB instance into a region
 * one after another: a copy can sit at 0 % for hours behind another that is progressing. So a copy is
 * judged by its whole queue — the copies of the same instance in flight and those already completed
 * (verified) — not by its age since the request.
 */
export function queueProgressAt(copy: DBSnapshot, sameInstance: readonly DBSnapshot[], now: number): number {
  let latest = movedAt(copy, now);
  for (const other of sameInstance) {
    if (IN_FLIGHT.has(other.Status ?? '')) latest = Math.max(latest, movedAt(other, now));
    const verified = Date.parse(tagValue(other.TagList, TAG.verifiedAt) ?? '');
    if (!Number.isNaN(verified)) latest = Math.max(latest, verified);
  }
  return latest;
}

export function verifyCopy(input: VerifyInput): CopyVerdict {
  const { copy, source } = input;
  const status = copy.Status ?? 'unknown';
  if (status !== 'available') {
    if (IN_FLIGHT.has(status)) {
      const still = input.now - input.lastProgressAt;
      if (still > input.stuckAfter) {
        return { state: 'failed', problems: [`copy still "${status}" at ${copy.PercentProgress ?? 0} %: its queue has not moved for ${Math.round(still / 3_600_000)} h`] };
      }
      return { state: 'pending', reason: `copy is ${status} (${copy.PercentProgress ?? 0} %)` };
    }
    return { state: 'failed', problems: [`copy is in state "${status}"`] };
  }
  if (source === null) return { state: 'failed', problems: ['the source snapshot no longer exists: nothing to compare the copy with'] };

  const problems: string[] = [];
  if (copy.Encrypted !== true) problems.push('copy is not encrypted');
  else if (input.expectedKeyArn !== undefined && copy.KmsKeyId !== input.expectedKeyArn) {
    problems.push(`copy is encrypted with ${copy.KmsKeyId ?? '(none)'}, expected ${input.expectedKeyArn}`);
  }
  // Like with like (API reference, DBSnapshot): OriginalSnapshotCreateTime is "the time of the
  // CreateDBSnapshot operation" and "doesn't change when the snapshot is copied"; SnapshotCreateTime
  // "changes for the copy". So the copy's original time must equal the source's original time.
  const compare: [string, unknown, unknown][] = [
    ['engine', copy.Engine, source.Engine],
    ['engine version', copy.EngineVersion, source.EngineVersion],
    ['allocated storage', copy.AllocatedStorage, source.AllocatedStorage],
    ['source snapshot ARN', copy.SourceDBSnapshotIdentifier, source.DBSnapshotArn],
    ['original snapshot create time', copy.OriginalSnapshotCreateTime?.toISOString(), (source.OriginalSnapshotCreateTime ?? copy.OriginalSnapshotCreateTime)?.toISOString()],
  ];
  for (const [field, got, want] of compare) {
    if (!same(got, want)) problems.push(`${field} differs: copy has ${String(got)}, source has ${String(want)}`);
  }
  return problems.length === 0 ? { state: 'verified' } : { state: 'failed', problems };
}

/** The one alert for a copy that failed verification (the copy is then tagged, so it is not repeated). */
export function verificationFailedAlert(policy: Policy, copy: DBSnapshot, sourceArn: string | undefined, problems: readonly string[], now: number): Alert {
  const id = copy.DBSnapshotIdentifier ?? '';
  const region = policy.regions.secondary;
  return {
    severity: 'critical',
    kind: 'verification-failed',
    resource: tagValue(copy.TagList, TAG.resource) ?? 'unknown',
    region,
    summary: `copy ${id} failed verification: ${problems[0] ?? ''}`,
    action: `Do not count on this copy. Delete it (aws rds delete-db-snapshot --region ${region} --db-snapshot-identifier ${id}); copy-db-snapshots makes a new one on its next run. Its source stays protected from pruning until a copy verifies.`,
    source: 'verify-db-snapshots',
    at: now,
    details: { copy: copy.DBSnapshotArn ?? id, source: sourceArn ?? null, problems: problems.join('; ') },
  };
}
