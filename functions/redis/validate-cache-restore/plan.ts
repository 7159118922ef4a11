// The summary validate-cache-restore hands the state machine, pure: the verdict's checks with their
// outcome (bounded: a handful of checks whose details name at most five keys each), what it compared
// with, and where the full report is. A restore with no manifest to compare with cannot be judged on its
// data: connectivity, required keys and assertions still run, and a "manifest" check is inconclusive.

import type { CacheOutcome, CacheValidationSummary } from '../../../shared/redis/restore-run.js';
import type { CheckStatus, RedisCheck, RedisManifest, RestoreObservation } from '../../../shared/redis/types.js';

const OUTCOME: Record<CheckStatus, CacheOutcome> = { pass: 'passed', fail: 'failed', inconclusive: 'inconclusive' };
const MAX_DETAIL = 600;

/** The manifest a restore without one is observed against: nothing sampled, nothing counted. */
export function emptyManifest(snapshotName: string): RedisManifest {
  return { format: 'backup-dr/redis-manifest@1', cache: '', replicationGroupId: '', snapshotId: snapshotName, capturedAt: '', completedAt: '', engine: { name: '', version: '' }, databases: {}, requiredKeys: [], sampleKeys: 0, maxElements: 1 };
}

/** The checks of a restore judged without a manifest: the data checks become one inconclusive "manifest" check. */
export function withoutManifest(checks: readonly RedisCheck[], snapshotName: string, manifestKey: string): { name: string; status: CheckStatus; detail: string }[] {
  const kept = checks.filter((c) => c.name !== 'key-counts' && c.name !== 'sampled-keys');
  if (kept[0]?.status === 'fail') return kept;
  return [...kept, { name: 'manifest', status: 'inconclusive', detail: `no manifest was captured with ${snapshotName} (${manifestKey}): key counts and sampled keys could not be compared` }];
}

export function summarise(
  checks: readonly { name: string; status: CheckStatus; detail: string }[],
  manifest: RedisManifest | null,
  observation: RestoreObservation | null,
  engine: string | null,
  times: { startedAt: number; finishedAt: number },
  reportKey: string,
): CacheValidationSummary {
  const statuses = checks.map((c) => c.status);
  const outcome: CheckStatus = statuses.includes('fail') ? 'fail' : statuses.includes('inconclusive') ? 'inconclusive' : 'pass';
  return {
    outcome: OUTCOME[outcome],
    checks: checks.map((c) => ({ name: c.name, status: c.status, detail: c.detail.length > MAX_DETAIL ? `${c.detail.slice(0, MAX_DETAIL - 1)}…` : c.detail })),
    manifestCapturedAt: manifest?.capturedAt ?? null,
    engine,
    keys: Object.values(observation?.keyCounts ?? {}).reduce((n, k) => n + k, 0),
    ...times,
    reportKey,
  };
}
