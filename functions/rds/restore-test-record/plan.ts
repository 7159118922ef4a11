// The verdict of a restore test, pure, with three outcomes. Failed: the restore or a check failed, the
// temporary instance was not torn down, or RTO/RPO missed its target. Inconclusive (otherwise): a check
// the policy requires could not run or had nothing to compare — the backup is not proven either way.
// Passed: neither. RTO = restore requested → validation finished without a failure; RPO = restore point →
// newest data at or before it.

import type { RestoreRun, Verdict } from '../../../shared/rds/restore-run.js';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The checks of a status that the summary lists, and a line for those it had to leave out. */
function checkLines(run: RestoreRun, status: 'failed' | 'inconclusive'): string[] {
  const validation = run.validation;
  if (validation === undefined) return [];
  const listed = validation.checks.filter((check) => check.status === status);
  const lines = listed.map((check) => `check ${check.name} ${status === 'failed' ? 'failed' : 'was inconclusive'}: ${check.detail ?? ''}`.trim());
  const unlisted = validation.counts[status] - listed.length;
  if (unlisted > 0) lines.push(`${unlisted} more ${status} checks: see the validation report ${validation.reportKey}`);
  // A summary that says so without naming a check still decides the outcome.
  if (lines.length === 0 && validation.outcome === status) lines.push(`validation was ${status}: see the validation report ${validation.reportKey}`);
  return lines;
}

export function judge(run: RestoreRun, targets: { rtoMs: number; rpoMs: number }): Omit<Verdict, 'evidenceKey'> {
  const failures: string[] = [];
  if (run.error !== undefined) failures.push(describeError(run.error.Error, run.error.Cause));
  const validation = run.validation;
  failures.push(...checkLines(run, 'failed'));
  if (validation === undefined && run.error === undefined) failures.push('the restore was never validated');
  if (run.plan !== undefined && run.teardown === undefined) failures.push('the temporary instance was not torn down');
  const validated = validation !== undefined && validation.outcome !== 'failed' && run.error === undefined;
  const rtoMs = validated && run.restore !== undefined ? validation.finishedAt - run.restore.requestedAt : null;
  const rpoMs = validation?.newestData !== null && validation?.newestData !== undefined && run.plan !== undefined ? Math.max(0, run.plan.restorePoint - validation.newestData) : null;
  if (rtoMs !== null && rtoMs > targets.rtoMs) failures.push(`RTO ${minutes(rtoMs)} exceeds the target of ${minutes(targets.rtoMs)}`);
  if (rpoMs !== null && rpoMs > targets.rpoMs) failures.push(`RPO ${minutes(rpoMs)} exceeds the target of ${minutes(targets.rpoMs)}`);
  const inconclusive = checkLines(run, 'inconclusive');
  const outcome = failures.length > 0 ? 'failed' : inconclusive.length > 0 ? 'inconclusive' : 'passed';
  return { outcome, failures, inconclusive, rtoMs, rtoTargetMs: targets.rtoMs, rpoMs, rpoTargetMs: targets.rpoMs };
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
