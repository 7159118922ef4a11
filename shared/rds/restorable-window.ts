// The restorable window of an RDS instance and the check that a requested time lies inside it — shared by
// database-recovery's plan and application-recovery's, which must refuse a time outside it before the
// rollback changes anything (the nested database-recovery would find it only afterwards).
//
// DBInstance reports only LatestRestorableTime; the earliest time is the RestoreWindow.EarliestTime of
// its automated backups (DescribeDBInstanceAutomatedBackups, API reference "RestoreWindow": "Earliest and
// latest time an instance can be restored to").

import { DescribeDBInstanceAutomatedBackupsCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import { InvalidInput } from '../errors.js';
import type { DatabaseResource } from '../policy/schema.js';
import { formatIsoInZone } from '../time/zone.js';
import { describeInstance } from './automated-backups.js';

/** The source's restorable window, as RDS reports it: the automated backups' EarliestTime to the instance's LatestRestorableTime. */
export interface RestorableWindow {
  readonly earliest: number | null;
  readonly latest: number | null;
}

/** The source instance of `db` in the region of `rds`; one that does not exist is a wrong `resource`. */
export async function describeSource(rds: RDSClient, db: Pick<DatabaseResource, 'name' | 'instanceId'>, region: string): Promise<DBInstance> {
  const source = await describeInstance(rds, db.instanceId);
  if (source === null) throw new InvalidInput('resource', `the instance ${db.instanceId} of "${db.name}" does not exist in ${region}`);
  return source;
}

/** The window of instance `instanceId` (`source`, described already): its LatestRestorableTime and its automated backups' earliest time. */
export async function restorableWindow(rds: RDSClient, instanceId: string, source: DBInstance): Promise<RestorableWindow> {
  const backups = (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: instanceId }))).DBInstanceAutomatedBackups ?? [];
  const times = backups.flatMap((b) => (b.RestoreWindow?.EarliestTime === undefined ? [] : [b.RestoreWindow.EarliestTime.getTime()]));
  return { earliest: times.length === 0 ? null : Math.min(...times), latest: source.LatestRestorableTime?.getTime() ?? null };
}

/** A requested time must lie inside the window; outside, the error names the field (`time`) and the window. */
export function checkInWindow(requested: number, window: RestorableWindow, timeZone: string): void {
  const show = (ms: number | null) => (ms === null ? 'unknown' : formatIsoInZone(ms, timeZone));
  const range = `${show(window.earliest)} … ${show(window.latest)}`;
  if (window.latest === null || window.earliest === null) throw new InvalidInput('time', `the source has no restorable window (automated backups off?): ${range}`);
  if (requested < window.earliest || requested > window.latest) {
    throw new InvalidInput('time', `${formatIsoInZone(requested, timeZone)} is outside the restorable window ${range}`);
  }
}
