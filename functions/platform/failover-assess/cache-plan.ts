// What region-failover seeds for each cache, decided from what the secondary region holds, pure: the
// newest export verified there (the data loss it implies against the cache's RPO), the group it goes
// into (the policy's failover.replicationGroupId, else the source's id — a group id is per region; a
// rehearsal's bdr-rh-* name), its node type and network. A cache without a verified export gets no seed
// plan: the plan says so to the approver and the run stops at that cache (it is never started empty
// behind the operator's back: an empty cache may be fine for one application and a stampede on the
// database for another; dropping its failover section is how to fail over without it).

import { manifestKey } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import { cacheFailoverSettings } from '../../../shared/policy/failover-settings.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import type { ExportCandidate } from '../../../shared/redis/export-candidates.js';
import type { CacheRestorePlan } from '../../../shared/redis/restore-run.js';
import { engineVersionOf } from '../../../shared/redis/seed.js';
import type { RedisManifest } from '../../../shared/redis/types.js';
import { REHEARSAL_PREFIX, stepName, type FailoverCache } from '../../../shared/platform/failover-run.js';
import { wallTime } from '../../../shared/time/zone.js';
import type { RunFacts } from './plan.js';

export type FailoverCacheResource = CacheResource & { failover: NonNullable<CacheResource['failover']> };

/** The caches a failover seeds: those the policy gives a `failover` section. */
export function failoverCaches(policy: Policy): FailoverCacheResource[] {
  return policy.resources.caches.filter((c): c is FailoverCacheResource => c.failover !== undefined);
}

/** "bdr-rh-app-redis-202612031800": at most 40 characters (ElastiCache's limit), from the run's start (a resumed rehearsal finds it again). */
export function cacheRehearsalName(resource: string, startedAt: number, timeZone: string): string {
  const w = wallTime(startedAt, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const stamp = `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}`;
  const room = 40 - REHEARSAL_PREFIX.length - stamp.length - 1;
  return `${REHEARSAL_PREFIX}${resource.slice(0, room).replace(/-+$/, '')}-${stamp}`;
}

/** What the secondary holds for one cache. */
export interface CacheFacts {
  /** The newest whole export verified in the secondary's export bucket, with when it was taken. */
  readonly newest: (ExportCandidate & { readonly takenAt: number }) | null;
  /** The manifest captured with it (the engine an .rdb seeds with), null when none could be read. */
  readonly manifest: RedisManifest | null;
  /** The secondary's export bucket. */
  readonly bucket: string;
}

const minutes = (ms: number) => (ms >= 7_200_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`);

export function planCache(policy: Policy, cache: FailoverCacheResource, index: number, facts: CacheFacts, run: RunFacts): FailoverCache {
  const region = policy.regions.secondary;
  const step = stepName.cache(cache.name);
  const recorded = run.records.get(step)?.result as { plan?: CacheRestorePlan; group?: FailoverCache['group'] } | undefined;
  const common = {
    resource: cache.name,
    step,
    hasEndpoint: cache.endpoint !== undefined,
    endpointDone: run.records.has(stepName.endpoint(cache.name)),
    rpoTargetMs: cache.objectives?.rpo ?? policy.objectives.redis.rpo,
    rtoTargetMs: cache.objectives?.rto ?? policy.objectives.redis.rto,
  };
  if (recorded?.plan !== undefined && recorded.group !== undefined) {
    return { ...common, plan: recorded.plan, group: recorded.group, done: true, rpoMs: Math.max(0, run.startedAt - recorded.plan.restorePoint) };
  }
  const nodeType = cache.failover.nodeType ?? cache.restoreTest?.nodeType;
  if (nodeType === undefined) throw new InvalidInput(`resources.caches[${index}].failover.nodeType`, `"${cache.name}": the node type to seed in ${region} (nothing else in the policy names one)`);
  const newest = facts.newest;
  if (newest === null) return { ...common, done: false, rpoMs: null, missing: `no whole export of "${cache.name}" verified in ${region} (${facts.bucket}): nothing to seed it from` };
  if (newest.keys.length > 1) return { ...common, done: false, rpoMs: null, missing: `the newest verified export of "${cache.name}" (${newest.snapshotName}) has ${newest.keys.length} node groups (cluster mode): seeding cluster-mode caches is not built yet` };
  const settings = cacheFailoverSettings(cache);
  const userGroupId = cache.failover.userGroupId ?? cache.restoreTest?.userGroupId;
  const engine = facts.manifest?.engine;
  const engineVersion = engine === undefined ? undefined : engineVersionOf(engine.version);
  const groupId = run.mode === 'rehearsal' ? cacheRehearsalName(cache.name, run.startedAt, policy.timezone) : (cache.failover.replicationGroupId ?? cache.replicationGroupId);
  const plan: CacheRestorePlan = {
    runId: run.runId,
    resource: cache.name,
    sourceGroupId: cache.replicationGroupId,
    role: 'secondary',
    region,
    snapshotName: newest.snapshotName,
    restorePoint: newest.takenAt,
    seed: { kind: 'export', bucket: facts.bucket, keys: [...newest.keys] },
    groupId,
    nodeType,
    ...(settings.subnetGroup === undefined ? {} : { subnetGroup: settings.subnetGroup }),
    securityGroups: [...settings.securityGroups],
    ...(userGroupId === undefined ? {} : { userGroupId }),
    ...(engine === undefined ? {} : { engine: engine.name }),
    ...(engineVersion === undefined ? {} : { engineVersion }),
    manifestKey: manifestKey(cache.name, newest.snapshotName),
    newest: true,
    plannedAt: run.now,
    // The wait for the group ends with the region failover's RTO (the cache's own RTO is measured, not enforced).
    waitUntil: run.now + policy.objectives.regionFailover.rto,
  };
  return { ...common, plan, done: false, rpoMs: Math.max(0, run.startedAt - newest.takenAt) };
}

/** One line per cache for the approver: what is seeded, into what, and the data loss it implies. */
export function cacheSummary(cache: FailoverCache, nodeTypeNamed: boolean): string {
  const target = `target ${minutes(cache.rpoTargetMs)}`;
  if (cache.done) return `already seeded by this run into ${cache.plan?.groupId ?? 'its group'}`;
  if (cache.plan === undefined) {
    return `CANNOT be seeded: ${cache.missing ?? 'no verified export'}. The run will stop at this cache (NoCacheRestorePoint): reject, or drop its failover section to fail over without it`;
  }
  const plan = cache.plan;
  const loss = cache.rpoMs === null ? 'unknown' : minutes(cache.rpoMs);
  const over = cache.rpoMs !== null && cache.rpoMs > cache.rpoTargetMs ? ' — OVER the objective' : '';
  const size = !nodeTypeNamed ? ` (the restore test's node type: set failover.nodeType for production's size)` : '';
  return `seed ${plan.groupId} (${plan.nodeType}${size}) from the verified export ${plan.snapshotName} of ${new Date(plan.restorePoint).toISOString()}; data loss ≈ ${loss} (${target})${over}`;
}

