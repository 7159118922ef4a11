// The verdict on one cross-region copy, pure: is it available, encrypted with the expected key, and
// the same snapshot as its source (engine, version, storage, source ARN, original creation time)? And
// what a person must do about a copy that is not.

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
  /** The key ARN copies must be encrypted with; undefined when the policy names none. */
  readonly expectedKeyArn: string | undefined;
  readonly now: number;
  /** A copy still creating after this long is a failure (ms). */
  readonly stuckAfter: number;
}

const same = (a: unknown, b: unknown) => a === b;

/** When the copy was requested: our tag (RDS omits SnapshotCreateTime while copying), else RDS's time. */
function copyStartedAt(copy: DBSnapshot): number | undefined {
  const tagged = Date.parse(tagValue(copy.TagList, TAG.copyStartedAt) ?? '');
  return Number.isNaN(tagged) ? copy.SnapshotCreateTime?.getTime() : tagged;
}

export function verifyCopy(input: VerifyInput): CopyVerdict {
  const { copy, source } = input;
  const status = copy.Status ?? 'unknown';
  if (status !== 'available') {
    const started = copyStartedAt(copy) ?? input.now;
    if (status === 'creating' || status === 'copying' || status === 'pending') {
      const age = input.now - started;
      if (age > input.stuckAfter) {
        return { state: 'failed', problems: [`copy still "${status}" after ${Math.round(age / 3_600_000)} h (${copy.PercentProgress ?? 0} % done)`] };
      }
      return { state: 'pending', reason: `copy is ${status} (${copy.PercentProgress ?? 0} %)` };
    }
    return { state: 'failed', problems: [`copy is in state "${status}"`] };
  }
  if (source === null) return { state: 'failed', problems: ['the source snapshot no longer exists: nothing to compare the copy with'] };

  const problems: string[] = [];
  if (source.Encrypted === true || copy.Encrypted === true) {
    if (copy.Encrypted !== true) problems.push('copy is not encrypted but its source is');
    else if (input.expectedKeyArn !== undefined && copy.KmsKeyId !== input.expectedKeyArn) {
      problems.push(`copy is encrypted with ${copy.KmsKeyId ?? '(none)'}, expected ${input.expectedKeyArn}`);
    }
  }
  const compare: [string, unknown, unknown][] = [
    ['engine', copy.Engine, source.Engine],
    ['engine version', copy.EngineVersion, source.EngineVersion],
    ['allocated storage', copy.AllocatedStorage, source.AllocatedStorage],
    ['source snapshot ARN', copy.SourceDBSnapshotIdentifier, source.DBSnapshotArn],
    ['snapshot create time', copy.OriginalSnapshotCreateTime?.toISOString(), source.SnapshotCreateTime?.toISOString()],
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
