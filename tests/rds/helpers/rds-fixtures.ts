// DBSnapshot records as RDS returns them, for handler tests with aws-sdk-client-mock.
import type { DBSnapshot } from '@aws-sdk/client-rds';
import { TAG } from '../../../shared/contracts.js';

export const ACCOUNT = '123456789012';
export const PRIMARY = 'ap-northeast-1';
export const SECONDARY = 'ap-southeast-1';

export function ourTags(resource: string, extra: Record<string, string> = {}) {
  return Object.entries({ 'backup-dr:owner': 'backup-dr', [TAG.policy]: 'production', [TAG.resource]: resource, [TAG.tier]: 'primary', ...extra }).map(([Key, Value]) => ({ Key, Value }));
}

/** Tags of a snapshot taken by take-db-snapshot for the run scheduled at `scheduledIso`. */
export function scheduledTags(resource: string, scheduledIso: string) {
  return ourTags(resource, { [TAG.scheduledAt]: new Date(scheduledIso).toISOString(), [TAG.createdAt]: new Date(scheduledIso).toISOString() });
}

export function primarySnapshot(id: string, created: string, overrides: Partial<DBSnapshot> = {}, tags = ourTags('app-db')): DBSnapshot {
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:snapshot:${id}`,
    DBInstanceIdentifier: 'app-db-prod',
    SnapshotCreateTime: new Date(created),
    // RDS reports both on an available snapshot; only the copy's SnapshotCreateTime changes.
    OriginalSnapshotCreateTime: new Date(created),
    SnapshotType: 'manual',
    Status: 'available',
    Engine: 'postgres',
    EngineVersion: '16.4',
    AllocatedStorage: 100,
    Encrypted: true,
    KmsKeyId: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/primary-key`,
    TagList: tags,
    ...overrides,
  };
}

export const SECONDARY_KEY_ARN = `arn:aws:kms:${SECONDARY}:${ACCOUNT}:key/secondary-key`;

export function copyOf(source: DBSnapshot, copied: string, overrides: Partial<DBSnapshot> = {}, extraTags: Record<string, string> = {}): DBSnapshot {
  const id = source.DBSnapshotIdentifier ?? '';
  return {
    ...source,
    DBSnapshotArn: `arn:aws:rds:${SECONDARY}:${ACCOUNT}:snapshot:${id}`,
    SnapshotCreateTime: new Date(copied),
    OriginalSnapshotCreateTime: source.OriginalSnapshotCreateTime ?? source.SnapshotCreateTime,
    SourceDBSnapshotIdentifier: source.DBSnapshotArn,
    SourceRegion: PRIMARY,
    KmsKeyId: SECONDARY_KEY_ARN,
    TagList: [
      ...(source.TagList ?? []).filter((t) => t.Key !== TAG.tier),
      { Key: TAG.tier, Value: 'copy' },
      { Key: TAG.copyOf, Value: source.DBSnapshotArn ?? '' },
      ...Object.entries(extraTags).map(([Key, Value]) => ({ Key, Value })),
    ],
    ...overrides,
  };
}

/**
 * The final snapshot the janitor leaves of a replaced recovery instance (bdr-final-<id>): RDS copies the
 * instance's tags to it (CopyTagsToSnapshot) — ours, the resource, the recovery's created-at, replaced-by,
 * keep-until, and tier=final.
 */
export function finalSnapshot(instanceId: string, created: string, region = PRIMARY, overrides: Partial<DBSnapshot> = {}, extraTags: Record<string, string> = {}): DBSnapshot {
  const id = `bdr-final-${instanceId}`;
  return {
    ...primarySnapshot(id, created, {}, ourTags('app-db', {
      [TAG.tier]: 'final',
      [TAG.createdAt]: new Date(created).toISOString(),
      [TAG.replacedBy]: 'bdr-rec-app-db-202611250300',
      [TAG.keepUntil]: new Date(created).toISOString(),
      ...extraTags,
    })),
    DBSnapshotArn: `arn:aws:rds:${region}:${ACCOUNT}:snapshot:${id}`,
    DBInstanceIdentifier: instanceId,
    ...overrides,
  };
}
