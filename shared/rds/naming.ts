// Deterministic identifiers: a snapshot's id derives from the resource and the scheduled time (on the
// policy's wall clock), so a retried or duplicated event asks for the same id and is a no-op.

import { wallTime } from '../time/zone.js';

export const SNAPSHOT_PREFIX = 'backup-dr';

export function snapshotId(resourceName: string, scheduledAt: number, timeZone: string): string {
  const w = wallTime(scheduledAt, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${SNAPSHOT_PREFIX}-${resourceName}-${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}-${pad(w.hour)}${pad(w.minute)}`;
}
