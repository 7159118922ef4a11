import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { replicateDbBackups } from '../../../functions/rds/replicate-db-backups/replicate-db-backups.js';
import { RunFailed } from '../../../shared/errors.js';
import { ACCOUNT, PRIMARY, SECONDARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const primary = new RDSClient({ region: PRIMARY });
const secondary = new RDSClient({ region: SECONDARY });
const primaryMock = mockClient(primary);
const secondaryMock = mockClient(secondary);
const kms = new KMSClient({ region: SECONDARY });
const kmsMock = mockClient(kms);
const KEY_ARN = `arn:aws:kms:${SECONDARY}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const INSTANCE_ARN = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:app-db-prod`;
const instance: DBInstance = { DBInstanceIdentifier: 'app-db-prod', DBInstanceArn: INSTANCE_ARN, BackupRetentionPeriod: 35, StorageEncrypted: true };
const enforced = (change?: (db: Record<string, any>) => void) => teamPolicy((d) => {
  d.resources.databases[0].automatedBackups.enforce = true;
  change?.(d.resources.databases[0]);
});

function given(found: DBInstance | null, replicating: boolean) {
  if (found === null) primaryMock.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' }));
  else primaryMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [found] });
  // Listed in the secondary region and matched on the source's ARN (other databases' backups are there too).
  const other = { DBInstanceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:billing-db-prod`, DBInstanceIdentifier: 'billing-db-prod', Status: 'replicating' };
  secondaryMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: replicating ? [other, { DBInstanceArn: INSTANCE_ARN, DBInstanceIdentifier: 'app-db-prod', Status: 'replicating' }] : [other] });
  kmsMock.on(DescribeKeyCommand, { KeyId: 'alias/backup-dr-prod' }).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN } });
  secondaryMock.on(StartDBInstanceAutomatedBackupsReplicationCommand).resolves({});
}

function run(policy = enforced()) {
  const alerts = new RecordingAlerts();
  return { alerts, result: replicateDbBackups({ policy, primary, secondary, kms, key: 'alias/backup-dr-prod', alerts, log: new RecordingLog(), now: () => NOW }) };
}

describe('replicate-db-backups', () => {
  beforeEach(() => {
    primaryMock.reset();
    secondaryMock.reset();
    kmsMock.reset();
  });

  it('starts replication in the secondary region, re-encrypted with its key named by ARN, when the policy enforces it and none is active', async () => {
    given(instance, false);
    const { result, alerts } = run();
    expect(await result).toEqual([{ resource: 'app-db', outcome: 'started', detail: `replication of app-db-prod to ${SECONDARY} started` }]);
    expect(secondaryMock).toHaveReceivedCommandTimes(StartDBInstanceAutomatedBackupsReplicationCommand, 1);
    expect(secondaryMock).toHaveReceivedCommandWith(StartDBInstanceAutomatedBackupsReplicationCommand, { SourceDBInstanceArn: INSTANCE_ARN, BackupRetentionPeriod: 35, KmsKeyId: KEY_ARN });
    // Found by the source's ARN, never by DBInstanceIdentifier (which must name an instance in the region asked).
    expect(secondaryMock.commandCalls(DescribeDBInstanceAutomatedBackupsCommand).every((c) => c.args[0].input.DBInstanceIdentifier === undefined)).toBe(true);
    expect(primaryMock).not.toHaveReceivedCommand(StartDBInstanceAutomatedBackupsReplicationCommand);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'warning', region: SECONDARY, summary: 'automated-backup replication of app-db-prod was off; started it (enforce: true)' })]);
  });

  it('asks for no key for an unencrypted instance, and the policy’s retention', async () => {
    given({ ...instance, StorageEncrypted: false }, false);
    await run(enforced((db) => { db.automatedBackups.retentionDays = 14; })).result;
    const input = secondaryMock.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)[0]?.args[0].input;
    expect(input).toEqual({ SourceDBInstanceArn: INSTANCE_ARN, BackupRetentionPeriod: 14 });
  });

  it.each([
    { why: 'replication is already active', found: instance, replicating: true, detail: 'already replicating' },
    { why: 'automated backups are off', found: { ...instance, BackupRetentionPeriod: 0 }, replicating: false, detail: 'automated backups are off on app-db-prod: nothing to replicate (check-db-posture reports it)' },
    { why: 'the instance does not exist', found: null, replicating: false, detail: 'DB instance app-db-prod not found (check-db-posture reports it)' },
  ])('changes nothing when $why', async ({ found, replicating, detail }) => {
    given(found, replicating);
    const { result, alerts } = run();
    expect(await result).toEqual([{ resource: 'app-db', outcome: 'skipped', detail }]);
    expect(secondaryMock).not.toHaveReceivedCommand(StartDBInstanceAutomatedBackupsReplicationCommand);
    expect(alerts.published).toEqual([]);
  });

  it('looks at nothing for a database whose policy does not enforce replication', async () => {
    given(instance, false);
    expect(await run(teamPolicy()).result).toEqual([]);
    expect(primaryMock.calls()).toHaveLength(0);
    expect(secondaryMock.calls()).toHaveLength(0);
  });

  it('alerts and fails the run when RDS refuses to start it', async () => {
    given(instance, false);
    secondaryMock.on(StartDBInstanceAutomatedBackupsReplicationCommand).rejects(Object.assign(new Error('key is disabled'), { name: 'KMSKeyNotAccessibleFault' }));
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published).toEqual([
      expect.objectContaining({ severity: 'critical', summary: 'could not start automated-backup replication of app-db-prod: KMSKeyNotAccessibleFault', action: expect.stringContaining('key is disabled') }),
    ]);
  });
});
