// How the RDS stand-in's records look on the wire, at a given moment: DBSnapshot, DBInstance and
// DBInstanceAutomatedBackup with the fields RDS fills in (and leaves out, e.g. no SnapshotCreateTime yet).

import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import { DAY_MS } from '../clock.js';
import { autoBackupArn, cloneTags, percentProgress, snapshotStatus, type InstanceRecord, type ReplicationRecord, type SnapshotRecord } from './model.js';
import type { RdsState } from './state.js';

const POSTGRES_PORT = 5432;

/**
 * A snapshot as DescribeDBSnapshots returns it. An in-progress snapshot has no SnapshotCreateTime
 * (awslabs/rds-snapshot-tool#45 and terraform-provider-aws#2178 crashed on exactly that).
 */
export const snapshotView = (snapshot: SnapshotRecord, now: number): DBSnapshot => {
  const status = snapshotStatus(snapshot, now);
  const available = status === 'available';
  return {
    DBSnapshotIdentifier: snapshot.id,
    DBSnapshotArn: snapshot.arn,
    DBInstanceIdentifier: snapshot.instanceId,
    DbiResourceId: snapshot.dbiResourceId,
    SnapshotType: snapshot.type,
    Status: status,
    PercentProgress: percentProgress(snapshot, now),
    ...(available ? { SnapshotCreateTime: new Date(snapshot.createdAt) } : {}),
    ...(available || snapshot.copy ? { OriginalSnapshotCreateTime: new Date(snapshot.originalCreateTime) } : {}),
    ...(available ? { SnapshotDatabaseTime: new Date(snapshot.originalCreateTime) } : {}),
    InstanceCreateTime: new Date(snapshot.instanceCreateTime),
    Engine: snapshot.engine,
    EngineVersion: snapshot.engineVersion,
    AllocatedStorage: snapshot.allocatedStorage,
    Port: POSTGRES_PORT,
    AvailabilityZone: `${snapshot.copy?.sourceRegion ?? snapshot.region}a`,
    MasterUsername: 'postgres',
    LicenseModel: 'postgresql-license',
    StorageType: 'gp3',
    Encrypted: snapshot.kmsKeyArn !== null,
    ...(snapshot.kmsKeyArn !== null ? { KmsKeyId: snapshot.kmsKeyArn } : {}),
    ...(snapshot.copy ? { SourceDBSnapshotIdentifier: snapshot.copy.sourceArn, SourceRegion: snapshot.copy.sourceRegion } : {}),
    IAMDatabaseAuthenticationEnabled: false,
    ProcessorFeatures: [],
    SnapshotTarget: 'region',
    TagList: cloneTags(snapshot.tags),
  };
};

export const latestRestorableTime = (state: RdsState, instance: InstanceRecord): Date | undefined =>
  instance.backupRetentionPeriod > 0 ? new Date(Math.max(instance.createdAt, state.now() - state.limits.restorableLagMs)) : undefined;

/** A PITR window in epoch ms, both ends inclusive. */
export interface RestoreWindowMs {
  readonly earliest: number;
  readonly latest: number;
}

/** An instance's own automated backups: none without retention. */
export const instanceRestoreWindow = (state: RdsState, instance: InstanceRecord): RestoreWindowMs | undefined => {
  const latest = latestRestorableTime(state, instance);
  if (latest === undefined) return undefined;
  return { earliest: Math.max(instance.createdAt, state.now() - instance.backupRetentionPeriod * DAY_MS), latest: latest.getTime() };
};

/**
 * A replicated backup's window: none while `pending`; frozen at the source's deletion once `retained`, and
 * at the moment its source Region was cut off (nothing more arrives; the destination still says `replicating`).
 */
export const replicationRestoreWindow = (state: RdsState, replication: ReplicationRecord): RestoreWindowMs | undefined => {
  const now = state.now();
  if (replicationStatus(replication, now) === 'pending') return undefined;
  const edge = replication.sourceGoneAt ?? state.unreachable.get(replication.sourceRegion) ?? now;
  return {
    earliest: Math.max(replication.replicatingAt, edge - replication.retentionPeriod * DAY_MS),
    latest: Math.max(replication.replicatingAt, edge - state.limits.replicationLagMs),
  };
};

const replicationsOf = (state: RdsState, instance: InstanceRecord) =>
  state.replications.filter((r) => r.sourceArn === instance.arn && r.sourceGoneAt === null).map((r) => ({ DBInstanceAutomatedBackupsArn: r.arn }));

/** A DB instance as DescribeDBInstances returns it: no Endpoint while it is being created. */
export const instanceView = (state: RdsState, instance: InstanceRecord): DBInstance => {
  const restorable = latestRestorableTime(state, instance);
  const replications = replicationsOf(state, instance);
  const status = state.instanceStatus(instance);
  const endpoint = status === 'creating' ? null : instance.endpoint;
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceArn: instance.arn,
    DbiResourceId: instance.dbiResourceId,
    DBInstanceClass: instance.instanceClass,
    DBInstanceStatus: status,
    Engine: instance.engine,
    EngineVersion: instance.engineVersion,
    AllocatedStorage: instance.allocatedStorage,
    StorageType: 'gp3',
    StorageEncrypted: instance.kmsKeyArn !== null,
    ...(instance.kmsKeyArn !== null ? { KmsKeyId: instance.kmsKeyArn } : {}),
    BackupRetentionPeriod: instance.backupRetentionPeriod,
    PreferredBackupWindow: instance.preferredBackupWindow,
    ...(restorable ? { LatestRestorableTime: restorable } : {}),
    InstanceCreateTime: new Date(instance.createdAt),
    MasterUsername: instance.masterUsername,
    ...(instance.dbName === undefined ? {} : { DBName: instance.dbName }),
    ...(endpoint === null ? {} : { Endpoint: { Address: endpoint.address, Port: endpoint.port }, DbInstancePort: endpoint.port }),
    AvailabilityZone: `${instance.region}a`,
    MultiAZ: instance.multiAZ,
    PubliclyAccessible: instance.publiclyAccessible,
    AutoMinorVersionUpgrade: instance.autoMinorVersionUpgrade,
    ...(instance.subnetGroup === undefined ? {} : { DBSubnetGroup: { DBSubnetGroupName: instance.subnetGroup, SubnetGroupStatus: 'Complete' } }),
    VpcSecurityGroups: instance.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    CopyTagsToSnapshot: instance.copyTagsToSnapshot,
    DeletionProtection: instance.deletionProtection,
    ...(replications.length > 0 ? { DBInstanceAutomatedBackupsReplications: replications } : {}),
    TagList: cloneTags(instance.tags),
  };
};

/** The instance's own automated backups in its Region (status `active`). */
export const activeBackupView = (state: RdsState, instance: InstanceRecord): DBInstanceAutomatedBackup => {
  const now = state.now();
  const replications = replicationsOf(state, instance);
  const window = instanceRestoreWindow(state, instance);
  return {
    DBInstanceArn: instance.arn,
    DbiResourceId: instance.dbiResourceId,
    DBInstanceIdentifier: instance.id,
    Region: instance.region,
    Status: 'active',
    RestoreWindow: {
      EarliestTime: new Date(window?.earliest ?? Math.max(instance.createdAt, now - instance.backupRetentionPeriod * DAY_MS)),
      LatestTime: new Date(window?.latest ?? now),
    },
    AllocatedStorage: instance.allocatedStorage,
    Engine: instance.engine,
    EngineVersion: instance.engineVersion,
    InstanceCreateTime: new Date(instance.createdAt),
    Encrypted: instance.kmsKeyArn !== null,
    ...(instance.kmsKeyArn !== null ? { KmsKeyId: instance.kmsKeyArn } : {}),
    BackupRetentionPeriod: instance.backupRetentionPeriod,
    PreferredBackupWindow: instance.preferredBackupWindow,
    DBInstanceAutomatedBackupsArn: autoBackupArn(instance.region, state.account, instance.dbiResourceId),
    ...(replications.length > 0 ? { DBInstanceAutomatedBackupsReplications: replications } : {}),
    TagList: cloneTags(instance.tags),
  };
};

export const replicationStatus = (replication: ReplicationRecord, now: number): 'pending' | 'replicating' | 'retained' => {
  if (replication.sourceGoneAt !== null) return 'retained';
  return now >= replication.replicatingAt ? 'replicating' : 'pending';
};

/** A replicated backup in its destination Region: `pending` until its first snapshot lands, then `replicating`. */
export const replicatedBackupView = (state: RdsState, replication: ReplicationRecord): DBInstanceAutomatedBackup => {
  const status = replicationStatus(replication, state.now());
  const window = replicationRestoreWindow(state, replication);
  return {
    DBInstanceArn: replication.sourceArn,
    DbiResourceId: replication.dbiResourceId,
    DBInstanceIdentifier: replication.sourceId,
    Region: replication.sourceRegion,
    Status: status,
    ...(window === undefined ? {} : { RestoreWindow: { EarliestTime: new Date(window.earliest), LatestTime: new Date(window.latest) } }),
    AllocatedStorage: replication.allocatedStorage,
    Engine: replication.engine,
    EngineVersion: replication.engineVersion,
    InstanceCreateTime: new Date(replication.instanceCreateTime),
    Encrypted: replication.kmsKeyArn !== null,
    ...(replication.kmsKeyArn !== null ? { KmsKeyId: replication.kmsKeyArn } : {}),
    BackupRetentionPeriod: replication.retentionPeriod,
    DBInstanceAutomatedBackupsArn: replication.arn,
    TagList: cloneTags(replication.tags),
  };
};
