// The media replication check: one object's copy judged (version, size, checksum or ETag, S3's own
// replication status, the RTC grace), the random sample of a stream in bounded memory, S3's replication
// events turned into alerts, and the daily check run against the S3 stand-in (changed objects since the
// last run, a sample of the rest, the state kept between runs, objects without a checksum counted).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replicationAlerts } from '../../functions/media/alert-media-replication-failure/plan.js';
import { stateKey, verifyMediaReplication } from '../../functions/media/verify-media-replication/verify-media-replication.js';
import { S3Client } from '@aws-sdk/client-s3';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { checksumOf, compareReplica, REPLICATION_GRACE_MS, type ObjectHead } from '../../shared/media/replication-check.js';
import { Reservoir } from '../../shared/media/sample.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const NOW = Date.parse('2026-12-01T09:00:00+09:00');
const head = (over: Partial<ObjectHead> = {}): ObjectHead => ({ versionId: 'v1', size: 10, etag: '"e"', checksum: { algorithm: 'CRC64NVME', value: 'abc=' }, lastModified: NOW - 3_600_000, replicationStatus: 'COMPLETED', ...over });

describe('one object against its replica', () => {
  it('is the same by checksum, else by ETag, else by size alone', () => {
    expect(compareReplica('k', head(), head({ replicationStatus: 'REPLICA' }), NOW)).toEqual({ status: 'same', compared: 'checksum' });
    expect(compareReplica('k', head({ checksum: null }), head({ checksum: null }), NOW)).toEqual({ status: 'same', compared: 'etag' });
    expect(compareReplica('k', head({ checksum: null, etag: null }), head({ checksum: null }), NOW)).toEqual({ status: 'same', compared: 'size' });
    // Different algorithms prove nothing against each other: the ETag decides.
    expect(compareReplica('k', head(), head({ checksum: { algorithm: 'SHA256', value: 'x' }, etag: '"other"' }), NOW)).toEqual({ status: 'different', problems: ['k: ETag "e" in the source, "other" in the replica'] });
  });

  it('names what differs: size, checksum, version', () => {
    expect(compareReplica('k', head(), head({ size: 9, checksum: { algorithm: 'CRC64NVME', value: 'xyz=' } }), NOW)).toEqual({
      status: 'different',
      problems: ['k: 10 bytes in the source, 9 in the replica', 'k: CRC64NVME abc= in the source, xyz= in the replica'],
    });
    expect(compareReplica('k', head({ versionId: 'v2' }), head(), NOW)).toEqual({ status: 'different', problems: ['k: version v2 in the source, v1 in the replica'] });
  });

  it('waits for replication within twice RTC\'s 15 minutes, then calls a missing copy missing; S3\'s FAILED is missing at once', () => {
    const fresh = head({ lastModified: NOW - 10 * 60_000, replicationStatus: 'PENDING' });
    expect(compareReplica('k', fresh, null, NOW)).toMatchObject({ status: 'pending' });
    expect(compareReplica('k', fresh, head({ versionId: 'v0' }), NOW)).toMatchObject({ status: 'pending' });
    expect(compareReplica('k', head({ lastModified: NOW - REPLICATION_GRACE_MS - 1, replicationStatus: 'PENDING' }), null, NOW)).toEqual({ status: 'missing', reason: 'k: missing in the replica 30 min after it was written (still PENDING)' });
    expect(compareReplica('k', head({ replicationStatus: 'FAILED' }), head(), NOW)).toEqual({ status: 'missing', reason: 'k: S3 reports its replication FAILED' });
  });

  it('reads the strongest checksum HEAD reports', () => {
    expect(checksumOf({ ChecksumCRC32: 'a', ChecksumSHA256: 'b' })).toEqual({ algorithm: 'SHA256', value: 'b' });
    expect(checksumOf({})).toBeNull();
  });
});

describe('a random sample of a stream', () => {
  it('keeps k of n items, each with probability k/n, in memory of k', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const hits = new Array<number>(100).fill(0);
    for (let round = 0; round < 2000; round++) {
      const reservoir = new Reservoir<number>(10, random);
      for (let i = 0; i < 100; i++) reservoir.offer(i);
      expect(reservoir.items()).toHaveLength(10);
      for (const item of reservoir.items()) hits[item]! += 1;
    }
    // Expected 200 each (2000 × 10/100); every item within ±30 %.
    expect(Math.min(...hits)).toBeGreaterThan(140);
    expect(Math.max(...hits)).toBeLessThan(260);
  });
});

describe("S3's replication events", () => {
  const policy = teamPolicy();
  const event = (eventName: string, extra: Record<string, unknown> = {}) => ({
    Records: [{ eventName, eventTime: '2026-12-01T00:00:00Z', awsRegion: 'ap-northeast-1', s3: { bucket: { name: 'app-media-prod' }, object: { key: 'uploads/a+b%C3%A9.jpg', versionId: 'v9' } }, ...extra }],
  });

  it('alert a failure (critical, with S3\'s reason) and a missed threshold (warning), with the key decoded', () => {
    const [failed] = replicationAlerts(policy, event('Replication:OperationFailedReplication', { replicationEventData: { failureReason: 'AssumeRoleNotPermitted' } }), NOW);
    expect(failed).toMatchObject({ severity: 'critical', kind: 'replication-failed', resource: 'media', summary: 'app-media-prod/uploads/a bé.jpg failed to replicate: AssumeRoleNotPermitted', details: { key: 'uploads/a bé.jpg', versionId: 'v9' } });
    expect(replicationAlerts(policy, event('Replication:OperationMissedThreshold'), NOW)[0]).toMatchObject({ severity: 'warning', kind: 'replication-late' });
  });

  it('alert nothing for S3\'s test event or the other replication events', () => {
    expect(replicationAlerts(policy, { Event: 's3:TestEvent' }, NOW)).toEqual([]);
    expect(replicationAlerts(policy, event('Replication:OperationReplicatedAfterThreshold'), NOW)).toEqual([]);
  });
});

describe('the daily replication check (S3 stand-in)', () => {
  const SOURCE = 'app-media-prod';
  const REPLICA = 'app-media-replica-apse1';
  const REPORTS = 'backup-dr-reports-test-123456789012-ap-northeast-1';
  let s3: S3StandIn;
  let now = NOW;
  const policy = teamPolicy((d) => {
    d.resources.buckets[0].verifySample = 3;
  });
  const run = (alerts = new RecordingAlerts()) =>
    verifyMediaReplication({ policy, source: new S3Client({ region: 'ap-northeast-1' }), replica: new S3Client({ region: 'ap-southeast-1' }), reportsBucket: REPORTS, alerts, log: new RecordingLog(), now: () => now, random: () => 0.5 });
  /** A source object and its replica, written `minutesAgo` before NOW. */
  const replicated = (key: string, minutesAgo: number, replica: string | null = key) => {
    const at = NOW - minutesAgo * 60_000;
    const source = s3.put(SOURCE, key, `content of ${key}`, {}, { lastModified: at, replicationStatus: 'COMPLETED' });
    if (replica !== null) s3.put(REPLICA, key, replica === key ? `content of ${key}` : replica, {}, { lastModified: at, versionId: source.versionId, replicationStatus: 'REPLICA' });
  };
  beforeEach(() => {
    now = NOW;
    s3 = new S3StandIn({ now: () => now });
    s3.install();
  });
  afterEach(() => s3.restore());

  it('compares every object changed since the last run and a sample of the rest; alerts once with the list; keeps where it got to', async () => {
    for (let i = 0; i < 20; i++) replicated(`old/${i}`, 3 * 24 * 60);
    replicated('new/same', 120);
    replicated('new/missing', 120, null);
    replicated('new/changed', 120, 'tampered');
    replicated('new/too-recent', 5, null);
    const alerts = new RecordingAlerts();
    const [result] = await run(alerts);
    // 24 listed: 3 changed in the window (the fourth is too recent, the next run's), 20 older of which 3 are sampled.
    expect(result).toMatchObject({ resource: 'media', listed: 24, changed: 3, sampled: 3, same: 4 });
    expect(result!.problems).toEqual([
      'new/changed: 22 bytes in the source, 8 in the replica',
      expect.stringMatching(/^new\/changed: SHA256 \S+ in the source, \S+ in the replica$/),
      'new/missing: missing in the replica 120 min after it was written',
    ]);
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({ severity: 'critical', kind: 'replication-mismatch', resource: 'media', details: { problems: 3 } });
    expect(JSON.parse(s3.read(REPORTS, stateKey('media')) ?? '{}')).toEqual({ checkedUntil: NOW - REPLICATION_GRACE_MS });
    expect(s3.read(REPORTS, 'replication/media/2026/12/01.json')).toContain('"new/missing: missing in the replica 120 min after it was written"');

    // The next day: only what changed since (the object too recent yesterday, now replicated), and a new sample.
    now = NOW + 86_400_000;
    s3.put(REPLICA, 'new/too-recent', 'content of new/too-recent', {}, { versionId: s3.object(SOURCE, 'new/too-recent')!.versionId, replicationStatus: 'REPLICA' });
    const [next] = await run();
    expect(next).toMatchObject({ changed: 1, sampled: 3 });
  });

  it('counts the objects S3 stores no checksum for (compared by ETag) and reports them', async () => {
    s3.put(SOURCE, 'legacy.jpg', 'x', {}, { lastModified: NOW - 7_200_000, checksum: false });
    s3.put(REPLICA, 'legacy.jpg', 'x', {}, { lastModified: NOW - 7_200_000, versionId: s3.object(SOURCE, 'legacy.jpg')!.versionId, checksum: false });
    const [result] = await run();
    expect(result).toMatchObject({ changed: 1, same: 1, noChecksum: 1, problems: [] });
    expect(JSON.parse(s3.read(REPORTS, result!.reportKey) ?? '{}').noChecksumKeys).toEqual(['legacy.jpg']);
  });
});
