// What an exported snapshot looks like in S3: ElastiCache writes one .rdb object per node group, named
// after the snapshot it exports ("<snapshot>-0001.rdb"); ours are named after our snapshots, so the
// cache and the snapshot can be read back from the key. Once every node group's object is there,
// export-cache-snapshots writes an empty marker "<snapshot>.parts-<N>" (replicated with them): a listing
// alone then tells a whole export from one missing a shard. Anything else in the bucket is not ours.

import { PREFIX } from '../contracts.js';

/**
 * Time an export may take after its snapshot before it counts against the RPO: the snapshot itself, the
 * export, replication (15 min with RTC) and the hourly verification (check-cache-posture and the
 * freshness alarm both allow it).
 */
export const PIPELINE_ALLOWANCE_MS = 2 * 3_600_000;

export interface ExportKey {
  readonly key: string;
  /** The snapshot exported: "backup-dr-app-redis-20261125-0600". */
  readonly snapshotName: string;
  /** The policy's cache name: "app-redis". */
  readonly cache: string;
  /** The node group (shard), "0001" for a group without cluster mode. */
  readonly part: string;
}

const EXPORT_KEY = new RegExp(`^(${PREFIX.snapshot}-([a-z][a-z0-9-]*[a-z0-9])-\\d{8}-\\d{4})-(\\d{4})\\.rdb$`);

/** The snapshot, cache and node group of an export object's key, or null for a key that is not one of ours. */
export function parseExportKey(key: string): ExportKey | null {
  const match = EXPORT_KEY.exec(key);
  if (match === null) return null;
  return { key, snapshotName: match[1]!, cache: match[2]!, part: match[3]! };
}

const PARTS_MARKER = new RegExp(`^(${PREFIX.snapshot}-([a-z][a-z0-9-]*[a-z0-9])-\\d{8}-\\d{4})\\.parts-(\\d{4})$`);

/** The marker that says an export of `snapshotName` is whole: all `parts` node groups' objects were there. */
export const partsMarkerKey = (snapshotName: string, parts: number): string => `${snapshotName}.parts-${String(parts).padStart(4, '0')}`;

/** The key of node group `part` (1-based) of an export. */
export const exportPartKey = (snapshotName: string, part: number): string => `${snapshotName}-${String(part).padStart(4, '0')}.rdb`;

export function parsePartsMarker(key: string): { snapshotName: string; cache: string; parts: number } | null {
  const match = PARTS_MARKER.exec(key);
  return match === null ? null : { snapshotName: match[1]!, cache: match[2]!, parts: Number(match[3]) };
}

/** One export in one bucket: its objects' keys and, once it is whole, how many node groups it has. */
export interface ExportSet {
  readonly keys: string[];
  markerKey: string | null;
  declaredParts: number | null;
}

/** Whole: the marker is there and so is every node group it names. */
export const isWhole = (set: ExportSet): boolean =>
  set.declaredParts !== null && set.declaredParts > 0 && new Set(set.keys).size === set.declaredParts && set.keys.every((key) => Number(parseExportKey(key)?.part ?? 0) <= set.declaredParts!);

/**
 * Whether an ElastiCache snapshot is of the cache's replication group: by the group it names, or — a
 * snapshot taken from one node (a replica) — by that node, named "<group>-001" and so on.
 */
export function ofGroup(snapshot: { readonly ReplicationGroupId?: string | undefined; readonly CacheClusterId?: string | undefined }, replicationGroupId: string): boolean {
  return snapshot.ReplicationGroupId === replicationGroupId || snapshot.CacheClusterId?.startsWith(`${replicationGroupId}-`) === true;
}

/**
 * The value of a verified mark: when, and which version of the object was read. A mark whose version is
 * not the object's current one (tags copied onto other content, CopyObject's default) does not count —
 * for verify, prune, posture and the restore test alike. (S3 replication keeps version ids: a replica's
 * mark names its own version.)
 */
export const verifiedMark = (at: string, versionId: string | null): string => (versionId === null ? at : `${at} ${versionId}`);
export const markFits = (mark: string, versionId: string | null): boolean => versionId === null || mark.endsWith(` ${versionId}`);
