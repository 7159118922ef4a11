// The verdict of a cache restore test, pure, with three outcomes. Failed: seeding or a check failed, the
// temporary group was not torn down, or RTO/RPO missed its target. Inconclusive (otherwise): a check
// could not judge (no manifest, every sampled key expired). Passed: neither. RTO = seeding requested →
// validation finished without a failure. RPO = the restored backup's age when the test began, measured
// only when the test restored the newest verified backup: the data a restore at that moment would lose.

import type { CacheRestoreRun, CacheVerdict } from '../../../shared/redis/restore-run.js';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

const ERRORS: Record<string, string> = {
  CacheRestoreNotReady: 'the temporary group did not become available in time',
  CacheRestoreTimedOut: 'the temporary group did not become available within restoreTest.timeout',
  'States.Timeout': 'a step timed out (validation did not finish in time)',
};

function describeError(name: string, cause: string | undefined): string {
  let message = cause ?? '';
  try {
    message = (JSON.parse(cause ?? '') as { errorMessage?: string }).errorMessage ?? message;
  } catch {
    // Cause is plain text.
  }
  const known = ERRORS[name];
  return known === undefined ? `${name}: ${message}`.trim() : `${known} (${message})`;
}

export function judgeCacheRun(run: CacheRestoreRun, targets: { rtoMs: number; rpoMs: number }): Omit<CacheVerdict, 'evidenceKey'> {
  const failures: string[] = [];
  if (run.error !== undefined) failures.push(describeError(run.error.Error, run.error.Cause));
  const validation = run.validation;
  for (const check of validation?.checks ?? []) if (check.status === 'fail') failures.push(`check ${check.name} failed: ${check.detail}`);
  if (validation === undefined && run.error === undefined) failures.push('the restore was never validated');
  if (run.plan !== undefined && run.teardown === undefined) failures.push('the temporary group was not torn down');
  const validated = validation !== undefined && validation.outcome !== 'failed' && run.error === undefined;
  const rtoMs = validated && run.seeded !== undefined ? validation.finishedAt - run.seeded.requestedAt : null;
  const rpoMs = run.plan?.newest === true ? Math.max(0, run.plan.plannedAt - run.plan.restorePoint) : null;
  if (rtoMs !== null && rtoMs > targets.rtoMs) failures.push(`RTO ${minutes(rtoMs)} exceeds the target of ${minutes(targets.rtoMs)}`);
  if (rpoMs !== null && rpoMs > targets.rpoMs) failures.push(`RPO ${minutes(rpoMs)} exceeds the target of ${minutes(targets.rpoMs)} (the newest verified backup was that old)`);
  const inconclusive = (validation?.checks ?? []).filter((c) => c.status === 'inconclusive').map((c) => `check ${c.name} was inconclusive: ${c.detail}`);
  const outcome = failures.length > 0 ? 'failed' : inconclusive.length > 0 ? 'inconclusive' : 'passed';
  return { outcome, failures, inconclusive, rtoMs, rtoTargetMs: targets.rtoMs, rpoMs, rpoTargetMs: targets.rpoMs };
}
