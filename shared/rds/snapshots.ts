// Reading snapshots from RDS: every page of DescribeDBSnapshots, narrowed to the manual snapshots this
// policy owns. DescribeDBSnapshots returns each snapshot's TagList, so no per-snapshot tag calls.

import { DescribeDBSnapshotsCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import { isOwned } from '../tags.js';

export async function listManualSnapshots(rds: RDSClient, instanceId?: string): Promise<DBSnapshot[]> {
  const snapshots: DBSnapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(
      new DescribeDBSnapshotsCommand({
        SnapshotType: 'manual',
        MaxRecords: 100,
        ...(instanceId === undefined ? {} : { DBInstanceIdentifier: instanceId }),
        ...(marker === undefined ? {} : { Marker: marker }),
      }),
    );
    snapshots.push(...(page.DBSnapshots ?? []));
    marker = page.Marker;
  } while (marker !== undefined && marker !== '');
  return snapshots;
}

export interface Ownership {
  readonly ownerTag: string;
  readonly policyName: string;
}

export async function listOwnedSnapshots(rds: RDSClient, ownership: Ownership, instanceId?: string): Promise<DBSnapshot[]> {
  const all = await listManualSnapshots(rds, instanceId);
  return all.filter((s) => isOwned(s.TagList, ownership.ownerTag, ownership.policyName));
}

/** One snapshot by id or ARN, or null when it does not exist. */
export async function describeSnapshot(rds: RDSClient, idOrArn: string): Promise<DBSnapshot | null> {
  try {
    const page = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: idOrArn }));
    return page.DBSnapshots?.[0] ?? null;
  } catch (error) {
    if (error instanceof Error && (error.name === 'DBSnapshotNotFoundFault' || error.name === 'DBSnapshotNotFound')) return null;
    throw error;
  }
}
