// The daily checklist: the pure builder (figures in, verdicts, Block Kit and plain text out), the exact
// GetMetricData queries it reads the team policy's figures with (aws-sdk-client-mock), the newest evidence
// object per resource, and the delivery — to a real HTTP server on 127.0.0.1 standing in for the Slack
// webhook, or, without Slack, to the alerts topic as info — with the webhook URL in no log line.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checklistPayload, checklistText, judge, NO_DATA, type ChecklistFigures, type ResourceFigures } from '../../functions/platform/daily-checklist/checklist.js';
import { runChecklist } from '../../functions/platform/daily-checklist/daily-checklist.js';
import { checklistEvent } from '../../functions/platform/daily-checklist/handler.js';
import { newestEvidence, planFigures, readMetrics, recentMonths, window } from '../../functions/platform/daily-checklist/figures.js';
import { forgetWebhookUrl } from '../../shared/alerts/slack-webhook-url.js';
import { blockKitText } from '../../shared/alerts/slack-message.js';
import { InvalidInput } from '../../shared/errors.js';
import { parseInput } from '../../shared/runtime/input.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
// 09:00 in Tokyo on Thursday 3 December 2026.
const NOW = Date.parse('2026-12-03T09:00:00+09:00');
const series = (latest: number, worst = latest, earliest = latest) => ({ latest, worst, earliest });

const healthyDb: ResourceFigures = {
  component: 'rds',
  resource: 'app-db',
  recoveryPoints: [
    { label: `PITR lag (${PRIMARY})`, seconds: series(240, 300), targetSeconds: 900 },
    { label: `newest verified copy (${SECONDARY})`, seconds: series(30_000), targetSeconds: null },
  ],
  succeeded: [],
  failures: [{ label: 'snapshots failed', count: 0 }],
  restoreTests: [{ kind: 'snapshot', region: PRIMARY, passed: 1, failed: 0, inconclusive: 0, rtoSeconds: series(2_400), rtoTargetSeconds: 7_200 }],
  evidence: { bucket: 'reports-primary', key: 'evidence/app-db/2026/12/run-1.json', region: PRIMARY, at: NOW - 3_600_000 },
};

function figures(resources: ResourceFigures[], period: ChecklistFigures['period'] = 'daily'): ChecklistFigures {
  return {
    period,
    stage: 'prod',
    region: PRIMARY,
    timeZone: 'Asia/Tokyo',
    at: NOW,
    resources,
    regions: [{ region: PRIMARY, quotaPercent: series(42, 42, 35), quotaWarningPercent: 80, pruned: [{ label: 'DB snapshots', count: 3 }] }],
  };
}

describe('the checklist builder', () => {
  it('judges a resource with every figure in target and no failure ok, and says so with its figures and evidence', () => {
    expect(judge(healthyDb, 'daily')).toEqual({ verdict: 'ok', reasons: [] });
    const text = checklistText(figures([healthyDb]));
    expect(text.split('\n')).toEqual([
      'Daily backup checklist — backup-dr prod, 2026-12-03 (Asia/Tokyo): all resources OK',
      '[ok] app-db (rds)',
      `     RPO PITR lag (${PRIMARY}): 4 min (worst today 5 min) — target 15 min`,
      `     RPO newest verified copy (${SECONDARY}): 8.3 h`,
      '     Failures: none',
      `     Restore test snapshot (${PRIMARY}): 1 passed, 0 failed, 0 inconclusive — RTO 40 min, target 2 h`,
      `     Evidence: https://s3.console.aws.amazon.com/s3/object/reports-primary?region=${PRIMARY}&prefix=evidence%2Fapp-db%2F2026%2F12%2Frun-1.json`,
      `  ${PRIMARY}: snapshot quota 42 %; pruned 3 DB snapshots`,
      `  Dashboard: https://${PRIMARY}.console.aws.amazon.com/cloudwatch/home?region=${PRIMARY}#dashboards/dashboard/backup-dr-prod-${PRIMARY}`,
    ]);
  });

  it('marks a resource failing on a failure, an RPO over target or a restore test over its RTO, and attention on a missing figure', () => {
    const failing: ResourceFigures = {
      ...healthyDb,
      recoveryPoints: [{ label: `PITR lag (${PRIMARY})`, seconds: series(1_800), targetSeconds: 900 }],
      failures: [{ label: 'snapshots failed', count: 2 }],
      restoreTests: [{ kind: 'snapshot', region: PRIMARY, passed: 0, failed: 1, inconclusive: 0, rtoSeconds: series(9_000), rtoTargetSeconds: 7_200 }],
    };
    expect(judge(failing, 'daily')).toEqual({ verdict: 'failing', reasons: ['2 snapshots failed', `PITR lag (${PRIMARY}) 30 min > 15 min`, 'snapshot restore test failed 1×', 'snapshot RTO 2.5 h > 2 h'] });
    const silent: ResourceFigures = { ...healthyDb, recoveryPoints: [{ label: 'newest verified export (ap-southeast-1)', seconds: NO_DATA, targetSeconds: 21_600 }] };
    expect(judge(silent, 'daily')).toEqual({ verdict: 'attention', reasons: ['no newest verified export (ap-southeast-1) figure'] });
    // A week without a restore test is a finding; a day without one is not.
    const untested: ResourceFigures = { ...healthyDb, restoreTests: [{ kind: 'snapshot', region: PRIMARY, passed: 0, failed: 0, inconclusive: 0, rtoSeconds: NO_DATA, rtoTargetSeconds: 7_200 }] };
    expect(judge(untested, 'daily').verdict).toBe('ok');
    expect(judge(untested, 'weekly')).toEqual({ verdict: 'attention', reasons: ['no snapshot restore test this week'] });
    expect(checklistText(figures([failing, silent])).split('\n')[0]).toBe('Daily backup checklist — backup-dr prod, 2026-12-03 (Asia/Tokyo): 1 failing, 1 need attention');
  });

  it('shows how long the snapshots took against their backup window and how big the latest is, and fails a resource whose snapshot ran past its window', () => {
    const onTime: ResourceFigures = { ...healthyDb, backup: { durationSeconds: series(1_500, 1_800), windowSeconds: 7_200, sizeBytes: series(100 * 1024 ** 3) } };
    expect(judge(onTime, 'daily')).toEqual({ verdict: 'ok', reasons: [] });
    expect(checklistText(figures([onTime])).split('\n')).toContain('     Snapshots: longest 30 min — window 2 h; size 100 GiB');
    const late: ResourceFigures = { ...onTime, backup: { ...onTime.backup!, durationSeconds: series(600, 9_000) } };
    expect(judge(late, 'daily')).toEqual({ verdict: 'failing', reasons: ['a snapshot took 2.5 h > its window of 2 h'] });
    // No snapshot measured in the period (the event that times it was lost): said so, not judged.
    const unmeasured: ResourceFigures = { ...onTime, backup: { durationSeconds: NO_DATA, windowSeconds: 7_200, sizeBytes: NO_DATA } };
    expect(judge(unmeasured, 'daily').verdict).toBe('ok');
    expect(checklistText(figures([unmeasured]))).toContain('     Snapshots: no duration measured — window 2 h\n');
  });

  it('shows the trend of a weekly or monthly summary: latest, worst and where the period started', () => {
    const text = checklistText(figures([{ ...healthyDb, recoveryPoints: [{ label: `PITR lag (${PRIMARY})`, seconds: series(240, 600, 120), targetSeconds: 900 }] }], 'monthly'));
    expect(text).toContain('Monthly backup summary');
    expect(text).toContain(`RPO PITR lag (${PRIMARY}): 4 min (worst 10 min, from 2 min) — target 15 min`);
    expect(text).toContain(`${PRIMARY}: snapshot quota 42 % (from 35 %, worst 42 %); pruned 3 DB snapshots`);
  });

  it('builds Block Kit: a header, the headline, a section per resource with its evidence link, the regions, the dashboard button', () => {
    const payload = checklistPayload(figures([healthyDb]));
    expect(payload.text).toBe('Daily backup checklist — backup-dr prod, 2026-12-03 (Asia/Tokyo): all resources OK');
    expect(payload.blocks.map((b) => b['type'])).toEqual(['header', 'section', 'section', 'section', 'actions', 'context']);
    const resource = (payload.blocks[2]!['text'] as { text: string }).text;
    expect(resource).toContain(':white_check_mark: *app-db* (rds)');
    expect(resource).toContain('• RPO PITR lag (ap-northeast-1): 4 min (worst today 5 min) — target 15 min');
    expect(resource).toContain('|Newest evidence>');
    expect(payload.blocks[4]).toEqual({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Dashboard' }, url: expect.stringContaining('#dashboards/dashboard/backup-dr-prod-ap-northeast-1') }] });
    // Slack's limit: at most 50 blocks, however many resources the policy has.
    const many = Array.from({ length: 60 }, (_, i) => ({ ...healthyDb, resource: `db-${i}` }));
    const big = checklistPayload(figures(many));
    expect(big.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(big.blocks)).toContain('… and 16 more resources: see the dashboard');
  });
});

describe('the figures: GetMetricData in the region each metric is published in', () => {
  const policy = teamPolicy();
  const regions = { primary: PRIMARY, secondary: SECONDARY };
  const cw: Record<string, CloudWatchClient> = { [PRIMARY]: new CloudWatchClient({ region: PRIMARY }), [SECONDARY]: new CloudWatchClient({ region: SECONDARY }) };
  const primaryMock = mockClient(cw[PRIMARY]!);
  const secondaryMock = mockClient(cw[SECONDARY]!);
  beforeEach(() => {
    primaryMock.reset();
    secondaryMock.reset();
  });

  it('names every metric with exactly the dimensions its records carry (component, resource, the region of what is measured, kind), read where it is published', () => {
    const { queries } = planFigures(policy, regions);
    const byName = (name: string, dims: Record<string, string>) => queries.filter((q) => q.name === name && JSON.stringify(q.dimensions) === JSON.stringify({ service: 'backup-dr', ...dims }));
    const db = (region: string) => ({ component: 'rds', resource: 'app-db', region });
    // check-db-posture (primary) measures the primary's PITR lag and the copies in the secondary.
    expect(byName('PitrLagPrimarySeconds', db(PRIMARY))).toEqual([expect.objectContaining({ region: PRIMARY, stat: 'Maximum' })]);
    expect(byName('NewestVerifiedCopyAgeSeconds', db(SECONDARY))).toEqual([expect.objectContaining({ region: PRIMARY })]);
    expect(byName('CopyFailures', db(SECONDARY))).toEqual([expect.objectContaining({ region: PRIMARY, stat: 'Sum' })]);
    expect(byName('CopyVerificationFailures', db(SECONDARY))).toEqual([expect.objectContaining({ region: SECONDARY, stat: 'Sum' })]);
    expect(byName('BackupDurationSeconds', db(PRIMARY))).toEqual([expect.objectContaining({ region: PRIMARY, stat: 'Maximum' })]);
    expect(byName('BackupSizeBytes', { component: 'redis', resource: 'app-redis', region: PRIMARY })).toEqual([expect.objectContaining({ region: PRIMARY })]);
    expect(byName('RestoreRtoSeconds', { ...db(PRIMARY), kind: 'snapshot' })).toEqual([expect.objectContaining({ region: PRIMARY })]);
    expect(byName('RestoreRtoSeconds', { ...db(SECONDARY), kind: 'pitr' })).toEqual([expect.objectContaining({ region: SECONDARY })]);
    // check-cache-posture runs in both regions, each about its own exports.
    expect(byName('NewestVerifiedExportAgeSeconds', { component: 'redis', resource: 'app-redis', region: SECONDARY })).toEqual([expect.objectContaining({ region: SECONDARY })]);
    expect(byName('RestoreTestFailed', { component: 'redis', resource: 'app-redis', region: PRIMARY, kind: 'cache-restore' })).toEqual([expect.objectContaining({ region: PRIMARY })]);
    // The daily replication check runs in the primary; what it checks is the replica in the secondary.
    expect(byName('ReplicationMismatches', { component: 'media', resource: 'media', region: SECONDARY })).toEqual([expect.objectContaining({ region: PRIMARY })]);
    expect(byName('ConfigurationBackupFailures', { component: 'config', resource: 'app-config', region: PRIMARY })).toEqual([expect.objectContaining({ region: PRIMARY })]);
    // A configuration restore test has no inconclusive verdict and no RTO: nothing to query.
    expect(queries.filter((q) => q.dimensions.component === 'config' && (q.name === 'RestoreTestInconclusive' || q.name === 'RestoreRtoSeconds'))).toEqual([]);
    expect(byName('ManualSnapshotQuotaPercent', { component: 'rds', region: SECONDARY })).toEqual([expect.objectContaining({ region: PRIMARY })]);
    // Pruning per database, in each region.
    expect(byName('SnapshotsDeleted', db(PRIMARY))).toEqual([expect.objectContaining({ region: PRIMARY })]);
    expect(byName('SnapshotsDeleted', db(SECONDARY))).toEqual([expect.objectContaining({ region: SECONDARY })]);
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
  });

  it('sends one GetMetricData per region over the hour-aligned day, newest first, following NextToken, and reads latest, worst and sum', async () => {
    const { queries } = planFigures(policy, regions);
    const lag = queries.find((q) => q.name === 'PitrLagPrimarySeconds')!;
    const failures = queries.find((q) => q.name === 'CopyFailures')!;
    primaryMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) =>
      input.NextToken === undefined
        ? { MetricDataResults: [{ Id: lag.id, Values: [240, 600], Timestamps: [] }], NextToken: 'page-2' }
        : { MetricDataResults: [{ Id: lag.id, Values: [120] }, { Id: failures.id, Values: [1, 2] }] },
    );
    secondaryMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const read = await readMetrics(queries, 'daily', NOW + 1_234, (region) => cw[region]!);

    const calls = primaryMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ StartTime: new Date(NOW - 86_400_000), EndTime: new Date(NOW), ScanBy: 'TimestampDescending' });
    expect(calls[1]!.NextToken).toBe('page-2');
    expect(calls[0]!.MetricDataQueries).toContainEqual({
      Id: lag.id,
      MetricStat: {
        Metric: {
          Namespace: 'BackupDR',
          MetricName: 'PitrLagPrimarySeconds',
          Dimensions: [
            { Name: 'service', Value: 'backup-dr' },
            { Name: 'component', Value: 'rds' },
            { Name: 'resource', Value: 'app-db' },
            { Name: 'region', Value: PRIMARY },
          ],
        },
        Period: 3_600,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    expect(calls[0]!.MetricDataQueries!.every((q) => queries.find((p) => p.id === q.Id)?.region === PRIMARY)).toBe(true);
    const secondary = secondaryMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(secondary.MetricDataQueries!.map((q) => q.MetricStat!.Metric!.MetricName).sort()).toEqual(
      [
        'CacheBackupsPruned',
        'ConfigurationBundleVersionsDeleted',
        'CopiesVerified',
        'CopyVerificationFailures',
        'ExportVerificationFailures',
        'NewestVerifiedExportAgeSeconds',
        'RestoreRtoSeconds',
        'RestoreTestFailed',
        'RestoreTestInconclusive',
        'RestoreTestPassed',
        'SnapshotsDeleted',
      ].sort(),
    );
    expect(read.values.get(lag.id)).toEqual({ latest: 240, worst: 600, earliest: 120 });
    expect(read.sums.get(failures.id)).toBe(3);
    expect(read.values.has(queries.find((q) => q.name === 'ReplicationMismatches')!.id)).toBe(false);
    expect(window('weekly', NOW)).toEqual({ start: new Date(NOW - 7 * 86_400_000), end: new Date(NOW) });
  });

  it('finds the newest evidence of a resource in this month, else last month (policy time zone)', async () => {
    const s3 = new S3Client({ region: PRIMARY });
    const s3Mock = mockClient(s3);
    s3Mock.on(ListObjectsV2Command, { Prefix: 'evidence/app-db/2026/12/' }).resolves({ Contents: [] });
    s3Mock.on(ListObjectsV2Command, { Prefix: 'evidence/app-db/2026/11/' }).resolves({
      Contents: [
        { Key: 'evidence/app-db/2026/11/a.json', LastModified: new Date('2026-11-20T00:00:00Z') },
        { Key: 'evidence/app-db/2026/11/b.json', LastModified: new Date('2026-11-27T00:00:00Z') },
      ],
    });
    // 1 December 08:00 in Tokyo is still 30 November in UTC: the months are the policy's.
    expect(recentMonths(Date.parse('2026-11-30T23:00:00Z'), 'Asia/Tokyo')).toEqual([{ year: 2026, month: 12 }, { year: 2026, month: 11 }]);
    expect(recentMonths(Date.parse('2027-01-05T00:00:00Z'), 'Asia/Tokyo')).toEqual([{ year: 2027, month: 1 }, { year: 2026, month: 12 }]);
    await expect(newestEvidence(s3, 'reports', 'app-db', recentMonths(NOW, 'Asia/Tokyo'))).resolves.toEqual({ key: 'evidence/app-db/2026/11/b.json', at: Date.parse('2026-11-27T00:00:00Z') });
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'reports', Prefix: 'evidence/app-db/2026/12/' },
      { Bucket: 'reports', Prefix: 'evidence/app-db/2026/11/' },
    ]);
  });

  it('refuses an unknown period, naming the field', () => {
    expect(parseInput(checklistEvent, undefined)).toEqual({});
    expect(parseInput(checklistEvent, { period: 'weekly' })).toEqual({ period: 'weekly' });
    expect(() => parseInput(checklistEvent, { period: 'hourly' })).toThrow(InvalidInput);
    expect(() => parseInput(checklistEvent, { period: 'hourly' })).toThrow(/period/);
  });
});

describe('delivery', () => {
  const received: unknown[] = [];
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function input(slack: boolean) {
    const policy = teamPolicy((doc) => {
      doc['alerts'] = slack ? { ...(doc['alerts'] ?? {}), slack: { webhookSecret: 'backup-dr/slack-webhook' } } : { ...(doc['alerts'] ?? {}) };
      if (!slack) delete doc['alerts']['slack'];
    });
    const cloudwatch = new CloudWatchClient({ region: PRIMARY });
    mockClient(cloudwatch).on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const s3 = new S3Client({ region: PRIMARY });
    mockClient(s3).on(ListObjectsV2Command).resolves({ Contents: [] });
    const secrets = new SecretsManagerClient({ region: PRIMARY });
    const secretsMock = mockClient(secrets);
    secretsMock.on(GetSecretValueCommand, { SecretId: 'backup-dr/slack-webhook' }).resolves({ SecretString: url });
    const alerts = new RecordingAlerts();
    const log = new RecordingLog();
    return {
      input: { policy, stage: 'prod', reportsBuckets: { [PRIMARY]: 'reports-p', [SECONDARY]: 'reports-s' }, cloudwatch: () => cloudwatch, s3: () => s3, secrets, alerts, log, now: () => NOW, sleep: async () => {} },
      alerts,
      log,
      secretsMock,
    };
  }

  it('posts the Block Kit checklist to the webhook read from Secrets Manager, with the URL in no log line', async () => {
    forgetWebhookUrl();
    received.length = 0;
    const { input: run, alerts, log, secretsMock } = input(true);
    const result = await runChecklist('daily', run);
    expect(result).toMatchObject({ period: 'daily', deliveredTo: 'slack', attempts: 1, failing: [] });
    // No figure came back at all: every resource needs attention — silence is reported, not hidden.
    expect(result.attention).toEqual(['app-db', 'app-redis', 'media']);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(received).toHaveLength(1);
    const text = blockKitText(received[0] as { blocks: Record<string, unknown>[] });
    expect(text).toContain('Daily backup checklist');
    expect(text).toContain('no PITR lag (ap-northeast-1) figure');
    expect(alerts.published).toEqual([]);
    expect(JSON.stringify(log.lines)).not.toContain('secret-token');
  });

  it('without Slack, publishes the checklist to the alerts topic as info', async () => {
    const { input: run, alerts } = input(false);
    const result = await runChecklist('weekly', run);
    expect(result.deliveredTo).toBe('alerts-topic');
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({ severity: 'info', kind: 'weekly-checklist', source: 'daily-checklist', region: PRIMARY });
    expect(alerts.published[0]!.summary).toMatch(/^Weekly backup summary — backup-dr prod, 2026-12-03/);
    expect(String(alerts.published[0]!.details!['checklist'])).toContain('no snapshot restore test this week');
  });
});
