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

const REPORT_KEY = `validation/app-db/2026/11/${INSTANCE}.json`;
const PASSED_CHECKS: ValidationSummary['checks'] = [
  { name: 'connectivity', status: 'passed', durationMs: 30 },
  { name: 'schema', status: 'passed', durationMs: 5 },
  { name: 'row-counts', status: 'passed', durationMs: 40 },
];

/** What validate-restore hands the state machine (its summary); `extra` checks are appended and counted. */
function report(overrides: Partial<ValidationSummary> = {}, extra: ValidationSummary['checks'] = []): ValidationSummary {
  const checks = [...PASSED_CHECKS, ...extra];
  const counts = { passed: 0, failed: 0, inconclusive: 0, skipped: 0 };
  for (const check of checks) counts[check.status] += 1;
  return {
    outcome: counts.failed > 0 ? 'failed' : counts.inconclusive > 0 ? 'inconclusive' : 'passed',
    counts,
    checks,
    omittedChecks: 0,
    warnings: [],
    serverVersion: '16.4',
    newestData: Date.parse('2026-11-29T01:58:00+09:00'),
    startedAt: NOW + 20 * 60_000,
    finishedAt: NOW + 25 * 60_000,
    reportKey: REPORT_KEY,
    ...overrides,
  };
}

/** DescribeDBInstances of the restored instance: `creating` for the first `creatingCalls` calls, then available. */
function createdAfter(creatingCalls: number) {
  let calls = 0;
  rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).callsFake(() => {
    calls += 1;
    const available = { DBInstanceStatus: 'available', Endpoint: { Address: 'bdr-rt.example.internal', Port: 5432 } };
    return { DBInstances: [{ DBInstanceIdentifier: INSTANCE, TagList: restoredTags, ...(calls > creatingCalls ? available : { DBInstanceStatus: 'creating' }) }] };
  });
  return { calls: () => calls };
}

const deletesOf = () => rdsMock.commandCalls(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE }).length;

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
    expect(e.outcome).toBe('passed');
    expect(e.verdict).toMatchObject({ outcome: 'passed', failures: [], inconclusive: [], rtoMs: 25 * 60_000, rpoMs: 2 * 60_000 });
    expect(e.restored).toMatchObject({ snapshotId: 'backup-dr-app-db-20261129-0200', instanceId: INSTANCE, restorePoint: '2026-11-29T02:00:00+09:00' });
    expect(e.checks.map((c: { name: string }) => c.name)).toEqual(['connectivity', 'schema', 'row-counts']);
    expect(e.validation).toEqual({ outcome: 'passed', counts: { passed: 3, failed: 0, inconclusive: 0, skipped: 0 }, omittedChecks: 0, reportKey: REPORT_KEY, report: `s3://backup-dr-reports-test/${REPORT_KEY}` });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it.each([
    { check: 'schema', detail: 'missing tables: public.orders' },
    { check: 'row-counts', detail: 'public.orders: expected 5000, found 4990' },
    { check: 'freshness', detail: 'newest data is 95 min older than the restore point (target 15 min)' },
    { check: 'amcheck', detail: 'index public.orders_pkey is corrupt' },
    { check: 'assertion:no order without a customer', detail: 'expected 0, got 3' },
  ])('fails on a failed $check check: tears down, records, alerts, ends failed', async ({ check, detail }) => {
    validate = async () => report({}, [{ name: check, status: 'failed', detail, durationMs: 3 }]);
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('RestoreTestFailed');
    expect(run.states.slice(-5)).toEqual(['Record', 'Passed?', 'Notify', 'Inconclusive?', 'Failed']);
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect(evidence().verdict.failures).toEqual([`check ${check} failed: ${detail}`]);
    expect(evidence().outcome).toBe('failed');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, MessageAttributes: expect.objectContaining({ kind: { DataType: 'String', StringValue: 'restore-test-failed' } }) });
  });

  it.each([
    { name: 'a required check that could not run', extra: [{ name: 'amcheck', status: 'inconclusive' as const, detail: 'the policy requires amcheck and the extension is not available', durationMs: 2 }] },
    { name: 'a check with nothing to compare', extra: [{ name: 'row-counts', status: 'inconclusive' as const, detail: 'no manifest was captured with this snapshot', durationMs: 2 }] },
  ])('does not pass a test with $name: tears down, records "inconclusive", warns, ends RestoreTestInconclusive', async ({ extra }) => {
    validate = async () => report({}, extra);
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('RestoreTestInconclusive');
    expect(run.states.slice(-6)).toEqual(['Teardown', 'Record', 'Passed?', 'Notify', 'Inconclusive?', 'Inconclusive']);
    expect(deletesOf()).toBe(1);
    const e = evidence();
    expect(e.outcome).toBe('inconclusive');
    expect(e.verdict).toMatchObject({ outcome: 'inconclusive', failures: [], inconclusive: [`check ${extra[0]!.name} was inconclusive: ${extra[0]!.detail}`], rtoMs: 25 * 60_000 });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      Subject: expect.stringMatching(/^\[backup-dr WARNING\] app-db ap-northeast-1: restore test inconclusive: check /),
      MessageAttributes: expect.objectContaining({ kind: { DataType: 'String', StringValue: 'restore-test-inconclusive' }, severity: { DataType: 'String', StringValue: 'warning' } }),
    });
  });

  it('puts the warnings of a passing test (rows dated after the restore point) in the evidence, and passes', async () => {
    validate = async () => report({ warnings: ['freshness: 1 row of public.orders is dated after the restore point'] });
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('SUCCEEDED');
    expect(evidence().warnings).toEqual(['freshness: 1 row of public.orders is dated after the restore point']);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it('fails (not inconclusive) when the evidence cannot be written: no verdict reaches "Inconclusive?"', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('RestoreTestFailed');
    expect(run.states.slice(-4)).toEqual(['Record', 'Notify', 'Inconclusive?', 'Failed']);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
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
    expect(run.states).toEqual(['Start', 'Plan', 'Restore', 'Restored anything?', 'Teardown', 'Record', 'Passed?', 'Notify', 'Inconclusive?', 'Failed']);
    expect(evidence().verdict.failures[0]).toMatch(/^RestoreFailed: RDS refused the restore: KMSKeyNotAccessibleFault/);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('gives up waiting after its retries, deletes the instance once RDS lets it, and says the restore timed out', async () => {
    // Still creating for the first attempt and every retry; available by the time teardown looks.
    const describes = createdAfter(1 + 185);
    const budget = RESTORE_TEST.States['Wait for instance']?.Retry?.find((r) => r.ErrorEquals.includes('RestoreNotReady'))?.MaxAttempts;
    expect(budget).toBe(180 + 5); // restoreTest.timeout 3 h, polled every minute, and a few polls to spare
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    // The first attempt, every retry, and teardown's own look.
    expect(describes.calls()).toBe(1 + 185 + 1);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE });
    expect(evidence().verdict.failures[0]).toMatch(/did not become available in time/);
  });

  it('waits for an instance still creating when teardown first runs (TeardownNotReady, retried), then deletes it', async () => {
    // The wait gives up (RestoreTimedOut, 30 min) while RDS is still creating; creation ends three teardown attempts later.
    const policy = teamPolicy((d) => { d.resources.databases[0].restoreTest.timeout = '30min'; });
    let clock = NOW - 60_000;
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => (clock += 60_000) });
    let deletable = false;
    let teardownLooks = 0;
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).callsFake(() => ({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: deletable ? 'available' : 'creating', TagList: restoredTags }] }));
    const definition = restoreTestDefinition('snapshot', policy);
    const teardownTask = asTask('restoreTestTeardown', teardown);
    const run = await runLocally(definition, { resource: 'app-db' }, {
      ...tasks(),
      restoreTestTeardown: async (input) => {
        teardownLooks += 1;
        deletable = teardownLooks > 3;
        return teardownTask(input);
      },
    });
    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('Teardown');
    expect(teardownLooks).toBe(4);
    expect(deletesOf()).toBe(1);
    const e = evidence();
    expect(e.teardown).toEqual({ deleted: true, detail: `${INSTANCE} deleted` });
    expect(e.verdict.failures).toEqual([expect.stringMatching(/^the restored instance did not become available within restoreTest.timeout/)]);
  });

  it('gives teardown as long as restoreTest.timeout; past that it stops, never deletes, and says the instance may still exist', async () => {
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: restoredTags }] });
    const retry = RESTORE_TEST.States.Teardown?.Retry?.find((r) => r.ErrorEquals.includes('TeardownNotReady'));
    expect(retry).toEqual({ ErrorEquals: ['TeardownNotReady'], IntervalSeconds: 60, MaxAttempts: 180, BackoffRate: 1 });
    const run = await runLocally(RESTORE_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    // The wait's looks (1 + 185), then teardown's: the first attempt and every retry.
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).length).toBe(1 + 185 + 1 + 180);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(evidence().verdict.failures).toContain('the temporary instance was not torn down');
    const message = JSON.parse(String(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message)) as { email: string };
    expect(message.email).toContain(`The temporary instance ${INSTANCE} may still exist`);
  });

  it("stops waiting at the policy's restoreTest.timeout (RestoreTimedOut), deletes the instance, and says so", async () => {
    const policy = teamPolicy((d) => { d.resources.databases[0].restoreTest.timeout = '30min'; });
    let clock = NOW - 60_000;
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => (clock += 60_000) });
    // Creating through the wait; RDS finishes just as teardown looks.
    const describes = createdAfter(32);
    const definition = restoreTestDefinition('snapshot', policy);
    expect(definition.States['Wait for instance']?.Retry?.find((r) => r.ErrorEquals.includes('RestoreNotReady'))).toMatchObject({ IntervalSeconds: 60, MaxAttempts: 35, BackoffRate: 1 });
    expect(definition.States.Teardown?.Retry?.find((r) => r.ErrorEquals.includes('TeardownNotReady'))).toMatchObject({ IntervalSeconds: 60, MaxAttempts: 30, BackoffRate: 1 });
    // The wait, teardown's wait as long again, and 2 h for validation, record and notify.
    expect(definition.TimeoutSeconds).toBe(30 * 60 + 30 * 60 + 2 * 3600);
    const run = await runLocally(definition, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    // A minute passes per call: Plan at NOW, the restore a minute later, then polls until past NOW + 30 min.
    expect(describes.calls()).toBeLessThan(35);
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
    expect(run.states).toEqual(['Start', 'Plan', 'Restored anything?', 'Record', 'Passed?', 'Notify', 'Inconclusive?', 'Failed']);
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
    expect((evidence() as { verdict: RestoreRun['verdict'] }).verdict).toMatchObject({ outcome: 'passed', rpoMs: 60_000 });
  });

  it('warns that a PITR test is inconclusive when its RPO could not be measured (no freshness check)', async () => {
    validate = async () =>
      report({ newestData: null }, [{ name: 'freshness', status: 'inconclusive', detail: 'a point-in-time restore proves its RPO with the freshness check, and the policy has none (validation.freshness)', durationMs: 0 }]);
    const run = await runLocally(PITR_TEST, { resource: 'app-db' }, tasks());
    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('RestoreTestInconclusive');
    expect(evidence().verdict).toMatchObject({ outcome: 'inconclusive', rpoMs: null });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      Subject: expect.stringContaining('[backup-dr WARNING] app-db ap-southeast-1: PITR test inconclusive: check freshness'),
      MessageAttributes: expect.objectContaining({ kind: { DataType: 'String', StringValue: 'pitr-test-inconclusive' } }),
    });
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
