// The alert for a configuration restore that failed: what, where, why (error names and names only), what
// was written before it, the runbooks' parameters it left alone, and what to do.

import type { Alert } from '../../../shared/alerts/alert.js';
import { askedConfiguration, type ConfigRestoreState } from '../../../shared/config/restore-run.js';
import type { Policy } from '../../../shared/policy/schema.js';

export function configRestoreAlert(policy: Policy, region: string, state: ConfigRestoreState, bucket: string | undefined, now: number): Alert {
  const left = state.run?.leftToRunbooks ?? [];
  const reason = state.verdict?.summary ?? (state.error === undefined ? 'unknown failure' : `${state.error.Error}: ${state.error.Cause ?? ''}`);
  return {
    severity: 'critical',
    kind: 'config-restore-failed',
    resource: askedConfiguration(state),
    region: state.run?.target.region ?? region,
    summary: `configuration restore failed: ${reason}`.slice(0, 300),
    action:
      'Read the evidence (what was written, with the version before it, and the undo commands) and the execution history in the Step Functions console. ' +
      'Every step is safe to repeat: start the state machine again with the same input once the cause is fixed (names already equal to the bundle are skipped).' +
      (left.length === 0 ? '' : ` Not written, left to the recovery runbooks (set-maintenance-mode, switch-endpoint): ${left.join(', ')} — check them by hand if the bundle's values matter.`),
    source: 'config-restore',
    at: now,
    details: {
      runId: state.run?.runId ?? state.execution ?? null,
      bundleVersion: state.run?.bundle.versionId ?? null,
      written: state.run?.written.length ?? null,
      leftToRunbooks: left.length === 0 ? null : left.join(', '),
      failedNames: state.run === undefined ? null : state.run.failed.map((f) => `${f.kind} ${f.name}: ${f.error}`).join('; ').slice(0, 1000),
      evidence: state.verdict?.evidenceKey === undefined || state.verdict.evidenceKey === null || bucket === undefined ? null : `s3://${bucket}/${state.verdict.evidenceKey}`,
    },
  };
}
