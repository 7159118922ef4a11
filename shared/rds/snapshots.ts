// What the RDS steps know about snapshots: reading them (every page of DescribeDBSnapshots, narrowed to
// the manual snapshots this policy owns; each comes with its TagList, so no per-snapshot tag calls),
// and reading our tags on them — which database, original or copy, copied from what, when its data
// was taken.

import { DescribeDBSnapshotsCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import { allPages, markerOf } from '../aws/pages.js';
import { TAG, TIER } from '../contracts.js';
import type { RegionRole } from '../policy/resources.js';
import type { DatabaseResource } from '../policy/schema.js';
import { isOwned, tagValue } from '../tags.js';
import { isSnapshotNotFound } from './errors.js';

export async function listManualSnapshots(rds: RDSClient, instanceId?: string): Promise<DBSnapshot[]> {
  return allPages(async (marker) => {
    const page = await rds.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', MaxRecords: 100, ...(instanceId === undefined ? {} : { DBInstanceIdentifier: instanceId }), ...markerOf(marker) }),
    );
    return { items: page.DBSnapshots, marker: page.Marker };
  });
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
    if (isSnapshotNotFound(error)) return null;
    throw error;
  }
}

/** The source snapshot ARN a copy was made from (our tag, else RDS's own field). */
export function copySourceArn(copy: DBSnapshot): string | undefined {
  return tagValue(copy.TagList, TAG.copyOf) ?? copy.SourceDBSnapshotIdentifier;
}

/**
 * When the data was captured (epoch ms), or null when nothing says: a copy's own create time is when it
 * was copied, so RDS's OriginalSnapshotCreateTime comes first; while a snapshot is being created RDS
 * reports no time, and our created-at tag says when it was requested. A snapshot whose time cannot be
 * known is never pruned (it would otherwise look 56 years old).
 */
export function takenAt(snapshot: DBSnapshot): number | null {
  const reported = (snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime)?.getTime();
  if (reported !== undefined && !Number.isNaN(reported)) return reported;
  const tagged = Date.parse(tagValue(snapshot.TagList, TAG.createdAt) ?? '');
  return Number.isNaN(tagged) ? null : tagged;
}

/** Newest first; snapshots of unknown time last. */
export const newestFirst = (a: DBSnapshot, b: DBSnapshot): number => (takenAt(b) ?? Number.NEGATIVE_INFINITY) - (takenAt(a) ?? Number.NEGATIVE_INFINITY);

/** Original (`primary`), cross-region copy (`copy`) or a replaced instance's final snapshot (`final`); untagged snapshots of ours are originals. */
export function tierOf(snapshot: DBSnapshot): string {
  return tagValue(snapshot.TagList, TAG.tier) ?? TIER.primary;
}

/**
 * A backup of ours — an original or a copy — as opposed to the final snapshot the janitor leaves of a
 * replaced instance (tier `final`, bdr-final-*: it carries the instance's tags, resource included, but no
 * step manages it and our snapshot IAM, backup-dr-*, does not reach it).
 */
export const isBackupTier = (snapshot: DBSnapshot): boolean => tierOf(snapshot) === TIER.primary || tierOf(snapshot) === TIER.copy;

/** verify-db-snapshots has judged this copy (verified, or failed and tagged so). */
export const hasVerdict = (snapshot: DBSnapshot): boolean => tagValue(snapshot.TagList, TAG.verifiedAt) !== undefined;

/**
 * A copy that counts as a verified backup: available, tagged verified, and not marked as failed. A copy
 * being deleted or in a failed state, or carrying both tags, protects nothing.
 */
export const isVerified = (snapshot: DBSnapshot): boolean =>
  snapshot.Status === 'available' && tagValue(snapshot.TagList, TAG.verifiedAt) !== undefined && tagValue(snapshot.TagList, TAG.verificationFailed) === undefined;

/** Our snapshots of one database in a region's role (primary: originals; secondary: copies). */
export function snapshotsOf(db: DatabaseResource, role: RegionRole, owned: readonly DBSnapshot[]): DBSnapshot[] {
  const tier = role === 'primary' ? TIER.primary : TIER.copy;
  return owned.filter((s) => tagValue(s.TagList, TAG.resource) === db.name && tierOf(s) === tier);
}

/** The source ARNs whose copy in the secondary region is verified. */
export function verifiedSources(copies: readonly DBSnapshot[]): Set<string | undefined> {
  return new Set(copies.filter(isVerified).map(copySourceArn));
}
