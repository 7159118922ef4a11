// The cache posture: a missed or failed snapshot (the dead man's switch), the newest verified export
// against the RPO in each region, and the export bucket's own settings — ElastiCache's grant and the
// TLS-only deny in its policy, object ownership, public access block, and the primary's replication to
// the secondary's bucket with RTC — judged pure against the settings the stack deploys, and read from
// ElastiCache and S3 (aws-sdk-client-mock: the exact commands) with one alert per finding.

import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ReplicationConfiguration,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { assessExportBucket, type ExportBucketSettings } from '../../../functions/redis/check-cache-posture/bucket-plan.js';
import { checkCachePosture } from '../../../functions/redis/check-cache-posture/check-cache-posture.js';
import { assessCachePosture, PIPELINE_ALLOWANCE_MS } from '../../../functions/redis/check-cache-posture/plan.js';
import { exportBucketName } from '../../../shared/contracts.js';
import { deployIn } from '../../infra/deployments.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const HOUR = 3_600_000;
// 09:30 in Tokyo: the last run (every 6 h) due at least an hour ago is 06:00.
const NOW = Date.parse('2026-11-25T09:30:00+09:00');
const policy = teamPolicy();
const cache = policy.resources.caches[0]!;
const RPO = policy.objectives.redis.rpo;
const ACCOUNT = '123456789012';
const BUCKET: Readonly<Record<string, string>> = { [PRIMARY]: exportBucketName('test', ACCOUNT, PRIMARY), [SECONDARY]: exportBucketName('test', ACCOUNT, SECONDARY) };

/** A value of the stack's template as CloudFormation resolves it in the account (bucket and role ARNs, the partition). */
function resolved(value: unknown, region: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolved(v, region));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const bucketArn = `arn:aws:s3:::${BUCKET[region]}`;
  if ('Fn::GetAtt' in record) {
    const [id] = record['Fn::GetAtt'] as [string, string];
    return id === 'CacheExportBucket' ? bucketArn : `arn:aws:iam::${ACCOUNT}:role/${id}`;
  }
  if ('Fn::Sub' in record) return String(record['Fn::Sub']).replace('${CacheExportBucket.Arn}', bucketArn).replace('${AWS::Partition}', 'aws').replace('${AWS::AccountId}', ACCOUNT);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolved(v, region)]));
}

/** What the stack deploys on the export bucket of a region, as S3 returns it. */
function deployedBucket(region: string) {
  const resources = deployIn(policy, region).resources.Resources;
  const bucket = resources.CacheExportBucket!.Properties as Record<string, any>;
  return {
    policy: JSON.stringify(resolved((resources.CacheExportBucketPolicy!.Properties as Record<string, any>).PolicyDocument, region)),
    ownership: bucket.OwnershipControls,
    publicAccess: bucket.PublicAccessBlockConfiguration,
    replication: bucket.ReplicationConfiguration === undefined ? undefined : (resolved(bucket.ReplicationConfiguration, region) as ReplicationConfiguration),
  };
}
const DEPLOYED: Readonly<Record<string, ReturnType<typeof deployedBucket>>> = { [PRIMARY]: deployedBucket(PRIMARY), [SECONDARY]: deployedBucket(SECONDARY) };
const RTC = DEPLOYED[PRIMARY]!.replication!;

const base = { cache, region: PRIMARY, timeZone: 'Asia/Tokyo', now: NOW, rpoTarget: RPO };
const checks = (p: ReturnType<typeof assessCachePosture>) => p.findings.map((f) => f.check);
/** The snapshots of every run of the last 24 hours (every 6 h: 12:00 and 18:00 the day before, 00:00 and 06:00). */
const allRuns = () => new Map(['20261124-1200', '20261124-1800', '20261125-0000', '20261125-0600'].map((t) => [`backup-dr-app-redis-${t}`, 'available']));

describe('assessCachePosture', () => {
  it('finds nothing when every run of the last 24 hours has its snapshot and a fresh export is verified', () => {
    const p = assessCachePosture({ ...base, role: 'primary', snapshots: allRuns(), verifiedExports: ['backup-dr-app-redis-20261125-0000', 'backup-dr-app-redis-20261125-0600'] });
    expect(p.findings).toEqual([]);
    expect(p.newestVerifiedExportAge).toBe(3.5 * HOUR);
  });

  it('names every run of the last 24 hours whose snapshot is missing or failed, not only the last', () => {
    const snapshots = allRuns();
    snapshots.delete('backup-dr-app-redis-20261124-1800');
    snapshots.set('backup-dr-app-redis-20261125-0000', 'failed');
    const p = assessCachePosture({ ...base, role: 'primary', snapshots, verifiedExports: ['backup-dr-app-redis-20261125-0600'] });
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

});

describe('assessExportBucket', () => {
  const expected = (region: string) => ({ role: region === PRIMARY ? ('primary' as const) : ('secondary' as const), region, bucket: BUCKET[region]!, peerBucket: BUCKET[SECONDARY]! });
  const settings = (region: string, change: Partial<ExportBucketSettings> = {}): ExportBucketSettings => {
    const d = DEPLOYED[region]!;
    return { policy: { value: d.policy }, ownership: { value: d.ownership }, publicAccess: { value: d.publicAccess }, ...(d.replication === undefined ? {} : { replication: { value: d.replication } }), ...change };
  };
  /** The deployed policy with its statements changed. */
  const policyWith = (region: string, change: (statements: Record<string, any>[]) => Record<string, any>[]) => {
    const document = JSON.parse(DEPLOYED[region]!.policy) as { Statement: Record<string, any>[] };
    return { policy: { value: JSON.stringify({ ...document, Statement: change(document.Statement) }) } };
  };
  const judged = (region: string, change: Partial<ExportBucketSettings> = {}) => assessExportBucket(expected(region), settings(region, change)).map((f) => [f.severity, f.check, f.summary]);
  const grantOf = (statements: Record<string, any>[]) => statements.find((st) => String(st.Sid).startsWith('ElastiCache'))!;

  it.each([PRIMARY, SECONDARY])('finds nothing in what the stack deploys in %s', (region) => {
    expect(judged(region)).toEqual([]);
  });

  it('accepts a wider grant that still covers every action (s3:* on the bucket and its objects)', () => {
    expect(judged(PRIMARY, policyWith(PRIMARY, (st) => st.map((x) => (x.Effect === 'Allow' ? { ...x, Action: 's3:*' } : x))))).toEqual([]);
  });

  it('finds a policy without the grant, naming every action the exports need', () => {
    const p = judged(PRIMARY, policyWith(PRIMARY, (st) => st.filter((x) => x.Effect !== 'Allow')));
    expect(p).toEqual([
      [
        'critical',
        'export-grant',
        `the export bucket ${BUCKET[PRIMARY]} no longer grants ${PRIMARY}.elasticache-snapshot.amazonaws.com s3:PutObject on its objects, s3:GetObject on its objects, s3:ListBucket on the bucket, s3:GetBucketAcl on the bucket, s3:ListMultipartUploadParts on its objects, s3:ListBucketMultipartUploads on the bucket: exports fail`,
      ],
    ]);
    // The secondary's grant is for seeding: reading only.
    expect(judged(SECONDARY, policyWith(SECONDARY, (st) => st.filter((x) => x.Effect !== 'Allow')))[0]![2]).toBe(
      `the export bucket ${BUCKET[SECONDARY]} no longer grants ${SECONDARY}.elasticache-snapshot.amazonaws.com s3:GetObject on its objects, s3:ListBucket on the bucket, s3:GetBucketAcl on the bucket: a cluster cannot be seeded from an export here`,
    );
  });

  it('finds a narrower grant: an action taken out, the bucket left out of its resources, another region\'s principal', () => {
    const noPut = judged(PRIMARY, policyWith(PRIMARY, (st) => st.map((x) => (x === grantOf(st) ? { ...x, Action: x.Action.filter((a: string) => a !== 's3:PutObject') } : x))));
    expect(noPut.map(([, check, summary]) => [check, String(summary).replace(/.*grants \S+ /, '')])).toEqual([['export-grant', 's3:PutObject on its objects: exports fail']]);
    const objectsOnly = judged(PRIMARY, policyWith(PRIMARY, (st) => st.map((x) => (x === grantOf(st) ? { ...x, Resource: `arn:aws:s3:::${BUCKET[PRIMARY]}/*` } : x))));
    expect(String(objectsOnly[0]![2])).toContain('grants ap-northeast-1.elasticache-snapshot.amazonaws.com s3:ListBucket on the bucket, s3:GetBucketAcl on the bucket, s3:ListBucketMultipartUploads on the bucket: exports fail');
    const otherRegion = judged(PRIMARY, policyWith(PRIMARY, (st) => st.map((x) => (x === grantOf(st) ? { ...x, Principal: { Service: `${SECONDARY}.elasticache-snapshot.amazonaws.com` } } : x))));
    expect(otherRegion.map(([, check]) => check)).toEqual(['export-grant']);
  });

  it('finds a deny that takes the grant back, and a TLS-only deny removed', () => {
    const denied = judged(PRIMARY, policyWith(PRIMARY, (st) => [...st, { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET[PRIMARY]}/*` }]));
    expect(String(denied[0]![2])).toContain('s3:PutObject on its objects (denied): exports fail');
    expect(judged(PRIMARY, policyWith(PRIMARY, (st) => st.filter((x) => x.Effect !== 'Deny')))).toEqual([
      ['warning', 'tls-only', `the bucket policy of the export bucket ${BUCKET[PRIMARY]} no longer denies requests without TLS (aws:SecureTransport false)`],
    ]);
  });

  it('finds no bucket policy at all: no grant, and no TLS-only deny', () => {
    expect(judged(PRIMARY, { policy: { absent: 'NoSuchBucketPolicy' } }).map(([severity, check]) => [severity, check])).toEqual([
      ['critical', 'export-grant'],
      ['warning', 'tls-only'],
    ]);
  });

  it('finds object ownership changed or removed, and a public access block turned off', () => {
    expect(judged(SECONDARY, { ownership: { value: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } } })).toEqual([
      ['critical', 'object-ownership', `the export bucket ${BUCKET[SECONDARY]}: object ownership is ObjectWriter, not BucketOwnerEnforced (ACLs still apply): an export ElastiCache writes may not be the bucket's to read or replicate`],
    ]);
    expect(judged(SECONDARY, { ownership: { absent: 'OwnershipControlsNotFoundError' } }).map(([, check]) => check)).toEqual(['object-ownership']);
    expect(judged(PRIMARY, { publicAccess: { value: { ...DEPLOYED[PRIMARY]!.publicAccess, RestrictPublicBuckets: false } } })).toEqual([
      ['critical', 'public-access', `the export bucket ${BUCKET[PRIMARY]}: public access block off: RestrictPublicBuckets: the cache data in it could be made public`],
    ]);
    expect(judged(PRIMARY, { publicAccess: { absent: 'NoSuchPublicAccessBlockConfiguration' } }).map(([, check]) => check)).toEqual(['public-access']);
  });

  it('finds the replication rule gone, disabled, pointed elsewhere, narrowed, without RTC, or replicating delete markers (primary only)', () => {
    const rule = RTC.Rules![0]!;
    const summaries = (replication: ReplicationConfiguration) => judged(PRIMARY, { replication: { value: replication } }).map(([, check, summary]) => `${String(check)}: ${String(summary).replace(`the export bucket ${BUCKET[PRIMARY]} `, '')}`);
    expect(judged(PRIMARY, { replication: { absent: 'ReplicationConfigurationNotFoundError' } }).map(([, , summary]) => summary)).toEqual([
      `the export bucket ${BUCKET[PRIMARY]} has no replication configuration: exports no longer reach the secondary region`,
    ]);
    expect(summaries({ ...RTC, Rules: [{ ...rule, Status: 'Disabled' }] })).toEqual(['replication: has no enabled replication rule: exports no longer reach the secondary region']);
    expect(summaries({ ...RTC, Rules: [{ ...rule, Destination: { ...rule.Destination!, Bucket: 'arn:aws:s3:::somewhere-else' } }] })).toEqual([
      `replication: replicates to arn:aws:s3:::somewhere-else, not to ${BUCKET[SECONDARY]}: exports no longer reach the secondary's export bucket`,
    ]);
    expect(summaries({ ...RTC, Rules: [{ ...rule, Filter: { Prefix: 'logs/' } }] })).toEqual([`replication: replicates to ${BUCKET[SECONDARY]} only what its filter selects, not every export`]);
    // A prefix every export starts with still covers them.
    expect(summaries({ ...RTC, Rules: [{ ...rule, Filter: { Prefix: 'backup-dr-' } }] })).toEqual([]);
    expect(summaries({ ...RTC, Rules: [{ ...rule, Destination: { ...rule.Destination!, ReplicationTime: { Status: 'Disabled', Time: { Minutes: 15 } } } }] })).toEqual([
      'replication: replicates without Replication Time Control: no 15-minute guarantee and no replication metrics',
    ]);
    expect(summaries({ ...RTC, Rules: [{ ...rule, DeleteMarkerReplication: { Status: 'Enabled' } }] })).toEqual([`replication: replicates delete markers to ${BUCKET[SECONDARY]}: pruning the primary's exports would hide the secondary's`]);
    // The secondary's bucket does not replicate, and is not judged on it.
    expect(assessExportBucket(expected(SECONDARY), { ...settings(SECONDARY), replication: { absent: 'ReplicationConfigurationNotFoundError' } })).toEqual([]);
  });

  it('makes a setting that cannot be read a warning naming the permission, and judges the others', () => {
    expect(judged(PRIMARY, { policy: { unreadable: 'AccessDenied' }, ownership: { value: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } } }).map(([severity, check, summary]) => [severity, check, String(summary).slice(0, 60)])).toEqual([
      ['warning', 'export-grant', `GetBucketPolicy of the export bucket ${BUCKET[PRIMARY]} failed with`.slice(0, 60)],
      ['critical', 'object-ownership', `the export bucket ${BUCKET[PRIMARY]}: object ownership is BucketOwnerPreferred`.slice(0, 60)],
    ]);
    expect(assessExportBucket(expected(PRIMARY), settings(PRIMARY, { replication: { unreadable: 'AccessDenied' } }))[0]!.action).toBe(
      `check-cache-posture's role must be allowed s3:GetReplicationConfiguration on ${BUCKET[PRIMARY]} (redeploy); other errors: see its logs.`,
    );
  });
});

describe('check-cache-posture', () => {
  const elasticache = new ElastiCacheClient({ region: PRIMARY });
  const s3 = new S3Client({ region: PRIMARY });
  const ec = mockClient(elasticache);
  const s3Mock = mockClient(s3);
  const own = (region: string) => ({ s3, bucket: BUCKET[region]!, region });
  /** The export bucket as the stack deploys it in `region`. */
  const deployedSettings = (region: string) => {
    const d = DEPLOYED[region]!;
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: d.policy });
    s3Mock.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: d.ownership });
    s3Mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: d.publicAccess });
    if (d.replication !== undefined) s3Mock.on(GetBucketReplicationCommand).resolves({ ReplicationConfiguration: d.replication });
  };
  beforeEach(() => {
    ec.reset();
    s3Mock.reset();
  });

  it('counts only whole exports whose every part this region verified, and alerts each finding', async () => {
    deployedSettings(PRIMARY);
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
    const report = await checkCachePosture({ policy, role: 'primary', elasticache, own: own(PRIMARY), peerBucket: BUCKET[SECONDARY]!, alerts, log: new RecordingLog(), now: () => NOW });
    expect(report.caches[0]!.newestVerifiedExportAge).toBe(NOW - Date.parse('2026-11-24T00:00:00+09:00'));
    expect(alerts.published.map((a) => [a.kind, a.resource, a.region, a.details?.check])).toEqual([
      ['posture', 'app-redis', PRIMARY, 'stale-export'],
      ['posture', 'export-bucket', PRIMARY, 'replication'],
    ]);
  });

  it.each([
    ['primary', PRIMARY, [GetBucketPolicyCommand, GetBucketOwnershipControlsCommand, GetPublicAccessBlockCommand, GetBucketReplicationCommand]],
    ['secondary', SECONDARY, [GetBucketPolicyCommand, GetBucketOwnershipControlsCommand, GetPublicAccessBlockCommand]],
  ] as const)('reads the %s export bucket\'s settings, one request each, of that bucket only', async (role, region, commands) => {
    deployedSettings(region);
    ec.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    const report = await checkCachePosture({ policy, role, elasticache, own: own(region), peerBucket: BUCKET[region === PRIMARY ? SECONDARY : PRIMARY]!, alerts: new RecordingAlerts(), log: new RecordingLog(), now: () => NOW });
    expect(report.exportBucket).toEqual({ bucket: BUCKET[region], findings: [] });
    const bucketReads = s3Mock.calls().filter((c) => !(c.args[0] instanceof ListObjectsV2Command));
    expect(bucketReads.map((c) => [c.args[0].constructor.name, c.args[0].input])).toEqual(commands.map((command) => [command.name, { Bucket: BUCKET[region] }]));
  });

  it('with its memory in the reports bucket, alerts a drift once: six hours on, the same drift is silent (the report still counts it), new ones alert', async () => {
    deployedSettings(PRIMARY);
    ec.on(DescribeSnapshotsCommand).resolves({ Snapshots: [...allRuns().keys()].map((SnapshotName) => ({ SnapshotName, SnapshotStatus: 'available' })) });
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: ['backup-dr-app-redis-20261125-0600-0001.rdb', 'backup-dr-app-redis-20261125-0600.parts-0001'].map((Key) => ({ Key })) });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: `backup-dr:verified-at:${PRIMARY}`, Value: 'x' }] });
    s3Mock.on(GetBucketReplicationCommand).rejects(Object.assign(new Error('none'), { name: 'ReplicationConfigurationNotFoundError' }));
    const memory = new Map<string, string>();
    s3Mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      const text = memory.get(input.Key);
      if (text === undefined) throw Object.assign(new Error('none'), { name: 'NoSuchKey' });
      // The one method of a response body the memory reads.
      return { Body: { transformToString: async () => text } as never, ETag: '"e1"' };
    });
    s3Mock.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => {
      memory.set(input.Key, input.Body);
      return { ETag: '"e1"' };
    });
    const run = async (now: number) => {
      const alerts = new RecordingAlerts();
      const report = await checkCachePosture({ policy, role: 'primary', elasticache, own: own(PRIMARY), peerBucket: BUCKET[SECONDARY]!, alerts, memory: { s3, bucket: 'reports' }, log: new RecordingLog(), now: () => now });
      return { alerts: alerts.published, findings: report.caches[0]!.findings.length + report.exportBucket.findings.length };
    };
    const first = await run(NOW);
    expect(first.alerts.map((a) => [a.resource, a.details?.check])).toEqual([['export-bucket', 'replication']]);
    const second = await run(NOW + 6 * HOUR);
    expect(second.alerts.map((a) => [a.resource, a.details?.check])).toEqual([
      ['app-redis', 'missed-snapshot'],
      ['app-redis', 'stale-export'],
    ]);
    expect(second.findings).toBe(3);
    const memoryKeys = [`posture/redis/${PRIMARY}/app-redis.json`, `posture/redis/${PRIMARY}/export-bucket.json`];
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([...memoryKeys, ...memoryKeys].map((Key) => ({ Bucket: 'reports', Key })));
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.IfNoneMatch, c.args[0].input.IfMatch])).toEqual([
      [memoryKeys[0], '*', undefined],
      [memoryKeys[1], '*', undefined],
      [memoryKeys[0], undefined, '"e1"'],
      [memoryKeys[1], undefined, '"e1"'],
    ]);
    // The rule restored: one resolution of the bucket's finding.
    s3Mock.on(GetBucketReplicationCommand).resolves({ ReplicationConfiguration: RTC });
    const fixed = await run(NOW + 12 * HOUR);
    expect(fixed.alerts.filter((a) => a.resource === 'export-bucket').map((a) => [a.severity, a.details?.resolved, a.summary])).toEqual([
      ['info', true, `resolved: the export bucket ${BUCKET[PRIMARY]} has no replication configuration: exports no longer reach the secondary region`],
    ]);
  });
});
