// The RDS stand-in's records and naming rules: instances, snapshots and replicated backups as RDS keeps
// them, ARNs, resource ids, and the identifier grammar RDS enforces (letters, digits, single hyphens).

import { createHash } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-rds';
import { invalidParameter } from './errors.js';

/** DBInstanceStatus values the stand-in lets tests set (RDS has more; any string is accepted). */
export type InstanceStatus =
  | 'available'
  | 'stopped'
  | 'stopping'
  | 'starting'
  | 'modifying'
  | 'backing-up'
  | 'storage-optimization'
  | 'rebooting'
  | 'creating'
  | 'deleting'
  | 'failed'
  | (string & {});

/** What a restored instance was restored from (kept for assertions and handed to the data plane). */
export type RestoreOrigin =
  | { readonly kind: 'snapshot'; readonly snapshotId: string; readonly snapshotArn: string }
  | {
      readonly kind: 'pitr';
      readonly sourceInstanceId: string;
      readonly sourceRegion: string;
      readonly restoreTime: number;
      /** The automated backups restored from (a replicated backup's ARN in the restore's Region, or the instance's own). */
      readonly automatedBackupsArn: string;
    };

export interface InstanceRecord {
  readonly region: string;
  readonly id: string;
  readonly arn: string;
  readonly dbiResourceId: string;
  /** As set; `creating` turns `available` at `availableAt` (see RdsState.instanceStatus / settle). */
  status: InstanceStatus;
  /** A restore in progress becomes `available` at this time; null while the data plane is still restoring it. */
  availableAt?: number | null;
  /** Set by DeleteDBInstance: the instance disappears at this time; null while the data plane is still deleting it. */
  goneAt?: number | null;
  readonly engine: string;
  readonly engineVersion: string;
  readonly allocatedStorage: number;
  readonly instanceClass: string;
  /** Key ARN; null when storage is unencrypted. */
  readonly kmsKeyArn: string | null;
  readonly backupRetentionPeriod: number;
  /** "hh:mm-hh:mm" in UTC, as RDS reports it. */
  readonly preferredBackupWindow: string;
  readonly copyTagsToSnapshot: boolean;
  readonly createdAt: number;
  /** null until a restore's data plane has reported where the instance listens (and after it failed to). */
  endpoint: Endpoint | null;
  readonly masterUsername: string;
  /** The instance's initial database (DBName); restores inherit it unless the data plane names another. */
  dbName?: string;
  readonly deletionProtection: boolean;
  readonly multiAZ: boolean;
  readonly publiclyAccessible: boolean;
  readonly autoMinorVersionUpgrade: boolean;
  readonly subnetGroup?: string;
  readonly securityGroups: readonly string[];
  readonly restoredFrom?: RestoreOrigin;
  tags: Tag[];
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface CopyOrigin {
  readonly sourceArn: string;
  readonly sourceRegion: string;
  readonly crossRegion: boolean;
  /** A cross-Region copy is incremental when an earlier copy of the same database with the same key exists. */
  readonly incremental: boolean;
}

export interface SnapshotRecord {
  readonly region: string;
  readonly id: string;
  readonly arn: string;
  readonly type: 'manual' | 'automated';
  readonly instanceId: string;
  readonly dbiResourceId: string;
  readonly instanceCreateTime: number;
  readonly engine: string;
  readonly engineVersion: string;
  readonly allocatedStorage: number;
  readonly kmsKeyArn: string | null;
  /** When the CreateDBSnapshot/CopyDBSnapshot request was accepted (SnapshotCreateTime once available). */
  readonly createdAt: number;
  /** When the data was captured by the original CreateDBSnapshot; kept through copies. */
  readonly originalCreateTime: number;
  /** When the work starts: later than `createdAt` for a copy queued behind another copy of the same database. */
  readonly startedAt: number;
  /** When the work would finish with no faults (moved to the data plane's finish when it times the work). */
  normalReadyAt: number;
  /** When the snapshot becomes available (a stuck copy's is pushed out). */
  readyAt: number;
  failed: boolean;
  /** True while a data-plane hook is still working on it: `creating` whatever the clock says. */
  pending?: boolean;
  /** The source instance's settings a restore inherits (unknown for snapshots seeded without an instance). */
  readonly instanceClass?: string;
  readonly backupRetentionPeriod?: number;
  readonly preferredBackupWindow?: string;
  readonly dbName?: string;
  readonly copy?: CopyOrigin;
  tags: Tag[];
}

export type SnapshotStatus = 'creating' | 'available' | 'failed';

export interface ReplicationRecord {
  /** Destination Region: where the replicated backup lives and is described. */
  readonly region: string;
  readonly arn: string;
  readonly sourceArn: string;
  readonly sourceRegion: string;
  readonly sourceId: string;
  readonly dbiResourceId: string;
  readonly retentionPeriod: number;
  readonly kmsKeyArn: string | null;
  readonly startedAt: number;
  readonly replicatingAt: number;
  /** Set when the source instance went away: the backup is then retained, its window frozen. */
  sourceGoneAt: number | null;
  readonly tags: Tag[];
  readonly engine: string;
  readonly engineVersion: string;
  readonly allocatedStorage: number;
  readonly instanceCreateTime: number;
}

export const DEFAULT_ACCOUNT_ID = '123456789012';

/** Deterministic pseudo-random text from a seed (resource ids look random but tests are reproducible). */
export const stableToken = (seed: string, length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'): string => {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[digest[i % digest.length]! % alphabet.length];
  return out;
};

export const instanceArn = (region: string, account: string, id: string) => `arn:aws:rds:${region}:${account}:db:${id}`;
export const snapshotArn = (region: string, account: string, id: string) => `arn:aws:rds:${region}:${account}:snapshot:${id}`;
export const dbiResourceIdFor = (region: string, id: string) => `db-${stableToken(`${region}/${id}`, 26)}`;
export const defaultEndpoint = (region: string, id: string, port = 5432): Endpoint => ({
  address: `${id}.${stableToken(region, 12).toLowerCase()}.${region}.rds.amazonaws.com`,
  port,
});
export const autoBackupArn = (region: string, account: string, dbiResourceId: string) =>
  `arn:aws:rds:${region}:${account}:auto-backup:ab-${stableToken(`${region}/${dbiResourceId}`, 26).toLowerCase()}`;

export interface ParsedRdsArn {
  readonly region: string;
  readonly account: string;
  readonly kind: string;
  readonly name: string;
}

/** `arn:aws:rds:<region>:<account>:<kind>:<name>` (a snapshot name may itself contain ':', as in `rds:`). */
export const parseRdsArn = (value: string): ParsedRdsArn | undefined => {
  const match = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$/.exec(value);
  if (!match) return undefined;
  const [, region, account, kind, name] = match;
  return { region: region!, account: account!, kind: kind!, name: name! };
};

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,254}$/;

/**
 * RDS identifiers: 1–255 letters, digits or hyphens, starting with a letter, not ending with a hyphen, no
 * two hyphens in a row. RDS stores them lowercased, so lookups are case-insensitive.
 */
export const validIdentifier = (parameter: string, value: string): string => {
  if (!IDENTIFIER.test(value) || value.endsWith('-') || value.includes('--')) {
    throw invalidParameter(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return value.toLowerCase();
};

/** A DB instance identifier: the general grammar, and at most 63 characters. */
export const instanceIdentifier = (parameter: string, value: string): string => {
  const id = validIdentifier(parameter, value);
  if (id.length > 63) throw invalidParameter(`The parameter ${parameter} is not a valid identifier: it must contain from 1 to 63 letters, numbers, or hyphens.`);
  return id;
};

export const snapshotStatus = (snapshot: SnapshotRecord, now: number): SnapshotStatus =>
  snapshot.failed ? 'failed' : !snapshot.pending && now >= snapshot.readyAt ? 'available' : 'creating';

/** PercentProgress: 0 while queued, rising with the clock, held at 99 while stuck, 100 when available. */
export const percentProgress = (snapshot: SnapshotRecord, now: number): number => {
  if (snapshotStatus(snapshot, now) === 'available') return 100;
  if (now <= snapshot.startedAt) return 0;
  const duration = Math.max(1, snapshot.normalReadyAt - snapshot.startedAt);
  return Math.min(99, Math.floor(((now - snapshot.startedAt) / duration) * 100));
};

/** The fields a snapshot (manual or automated) takes from its instance, taken at `at`, ready `readyMs` later. */
export function snapshotOfInstance(instance: InstanceRecord, at: number, readyMs: number) {
  return {
    region: instance.region,
    instanceId: instance.id,
    dbiResourceId: instance.dbiResourceId,
    instanceCreateTime: instance.createdAt,
    engine: instance.engine,
    engineVersion: instance.engineVersion,
    allocatedStorage: instance.allocatedStorage,
    kmsKeyArn: instance.kmsKeyArn,
    createdAt: at,
    originalCreateTime: at,
    startedAt: at,
    normalReadyAt: at + readyMs,
    readyAt: at + readyMs,
    failed: false,
    instanceClass: instance.instanceClass,
    backupRetentionPeriod: instance.backupRetentionPeriod,
    preferredBackupWindow: instance.preferredBackupWindow,
    ...(instance.dbName === undefined ? {} : { dbName: instance.dbName }),
  };
}

export const cloneTags = (tags: readonly Tag[] | undefined): Tag[] => (tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));

/** Tags merged by key, later lists winning. */
export const mergeTags = (...lists: readonly (readonly Tag[])[]): Tag[] => {
  const byKey = new Map<string, Tag>();
  for (const list of lists) for (const tag of list) if (tag.Key !== undefined) byKey.set(tag.Key, { Key: tag.Key, Value: tag.Value ?? '' });
  return [...byKey.values()];
};

export const validateTags = (tags: readonly Tag[] | undefined): Tag[] => {
  for (const tag of tags ?? []) {
    if (tag.Key === undefined || tag.Key === '') throw invalidParameter('Tag key must not be empty');
    if (/^aws:/i.test(tag.Key)) throw invalidParameter(`Tag keys cannot start with the reserved prefix 'aws:': ${tag.Key}`);
  }
  return cloneTags(tags);
};
