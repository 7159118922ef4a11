// Executions of the database-recovery state machine from its ASL file, with the real plan, restore,
// status, teardown, retire and notify handlers (RDS and SNS answered by aws-sdk-client-mock); validation
// and the table copy are fakes here (they run for real against PostgreSQL in tests/rds/recovery and the
// drill), and so are request-approval and switch-endpoint (their contracts, README "Recovery runbooks").

import {
  AddTagsToResourceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as notify } from '../../../functions/rds/database-recovery-notify/handler.js';
import { handler as plan } from '../../../functions/rds/database-recovery-plan/handler.js';
import { handler as restore } from '../../../functions/rds/database-recovery-restore/handler.js';
import { handler as retire } from '../../../functions/rds/database-recovery-retire/handler.js';
import { handler as teardown } from '../../../functions/rds/database-recovery-teardown/handler.js';
import { handler as status } from '../../../functions/rds/restore-test-status/handler.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { TAG } from '../../../shared/contracts.js';
import { BackupDrError } from '../../../shared/errors.js';
import type { RecoveryPlan } from '../../../shared/rds/recovery-run.js';
import type { ValidationSummary } from '../../../shared/rds/restore-run.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { databaseRecoveryDefinition } from '../../../state-machines/rds/database-recovery.js';
import { teamPolicy } from '../../helpers/runtime.js';
import { ACCOUNT, copyOf, ourTags, PRIMARY, primarySnapshot } from '../helpers/rds-fixtures.js';

const DEFINITION = databaseRecoveryDefinition(teamPolicy());
const NOW = Date.parse('2026-12-03T18:08:07+09:00');
const INSTANCE = 'bdr-rec-app-db-20261203180807';
const SOURCE = 'app-db-prod';
const SOURCE_ARN = `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:${SOURCE}`;
const EXECUTION = 'arn:aws:states:ap-northeast-1:123456789012:execution:local:recovery-1';
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test';
const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);

const older = primarySnapshot('backup-dr-app-db-20261202-0200', '2026-12-02T02:00:00+09:00');
const newest = primarySnapshot('backup-dr-app-db-20261203-0200', '2026-12-03T02:00:00+09:00');
const unverified = primarySnapshot('backup-dr-app-db-20261203-1400', '2026-12-03T14:00:00+09:00');
const verified = (s: typeof newest) => copyOf(s, '2026-12-03T03:00:00+09:00', {}, { [TAG.verifiedAt]: '2026-12-03T03:30:00+09:00' });
const ours = [...ourTags('app-db').filter((t) => t.Key !== TAG.tier), { Key: TAG.recovery, Value: INSTANCE }];

const source = {
  DBInstanceIdentifier: SOURCE,
  DBInstanceArn: SOURCE_ARN,
  DBInstanceStatus: 'available',
  DBInstanceClass: 'db.r6g.large',
  MultiAZ: true,
  DBName: 'app',
  Endpoint: { Address: 'app-db-prod.example.internal', Port: 5432 },
  DBSubnetGroup: { DBSubnetGroupName: 'app-db-private' },
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123456789abcdef0', Status: 'active' }],
  DBParameterGroups: [{ DBParameterGroupName: 'app-db-pg16' }],
  LatestRestorableTime: new Date('2026-12-03T18:03:00+09:00'),
};

function passed(overrides: Partial<ValidationSummary> = {}): ValidationSummary {
  return {
    outcome: 'passed',
    counts: { passed: 3, failed: 0, inconclusive: 0, skipped: 1 },
    checks: [{ name: 'connectivity', status: 'passed', durationMs: 3 }],
    omittedChecks: 0,
    warnings: [],
    serverVersion: '16.4',
    newestData: null,
    startedAt: NOW,
    finishedAt: NOW,
    reportKey: `validation/app-db/2026/12/${INSTANCE}.json`,
    ...overrides,
  };
}

class ApprovalRejected extends BackupDrError {
  override name = 'ApprovalRejected';
}
class StatesTimeout extends BackupDrError {
  override name = 'States.Timeout';
}

type Fake = (input: unknown) => Promise<unknown>;
let fakes: { validate: Fake; copy: Fake; approve: Fake; switchEndpoint: Fake };
const calls: Record<string, unknown[]> = {};
const recorded = (name: keyof typeof fakes): LocalTask => async (input) => {
  (calls[name] ??= []).push(input);
  return fakes[name](input);
};
const tasks = (): Record<string, LocalTask> => ({
  databaseRecoveryPlan: asTask('databaseRecoveryPlan', plan),
  databaseRecoveryRestore: asTask('databaseRecoveryRestore', restore),
  restoreTestStatus: asTask('restoreTestStatus', status),
  validateRestore: recorded('validate'),
  databaseRecoveryCopy: recorded('copy'),
  databaseRecoveryTeardown: asTask('databaseRecoveryTeardown', teardown),
  requestApproval: recorded('approve'),
  switchEndpoint: recorded('switchEndpoint'),
  databaseRecoveryRetire: asTask('databaseRecoveryRetire', retire),
  databaseRecoveryNotify: asTask('databaseRecoveryNotify', notify),
});
const recover = (input: unknown) => runLocally(DEFINITION, input, tasks(), { executionName: 'recovery-1' });

/** The restored instance: creating twice, then available (or `final`). */
function restoredInstance(final: Record<string, unknown> = { DBInstanceStatus: 'available', Endpoint: { Address: 'bdr-rec.example.internal', Port: 5432 } }) {
  rdsMock
    .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE })
    .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: ours }] })
    .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'creating', TagList: ours }] })
    .resolves({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, TagList: ours, ...final }] });
}

/** What was published: severity, kind and the alert's JSON (the message's machine part). */
function alerts(): { severity: string; kind: string; summary: string; action: string; details: Record<string, unknown> }[] {
  return snsMock.commandCalls(PublishCommand).map((c) => {
    const attrs = c.args[0].input.MessageAttributes ?? {};
    // One message per protocol (MessageStructure json): the machines' one is the alert as JSON.
    const perProtocol = JSON.parse(c.args[0].input.Message ?? '{}') as { lambda: string };
    const json = JSON.parse(perProtocol.lambda) as { summary: string; action: string; details: Record<string, unknown> };
    return { severity: attrs.severity?.StringValue ?? '', kind: attrs.kind?.StringValue ?? '', ...json };
  });
}

const nothingChanged = () => {
  expect(rdsMock).not.toHaveReceivedCommand(StopDBInstanceCommand);
  expect(rdsMock).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  expect(calls.switchEndpoint ?? []).toEqual([]);
};

describe('database-recovery state machine', () => {
  beforeEach(() => {
    rdsMock.reset();
    snsMock.reset();
    for (const key of Object.keys(calls)) delete calls[key];
    const policy = teamPolicy();
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: SOURCE }).resolves({ DBInstances: [source] });
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand, { DBInstanceIdentifier: SOURCE }).resolves({
      DBInstanceAutomatedBackups: [{ DBInstanceIdentifier: SOURCE, Status: 'active', RestoreWindow: { EarliestTime: new Date('2026-11-01T00:00:00Z'), LatestTime: source.LatestRestorableTime } }],
    });
    rdsMock.on(DescribeDBSnapshotsCommand).callsFake(async (_input, getClient) => {
      const region = await (getClient() as RDSClient).config.region();
      return { DBSnapshots: region === PRIMARY ? [older, newest, unverified] : [verified(older), verified(newest), copyOf(unverified, '2026-12-03T15:00:00+09:00')] };
    });
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    rdsMock.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    rdsMock.on(AddTagsToResourceCommand).resolves({});
    rdsMock.on(StopDBInstanceCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    restoredInstance();
    fakes = {
      validate: async () => passed(),
      copy: async () => ({ schema: 'recovery_20261203180807', alreadyCopied: false, tables: [{ table: 'public.orders', recoveredAs: 'recovery_20261203180807.orders', rowsInBackup: 5000, rowsCopied: 5000, columns: 5, inProduction: true, mergeSql: 'insert into "public"."orders" … on conflict do nothing;' }] }),
      approve: async () => ({ approved: true, by: 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice', at: '2026-12-03T09:30:00Z' }),
      switchEndpoint: async (input) => ({ resource: 'app-db', target: 'ssm:/app/prod/database/host', previous: 'app-db-prod.example.internal', current: (input as { address: string }).address, changed: true }),
    };
  });
  afterAll(() => setRuntime(undefined));

  describe('point-in-time', () => {
    it('restores the source to the time into a new instance shaped like production, waits, validates, reports, and leaves the instance', async () => {
      const run = await recover({ resource: 'app-db', mode: 'point-in-time', time: '2026-12-03T17:45:00+09:00' });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.states).toEqual(['Start', 'Plan', 'Dry run?', 'Restore', 'Wait for instance', 'Validate', 'Validated?', 'Mode?', 'Report', 'Recovered']);
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, {
        SourceDBInstanceIdentifier: SOURCE,
        TargetDBInstanceIdentifier: INSTANCE,
        RestoreTime: new Date('2026-12-03T17:45:00+09:00'),
        DBInstanceClass: 'db.r6g.large',
        MultiAZ: true,
        DBSubnetGroupName: 'app-db-private',
        VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
        DBParameterGroupName: 'app-db-pg16',
        PubliclyAccessible: false,
        Tags: expect.arrayContaining([{ Key: TAG.recovery, Value: INSTANCE }, { Key: TAG.recoveryExecution, Value: EXECUTION }, { Key: 'backup-dr:owner', Value: 'backup-dr' }]),
      });
      // Never a restore-test tag: the janitor would take the instance for a leak and delete it.
      const tags = rdsMock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input.Tags ?? [];
      expect(tags.map((t) => t.Key)).not.toContain(TAG.restoreTest);
      expect((calls.validate?.[0] as { plan: RecoveryPlan }).plan).toMatchObject({ kind: 'pitr', restorePoint: Date.parse('2026-12-03T17:45:00+09:00'), instanceId: INSTANCE });
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      nothingChanged();
      expect(alerts()).toEqual([expect.objectContaining({ severity: 'info', kind: 'database-recovery-succeeded', summary: expect.stringContaining(`${INSTANCE} holds app-db as of 2026-12-03T17:45:00+09:00`) })]);
      expect((run.output as { report: { steps: string[] } }).report.steps).toContain(`restored: ${INSTANCE} at bdr-rec.example.internal:5432`);
    });

    it.each([
      { time: '2026-12-03T18:05:00+09:00', why: 'after LatestRestorableTime' },
      { time: '2026-10-31T23:00:00Z', why: 'before the automated backups EarliestTime' },
    ])('refuses a time $why, naming the field and the window, before anything is created, and alerts', async ({ time }) => {
      const run = await recover({ resource: 'app-db', mode: 'point-in-time', time });
      expect(run.status).toBe('FAILED');
      expect(run.error?.name).toBe('RecoveryFailed');
      expect(run.states).toEqual(['Start', 'Plan', 'Notify failure', 'Failed']);
      expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      const [alert] = alerts();
      expect(alert).toMatchObject({ severity: 'critical', kind: 'database-recovery-failed' });
      expect(alert!.summary).toMatch(/InvalidInput: time: .* is outside the restorable window 2026-11-01T09:00:00\+09:00 … 2026-12-03T18:03:00\+09:00/);
      expect(alert!.details.steps).toBe('');
    });
  });

  describe('bad input', () => {
    it.each([
      { input: { resource: 'app-db', mode: 'point-in-time' }, field: 'time' },
      { input: { resource: 'app-db', mode: 'rewind' }, field: 'mode' },
      { input: { resource: 'app-db', mode: 'full', tables: ['public.orders'] }, field: 'tables' },
      { input: { resource: 'app-db', mode: 'partial', tables: ['orders'] }, field: 'tables[0]' },
      { input: { resource: 'app-db', mode: 'partial' }, field: 'tables' },
      { input: { resource: 'app-db', mode: 'partial', tables: ['public.orders'], snapshot: 'x', time: '2026-12-03T17:00:00Z' }, field: 'time' },
      { input: { resource: 'app-db', mode: 'full', snapshot: 'no-such-snapshot' }, field: 'snapshot' },
      { input: { resource: 'billing-db', mode: 'full' }, field: 'resource' },
      { input: { resource: 'app-db', mode: 'full', dryrun: true }, field: 'dryrun' },
      { input: { resource: 'app-db', mode: 'full', dryRun: 'yes' }, field: 'dryRun' },
    ])('names $field, creates nothing and alerts', async ({ input, field }) => {
      const run = await recover(input);
      expect(run.states).toEqual(['Start', 'Plan', 'Notify failure', 'Failed']);
      expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
      expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
      expect(alerts()[0]!.summary).toContain(`InvalidInput: ${field}: `);
    });

    it('refuses a full recovery of a database whose endpoint the policy does not name', async () => {
      const policy = teamPolicy((doc) => delete doc.resources.databases[0].endpoint);
      setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.status).toBe('FAILED');
      expect(alerts()[0]!.summary).toContain('InvalidInput: mode: a full recovery switches where the application finds "app-db"');
    });
  });

  it('plans a dry run and creates nothing', async () => {
    const run = await recover({ resource: 'app-db', mode: 'full', dryRun: true });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(['Start', 'Plan', 'Dry run?', 'Report plan', 'Planned']);
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
    expect(alerts()[0]).toMatchObject({ severity: 'info', kind: 'database-recovery-dry-run', summary: expect.stringContaining('snapshot backup-dr-app-db-20261203-0200') });
  });

  describe('full', () => {
    it('restores the newest verified snapshot, validates, asks for approval, switches the endpoint, then stops and tags the old instance', async () => {
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.states).toEqual(['Start', 'Plan', 'Dry run?', 'Restore', 'Wait for instance', 'Validate', 'Validated?', 'Mode?', 'Request approval', 'Switch endpoint', 'Retire replaced instance', 'Report', 'Recovered']);
      // The newest with a verified copy: not the newer 14:00 snapshot whose copy is unverified.
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: INSTANCE, DBSnapshotIdentifier: newest.DBSnapshotArn, DBInstanceClass: 'db.r6g.large', MultiAZ: true });
      expect(calls.approve).toEqual([{ token: 'local-task-token-recovery-1', execution: EXECUTION, runbook: 'database-recovery', plan: {
          resource: 'app-db',
          mode: 'full',
          snapshot: newest.DBSnapshotIdentifier,
          restorePoint: Date.parse('2026-12-03T02:00:00+09:00'),
          newInstance: INSTANCE,
          newAddress: 'bdr-rec.example.internal',
          replaces: SOURCE,
          validation: 'passed',
          validationReport: `validation/app-db/2026/12/${INSTANCE}.json`,
        } }]);
      expect(calls.switchEndpoint).toEqual([{ resource: 'app-db', address: 'bdr-rec.example.internal', port: 5432, execution: EXECUTION }]);
      expect(rdsMock).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
        ResourceName: SOURCE_ARN,
        Tags: [{ Key: TAG.replacedBy, Value: INSTANCE }, { Key: TAG.keepUntil, Value: new Date(NOW + 7 * 86_400_000).toISOString() }],
      });
      expect(rdsMock).toHaveReceivedCommandWith(StopDBInstanceCommand, { DBInstanceIdentifier: SOURCE });
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      expect(alerts()).toEqual([expect.objectContaining({ severity: 'info', kind: 'database-recovery-succeeded', summary: `full recovery done: the application now uses ${INSTANCE}` })]);
    });

    it('restores the snapshot it is given', async () => {
      await recover({ resource: 'app-db', mode: 'full', snapshot: older.DBSnapshotIdentifier });
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBSnapshotIdentifier: older.DBSnapshotArn });
    });

    it.each([
      { answer: 'rejected', error: new ApprovalRejected('rejected by alice'), summary: '(rejected)' },
      { answer: 'not given in time', error: new StatesTimeout('no answer'), summary: '(no approval within 60 min)' },
    ])('when approval is $answer: leaves the validated instance, changes nothing else, warns', async ({ error, summary }) => {
      fakes.approve = async () => {
        throw error;
      };
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.status).toBe('FAILED');
      expect(run.error?.name).toBe('RecoveryRejected');
      expect(run.states.slice(-3)).toEqual(['Request approval', 'Notify rejected', 'Rejected']);
      nothingChanged();
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      expect(alerts()).toEqual([expect.objectContaining({ severity: 'warning', kind: 'database-recovery-rejected', summary: expect.stringContaining(summary) })]);
    });

    it('when the endpoint switch fails: keeps both instances, retires nothing, alerts', async () => {
      fakes.switchEndpoint = async () => {
        throw Object.assign(new Error('AccessDenied on ssm:PutParameter'), { name: 'AccessDeniedException' });
      };
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.error?.name).toBe('RecoveryFailed');
      expect(run.states.slice(-3)).toEqual(['Switch endpoint', 'Notify failure', 'Failed']);
      expect(rdsMock).not.toHaveReceivedCommand(StopDBInstanceCommand);
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      expect(alerts()[0]).toMatchObject({ severity: 'critical', summary: expect.stringContaining('AccessDeniedException') });
      expect(alerts()[0]!.details.steps).toContain(`left: the new instance ${INSTANCE} is kept`);
    });

    it('when the old instance cannot be retired after the switch: says the application already uses the new one', async () => {
      rdsMock.on(AddTagsToResourceCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.states.slice(-3)).toEqual(['Retire replaced instance', 'Notify failure', 'Failed']);
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      expect(alerts()[0]).toMatchObject({ severity: 'critical', summary: expect.stringContaining('after the endpoint switch'), action: expect.stringContaining(`already points at ${INSTANCE}`) });
    });

    it('tags and leaves running an old instance RDS will not stop (the failed one a recovery is for)', async () => {
      rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: SOURCE }).resolves({ DBInstances: [{ ...source, DBInstanceStatus: 'storage-full' }] });
      rdsMock.on(StopDBInstanceCommand).rejects(Object.assign(new Error('DB instance is not in available state'), { name: 'InvalidDBInstanceStateFault' }));
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.status).toBe('SUCCEEDED');
      expect(rdsMock).toHaveReceivedCommand(AddTagsToResourceCommand);
      expect((run.output as { retired: { stopped: boolean; detail: string } }).retired).toMatchObject({ stopped: false, detail: expect.stringContaining('"storage-full" and RDS will not stop it') });
    });
  });

  describe('partial', () => {
    it('restores into a small temporary instance, copies the tables into the recovery schema, deletes the instance, reports the merge SQL', async () => {
      const run = await recover({ resource: 'app-db', mode: 'partial', tables: ['public.orders'] });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.states).toEqual(['Start', 'Plan', 'Dry run?', 'Restore', 'Wait for instance', 'Validate', 'Validated?', 'Mode?', 'Copy tables', 'Tear down', 'Report', 'Recovered']);
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
        DBInstanceIdentifier: INSTANCE,
        DBSnapshotIdentifier: newest.DBSnapshotArn,
        DBInstanceClass: 'db.t4g.micro',
        MultiAZ: false,
        DBSubnetGroupName: 'app-db-restore-test',
        VpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
      });
      expect((calls.copy?.[0] as { plan: RecoveryPlan }).plan).toMatchObject({ tables: ['public.orders'], recoverySchema: 'recovery_20261203180807' });
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true });
      nothingChanged();
      const report = (run.output as { report: { mergeSql: string[]; steps: string[] } }).report;
      expect(report.mergeSql).toEqual(['insert into "public"."orders" … on conflict do nothing;']);
      expect(report.steps).toContain(`temporary instance: ${INSTANCE} deleted`);
      expect(alerts()[0]).toMatchObject({ severity: 'info', details: expect.objectContaining({ mergeSql: 'insert into "public"."orders" … on conflict do nothing;' }) });
    });

    it('restores to a point in time when given one', async () => {
      await recover({ resource: 'app-db', mode: 'partial', tables: ['public.orders'], time: '2026-12-03T12:00:00+09:00' });
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, { SourceDBInstanceIdentifier: SOURCE, RestoreTime: new Date('2026-12-03T12:00:00+09:00'), DBInstanceClass: 'db.t4g.micro' });
    });

    it('says the temporary instance may still exist when it could not be deleted', async () => {
      rdsMock.on(DeleteDBInstanceCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      const run = await recover({ resource: 'app-db', mode: 'partial', tables: ['public.orders'] });
      expect(run.status).toBe('SUCCEEDED');
      expect(alerts()[0]!.details.steps).toContain(`temporary instance ${INSTANCE} may still exist: teardown failed (AccessDenied)`);
    });
  });

  describe('failure at each step: what is left, and the alert', () => {
    it.each([
      {
        step: 'Restore',
        arrange: () => rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(Object.assign(new Error('no capacity'), { name: 'InsufficientDBInstanceCapacityFault' })),
        error: 'RestoreFailed',
      },
      { step: 'Wait for instance', arrange: () => restoredInstance({ DBInstanceStatus: 'incompatible-restore' }), error: 'RestoreFailed' },
      {
        step: 'Validate',
        arrange: () => (fakes.validate = async () => { throw Object.assign(new Error('cannot connect'), { name: 'ConnectFailed' }); }),
        error: 'ConnectFailed',
      },
      {
        step: 'Validation failed',
        arrange: () => (fakes.validate = async () => passed({ outcome: 'failed', counts: { passed: 2, failed: 1, inconclusive: 0, skipped: 1 } })),
        error: 'ValidationFailed',
      },
      {
        step: 'Copy tables',
        arrange: () => (fakes.copy = async () => { throw Object.assign(new Error('public.orders is not a table of the restored database'), { name: 'RecoveryTableMissing' }); }),
        error: 'RecoveryTableMissing',
      },
    ])('$step: deletes only this run\'s new instance, alerts with what is left', async ({ step, arrange, error }) => {
      arrange();
      const run = await recover({ resource: 'app-db', mode: 'partial', tables: ['public.orders'] });
      expect(run.status).toBe('FAILED');
      expect(run.error?.name).toBe('RecoveryFailed');
      expect(run.states.slice(-5)).toEqual([step, 'Tear down after failure', 'Teardown after failure', 'Notify failure', 'Failed']);
      const alert = alerts()[0]!;
      expect(alert).toMatchObject({ severity: 'critical', kind: 'database-recovery-failed', summary: expect.stringContaining(error) });
      if (step === 'Restore') {
        // The restored instance's describe says it is there, but the restore was refused: still only ours is deleted.
        expect(alert.details.steps).toContain('left:');
      } else {
        expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE });
        expect(alert.details.steps).toContain(`left: ${INSTANCE} deleted`);
      }
      nothingChanged();
    });

    it('tears down the unproven instance of a point-in-time recovery whose validation failed', async () => {
      fakes.validate = async () => passed({ outcome: 'failed' });
      const run = await recover({ resource: 'app-db', mode: 'point-in-time', time: '2026-12-03T17:45:00+09:00' });
      expect(run.error?.name).toBe('RecoveryFailed');
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE });
    });

    it('never deletes an instance of that name that is not this recovery\'s', async () => {
      rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(Object.assign(new Error('exists'), { name: 'DBInstanceAlreadyExistsFault' }));
      rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [{ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: 'available', TagList: [{ Key: 'team', Value: 'someone-else' }] }] });
      const run = await recover({ resource: 'app-db', mode: 'full' });
      expect(run.error?.name).toBe('RecoveryFailed');
      expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
      expect(alerts()[0]!.summary).toContain('is not this recovery\'s');
      expect(alerts()[0]!.details.steps).toContain('left: nothing was created');
    });
  });
});
