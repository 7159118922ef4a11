// The verdict of a restore test, pure: it passes only when the restore succeeded, every check passed,
// the temporary instance was deleted, and the measured RTO and RPO are within the policy's targets.
// RTO = restore requested → validation passed; RPO = restore point → newest data found.

import type { RestoreRun, Verdict } from '../../../shared/rds/restore-run.js';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

export function judge(run: RestoreRun, targets: { rtoMs: number; rpoMs: number }): Omit<Verdict, 'evidenceKey'> {
  const failures: string[] = [];
  if (run.error !== undefined) failures.push(describeError(run.error.Error, run.error.Cause));
  const validation = run.validation;
  if (validation !== undefined) {
    for (const check of validation.checks) if (check.status === 'failed') failures.push(`check ${check.name} failed: ${check.detail}`);
  } else if (run.error === undefined) {
    failures.push('the restore was never validated');
  }
  if (run.plan !== undefined && run.teardown === undefined) failures.push('the temporary instance was not torn down');
  const passedValidation = validation?.passed === true && run.error === undefined;
  const rtoMs = passedValidation && run.restore !== undefined ? validation.finishedAt - run.restore.requestedAt : null;
  const rpoMs = validation?.newestData !== null && validation?.newestData !== undefined && run.plan !== undefined ? Math.max(0, run.plan.restorePoint - validation.newestData) : null;
  if (rtoMs !== null && rtoMs > targets.rtoMs) failures.push(`RTO ${minutes(rtoMs)} exceeds the target of ${minutes(targets.rtoMs)}`);
  if (rpoMs !== null && rpoMs > targets.rpoMs) failures.push(`RPO ${minutes(rpoMs)} exceeds the target of ${minutes(targets.rpoMs)}`);
  return { passed: failures.length === 0, failures, rtoMs, rtoTargetMs: targets.rtoMs, rpoMs, rpoTargetMs: targets.rpoMs };
}

function describeError(name: string, cause: string | undefined): string {
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(cause ?? '') as { errorMessage?: string };
    message = parsed.errorMessage ?? message;
  } catch {
    // Cause is plain text.
  }
  if (name === 'RestoreNotReady') return `the restored instance did not become available in time (${message})`;
  if (name === 'RestoreTimedOut') return `the restored instance did not become available within restoreTest.timeout (${message})`;
  if (name === 'States.Timeout') return 'a step timed out (validation did not finish in time)';
  return `${name}: ${message}`.trim();
}
