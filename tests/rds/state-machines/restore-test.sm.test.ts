// Executions of the restore-test and pitr-test state machines from their ASL files, with every Task
// bound to the real handler (RDS, S3 and SNS answered by aws-sdk-client-mock) except validation,
// which is a fake here (it runs for real against PostgreSQL in the validation tests and the drill).

import {
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as plan } from '../../../functions/rds/restore-test-plan/handler.js';
import { handler as notify } from '../../../functions/rds/restore-test-notify/handler.js';
import { handler as record } from '../../../functions/rds/restore-test-record/handler.js';
import { handler as restore } from '../../../functions/rds/restore-test-restore/handler.js';
import { handler as status } from '../../../functions/rds/restore-test-status/handler.js';
import { handler as teardown } from '../../../functions/rds/restore-test-teardown/handler.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { RestoreFailed } from '../../../shared/rds/errors.js';
import type { RestoreRun, ValidationSummary } from '../../../shared/rds/restore-run.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { copyOf, ourTags, PRIMARY, primarySnapshot, SECONDARY } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';
import { restoreTestDefinition } from '../../../state-machines/rds/restore-test.js';

const RESTORE_TEST = restoreTestDefinition('snapshot', teamPolicy());
const PITR_TEST = restoreTestDefinition('pitr', teamPolicy());
const NOW = Date.parse('2026-11-29T04:00:00+09:00');
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test';
const INSTANCE = 'bdr-rt-app-db-202611290400';

const snapshot = primarySnapshot('backup-dr-app-db-20261129-0200', '2026-11-29T02:00:00+09:00');
const verifiedCopy = copyOf(snapshot, '2026-11-29T03:00:00+09:00', {}, { 'backup-dr:verified-at': '2026-11-29T03:30:00+09:00' });
const restoredTags = [...ourTags('app-db').filter((t) => t.Key !== 'backup-dr:tier'), { Key: 'backup-dr:restore-test', Value: INSTANCE }];

function report(overrides: Partial<ValidationSummary> = {}): ValidationSummary {
  return {
    passed: true,
    checks: [
      { name: 'connectivity', status: 'passed', detail: 'PostgreSQL 16.4', durationMs: 30 },
      { name: 'schema', status: 'passed', detail: '2 tables present', durationMs: 5 },
      { name: 'row-counts', status: 'passed', detail: 'all counts match', durationMs: 40 },
    ],
    serverVersion: '16.4',
    newestData: Date.parse('2026-11-29T01:58:00+09:00'),
    startedAt: NOW + 20 * 60_000,
    finishedAt: NOW + 25 * 60_000,
    ...overrides,
  };
}

let validate: LocalTask;
const tasks = (): Record<string, LocalTask> => ({
  restoreTestPlan: asTask('restoreTestPlan', plan),
  restoreTestRestore: asTask('restoreTestRestore', restore),
  restoreTestStatus: asTask('restoreTestStatus', status),
  validateRestore: async (input) => validate(input),
  restoreTestTeardown: asTask('restoreTestTeardown', teardown),
  restoreTestRecord: asTask('restoreTestRecord', record),
  restoreTestNotify: asTask('restoreTestNotify', notify),
});

function evidence(): Record<string, any> {
  const body = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Body;
  if (typeof body !== 'string') throw new Error('no evidence written');
  return JSON.parse(body) as Record<string, any>;
}

describe('restore-test state machine', () => {
  beforeEach(() => {
    rdsMock.reset();
    s3Mock.reset();
    snsMock.reset();
    process.env.REPORTS_BUCKET = 'backup-dr-reports-test';
    const policy = teamPolicy();
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
    rdsMock.on(DescribeDBSnapshotsCommand).callsFake(async (_input, getClient) => {
      const region = await (getClient() as RDSClient).config.region();
      return { DBSnapshots: region === PRIMARY ? [snapshot] : [verifiedCopy] };
    });
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE })
      .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: restoredTags }] })
      .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: restoredTags }] })
      .resolves({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'available', Endpoint: { Address: 'bdr-rt.example.internal', Port: 5432 }, TagList: restoredTags }] });
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    validate = async () => report();
  });
  afterAll(() => setRuntime(undefined));

  it('restores the newest verified snapshot, waits, validates, deletes the instance, records the evidence and succeeds', async () => {
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(['Start', 'Plan', 'Restore', 'Wait for instance', 'Validate', 'Teardown', 'Record', 'Passed?', 'Passed']);
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      DBInstanceIdentifier: INSTANCE,
      DBSnapshotIdentifier: snapshot.DBSnapshotArn,
      DBInstanceClass: 'db.t4g.micro',
      DBSubnetGroupName: 'app-db-restore-test',
      VpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
      PubliclyAccessible: false,
      DeletionProtection: false,
    });
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).length).toBeGreaterThanOrEqual(3);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'backup-dr-reports-test', Key: `evidence/app-db/2026/11/${INSTANCE}.json` });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).not.toHaveProperty('ServerSideEncryption');
    const e = evidence();
    expect(e.verdict).toMatchObject({ passed: true, failures: [], rtoMs: 25 * 60_000, rpoMs: 2 * 60_000 });
    expect(e.restored).toMatchObject({ snapshotId: 'backup-dr-app-db-20261129-0200', instanceId: INSTANCE, restorePoint: '2026-11-29T02:00:00+09:00' });
    expect(e.checks.map((c: { name: string }) => c.name)).toEqual(['connectivity', 'schema', 'row-counts']);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it.each([
    { check: 'schema', detail: 'missing tables: public.orders' },
    { check: 'row-counts', detail: 'public.orders: expected 5000, found 4990' },
    { check: 'freshness', detail: 'newest data is 95 min older than the restore point (target 15 min)' },
    { check: 'amcheck', detail: 'index public.orders_pkey is corrupt' },
    { check: 'assertion:no order without a customer', detail: 'expected 0, got 3' },
  ])('fails on a failed $check check: tears down, records, alerts, ends failed', async ({ check, detail }) => {
    validate = async () => report({ passed: false, checks: [...report().checks, { name: check, status: 'failed', detail, durationMs: 3 }] });
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('RestoreTestFailed');
    expect(run.states.slice(-4)).toEqual(['Record', 'Passed?', 'Notify', 'Failed']);
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect(evidence().verdict.failures).toEqual([`check ${check} failed: ${detail}`]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, MessageAttributes: expect.objectContaining({ kind: { DataType: 'String', StringValue: 'restore-test-failed' } }) });
  });

  it('fails when the measured RTO misses its target even though every check passed', async () => {
    validate = async () => report({ finishedAt: NOW + 3 * 3_600_000 });
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(evidence().verdict.failures).toEqual(['RTO 180 min exceeds the target of 120 min']);
  });

  it('tears down and alerts when RDS refuses the restore', async () => {
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(Object.assign(new Error('The snapshot is encrypted with a key that is disabled'), { name: 'KMSKeyNotAccessibleFault' }));
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).rejects(Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' }));
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['Start', 'Plan', 'Restore', 'Restored anything?', 'Teardown', 'Record', 'Passed?', 'Notify', 'Failed']);
    expect(evidence().verdict.failures[0]).toMatch(/^RestoreFailed: RDS refused the restore: KMSKeyNotAccessibleFault/);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('gives up waiting after its retries, still deletes the instance, and says the restore timed out', async () => {
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: restoredTags }] });
    const budget = RESTORE_TEST.States['Wait for instance']?.Retry?.find((r) => r.ErrorEquals.includes('RestoreNotReady'))?.MaxAttempts;
    expect(budget).toBe(180 + 5); // restoreTest.timeout 3 h, polled every minute, and a few polls to spare
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    // The first attempt, every retry, and teardown's own look.
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).length).toBe(1 + 185 + 1);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE });
    expect(evidence().verdict.failures[0]).toMatch(/did not become available in time/);
  });

  it("stops waiting at the policy's restoreTest.timeout (RestoreTimedOut), deletes the instance, and says so", async () => {
    const policy = teamPolicy((d) => { d.resources.databases[0].restoreTest.timeout = '30min'; });
    let clock = NOW - 60_000;
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => (clock += 60_000) });
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: restoredTags }] });
    const definition = restoreTestDefinition('snapshot', policy);
    expect(definition.States['Wait for instance']?.Retry?.find((r) => r.ErrorEquals.includes('RestoreNotReady'))).toMatchObject({ IntervalSeconds: 60, MaxAttempts: 35, BackoffRate: 1 });
    expect(definition.TimeoutSeconds).toBe(30 * 60 + 2 * 3600);
    const run = await runLocally(definition, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    // A minute passes per call: Plan at NOW, the restore a minute later, then polls until past NOW + 30 min.
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).length).toBeLessThan(35);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE });
    expect(evidence().verdict.failures[0]).toMatch(/^the restored instance did not become available within restoreTest.timeout \(the restored instance bdr-rt-app-db-\d+ is still "creating" after 3\d min \(restoreTest.timeout: 30 min\)\)$/);
  });

  it('tears down when validation itself crashes, and alerts', async () => {
    validate = async () => {
      throw new RestoreFailed('connection reset');
    };
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('Teardown');
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('rejects bad input without restoring anything, and alerts', async () => {
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db', snapshot: 'latest', regoin: 'primary' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['Start', 'Plan', 'Restored anything?', 'Record', 'Passed?', 'Notify', 'Failed']);
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(evidence().verdict.failures[0]).toMatch(/^InvalidInput: regoin: unknown input field/);
  });

  it('alerts that the instance may have leaked when the teardown itself fails', async () => {
    rdsMock.on(DeleteDBInstanceCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(evidence().verdict.failures).toEqual(['the temporary instance was not torn down']);
    const message = JSON.parse(String(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message)) as { email: string };
    expect(message.email).toContain(`The temporary instance ${INSTANCE} may still exist`);
  });

  it('refuses, in the primary, a restore meant for the secondary region (it runs where its state machine runs)', async () => {
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db', region: 'secondary' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
    expect(evidence().verdict.failures[0]).toMatch(/^InvalidInput: region: this is the primary region's restore-test: start the restore-test state machine in ap-southeast-1/);
  });

  it("restores a named snapshot's verified copy in the secondary region, by the secondary's state machine", async () => {
    const policy = teamPolicy();
    setRuntime({ stage: 'test', policy, role: 'secondary', region: SECONDARY, alerts: snsAlertSink(new SNSClient({ region: SECONDARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db', snapshot: 'backup-dr-app-db-20261129-0200' }, tasks());
    expect(run.status).toBe('SUCCEEDED');
    const call = rdsMock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0];
    expect(call?.args[0].input.DBSnapshotIdentifier).toBe(verifiedCopy.DBSnapshotArn);
    expect(await (call?.thisValue as RDSClient).config.region()).toBe(SECONDARY);
  });
});

describe('pitr-test state machine', () => {
  beforeEach(() => {
    rdsMock.reset();
    s3Mock.reset();
    snsMock.reset();
    const policy = teamPolicy();
    setRuntime({ stage: 'test', policy, role: 'secondary', region: SECONDARY, alerts: snsAlertSink(new SNSClient({ region: SECONDARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [{ DBInstanceArn: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod', DBInstanceIdentifier: 'app-db-prod', Status: 'replicating', DBInstanceAutomatedBackupsArn: 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1', RestoreWindow: { EarliestTime: new Date(NOW - 35 * 86_400_000), LatestTime: new Date(NOW - 8 * 60_000) } }],
    });
    const pitrInstance = 'bdr-pitr-app-db-202611290400';
    const tags = [...ourTags('app-db'), { Key: 'backup-dr:restore-test', Value: pitrInstance }];
    rdsMock.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: pitrInstance, DBInstanceStatus: 'available', Endpoint: { Address: 'pitr.example.internal', Port: 5432 }, TagList: tags }] });
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  });

  it('restores the replicated backups to now − 15 min in the secondary region and proves the RPO', async () => {
    validate = async (input) => report({ newestData: (input as { plan: { restorePoint: number } }).plan.restorePoint - 60_000 });
    const run = await runLocally(PITR_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('SUCCEEDED');
    const call = rdsMock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0];
    expect(call?.args[0].input).toMatchObject({
      TargetDBInstanceIdentifier: 'bdr-pitr-app-db-202611290400',
      SourceDBInstanceAutomatedBackupsArn: 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1',
      RestoreTime: new Date(NOW - 15 * 60_000),
      DBSubnetGroupName: 'app-db-restore-test',
      VpcSecurityGroupIds: ['sg-0f1e2d3c4b5a69788'],
    });
    expect(await (call?.thisValue as RDSClient).config.region()).toBe(SECONDARY);
    expect((evidence() as { verdict: RestoreRun['verdict'] }).verdict).toMatchObject({ passed: true, rpoMs: 60_000 });
  });

  it('fails, without restoring, when replication lags behind the requested point (the cross-region RPO is missed)', async () => {
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [{ DBInstanceArn: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod', DBInstanceIdentifier: 'app-db-prod', Status: 'replicating', DBInstanceAutomatedBackupsArn: 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1', RestoreWindow: { EarliestTime: new Date(NOW - 86_400_000), LatestTime: new Date(NOW - 45 * 60_000) } }],
    });
    const run = await runLocally(PITR_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
    expect(evidence().verdict.failures[0]).toMatch(/NoRestorePoint: .*45 min behind; RPO target 15 min/);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      Subject: expect.stringContaining('app-db ap-southeast-1: PITR test failed: NoRestorePoint'),
      MessageAttributes: expect.objectContaining({ kind: { DataType: 'String', StringValue: 'pitr-test-failed' } }),
    });
  });
});
