// escalate-unresolved and its notify step, with every AWS client mocked (aws-sdk-client-mock): the exact
// commands sent — DescribeAlarms for the one alarm; the incident's record read, claimed with If-None-Match
// and marked published with If-Match on the ETag of the claim; the escalation published to the unresolved
// topic — and none beyond what each decision needs: an alarm resolved, re-alarmed since, deleted or not of
// this stack is left alone without a write; a claim lost to another execution publishes nothing; a retry
// of the claiming execution publishes; bad input names its field with nothing sent. The pure parts: the
// decision table, "unresolved for" as it reads, the escalation alert and the alert of a failed one.

import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { escalateUnresolved, escalationKey, type AlarmEvent, type EscalateInput } from '../../functions/platform/escalate-unresolved/escalate-unresolved.js';
import { handler } from '../../functions/platform/escalate-unresolved/handler.js';
import { claimDecision, decideEscalation, SAME_TRANSITION_MS, type AlarmNow } from '../../functions/platform/escalate-unresolved/plan.js';
import { escalationFailedAlert } from '../../functions/platform/escalate-unresolved-notify/plan.js';
import { alertText } from '../../shared/alerts/alert.js';
import { spokenDuration, unresolvedAlert, UNRESOLVED_KIND } from '../../shared/alerts/unresolved.js';
import { ENV } from '../../shared/contracts.js';
import { logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';
const BUCKET = `backup-dr-reports-test-${ACCOUNT}-${REGION}`;
const ALERTS_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-dr-alerts-test`;
const UNRESOLVED_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-dr-escalation-unresolved-test`;
const ALARM = `backup-dr-test-rds-app-db-freshness-${REGION}`;
const ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ALARM}`;
const SINCE = Date.parse('2026-12-03T00:00:00.123Z');
const NOW = SINCE + 65 * 60_000;
const KEY = escalationKey(ALARM_ARN, '2026-12-03T00:00:00.123Z');

const policy = teamPolicy((doc) => {
  doc.alerts = {
    ...(doc.alerts ?? {}),
    escalation: {
      levels: [{ name: 'on-call', emails: ['oncall@example.com'] }, { name: 'team lead', emails: ['lead@example.com'] }, { name: 'management', emails: ['cto@example.com'] }],
      unresolved: { after: '1h', levels: [3] },
    },
  };
});

const cloudwatch = mockClient(CloudWatchClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
let log: RecordingLog;

const metricAlarm = (over: Partial<MetricAlarm> = {}): MetricAlarm => ({
  AlarmName: ALARM,
  AlarmArn: ALARM_ARN,
  AlarmDescription: 'The newest verified backup of app-db in ap-northeast-1 is older than its RPO (15 min). Runbook: run take-db-snapshot for app-db and read its logs.',
  AlarmActions: [ALERTS_TOPIC],
  StateValue: 'ALARM',
  StateReason: 'Threshold Crossed: 1 datapoint [7260.0 (03/12/26 00:00:00)] was greater than the threshold (900.0).',
  StateTransitionedTimestamp: new Date(SINCE),
  ...over,
});
const event = (over: Partial<AlarmEvent> = {}): AlarmEvent => ({ alarmName: ALARM, alarmArn: ALARM_ARN, changedAt: SINCE, execution: 'exec-1', ...over });
const input = (): EscalateInput => ({
  policy,
  stage: 'test',
  region: REGION,
  alertsTopicArn: ALERTS_TOPIC,
  unresolvedTopicArn: UNRESOLVED_TOPIC,
  reportsBucket: BUCKET,
  cloudwatch: new CloudWatchClient({ region: REGION }),
  s3: new S3Client({ region: REGION }),
  sns: new SNSClient({ region: REGION }),
  log,
  now: () => NOW,
});
const body = (text: string) => ({ transformToString: async () => text }) as never;
const noSuchKey = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
const preconditionFailed = () => new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', message: 'At least one of the pre-conditions you specified did not hold', $metadata: { httpStatusCode: 412 } });

beforeEach(() => {
  cloudwatch.reset();
  s3.reset();
  sns.reset();
  log = new RecordingLog();
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm()] });
  s3.on(GetObjectCommand).rejects(noSuchKey());
  s3.on(PutObjectCommand).resolves({ ETag: '"claim-etag"' });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('escalate-unresolved', () => {
  it('escalates an alarm still in ALARM since the event: reads it, claims the incident, publishes, marks the claim published', async () => {
    const result = await escalateUnresolved(event(), input());

    expect(result).toEqual({ outcome: 'escalated', alarm: ALARM, since: '2026-12-03T00:00:00.123Z', unresolvedForSeconds: 3900 });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([{ AlarmNames: [ALARM] }]);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: KEY }]);
    const claim = { alarm: ALARM, alarmArn: ALARM_ARN, since: '2026-12-03T00:00:00.123Z', execution: 'exec-1', claimedAt: new Date(NOW).toISOString() };
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: KEY, Body: JSON.stringify(claim), ContentType: 'application/json', ServerSideEncryption: 'aws:kms', IfNoneMatch: '*' },
      { Bucket: BUCKET, Key: KEY, Body: JSON.stringify({ ...claim, publishedAt: new Date(NOW).toISOString() }), ContentType: 'application/json', ServerSideEncryption: 'aws:kms', IfMatch: '"claim-etag"' },
    ]);
    expect(KEY).toMatch(/^escalations\/[0-9a-f]{64}\.json$/);
    const [publish] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(publish).toMatchObject({
      TopicArn: UNRESOLVED_TOPIC,
      Subject: `[backup-dr CRITICAL] app-db ${REGION}: unresolved for 1 h 5 min: freshness`,
      MessageStructure: 'json',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' }, kind: { DataType: 'String', StringValue: UNRESOLVED_KIND }, resource: { DataType: 'String', StringValue: 'app-db' } },
    });
    const lambda = JSON.parse((JSON.parse(publish!.Message!) as { lambda: string }).lambda) as Record<string, unknown>;
    expect(lambda).toMatchObject({ kind: UNRESOLVED_KIND, resource: 'app-db', region: REGION, source: 'escalate-unresolved', details: { alarm: ALARM, alarmArn: ALARM_ARN, since: '2026-12-03T09:00:00.123+09:00', unresolvedForSeconds: 3900 } });
  });

  it.each([
    ['resolved', 'gone back to OK', { MetricAlarms: [metricAlarm({ StateValue: 'OK', StateTransitionedTimestamp: new Date(SINCE + 600_000) })] }],
    ['re-alarmed', 'gone OK and back to ALARM since the event', { MetricAlarms: [metricAlarm({ StateTransitionedTimestamp: new Date(SINCE + 1_800_000) })] }],
    ['gone', 'deleted', { MetricAlarms: [] }],
    ['not-ours', "notifying another stack's topic (another stage whose name extends this one's)", { MetricAlarms: [metricAlarm({ AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:backup-dr-alerts-test-eu`] })] }],
  ] as [string, string, { MetricAlarms: MetricAlarm[] }][])('leaves an alarm %s (%s) alone: no record read or written, nothing published', async (outcome, _why, described) => {
    cloudwatch.on(DescribeAlarmsCommand).resolves(described);
    expect(await escalateUnresolved(event(), input())).toEqual({ outcome, alarm: ALARM });
    expect(s3.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(log.lines.at(-1)).toMatchObject({ message: 'alarm not escalated', fields: { alarm: ALARM, outcome } });
  });

  it("publishes nothing for an incident another execution claimed (a duplicate event), nor for one this execution published (a retry after success)", async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ alarm: ALARM, alarmArn: ALARM_ARN, since: '2026-12-03T00:00:00.123Z', execution: 'exec-0', claimedAt: '2026-12-03T01:00:00.000Z' })), ETag: '"e"' });
    expect(await escalateUnresolved(event(), input())).toMatchObject({ outcome: 'duplicate' });
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ alarm: ALARM, alarmArn: ALARM_ARN, since: '2026-12-03T00:00:00.123Z', execution: 'exec-1', claimedAt: '2026-12-03T01:00:00.000Z', publishedAt: '2026-12-03T01:00:01.000Z' })), ETag: '"e"' });
    expect(await escalateUnresolved(event(), input())).toMatchObject({ outcome: 'duplicate' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('publishes nothing when another execution claims the incident between the read and the write (If-None-Match refused)', async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    expect(await escalateUnresolved(event(), input())).toMatchObject({ outcome: 'duplicate' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(sns.calls()).toHaveLength(0);
  });

  it('publishes on a retry of the execution that claimed the incident but did not publish it, marking the claim over its ETag', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ alarm: ALARM, alarmArn: ALARM_ARN, since: '2026-12-03T00:00:00.123Z', execution: 'exec-1', claimedAt: '2026-12-03T01:00:00.000Z' })), ETag: '"own-claim"' });
    expect(await escalateUnresolved(event(), input())).toMatchObject({ outcome: 'escalated' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({ IfMatch: '"own-claim"', Body: expect.stringContaining('"claimedAt":"2026-12-03T01:00:00.000Z"') })]);
  });

  it('throws a failed publish with the claim left unpublished (the retry publishes), and a DescribeAlarms refused before anything is written', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    await expect(escalateUnresolved(event(), input())).rejects.toMatchObject({ name: 'KMSDisabledException' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.IfNoneMatch).toBe('*');

    s3.reset();
    cloudwatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(escalateUnresolved(event(), input())).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('the handler', () => {
  const stateInput = (detail: Record<string, unknown>) => ({
    execution: 'exec-1',
    event: { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', region: REGION, resources: [ALARM_ARN], detail: { alarmName: ALARM, ...detail } },
  });
  beforeEach(() => {
    process.env[ENV.alertsTopicArn] = ALERTS_TOPIC;
    process.env[ENV.unresolvedTopicArn] = UNRESOLVED_TOPIC;
    process.env[ENV.reportsBucket] = BUCKET;
    setRuntime({ stage: 'test', policy, role: 'primary', region: REGION, alerts: new RecordingAlerts(), logger, log, metrics, now: () => NOW });
  });
  afterAll(() => {
    setRuntime(undefined);
    for (const name of [ENV.alertsTopicArn, ENV.unresolvedTopicArn, ENV.reportsBucket]) delete process.env[name];
  });

  it("reads the state change's time as CloudWatch writes it (+0000) and escalates", async () => {
    const result = await handler(stateInput({ state: { value: 'ALARM', timestamp: '2026-12-03T00:00:00.123+0000' } }), lambdaContext('escalate-unresolved'));
    expect(result).toMatchObject({ outcome: 'escalated', since: '2026-12-03T00:00:00.123Z' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(UNRESOLVED_TOPIC);
  });

  it.each([
    [{ state: { value: 'ALARM' } }, 'event.detail.state.timestamp'],
    [{ state: { value: 'ALARM', timestamp: 'yesterday' } }, 'event.detail.state.timestamp'],
    [{ state: { value: 'OK', timestamp: '2026-12-03T00:00:00.123+0000' } }, 'event.detail.state.value'],
  ])('refuses %j naming %s, before anything is read or sent', async (detail, field) => {
    await expect(handler(stateInput(detail), lambdaContext('escalate-unresolved'))).rejects.toMatchObject({ name: 'InvalidInput', field });
    expect(cloudwatch.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('the decision', () => {
  const now = (over: Partial<AlarmNow> = {}): AlarmNow => ({ name: ALARM, arn: ALARM_ARN, stateValue: 'ALARM', transitionedAt: SINCE, description: '', reason: '', actions: [ALERTS_TOPIC], ...over });
  it.each([
    ['in ALARM since the event', now(), { action: 'escalate', since: SINCE }],
    ['in ALARM, the timestamps a few ms apart (the same transition)', now({ transitionedAt: SINCE + SAME_TRANSITION_MS }), { action: 'escalate', since: SINCE + SAME_TRANSITION_MS }],
    ['in ALARM, no transition time known', now({ transitionedAt: undefined }), { action: 'escalate', since: SINCE }],
    ['in ALARM since a later transition', now({ transitionedAt: SINCE + SAME_TRANSITION_MS + 1 }), { action: 'skip', reason: 're-alarmed' }],
    ['OK', now({ stateValue: 'OK' }), { action: 'skip', reason: 'resolved' }],
    ['INSUFFICIENT_DATA', now({ stateValue: 'INSUFFICIENT_DATA' }), { action: 'skip', reason: 'resolved' }],
    ['not notifying this stack', now({ actions: [] }), { action: 'skip', reason: 'not-ours' }],
    ['deleted', undefined, { action: 'skip', reason: 'gone' }],
  ] as const)('%s', (_what, alarm, decision) => {
    expect(decideEscalation(alarm, SINCE, ALERTS_TOPIC)).toEqual(decision);
  });

  it('claims an incident nobody claimed, publishes its own unpublished claim, and leaves anyone else\'s (or its own published one) alone', () => {
    const claim = { alarm: ALARM, alarmArn: ALARM_ARN, since: 'x', execution: 'a', claimedAt: 'y' };
    expect(claimDecision(undefined, 'a')).toBe('claim');
    expect(claimDecision(claim, 'a')).toBe('publish');
    expect(claimDecision(claim, 'b')).toBe('duplicate');
    expect(claimDecision({ ...claim, publishedAt: 'z' }, 'a')).toBe('duplicate');
  });
});

describe('the messages', () => {
  it.each([
    [0, '0 min'],
    [59_000, '0 min'],
    [45 * 60_000, '45 min'],
    [60 * 60_000, '1 h'],
    [65 * 60_000, '1 h 5 min'],
    [26 * 3_600_000 + 30 * 60_000, '1 d 2 h'],
    [7 * 86_400_000, '7 d'],
  ])('%i ms reads "%s"', (ms, text) => {
    expect(spokenDuration(ms)).toBe(text);
  });

  it('the escalation says which alarm, since when, for how long, why, where and what to do, and to whom it escalated', () => {
    const alert = unresolvedAlert(
      { name: ALARM, arn: ALARM_ARN, description: metricAlarm().AlarmDescription!, reason: metricAlarm().StateReason!, since: SINCE },
      { policy, stage: 'test', region: REGION, now: NOW },
    );
    expect(alertText(alert, policy.timezone).split('\n')).toEqual([
      'CRITICAL: unresolved for 1 h 5 min: freshness',
      '',
      'Resource: app-db',
      `Region:   ${REGION}`,
      'When:     2026-12-03T10:05:00.123+09:00',
      'Source:   escalate-unresolved',
      '',
      'What to do: run take-db-snapshot for app-db and read its logs. Escalated to level 3 (management): the levels before it were told when it went to ALARM.',
      '',
      'Details:',
      `  alarm: ${ALARM}`,
      `  alarmArn: ${ALARM_ARN}`,
      '  component: rds',
      '  what: freshness',
      '  since: 2026-12-03T09:00:00.123+09:00',
      '  unresolvedForSeconds: 3900',
      '  reason: Threshold Crossed: 1 datapoint [7260.0 (03/12/26 00:00:00)] was greater than the threshold (900.0).',
      '  description: The newest verified backup of app-db in ap-northeast-1 is older than its RPO (15 min).',
      `  console: https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#alarmsV2:alarm/${ALARM}`,
    ]);
  });

  it("the alert of a failed escalation names the alarm when the event holds one, the error's message from a Lambda's cause, and the execution", () => {
    const failed = escalationFailedAlert(
      {
        event: { detail: { alarmName: ALARM } },
        execution: 'e-1',
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-dr-test-escalate-unresolved:e-1`,
        error: { Error: 'AccessDenied', Cause: JSON.stringify({ errorType: 'AccessDenied', errorMessage: 'not authorized', trace: ['…'] }) },
      },
      { policy, stage: 'test', region: REGION, now: NOW },
    );
    expect(failed).toMatchObject({
      severity: 'critical',
      kind: 'escalation-failed',
      resource: 'app-db',
      summary: 'escalation could not run: AccessDenied (freshness)',
      details: { execution: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-dr-test-escalate-unresolved:e-1`, alarm: ALARM, error: 'AccessDenied', message: 'not authorized' },
    });
    expect(escalationFailedAlert({ event: 'garbage', execution: 'e-2', error: { Error: 'States.Timeout' } }, { policy, stage: 'test', region: REGION, now: NOW })).toMatchObject({
      resource: 'backup-dr',
      region: REGION,
      summary: 'escalation could not run: States.Timeout (alarm unknown)',
      details: { execution: 'e-2', alarm: null, message: '' },
    });
  });
});
