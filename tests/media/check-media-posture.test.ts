// check-media-posture against S3 and KMS answered by aws-sdk-client-mock: every bucket as the policy wants
// it gives no alert; each drift (versioning, replication to the replica and to the archive, lifecycle,
// encryption, public access, ownership, TLS-only policy), each of S3's "not configured" errors, a denied
// read and a missing bucket give exactly their alert — in the primary for the source and the archive
// copy, in the secondary for the replica; the commands sent are the seven reads per bucket, by name.

import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
  type LifecycleRule,
  type ReplicationRule,
} from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkMediaPosture, type MediaPostureDeps } from '../../functions/media/check-media-posture/check-media-posture.js';
import type { Policy } from '../../shared/policy/schema.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';
import { deployIn } from '../infra/deployments.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const ARCHIVE = 'ap-southeast-2';
const SOURCE = 'app-media-prod';
const REPLICA = 'app-media-replica-apse1';
const ARCHIVED = 'app-media-archive-apse2';
const NOW = Date.parse('2026-12-03T03:00:00+09:00');
const ACCOUNT = '123456789012';
const keyId = (region: string) => `key-${region}`;
const keyArn = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId(region)}`;
const aliasArn = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:alias/backup-dr-test`;

const named = (name: string) => Object.assign(new Error(`${name} (test)`), { name });

const s3: Record<string, S3Client> = { [PRIMARY]: new S3Client({ region: PRIMARY }), [SECONDARY]: new S3Client({ region: SECONDARY }), [ARCHIVE]: new S3Client({ region: ARCHIVE }) };
const kms: Record<string, KMSClient> = { [PRIMARY]: new KMSClient({ region: PRIMARY }), [SECONDARY]: new KMSClient({ region: SECONDARY }), [ARCHIVE]: new KMSClient({ region: ARCHIVE }) };
let s3Mocks: Record<string, AwsClientStub<S3Client>>;
let kmsMocks: Record<string, AwsClientStub<KMSClient>>;
let alerts: RecordingAlerts;
let log: RecordingLog;

const replicaRule = (change: Partial<ReplicationRule> = {}): ReplicationRule => ({
  ID: 'to-replica',
  Status: 'Enabled',
  Priority: 1,
  Filter: { Prefix: '' },
  DeleteMarkerReplication: { Status: 'Enabled' },
  SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
  Destination: { Bucket: `arn:aws:s3:::${REPLICA}`, ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } }, Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } } },
  ...change,
});
const archiveRule = (change: Partial<ReplicationRule> = {}): ReplicationRule => ({
  ID: 'to-archive',
  Status: 'Enabled',
  Priority: 2,
  Filter: { Prefix: '' },
  DeleteMarkerReplication: { Status: 'Disabled' },
  SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
  Destination: { Bucket: `arn:aws:s3:::${ARCHIVED}`, StorageClass: 'DEEP_ARCHIVE' },
  ...change,
});
const sourceLifecycle = (change: Partial<LifecycleRule> = {}): LifecycleRule[] => [
  {
    ID: 'media-lifecycle',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Transitions: [
      { Days: 30, StorageClass: 'STANDARD_IA' },
      { Days: 90, StorageClass: 'GLACIER' },
      { Days: 365, StorageClass: 'DEEP_ARCHIVE' },
    ],
    NoncurrentVersionExpiration: { NoncurrentDays: 365 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    ...change,
  },
];
const tlsPolicy = (bucket: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
  });

/** A bucket exactly as the policy wants it, in its region. */
function serveGood(region: string, bucket: string, extra: { rules?: ReplicationRule[]; lifecycle?: LifecycleRule[] } = {}): void {
  const mock = s3Mocks[region]!;
  mock.on(GetBucketVersioningCommand, { Bucket: bucket }).resolves({ Status: 'Enabled' });
  if (extra.rules === undefined) mock.on(GetBucketReplicationCommand, { Bucket: bucket }).rejects(named('ReplicationConfigurationNotFoundError'));
  else mock.on(GetBucketReplicationCommand, { Bucket: bucket }).resolves({ ReplicationConfiguration: { Role: `arn:aws:iam::${ACCOUNT}:role/r`, Rules: extra.rules } });
  mock.on(GetBucketLifecycleConfigurationCommand, { Bucket: bucket }).resolves({ Rules: extra.lifecycle ?? [] });
  mock.on(GetBucketEncryptionCommand, { Bucket: bucket }).resolves({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: aliasArn(region) }, BucketKeyEnabled: true }] },
  });
  mock.on(GetPublicAccessBlockCommand, { Bucket: bucket }).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
  mock.on(GetBucketOwnershipControlsCommand, { Bucket: bucket }).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
  mock.on(GetBucketPolicyCommand, { Bucket: bucket }).resolves({ Policy: tlsPolicy(bucket) });
}

function serveAllGood(): void {
  serveGood(PRIMARY, SOURCE, { rules: [replicaRule(), archiveRule()], lifecycle: sourceLifecycle() });
  serveGood(ARCHIVE, ARCHIVED, { lifecycle: [{ ID: 'archive-versions', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 2555 } }] });
  serveGood(SECONDARY, REPLICA, { lifecycle: [{ ID: 'replica-versions', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 365 } }] });
}

const deps = (role: 'primary' | 'secondary', policy: Policy = teamPolicy()): MediaPostureDeps => ({
  policy,
  role,
  stage: 'test',
  s3: (region) => s3[region]!,
  kms: (region) => kms[region]!,
  alerts,
  log,
  now: () => NOW,
});

const summaries = () => alerts.published.map((a) => `${a.severity} ${String(a.details?.check)} ${a.summary}`);

beforeEach(() => {
  s3Mocks = Object.fromEntries(Object.entries(s3).map(([region, client]) => [region, mockClient(client)]));
  kmsMocks = Object.fromEntries(Object.entries(kms).map(([region, client]) => [region, mockClient(client)]));
  for (const [region, mock] of Object.entries(kmsMocks)) {
    mock.on(DescribeKeyCommand, { KeyId: 'alias/backup-dr-test' }).resolves({ KeyMetadata: { KeyId: keyId(region), Arn: keyArn(region) } });
  }
  alerts = new RecordingAlerts();
  log = new RecordingLog();
  serveAllGood();
});

describe('check-media-posture', () => {
  it('primary: the source and its archive copy as the policy wants them — no alert, seven reads of each, by name, in their regions', async () => {
    const report = await checkMediaPosture(deps('primary'));
    expect(report.buckets).toEqual([
      { resource: 'media', bucket: SOURCE, side: 'source', region: PRIMARY, findings: [] },
      { resource: 'media', bucket: ARCHIVED, side: 'archive', region: ARCHIVE, findings: [] },
    ]);
    expect(alerts.published).toEqual([]);
    const reads = (region: string) => s3Mocks[region]!.calls().map((c) => `${c.args[0].constructor.name} ${(c.args[0].input as { Bucket: string }).Bucket}`);
    const seven = (bucket: string) =>
      ['GetBucketVersioningCommand', 'GetBucketReplicationCommand', 'GetBucketLifecycleConfigurationCommand', 'GetBucketEncryptionCommand', 'GetPublicAccessBlockCommand', 'GetBucketOwnershipControlsCommand', 'GetBucketPolicyCommand'].map((c) => `${c} ${bucket}`);
    expect(reads(PRIMARY)).toEqual(seven(SOURCE));
    expect(reads(ARCHIVE)).toEqual(seven(ARCHIVED));
    expect(reads(SECONDARY)).toEqual([]);
    expect(kmsMocks[PRIMARY]!.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: 'alias/backup-dr-test' }]);
    expect(kmsMocks[ARCHIVE]!.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: 'alias/backup-dr-test' }]);
  });

  it('secondary: the replica as the policy wants it (no replication of its own) — no alert', async () => {
    const report = await checkMediaPosture(deps('secondary'));
    expect(report.buckets).toEqual([{ resource: 'media', bucket: REPLICA, side: 'replica', region: SECONDARY, findings: [] }]);
    expect(alerts.published).toEqual([]);
    expect(s3Mocks[PRIMARY]!.calls()).toEqual([]);
  });

  it('accepts the key however S3 reports it: alias ARN, key id or key ARN (DescribeKey says they are the same key)', async () => {
    for (const reported of [aliasArn(PRIMARY), keyId(PRIMARY), keyArn(PRIMARY)]) {
      alerts = new RecordingAlerts();
      s3Mocks[PRIMARY]!.on(GetBucketEncryptionCommand, { Bucket: SOURCE }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: reported } }] } });
      await checkMediaPosture(deps('primary'));
      expect(alerts.published, reported).toEqual([]);
    }
  });

  const SOURCE_DRIFTS: [string, () => void, string][] = [
    ['versioning suspended', () => s3Mocks[PRIMARY]!.on(GetBucketVersioningCommand, { Bucket: SOURCE }).resolves({ Status: 'Suspended' }), 'critical versioning source bucket app-media-prod of media: versioning is Suspended, not Enabled (no version to restore)'],
    ['versioning never enabled', () => s3Mocks[PRIMARY]!.on(GetBucketVersioningCommand, { Bucket: SOURCE }).resolves({}), 'critical versioning source bucket app-media-prod of media: versioning is never enabled, not Enabled (no version to restore)'],
    [
      'replica rule without RTC',
      () => s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule({ Destination: { Bucket: `arn:aws:s3:::${REPLICA}`, Metrics: { Status: 'Enabled' } } }), archiveRule()] } }),
      'critical replication source bucket app-media-prod of media: replicates to the replica without Replication Time Control (no 15-minute guarantee)',
    ],
    [
      'replica rule without metrics',
      () =>
        s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({
          ReplicationConfiguration: { Role: 'r', Rules: [replicaRule({ Destination: { Bucket: `arn:aws:s3:::${REPLICA}`, ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } }, Metrics: { Status: 'Disabled' } } }), archiveRule()] },
        }),
      'critical replication source bucket app-media-prod of media: replicates to the replica without replication metrics (no late-replication events)',
    ],
    [
      'replica rule without delete markers',
      () => s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule({ DeleteMarkerReplication: { Status: 'Disabled' } }), archiveRule()] } }),
      'critical replication source bucket app-media-prod of media: does not replicate delete markers to the replica (a point-in-time restore from it would bring deleted objects back)',
    ],
    [
      'replica rule disabled',
      () => s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule({ Status: 'Disabled' }), archiveRule()] } }),
      'critical replication source bucket app-media-prod of media: no enabled whole-bucket replication rule to the replica app-media-replica-apse1',
    ],
    [
      'replica rule for a prefix only',
      () => s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule({ Filter: { Prefix: 'uploads/' } }), archiveRule()] } }),
      'critical replication source bucket app-media-prod of media: no enabled whole-bucket replication rule to the replica app-media-replica-apse1',
    ],
    [
      'no archive rule',
      () => s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule()] } }),
      'critical replication source bucket app-media-prod of media: no enabled whole-bucket replication rule to the archive app-media-archive-apse2',
    ],
    [
      'delete markers replicated to the archive',
      () => s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule(), archiveRule({ DeleteMarkerReplication: { Status: 'Enabled' } })] } }),
      'critical replication source bucket app-media-prod of media: replicates delete markers to the archive (a delete in production would reach it)',
    ],
    [
      'a transition changed',
      () => s3Mocks[PRIMARY]!.on(GetBucketLifecycleConfigurationCommand, { Bucket: SOURCE }).resolves({ Rules: sourceLifecycle({ Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 120, StorageClass: 'GLACIER' }, { Days: 365, StorageClass: 'DEEP_ARCHIVE' }] }) }),
      'warning lifecycle source bucket app-media-prod of media: no transition to GLACIER after 90 days',
    ],
    [
      'noncurrent expiry changed',
      () => s3Mocks[PRIMARY]!.on(GetBucketLifecycleConfigurationCommand, { Bucket: SOURCE }).resolves({ Rules: sourceLifecycle({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }) }),
      'warning lifecycle source bucket app-media-prod of media: no rule removes replaced versions after 365 days',
    ],
    [
      'current objects expired',
      () => s3Mocks[PRIMARY]!.on(GetBucketLifecycleConfigurationCommand, { Bucket: SOURCE }).resolves({ Rules: [...sourceLifecycle(), { ID: 'cleanup', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 3 } }] }),
      'warning lifecycle source bucket app-media-prod of media: rule cleanup expires current objects',
    ],
    [
      'SSE-S3 instead of SSE-KMS',
      () => s3Mocks[PRIMARY]!.on(GetBucketEncryptionCommand, { Bucket: SOURCE }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }),
      'critical encryption source bucket app-media-prod of media: default encryption is AES256, not SSE-KMS with alias/backup-dr-test',
    ],
    [
      'another key',
      () => s3Mocks[PRIMARY]!.on(GetBucketEncryptionCommand, { Bucket: SOURCE }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/other` } }] } }),
      `critical encryption source bucket app-media-prod of media: SSE-KMS with arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/other, not alias/backup-dr-test`,
    ],
    [
      'the AWS-managed key',
      () => s3Mocks[PRIMARY]!.on(GetBucketEncryptionCommand, { Bucket: SOURCE }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }),
      'critical encryption source bucket app-media-prod of media: SSE-KMS with the AWS-managed aws/s3 key, not alias/backup-dr-test',
    ],
    [
      'a public access block off',
      () => s3Mocks[PRIMARY]!.on(GetPublicAccessBlockCommand, { Bucket: SOURCE }).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false } }),
      'critical public-access source bucket app-media-prod of media: public access block off: BlockPublicPolicy, RestrictPublicBuckets',
    ],
    [
      'ACLs back on',
      () => s3Mocks[PRIMARY]!.on(GetBucketOwnershipControlsCommand, { Bucket: SOURCE }).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }),
      'warning ownership source bucket app-media-prod of media: object ownership is ObjectWriter, not BucketOwnerEnforced (ACLs still apply)',
    ],
    [
      'a policy without the TLS deny',
      () => s3Mocks[PRIMARY]!.on(GetBucketPolicyCommand, { Bucket: SOURCE }).resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${SOURCE}/*` }] }) }),
      'critical tls-only source bucket app-media-prod of media: its bucket policy does not deny every request without TLS (aws:SecureTransport false) on the bucket and its objects',
    ],
    [
      'a TLS deny on the objects only',
      () =>
        s3Mocks[PRIMARY]!.on(GetBucketPolicyCommand, { Bucket: SOURCE }).resolves({
          Policy: JSON.stringify({ Statement: { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `arn:aws:s3:::${SOURCE}/*`, Condition: { Bool: { 'aws:SecureTransport': false } } } }),
        }),
      'critical tls-only source bucket app-media-prod of media: its bucket policy does not deny every request without TLS (aws:SecureTransport false) on the bucket and its objects',
    ],
  ];

  it.each(SOURCE_DRIFTS)('alerts on a drift of the source: %s — that alert only', async (_name, drift, expected) => {
    drift();
    const report = await checkMediaPosture(deps('primary'));
    expect(summaries()).toEqual([expected]);
    expect(alerts.published[0]).toMatchObject({
      kind: 'posture',
      resource: 'media',
      region: PRIMARY,
      source: 'check-media-posture',
      at: NOW,
      action: expect.stringContaining('This stack sets it: redeploy it'),
      details: { bucket: SOURCE, side: 'source', managed: true },
    });
    expect(report.buckets[0]!.findings).toHaveLength(1);
  });

  const NOT_CONFIGURED: [string, (m: AwsClientStub<S3Client>) => void, string][] = [
    ['ReplicationConfigurationNotFoundError', (m) => m.on(GetBucketReplicationCommand, { Bucket: SOURCE }).rejects(named('ReplicationConfigurationNotFoundError')), 'critical replication source bucket app-media-prod of media: has no replication configuration: nothing reaches the replica'],
    ['NoSuchLifecycleConfiguration', (m) => m.on(GetBucketLifecycleConfigurationCommand, { Bucket: SOURCE }).rejects(named('NoSuchLifecycleConfiguration')), 'warning lifecycle source bucket app-media-prod of media: has no lifecycle configuration'],
    ['ServerSideEncryptionConfigurationNotFoundError', (m) => m.on(GetBucketEncryptionCommand, { Bucket: SOURCE }).rejects(named('ServerSideEncryptionConfigurationNotFoundError')), 'critical encryption source bucket app-media-prod of media: has no default encryption'],
    ['NoSuchPublicAccessBlockConfiguration', (m) => m.on(GetPublicAccessBlockCommand, { Bucket: SOURCE }).rejects(named('NoSuchPublicAccessBlockConfiguration')), 'critical public-access source bucket app-media-prod of media: has no public access block'],
    ['OwnershipControlsNotFoundError', (m) => m.on(GetBucketOwnershipControlsCommand, { Bucket: SOURCE }).rejects(named('OwnershipControlsNotFoundError')), 'warning ownership source bucket app-media-prod of media: has no ownership controls (ACLs apply, objects may belong to their writers)'],
    ['NoSuchBucketPolicy', (m) => m.on(GetBucketPolicyCommand, { Bucket: SOURCE }).rejects(named('NoSuchBucketPolicy')), 'critical tls-only source bucket app-media-prod of media: has no bucket policy: requests without TLS are accepted'],
  ];

  it.each(NOT_CONFIGURED)("reads S3's %s as a setting that is not there: one alert", async (_name, drift, expected) => {
    drift(s3Mocks[PRIMARY]!);
    await checkMediaPosture(deps('primary'));
    expect(summaries()).toEqual([expected]);
  });

  it('a read denied (AccessDenied) alerts that the posture is unknown, naming the IAM action — and the other settings are still checked', async () => {
    s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).rejects(named('AccessDenied'));
    s3Mocks[PRIMARY]!.on(GetBucketVersioningCommand, { Bucket: SOURCE }).resolves({ Status: 'Suspended' });
    await checkMediaPosture(deps('primary'));
    expect(summaries()).toEqual([
      'critical versioning source bucket app-media-prod of media: versioning is Suspended, not Enabled (no version to restore)',
      'critical unreadable source bucket app-media-prod of media: GetBucketReplication failed with AccessDenied: its replication posture is unknown',
    ]);
    expect(alerts.published[1]!.action).toContain('s3:GetReplicationConfiguration on app-media-prod');
  });

  it('a missing bucket is one alert, not seven', async () => {
    for (const command of [GetBucketVersioningCommand, GetBucketReplicationCommand, GetBucketLifecycleConfigurationCommand, GetBucketEncryptionCommand, GetPublicAccessBlockCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand]) {
      s3Mocks[ARCHIVE]!.on(command, { Bucket: ARCHIVED }).rejects(named('NoSuchBucket'));
    }
    await checkMediaPosture(deps('primary'));
    expect(summaries()).toEqual([`critical bucket archive bucket app-media-archive-apse2 of media: does not exist in ${ARCHIVE}`]);
    expect(alerts.published[0]!.region).toBe(ARCHIVE);
  });

  it('the archive copy keeps replaced versions 7 years: a shorter noncurrent expiry there is a drift', async () => {
    s3Mocks[ARCHIVE]!.on(GetBucketLifecycleConfigurationCommand, { Bucket: ARCHIVED }).resolves({ Rules: [{ ID: 'archive-versions', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }] });
    await checkMediaPosture(deps('primary'));
    expect(summaries()).toEqual(['warning lifecycle archive bucket app-media-archive-apse2 of media: no rule removes replaced versions after 2555 days']);
    expect(alerts.published[0]!.region).toBe(ARCHIVE);
  });

  it("checks the archive copy with the archive region's key, and the replica with the secondary's", async () => {
    s3Mocks[ARCHIVE]!.on(GetBucketEncryptionCommand, { Bucket: ARCHIVED }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn(PRIMARY) } }] } });
    s3Mocks[SECONDARY]!.on(GetBucketVersioningCommand, { Bucket: REPLICA }).resolves({ Status: 'Suspended' });
    await checkMediaPosture(deps('primary'));
    expect(summaries()).toEqual([`critical encryption archive bucket app-media-archive-apse2 of media: SSE-KMS with ${keyArn(PRIMARY)}, not alias/backup-dr-test`]);
    alerts = new RecordingAlerts();
    await checkMediaPosture(deps('secondary'));
    expect(summaries()).toEqual(['critical versioning replica bucket app-media-replica-apse1 of media: versioning is Suspended, not Enabled (no version to restore)']);
    expect(alerts.published[0]!.region).toBe(SECONDARY);
  });

  it('a bucket another stack owns: the same checks, and the alert says which stack must fix it', async () => {
    const policy = teamPolicy((doc) => {
      doc.resources.buckets[0].managed = false;
    });
    s3Mocks[PRIMARY]!.on(GetBucketPolicyCommand, { Bucket: SOURCE }).rejects(named('NoSuchBucketPolicy'));
    await checkMediaPosture(deps('primary', policy));
    expect(alerts.published).toEqual([
      expect.objectContaining({
        summary: 'source bucket app-media-prod of media: has no bucket policy: requests without TLS are accepted',
        action: expect.stringContaining('Another stack owns app-media-prod: it must declare this (README, "Media"'),
        details: { check: 'tls-only', bucket: SOURCE, side: 'source', managed: false },
      }),
    ]);
  });

  it('without an archive region: no archive copy checked, no archive rule required', async () => {
    const policy = teamPolicy((doc) => {
      delete doc.regions.archive;
    });
    s3Mocks[PRIMARY]!.on(GetBucketReplicationCommand, { Bucket: SOURCE }).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [replicaRule()] } });
    const report = await checkMediaPosture(deps('primary', policy));
    expect(report.buckets.map((b) => b.side)).toEqual(['source']);
    expect(alerts.published).toEqual([]);
    expect(s3Mocks[ARCHIVE]!.calls()).toEqual([]);
  });

  it("the policy's own key: accepted by the name the policy gives, and DescribeKey asked by that name", async () => {
    const policy = teamPolicy((doc) => {
      doc.kms = { primary: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/team` };
    });
    kmsMocks[PRIMARY]!.on(DescribeKeyCommand).rejects(named('AccessDeniedException'));
    s3Mocks[PRIMARY]!.on(GetBucketEncryptionCommand, { Bucket: SOURCE }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/team` } }] } });
    await checkMediaPosture(deps('primary', policy));
    expect(alerts.published).toEqual([]);
    expect(kmsMocks[PRIMARY]!.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/team` }]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'cannot describe the expected media key', fields: expect.objectContaining({ error: 'AccessDeniedException' }) }));
  });

  describe('the managed template, read back as S3 would return it, passes the check (the template and the check agree)', () => {
    type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
    /** CloudFormation's values as S3 would hold them in this account: Fn::Sub and Fn::GetAtt of buckets resolved. */
    function resolve(value: unknown, resources: Resources): unknown {
      // A bucket by its name; anything else (the replication role, the alert function) by a stand-in ARN.
      const arnOfBucket = (id: string) => (resources[id]?.Type === 'AWS::S3::Bucket' ? `arn:aws:s3:::${String(resources[id].Properties.BucketName)}` : `arn:aws:test:::${id}`);
      if (Array.isArray(value)) return value.map((v) => resolve(v, resources));
      if (value === null || typeof value !== 'object') return value;
      const object = value as Record<string, unknown>;
      if (typeof object['Fn::Sub'] === 'string') {
        return object['Fn::Sub'].replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', ACCOUNT).replace(/\$\{(\w+)\.Arn\}/g, (_m, id: string) => arnOfBucket(id));
      }
      if (Array.isArray(object['Fn::GetAtt'])) return arnOfBucket(String(object['Fn::GetAtt'][0]));
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v, resources)]));
    }
    /** What the seven reads answer for a bucket the template declares (CloudFormation's names → S3's). */
    function serveFromTemplate(region: string, resources: Resources, id: string): void {
      const p = resolve(resources[id]!.Properties, resources) as Record<string, any>;
      const Bucket = p.BucketName as string;
      const mock = s3Mocks[region]!;
      mock.on(GetBucketVersioningCommand, { Bucket }).resolves({ Status: p.VersioningConfiguration.Status });
      if (p.ReplicationConfiguration === undefined) mock.on(GetBucketReplicationCommand, { Bucket }).rejects(named('ReplicationConfigurationNotFoundError'));
      else mock.on(GetBucketReplicationCommand, { Bucket }).resolves({ ReplicationConfiguration: { Role: p.ReplicationConfiguration.Role, Rules: p.ReplicationConfiguration.Rules.map(({ Id, ...rule }: Record<string, unknown>) => ({ ID: Id, ...rule })) } });
      mock.on(GetBucketLifecycleConfigurationCommand, { Bucket }).resolves({
        Rules: p.LifecycleConfiguration.Rules.map(({ Id, Prefix, Transitions, ...rule }: Record<string, any>) => ({
          ID: Id,
          Filter: { Prefix },
          ...rule,
          ...(Transitions === undefined ? {} : { Transitions: Transitions.map((t: { StorageClass: string; TransitionInDays: number }) => ({ StorageClass: t.StorageClass, Days: t.TransitionInDays })) }),
        })),
      });
      mock.on(GetBucketEncryptionCommand, { Bucket }).resolves({
        ServerSideEncryptionConfiguration: { Rules: p.BucketEncryption.ServerSideEncryptionConfiguration.map((r: Record<string, any>) => ({ ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault, BucketKeyEnabled: r.BucketKeyEnabled })) },
      });
      mock.on(GetPublicAccessBlockCommand, { Bucket }).resolves({ PublicAccessBlockConfiguration: p.PublicAccessBlockConfiguration });
      mock.on(GetBucketOwnershipControlsCommand, { Bucket }).resolves({ OwnershipControls: p.OwnershipControls });
      const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === id)!;
      mock.on(GetBucketPolicyCommand, { Bucket }).resolves({ Policy: JSON.stringify(resolve(policy.Properties.PolicyDocument, resources)) });
    }

    it('in the primary (source and archive copy) and in the secondary (replica): no finding', async () => {
      const policy = teamPolicy();
      for (const mock of Object.values(s3Mocks)) mock.reset();
      const templateOf = (region: string) => deployIn(policy, region).resources.Resources as Resources;
      serveFromTemplate(PRIMARY, templateOf(PRIMARY), 'MediaBucket1');
      serveFromTemplate(ARCHIVE, templateOf(ARCHIVE), 'MediaArchiveBucket1');
      serveFromTemplate(SECONDARY, templateOf(SECONDARY), 'MediaReplicaBucket1');
      const primary = await checkMediaPosture(deps('primary', policy));
      const secondary = await checkMediaPosture(deps('secondary', policy));
      expect([...primary.buckets, ...secondary.buckets].map((b) => [b.bucket, b.findings])).toEqual([
        [SOURCE, []],
        [ARCHIVED, []],
        [REPLICA, []],
      ]);
      expect(alerts.published).toEqual([]);
      // Every setting was read from what the template declares: seven answers per bucket, none left to a default.
      expect([PRIMARY, ARCHIVE, SECONDARY].map((region) => s3Mocks[region]!.calls().length)).toEqual([7, 7, 7]);
    });
  });
});
