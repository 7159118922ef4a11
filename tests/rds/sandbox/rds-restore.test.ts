// The RDS stand-in's restore side: RestoreDBInstanceFromDBSnapshot, RestoreDBInstanceToPointInTime and
// DeleteDBInstance through real RDSClient calls, the pluggable data plane, the real restore-test steps
// (plan, restore, status, teardown) against it, and the system clock.

import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DBInstanceAlreadyExistsFault,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InstanceQuotaExceededFault,
  InvalidDBInstanceStateFault,
  InvalidRestoreFault,
  KMSKeyNotAccessibleFault,
  PointInTimeRestoreNotEnabledFault,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstance,
  type RestoreDBInstanceFromDBSnapshotCommandInput,
  type RestoreDBInstanceToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planRestoreTest } from '../../../functions/rds/restore-test-plan/restore-test-plan.js';
import { startRestore } from '../../../functions/rds/restore-test-restore/restore-test-restore.js';
import { checkRestoredInstance } from '../../../functions/rds/restore-test-status/restore-test-status.js';
import { teardownRestore } from '../../../functions/rds/restore-test-teardown/restore-test-teardown.js';
import { createClock, MINUTE_MS, systemClock, type ManualClock } from '../../../sandbox/aws/clock.js';
import { RdsStandIn, type RdsDataPlane, type RdsStandInOptions, type RestoredEndpoint } from '../../../sandbox/aws/rds-standin.js';
import { RestoreFailed, RestoreNotReady } from '../../../shared/rds/errors.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import { RecordingLog, teamPolicy } from '../../helpers/runtime.js';

import { ACCOUNT, DB_ARN, dbArn, DR_KEY, SINGAPORE, snapArn, START, TOKYO } from '../helpers/standin-fixtures.js';

/** What backup-dr's restore step sends (functions/restore-test-restore/restore.ts). */
const COMMON = {
  DBInstanceClass: 'db.t4g.micro',
  PubliclyAccessible: false,
  MultiAZ: false,
  DeletionProtection: false,
  AutoMinorVersionUpgrade: false,
  CopyTagsToSnapshot: false,
  Tags: [
    { Key: 'backup-dr:owner', Value: 'backup-dr' },
    { Key: 'backup-dr:restore-test', Value: 'run-1' },
  ],
  DBSubnetGroupName: 'app-db-restore-test',
  VpcSecurityGroupIds: ['sg-0restore'],
};

let clock: ManualClock;
let rds: RdsStandIn;
let tokyo: RDSClient;
let singapore: RDSClient;

const setUp = (options: Omit<RdsStandInOptions, 'clock'> = {}) => {
  rds?.restore();
  clock = createClock(START);
  rds = new RdsStandIn({ clock, ...options });
  rds.install();
  rds.addInstance(TOKYO, { id: 'app-db', dbName: 'app', tags: [{ Key: 'team', Value: 'core' }] });
  rds.addKmsKey(SINGAPORE, 'alias/backup-dr', DR_KEY);
};

beforeEach(() => {
  setUp();
  tokyo = new RDSClient({ region: TOKYO });
  singapore = new RDSClient({ region: SINGAPORE });
});

afterEach(() => rds.restore());

const minutes = (n: number) => clock.advance(n * MINUTE_MS);

const takeSnapshot = async (id: string, ready = true) => {
  await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-db', DBSnapshotIdentifier: id }));
  if (ready) minutes(20);
};

const restoreFromSnapshot = (client: RDSClient, id: string, snapshot: string, extra: Partial<RestoreDBInstanceFromDBSnapshotCommandInput> = {}) =>
  client.send(new RestoreDBInstanceFromDBSnapshotCommand({ ...COMMON, DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshot, ...extra }));

const restoreToPoint = (client: RDSClient, id: string, extra: Partial<RestoreDBInstanceToPointInTimeCommandInput>) =>
  client.send(new RestoreDBInstanceToPointInTimeCommand({ ...COMMON, TargetDBInstanceIdentifier: id, ...extra }));

const describeInstance = async (client: RDSClient, id: string): Promise<DBInstance> =>
  (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

const deleteInstance = (client: RDSClient, id: string) =>
  client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));

/** Replicates app-db's automated backups to Singapore and waits until they have a restore window. */
const replicateToSingapore = async (waitMinutes = 120) => {
  const started = await singapore.send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: DB_ARN, KmsKeyId: 'alias/backup-dr' }));
  minutes(waitMinutes);
  return started.DBInstanceAutomatedBackup!.DBInstanceAutomatedBackupsArn!;
};

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Lets pending promise callbacks run. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Tracks whether a promise has settled, without consuming its rejection. */
const track = <T>(promise: Promise<T>) => {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
};

describe('RestoreDBInstanceFromDBSnapshot', () => {
  it('creates the instance creating, without an Endpoint, then available after restoreMinutes, with the snapshot’s engine, storage and key', async () => {
    await takeSnapshot('s1');
    const started = (await restoreFromSnapshot(tokyo, 'bdr-rt-app-db-1', 's1')).DBInstance!;
    const snapshot = rds.snapshots(TOKYO).find((s) => s.id === 's1')!;
    expect(started).toMatchObject({
      DBInstanceIdentifier: 'bdr-rt-app-db-1',
      DBInstanceArn: dbArn(TOKYO, 'bdr-rt-app-db-1'),
      DBInstanceStatus: 'creating',
      DBInstanceClass: 'db.t4g.micro',
      Engine: 'postgres',
      EngineVersion: snapshot.engineVersion,
      AllocatedStorage: snapshot.allocatedStorage,
      StorageEncrypted: true,
      KmsKeyId: snapshot.kmsKeyId,
      DBName: 'app',
      MultiAZ: false,
      PubliclyAccessible: false,
      DeletionProtection: false,
      AutoMinorVersionUpgrade: false,
      DBSubnetGroup: { DBSubnetGroupName: 'app-db-restore-test' },
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0restore', Status: 'active' }],
      TagList: COMMON.Tags,
    });
    expect(started.Endpoint).toBeUndefined();

    minutes(14);
    const creating = await describeInstance(tokyo, 'bdr-rt-app-db-1');
    expect(creating.DBInstanceStatus).toBe('creating');
    expect(creating.Endpoint).toBeUndefined();
    minutes(1);
    const available = await describeInstance(tokyo, 'bdr-rt-app-db-1');
    expect(available).toMatchObject({
      DBInstanceStatus: 'available',
      Endpoint: { Address: expect.stringMatching(/^bdr-rt-app-db-1\.[a-z2-7]{12}\.ap-northeast-1\.rds\.amazonaws\.com$/), Port: 5432 },
    });
    expect(rds.instances(TOKYO).find((i) => i.id === 'bdr-rt-app-db-1')).toMatchObject({
      status: 'available',
      restoredFrom: { kind: 'snapshot', snapshotId: 's1', snapshotArn: snapArn(TOKYO, 's1') },
      subnetGroup: 'app-db-restore-test',
      securityGroups: ['sg-0restore'],
    });
    expect(rds.history.filter((h) => h.action === 'restore')).toEqual([
      { at: clock.now() - 15 * MINUTE_MS, region: TOKYO, action: 'restore', id: 'bdr-rt-app-db-1', arn: dbArn(TOKYO, 'bdr-rt-app-db-1'), detail: snapArn(TOKYO, 's1') },
    ]);
  });

  it('restores a cross-Region copy by ARN in the copy’s Region, encrypted with the copy’s key, and honours restoreMinutes', async () => {
    setUp({ restoreMinutes: 40 });
    await takeSnapshot('s1');
    await singapore.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: snapArn(TOKYO, 's1'), TargetDBSnapshotIdentifier: 's1', KmsKeyId: 'alias/backup-dr' }));
    minutes(60);
    const started = (await restoreFromSnapshot(singapore, 'bdr-rt-dr', snapArn(SINGAPORE, 's1'))).DBInstance!;
    expect(started).toMatchObject({ DBInstanceArn: dbArn(SINGAPORE, 'bdr-rt-dr'), KmsKeyId: DR_KEY, DBInstanceStatus: 'creating' });
    minutes(39);
    expect((await describeInstance(singapore, 'bdr-rt-dr')).DBInstanceStatus).toBe('creating');
    minutes(1);
    expect((await describeInstance(singapore, 'bdr-rt-dr')).DBInstanceStatus).toBe('available');
    expect((await tokyo.send(new DescribeDBInstancesCommand({}))).DBInstances!.map((i) => i.DBInstanceIdentifier)).toEqual(['app-db']);
  });

  it('answers a second restore into the same name with DBInstanceAlreadyExistsFault, also while the first is creating', async () => {
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    const again = restoreFromSnapshot(tokyo, 'BDR-RT-1', 's1');
    await expect(again).rejects.toBeInstanceOf(DBInstanceAlreadyExistsFault);
    await expect(again).rejects.toMatchObject({ name: 'DBInstanceAlreadyExistsFault', $fault: 'client' });
    await expect(restoreFromSnapshot(tokyo, 'app-db', 's1')).rejects.toMatchObject({ name: 'DBInstanceAlreadyExistsFault' });
  });

  it.each([
    ['an unknown snapshot', 'nope', 'DBSnapshotNotFoundFault'],
    ['a snapshot ARN of another Region', snapArn(SINGAPORE, 's1'), 'DBSnapshotNotFoundFault'],
    ['a snapshot still creating', 'not-yet', 'InvalidDBSnapshotStateFault'],
  ])('refuses %s', async (_case, snapshot, name) => {
    await takeSnapshot('s1');
    await takeSnapshot('not-yet', false);
    await expect(restoreFromSnapshot(tokyo, 'bdr-rt-1', snapshot)).rejects.toMatchObject({ name });
    expect(rds.instances(TOKYO).map((i) => i.id)).toEqual(['app-db']);
  });

  it('refuses an identifier RDS would refuse', async () => {
    await takeSnapshot('s1');
    await expect(restoreFromSnapshot(tokyo, 'a'.repeat(64), 's1')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(restoreFromSnapshot(tokyo, 'bdr--rt', 's1')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('stops at the DB instance quota with InstanceQuotaExceededFault', async () => {
    setUp({ dbInstanceQuota: 2 });
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    const refused = restoreFromSnapshot(tokyo, 'bdr-rt-2', 's1');
    await expect(refused).rejects.toBeInstanceOf(InstanceQuotaExceededFault);
  });

  it('fails with KMSKeyNotAccessibleFault when the snapshot’s key is denied', async () => {
    await takeSnapshot('s1');
    const key = rds.snapshots(TOKYO).find((s) => s.id === 's1')!.kmsKeyId!;
    rds.denyKmsKey(TOKYO, key);
    await expect(restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1')).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
  });

  it('restores an unencrypted snapshot unencrypted', async () => {
    rds.addInstance(TOKYO, { id: 'plain-db', kmsKeyId: null });
    rds.seedSnapshot(TOKYO, { id: 'plain-1', instanceId: 'plain-db', createdAt: START - 60 * MINUTE_MS });
    const started = (await restoreFromSnapshot(tokyo, 'bdr-rt-plain', 'plain-1')).DBInstance!;
    expect(started.StorageEncrypted).toBe(false);
    expect(started.KmsKeyId).toBeUndefined();
  });
});

describe('a Region cut off (faults.isolateRegion)', () => {
  it('times out every call to it, leaves the others answering, and freezes what it replicated at its last shipped logs', async () => {
    const backupArn = await replicateToSingapore();
    const lastShipped = clock.now() - 3 * MINUTE_MS;
    rds.faults.isolateRegion(TOKYO, lastShipped);
    minutes(30);
    await expect(describeInstance(tokyo, 'app-db')).rejects.toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('ETIMEDOUT') });
    const [backup] = (await singapore.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceAutomatedBackupsArn: backupArn }))).DBInstanceAutomatedBackups!;
    // Singapore does not know the source is gone: still replicating, but nothing newer arrives.
    expect(backup).toMatchObject({ Status: 'replicating' });
    expect(backup!.RestoreWindow!.LatestTime!.getTime()).toBe(lastShipped - 10 * MINUTE_MS);
    await restoreToPoint(singapore, 'app-db-dr', { SourceDBInstanceAutomatedBackupsArn: backupArn, UseLatestRestorableTime: true });
    expect(rds.instances(SINGAPORE).find((i) => i.id === 'app-db-dr')?.restoredFrom).toMatchObject({ kind: 'pitr', restoreTime: lastShipped - 10 * MINUTE_MS });
    rds.faults.clear();
    expect(await describeInstance(tokyo, 'app-db')).toMatchObject({ DBInstanceStatus: 'available' });
  });
});

describe('RestoreDBInstanceToPointInTime', () => {
  it('restores from the replicated backups inside their window, with the backups’ key', async () => {
    const backupArn = await replicateToSingapore();
    const [backup] = (await singapore.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceAutomatedBackupsArn: backupArn }))).DBInstanceAutomatedBackups!;
    const restoreTime = clock.now() - 15 * MINUTE_MS;
    expect(restoreTime).toBeGreaterThanOrEqual(backup!.RestoreWindow!.EarliestTime!.getTime());

    const started = (await restoreToPoint(singapore, 'bdr-pitr-app-db', { SourceDBInstanceAutomatedBackupsArn: backupArn, RestoreTime: new Date(restoreTime) })).DBInstance!;
    expect(started).toMatchObject({
      DBInstanceArn: dbArn(SINGAPORE, 'bdr-pitr-app-db'),
      DBInstanceStatus: 'creating',
      Engine: 'postgres',
      KmsKeyId: DR_KEY,
      DBName: 'app',
      TagList: COMMON.Tags,
    });
    expect(rds.instances(SINGAPORE)[0]).toMatchObject({
      restoredFrom: { kind: 'pitr', sourceInstanceId: 'app-db', sourceRegion: TOKYO, restoreTime, automatedBackupsArn: backupArn },
    });
    minutes(15);
    expect(await describeInstance(singapore, 'bdr-pitr-app-db')).toMatchObject({ DBInstanceStatus: 'available', Endpoint: { Port: 5432 } });
  });

  it('restores to the latest restorable time when asked to', async () => {
    const backupArn = await replicateToSingapore();
    await restoreToPoint(singapore, 'bdr-pitr-latest', { SourceDBInstanceAutomatedBackupsArn: backupArn, UseLatestRestorableTime: true });
    expect(rds.instances(SINGAPORE)[0]!.restoredFrom).toMatchObject({ kind: 'pitr', restoreTime: clock.now() - 10 * MINUTE_MS });
  });

  it.each([
    ['after the window’s latest time', () => clock.now() - 5 * MINUTE_MS],
    ['before the window’s earliest time (the first replicated backup)', () => START + 30 * MINUTE_MS],
    ['in the future', () => clock.now() + MINUTE_MS],
  ])('refuses a RestoreTime %s with InvalidRestoreFault', async (_case, at) => {
    const backupArn = await replicateToSingapore();
    const refused = restoreToPoint(singapore, 'bdr-pitr-1', { SourceDBInstanceAutomatedBackupsArn: backupArn, RestoreTime: new Date(at()) });
    await expect(refused).rejects.toBeInstanceOf(InvalidRestoreFault);
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('outside the restorable window') });
    expect(rds.instances(SINGAPORE)).toEqual([]);
  });

  it('refuses a restore from replicated backups still pending (no window yet)', async () => {
    const backupArn = await replicateToSingapore(30);
    await expect(restoreToPoint(singapore, 'bdr-pitr-1', { SourceDBInstanceAutomatedBackupsArn: backupArn, UseLatestRestorableTime: true })).rejects.toBeInstanceOf(
      InvalidRestoreFault,
    );
  });

  it('restores a retained backup (source instance gone) inside its frozen window', async () => {
    const backupArn = await replicateToSingapore();
    rds.removeInstance(TOKYO, 'app-db');
    const goneAt = clock.now();
    minutes(24 * 60);
    await expect(
      restoreToPoint(singapore, 'bdr-pitr-late', { SourceDBInstanceAutomatedBackupsArn: backupArn, RestoreTime: new Date(goneAt - 5 * MINUTE_MS) }),
    ).rejects.toBeInstanceOf(InvalidRestoreFault);
    await expect(
      restoreToPoint(singapore, 'bdr-pitr-ok', { SourceDBInstanceAutomatedBackupsArn: backupArn, RestoreTime: new Date(goneAt - 20 * MINUTE_MS) }),
    ).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'creating' } });
  });

  it('restores from a local instance by identifier, and refuses one without automated backups', async () => {
    minutes(60);
    await expect(restoreToPoint(tokyo, 'bdr-pitr-local', { SourceDBInstanceIdentifier: 'app-db', RestoreTime: new Date(clock.now() - 30 * MINUTE_MS) })).resolves.toMatchObject({
      DBInstance: { DBInstanceStatus: 'creating' },
    });
    rds.addInstance(TOKYO, { id: 'no-backups', backupRetentionPeriod: 0 });
    const refused = restoreToPoint(tokyo, 'bdr-pitr-2', { SourceDBInstanceIdentifier: 'no-backups', UseLatestRestorableTime: true });
    await expect(refused).rejects.toBeInstanceOf(PointInTimeRestoreNotEnabledFault);
  });

  it.each([
    ['an unknown backups ARN', () => ({ SourceDBInstanceAutomatedBackupsArn: `arn:aws:rds:${SINGAPORE}:${ACCOUNT}:auto-backup:ab-nope`, UseLatestRestorableTime: true }), 'DBInstanceAutomatedBackupNotFoundFault'],
    ['an unknown source instance', () => ({ SourceDBInstanceIdentifier: 'nope', UseLatestRestorableTime: true }), 'DBInstanceNotFoundFault'],
    ['no source', () => ({ UseLatestRestorableTime: true }), 'MissingParameter'],
    ['both RestoreTime and UseLatestRestorableTime', () => ({ SourceDBInstanceIdentifier: 'app-db', UseLatestRestorableTime: true, RestoreTime: new Date(START) }), 'InvalidParameterCombination'],
    ['neither RestoreTime nor UseLatestRestorableTime', () => ({ SourceDBInstanceIdentifier: 'app-db' }), 'InvalidParameterCombination'],
  ])('refuses %s', async (_case, input, name) => {
    minutes(60);
    await expect(restoreToPoint(tokyo, 'bdr-pitr-1', input())).rejects.toMatchObject({ name });
  });

  it('does not find replicated backups from another Region’s client', async () => {
    const backupArn = await replicateToSingapore();
    await expect(restoreToPoint(tokyo, 'bdr-pitr-1', { SourceDBInstanceAutomatedBackupsArn: backupArn, UseLatestRestorableTime: true })).rejects.toMatchObject({
      name: 'DBInstanceAutomatedBackupNotFoundFault',
    });
  });
});

describe('DeleteDBInstance', () => {
  const restored = async (id = 'bdr-rt-1') => {
    await takeSnapshot(`snap-${id}`);
    await restoreFromSnapshot(tokyo, id, `snap-${id}`);
    minutes(15);
  };

  it('puts the instance in deleting, refuses a second delete, and forgets it after deleteMinutes', async () => {
    await restored();
    const deleting = (await deleteInstance(tokyo, 'bdr-rt-1')).DBInstance!;
    expect(deleting).toMatchObject({ DBInstanceIdentifier: 'bdr-rt-1', DBInstanceStatus: 'deleting' });
    expect((await describeInstance(tokyo, 'bdr-rt-1')).DBInstanceStatus).toBe('deleting');

    const again = deleteInstance(tokyo, 'bdr-rt-1');
    await expect(again).rejects.toBeInstanceOf(InvalidDBInstanceStateFault);
    await expect(again).rejects.toMatchObject({ message: 'Instance bdr-rt-1 is already being deleted.' });

    minutes(4);
    expect((await describeInstance(tokyo, 'bdr-rt-1')).DBInstanceStatus).toBe('deleting');
    minutes(1);
    await expect(describeInstance(tokyo, 'bdr-rt-1')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
    await expect(deleteInstance(tokyo, 'bdr-rt-1')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
    expect(rds.instances(TOKYO).map((i) => i.id)).toEqual(['app-db']);
    expect(rds.history.filter((h) => h.id === 'bdr-rt-1').map((h) => [h.action, (h.at - START) / MINUTE_MS, h.detail])).toEqual([
      ['restore', 20, snapArn(TOKYO, 'snap-bdr-rt-1')],
      ['delete-instance', 35, 'skip-final-snapshot, delete-automated-backups'],
    ]);

    // The name is free again: a re-run can restore into it.
    await expect(restoreFromSnapshot(tokyo, 'bdr-rt-1', 'snap-bdr-rt-1')).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'creating' } });
  });

  it('honours deleteMinutes and deletes an instance that is still creating', async () => {
    setUp({ deleteMinutes: 1 });
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    await expect(deleteInstance(tokyo, 'bdr-rt-1')).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'deleting' } });
    minutes(30);
    await expect(describeInstance(tokyo, 'bdr-rt-1')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
  });

  it('refuses an instance with deletion protection (InvalidParameterCombination) and an unknown one', async () => {
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'protected', 's1', { DeletionProtection: true });
    await expect(deleteInstance(tokyo, 'protected')).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: 'Cannot delete protected DB Instance, please disable deletion protection and try again.',
    });
    rds.addInstance(TOKYO, { id: 'prod-db', deletionProtection: true });
    await expect(deleteInstance(tokyo, 'prod-db')).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(deleteInstance(tokyo, 'nope')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
    expect(rds.history.some((h) => h.action === 'delete-instance')).toBe(false);
  });

  it('requires a final snapshot identifier unless SkipFinalSnapshot, and takes the final snapshot', async () => {
    await restored();
    await expect(tokyo.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'bdr-rt-1' }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(
      tokyo.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'bdr-rt-1', SkipFinalSnapshot: true, FinalDBSnapshotIdentifier: 'final' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(
      tokyo.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'bdr-rt-1', FinalDBSnapshotIdentifier: 'snap-bdr-rt-1' })),
    ).rejects.toMatchObject({ name: 'DBSnapshotAlreadyExistsFault' });
    await tokyo.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'bdr-rt-1', FinalDBSnapshotIdentifier: 'bdr-rt-1-final' }));
    expect(rds.snapshots(TOKYO).find((s) => s.id === 'bdr-rt-1-final')).toMatchObject({ type: 'manual', instanceId: 'bdr-rt-1', status: 'creating' });
  });

  it('deletes a failed instance only without a final snapshot', async () => {
    await restored();
    rds.setInstanceStatus(TOKYO, 'bdr-rt-1', 'failed');
    await expect(
      tokyo.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'bdr-rt-1', FinalDBSnapshotIdentifier: 'final' })),
    ).rejects.toBeInstanceOf(InvalidDBInstanceStateFault);
    await expect(deleteInstance(tokyo, 'bdr-rt-1')).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'deleting' } });
  });

  it('leaves replicated backups of a deleted source retained', async () => {
    await replicateToSingapore();
    await deleteInstance(tokyo, 'app-db');
    expect(rds.replications()).toEqual([expect.objectContaining({ status: 'replicating' })]);
    minutes(5);
    expect(rds.replications()).toEqual([expect.objectContaining({ status: 'retained' })]);
  });
});

/** A data plane that records every call and lets the test decide when (and how) each one finishes. */
class ScriptedPlane implements RdsDataPlane {
  readonly calls: [string, unknown][] = [];
  restore: (() => Promise<RestoredEndpoint>) | undefined;
  snapshot: (() => Promise<void>) | undefined;
  copy: (() => Promise<void>) | undefined;
  deletion: (() => Promise<void>) | undefined;

  async snapshotCreated(event: { region: string; snapshotId: string; instanceId: string }): Promise<void> {
    this.calls.push(['snapshotCreated', event]);
    await this.snapshot?.();
  }
  async snapshotCopied(event: { fromRegion: string; sourceSnapshotId: string; region: string; snapshotId: string }): Promise<void> {
    this.calls.push(['snapshotCopied', event]);
    await this.copy?.();
  }
  async instanceRestored(event: Parameters<NonNullable<RdsDataPlane['instanceRestored']>>[0]): Promise<RestoredEndpoint> {
    this.calls.push(['instanceRestored', event]);
    return this.restore ? this.restore() : { address: '127.0.0.1', port: 55432, dbName: `db_${event.instanceId.replace(/-/g, '_')}` };
  }
  async instanceDeleted(event: { region: string; instanceId: string }): Promise<void> {
    this.calls.push(['instanceDeleted', event]);
    await this.deletion?.();
  }
  async snapshotDeleted(event: { region: string; snapshotId: string }): Promise<void> {
    this.calls.push(['snapshotDeleted', event]);
  }
}

describe('data plane', () => {
  let plane: ScriptedPlane;

  beforeEach(() => {
    plane = new ScriptedPlane();
    setUp({ dataPlane: plane });
  });

  it('awaits instanceRestored inside the call; the instance is creating meanwhile and available at once with its endpoint and DB name', async () => {
    await takeSnapshot('s1');
    const gate = deferred<RestoredEndpoint>();
    plane.restore = () => gate.promise;
    const call = track(restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1'));
    await flush();
    expect(call.settled).toBe(false);
    expect(plane.calls.at(-1)).toEqual(['instanceRestored', { region: TOKYO, instanceId: 'bdr-rt-1', from: { kind: 'snapshot', snapshotId: 's1' } }]);
    const meanwhile = await describeInstance(tokyo, 'bdr-rt-1');
    expect(meanwhile.DBInstanceStatus).toBe('creating');
    expect(meanwhile.Endpoint).toBeUndefined();

    gate.resolve({ address: 'localhost', port: 6543, dbName: 'drill_restore_1' });
    const answer = await call.promise;
    expect(answer.DBInstance).toMatchObject({ DBInstanceStatus: 'creating' });
    expect(answer.DBInstance!.Endpoint).toBeUndefined();
    expect(await describeInstance(tokyo, 'bdr-rt-1')).toMatchObject({
      DBInstanceStatus: 'available',
      Endpoint: { Address: 'localhost', Port: 6543 },
      DBName: 'drill_restore_1',
    });
  });

  it('keeps an explicit restoreMinutes in force on top of the data plane', async () => {
    setUp({ dataPlane: plane, restoreMinutes: 10 });
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    expect((await describeInstance(tokyo, 'bdr-rt-1')).DBInstanceStatus).toBe('creating');
    minutes(10);
    expect(await describeInstance(tokyo, 'bdr-rt-1')).toMatchObject({ DBInstanceStatus: 'available', Endpoint: { Address: '127.0.0.1', Port: 55432 } });
  });

  it('tells the data plane a PITR’s source instance, its Region and the restore time', async () => {
    const backupArn = await replicateToSingapore();
    await restoreToPoint(singapore, 'bdr-pitr-1', { SourceDBInstanceAutomatedBackupsArn: backupArn, RestoreTime: new Date(clock.now() - 15 * MINUTE_MS) });
    expect(plane.calls.at(-1)).toEqual([
      'instanceRestored',
      { region: SINGAPORE, instanceId: 'bdr-pitr-1', from: { kind: 'pitr', sourceInstanceId: 'app-db', restoreTime: clock.now() - 15 * MINUTE_MS, sourceRegion: TOKYO } },
    ]);
    expect((await describeInstance(singapore, 'bdr-pitr-1')).DBInstanceStatus).toBe('available');
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('pg_restore exited with 1'))],
    ['resolves without a usable endpoint', () => Promise.resolve({ address: '', port: 0 })],
  ])('when instanceRestored %s, the call succeeds and the instance goes to failed', async (_case, outcome) => {
    await takeSnapshot('s1');
    plane.restore = outcome;
    await expect(restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1')).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'creating' } });
    const failed = await describeInstance(tokyo, 'bdr-rt-1');
    expect(failed.DBInstanceStatus).toBe('failed');
    expect(failed.Endpoint).toBeUndefined();
    expect(rds.history.at(-1)).toMatchObject({ action: 'restore-failed', id: 'bdr-rt-1', detail: expect.stringMatching(/^data plane: /) });
    minutes(60);
    expect((await describeInstance(tokyo, 'bdr-rt-1')).DBInstanceStatus).toBe('failed');
    await expect(deleteInstance(tokyo, 'bdr-rt-1')).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'deleting' } });
  });

  it('awaits snapshotCreated: the snapshot is creating until it resolves, then available; a rejection fails it', async () => {
    const gate = deferred<void>();
    plane.snapshot = () => gate.promise;
    const call = track(tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-db', DBSnapshotIdentifier: 's1' })));
    await flush();
    expect(call.settled).toBe(false);
    expect(plane.calls).toEqual([['snapshotCreated', { region: TOKYO, snapshotId: 's1', instanceId: 'app-db' }]]);
    expect((await describeInstance(tokyo, 'app-db')).DBInstanceStatus).toBe('backing-up');
    gate.resolve();
    await expect(call.promise).resolves.toMatchObject({ DBSnapshot: { Status: 'creating' } });
    expect(rds.snapshots(TOKYO).find((s) => s.id === 's1')).toMatchObject({ status: 'available', availableAt: START });

    plane.snapshot = () => Promise.reject(new Error('disk full'));
    await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-db', DBSnapshotIdentifier: 's2' }));
    expect(rds.snapshots(TOKYO).find((s) => s.id === 's2')).toMatchObject({ status: 'failed' });
    expect(rds.history.at(-1)).toMatchObject({ action: 'snapshot-failed', id: 's2', detail: 'data plane: Error: disk full' });
  });

  it('awaits snapshotCopied with both Regions; a rejection fails the copy', async () => {
    await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-db', DBSnapshotIdentifier: 's1' }));
    await singapore.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: snapArn(TOKYO, 's1'), TargetDBSnapshotIdentifier: 's1-dr', KmsKeyId: 'alias/backup-dr' }));
    expect(plane.calls.at(-1)).toEqual(['snapshotCopied', { fromRegion: TOKYO, sourceSnapshotId: 's1', region: SINGAPORE, snapshotId: 's1-dr' }]);
    expect((await singapore.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 's1-dr' }))).DBSnapshots![0]).toMatchObject({ Status: 'available' });

    plane.copy = () => Promise.reject(new Error('copy broke'));
    await singapore.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: snapArn(TOKYO, 's1'), TargetDBSnapshotIdentifier: 's1-dr2', KmsKeyId: 'alias/backup-dr' }));
    expect(rds.snapshots(SINGAPORE).find((s) => s.id === 's1-dr2')).toMatchObject({ status: 'failed' });
    expect(rds.history.at(-1)).toMatchObject({ action: 'copy-failed', id: 's1-dr2' });
  });

  it('awaits instanceDeleted, and the instance is gone once it resolves; a rejection is recorded and the deletion stands', async () => {
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    const gate = deferred<void>();
    plane.deletion = () => gate.promise;
    const call = track(deleteInstance(tokyo, 'bdr-rt-1'));
    await flush();
    expect(call.settled).toBe(false);
    expect(plane.calls.at(-1)).toEqual(['instanceDeleted', { region: TOKYO, instanceId: 'bdr-rt-1' }]);
    minutes(60);
    expect((await describeInstance(tokyo, 'bdr-rt-1')).DBInstanceStatus).toBe('deleting');
    gate.resolve();
    await expect(call.promise).resolves.toMatchObject({ DBInstance: { DBInstanceStatus: 'deleting' } });
    await expect(describeInstance(tokyo, 'bdr-rt-1')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });

    await restoreFromSnapshot(tokyo, 'bdr-rt-2', 's1');
    plane.deletion = () => Promise.reject(new Error('database is being accessed by other users'));
    await deleteInstance(tokyo, 'bdr-rt-2');
    expect(rds.history.at(-1)).toMatchObject({ action: 'data-plane-error', id: 'bdr-rt-2', detail: expect.stringContaining('instanceDeleted: Error: database is being accessed') });
    await expect(describeInstance(tokyo, 'bdr-rt-2')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
  });

  it('ignores a restore that finishes after its instance was deleted', async () => {
    await takeSnapshot('s1');
    const gate = deferred<RestoredEndpoint>();
    plane.restore = () => gate.promise;
    const restore = restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    await flush();
    plane.deletion = () => new Promise(() => undefined); // still dropping when the restore finishes
    const deletion = track(deleteInstance(tokyo, 'bdr-rt-1'));
    await flush();
    gate.resolve({ address: 'localhost', port: 6543 });
    await restore;
    expect(deletion.settled).toBe(false);
    expect(await describeInstance(tokyo, 'bdr-rt-1')).toMatchObject({ DBInstanceStatus: 'deleting' });
    expect(rds.instances(TOKYO).find((i) => i.id === 'bdr-rt-1')).toMatchObject({ endpoint: null, goneAt: null });
  });

  it('calls snapshotDeleted after DeleteDBSnapshot', async () => {
    await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-db', DBSnapshotIdentifier: 's1' }));
    await tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }));
    expect(plane.calls.at(-1)).toEqual(['snapshotDeleted', { region: TOKYO, snapshotId: 's1' }]);
  });

  it('tells the data plane about a final snapshot before the instance is dropped', async () => {
    await takeSnapshot('s1');
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    await tokyo.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'bdr-rt-1', FinalDBSnapshotIdentifier: 'bdr-rt-1-final' }));
    expect(plane.calls.slice(-2)).toEqual([
      ['snapshotCreated', { region: TOKYO, snapshotId: 'bdr-rt-1-final', instanceId: 'bdr-rt-1' }],
      ['instanceDeleted', { region: TOKYO, instanceId: 'bdr-rt-1' }],
    ]);
    expect(rds.snapshots(TOKYO).find((s) => s.id === 'bdr-rt-1-final')).toMatchObject({ status: 'available' });
  });
});

describe('the restore-test steps against the stand-in', () => {
  const policy = teamPolicy();
  const SOURCE = policy.resources.databases[0]!.instanceId;

  beforeEach(() => {
    rds.addInstance(TOKYO, { id: SOURCE, backupRetentionPeriod: 35, dbName: 'app' });
  });

  const deps = () => ({ policy, rds: singapore, log: new RecordingLog(), now: () => clock.now() });

  it('plans a PITR test, restores, waits for available, tears down, and tolerates every retry', async () => {
    await singapore.send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: dbArn(TOKYO, SOURCE), KmsKeyId: 'alias/backup-dr' }));
    minutes(120);
    const plan = await planRestoreTest({ policy, rds: { primary: tokyo, secondary: singapore }, now: () => clock.now(), random: () => 0, role: 'secondary' }, 'pitr', {});
    expect(plan).toMatchObject({ kind: 'pitr', region: SINGAPORE, restorePoint: clock.now() - 15 * MINUTE_MS });

    await expect(startRestore(deps(), plan)).resolves.toMatchObject({ alreadyExisted: false });
    await expect(startRestore(deps(), plan)).resolves.toMatchObject({ alreadyExisted: true });
    await expect(checkRestoredInstance(deps(), plan)).rejects.toBeInstanceOf(RestoreNotReady);
    minutes(15);
    await expect(checkRestoredInstance(deps(), plan)).resolves.toMatchObject({ address: expect.stringContaining(plan.instanceId), port: 5432, database: 'app' });

    await expect(teardownRestore(deps(), plan)).resolves.toEqual({ deleted: true, detail: `${plan.instanceId} deleted` });
    await expect(teardownRestore(deps(), plan)).resolves.toEqual({ deleted: true, detail: `${plan.instanceId} is already being deleted` });
    await expect(checkRestoredInstance(deps(), plan)).rejects.toBeInstanceOf(RestoreFailed);
    minutes(5);
    await expect(teardownRestore(deps(), plan)).resolves.toMatchObject({ deleted: false });
  });

  it('reports a restore the data plane failed as RestoreFailed', async () => {
    const plane = new ScriptedPlane();
    plane.restore = () => Promise.reject(new Error('restore broke'));
    setUp({ dataPlane: plane });
    rds.addInstance(TOKYO, { id: SOURCE, backupRetentionPeriod: 35 });
    await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: SOURCE, DBSnapshotIdentifier: 'snap-1' }));
    const plan: RestorePlan = {
      runId: 'bdr-rt-app-db-1',
      kind: 'snapshot',
      resource: policy.resources.databases[0]!.name,
      role: 'primary',
      region: TOKYO,
      snapshotId: 'snap-1',
      snapshotArn: snapArn(TOKYO, 'snap-1'),
      restorePoint: START,
      sourceInstanceId: SOURCE,
      instanceId: 'bdr-rt-app-db-1',
      instanceClass: 'db.t4g.micro',
      securityGroups: [],
      credentialsSecret: 'x',
      plannedAt: START,
      waitUntil: START + 3 * 3_600_000,
    };
    const here = { ...deps(), rds: tokyo };
    await startRestore(here, plan);
    await expect(checkRestoredInstance(here, plan)).rejects.toThrow(/is "failed"/);
    await expect(teardownRestore(here, plan)).resolves.toMatchObject({ deleted: true });
  });
});

describe('systemClock', () => {
  it('follows Date.now() and refuses to be set or advanced', () => {
    const real = systemClock();
    const before = Date.now();
    const now = real.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(() => real.set(now + 1)).toThrow(/cannot be set/);
    expect(() => real.advance(1)).toThrow(/cannot be advanced/);
  });

  it('drives the stand-in in real time: with zero durations, restores are available at once', async () => {
    rds.restore();
    rds = new RdsStandIn({ clock: systemClock(), snapshotMinutes: 0, restoreMinutes: 0, deleteMinutes: 0 });
    rds.install();
    rds.addInstance(TOKYO, { id: 'app-db', endpoint: { address: 'db.local', port: 5433 }, dbName: 'app' });
    expect(await describeInstance(tokyo, 'app-db')).toMatchObject({ Endpoint: { Address: 'db.local', Port: 5433 }, DBName: 'app' });
    await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-db', DBSnapshotIdentifier: 's1' }));
    await restoreFromSnapshot(tokyo, 'bdr-rt-1', 's1');
    expect((await describeInstance(tokyo, 'bdr-rt-1')).DBInstanceStatus).toBe('available');
    await deleteInstance(tokyo, 'bdr-rt-1');
    await expect(describeInstance(tokyo, 'bdr-rt-1')).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
  });
});
