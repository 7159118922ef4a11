// The alert for a point-in-time restore of a prefix that failed: what, where, why, and what to do.

import type { Alert } from '../../../shared/alerts/alert.js';
import type { MediaRestoreState } from '../../../shared/media/restore-run.js';
import type { Policy } from '../../../shared/policy/schema.js';

export function mediaRestoreAlert(policy: Policy, state: MediaRestoreState, bucket: string | undefined, now: number): Alert {
  const asked = (state.input as { resource?: unknown } | null | undefined)?.resource;
  const reason = state.verdict?.summary ?? (state.error === undefined ? 'unknown failure' : `${state.error.Error}: ${state.error.Cause ?? ''}`);
  return {
    severity: 'critical',
    kind: 'media-restore-failed',
    resource: state.run?.resource ?? (typeof asked === 'string' ? asked : 'unknown'),
    region: state.run?.source.region ?? policy.regions.primary,
    summary: `point-in-time restore of a prefix failed: ${reason}`.slice(0, 300),
    action:
      'Read the listing of what was done and what failed, and the execution history in the Step Functions console. Every step is safe to repeat: ' +
      'start the state machine again with the same input once the cause is fixed (keys done already are left as they are).',
    source: 'media-restore',
    at: now,
    details: {
      runId: state.run?.runId ?? null,
      prefix: state.run?.prefix ?? null,
      failedKeys: state.run?.failed ?? null,
      listing: state.run === undefined || bucket === undefined ? null : `s3://${bucket}/${state.run.listingPrefix}`,
      evidence: state.verdict?.evidenceKey === undefined || state.verdict.evidenceKey === null || bucket === undefined ? null : `s3://${bucket}/${state.verdict.evidenceKey}`,
    },
  };
}
