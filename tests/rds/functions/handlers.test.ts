import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, InvalidDBInstanceStateFault, RDSClient } from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as pruneHandler } from '../../../functions/rds/prune-db-snapshots/handler.js';
import { handler as restoreHandler } from '../../../functions/rds/restore-test-restore/handler.js';
import { handler as takeHandler } from '../../../functions/rds/take-db-snapshot/handler.js';
import { handler as validateHandler } from '../../../functions/rds/validate-restore/handler.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { PRIMARY } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-prod';
const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
const context = lambdaContext('take-db-snapshot');
const NOW = Date.parse('2026-11-25T02:00:05+09:00');
const PLAN: RestorePlan = {
  runId: 'bdr-rt-app-db-202611250400',
  kind: 'snapshot',
  resource: 'app-db',
  role: 'primary',
  region: PRIMARY,
  snapshotId: 'backup-dr-app-db-20261125-0200',
  snapshotArn: `arn:aws:rds:${PRIMARY}:123456789012:snapshot:backup-dr-app-db-20261125-0200`,
  restorePoint: NOW,
  sourceInstanceId: 'app-db-prod',
  instanceId: 'bdr-rt-app-db-202611250400',
  instanceClass: 'db.t4g.micro',
  securityGroups: [],
  credentialsSecret: 'backup-dr/app-db-master',
  plannedAt: NOW,
  waitUntil: NOW + 3 * 3_600_000,
};

describe('Lambda handlers: alerts reach the SNS topic', () => {
  beforeEach(() => {
    rdsMock.reset();
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const policy = teamPolicy();
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
  });
  afterAll(() => setRuntime(undefined));

  it('publishes a readable text for e-mail and JSON for machines when a snapshot fails, then fails the invocation', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-prod', DBInstanceStatus: 'stopped' }] });
    rdsMock.on(CreateDBSnapshotCommand).rejects(new InvalidDBInstanceStateFault({ message: 'Instance app-db-prod is not currently in the available state.', $metadata: {} }));
    await expect(takeHandler({ scheduledTime: '2026-11-24T17:00:00Z', resources: ['app-db'] }, context)).rejects.toThrow('1 of 1 snapshots failed: app-db (InstanceNotReady)');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      Subject: '[backup-dr CRITICAL] app-db ap-northeast-1: snapshot failed: InstanceNotReady (backup-dr-app-db-2...',
      MessageStructure: 'json',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' }, kind: { DataType: 'String', StringValue: 'backup-failed' }, resource: { DataType: 'String', StringValue: 'app-db' } },
    });
    expect(input?.Subject?.length).toBeLessThanOrEqual(100);
    const message = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
    expect(message.email).toContain('What to do: Check the state of DB instance app-db-prod');
    expect(message.email).toContain('When:     2026-11-25T02:00:05+09:00');
    expect(JSON.parse(message.lambda ?? '{}')).toMatchObject({ kind: 'backup-failed', resource: 'app-db', region: 'ap-northeast-1', at: '2026-11-24T17:00:05.000Z' });
  });

  it('turns an unexpected failure into a function-error alert and still fails the invocation', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand).rejects(Object.assign(new Error('User is not authorized to perform rds:DescribeDBSnapshots'), { name: 'AccessDenied' }));
    await expect(pruneHandler({}, context)).rejects.toThrow('not authorized');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { Subject: '[backup-dr CRITICAL] backup-dr ap-northeast-1: prune-db-snapshots failed: AccessDenied' });
  });

  it('does not publish twice for a failure the function already alerted', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rdsMock.on(CreateDBSnapshotCommand).rejects(new InvalidDBInstanceStateFault({ message: 'stopped', $metadata: {} }));
    await expect(takeHandler({}, context)).rejects.toThrow();
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it.each([
    { event: { scheduledTime: 42 }, field: 'scheduledTime', message: 'scheduledTime: must be an ISO-8601 time with an offset' },
    { event: { scheduledTime: 'yesterday' }, field: 'scheduledTime', message: 'scheduledTime: must be an ISO-8601 time with an offset' },
    { event: { resources: 'app-db' }, field: 'resources', message: 'resources: must be a list of resource names' },
    { event: { resource: ['app-db'] }, field: 'resource', message: 'resource: unknown input field (allowed: scheduledTime, resources)' },
    { event: 'app-db', field: 'input', message: 'input: must be a JSON object' },
  ])('refuses a malformed schedule event ($field) before anything is sent, and alerts it', async ({ event, field, message }) => {
    const failure = takeHandler(event, context);
    await expect(failure).rejects.toBeInstanceOf(InvalidInput);
    await expect(failure).rejects.toMatchObject({ field, message });
    expect(rdsMock.calls()).toHaveLength(0);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { Subject: '[backup-dr CRITICAL] backup-dr ap-northeast-1: take-db-snapshot failed: InvalidInput' });
  });

  it('treats an invocation without a payload as a scheduled run of every database', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-prod', DBInstanceStatus: 'available' }] });
    rdsMock.on(CreateDBSnapshotCommand).resolves({});
    await expect(takeHandler(null, context)).resolves.toEqual({ outcomes: [{ resource: 'app-db', snapshotId: 'backup-dr-app-db-20261125-0200', status: 'created' }] });
  });

  it.each([
    { name: 'a plan without its instance', event: { ...PLAN, instanceId: undefined }, field: 'instanceId' },
    { name: 'a restore point that is not a number', event: { ...PLAN, restorePoint: '2026-11-25' }, field: 'restorePoint' },
    { name: 'an unknown kind', event: { ...PLAN, kind: 'clone' }, field: 'kind' },
    { name: 'no plan at all', event: null, field: 'input' },
  ])('fails a state machine step given $name with InvalidInput naming the field, touching nothing', async ({ event, field }) => {
    const failure = restoreHandler(event, context);
    await expect(failure).rejects.toBeInstanceOf(InvalidInput);
    await expect(failure).rejects.toMatchObject({ field });
    expect(rdsMock.calls()).toHaveLength(0);
    // A step's error is its state machine's to route (teardown, evidence, notify): the step does not alert.
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it('names the nested field of a malformed validation step input', async () => {
    const failure = validateHandler({ plan: PLAN, instance: { address: 'db.internal', port: '5432', availableAt: NOW } }, context);
    await expect(failure).rejects.toMatchObject({ name: 'InvalidInput', field: 'instance.port' });
  });
});
