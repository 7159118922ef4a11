// Deterministic names of what the Redis pipeline creates: a snapshot's name derives from the cache and
// the scheduled time on the policy's wall clock, so a retried or duplicated event asks for the same name
// and is a no-op. ElastiCache snapshot names: letters, digits and single hyphens, starting with a letter,
// not ending with a hyphen (the policy's resource names already are).

import { PREFIX } from '../contracts.js';
import { wallTime } from '../time/zone.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "backup-dr-app-redis-20261125-0600". */
export function cacheSnapshotName(resourceName: string, scheduledAt: number, timeZone: string): string {
  const w = wallTime(scheduledAt, timeZone);
  return `${PREFIX.snapshot}-${resourceName}-${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}-${pad(w.hour)}${pad(w.minute)}`;
}

/** The cache of `names` a snapshot name of ours is of: "backup-dr-app-redis-20261125-0600" → "app-redis"; null for another name. */
export function cacheOfSnapshotName(snapshotName: string, names: readonly string[]): string | null {
  const name = new RegExp(`^${PREFIX.snapshot}-(.+)-\\d{8}-\\d{4}$`).exec(snapshotName)?.[1];
  return name !== undefined && names.includes(name) ? name : null;
}
