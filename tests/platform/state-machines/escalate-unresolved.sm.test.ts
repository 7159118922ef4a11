// The escalate-unresolved state machine executed from its ASL file (aws-local-stepfunctions), its steps
// bound to the real handlers: CloudWatch answered by a small stateful fake of the one alarm (its state
// changed while the machine waits), the reports bucket by the S3 stand-in (conditional writes), SNS by
// aws-sdk-client-mock. An alarm still in ALARM is escalated once to the unresolved topic; one gone OK, or
// gone OK and back to ALARM since (a new incident), is not; a duplicate event's execution publishes
// nothing; a failing step reaches the alerts topic with an alert the escalation levels' filters and the
// Slack notifier read.

import { DescribeAlarmsCommand, CloudWatchClient, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/platform/escalate-unresolved/handler.js';
import { handler as notify } from '../../../functions/platform/escalate-unresolved-notify/handler.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { S3StandIn } from '../../../sandbox/aws/s3-standin.js';
import { asTask, resolvedAsl, runLocally, type AslState, type LocalRun, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { readNotice } from '../../../shared/alerts/slack-message.js';
import { ENV, reportsBucketName } from '../../../shared/contracts.js';
import { logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { escalateUnresolvedDefinition, WAIT_STATE } from '../../../state-machines/platform/escalate-unresolved.js';
import { aslValidator } from '../../helpers/asl-contract.js';
import { RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';
const BUCKET = reportsBucketName('test', ACCOUNT, REGION);
const ALERTS_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-dr-alerts-test`;
const UNRESOLVED_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-dr-escalation-unresolved-test`;
const ALARM = `backup-dr-test-rds-app-db-freshness-${REGION}`;
const ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ALARM}`;
const WENT_TO_ALARM = Date.parse('2026-12-03T00:00:00.123Z');
const HOUR = 3_600_000;

const policy = teamPolicy((doc) => {
  doc.alerts = {
    ...(doc.alerts ?? {}),
    escalation: {
      levels: [{ name: 'on-call', emails: ['oncall@example.com'] }, { name: 'team lead', emails: ['lead@example.com'] }, { name: 'management', emails: ['cto@example.com'] }],
      unresolved: { after: '1h', levels: [3] },
    },
  };
});
const definition = () => escalateUnresolvedDefinition(HOUR);

/** The EventBridge event of the alarm's ALARM state change, as CloudWatch sends it. */
const alarmEvent = (at = WENT_TO_ALARM) => ({
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: ACCOUNT,
  time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: REGION,
  resources: [ALARM_ARN],
  detail: {
    alarmName: ALARM,
    state: { value: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [7260.0] was greater than the threshold (3600.0).', timestamp: new Date(at).toISOString().replace('Z', '+0000') },
    previousState: { value: 'OK', reason: 'fine', timestamp: new Date(at - HOUR).toISOString().replace('Z', '+0000') },
    configuration: { description: 'The newest verified backup of app-db is older than its RPO. Runbook: run take-db-snapshot for app-db.' },
  },
});

const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
let s3: S3StandIn;
let clock: number;
/** The alarm as CloudWatch holds it now (undefined: deleted). */
let alarm: MetricAlarm | undefined;

function alarmIn(state: 'ALARM' | 'OK', since: number): MetricAlarm {
  return {
    AlarmName: ALARM,
    AlarmArn: ALARM_ARN,
    AlarmDescription: 'The newest verified backup of app-db in ap-northeast-1 is older than its RPO (15 min). Runbook: run take-db-snapshot for app-db and read its logs.',
    AlarmActions: [ALERTS_TOPIC],
    StateValue: state,
    StateReason: state === 'ALARM' ? 'Threshold Crossed: 1 datapoint [7260.0 (03/12/26 00:00:00)] was greater than the threshold (900.0).' : 'Threshold Crossed: no datapoints were breaching.',
    StateTransitionedTimestamp: new Date(since),
    StateUpdatedTimestamp: new Date(clock),
  };
}

const published = (topic: string): PublishCommandInput[] => sns.commandCalls(PublishCommand).map((c) => c.args[0].input).filter((input) => input.TopicArn === topic);

/** The steps, bound to their handlers; the escalation step first moves the clock to `at` and lets `during` change the world (what the wait saw happen). */
function steps(at: number, during: () => void = () => undefined): Record<string, LocalTask> {
  const escalate = asTask('escalate-unresolved', handler);
  return {
    escalateUnresolved: async (input) => {
      clock = at;
      during();
      return escalate(input);
    },
    escalateUnresolvedNotify: asTask('escalate-unresolved-notify', notify),
  };
}

/** One execution of the event at WENT_TO_ALARM: the wait ends an hour and five seconds after it. */
async function execute(name: string, during: () => void = () => undefined, event: unknown = alarmEvent()): Promise<LocalRun> {
  return runLocally(definition(), event, steps(WENT_TO_ALARM + HOUR + 5_000, during), { executionName: name });
}

beforeEach(() => {
  clock = WENT_TO_ALARM;
  alarm = alarmIn('ALARM', WENT_TO_ALARM);
  cloudwatch.reset();
  cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({ MetricAlarms: alarm !== undefined && input.AlarmNames?.includes(alarm.AlarmName!) === true ? [alarm] : [] }));
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  s3 = new S3StandIn({ now: () => clock });
  s3.install();
  process.env[ENV.alertsTopicArn] = ALERTS_TOPIC;
  process.env[ENV.unresolvedTopicArn] = UNRESOLVED_TOPIC;
  process.env[ENV.reportsBucket] = BUCKET;
  setRuntime({ stage: 'test', policy, role: 'primary', region: REGION, alerts: snsAlertSink(new SNSClient({ region: REGION }), ALERTS_TOPIC, policy.timezone), logger, log: new RecordingLog(), metrics, now: () => clock });
});
afterEach(() => s3.restore());
afterAll(() => {
  setRuntime(undefined);
  for (const name of [ENV.alertsTopicArn, ENV.unresolvedTopicArn, ENV.reportsBucket]) delete process.env[name];
});

describe('the definition', () => {
  it('passes asl-validator with the deployment references resolved, waits the policy duration and times out an hour after it', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(resolvedAsl(definition())));
    expect(isValid, errorsText('\n')).toBe(true);
    expect(definition().States[WAIT_STATE]).toMatchObject({ Type: 'Wait', Seconds: 3600, Next: 'Escalate' });
    expect(escalateUnresolvedDefinition(7 * 24 * HOUR).TimeoutSeconds).toBe(7 * 24 * 3600 + 3600);
  });

  it.each(['Escalate', 'Notify'])('Task "%s" retries the Lambda service errors and throttling, never a blanket States.ALL, and ends its Catch list with States.ALL', (name) => {
    const state = definition().States[name] as AslState;
    expect(state.Retry?.[0]?.ErrorEquals).toEqual(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException']);
    expect(state.Retry?.[1]?.ErrorEquals).toEqual(expect.arrayContaining(['ThrottledException', 'KMSThrottlingException']));
    expect(state.Retry?.some((r) => r.ErrorEquals.includes('States.ALL'))).toBe(false);
    expect(state.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('routes every failure of the escalation to Notify, and Notify (done or not) to Failed', () => {
    expect(definition().States['Escalate']?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Notify' }]);
    expect(definition().States['Notify']).toMatchObject({ Next: 'Failed', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: 'Failed' }] });
    expect(definition().States['Failed']).toMatchObject({ Type: 'Fail', Error: 'EscalationFailed' });
  });
});

describe('an alarm', () => {
  it('still in ALARM after the wait is escalated once to the unresolved topic, and its incident recorded', async () => {
    const run = await execute('still-alarm');

    expect(run).toMatchObject({ status: 'SUCCEEDED', states: ['Start', WAIT_STATE, 'Escalate', 'Done'] });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([{ AlarmNames: [ALARM] }]);
    expect(published(ALERTS_TOPIC)).toEqual([]);
    const [escalation] = published(UNRESOLVED_TOPIC);
    expect(published(UNRESOLVED_TOPIC)).toHaveLength(1);
    expect(escalation?.Subject).toBe(`[backup-dr CRITICAL] app-db ${REGION}: unresolved for 1 h: freshness`);
    expect(escalation?.MessageAttributes?.['severity']).toEqual({ DataType: 'String', StringValue: 'critical' });
    const message = JSON.parse(escalation!.Message!) as Record<string, string>;
    // The e-mail says which alarm, since when, for how long, why, where to look and what to do.
    expect(message['email']).toContain('CRITICAL: unresolved for 1 h: freshness');
    for (const part of [`alarm: ${ALARM}`, 'since: 2026-12-03T09:00:00.123+09:00', 'unresolvedForSeconds: 3605', 'reason: Threshold Crossed', `console: https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#alarmsV2:alarm/${ALARM}`, 'What to do: run take-db-snapshot for app-db and read its logs.']) {
      expect(message['email']).toContain(part);
    }
    expect(run.output).toMatchObject({ escalation: { outcome: 'escalated', alarm: ALARM, since: '2026-12-03T00:00:00.123Z', unresolvedForSeconds: 3605 } });
    const [record] = s3.objects().filter((o) => o.key.startsWith('escalations/'));
    expect(JSON.parse(record!.body)).toEqual({ alarm: ALARM, alarmArn: ALARM_ARN, since: '2026-12-03T00:00:00.123Z', execution: 'still-alarm', claimedAt: '2026-12-03T01:00:05.123Z', publishedAt: '2026-12-03T01:00:05.123Z' });
  });

  it('gone back to OK by then is not escalated', async () => {
    const run = await execute('resolved', () => (alarm = alarmIn('OK', WENT_TO_ALARM + 20 * 60_000)));
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { escalation: { outcome: 'resolved' } } });
    expect(sns.commandCalls(PublishCommand)).toEqual([]);
    expect(s3.objects()).toEqual([]);
  });

  it('gone OK and back to ALARM since the event is a new incident: this execution does not escalate it (the new ALARM started its own)', async () => {
    const run = await execute('re-alarmed', () => (alarm = alarmIn('ALARM', WENT_TO_ALARM + 40 * 60_000)));
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { escalation: { outcome: 're-alarmed' } } });
    expect(sns.commandCalls(PublishCommand)).toEqual([]);

    // The execution of that second ALARM, an hour after it, escalates it.
    const later = alarmEvent(WENT_TO_ALARM + 40 * 60_000);
    const second = await runLocally(definition(), later, steps(WENT_TO_ALARM + 100 * 60_000), { executionName: 're-alarmed-2' });
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: { escalation: { outcome: 'escalated', unresolvedForSeconds: 3600 } } });
    expect(published(UNRESOLVED_TOPIC)).toHaveLength(1);
  });

  it('of a duplicate ALARM event is escalated once: the second execution finds the first one\'s claim', async () => {
    const first = await execute('event-delivery-1');
    const second = await execute('event-delivery-2');
    expect(first.output).toMatchObject({ escalation: { outcome: 'escalated' } });
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: { escalation: { outcome: 'duplicate' } } });
    expect(published(UNRESOLVED_TOPIC)).toHaveLength(1);
    expect(s3.objects().filter((o) => o.key.startsWith('escalations/'))).toHaveLength(1);
  });

  it('deleted meanwhile is not escalated', async () => {
    const run = await execute('deleted', () => (alarm = undefined));
    expect(run.output).toMatchObject({ escalation: { outcome: 'gone' } });
    expect(sns.commandCalls(PublishCommand)).toEqual([]);
  });
});

describe('a failure', () => {
  it('of the step reaches the alerts topic, as an alert the escalation levels filter as critical and the Slack notifier reads; the execution fails', async () => {
    cloudwatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudwatch:DescribeAlarms'), { name: 'AccessDenied' }));
    const run = await execute('denied');

    expect(run).toMatchObject({ status: 'FAILED', error: { name: 'EscalationFailed' }, states: ['Start', WAIT_STATE, 'Escalate', 'Notify', 'Failed'] });
    expect(published(UNRESOLVED_TOPIC)).toEqual([]);
    const alerts = published(ALERTS_TOPIC);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      Subject: `[backup-dr CRITICAL] app-db ${REGION}: escalation could not run: AccessDenied (freshness)`,
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' }, kind: { DataType: 'String', StringValue: 'escalation-failed' }, resource: { DataType: 'String', StringValue: 'app-db' } },
    });
    const message = JSON.parse(alerts[0]!.Message!) as Record<string, string>;
    expect(message['email']).toContain(`What to do: Check ${ALARM} in the CloudWatch console: if it is still in ALARM, tell level 3 (management) yourself.`);
    expect(message['email']).toContain('message: User is not authorized to perform: cloudwatch:DescribeAlarms');
    const notice = readNotice(message['lambda']!, clock, policy, { stage: 'test', region: REGION });
    expect(notice).toMatchObject({ origin: 'alert', status: 'firing', severity: 'critical', kind: 'escalation-failed', resource: 'app-db', component: 'rds', source: 'escalate-unresolved' });
    // The execution's console page is among its links.
    expect(notice?.links[0]).toEqual({ label: 'Execution', url: `https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/arn:aws:states:${REGION}:${ACCOUNT}:execution:local:denied` });
    expect(s3.objects()).toEqual([]);
  });

  it('of the publish (after the claim) reaches the alerts topic, and a rerun of the same execution publishes the escalation it claimed', async () => {
    sns.on(PublishCommand, { TopicArn: UNRESOLVED_TOPIC }).rejectsOnce(Object.assign(new Error('denied by the key policy'), { name: 'KMSAccessDeniedException' })).resolves({ MessageId: 'm-2' });
    const failed = await execute('publish-fails');
    expect(failed).toMatchObject({ status: 'FAILED', states: ['Start', WAIT_STATE, 'Escalate', 'Notify', 'Failed'] });
    expect(published(ALERTS_TOPIC)).toHaveLength(1);
    expect(JSON.parse(s3.objects().find((o) => o.key.startsWith('escalations/'))!.body)).toMatchObject({ execution: 'publish-fails' });
    expect(JSON.parse(s3.objects().find((o) => o.key.startsWith('escalations/'))!.body).publishedAt).toBeUndefined();

    // Redriven (the same execution name): its own claim, not yet published — it publishes now; another execution would not.
    const other = await execute('another');
    expect(other.output).toMatchObject({ escalation: { outcome: 'duplicate' } });
    const redriven = await execute('publish-fails');
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', output: { escalation: { outcome: 'escalated' } } });
    expect(published(UNRESOLVED_TOPIC)).toHaveLength(2);
    expect(JSON.parse(s3.objects().find((o) => o.key.startsWith('escalations/'))!.body).publishedAt).toBe('2026-12-03T01:00:05.123Z');
  });

  it('of bad input (an event without its state timestamp) reaches the alerts topic naming the field, with nothing read or written', async () => {
    const run = await execute('bad', () => undefined, { ...alarmEvent(), detail: { alarmName: ALARM, state: { value: 'ALARM' } } });
    expect(run.status).toBe('FAILED');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toEqual([]);
    expect(s3.requests()).toEqual([]);
    const alert = JSON.parse((JSON.parse(published(ALERTS_TOPIC)[0]!.Message!) as { lambda: string }).lambda) as { summary: string; details: { error: string; message: string } };
    expect(alert.summary).toBe('escalation could not run: InvalidInput (freshness)');
    expect(alert.details.message).toContain('event.detail.state.timestamp');
  });

  it('of the notify step too ends the execution FAILED: the execution-failed rule and the machine\'s alarm are behind it', async () => {
    cloudwatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    sns.on(PublishCommand, { TopicArn: ALERTS_TOPIC }).rejects(Object.assign(new Error('no such topic'), { name: 'NotFoundException' }));
    const run = await execute('notify-fails');
    expect(run).toMatchObject({ status: 'FAILED', error: { name: 'EscalationFailed' }, states: ['Start', WAIT_STATE, 'Escalate', 'Notify', 'Failed'] });
  });
});
