// The posture checks' memory (shared/alerts/posture-memory.ts) against the S3 stand-in (aws-sdk-client-mock
// with S3's conditional writes): a drift alerts once, again only when what it says changes, a drift gone
// posts one "resolved" (info); a run that loses the write race re-reads; a memory that cannot be read
// alerts everything (fail open). And the three checks, wired to it, are silent on an unchanged second day.

import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/alerts/alert.js';
import { alertChanges, alertPostureChanges, findingFingerprint, postureMemoryKey, publishPosture, type MemoryDocument, type PostureScope } from '../../shared/alerts/posture-memory.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { RecordingAlerts, RecordingLog } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const NOW = Date.parse('2026-12-03T00:00:00Z');
const DAY = 86_400_000;
const KEY = postureMemoryKey('redis', REGION, 'app-redis');

const finding = (check: string, summary: string, severity: Alert['severity'] = 'critical'): Alert => ({
  severity,
  kind: 'posture',
  resource: 'app-redis',
  region: REGION,
  summary,
  action: 'Check it.',
  source: 'check-cache-posture',
  at: NOW,
  details: { check },
});
const scope = (...findings: Alert[]): PostureScope => ({ resource: 'app-redis', region: REGION, findings });
const stale = (hours: string) => finding('stale-export', `the newest verified export of app-redis in ${REGION} is ${hours} h old: over the RPO of 24.0 h`);
const noReplication = finding('replication', 'the export bucket has no replication configuration: exports no longer reach the secondary region');

describe('posture memory', () => {
  let s3 = new S3StandIn();
  const client = new S3Client({ region: REGION });
  let alerts: RecordingAlerts;
  let log: RecordingLog;
  const deps = () => ({ s3: client, bucket: BUCKET, alerts, log });
  const run = (current: PostureScope, at = NOW) => alertChanges(deps(), 'redis', 'check-cache-posture', current, at);
  const stored = () => JSON.parse(s3.read(BUCKET, KEY) ?? 'null') as MemoryDocument | null;
  const summaries = () => alerts.published.map((a) => `${a.severity} ${String(a.details?.['check'])} ${a.summary}`);

  beforeEach(() => {
    s3 = new S3StandIn();
    s3.install();
    alerts = new RecordingAlerts();
    log = new RecordingLog();
  });
  afterEach(() => s3.restore());

  it('alerts every finding on the first run and remembers them under posture/<component>/<region>/<resource>.json, written only where nothing was', async () => {
    expect(KEY).toBe('posture/redis/ap-northeast-1/app-redis.json');
    const outcome = await run(scope(stale('30.0'), noReplication));
    expect(outcome).toEqual({ alerted: 2, unchanged: 0, resolved: 0, remembered: true });
    expect(alerts.published).toEqual([stale('30.0'), noReplication]);
    const put = s3.requests().filter((r) => r.command === 'PutObject');
    expect(put).toEqual([{ command: 'PutObject', region: REGION, bucket: BUCKET, key: KEY }]);
    expect(stored()).toMatchObject({ format: 1, component: 'redis', resource: 'app-redis', region: REGION, checkedAt: NOW });
    expect(Object.keys(stored()!.findings)).toEqual(['stale-export', 'replication']);
    expect(stored()!.findings['replication']).toEqual({ fingerprint: findingFingerprint(noReplication), severity: 'critical', summary: noReplication.summary, check: 'replication', since: NOW, alertedAt: NOW });
  });

  it('is silent on a second identical run — figures aside: a backup a day older is the same drift', async () => {
    await run(scope(stale('30.0'), noReplication));
    alerts = new RecordingAlerts();
    const outcome = await run(scope(stale('54.0'), noReplication), NOW + DAY);
    expect(outcome).toEqual({ alerted: 0, unchanged: 2, resolved: 0, remembered: true });
    expect(alerts.published).toEqual([]);
    // Still remembered as first alerted, with today's wording.
    expect(stored()!.findings['stale-export']).toMatchObject({ since: NOW, alertedAt: NOW, summary: stale('54.0').summary });
    expect(stored()!.checkedAt).toBe(NOW + DAY);
  });

  it('alerts a finding again when what it says changes (another problem, or another severity), saying what it was', async () => {
    await run(scope(noReplication));
    alerts = new RecordingAlerts();
    const withoutRtc = finding('replication', 'the export bucket replicates without Replication Time Control: no 15-minute guarantee and no replication metrics');
    await run(scope(withoutRtc), NOW + DAY);
    expect(alerts.published).toEqual([{ ...withoutRtc, details: { check: 'replication', changed: true, was: noReplication.summary } }]);
    alerts = new RecordingAlerts();
    await run(scope({ ...withoutRtc, severity: 'warning' }), NOW + 2 * DAY);
    expect(summaries()).toEqual([`warning replication ${withoutRtc.summary}`]);
    expect(stored()!.findings['replication']).toMatchObject({ since: NOW, alertedAt: NOW + 2 * DAY, severity: 'warning' });
  });

  it('posts one "resolved" alert (info) for a finding gone, and forgets it', async () => {
    await run(scope(stale('30.0'), noReplication));
    alerts = new RecordingAlerts();
    const outcome = await run(scope(stale('31.0')), NOW + DAY);
    expect(outcome).toEqual({ alerted: 0, unchanged: 1, resolved: 1, remembered: true });
    expect(alerts.published).toEqual([
      {
        severity: 'info',
        kind: 'posture',
        resource: 'app-redis',
        region: REGION,
        summary: `resolved: ${noReplication.summary}`,
        action: 'Nothing to do: the check no longer finds this drift.',
        source: 'check-cache-posture',
        at: NOW + DAY,
        details: { check: 'replication', component: 'redis', resolved: true, finding: 'replication', since: new Date(NOW).toISOString() },
      },
    ]);
    expect(Object.keys(stored()!.findings)).toEqual(['stale-export']);
    alerts = new RecordingAlerts();
    await run(scope(stale('32.0')), NOW + 2 * DAY);
    expect(alerts.published).toEqual([]);
    // It comes back: a new drift, alerted again.
    await run(scope(stale('33.0'), noReplication), NOW + 3 * DAY);
    expect(summaries()).toEqual([`critical replication ${noReplication.summary}`]);
  });

  it('keys several findings of one check apart, in the order the check reports them', async () => {
    const a = finding('unreadable', 'GetBucketVersioning denied');
    const b = finding('unreadable', 'GetBucketPolicy denied');
    await run(scope(a, b));
    expect(Object.keys(stored()!.findings)).toEqual(['unreadable', 'unreadable#2']);
    alerts = new RecordingAlerts();
    await run(scope(a), NOW + DAY);
    expect(summaries()).toEqual(['info unreadable resolved: GetBucketPolicy denied']);
  });

  it('a run that loses the write race re-reads, and alerts only what the other run did not', async () => {
    await run(scope(noReplication));
    alerts = new RecordingAlerts();
    // Between this run's read and its write, another run (a retry) writes the memory with the stale export.
    let raced = false;
    const racing = {
      published: [] as Alert[],
      async publish(alert: Alert) {
        this.published.push(alert);
        if (!raced) {
          raced = true;
          const other: MemoryDocument = { ...stored()!, findings: { ...stored()!.findings, 'stale-export': { fingerprint: findingFingerprint(stale('30.0')), severity: 'critical', summary: stale('30.0').summary, check: 'stale-export', since: NOW, alertedAt: NOW } } };
          s3.put(BUCKET, KEY, JSON.stringify(other));
        }
      },
    };
    const outcome = await alertChanges({ s3: client, bucket: BUCKET, alerts: racing, log }, 'redis', 'check-cache-posture', scope(stale('30.0'), noReplication), NOW + DAY);
    // The stale export went out once (before the race was seen), not twice; the second attempt wrote.
    expect(racing.published.map((a) => a.details?.['check'])).toEqual(['stale-export']);
    expect(outcome).toEqual({ alerted: 0, unchanged: 2, resolved: 0, remembered: true });
    expect(log.lines.find((l) => l.message.startsWith('posture memory changed meanwhile'))?.fields).toEqual({ key: KEY, attempt: 1 });
    const puts = s3.requests().filter((r) => r.command === 'PutObject');
    expect(puts).toHaveLength(3);
    expect(stored()!.checkedAt).toBe(NOW + DAY);
  });

  it('a memory that cannot be read (denied) alerts every finding anyway and leaves the memory alone — never loses an alert', async () => {
    await run(scope(noReplication));
    s3.denyReads('posture/');
    alerts = new RecordingAlerts();
    const outcome = await run(scope(noReplication), NOW + DAY);
    expect(outcome).toEqual({ alerted: 1, unchanged: 0, resolved: 0, remembered: false });
    expect(alerts.published).toEqual([noReplication]);
    expect(log.lines.find((l) => l.level === 'warn')).toEqual({ level: 'warn', message: 'posture memory unreadable: every finding alerted', fields: { key: KEY, error: 'AccessDenied' } });
    expect(s3.requests().filter((r) => r.command === 'PutObject')).toHaveLength(1);
  });

  it('a garbled memory reads as empty (everything alerts) and is overwritten over that very version', async () => {
    s3.put(BUCKET, KEY, '{not json');
    await run(scope(noReplication));
    expect(alerts.published).toEqual([noReplication]);
    expect(Object.keys(stored()!.findings)).toEqual(['replication']);
  });

  it('a memory that cannot be written (S3 down) still alerts, and the next run alerts again', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    s3.restore();
    const mock = mockClient(S3Client);
    mock.on(GetObjectCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
    mock.on(PutObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    const outcome = await run(scope(noReplication));
    expect(outcome).toEqual({ alerted: 1, unchanged: 0, resolved: 0, remembered: false });
    expect(alerts.published).toEqual([noReplication]);
    expect(mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: BUCKET, Key: KEY, IfNoneMatch: '*', ServerSideEncryption: 'aws:kms', ContentType: 'application/json' });
    mock.restore();
    s3.install();
  });

  it('sums the scopes of a run; a scope with nothing found now resolves what it had', async () => {
    const other: PostureScope = { resource: 'sessions-redis', region: REGION, findings: [{ ...noReplication, resource: 'sessions-redis' }] };
    await alertPostureChanges(deps(), 'redis', 'check-cache-posture', [scope(noReplication), other], NOW);
    alerts = new RecordingAlerts();
    const outcome = await alertPostureChanges(deps(), 'redis', 'check-cache-posture', [scope(noReplication), { ...other, findings: [] }], NOW + DAY);
    expect(outcome).toEqual({ alerted: 0, unchanged: 1, resolved: 1, remembered: true });
    expect(alerts.published.map((a) => [a.resource, a.severity])).toEqual([['sessions-redis', 'info']]);
  });

  it('without a memory (a check judged on its own) publishes every finding', async () => {
    const outcome = await publishPosture({ alerts, log }, 'redis', 'check-cache-posture', [scope(noReplication)], NOW);
    expect(outcome.remembered).toBe(false);
    expect(alerts.published).toEqual([noReplication]);
    expect(s3.requests()).toEqual([]);
  });
});
