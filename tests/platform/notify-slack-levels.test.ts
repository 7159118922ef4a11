// The Slack notifier's channels per escalation level, against a real HTTP server on 127.0.0.1 standing in
// for four incoming webhooks (the main one and three levels' — each secret holds its own URL): our alerts
// reach the channels of the levels their severity reaches, alarms those critical reaches, the delayed
// escalation of an unresolved alarm the unresolved levels' with its "Escalated: unresolved for …" header,
// and the alarm's OK resolves it wherever it was posted; the main channel keeps getting everything. Fold
// state is per channel (one channel's failure does not hold the others, and Lambda's retry posts only
// what is missing); a secret two levels share is one channel; without alerts.slack the levels' channels
// still get theirs.

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { foldKey, forgetWebhookUrl, notifySlack, type NotifyInput, type SnsRecord } from '../../functions/platform/notify-slack/notify-slack.js';
import { alertJson, type Alert } from '../../shared/alerts/alert.js';
import { channelsFor, configuredChannels } from '../../shared/alerts/slack-channels.js';
import { readNotice } from '../../shared/alerts/slack-message.js';
import { snsAlertSink } from '../../shared/alerts/sns.js';
import { unresolvedAlert } from '../../shared/alerts/unresolved.js';
import type { Policy } from '../../shared/policy/schema.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../../sandbox/aws/secrets-standin.js';
import { RecordingLog, teamPolicy } from '../helpers/runtime.js';
import { WebhookServer } from '../helpers/webhook-server.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const NOW = Date.parse('2026-12-03T00:00:00Z');
const MINUTE = 60_000;
const ALARM = `backup-dr-test-rds-app-db-freshness-${REGION}`;
const ALARM_ARN = `arn:aws:cloudwatch:${REGION}:123456789012:alarm:${ALARM}`;

/** Each channel's secret, and the path its webhook URL ends with (what the stand-in tells them apart by). */
const CHANNELS = { main: 'slack/main', oncall: 'slack/oncall', lead: 'slack/lead', management: 'slack/management' } as const;
type ChannelName = keyof typeof CHANNELS;

function policyWith(slack: boolean, levels: { name: string; emails?: string[]; slack?: { webhookSecret: string } }[] = LEVELS, severities?: Record<string, number[]>): Policy {
  return teamPolicy((doc) => {
    doc.alerts = {
      ...(doc.alerts ?? {}),
      ...(slack ? { slack: { webhookSecret: CHANNELS.main, foldWindow: '2h' } } : {}),
      escalation: { levels, ...(severities === undefined ? {} : { severities }), unresolved: { after: '1h', levels: [3] } },
    };
  });
}
const LEVELS = [
  { name: 'on-call', emails: ['oncall@example.com'], slack: { webhookSecret: CHANNELS.oncall } },
  { name: 'team lead', slack: { webhookSecret: CHANNELS.lead } },
  { name: 'management', slack: { webhookSecret: CHANNELS.management } },
];
const policy = policyWith(true);

// ---- the webhooks: one server, a path per channel ----------------------------------------------------------

const webhook = new WebhookServer<{ text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] }>();
/** What each channel was posted, in order. */
const received = webhook.received;

beforeAll(async () => {
  await webhook.start();
});
afterAll(async () => {
  await webhook.stop();
});

let s3: S3StandIn;
const secrets = new SecretsStandIn();
let clock = NOW;
let log: RecordingLog;

beforeEach(() => {
  clock = NOW;
  webhook.reset();
  log = new RecordingLog();
  forgetWebhookUrl();
  s3 = new S3StandIn({ now: () => clock });
  s3.install();
  secrets.install();
  for (const [name, secret] of Object.entries(CHANNELS)) secrets.put(REGION, secret, webhook.urlFor(name));
});
afterEach(() => {
  s3.restore();
  secrets.restore();
});

function input(over: Partial<NotifyInput> = {}): NotifyInput {
  return {
    policy,
    stage: 'test',
    region: REGION,
    reportsBucket: BUCKET,
    s3: new S3Client({ region: REGION }),
    secrets: new SecretsManagerClient({ region: REGION }),
    log,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    delivery: { timeoutMs: 2_000 },
    ...over,
  };
}

let count = 0;
const record = (message: unknown, id = `m-${(count += 1)}`): SnsRecord => ({ Sns: { MessageId: id, Message: typeof message === 'string' ? message : JSON.stringify(message), Timestamp: new Date(clock).toISOString() } });
const alert = (severity: Alert['severity'], over: Partial<Alert> = {}): Alert => ({
  severity,
  kind: 'backup-failed',
  resource: 'app-db',
  region: REGION,
  summary: `a ${severity} thing happened`,
  action: 'Fix it.',
  source: 'take-db-snapshot',
  at: clock,
  ...over,
});
const alarm = (state: 'ALARM' | 'OK', at: number) => ({
  AlarmName: ALARM,
  AlarmArn: ALARM_ARN,
  AlarmDescription: 'The newest verified backup of app-db is older than its RPO. Runbook: run take-db-snapshot for app-db.',
  NewStateValue: state,
  NewStateReason: 'Threshold Crossed: 1 datapoint [7260.0 (03/12/26 00:00:00)] was greater than the threshold (900.0).',
  StateChangeTime: new Date(at).toISOString().replace('Z', '+0000'),
  OldStateValue: state === 'OK' ? 'ALARM' : 'OK',
  Trigger: { Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' },
});

/** The message escalate-unresolved publishes for the alarm (the `lambda` part of what our SNS sink sends). */
async function escalationMessage(since: number, now: number, on: Policy = policy): Promise<string> {
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'x' });
  try {
    const escalation = unresolvedAlert({ name: ALARM, arn: ALARM_ARN, description: alarm('ALARM', since).AlarmDescription, reason: alarm('ALARM', since).NewStateReason, since }, { policy: on, stage: 'test', region: REGION, now });
    await snsAlertSink(new SNSClient({ region: REGION }), 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-escalation-unresolved-test', on.timezone).publish(escalation);
    return (JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!) as { lambda: string }).lambda;
  } finally {
    sns.restore();
  }
}

/** Which channels got a post since `from`, in order. */
const postedTo = (from = 0): string[] => received.slice(from).map((r) => r.channel);
const header = (i: number) => received[i]?.body.blocks[0]?.text?.text;

describe('our alerts', () => {
  it('reach the main channel and the channels of the levels their severity reaches: critical levels 1 and 2, warning level 1, info none', async () => {
    await notifySlack([record(alertJson(alert('critical')))], input());
    expect(postedTo()).toEqual<ChannelName[]>(['main', 'oncall', 'lead']);
    await notifySlack([record(alertJson(alert('warning')))], input());
    expect(postedTo(3)).toEqual<ChannelName[]>(['main', 'oncall']);
    const info = await notifySlack([record(alertJson(alert('info')))], input());
    expect(postedTo(5)).toEqual<ChannelName[]>(['main']);
    expect(info).toEqual({ posted: 1, folded: 0, skipped: 0, attempts: 1 });
    // The same message in each channel.
    expect(new Set(received.slice(0, 3).map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('are folded per channel: each channel remembers the alert in its own fold state', async () => {
    const first = await notifySlack([record(alertJson(alert('critical')))], input());
    clock += 10 * MINUTE;
    const repeat = await notifySlack([record(alertJson(alert('critical', { at: clock })))], input());
    expect(first).toMatchObject({ posted: 3, folded: 0 });
    expect(repeat).toEqual({ posted: 0, folded: 3, skipped: 0, attempts: 0 });
    const fingerprint = 'alert|critical|backup-failed|app-db|ap-northeast-1|take-db-snapshot';
    const keys = [foldKey(fingerprint), foldKey(fingerprint, { secret: CHANNELS.oncall, main: false }), foldKey(fingerprint, { secret: CHANNELS.lead, main: false })];
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(JSON.parse(s3.read(BUCKET, key)!)).toMatchObject({ open: true, repeats: 1 });
  });

  it("a channel that rejects the post does not keep the others from theirs; Lambda's retry posts only to it", async () => {
    webhook.channelReplies.set('lead', [{ status: 403, body: 'invalid_token' }]);
    const once = record(alertJson(alert('critical')), 'retried');
    await expect(notifySlack([once], input())).rejects.toMatchObject({ name: 'SlackDeliveryFailed', rejected: true });
    expect(postedTo()).toEqual<ChannelName[]>(['main', 'oncall', 'lead']);
    expect(log.lines.find((l) => l.message === 'notice not delivered to Slack')?.fields).toMatchObject({ messageId: 'retried', channel: CHANNELS.lead, error: 'SlackDeliveryFailed' });

    const retried = await notifySlack([once], input());
    expect(postedTo(3)).toEqual<ChannelName[]>(['lead']);
    expect(retried).toEqual({ posted: 1, folded: 0, skipped: 2, attempts: 1 });
  });
});

describe('alarms and their escalation', () => {
  it('an ALARM reaches the channels of the levels critical reaches; its escalation the unresolved levels\' with its header — never folded; the OK resolves it everywhere it was posted', async () => {
    await notifySlack([record(alarm('ALARM', NOW))], input());
    expect(postedTo()).toEqual<ChannelName[]>(['main', 'oncall', 'lead']);

    // An hour and five minutes later, within the main channel's 2 h fold window: still posted.
    clock = NOW + 65 * MINUTE;
    const escalated = await notifySlack([record(await escalationMessage(NOW, clock))], input());
    expect(escalated).toEqual({ posted: 2, folded: 0, skipped: 0, attempts: 2 });
    expect(postedTo(3)).toEqual<ChannelName[]>(['main', 'management']);
    expect(header(3)).toBe('Escalated: unresolved for 1 h 5 min: freshness app-db');
    expect(received[3]?.body.text).toBe(`Escalated: unresolved for 1 h 5 min: rds app-db ${REGION}: unresolved for 1 h 5 min: freshness`);
    expect(received[4]?.body).toEqual(received[3]?.body);
    expect(received[4]?.body.blocks.find((b) => b.type === 'actions')?.elements?.map((e) => e.text)).toEqual([{ type: 'plain_text', text: 'Alarm' }, { type: 'plain_text', text: 'Dashboard' }]);

    clock = NOW + 80 * MINUTE;
    const resolved = await notifySlack([record(alarm('OK', clock))], input());
    expect(postedTo(5)).toEqual<ChannelName[]>(['main', 'oncall', 'lead', 'management']);
    expect(resolved).toMatchObject({ posted: 4 });
    expect(received.slice(5).map((r) => r.body.blocks[0]?.text?.text)).toEqual(Array(4).fill('Resolved: freshness app-db'));
  });

  it('an OK of an alarm that never escalated is not posted to the unresolved levels\' channel (nothing open there)', async () => {
    await notifySlack([record(alarm('ALARM', NOW))], input());
    clock = NOW + 20 * MINUTE;
    const resolved = await notifySlack([record(alarm('OK', clock))], input());
    expect(postedTo(3)).toEqual<ChannelName[]>(['main', 'oncall', 'lead']);
    expect(resolved).toEqual({ posted: 3, folded: 0, skipped: 1, attempts: 3 });
  });

  it('an escalation read after the resolution the main channel already posted is late there', async () => {
    await notifySlack([record(alarm('ALARM', NOW))], input());
    await notifySlack([record(alarm('OK', NOW + 30 * MINUTE))], input());
    clock = NOW + 65 * MINUTE;
    await notifySlack([record(await escalationMessage(NOW, clock))], input());
    expect(postedTo(6)).not.toContain('main');
  });

  it('reads the escalation as the alarm it escalates, naming the bad field of a malformed one', async () => {
    const message = await escalationMessage(NOW, NOW + HOURS(2));
    expect(readNotice(message, NOW, policy, { stage: 'test', region: REGION })).toMatchObject({
      origin: 'escalation',
      status: 'firing',
      component: 'rds',
      kind: 'freshness',
      resource: 'app-db',
      at: NOW,
      fingerprint: `alarm|${REGION}|${ALARM}`,
      escalation: { unresolvedForMs: 2 * 3_600_000 },
    });
    const broken = JSON.parse(message) as { details: Record<string, unknown> };
    delete broken.details['since'];
    expect(() => readNotice(JSON.stringify(broken), NOW, policy, { stage: 'test', region: REGION })).toThrow(expect.objectContaining({ name: 'InvalidInput', field: 'Message.details.since' }));
  });
});

describe('the channels', () => {
  it('without alerts.slack: the levels\' channels still get theirs, and a notice no level takes is skipped', async () => {
    const levelsOnly = policyWith(false);
    await notifySlack([record(alertJson(alert('critical')))], input({ policy: levelsOnly }));
    expect(postedTo()).toEqual<ChannelName[]>(['oncall', 'lead']);
    const info = await notifySlack([record(alertJson(alert('info')))], input({ policy: levelsOnly }));
    expect(info).toEqual({ posted: 0, folded: 0, skipped: 1, attempts: 0 });
    expect(log.lines.at(-1)).toMatchObject({ message: 'notice not posted: no channel takes it', fields: { severity: 'info' } });
  });

  it('a secret two levels name is one channel; a level without a channel adds none', () => {
    const shared = policyWith(true, [
      { name: 'on-call', slack: { webhookSecret: CHANNELS.oncall } },
      { name: 'team lead', slack: { webhookSecret: CHANNELS.oncall } },
      { name: 'management', emails: ['cto@example.com'] },
    ]);
    const notice = readNotice(JSON.stringify(alertJson(alert('critical'))), NOW, shared, { stage: 'test', region: REGION })!;
    expect(channelsFor(notice, shared)).toEqual([
      { secret: CHANNELS.main, main: true },
      { secret: CHANNELS.oncall, main: false },
    ]);
    expect(configuredChannels(shared)).toEqual([CHANNELS.main, CHANNELS.oncall]);
  });

  it('an execution-failed notice stays on the main channel (its ExecutionsFailed alarm reaches the levels)', async () => {
    await notifySlack([record(JSON.stringify('[backup-dr CRITICAL] ap-northeast-1: execution x of arn:aws:states:ap-northeast-1:123456789012:stateMachine:backup-dr-test-restore-test ended FAILED at 2026-12-03T00:00:00Z. Read it.'))], input());
    expect(postedTo()).toEqual<ChannelName[]>(['main']);
  });

  it('with no channel at all, the notifier refuses to run, naming both settings', async () => {
    const none = teamPolicy((doc) => (doc.alerts = { escalation: { levels: [{ name: 'on-call', emails: ['oncall@example.com'] }], severities: { critical: [1] } } }));
    await expect(notifySlack([record(alertJson(alert('critical')))], input({ policy: none }))).rejects.toThrow(/neither alerts\.slack nor any alerts\.escalation\.levels\[\]\.slack/);
    expect(received).toEqual([]);
  });
});

function HOURS(n: number): number {
  return n * 3_600_000;
}
