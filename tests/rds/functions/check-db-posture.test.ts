import {
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDbPosture } from '../../../functions/rds/check-db-posture/check-db-posture.js';
import { ACCOUNT, copyOf, ourTags, PRIMARY, primarySnapshot, scheduledTags, SECONDARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const primary = new RDSClient({ region: PRIMARY });
const secondary = new RDSClient({ region: SECONDARY });
const primaryMock = mockClient(primary);
const secondaryMock = mockClient(secondary);
const kmsClients: Record<string, KMSClient> = { [PRIMARY]: new KMSClient({ region: PRIMARY }), [SECONDARY]: new KMSClient({ region: SECONDARY }) };
const kmsMocks: Record<string, AwsClientStub<KMSClient>> = { [PRIMARY]: mockClient(kmsClients[PRIMARY]!), [SECONDARY]: mockClient(kmsClients[SECONDARY]!) };
const KEY_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
/** Both regions' backup keys: customer managed, rotating every 90 days. */
function rotatingKeys(): void {
  for (const mock of Object.values(kmsMocks)) {
    mock.reset();
    mock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, KeyManager: 'CUSTOMER' } });
    mock.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
  }
}
const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const MIN = 60_000;
const INSTANCE_ARN = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:app-db-prod`;

const healthyInstance: DBInstance = {
  DBInstanceIdentifier: 'app-db-prod',
  DBInstanceArn: INSTANCE_ARN,
  DBInstanceStatus: 'available',
  BackupRetentionPeriod: 35,
  StorageEncrypted: true,
  LatestRestorableTime: new Date(NOW - 5 * MIN),
  DBInstanceAutomatedBackupsReplications: [{ DBInstanceAutomatedBackupsArn: `arn:aws:rds:${SECONDARY}:${ACCOUNT}:auto-backup:ab-1` }],
};
const source = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-25T02:00:00+09:00', {}, scheduledTags('app-db', '2026-11-25T02:00:00+09:00'));
const verifiedCopy = copyOf(source, '2026-11-25T03:00:00+09:00', {}, { 'backup-dr:verified-at': '2026-11-25T04:00:00+09:00' });

function given(instance: DBInstance | null, options: { replicatedLatest?: number | null; copies?: typeof verifiedCopy[]; used?: number } = {}) {
  if (instance === null) primaryMock.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('DBInstance app-db-prod not found'), { name: 'DBInstanceNotFoundFault' }));
  else primaryMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance] });
  const latest = options.replicatedLatest === undefined ? NOW - 10 * MIN : options.replicatedLatest;
  secondaryMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
    DBInstanceAutomatedBackups: latest === null ? [] : [{ DBInstanceArn: INSTANCE_ARN, DBInstanceIdentifier: 'app-db-prod', Status: 'replicating', RestoreWindow: { EarliestTime: new Date(NOW - 86_400_000), LatestTime: new Date(latest) } }],
  });
  secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: options.copies ?? [verifiedCopy] });
  primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [source] });
  const quota = { AccountQuotas: [{ AccountQuotaName: 'ManualSnapshots', Used: options.used ?? 57, Max: 100 }] };
  primaryMock.on(DescribeAccountAttributesCommand).resolves(quota);
  secondaryMock.on(DescribeAccountAttributesCommand).resolves(quota);
  secondaryMock.on(StartDBInstanceAutomatedBackupsReplicationCommand).resolves({});
}

function run(policy = teamPolicy()) {
  const alerts = new RecordingAlerts();
  return { alerts, result: checkDbPosture({ policy, primary, secondary, kms: (region) => kmsClients[region]!, stage: 'test', alerts, log: new RecordingLog(), now: () => NOW }) };
}

describe('check-db-posture', () => {
  beforeEach(() => {
    rotatingKeys();
    primaryMock.reset();
    secondaryMock.reset();
  });

  it('reports the RPO figures of a healthy setup and raises nothing', async () => {
    given(healthyInstance);
    const { result, alerts } = run();
    const report = await result;
    expect(report.databases).toEqual([
      { resource: 'app-db', figures: { primaryPitrLag: 5 * MIN, secondaryPitrLag: 10 * MIN, newestVerifiedCopyAge: 7 * 3_600_000 }, findings: [] },
    ]);
    expect(report.quota).toEqual([
      { region: PRIMARY, used: 57, max: 100, ours: 1 },
      { region: SECONDARY, used: 57, max: 100, ours: 1 },
    ]);
    // Listed and matched on the source ARN: DBInstanceIdentifier must name an instance of the region asked (none in the secondary).
    expect(secondaryMock).toHaveReceivedCommandWith(DescribeDBInstanceAutomatedBackupsCommand, { MaxRecords: 100 });
    expect(secondaryMock.commandCalls(DescribeDBInstanceAutomatedBackupsCommand)[0]?.args[0].input.DBInstanceIdentifier).toBeUndefined();
    expect(alerts.published).toEqual([]);
  });

  it.each([
    { name: 'automated backups off', instance: { ...healthyInstance, BackupRetentionPeriod: 0 }, opts: {}, check: 'automated-backups', severity: 'critical', summary: /automated backups are OFF/ },
    { name: 'retention shorter than the policy', instance: { ...healthyInstance, BackupRetentionPeriod: 7 }, opts: {}, check: 'automated-backups', severity: 'warning', summary: /retention is 7 days .* policy wants 35/ },
    { name: 'PITR lagging in the primary', instance: { ...healthyInstance, LatestRestorableTime: new Date(NOW - 40 * MIN) }, opts: {}, check: 'rpo-primary', severity: 'critical', summary: /PITR lags 40 min behind in the primary region \(target 15 min\)/ },
    { name: 'cross-region PITR lagging', instance: healthyInstance, opts: { replicatedLatest: NOW - 25 * MIN }, check: 'rpo-secondary', severity: 'critical', summary: /cross-region PITR lags 25 min/ },
    { name: 'replication off', instance: healthyInstance, opts: { replicatedLatest: null }, check: 'replication', severity: 'critical', summary: /not replicated to the secondary region/ },
    { name: 'no verified copy', instance: healthyInstance, opts: { copies: [] }, check: 'copies', severity: 'warning', summary: /no verified snapshot copy/, also: ['copy-backlog'] },
    { name: 'a stale verified copy', instance: healthyInstance, opts: { copies: [copyOf(primarySnapshot('backup-dr-app-db-20261122-0200', '2026-11-22T02:00:00+09:00'), '2026-11-22T03:00:00+09:00', {}, { 'backup-dr:verified-at': 'x' })] }, check: 'copies', severity: 'critical', summary: /newest verified copy .* is 79.0 h old \(limit 48.0 h\)/, also: ['copy-backlog'] },
    { name: 'a missing instance', instance: null, opts: {}, check: 'instance', severity: 'critical', summary: /DB instance app-db-prod not found/ },
  ])('finds $name and alerts it', async ({ instance, opts, check, severity, summary, also }: { instance: DBInstance | null; opts: object; check: string; severity: string; summary: RegExp; also?: string[] }) => {
    given(instance, opts);
    const { result, alerts } = run();
    const [db] = (await result).databases;
    expect(db?.findings.map((f) => f.check)).toEqual([check, ...(also ?? [])]);
    expect(db?.findings[0]).toEqual(expect.objectContaining({ check, severity, summary: expect.stringMatching(summary) }));
    expect(alerts.published[0]).toEqual(expect.objectContaining({ kind: 'posture', resource: 'app-db', severity, source: 'check-db-posture', details: { check } }));
    expect(alerts.published).toHaveLength(1 + (also?.length ?? 0));
  });

  it('raises a copy backlog when snapshots hours old have no verified copy, and a prune backlog when expired snapshots remain', async () => {
    // October 6th is neither the newest of its week or month nor the oldest snapshot: the policy removes it.
    const october = ['01', '06', '07'].map((day) => primarySnapshot(`backup-dr-app-db-202610${day}-0200`, `2026-10-${day}T02:00:00+09:00`, {}, scheduledTags('app-db', `2026-10-${day}T02:00:00+09:00`)));
    const octoberCopies = october.map((s) => copyOf(s, new Date((s.SnapshotCreateTime?.getTime() ?? 0) + 3_600_000).toISOString(), {}, { 'backup-dr:verified-at': 'x' }));
    given(healthyInstance, { copies: [verifiedCopy, ...octoberCopies] });
    const older = primarySnapshot('backup-dr-app-db-20261124-0200', '2026-11-24T02:00:00+09:00', {}, scheduledTags('app-db', '2026-11-24T02:00:00+09:00'));
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [source, older, ...october] });
    const { result } = run();
    const [db] = (await result).databases;
    expect(db?.findings).toEqual([
      expect.objectContaining({ check: 'copy-backlog', summary: `1 snapshot(s) older than 6 h have no verified copy in ${SECONDARY} (oldest backup-dr-app-db-20261124-0200)` }),
      expect.objectContaining({ check: 'prune-backlog', summary: `1 snapshot(s) in ${PRIMARY} are past their retention but still exist` }),
      expect.objectContaining({ check: 'prune-backlog', summary: `1 snapshot(s) in ${SECONDARY} are past their retention but still exist` }),
    ]);
  });

  it('raises a missed backup when the latest scheduled run produced no snapshot (a job that never ran)', async () => {
    given(healthyInstance);
    const yesterday = primarySnapshot('backup-dr-app-db-20261124-0200', '2026-11-24T02:00:00+09:00', {}, scheduledTags('app-db', '2026-11-24T02:00:00+09:00'));
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [yesterday] });
    const { result, alerts } = run();
    const [db] = (await result).databases;
    expect(db?.findings).toContainEqual(expect.objectContaining({ check: 'missed-backup', severity: 'critical', summary: 'no snapshot of app-db-prod for the run scheduled at 2026-11-25 02:00 (Asia/Tokyo)' }));
    expect(alerts.published.map((a) => a.details?.check)).toContain('missed-backup');
  });

  it('leaves starting an enforced replication to replicate-db-backups: a warning, and nothing changed', async () => {
    given(healthyInstance, { replicatedLatest: null });
    const { result, alerts } = run(teamPolicy((d) => { d.resources.databases[0].automatedBackups.enforce = true; }));
    const [db] = (await result).databases;
    expect(secondaryMock).not.toHaveReceivedCommand(StartDBInstanceAutomatedBackupsReplicationCommand);
    expect(primaryMock).not.toHaveReceivedCommand(StartDBInstanceAutomatedBackupsReplicationCommand);
    expect(db?.findings).toEqual([expect.objectContaining({ check: 'replication', severity: 'warning' })]);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'warning', region: SECONDARY, summary: 'automated-backup replication of app-db-prod is off; replicate-db-backups starts it (enforce: true)' })]);
  });

  it('reports missing replication as critical when the policy does not enforce it', async () => {
    given(healthyInstance, { replicatedLatest: null });
    const { result, alerts } = run();
    await result;
    expect(secondaryMock).not.toHaveReceivedCommand(StartDBInstanceAutomatedBackupsReplicationCommand);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'critical', details: { check: 'replication' } })]);
  });

  it('warns above 80 % of the manual-snapshot quota and is critical at the quota', async () => {
    given(healthyInstance, { used: 85 });
    const { result, alerts } = run();
    await result;
    expect(alerts.published.map((a) => [a.region, a.severity, a.summary])).toEqual([
      [PRIMARY, 'warning', `85 of 100 manual DB snapshots used in ${PRIMARY} (85 %)`],
      [SECONDARY, 'warning', `85 of 100 manual DB snapshots used in ${SECONDARY} (85 %)`],
    ]);
    primaryMock.reset();
    secondaryMock.reset();
    given(healthyInstance, { used: 100 });
    const second = run();
    await second.result;
    expect(second.alerts.published.map((a) => a.severity)).toEqual(['critical', 'critical']);
  });

  it('reports snapshots of ours that belong to no database of the policy, in each region, and never deletes them', async () => {
    const renamed = primarySnapshot('backup-dr-old-db-20260101-0200', '2026-01-01T02:00:00+09:00', {}, ourTags('old-db'));
    given(healthyInstance);
    primaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [source, renamed] });
    secondaryMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [verifiedCopy, copyOf(renamed, '2026-01-01T03:00:00+09:00')] });
    const { result, alerts } = run();
    await result;
    const orphaned = alerts.published.filter((a) => a.details?.check === 'orphaned-snapshots');
    expect(orphaned.map((a) => a.region)).toEqual([PRIMARY, SECONDARY]);
    expect(orphaned[0]).toMatchObject({
      severity: 'warning',
      resource: 'orphaned-snapshots',
      summary: '1 snapshot(s) of ours in ap-northeast-1 belong to no database of the policy (old-db); oldest backup-dr-old-db-20260101-0200 from 2026-01-01 02:00 (1 % of the manual-snapshot quota)',
    });
    expect(primaryMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
  });

  describe('KMS key rotation (each region\'s backup key, at most every 90 days)', () => {
    const rotation = async () => {
      const { result, alerts } = run();
      await result;
      return alerts.published.filter((a) => a.details?.check === 'key-rotation').map((a) => [a.region, a.resource, a.severity, a.summary]);
    };

    it('resolves the key by DescribeKey (GetKeyRotationStatus takes no alias) and finds nothing when it rotates every 90 days', async () => {
      given(healthyInstance);
      expect(await rotation()).toEqual([]);
      for (const region of [PRIMARY, SECONDARY]) {
        expect(kmsMocks[region]!.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: 'alias/backup-dr-test' }]);
        expect(kmsMocks[region]!.commandCalls(GetKeyRotationStatusCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY_ID }]);
      }
    });

    it('is critical when rotation is off, a warning when it rotates less often than every 90 days or the key is AWS managed', async () => {
      given(healthyInstance);
      kmsMocks[PRIMARY]!.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false });
      kmsMocks[SECONDARY]!.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
      expect(await rotation()).toEqual([
        [PRIMARY, 'backup-key', 'critical', `KMS key alias/backup-dr-test in ${PRIMARY}: automatic rotation is OFF (policy: every 90 days)`],
        [SECONDARY, 'backup-key', 'warning', `KMS key alias/backup-dr-test in ${SECONDARY} rotates every 365 days: the policy wants at most 90`],
      ]);
      rotatingKeys();
      kmsMocks[SECONDARY]!.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, KeyManager: 'AWS' } });
      expect((await rotation()).map((r) => r[3])).toEqual([`KMS key alias/backup-dr-test in ${SECONDARY} is AWS managed: AWS rotates it yearly, not every 90 days`]);
      expect(kmsMocks[SECONDARY]!.commandCalls(GetKeyRotationStatusCommand)).toEqual([]);
    });

    it('a status it may not read is a warning naming the permission, and the rest of the posture is still judged', async () => {
      given(healthyInstance);
      kmsMocks[PRIMARY]!.on(GetKeyRotationStatusCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      const findings = await rotation();
      expect(findings).toEqual([[PRIMARY, 'backup-key', 'warning', `KMS key alias/backup-dr-test in ${PRIMARY}: its rotation cannot be read (AccessDeniedException)`]]);
    });
  });
});
