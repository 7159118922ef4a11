// Reading a database's point-in-time-recovery setup: the instance in the primary region and its
// automated backups replicated to the secondary region (what cross-region PITR restores from).
//
// Replicated backups are found in the destination region by the source instance's ARN (their
// DBInstanceArn), not by DBInstanceIdentifier: the API reference says that parameter "must match the
// identifier of an existing DB instance", and the source instance does not exist in the destination. The
// ARN is matched on region and identifier, so the lookup works with the primary region unreachable.

import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, type DBInstance, type DBInstanceAutomatedBackup, type RDSClient } from '@aws-sdk/client-rds';
import { allPages, markerOf } from '../aws/pages.js';
import { isInstanceNotFound } from './errors.js';

/** The instance, or null when it does not exist. */
export async function describeInstance(rds: RDSClient, instanceId: string): Promise<DBInstance | null> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }))).DBInstances?.[0] ?? null;
  } catch (error) {
    if (isInstanceNotFound(error)) return null;
    throw error;
  }
}

/** Every automated backup RDS keeps in the region of `rds` (its own instances' and those replicated into it). */
async function listAutomatedBackups(rds: RDSClient): Promise<DBInstanceAutomatedBackup[]> {
  return allPages(async (marker) => {
    const page = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ MaxRecords: 100, ...markerOf(marker) }));
    return { items: page.DBInstanceAutomatedBackups, marker: page.Marker };
  });
}

/** Whether `arn` names the DB instance `instanceId` in `region` ("arn:aws:rds:<region>:<account>:db:<id>"). */
function isInstanceArn(arn: string | undefined, region: string, instanceId: string): boolean {
  const match = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:db:(.+)$/.exec(arn ?? '');
  return match !== null && match[1] === region && match[2]?.toLowerCase() === instanceId.toLowerCase();
}

/** The automated backups of the instance `instanceId` of `sourceRegion` that RDS replicated into the region of `destination`. */
export async function replicatedBackupsOf(destination: RDSClient, sourceRegion: string, instanceId: string): Promise<DBInstanceAutomatedBackup[]> {
  return (await listAutomatedBackups(destination)).filter((b) => isInstanceArn(b.DBInstanceArn, sourceRegion, instanceId));
}

/** Replication that still receives transaction logs: the source is there and its backups arrive. */
export function activeReplications(backups: readonly DBInstanceAutomatedBackup[]): DBInstanceAutomatedBackup[] {
  return backups.filter((b) => b.Status === 'replicating' || b.Status === 'active');
}

/** Replicated backups a point-in-time restore can use: replicating, or retained after the source is gone (a disaster). */
export function restorableBackups(backups: readonly DBInstanceAutomatedBackup[]): DBInstanceAutomatedBackup[] {
  return backups.filter((b) => b.Status === 'replicating' || b.Status === 'active' || b.Status === 'retained');
}
