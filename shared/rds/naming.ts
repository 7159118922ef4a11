// Deterministic identifiers of what the RDS pipeline creates: a snapshot's id derives from the resource
// and the scheduled time (on the policy's wall clock), so a retried or duplicated event asks for the
// same id and is a no-op; a restore test's temporary instance is named from the resource and the time
// the test was planned.

import { PREFIX } from '../contracts.js';
import { wallTime } from '../time/zone.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function snapshotId(resourceName: string, scheduledAt: number, timeZone: string): string {
  const w = wallTime(scheduledAt, timeZone);
  return `${PREFIX.snapshot}-${resourceName}-${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}-${pad(w.hour)}${pad(w.minute)}`;
}

/** "bdr-rt-app-db-202611250400" (or "bdr-pitr-…"): letters, digits, single hyphens, ≤ 63 characters, as RDS requires. */
export function restoreInstanceId(kind: 'snapshot' | 'pitr', resourceName: string, plannedAt: number, timeZone: string): string {
  const w = wallTime(plannedAt, timeZone);
  const prefix = kind === 'pitr' ? PREFIX.pitrTestInstance : PREFIX.restoreTestInstance;
  return `${prefix}${resourceName}-${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}`.slice(0, 63);
}

/**
 * "bdr-rec-app-db-20261203180807": the instance a database-recovery restores into, named from the resource
 * and the time it was planned (to the second: two recoveries of one database never share a name).
 */
export function recoveryInstanceId(resourceName: string, plannedAt: number, timeZone: string): string {
  const w = wallTime(plannedAt, timeZone);
  const stamp = `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}${pad(Math.floor((plannedAt % 60_000) / 1000))}`;
  // The stamp is kept whole: a long resource name is shortened instead (RDS allows 63 characters, no trailing hyphen).
  const head = `${PREFIX.recoveryInstance}${resourceName}`.slice(0, 63 - stamp.length - 1).replace(/-+$/, '');
  return `${head}-${stamp}`;
}

/** The database of `names` a snapshot id of ours (or its copy's, the same id) is of: "backup-dr-app-db-20261125-0200" → "app-db"; null for another id. */
export function databaseOfSnapshotId(id: string, names: readonly string[]): string | null {
  const name = new RegExp(`^${PREFIX.snapshot}-(.+)-\\d{8}-\\d{4}$`).exec(id)?.[1];
  return name !== undefined && names.includes(name) ? name : null;
}
