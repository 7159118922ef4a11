// What an exported snapshot looks like in S3: ElastiCache writes one .rdb object per node group, named
// after the snapshot it exports ("<snapshot>-0001.rdb"); ours are named after our snapshots, so the
// cache and the snapshot can be read back from the key. Anything else in the bucket is not ours.

import { PREFIX } from '../contracts.js';

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
