// Plans a cache recovery, pure: checks the operator's input (by schema, then against the policy) before
// anything is read or created, picks the backup — the newest export whole and verified in this region, or
// the snapshot or export named (whole; verified or not: the operator asked, and the approval shows it) —
// decides what seeds the new group (our snapshot while it is available: no S3 read; else the export's
// .rdb), names the group deterministically and shapes it like production (node type, replicas, failover,
// Multi-AZ, network, parameter group of the group it replaces; the restore test's network and node type
// when that group is gone).

import type { CacheCluster, ReplicationGroup } from '@aws-sdk/client-elasticache';
import * as z from 'zod/mini';
import { manifestKey, PREFIX } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import { cacheRecoveryWait } from '../../../shared/policy/resources.js';
import type { CacheResource, Policy } from '../../../shared/policy/schema.js';
import { NoCacheRestorePoint } from '../../../shared/redis/errors.js';
import { parseExportKey } from '../../../shared/redis/exports.js';
import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { CacheSeed } from '../../../shared/redis/restore-run.js';
import { backupTime } from '../../../shared/redis/retention.js';
import type { RedisManifest } from '../../../shared/redis/types.js';
import { nonEmptyString, parseInput, strictInput } from '../../../shared/runtime/input.js';
import { wallTime } from '../../../shared/time/zone.js';
import type { ExportCandidate } from '../../../shared/redis/export-candidates.js';

export type { ExportCandidate };

/** What an operator starts redis-recovery with (console "Start execution" input). */
export const recoveryInput = strictInput({
  cache: nonEmptyString,
  snapshot: z.optional(nonEmptyString),
  export: z.optional(nonEmptyString),
  replicationGroupId: z.optional(nonEmptyString),
});
export type CacheRecoveryInput = z.output<typeof recoveryInput>;

export type RecoverableCache = CacheResource & { readonly restoreTest: NonNullable<CacheResource['restoreTest']> };

/** ElastiCache's replication group id rules (1–40 letters, digits, hyphens; a letter first; no "--"; no trailing "-"), lowercase as it stores them. */
const GROUP_ID = /^[a-z][a-z0-9-]{0,39}$/;

/** The input, checked field by field before anything is read: its own rules, then the cache in the policy. */
export function checkInput(policy: Policy, raw: unknown): { input: CacheRecoveryInput; cache: RecoverableCache } {
  const input = parseInput(recoveryInput, raw ?? {});
  if (input.snapshot !== undefined && input.export !== undefined) throw new InvalidInput('export', 'give a snapshot or an export, not both (neither: the newest verified backup)');
  const caches = policy.resources.caches;
  const found = caches.find((c) => c.name === input.cache);
  if (found === undefined) throw new InvalidInput('cache', `no cache "${input.cache}" in the policy (known: ${caches.map((c) => c.name).join(', ') || 'none'})`);
  // The restore test's settings are the fallback network, the AUTH/RBAC settings and the wait's bound.
  if (found.restoreTest === undefined) throw new InvalidInput('cache', `"${found.name}" has no restoreTest settings in the policy (its subnet group, security groups and timeout)`);
  if (found.endpoint === undefined) throw new InvalidInput('cache', `a recovery switches where the application finds "${found.name}", and the policy names no endpoint for it (resources.caches[].endpoint)`);
  const id = input.replicationGroupId;
  if (id !== undefined) {
    if (!GROUP_ID.test(id) || id.includes('--') || id.endsWith('-')) {
      throw new InvalidInput('replicationGroupId', 'must be 1–40 lowercase letters, digits or hyphens, start with a letter, without two hyphens in a row or a trailing hyphen');
    }
    if (!id.startsWith(PREFIX.cacheRecoveryGroup) || id.length === PREFIX.cacheRecoveryGroup.length) {
      throw new InvalidInput('replicationGroupId', `must start with "${PREFIX.cacheRecoveryGroup}" (the only groups the recovery may create and, after a failure, delete)`);
    }
    if (id === found.replicationGroupId) throw new InvalidInput('replicationGroupId', `is the group being replaced (${found.replicationGroupId})`);
  }
  if (input.snapshot !== undefined && backupTime(input.snapshot, found.name, policy.timezone) === null) {
    throw new InvalidInput('snapshot', `"${input.snapshot}" is not a snapshot of ours of "${found.name}" (backup-dr-${found.name}-<YYYYMMDD>-<HHmm>)`);
  }
  if (input.export !== undefined) {
    const key = parseExportKey(input.export);
    if (key === null || key.cache !== found.name) throw new InvalidInput('export', `"${input.export}" is not the key of an export of "${found.name}" (backup-dr-${found.name}-<YYYYMMDD>-<HHmm>-0001.rdb)`);
  }
  return { input, cache: { ...found, restoreTest: found.restoreTest } };
}

/** "bdr-rec-<cache>-<YYYYMMDDHHmm>", at most 40 characters (ElastiCache's limit), from the policy's wall clock. */
export function recoveryGroupId(cacheName: string, at: number, timeZone: string): string {
  const w = wallTime(at, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const stamp = `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}`;
  const room = 40 - PREFIX.cacheRecoveryGroup.length - stamp.length - 1;
  return `${PREFIX.cacheRecoveryGroup}${cacheName.slice(0, room).replace(/-+$/, '')}-${stamp}`;
}

/** One export of the cache in this region's bucket, as the plan judges it. */

export interface BackupChoice {
  readonly snapshotName: string;
  readonly takenAt: number;
  readonly seed: CacheSeed;
  readonly verified: boolean;
  readonly chosenBy: CacheRecoveryPlan['chosenBy'];
}

export interface BackupFacts {
  readonly exports: readonly ExportCandidate[];
  /** This region's export bucket. */
  readonly bucket: string;
  /** Whether our snapshot of this name is available in the region (asked only of the one that may seed). */
  readonly snapshotAvailable: (snapshotName: string) => boolean;
}

/**
 * The backup to restore. Newest: the newest export whole and verified here — proven readable (size,
 * checksum, RDB CRC) —, seeded from its snapshot while that is available, else from the export. A named
 * snapshot seeds from itself (it must be available); a named export from its .rdb (it must be whole).
 */
export function chooseBackup(cache: CacheResource, input: CacheRecoveryInput, facts: BackupFacts, timeZone: string): BackupChoice {
  const dated = facts.exports.flatMap((e) => {
    const takenAt = backupTime(e.snapshotName, cache.name, timeZone);
    return takenAt === null ? [] : [{ ...e, takenAt }];
  });
  const oneShard = (e: ExportCandidate) => {
    if (e.keys.length > 1) throw new NoCacheRestorePoint(`${e.snapshotName} has ${e.keys.length} node groups (cluster mode): recovering cluster-mode caches is not built yet`);
  };
  if (input.snapshot !== undefined) {
    const name = input.snapshot;
    if (!facts.snapshotAvailable(name)) throw new InvalidInput('snapshot', `no available snapshot named "${name}" in this region (pruned, or still being taken?)`);
    const ofIt = dated.find((e) => e.snapshotName === name);
    if (ofIt !== undefined) oneShard(ofIt);
    return { snapshotName: name, takenAt: backupTime(name, cache.name, timeZone) ?? 0, seed: { kind: 'snapshot', snapshotName: name }, verified: ofIt?.whole === true && ofIt.verified, chosenBy: 'snapshot' };
  }
  if (input.export !== undefined) {
    const name = parseExportKey(input.export)?.snapshotName;
    const named = dated.find((e) => e.snapshotName === name);
    if (named === undefined || !named.keys.includes(input.export)) throw new InvalidInput('export', `no object "${input.export}" in the export bucket ${facts.bucket}`);
    if (!named.whole) throw new InvalidInput('export', `the export ${named.snapshotName} is not whole (a node group's .rdb or its marker is missing): it cannot seed a group`);
    oneShard(named);
    return { snapshotName: named.snapshotName, takenAt: named.takenAt, seed: { kind: 'export', bucket: facts.bucket, keys: [...named.keys] }, verified: named.verified, chosenBy: 'export' };
  }
  const newest = dated.filter((e) => e.whole && e.verified).sort((a, b) => b.takenAt - a.takenAt)[0];
  if (newest === undefined) throw new NoCacheRestorePoint(`no whole, verified export of "${cache.name}" in ${facts.bucket} to recover from: name a snapshot or an export to recover from an unverified one`);
  oneShard(newest);
  const seed: CacheSeed = facts.snapshotAvailable(newest.snapshotName) ? { kind: 'snapshot', snapshotName: newest.snapshotName } : { kind: 'export', bucket: facts.bucket, keys: [...newest.keys] };
  return { snapshotName: newest.snapshotName, takenAt: newest.takenAt, seed, verified: true, chosenBy: 'newest' };
}

/** ElastiCache's EngineVersion ("7.1") of a full version ("7.1.0"). */
export function engineVersionOf(version: string | undefined): string | undefined {
  const match = version === undefined ? null : /^(\d+)\.(\d+)/.exec(version);
  return match === null ? undefined : `${match[1]}.${match[2]}`;
}

/** The group being replaced, as ElastiCache describes it (null: it no longer exists), and its first node (its network). */
export interface SourceFacts {
  readonly group: ReplicationGroup | null;
  readonly node: CacheCluster | null;
}

type Shape = Pick<CacheRecoveryPlan, 'shapedFrom' | 'nodeType' | 'numCacheClusters' | 'automaticFailover' | 'multiAz' | 'snapshotRetentionLimit' | 'parameterGroup' | 'subnetGroup' | 'securityGroups' | 'engine' | 'engineVersion' | 'sourceArn' | 'sourceAddress'>;

/** Production's shape when its group is still there; the restore test's network and node type (one node) when it is gone. */
export function groupShape(cache: RecoverableCache, source: SourceFacts, manifest: RedisManifest | null): Shape {
  const fromManifest = manifest?.engine.name === undefined || manifest.engine.name === '' ? {} : { engine: manifest.engine.name, ...(engineVersionOf(manifest.engine.version) === undefined ? {} : { engineVersion: engineVersionOf(manifest.engine.version) }) };
  const { group, node } = source;
  if (group === null) {
    const test = cache.restoreTest;
    return {
      shapedFrom: 'restore-test',
      nodeType: test.nodeType,
      numCacheClusters: 1,
      automaticFailover: false,
      multiAz: false,
      snapshotRetentionLimit: 0,
      ...(test.subnetGroup === undefined ? {} : { subnetGroup: test.subnetGroup }),
      securityGroups: [...test.securityGroups],
      ...fromManifest,
    };
  }
  if (group.ClusterEnabled === true) throw new NoCacheRestorePoint(`${cache.replicationGroupId} runs in cluster mode: recovering cluster-mode caches is not built yet`);
  const members = Math.min(Math.max(group.MemberClusters?.length ?? 1, 1), 6);
  const automaticFailover = members > 1 && (group.AutomaticFailover === 'enabled' || group.AutomaticFailover === 'enabling');
  const primary = group.NodeGroups?.[0]?.PrimaryEndpoint;
  const engineVersion = engineVersionOf(node?.EngineVersion);
  return {
    shapedFrom: 'source',
    nodeType: group.CacheNodeType ?? node?.CacheNodeType ?? cache.restoreTest.nodeType,
    numCacheClusters: members,
    automaticFailover,
    multiAz: automaticFailover && group.MultiAZ === 'enabled',
    snapshotRetentionLimit: group.SnapshotRetentionLimit ?? 0,
    ...(node?.CacheParameterGroup?.CacheParameterGroupName === undefined ? {} : { parameterGroup: node.CacheParameterGroup.CacheParameterGroupName }),
    ...(node?.CacheSubnetGroupName === undefined ? {} : { subnetGroup: node.CacheSubnetGroupName }),
    securityGroups: (node?.SecurityGroups ?? []).flatMap((g) => (g.SecurityGroupId === undefined ? [] : [g.SecurityGroupId])),
    ...(node?.Engine === undefined ? fromManifest : { engine: node.Engine, ...(engineVersion === undefined ? {} : { engineVersion }) }),
    ...(group.ARN === undefined ? {} : { sourceArn: group.ARN }),
    ...(primary?.Address === undefined ? {} : { sourceAddress: primary.Address }),
  };
}

export interface PlanFacts {
  readonly execution: string;
  readonly now: number;
  readonly backup: BackupChoice;
  readonly source: SourceFacts;
  readonly manifest: RedisManifest | null;
}

export function cacheRecoveryPlan(policy: Policy, cache: RecoverableCache, input: CacheRecoveryInput, facts: PlanFacts): CacheRecoveryPlan {
  const groupId = input.replicationGroupId ?? recoveryGroupId(cache.name, facts.now, policy.timezone);
  const shape = groupShape(cache, facts.source, facts.manifest);
  return {
    runId: groupId,
    resource: cache.name,
    sourceGroupId: cache.replicationGroupId,
    role: 'primary',
    region: policy.regions.primary,
    snapshotName: facts.backup.snapshotName,
    restorePoint: facts.backup.takenAt,
    seed: facts.backup.seed,
    groupId,
    ...shape,
    ...(cache.restoreTest.userGroupId === undefined ? {} : { userGroupId: cache.restoreTest.userGroupId }),
    manifestKey: manifestKey(cache.name, facts.backup.snapshotName),
    newest: facts.backup.chosenBy === 'newest',
    plannedAt: facts.now,
    waitUntil: facts.now + cacheRecoveryWait(policy, cache),
    execution: facts.execution,
    chosenBy: facts.backup.chosenBy,
    verified: facts.backup.verified,
  };
}
