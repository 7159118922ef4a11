// The posture of one cache in one region, pure (README, "Redis"): missed snapshots (a run of the last
// 24 hours has no snapshot of ours, or a failed one — the dead man's switch: a job that stopped running
// is caught) and the age of the newest verified export against the RPO (the live RPO: what a restore in
// this region would lose). The export bucket all caches share is judged by bucket-plan.ts.

import type { CacheResource } from '../../../shared/policy/schema.js';
import { cacheSnapshotName } from '../../../shared/redis/naming.js';
import { backupTime } from '../../../shared/redis/retention.js';
import { occurrencesBetween, parseScheduleExpression } from '../../../shared/schedule/expression.js';
import { formatWall } from '../../../shared/time/zone.js';
// Shared with the freshness alarm (deploy/components/redis/alarms.ts).
import { PIPELINE_ALLOWANCE_MS } from '../../../shared/redis/exports.js';

export { PIPELINE_ALLOWANCE_MS };

export interface Finding {
  readonly severity: 'critical' | 'warning';
  readonly check: 'missed-snapshot' | 'stale-export' | 'no-verified-export' | 'replication' | 'export-grant' | 'tls-only' | 'object-ownership' | 'public-access';
  readonly summary: string;
  readonly action: string;
}

export interface CachePostureInput {
  readonly cache: CacheResource;
  readonly role: 'primary' | 'secondary';
  readonly region: string;
  readonly timeZone: string;
  readonly now: number;
  /** The cache's RPO target (ms): its own objectives, else the policy's for Redis. */
  readonly rpoTarget: number;
  /** Primary only: our snapshots of this cache by name, with ElastiCache's status. */
  readonly snapshots?: ReadonlyMap<string, string>;
  /** Names of this cache's backups whose every export object carries this region's verified mark. */
  readonly verifiedExports: readonly string[];
}

export interface CachePosture {
  readonly findings: readonly Finding[];
  /** Age of the newest verified export in this region (ms), null when there is none: the live RPO. */
  readonly newestVerifiedExportAge: number | null;
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

export function assessCachePosture(input: CachePostureInput): CachePosture {
  const { cache, now } = input;
  const findings: Finding[] = [];
  if (input.role === 'primary' && input.snapshots !== undefined) {
    const missed = missedSnapshot(input, input.snapshots);
    if (missed !== null) findings.push(missed);
  }
  const times = input.verifiedExports.map((name) => backupTime(name, cache.name, input.timeZone)).filter((t): t is number => t !== null);
  const newest = times.length === 0 ? null : Math.max(...times);
  const age = newest === null ? null : now - newest;
  const limit = input.rpoTarget + PIPELINE_ALLOWANCE_MS;
  if (age === null) {
    findings.push({
      severity: 'critical',
      check: 'no-verified-export',
      summary: `no verified export of ${cache.name} in ${input.region}: nothing here could seed a restore`,
      action: 'Check the export-cache-snapshots and verify-cache-exports logs and alerts, and the export bucket\'s replication.',
    });
  } else if (age > limit) {
    findings.push({
      severity: 'critical',
      check: 'stale-export',
      summary: `the newest verified export of ${cache.name} in ${input.region} is ${hours(age)} old: over the RPO of ${hours(input.rpoTarget)} (+ ${hours(PIPELINE_ALLOWANCE_MS)} to export, replicate and verify)`,
      action: 'A restore here would lose more than the RPO allows. Check take-cache-snapshot, export-cache-snapshots and verify-cache-exports (logs, alerts, failure tags).',
    });
  }
  return { findings, newestVerifiedExportAge: age };
}

/**
 * Every run scheduled in the 24 hours before the last hour whose snapshot (deterministic name) is missing
 * or failed: one finding naming them all. A run that failed earlier in the day is caught too, not only
 * the last one.
 */
function missedSnapshot(input: CachePostureInput, snapshots: ReadonlyMap<string, string>): Finding | null {
  const due = occurrencesBetween(parseScheduleExpression(input.cache.schedule), input.timeZone, input.now - 25 * 3_600_000, input.now - 3_600_000);
  const missed = due.flatMap((at) => {
    const name = cacheSnapshotName(input.cache.name, at, input.timeZone);
    const status = snapshots.get(name);
    if (status !== undefined && status !== 'failed') return [];
    return [`${formatWall(at, input.timeZone)} (${status === 'failed' ? `failed: ${name}` : `no ${name}`})`];
  });
  if (missed.length === 0) return null;
  return {
    severity: 'critical',
    check: 'missed-snapshot',
    summary: `${missed.length} of the ${due.length} snapshot runs of ${input.cache.replicationGroupId} in the last 24 hours (${input.timeZone}) have no snapshot: ${missed.join('; ')}`,
    action: `Check the take-cache-snapshot schedule, its logs and earlier alerts; take one now by invoking take-cache-snapshot with {"resources":["${input.cache.name}"]}.`,
  };
}
