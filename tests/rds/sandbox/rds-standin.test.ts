import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DBSnapshotAlreadyExistsFault,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  KMSKeyNotAccessibleFault,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RDSServiceException,
  RemoveTagsFromResourceCommand,
  SnapshotQuotaExceededFault,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClock, DAY_MS, MINUTE_MS, type ManualClock } from '../../../sandbox/aws/clock.js';
import { RdsStandIn, type RdsStandInOptions } from '../../../sandbox/aws/rds-standin.js';

import { ACCOUNT, DB_ARN, DR_KEY, SINGAPORE, snapArn, START, TOKYO } from '../helpers/standin-fixtures.js';

let clock: ManualClock;
let rds: RdsStandIn;
let tokyo: RDSClient;
let singapore: RDSClient;

const setUp = (options: Omit<RdsStandInOptions, 'clock'> = {}) => {
  rds.restore();
  clock = createClock(START);
  rds = new RdsStandIn({ clock, ...options });
  rds.install();
  rds.addInstance(TOKYO, { id: 'app-db', tags: [{ Key: 'team', Value: 'core' }] });
  rds.addKmsKey(SINGAPORE, 'alias/backup-dr', DR_KEY);
};

beforeEach(() => {
  rds = new RdsStandIn({ clock: createClock(START) });
  setUp();
  tokyo = new RDSClient({ region: TOKYO });
  singapore = new RDSClient({ region: SINGAPORE });
});

afterEach(() => rds.restore());

const minutes = (n: number) => clock.advance(n * MINUTE_MS);

const takeSnapshot = async (id: string, instance = 'app-db') =>
  (await tokyo.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instance, DBSnapshotIdentifier: id, Tags: [{ Key: 'backup-dr', Value: 'daily' }] }))).DBSnapshot!;

const describeOne = async (client: RDSClient, id: string): Promise<DBSnapshot> =>
  (await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0]!;

const copyToSingapore = (id: string, target = id, extra: Partial<ConstructorParameters<typeof CopyDBSnapshotCommand>[0]> = {}) =>
  singapore.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: snapArn(TOKYO, id), TargetDBSnapshotIdentifier: target, KmsKeyId: 'alias/backup-dr', ...extra }));

describe('snapshot lifecycle', () => {
  it('creates a manual snapshot that is creating, without SnapshotCreateTime, until snapshotMinutes pass on the clock', async () => {
    const created = await takeSnapshot('app-db-2026-11-25');
    expect(created).toMatchObject({
      DBSnapshotIdentifier: 'app-db-2026-11-25',
      DBSnapshotArn: snapArn(TOKYO, 'app-db-2026-11-25'),
      DBInstanceIdentifier: 'app-db',
      SnapshotType: 'manual',
      Status: 'creating',
      PercentProgress: 0,
      Engine: 'postgres',
      Encrypted: true,
      KmsKeyId: expect.stringMatching(new RegExp(`^arn:aws:kms:${TOKYO}:${ACCOUNT}:key/`)),
      TagList: [{ Key: 'backup-dr', Value: 'daily' }],
    });
    expect(created.SnapshotCreateTime).toBeUndefined();

    minutes(10);
    expect(await describeOne(tokyo, 'app-db-2026-11-25')).toMatchObject({ Status: 'creating', PercentProgress: 50 });
    minutes(10);
    const available = await describeOne(tokyo, 'app-db-2026-11-25');
    expect(available).toMatchObject({ Status: 'available', PercentProgress: 100, SnapshotCreateTime: new Date(START), OriginalSnapshotCreateTime: new Date(START) });
  });

  it('shows the instance backing-up while its snapshot is taken, and refuses a second snapshot meanwhile', async () => {
    await takeSnapshot('first');
    const instance = (await tokyo.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-db' }))).DBInstances![0]!;
    expect(instance.DBInstanceStatus).toBe('backing-up');
    await expect(takeSnapshot('second')).rejects.toMatchObject({ name: 'InvalidDBInstanceStateFault' });
    minutes(20);
    await expect(takeSnapshot('second')).resolves.toMatchObject({ Status: 'creating' });
  });

  it('answers a repeated request with DBSnapshotAlreadyExistsFault, also while the first is still creating', async () => {
    await takeSnapshot('app-db-2026-11-25');
    const again = takeSnapshot('app-db-2026-11-25');
    await expect(again).rejects.toBeInstanceOf(DBSnapshotAlreadyExistsFault);
    await expect(again).rejects.toMatchObject({ name: 'DBSnapshotAlreadyExistsFault', $fault: 'client' });
    minutes(30);
    await expect(takeSnapshot('APP-DB-2026-11-25')).rejects.toMatchObject({ name: 'DBSnapshotAlreadyExistsFault' });
  });

  it.each([
    ['a missing instance', 'no-such-db', 'ok-id', 'DBInstanceNotFoundFault'],
    ['an identifier with a colon', 'app-db', 'app-db-2026-11-25T02:00', 'InvalidParameterValue'],
    ['an identifier starting with a digit', 'app-db', '2026-11-25', 'InvalidParameterValue'],
    ['an identifier with two hyphens', 'app-db', 'app--db', 'InvalidParameterValue'],
  ])('rejects %s', async (_case, instance, id, name) => {
    await expect(takeSnapshot(id, instance)).rejects.toMatchObject({ name });
  });

  it('refuses to snapshot an instance that is not available', async () => {
    rds.setInstanceStatus(TOKYO, 'app-db', 'stopped');
    await expect(takeSnapshot('s1')).rejects.toMatchObject({
      name: 'InvalidDBInstanceStateFault',
      message: 'Cannot create a snapshot because the database instance app-db is not currently in the available state.',
    });
  });

  it('stops at the manual snapshot quota and counts it in DescribeAccountAttributes', async () => {
    setUp({ manualSnapshotQuota: 3 });
    rds.addInstance(TOKYO, { id: 'other-db' });
    for (const id of ['s1', 's2']) await takeSnapshot(id, 'other-db').then(() => minutes(20));
    await takeSnapshot('s3');
    const refused = takeSnapshot('s4', 'other-db');
    await expect(refused).rejects.toBeInstanceOf(SnapshotQuotaExceededFault);
    await expect(refused).rejects.toMatchObject({ message: 'Cannot create more than 3 manual snapshots' });

    const quotas = (await tokyo.send(new DescribeAccountAttributesCommand({}))).AccountQuotas!;
    expect(quotas).toContainEqual({ AccountQuotaName: 'ManualSnapshots', Used: 3, Max: 3 });
    expect(quotas).toContainEqual({ AccountQuotaName: 'DBInstances', Used: 2, Max: 40 });

    await tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }));
    await expect(takeSnapshot('s4', 'other-db')).resolves.toMatchObject({ Status: 'creating' });
  });
});

describe('cross-Region copy', () => {
  beforeEach(async () => {
    await takeSnapshot('app-db-2026-11-25');
    minutes(20);
  });

  it('copies into the calling Region, re-encrypted with the destination key, keeping the original time', async () => {
    const copyAt = clock.now();
    const copied = (await copyToSingapore('app-db-2026-11-25', 'app-db-2026-11-25', { Tags: [{ Key: 'copy', Value: 'dr' }], CopyTags: true })).DBSnapshot!;
    expect(copied).toMatchObject({
      DBSnapshotArn: snapArn(SINGAPORE, 'app-db-2026-11-25'),
      Status: 'creating',
      PercentProgress: 0,
      SourceDBSnapshotIdentifier: snapArn(TOKYO, 'app-db-2026-11-25'),
      SourceRegion: TOKYO,
      OriginalSnapshotCreateTime: new Date(START),
      KmsKeyId: DR_KEY,
      Encrypted: true,
      Engine: 'postgres',
      AllocatedStorage: 100,
      TagList: [{ Key: 'backup-dr', Value: 'daily' }, { Key: 'copy', Value: 'dr' }],
    });
    expect(copied.SnapshotCreateTime).toBeUndefined();

    minutes(59);
    expect(await describeOne(singapore, 'app-db-2026-11-25')).toMatchObject({ Status: 'creating', PercentProgress: 98 });
    minutes(1);
    expect(await describeOne(singapore, 'app-db-2026-11-25')).toMatchObject({
      Status: 'available',
      SnapshotCreateTime: new Date(copyAt),
      OriginalSnapshotCreateTime: new Date(START),
    });
    expect(rds.snapshots(SINGAPORE)).toEqual([expect.objectContaining({ id: 'app-db-2026-11-25', incremental: false, kmsKeyId: DR_KEY })]);
  });

  it('accepts the key by ARN, alias ARN or key id and reports the key ARN', async () => {
    await expect(copyToSingapore('app-db-2026-11-25', 'by-arn', { KmsKeyId: DR_KEY })).resolves.toMatchObject({ DBSnapshot: { KmsKeyId: DR_KEY } });
    const aliasArn = `arn:aws:kms:${SINGAPORE}:${ACCOUNT}:alias/backup-dr`;
    await expect(copyToSingapore('app-db-2026-11-25', 'by-alias-arn', { KmsKeyId: aliasArn })).resolves.toMatchObject({ DBSnapshot: { KmsKeyId: DR_KEY } });
    await expect(copyToSingapore('app-db-2026-11-25', 'by-key-id', { KmsKeyId: 'abcd-1234' })).resolves.toMatchObject({
      DBSnapshot: { KmsKeyId: `arn:aws:kms:${SINGAPORE}:${ACCOUNT}:key/abcd-1234` },
    });
  });

  it('requires a destination KMS key for an encrypted source', async () => {
    await expect(copyToSingapore('app-db-2026-11-25', 'x', { KmsKeyId: undefined })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Must specify new KMS key for cross region encrypted snapshot copy.',
    });
  });

  it.each([
    ['an alias the Region does not have', 'alias/nope'],
    ['a key ARN from the source Region', `arn:aws:kms:${TOKYO}:${ACCOUNT}:key/tokyo-key`],
    ['a denied key', 'alias/backup-dr'],
  ])('fails with KMSKeyNotAccessibleFault for %s', async (_case, keyId) => {
    rds.denyKmsKey(SINGAPORE, DR_KEY);
    const copy = copyToSingapore('app-db-2026-11-25', 'x', { KmsKeyId: keyId });
    await expect(copy).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await expect(copy).rejects.toMatchObject({ message: expect.stringContaining(`[${keyId}]`) });
  });

  it('rejects a missing, unfinished or duplicate source/target', async () => {
    await expect(copyToSingapore('nope')).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
    await takeSnapshot('not-yet');
    await expect(copyToSingapore('not-yet')).rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    await copyToSingapore('app-db-2026-11-25');
    await expect(copyToSingapore('app-db-2026-11-25')).rejects.toMatchObject({ name: 'DBSnapshotAlreadyExistsFault' });
  });

  it('copies within a Region by identifier, keeping the source key when none is given', async () => {
    const copied = (await tokyo.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'app-db-2026-11-25', TargetDBSnapshotIdentifier: 'local-copy' }))).DBSnapshot!;
    const source = await describeOne(tokyo, 'app-db-2026-11-25');
    expect(copied).toMatchObject({ KmsKeyId: source.KmsKeyId, SourceRegion: TOKYO, TagList: [] });
  });

  it('allows 20 cross-Region copies in flight per destination Region, then refuses with the copy-limit error', async () => {
    for (let i = 0; i < 21; i += 1) rds.seedSnapshot(TOKYO, { id: `seed-${i}`, instanceId: `db-${i}`, createdAt: START - DAY_MS });
    for (let i = 0; i < 20; i += 1) await copyToSingapore(`seed-${i}`);
    const refused = copyToSingapore('seed-20');
    await expect(refused).rejects.toBeInstanceOf(SnapshotQuotaExceededFault);
    await expect(refused).rejects.toMatchObject({ message: 'Cannot copy more than 20 snapshots across regions' });

    await expect(
      tokyo.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'seed-20', TargetDBSnapshotIdentifier: 'same-region' })),
    ).resolves.toMatchObject({ DBSnapshot: { Status: 'creating' } });
    minutes(60);
    await expect(copyToSingapore('seed-20')).resolves.toMatchObject({ DBSnapshot: { Status: 'creating' } });
  });

  it('queues copies of one database behind each other, and makes later cross-Region copies incremental', async () => {
    await copyToSingapore('app-db-2026-11-25', 'first');
    await copyToSingapore('app-db-2026-11-25', 'second');
    minutes(30);
    expect(await describeOne(singapore, 'second')).toMatchObject({ Status: 'creating', PercentProgress: 0 });
    minutes(30);
    expect(await describeOne(singapore, 'first')).toMatchObject({ Status: 'available' });
    minutes(15);
    expect(await describeOne(singapore, 'second')).toMatchObject({ Status: 'available' });
    expect(rds.snapshots(SINGAPORE).map((s) => [s.id, s.incremental])).toEqual([
      ['first', false],
      ['second', true],
    ]);
  });
});

describe('DescribeDBSnapshots', () => {
  const seed = (count: number) => {
    for (let i = 0; i < count; i += 1) rds.seedSnapshot(TOKYO, { id: `snap-${String(i).padStart(3, '0')}`, instanceId: 'app-db', createdAt: START - (count - i) * DAY_MS });
  };

  const listAll = async (client: RDSClient, input: ConstructorParameters<typeof DescribeDBSnapshotsCommand>[0]) => {
    const pages: string[][] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new DescribeDBSnapshotsCommand({ ...input, Marker: marker }));
      pages.push(page.DBSnapshots!.map((s) => s.DBSnapshotIdentifier!));
      marker = page.Marker;
    } while (marker);
    return pages;
  };

  it('pages with MaxRecords and Marker, in creation order, until no Marker comes back', async () => {
    seed(45);
    const pages = await listAll(tokyo, { SnapshotType: 'manual', MaxRecords: 20 });
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 45 }, (_, i) => `snap-${String(i).padStart(3, '0')}`));
  });

  it('uses the configured page size when MaxRecords is absent', async () => {
    setUp({ pageSize: 7 });
    seed(16);
    expect((await listAll(tokyo, { SnapshotType: 'manual' })).map((p) => p.length)).toEqual([7, 7, 2]);
  });

  it('resumes after the last record even when records are deleted between pages', async () => {
    seed(45);
    const first = await tokyo.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', MaxRecords: 20 }));
    await tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-005' }));
    const second = await tokyo.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', MaxRecords: 20, Marker: first.Marker }));
    expect(second.DBSnapshots![0]!.DBSnapshotIdentifier).toBe('snap-020');
  });

  it.each([10, 101])('rejects MaxRecords %i', async (max) => {
    await expect(tokyo.send(new DescribeDBSnapshotsCommand({ MaxRecords: max }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: `Invalid value ${max} for MaxRecords. Must be between 20 and 100`,
    });
  });

  it('finds one snapshot by identifier or ARN, and says DBSnapshotNotFoundFault for an unknown one', async () => {
    seed(1);
    expect((await describeOne(tokyo, snapArn(TOKYO, 'snap-000'))).DBSnapshotIdentifier).toBe('snap-000');
    await expect(tokyo.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'gone' }))).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
  });

  it('lists daily automated snapshots within the retention period unless SnapshotType is manual', async () => {
    setUp();
    rds.addInstance(TOKYO, { id: 'pitr-db', backupRetentionPeriod: 3, createdAt: START - 10 * DAY_MS });
    const all = (await tokyo.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'pitr-db' }))).DBSnapshots!;
    expect(all.map((s) => [s.DBSnapshotIdentifier, s.SnapshotType])).toEqual([
      ['rds:pitr-db-2026-11-22-17-00', 'automated'],
      ['rds:pitr-db-2026-11-23-17-00', 'automated'],
      ['rds:pitr-db-2026-11-24-17-00', 'automated'],
    ]);
    expect((await tokyo.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'pitr-db', SnapshotType: 'manual' }))).DBSnapshots).toEqual([]);
    await expect(tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rds:pitr-db-2026-11-24-17-00' }))).rejects.toMatchObject({
      name: 'InvalidDBSnapshotStateFault',
      message: 'automated snapshots cannot be deleted.',
    });
  });
});

describe('DeleteDBSnapshot', () => {
  it('refuses a snapshot still creating, then deletes it once available and forgets it', async () => {
    await takeSnapshot('s1');
    await expect(tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }))).rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    minutes(20);
    const deleted = await tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }));
    expect(deleted.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: 's1', Status: 'deleted' });
    await expect(tokyo.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 's1' }))).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
    await expect(tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }))).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
    expect(rds.history.map((h) => [h.action, h.id, h.at - START])).toEqual([
      ['create', 's1', 0],
      ['delete', 's1', 20 * MINUTE_MS],
    ]);
  });

  it('fails a copy whose source is deleted before the copy is available', async () => {
    await takeSnapshot('s1');
    minutes(20);
    await copyToSingapore('s1');
    await tokyo.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }));
    expect(await describeOne(singapore, 's1')).toMatchObject({ Status: 'failed' });
    expect(rds.history.at(-1)).toMatchObject({ action: 'copy-failed', region: SINGAPORE, id: 's1' });
    await expect(singapore.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }))).resolves.toBeDefined();
  });
});

describe('tags', () => {
  it('adds (overwriting by key), lists and removes tags on snapshots and instances by ARN', async () => {
    await takeSnapshot('s1');
    const arn = snapArn(TOKYO, 's1');
    await tokyo.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'backup-dr', Value: 'weekly' }, { Key: 'verified', Value: 'true' }] }));
    expect((await tokyo.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([
      { Key: 'backup-dr', Value: 'weekly' },
      { Key: 'verified', Value: 'true' },
    ]);
    await tokyo.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['verified', 'never-there'] }));
    expect((await describeOne(tokyo, 's1')).TagList).toEqual([{ Key: 'backup-dr', Value: 'weekly' }]);
    expect((await tokyo.send(new ListTagsForResourceCommand({ ResourceName: DB_ARN }))).TagList).toEqual([{ Key: 'team', Value: 'core' }]);
  });

  it.each([
    ['an unknown snapshot', snapArn(TOKYO, 'nope'), 'DBSnapshotNotFoundFault'],
    ['a snapshot ARN of another Region', snapArn(SINGAPORE, 's1'), 'DBSnapshotNotFoundFault'],
    ['an unknown instance', `arn:aws:rds:${TOKYO}:${ACCOUNT}:db:nope`, 'DBInstanceNotFoundFault'],
  ])('says not found for %s', async (_case, resourceName, name) => {
    await expect(tokyo.send(new ListTagsForResourceCommand({ ResourceName: resourceName }))).rejects.toMatchObject({ name });
  });

  it('rejects tag keys with the reserved aws: prefix', async () => {
    await expect(tokyo.send(new AddTagsToResourceCommand({ ResourceName: DB_ARN, Tags: [{ Key: 'aws:x', Value: '1' }] }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});

describe('instances and automated backups', () => {
  it('describes an instance with its PITR edge five minutes behind the clock', async () => {
    minutes(60);
    const [instance] = (await tokyo.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-db' }))).DBInstances!;
    expect(instance).toMatchObject({
      DBInstanceIdentifier: 'app-db',
      DBInstanceArn: DB_ARN,
      DBInstanceStatus: 'available',
      Engine: 'postgres',
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      LatestRestorableTime: new Date(clock.now() - 5 * MINUTE_MS),
    });
    await expect(tokyo.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' }))).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
    expect((await singapore.send(new DescribeDBInstancesCommand({}))).DBInstances).toEqual([]);
  });

  it('replicates automated backups to the destination Region: pending, then replicating with a lagging restore window', async () => {
    const started = await singapore.send(
      new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: DB_ARN, KmsKeyId: 'alias/backup-dr', BackupRetentionPeriod: 7 }),
    );
    const backupArn = started.DBInstanceAutomatedBackup!.DBInstanceAutomatedBackupsArn!;
    expect(backupArn).toMatch(new RegExp(`^arn:aws:rds:${SINGAPORE}:${ACCOUNT}:auto-backup:ab-[a-z2-7]{26}$`));
    expect(started.DBInstanceAutomatedBackup).toMatchObject({ Status: 'pending', Region: TOKYO, DBInstanceArn: DB_ARN, KmsKeyId: DR_KEY });

    const [source] = (await tokyo.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-db' }))).DBInstances!;
    expect(source!.DBInstanceAutomatedBackupsReplications).toEqual([{ DBInstanceAutomatedBackupsArn: backupArn }]);

    minutes(120);
    const [replicated] = (await singapore.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceAutomatedBackupsArn: backupArn }))).DBInstanceAutomatedBackups!;
    expect(replicated).toMatchObject({
      Status: 'replicating',
      BackupRetentionPeriod: 7,
      RestoreWindow: { EarliestTime: new Date(START + 60 * MINUTE_MS), LatestTime: new Date(clock.now() - 10 * MINUTE_MS) },
    });
    const home = (await tokyo.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'app-db' }))).DBInstanceAutomatedBackups!;
    expect(home).toEqual([expect.objectContaining({ Status: 'active', Region: TOKYO })]);

    await expect(
      singapore.send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: DB_ARN, KmsKeyId: 'alias/backup-dr' })),
    ).rejects.toMatchObject({ name: 'InvalidDBInstanceAutomatedBackupStateFault' });

    rds.removeInstance(TOKYO, 'app-db');
    expect(rds.replications()).toEqual([expect.objectContaining({ status: 'retained', destinationRegion: SINGAPORE })]);
  });

  it.each([
    ['the source Region itself', () => tokyo, { SourceDBInstanceArn: DB_ARN, KmsKeyId: 'alias/aws/rds' }, 'InvalidParameterValue'],
    ['an encrypted source without a key', () => singapore, { SourceDBInstanceArn: DB_ARN }, 'InvalidParameterValue'],
    ['a missing source', () => singapore, { SourceDBInstanceArn: `arn:aws:rds:${TOKYO}:${ACCOUNT}:db:nope`, KmsKeyId: 'alias/backup-dr' }, 'DBInstanceNotFoundFault'],
  ])('refuses to replicate to %s', async (_case, client, input, name) => {
    await expect(client().send(new StartDBInstanceAutomatedBackupsReplicationCommand(input))).rejects.toMatchObject({ name });
  });

  it('refuses to replicate an instance without automated backups', async () => {
    rds.addInstance(TOKYO, { id: 'no-backups', backupRetentionPeriod: 0, kmsKeyId: null });
    const arn = `arn:aws:rds:${TOKYO}:${ACCOUNT}:db:no-backups`;
    await expect(singapore.send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: arn }))).rejects.toMatchObject({
      name: 'InvalidDBInstanceStateFault',
    });
  });
});

describe('faults and wiring', () => {
  it('throttles a command a given number of times, with no SDK retry in between', async () => {
    rds.faults.throttle('DescribeDBSnapshots', 2);
    const call = () => tokyo.send(new DescribeDBSnapshotsCommand({}));
    for (let i = 0; i < 2; i += 1) {
      const error: unknown = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RDSServiceException);
      expect(error).toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } });
    }
    await expect(call()).resolves.toHaveProperty('DBSnapshots');
    expect(rds.mock.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(3);
  });

  it('throttles always until cleared, and failNext injects one named error', async () => {
    rds.faults.throttle('CreateDBSnapshotCommand', 'always');
    await expect(takeSnapshot('s1')).rejects.toMatchObject({ name: 'Throttling' });
    await expect(takeSnapshot('s1')).rejects.toMatchObject({ name: 'Throttling' });
    rds.faults.clear();
    rds.faults.failNext('CreateDBSnapshot', 'SnapshotQuotaExceededFault', 'Cannot create more than 100 manual snapshots');
    rds.faults.failNext('CreateDBSnapshot', 'InternalFailure');
    await expect(takeSnapshot('s1')).rejects.toBeInstanceOf(SnapshotQuotaExceededFault);
    await expect(takeSnapshot('s1')).rejects.toMatchObject({ name: 'InternalFailure' });
    await expect(takeSnapshot('s1')).resolves.toMatchObject({ Status: 'creating' });
  });

  it('keeps copies into a Region creating until the stuck time, then lets them finish', async () => {
    await takeSnapshot('s1');
    minutes(20);
    rds.faults.stickCopies(SINGAPORE, clock.now() + 6 * 60 * MINUTE_MS);
    await copyToSingapore('s1');
    minutes(5 * 60);
    expect(await describeOne(singapore, 's1')).toMatchObject({ Status: 'creating', PercentProgress: 99 });
    minutes(60);
    expect(await describeOne(singapore, 's1')).toMatchObject({ Status: 'available' });
  });

  it('answers each client from its own Region, also for concurrent calls', async () => {
    rds.addInstance(SINGAPORE, { id: 'dr-db', kmsKeyId: 'alias/backup-dr' });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? tokyo : singapore).send(new DescribeDBInstancesCommand({}))),
    );
    expect(results.map((r) => r.DBInstances![0]!.DBInstanceIdentifier)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'app-db' : 'dr-db')));
    expect(results[0]!.$metadata.httpStatusCode).toBe(200);
  });

  it('fails loudly on a command it does not model', async () => {
    await expect(
      tokyo.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-db', DeletionProtection: true })),
    ).rejects.toMatchObject({ name: 'UnmodelledCommand', message: expect.stringContaining('ModifyDBInstanceCommand') });
  });

  it('hands out copies of its state, never references a caller could mutate', async () => {
    const created = await takeSnapshot('s1');
    created.TagList!.push({ Key: 'mutated', Value: 'yes' });
    expect((await describeOne(tokyo, 's1')).TagList).toEqual([{ Key: 'backup-dr', Value: 'daily' }]);
  });

  it('refuses to move the clock backwards', () => {
    expect(() => clock.set(START - 1)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
