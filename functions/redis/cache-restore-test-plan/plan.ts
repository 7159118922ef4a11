// Plans a cache restore test, pure: checks the request (the execution input by schema, then against the
// policy), picks the backup — the newest export that is whole and verified in the region the test runs
// in, or one named — decides what seeds the temporary group (in the primary, the snapshot itself while it
// is there; otherwise the export's .rdb objects), names the group deterministically and sets when waiting
// for it ends.

import * as z from 'zod/mini';
import { manifestKey, PREFIX } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { NoCacheRestorePoint } from '../../../shared/redis/errors.js';
import type { ExportCandidate } from '../../../shared/redis/export-candidates.js';
import { engineVersionOf } from '../../../shared/redis/seed.js';
import { backupTime } from '../../../shared/redis/retention.js';
import type { CacheRestorePlan, CacheSeed } from '../../../shared/redis/restore-run.js';
import type { RedisManifest } from '../../../shared/redis/types.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { wallTime } from '../../../shared/time/zone.js';

/** What an operator may start the test with (console "Start execution" input). */
export const executionInput = strictInput({
  resource: z.optional(nonEmptyString),
  backup: z.optional(nonEmptyString),
  region: z.optional(z.enum(['primary', 'secondary'], { error: 'must be "primary" or "secondary"' })),
});

export type RestoreTestedCache = CacheResource & { readonly restoreTest: NonNullable<CacheResource['restoreTest']> };

/** The cache the request names (default: the policy's first with restoreTest settings). */
export function cacheFor(policy: Policy, name: string | undefined): RestoreTestedCache {
  const caches = policy.resources.caches;
  const chosen = name === undefined ? (caches.find((c) => c.restoreTest !== undefined) ?? caches[0]) : caches.find((c) => c.name === name);
  if (chosen === undefined) {
    throw new InvalidInput('resource', name === undefined ? 'the policy protects no cache' : `no cache "${name}" in the policy (known: ${caches.map((c) => c.name).join(', ') || 'none'})`);
  }
  if (chosen.restoreTest === undefined) throw new InvalidInput('resource', `"${chosen.name}" has no restoreTest settings in the policy`);
  return { ...chosen, restoreTest: chosen.restoreTest };
}

/** The region a test restores in: the request's, which must be the region its state machine runs in. */
export function restoreRole(policy: Policy, requested: 'primary' | 'secondary' | undefined, here: 'primary' | 'secondary'): 'primary' | 'secondary' {
  const role = requested ?? here;
  if (role !== here) throw new InvalidInput('region', `this is the ${here} region's cache-restore-test: start the cache-restore-test state machine in ${policy.regions[role]} to restore there`);
  return role;
}

/** The backup to restore: the newest whole, verified export; or the one named (whole, verified or not: the operator asked). */
export function pickExport(cache: CacheResource, role: 'primary' | 'secondary', wanted: string, exports: readonly ExportCandidate[], timeZone: string): ExportCandidate & { readonly takenAt: number } {
  const dated = exports.flatMap((e) => {
    const takenAt = backupTime(e.snapshotName, cache.name, timeZone);
    return takenAt === null ? [] : [{ ...e, takenAt }];
  });
  if (wanted === 'latest') {
    const newest = dated.filter((e) => e.whole && e.verified).sort((a, b) => b.takenAt - a.takenAt)[0];
    if (newest === undefined) throw new NoCacheRestorePoint(`no whole, verified export of "${cache.name}" in the ${role} region's export bucket to restore`);
    return newest;
  }
  const named = dated.find((e) => e.snapshotName === wanted);
  if (named === undefined) throw new InvalidInput('backup', `no export of "${cache.name}" named "${wanted}" in the ${role} region's export bucket`);
  if (!named.whole) throw new InvalidInput('backup', `the export ${wanted} is not whole (a node group's .rdb or its marker is missing): it cannot seed a group`);
  return named;
}

/** "bdr-crt-<cache>-<YYYYMMDDHHmm>", at most 40 characters (ElastiCache's limit), from the policy's wall clock. */
export function restoreGroupId(cacheName: string, at: number, timeZone: string): string {
  const w = wallTime(at, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const stamp = `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}`;
  const room = 40 - PREFIX.cacheRestoreGroup.length - stamp.length - 1;
  return `${PREFIX.cacheRestoreGroup}${cacheName.slice(0, room).replace(/-+$/, '')}-${stamp}`;
}

export interface PlanChoice {
  readonly role: 'primary' | 'secondary';
  readonly chosen: ExportCandidate & { readonly takenAt: number };
  readonly newest: boolean;
  /** This region's export bucket. */
  readonly bucket: string;
  /** Primary: our snapshot of that name is still available (it seeds faster and needs no S3 read). */
  readonly snapshotAvailable: boolean;
  readonly manifest: RedisManifest | null;
  readonly now: number;
}

export function cachePlan(policy: Policy, cache: RestoreTestedCache, choice: PlanChoice): CacheRestorePlan {
  const test = cache.restoreTest;
  const network = choice.role === 'secondary' ? test.secondary : test;
  if (network === undefined) {
    throw new InvalidInput('region', `"${cache.name}" has no restoreTest.secondary in the policy: a restore in ${policy.regions.secondary} needs its subnet and security groups there`);
  }
  if (choice.chosen.keys.length > 1) {
    throw new NoCacheRestorePoint(`${choice.chosen.snapshotName} has ${choice.chosen.keys.length} node groups (cluster mode): restore tests of cluster-mode caches are not built yet`);
  }
  const seed: CacheSeed =
    choice.role === 'primary' && choice.snapshotAvailable ? { kind: 'snapshot', snapshotName: choice.chosen.snapshotName } : { kind: 'export', bucket: choice.bucket, keys: [...choice.chosen.keys] };
  const groupId = restoreGroupId(cache.name, choice.now, policy.timezone);
  const engine = choice.manifest?.engine;
  const engineVersion = engine === undefined ? undefined : engineVersionOf(engine.version);
  return {
    runId: groupId,
    resource: cache.name,
    sourceGroupId: cache.replicationGroupId,
    role: choice.role,
    region: policy.regions[choice.role],
    snapshotName: choice.chosen.snapshotName,
    restorePoint: choice.chosen.takenAt,
    seed,
    groupId,
    nodeType: test.nodeType,
    ...(network.subnetGroup === undefined ? {} : { subnetGroup: network.subnetGroup }),
    securityGroups: [...network.securityGroups],
    ...(test.userGroupId === undefined ? {} : { userGroupId: test.userGroupId }),
    ...(engine === undefined ? {} : { engine: engine.name }),
    ...(engineVersion === undefined ? {} : { engineVersion }),
    manifestKey: manifestKey(cache.name, choice.chosen.snapshotName),
    newest: choice.newest,
    plannedAt: choice.now,
    waitUntil: choice.now + test.timeout,
  };
}

export type { ExportCandidate } from '../../../shared/redis/export-candidates.js';
export { engineVersionOf } from '../../../shared/redis/seed.js';
