// The cache posture: a missed or failed snapshot (the dead man's switch), the newest verified export
// against the RPO in each region, the export bucket's replication — judged pure, and read from
// ElastiCache and S3 (aws-sdk-client-mock) with one alert per finding.

import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetBucketReplicationCommand, GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkCachePosture } from '../../../functions/redis/check-cache-posture/check-cache-posture.js';
import { assessCachePosture, PIPELINE_ALLOWANCE_MS } from '../../../functions/redis/check-cache-posture/plan.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const HOUR = 3_600_000;
// 09:30 in Tokyo: the last run (every 6 h) due at least an hour ago is 06:00.
const NOW = Date.parse('2026-11-25T09:30:00+09:00');
const policy = teamPolicy();
const cache = policy.resources.caches[0]!;
const RPO = policy.objectives.redis.rpo;
const RTC = { Role: 'arn:aws:iam::123456789012:role/r', Rules: [{ Status: 'Enabled' as const, Destination: { Bucket: 'arn:aws:s3:::b', ReplicationTime: { Status: 'Enabled' as const, Time: { Minutes: 15 } } } }] };

const base = { cache, region: PRIMARY, timeZone: 'Asia/Tokyo', now: NOW, rpoTarget: RPO };
const checks = (p: ReturnType<typeof assessCachePosture>) => p.findings.map((f) => f.check);
/** The snapshots of every run of the last 24 hours (every 6 h: 12:00 and 18:00 the day before, 00:00 and 06:00). */
const allRuns = () => new Map(['20261124-1200', '20261124-1800', '20261125-0000', '20261125-0600'].map((t) => [`backup-dr-app-redis-${t}`, 'available']));

describe('assessCachePosture', () => {
  it('finds nothing when every run of the last 24 hours has its snapshot and a fresh export is verified', () => {
    const p = assessCachePosture({ ...base, role: 'primary', snapshots: allRuns(), verifiedExports: ['backup-dr-app-redis-20261125-0000', 'backup-dr-app-redis-20261125-0600'], replication: RTC });
    expect(p.findings).toEqual([]);
    expect(p.newestVerifiedExportAge).toBe(3.5 * HOUR);
  });

  it('names every run of the last 24 hours whose snapshot is missing or failed, not only the last', () => {
    const snapshots = allRuns();
    snapshots.delete('backup-dr-app-redis-20261124-1800');
    snapshots.set('backup-dr-app-redis-20261125-0000', 'failed');
    const p = assessCachePosture({ ...base, role: 'primary', snapshots, verifiedExports: ['backup-dr-app-redis-20261125-0600'], replication: RTC });
    expect(p.findings).toEqual([
      expect.objectContaining({
        severity: 'critical',
        check: 'missed-snapshot',
        summary:
          '2 of the 4 snapshot runs of app-redis-prod in the last 24 hours (Asia/Tokyo) have no snapshot: 2026-11-24 18:00 (no backup-dr-app-redis-20261124-1800); 2026-11-25 00:00 (failed: backup-dr-app-redis-20261125-0000)',
      }),
    ]);
  });

  it('measures the newest verified export against the RPO plus the pipeline allowance, to the millisecond', () => {
    const at = (age: number) => {
      const t = new Date(NOW - age + 9 * HOUR).toISOString();
      return `backup-dr-app-redis-${t.slice(0, 10).replaceAll('-', '')}-${t.slice(11, 13)}${t.slice(14, 16)}`;
    };
    const fresh = assessCachePosture({ ...base, role: 'secondary', region: SECONDARY, verifiedExports: [at(RPO + PIPELINE_ALLOWANCE_MS)] });
    expect(fresh.findings).toEqual([]);
    const stale = assessCachePosture({ ...base, role: 'secondary', region: SECONDARY, verifiedExports: [at(RPO + PIPELINE_ALLOWANCE_MS + 60_000), at(30 * HOUR)] });
    expect(stale.findings).toEqual([expect.objectContaining({ check: 'stale-export', summary: `the newest verified export of app-redis in ${SECONDARY} is 8.0 h old: over the RPO of 6.0 h (+ 2.0 h to export, replicate and verify)` })]);
  });

  it('is critical when a region has no verified export at all', () => {
    expect(checks(assessCachePosture({ ...base, role: 'secondary', region: SECONDARY, verifiedExports: [] }))).toEqual(['no-verified-export']);
  });

  it('catches replication removed, disabled, or without Replication Time Control', () => {
    const withReplication = (replication: Parameters<typeof assessCachePosture>[0]['replication']) =>
      assessCachePosture({ ...base, role: 'primary', snapshots: allRuns(), verifiedExports: ['backup-dr-app-redis-20261125-0600'], replication }).findings.map((f) => f.summary);
    expect(withReplication(null)).toEqual(['the export bucket has no replication configuration: exports no longer reach the secondary region']);
    expect(withReplication({ ...RTC, Rules: [{ ...RTC.Rules[0]!, Status: 'Disabled' }] })).toEqual(['the export bucket has no enabled replication rule: exports no longer reach the secondary region']);
    expect(withReplication({ ...RTC, Rules: [{ Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::b' } }] })).toEqual(['the export bucket replicates without Replication Time Control: no 15-minute guarantee and no replication metrics']);
  });
});

describe('check-cache-posture', () => {
  const elasticache = new ElastiCacheClient({ region: PRIMARY });
  const s3 = new S3Client({ region: PRIMARY });
  const ec = mockClient(elasticache);
  const s3Mock = mockClient(s3);
  beforeEach(() => {
    ec.reset();
    s3Mock.reset();
  });

  it('counts only whole exports whose every part this region verified, and alerts each finding', async () => {
    ec.on(DescribeSnapshotsCommand).resolves({ Snapshots: [...allRuns().keys()].map((SnapshotName) => ({ SnapshotName, SnapshotStatus: 'available' })) });
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [
        'backup-dr-app-redis-20261125-0600-0001.rdb', 'backup-dr-app-redis-20261125-0600-0002.rdb', 'backup-dr-app-redis-20261125-0600.parts-0002',
        'backup-dr-app-redis-20261124-0000-0001.rdb', 'backup-dr-app-redis-20261124-0000.parts-0001',
        // Verified, but not whole: no marker yet (an export still arriving).
        'backup-dr-app-redis-20261125-0000-0001.rdb',
      ].map((Key) => ({ Key })),
    });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: `backup-dr:verified-at:${PRIMARY}`, Value: 'x' }] });
    // One shard of the newest export is not verified: the newest verified export is the day before's.
    s3Mock.on(GetObjectTaggingCommand, { Key: 'backup-dr-app-redis-20261125-0600-0002.rdb' }).resolves({ TagSet: [] });
    s3Mock.on(GetBucketReplicationCommand).rejects(Object.assign(new Error('none'), { name: 'ReplicationConfigurationNotFoundError' }));
    const alerts = new RecordingAlerts();
    const report = await checkCachePosture({ policy, role: 'primary', elasticache, own: { s3, bucket: 'exports', region: PRIMARY }, alerts, log: new RecordingLog(), now: () => NOW });
    expect(report.caches[0]!.newestVerifiedExportAge).toBe(NOW - Date.parse('2026-11-24T00:00:00+09:00'));
    expect(alerts.published.map((a) => [a.kind, a.resource, a.region, a.details?.check])).toEqual([
      ['posture', 'app-redis', PRIMARY, 'stale-export'],
      ['posture', 'app-redis', PRIMARY, 'replication'],
    ]);
  });

  it('with its memory in the reports bucket, alerts a drift once: six hours on, the same drift is silent (the report still counts it), new ones alert', async () => {
    ec.on(DescribeSnapshotsCommand).resolves({ Snapshots: [...allRuns().keys()].map((SnapshotName) => ({ SnapshotName, SnapshotStatus: 'available' })) });
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: ['backup-dr-app-redis-20261125-0600-0001.rdb', 'backup-dr-app-redis-20261125-0600.parts-0001'].map((Key) => ({ Key })) });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: `backup-dr:verified-at:${PRIMARY}`, Value: 'x' }] });
    s3Mock.on(GetBucketReplicationCommand).rejects(Object.assign(new Error('none'), { name: 'ReplicationConfigurationNotFoundError' }));
    let memory: string | undefined;
    s3Mock.on(GetObjectCommand).callsFake(async () => {
      if (memory === undefined) throw Object.assign(new Error('none'), { name: 'NoSuchKey' });
      const text = memory;
      // The one method of a response body the memory reads.
      return { Body: { transformToString: async () => text } as never, ETag: '"e1"' };
    });
    s3Mock.on(PutObjectCommand).callsFake(async (input: { Body: string }) => {
      memory = input.Body;
      return { ETag: '"e1"' };
    });
    const run = async (now: number) => {
      const alerts = new RecordingAlerts();
      const report = await checkCachePosture({ policy, role: 'primary', elasticache, own: { s3, bucket: 'exports', region: PRIMARY }, alerts, memory: { s3, bucket: 'reports' }, log: new RecordingLog(), now: () => now });
      return { alerts: alerts.published, findings: report.caches[0]!.findings.length };
    };
    const first = await run(NOW);
    expect(first.alerts.map((a) => a.details?.check)).toEqual(['replication']);
    const second = await run(NOW + 6 * HOUR);
    expect(second.alerts.map((a) => a.details?.check)).toEqual(['missed-snapshot', 'stale-export']);
    expect(second.findings).toBe(3);
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'reports', Key: `posture/redis/${PRIMARY}/app-redis.json` },
      { Bucket: 'reports', Key: `posture/redis/${PRIMARY}/app-redis.json` },
    ]);
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.IfNoneMatch, c.args[0].input.IfMatch])).toEqual([['*', undefined], [undefined, '"e1"']]);
  });
});
