// The Slack notifier against a real HTTP server on 127.0.0.1 standing in for the incoming webhook: the
// Block Kit it posts for an alert, an alarm, its resolution and the execution-failed notice; repeats
// folded into a count (state in the S3 stand-in, conditional writes); SNS redeliveries and late events
// as no-ops; retries on 5xx, timeouts and 429 honouring Retry-After within the budget; a rejection or an
// exhausted budget thrown (Lambda's retry and on-failure queue take over) with nothing recorded, so the
// retry posts it; bad input named; and the webhook URL in no log line, error, result or stored state.

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { foldKey, forgetWebhookUrl, notifySlack, type NotifyInput, type SnsRecord } from '../../functions/platform/notify-slack/notify-slack.js';
import { handler } from '../../functions/platform/notify-slack/handler.js';
import { alertJson, type Alert } from '../../shared/alerts/alert.js';
import { readNotice, slackText } from '../../shared/alerts/slack-message.js';
import { retryAfterMs, SlackDeliveryFailed } from '../../shared/alerts/slack-webhook.js';
import { snsAlertSink } from '../../shared/alerts/sns.js';
import { ENV } from '../../shared/contracts.js';
import { InvalidInput } from '../../shared/errors.js';
import { logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../../sandbox/aws/secrets-standin.js';
import { RecordingLog, teamPolicy } from '../helpers/runtime.js';
import { WebhookServer } from '../helpers/webhook-server.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const SECRET = 'backup-dr/slack-webhook';
const TOKEN = 'T0SECRET/B0SECRET/xoxSecretWebhookToken42';
const NOW = Date.parse('2026-12-03T00:00:00Z');
const MINUTE = 60_000;
const policy = teamPolicy((d) => {
  d.alerts = { ...(d.alerts ?? {}), slack: { webhookSecret: SECRET, foldWindow: '1h' } };
});

// ---- the webhook stand-in ----------------------------------------------------------------------------------

// ---- the world around it ----------------------------------------------------------------------------------

const webhook = new WebhookServer(`/services/${TOKEN}`);
let s3 = new S3StandIn({ now: () => clock.now });
const secrets = new SecretsStandIn();
const clock = { now: NOW };
let log: RecordingLog;
let slept: number[];

function input(overrides: Partial<NotifyInput> = {}): NotifyInput {
  return {
    policy,
    stage: 'test',
    region: REGION,
    reportsBucket: BUCKET,
    s3: new S3Client({ region: REGION }),
    secrets: new SecretsManagerClient({ region: REGION }),
    log,
    now: () => clock.now,
    sleep: async (ms) => {
      slept.push(ms);
      clock.now += ms;
    },
    delivery: { timeoutMs: 2_000 },
    ...overrides,
  };
}

const ALERT: Alert = {
  severity: 'critical',
  kind: 'backup-failed',
  resource: 'app-db',
  region: REGION,
  summary: 'the daily snapshot of app-db failed: SnapshotQuotaExceeded',
  action: 'Delete manual snapshots we no longer keep or raise the quota, then run take-db-snapshot.',
  source: 'take-db-snapshot',
  at: NOW - MINUTE,
  details: {
    error: 'SnapshotQuotaExceeded',
    measured: '100 snapshots',
    target: 'under 80',
    executionArn: 'arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-restore-test:rt-app-db-1',
    evidence: 'evidence/app-db/2026/12/rt-app-db-1.json',
  },
};

let messageCount = 0;
function record(message: unknown, id = `m-${(messageCount += 1)}`): SnsRecord {
  return { Sns: { MessageId: id, Message: typeof message === 'string' ? message : JSON.stringify(message), Timestamp: new Date(clock.now).toISOString() } };
}
const alertRecord = (alert: Alert = ALERT, id?: string) => record(alertJson(alert), id);

function alarmMessage(state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', at: number): Record<string, unknown> {
  return {
    AlarmName: 'backup-dr-test-rds-app-db-freshness-ap-northeast-1',
    AlarmDescription: 'The newest verified backup of app-db in ap-northeast-1 is older than its RPO (1h). Runbook: run take-db-snapshot for app-db and read its logs.',
    AWSAccountId: '123456789012',
    NewStateValue: state,
    NewStateReason: 'Threshold Crossed: 1 datapoint [7260.0 (03/12/26 00:00:00)] was greater than the threshold (3600.0).',
    StateChangeTime: new Date(at).toISOString().replace('Z', '+0000'),
    Region: 'Asia Pacific (Tokyo)',
    AlarmArn: 'arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:backup-dr-test-rds-app-db-freshness-ap-northeast-1',
    OldStateValue: state === 'OK' ? 'ALARM' : 'OK',
    Trigger: { MetricName: 'NewestVerifiedBackupAge', Namespace: 'BackupDR', Statistic: 'MAXIMUM', Threshold: 3600, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 },
  };
}

/** Everything the notifier wrote where a person or a machine could read it. */
function everythingVisible(extra: unknown[] = []): string {
  return JSON.stringify([log.lines, s3.objects().map((o) => ({ key: o.key, body: o.body })), extra]);
}

beforeAll(async () => {
  await webhook.start();
});
afterAll(async () => {
  await webhook.stop();
});
beforeEach(() => {
  clock.now = NOW;
  log = new RecordingLog();
  slept = [];
  webhook.reset();
  forgetWebhookUrl();
  s3 = new S3StandIn({ now: () => clock.now });
  s3.install();
  secrets.install();
  secrets.put(REGION, SECRET, webhook.url);
});
afterEach(() => {
  s3.restore();
  secrets.restore();
});

describe('the Slack notifier posts Block Kit', () => {
  it('with severity, component, resource, region, what happened, measured vs target, links and the runbook step', async () => {
    const result = await notifySlack([alertRecord()], input());

    expect(result).toEqual({ posted: 1, folded: 0, skipped: 0, attempts: 1 });
    expect(webhook.received).toHaveLength(1);
    const [request] = webhook.received;
    expect(request?.path).toBe(`/services/${TOKEN}`);
    expect(request?.contentType).toBe('application/json');
    const { text, blocks } = request!.body as { text: string; blocks: any[] };
    expect(text).toBe('CRITICAL: rds app-db ap-northeast-1: the daily snapshot of app-db failed: SnapshotQuotaExceeded');
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions', 'context']);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'CRITICAL: backup-failed app-db', emoji: true } });
    expect(blocks[1].text.text).toBe(':rotating_light: the daily snapshot of app-db failed: SnapshotQuotaExceeded');
    expect(blocks[2].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Severity*\ncritical',
      '*Component*\nrds',
      '*Resource*\napp-db',
      '*Region*\nap-northeast-1',
      '*Measured*\n100 snapshots',
      '*Target*\nunder 80',
    ]);
    expect(blocks[3].text.text).toBe('*What to do:* Delete manual snapshots we no longer keep or raise the quota, then run take-db-snapshot.');
    const buttons = blocks[4].elements as { text: { text: string }; url: string }[];
    expect(Object.fromEntries(buttons.map((b) => [b.text.text, b.url]))).toEqual({
      Execution: 'https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-restore-test:rt-app-db-1',
      Logs: 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fbackup-dr-test-take-db-snapshot',
      Dashboard: 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/backup-dr-test-ap-northeast-1',
      Evidence: `https://s3.console.aws.amazon.com/s3/object/${BUCKET}?region=ap-northeast-1&prefix=evidence%2Fapp-db%2F2026%2F12%2Frt-app-db-1.json`,
    });
    expect(blocks[5].elements[0].text).toBe(`take-db-snapshot · ${new Date(NOW - MINUTE).toISOString()}`);

    // The alert's state: under slack-folds/ in the reports bucket, encrypted, open, nothing folded yet.
    const stored = s3.object(BUCKET, foldKey('alert|critical|backup-failed|app-db|ap-northeast-1|take-db-snapshot'));
    expect(stored?.serverSideEncryption).toBe('aws:kms');
    expect(JSON.parse(stored!.body)).toMatchObject({ open: true, postedAt: NOW, repeats: 0 });
  });

  it('links evidence given as an s3:// address to that bucket and key', async () => {
    await notifySlack([alertRecord({ ...ALERT, details: { evidence: 's3://other-bucket/evidence/app-config/2026/12/run-1.json' } })], input());
    const { blocks } = webhook.posted()[0] as { blocks: any[] };
    expect(blocks[4].elements.at(-1)).toMatchObject({ text: { text: 'Evidence' }, url: 'https://s3.console.aws.amazon.com/s3/object/other-bucket?region=ap-northeast-1&prefix=evidence%2Fapp-config%2F2026%2F12%2Frun-1.json' });
  });

  it('escapes what Slack mrkdwn treats as markup, and names a configuration resource by its component', async () => {
    await notifySlack([alertRecord({ ...ALERT, resource: 'app-config', kind: 'config-backup-failed', summary: 'a <b> & c', details: {} })], input());
    const { blocks } = webhook.posted()[0] as { blocks: any[] };
    expect(blocks[1].text.text).toBe(':rotating_light: a &lt;b&gt; &amp; c');
    expect(blocks[2].fields[1].text).toBe('*Component*\nconfig');
    expect(blocks[2].fields).toHaveLength(4);
    expect(blocks[4].elements.map((b: any) => b.text.text)).toEqual(['Logs', 'Dashboard']);
  });

  it('reads the message our own SNS sink publishes for Lambda subscribers', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'x' });
    try {
      await snsAlertSink(new SNSClient({ region: REGION }), 'arn:aws:sns:ap-northeast-1:123456789012:alerts', policy.timezone).publish(ALERT);
      const published = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!) as { lambda: string };
      const notice = readNotice(published.lambda, NOW, policy, { stage: 'test', region: REGION });
      expect(notice).toMatchObject({ status: 'firing', severity: 'critical', component: 'rds', kind: 'backup-failed', resource: 'app-db', at: ALERT.at, measured: '100 snapshots' });
    } finally {
      sns.restore();
    }
  });
});

describe('repeats of one alert', () => {
  it('are folded into a count within the window, and the count is posted with the next one after it', async () => {
    await notifySlack([alertRecord()], input());
    clock.now += 10 * MINUTE;
    const first = NOW + 10 * MINUTE - MINUTE;
    await notifySlack([alertRecord({ ...ALERT, at: first })], input());
    clock.now += 10 * MINUTE;
    const second = await notifySlack([alertRecord({ ...ALERT, at: clock.now })], input());
    expect(second).toEqual({ posted: 0, folded: 1, skipped: 0, attempts: 0 });
    expect(webhook.received).toHaveLength(1);

    // Another resource is another alert.
    await notifySlack([alertRecord({ ...ALERT, resource: 'orders-db' })], input());
    expect(webhook.received).toHaveLength(2);

    // After the window: posted again, saying how many were folded since when.
    clock.now = NOW + 61 * MINUTE;
    await notifySlack([alertRecord({ ...ALERT, at: clock.now })], input());
    expect(webhook.received).toHaveLength(3);
    const { blocks } = webhook.posted()[2] as { blocks: any[] };
    expect(blocks.at(-1).elements[0].text).toBe(`take-db-snapshot · ${new Date(clock.now).toISOString()} · Repeated 2 more times since ${new Date(first).toISOString()}`);
  });

  it('a redelivered SNS message is a no-op', async () => {
    const once = alertRecord(ALERT, 'same-id');
    await notifySlack([once], input());
    const again = await notifySlack([once], input());
    expect(again).toEqual({ posted: 0, folded: 0, skipped: 1, attempts: 0 });
    expect(webhook.received).toHaveLength(1);
    expect(log.lines.at(-1)).toMatchObject({ message: 'notice skipped', fields: { reason: 'duplicate', messageId: 'same-id' } });
  });

  it('an invocation that loses the conditional write to another decides again on what that one wrote', async () => {
    await notifySlack([alertRecord()], input());
    const key = foldKey('alert|critical|backup-failed|app-db|ap-northeast-1|take-db-snapshot');
    // Another invocation folds a repeat between this one's read and its write.
    const s3Client = new S3Client({ region: REGION });
    const original = s3Client.send.bind(s3Client);
    let raced = false;
    vi.spyOn(s3Client, 'send').mockImplementation((async (command: any) => {
      if (!raced && command.constructor.name === 'PutObjectCommand') {
        raced = true;
        const current = JSON.parse(s3.read(BUCKET, key)!) as Record<string, unknown>;
        s3.put(BUCKET, key, JSON.stringify({ ...current, repeats: 1, firstRepeatAt: NOW, messageIds: [...(current['messageIds'] as string[]), 'other'] }));
      }
      return original(command);
    }) as never);
    const result = await notifySlack([alertRecord()], input({ s3: s3Client }));
    expect(result.folded).toBe(1);
    expect(JSON.parse(s3.read(BUCKET, key)!)).toMatchObject({ repeats: 2 });
    expect(log.lines.some((l) => l.message === 'fold state changed meanwhile; deciding again')).toBe(true);
  });
});

describe('CloudWatch alarms and their resolution', () => {
  it('an ALARM posts with the measured value against the threshold; the OK after it posts a resolution; another OK nothing', async () => {
    await notifySlack([record(alarmMessage('ALARM', NOW))], input());
    clock.now += 5 * MINUTE;
    await notifySlack([record(alarmMessage('ALARM', NOW + 5 * MINUTE))], input());
    clock.now += 5 * MINUTE;
    await notifySlack([record(alarmMessage('OK', NOW + 10 * MINUTE))], input());
    const last = await notifySlack([record(alarmMessage('OK', NOW + 11 * MINUTE))], input());

    expect(last).toEqual({ posted: 0, folded: 0, skipped: 1, attempts: 0 });
    expect(webhook.received).toHaveLength(2);
    const [alarm, resolution] = webhook.posted() as { text: string; blocks: any[] }[];
    expect(alarm!.text).toBe('CRITICAL: rds app-db ap-northeast-1: backup-dr-test-rds-app-db-freshness-ap-northeast-1: The newest verified backup of app-db in ap-northeast-1 is older than its RPO (1h).');
    expect(alarm!.blocks[0].text.text).toBe('CRITICAL: freshness app-db');
    expect(alarm!.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual(expect.arrayContaining(['*Measured*\n7260.0', '*Target*\n&lt;= 3600']));
    expect(alarm!.blocks[3].text.text).toBe('*What to do:* run take-db-snapshot for app-db and read its logs.');
    expect(alarm!.blocks[4].elements[0].url).toBe('https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/backup-dr-test-rds-app-db-freshness-ap-northeast-1');
    expect(resolution!.text).toMatch(/^Resolved: rds app-db ap-northeast-1: backup-dr-test-rds-app-db-freshness-ap-northeast-1 is OK again/);
    expect(resolution!.blocks[0].text.text).toBe('Resolved: freshness app-db');
    expect(resolution!.blocks[1].text.text).toMatch(/^:white_check_mark: /);
    expect(resolution!.blocks.at(-1).elements[0].text).toContain(`Repeated 1 more time since ${new Date(NOW + 5 * MINUTE).toISOString()}`);
  });

  it('an ALARM older than the resolution already posted is late: nothing is posted', async () => {
    await notifySlack([record(alarmMessage('ALARM', NOW))], input());
    await notifySlack([record(alarmMessage('OK', NOW + 10 * MINUTE))], input());
    const late = await notifySlack([record(alarmMessage('ALARM', NOW + 5 * MINUTE))], input());
    expect(late.skipped).toBe(1);
    expect(webhook.received).toHaveLength(2);
    // A new ALARM after the resolution posts at once.
    await notifySlack([record(alarmMessage('ALARM', NOW + 20 * MINUTE))], input());
    expect(webhook.received).toHaveLength(3);
  });

  it("an alarm of this region about the other region's copies says the region it is about, and names a resource the policy does not know by what is left", () => {
    const about = { ...alarmMessage('ALARM', NOW), AlarmName: 'backup-dr-test-rds-app-db-copy-freshness-ap-southeast-1' };
    expect(readNotice(JSON.stringify(about), NOW, policy, { stage: 'test', region: REGION })).toMatchObject({ component: 'rds', resource: 'app-db', kind: 'copy-freshness', region: 'ap-southeast-1' });
    const platform = { ...alarmMessage('ALARM', NOW), AlarmName: 'backup-dr-test-platform-notify-slack-errors-ap-northeast-1' };
    expect(readNotice(JSON.stringify(platform), NOW, policy, { stage: 'test', region: REGION })).toMatchObject({ component: 'platform', resource: 'notify-slack-errors', kind: 'alarm', region: REGION });
  });

  it('INSUFFICIENT_DATA is not posted, nor an OK with nothing open', async () => {
    const result = await notifySlack([record(alarmMessage('INSUFFICIENT_DATA', NOW)), record(alarmMessage('OK', NOW))], input());
    expect(result).toEqual({ posted: 0, folded: 0, skipped: 2, attempts: 0 });
    expect(webhook.received).toHaveLength(0);
  });

  it('the execution-failed notice of the EventBridge rule posts with a link to the execution', async () => {
    const text =
      '[backup-dr CRITICAL] ap-northeast-1: execution rt-app-db-20261203 of arn:aws:states:ap-northeast-1:123456789012:stateMachine:backup-dr-test-restore-test ended TIMED_OUT at 2026-12-03T00:00:00Z. ' +
      'A restore or PITR test that does not pass is a failed recovery proof.';
    await notifySlack([record(JSON.stringify(text))], input());
    const { text: fallback, blocks } = webhook.posted()[0] as { text: string; blocks: any[] };
    expect(fallback).toBe('CRITICAL: rds backup-dr-test-restore-test ap-northeast-1: execution rt-app-db-20261203 of backup-dr-test-restore-test ended TIMED_OUT');
    expect(blocks[4].elements[0]).toMatchObject({
      text: { text: 'Execution' },
      url: 'https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-restore-test:rt-app-db-20261203',
    });
  });
});

describe('delivery', () => {
  it('retries a 5xx with backoff and a 429 after its Retry-After, then posts', async () => {
    webhook.replies = [{ status: 500, body: 'internal_error' }, { status: 503 }, { status: 429, headers: { 'retry-after': '7' } }, { status: 200, body: 'ok' }];
    const result = await notifySlack([alertRecord()], input());
    expect(result).toEqual({ posted: 1, folded: 0, skipped: 0, attempts: 4 });
    expect(slept).toEqual([1_000, 2_000, 7_000]);
    expect(webhook.received).toHaveLength(4);
    expect(new Set(webhook.received.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('an attempt that gets no answer ends at its timeout and is retried', async () => {
    webhook.replies = [{ status: 200, hang: true }];
    const result = await notifySlack([alertRecord()], input({ delivery: { timeoutMs: 300 } }));
    expect(result.attempts).toBe(2);
    expect(log.lines.find((l) => l.message === 'Slack delivery attempt failed')?.fields).toMatchObject({ attempt: 1, status: null, error: 'TimeoutError' });
  });

  it('a Retry-After beyond the budget throws at once and records nothing, so the retry of the invocation posts it', async () => {
    webhook.replies = [{ status: 429, headers: { 'retry-after': '120' } }];
    const failed = await notifySlack([alertRecord(ALERT, 'retried')], input()).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(SlackDeliveryFailed);
    expect(failed).toMatchObject({ attempts: 1, status: 429, rejected: false });
    expect(slept).toEqual([]);
    expect(s3.objects()).toEqual([]);

    // Lambda's retry of the same event, Slack back: posted, not lost.
    const retried = await notifySlack([alertRecord(ALERT, 'retried')], input());
    expect(retried.posted).toBe(1);
  });

  it('gives up after its attempts on a Slack outage', async () => {
    webhook.replies = Array.from({ length: 3 }, () => ({ status: 503 }));
    const failed = await notifySlack([alertRecord()], input({ delivery: { maxAttempts: 3 } })).catch((error: unknown) => error);
    expect(failed).toMatchObject({ name: 'SlackDeliveryFailed', attempts: 3, status: 503, message: 'Slack delivery failed after 3 attempts: HTTP 503' });
    expect(slept).toEqual([1_000, 2_000]);
  });

  it('a rejected webhook is not retried in the invocation: it throws with Slack error code, and the others in the batch are still handled', async () => {
    webhook.replies = [{ status: 403, body: 'invalid_token' }];
    const other = alertRecord({ ...ALERT, resource: 'orders-db' });
    const failed = await notifySlack([alertRecord(), other], input()).catch((error: unknown) => error);
    expect(failed).toMatchObject({ name: 'SlackDeliveryFailed', attempts: 1, status: 403, rejected: true, message: 'Slack rejected the message: 403 invalid_token' });
    expect(webhook.received).toHaveLength(2);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['Slack rejected the message', 'notice not delivered to Slack']);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('30', NOW)).toBe(30_000);
    expect(retryAfterMs(new Date(NOW + 5_000).toUTCString(), NOW)).toBe(5_000);
    expect(retryAfterMs(null, NOW)).toBe(1_000);
    expect(retryAfterMs('soon', NOW)).toBe(1_000);
  });
});

describe('the webhook secret', () => {
  it('may be JSON with the URL under "url"', async () => {
    secrets.put(REGION, SECRET, { url: webhook.url });
    await notifySlack([alertRecord()], input());
    expect(webhook.received).toHaveLength(1);
  });

  it('not holding a URL is a configuration error naming the secret, not its value', async () => {
    secrets.put(REGION, SECRET, 'xoxSecretWebhookToken42-not-a-url');
    const failed = await notifySlack([alertRecord()], input()).catch((error: unknown) => error);
    expect(failed).toMatchObject({ name: 'ConfigurationError' });
    expect((failed as Error).message).toContain(SECRET);
    expect((failed as Error).message).not.toContain('xoxSecretWebhookToken42');
    expect(everythingVisible()).not.toContain('xoxSecretWebhookToken42');
  });

  it('appears in no log line, stored state, result or error — whatever happened', async () => {
    webhook.replies = [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 200 }, { status: 404, body: 'no_service' }];
    const results: unknown[] = [];
    results.push(await notifySlack([alertRecord()], input()));
    results.push(await notifySlack([record(alarmMessage('ALARM', NOW))], input()).catch((error: unknown) => ({ error: String(error), stack: (error as Error).stack })));
    await webhook.stop();
    results.push(await notifySlack([alertRecord({ ...ALERT, resource: 'orders-db' })], input({ delivery: { maxAttempts: 2 } })).catch((error: unknown) => ({ error: String(error), stack: (error as Error).stack })));
    await webhook.start();
    secrets.put(REGION, SECRET, webhook.url);
    const visible = everythingVisible(results);
    expect(visible).toContain('Slack rejected the message: 404 no_service');
    expect(visible).toContain('ECONNREFUSED');
    for (const part of ['xoxSecretWebhookToken42', 'T0SECRET', '/services/']) expect(visible).not.toContain(part);
  });
});

describe('bad input', () => {
  it('an alert without its action is InvalidInput naming the field; nothing posted', async () => {
    const { action: _dropped, ...withoutAction } = alertJson(ALERT);
    const failed = await notifySlack([record(withoutAction)], input()).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(InvalidInput);
    expect(failed).toMatchObject({ field: 'Message.action' });
    expect(webhook.received).toHaveLength(0);
  });

  it('a message that is a JSON list is InvalidInput', () => {
    expect(() => readNotice('[1]', NOW, policy, { stage: 'test', region: REGION })).toThrow(InvalidInput);
  });
});

describe('the handler', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    sns.reset();
    process.env[ENV.reportsBucket] = BUCKET;
    setRuntime({
      stage: 'test',
      policy,
      role: 'primary',
      region: REGION,
      alerts: snsAlertSink(new SNSClient({ region: REGION }), 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test', policy.timezone),
      logger,
      // Every line the handler's core logs, as the runtime's logger would print it.
      log,
      metrics,
      now: () => clock.now,
    });
  });
  afterEach(() => {
    setRuntime(undefined);
    delete process.env[ENV.reportsBucket];
  });

  it('posts an SNS event and reports counts only', async () => {
    const result = await handler({ Records: [alertRecord()] }, lambdaContext('notify-slack'));
    expect(result).toEqual({ posted: 1, folded: 0, skipped: 0, attempts: 1 });
    expect(log.lines.map((l) => l.message)).toEqual(['posted to Slack', 'notice posted']);
    expect(everythingVisible([result])).not.toContain(TOKEN);
  });

  it('a delivery that fails throws for Lambda to retry and then dead-letter, publishes nothing to the topic it reads, and logs no secret', async () => {
    webhook.replies = [{ status: 410, body: 'channel_is_archived' }];
    await expect(handler({ Records: [alertRecord()] }, lambdaContext('notify-slack'))).rejects.toMatchObject({ name: 'SlackDeliveryFailed', rejected: true });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const output = everythingVisible();
    expect(output).toContain('channel_is_archived');
    for (const part of ['xoxSecretWebhookToken42', 'T0SECRET', '/services/']) expect(output).not.toContain(part);
  });

  it('an event that is not SNS is InvalidInput naming the field, before anything is read or posted', async () => {
    await expect(handler({ Records: [{ Sns: { Message: 'x' } }] }, lambdaContext('notify-slack'))).rejects.toMatchObject({ name: 'InvalidInput', field: 'Records[0].Sns.MessageId' });
    expect(webhook.received).toHaveLength(0);
    expect(s3.requests()).toEqual([]);
  });
});

describe('a posture finding resolved (shared/alerts/posture-memory.ts)', () => {
  it('reads as a resolution, not as a firing alert', () => {
    const resolved: Alert = { ...ALERT, severity: 'info', kind: 'posture', summary: 'resolved: the export bucket has no replication configuration', details: { check: 'replication', component: 'redis', resolved: true } };
    const notice = readNotice(JSON.stringify(alertJson(resolved)), NOW, policy, { stage: 'test', region: REGION, reportsBucket: BUCKET })!;
    expect(notice).toMatchObject({ status: 'resolved', severity: 'info', component: 'redis', kind: 'posture' });
    expect(slackText(notice, { repeats: 1, since: NOW }).split('\n')[0]).toBe('Resolved: redis app-db ap-northeast-1');
    expect(readNotice(JSON.stringify(alertJson(ALERT)), NOW, policy, { stage: 'test', region: REGION, reportsBucket: BUCKET })!.status).toBe('firing');
  });
});

describe('the plain-text rendering (what the drill prints)', () => {
  it('says the same as the Block Kit message', () => {
    const notice = readNotice(JSON.stringify(alertJson(ALERT)), NOW, policy, { stage: 'test', region: REGION, reportsBucket: BUCKET })!;
    expect(slackText(notice, { repeats: 3, since: NOW - 30 * MINUTE }).split('\n')).toEqual([
      'CRITICAL: rds app-db ap-northeast-1',
      '  the daily snapshot of app-db failed: SnapshotQuotaExceeded',
      '  Measured: 100 snapshots   Target: under 80',
      '  What to do: Delete manual snapshots we no longer keep or raise the quota, then run take-db-snapshot.',
      expect.stringMatching(/^ {2}Execution: https:\/\//),
      expect.stringMatching(/^ {2}Logs: https:\/\//),
      expect.stringMatching(/^ {2}Dashboard: https:\/\//),
      expect.stringMatching(/^ {2}Evidence: https:\/\//),
      `  take-db-snapshot · ${new Date(ALERT.at).toISOString()}`,
      `  Repeated 3 more times since ${new Date(NOW - 30 * MINUTE).toISOString()}`,
    ]);
  });
});
