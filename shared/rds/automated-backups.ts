// Reading a database's point-in-time-recovery setup: the instance in the primary region and its
// automated backups replicated to the secondary region (what cross-region PITR restores from).

import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, type DBInstance, type DBInstanceAutomatedBackup, type RDSClient } from '@aws-sdk/client-rds';
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

/** The automated backups of `instanceId` that RDS keeps in the region of `rds` (the replicated ones, in the secondary). */
export async function automatedBackupsOf(rds: RDSClient, instanceId: string): Promise<DBInstanceAutomatedBackup[]> {
  return (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: instanceId }))).DBInstanceAutomatedBackups ?? [];
}

/** Replicated automated backups that still receive transaction logs (`replicating`) or can be restored (`active`). */
export function activeReplications(backups: readonly DBInstanceAutomatedBackup[]): DBInstanceAutomatedBackup[] {
  return backups.filter((b) => b.Status === 'replicating' || b.Status === 'active');
}
