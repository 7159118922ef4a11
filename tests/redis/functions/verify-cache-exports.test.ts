// verify-cache-exports against two S3 buckets (aws-sdk-client-mock, one client per region) holding a real
// RDB a real redis-server wrote: a faithful export, replicated, is verified in each region and tagged for
// that region only; a truncated or bit-flipped one, a replica of another size or checksum, and a replica
// missing past replication's deadline each fail once, tagged and alerted, naming what is wrong; an export
// still within the deadline waits; what is not ours is left alone.

import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  S3Client,
  type GetObjectTaggingCommandInput,
  type HeadObjectCommandInput,
  type PutObjectTaggingCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decideExport } from '../../../functions/redis/verify-cache-exports/plan.js';
import { REPLICATION_GRACE_MS, verifyCacheExports } from '../../../functions/redis/verify-cache-exports/verify-cache-exports.js';
import { RunFailed } from '../../../shared/errors.js';
import { isWhole, parseExportKey, parsePartsMarker } from '../../../shared/redis/exports.js';
import { redisServerAvailable, startRedis } from '../../helpers/redis.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const EXPORTS = 'backup-dr-exports-test-123456789012-ap-northeast-1';
const REPLICAS = 'backup-dr-exports-test-123456789012-ap-southeast-1';
const KEY = 'backup-dr-app-redis-20261125-0600-0001.rdb';
const NOW = Date.parse('2026-11-25T08:00:00+09:00');
const WRITTEN = NOW - 90 * 60_000;
const up = redisServerAvailable();

interface StoredObject {
  versionId: string;
  bytes: Buffer;
  tags: Record<string, string>;
  lastModified: number;
  checksum?: string;
  etag: string;
}

/** One region's bucket behind a mocked S3 client: the five calls the verifier makes, as S3 answers them. */
function bucketOf(region: string, name: string) {
  const client = new S3Client({ region });
  const mock = mockClient(client);
  const objects = new Map<string, StoredObject>();
  const find = (input: { Bucket?: string; Key?: string }) => {
    if (input.Bucket !== name) throw Object.assign(new Error(`no bucket ${String(input.Bucket)} here`), { name: 'NoSuchBucket' });
    const object = objects.get(input.Key ?? '');
    if (object === undefined) throw Object.assign(new Error('Not Found'), { name: 'NotFound' });
    return object;
  };
  mock.on(ListObjectsV2Command).callsFake(() => ({ Contents: [...objects.keys()].sort().map((Key) => ({ Key })), IsTruncated: false }));
  mock.on(HeadObjectCommand).callsFake((input: HeadObjectCommandInput) => {
    const object = find(input);
    return {
      ContentLength: object.bytes.length,
      VersionId: object.versionId,
      ETag: object.etag,
      LastModified: new Date(object.lastModified),
      ...(object.checksum === undefined || input.ChecksumMode !== 'ENABLED' ? {} : { ChecksumCRC64NVME: object.checksum, ChecksumType: 'FULL_OBJECT' }),
    };
  });
  mock.on(GetObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => ({ Body: Readable.from([find(input).bytes.subarray(0, 70_000), find(input).bytes.subarray(70_000)]) }));
  mock.on(GetObjectTaggingCommand).callsFake((input: GetObjectTaggingCommandInput) => ({ TagSet: Object.entries(find(input).tags).map(([Key, Value]) => ({ Key, Value })) }));
  mock.on(PutObjectTaggingCommand).callsFake((input: PutObjectTaggingCommandInput) => {
    find(input).tags = Object.fromEntries((input.Tagging?.TagSet ?? []).map((t) => [t.Key, t.Value]));
    return {};
  });
  let versions = 0;
  const put = (key: string, bytes: Buffer, over: Partial<StoredObject> = {}) =>
    objects.set(key, {
      versionId: `v${++versions}`,
      bytes,
      tags: { 'backup-dr:owner': 'backup-dr' },
      lastModified: WRITTEN,
      checksum: `crc-of-${bytes.length}-${bytes[bytes.length - 1]}`,
      etag: `"etag-${bytes.length}"`,
      ...over,
    });
  return { client, mock, objects, put, side: { s3: client, bucket: name, region } };
}

describe.skipIf(!up)('verify-cache-exports (two regions, a real RDB)', () => {
  let rdb: Buffer;
  const primary = bucketOf(PRIMARY, EXPORTS);
  const secondary = bucketOf(SECONDARY, REPLICAS);

  beforeAll(async () => {
    const server = await startRedis();
    try {
      const redis = await server.client();
      const batch = redis.pipeline();
      for (let i = 0; i < 2_000; i++) batch.set(`key:${i}`, `value ${i} `.repeat(8));
      for (let i = 0; i < 100; i++) batch.hset(`hash:${i}`, { a: String(i), b: 'x'.repeat(40) });
      await batch.exec();
      await redis.save();
      rdb = readFileSync(server.rdbFile);
    } finally {
      await server.stop();
    }
  }, 30_000);
  afterAll(() => {
    primary.mock.restore();
    secondary.mock.restore();
  });
  beforeEach(() => {
    for (const side of [primary, secondary]) {
      side.objects.clear();
      side.mock.resetHistory();
    }
  });

  function run(role: 'primary' | 'secondary') {
    const alerts = new RecordingAlerts();
    const [own, other] = role === 'primary' ? [primary, secondary] : [secondary, primary];
    const result = verifyCacheExports({ policy: teamPolicy(), role, own: own.side, other: other.side, alerts, log: new RecordingLog(), now: () => NOW });
    return { result, alerts };
  }

  it('verifies a faithful export in each region, comparing size and checksum, and tags it for that region only', async () => {
    primary.put(KEY, rdb);
    secondary.put(KEY, rdb);
    const first = run('primary');
    expect(await first.result).toEqual({ verified: [{ key: KEY, compared: 'size and CRC64NVME checksum', version: 10 }], waiting: [], failed: [], skipped: 0 });
    const version = primary.objects.get(KEY)!.versionId;
    expect(primary.objects.get(KEY)!.tags).toEqual({ 'backup-dr:owner': 'backup-dr', [`backup-dr:verified-at:${PRIMARY}`]: `${new Date(NOW).toISOString()} ${version}` });
    expect(primary.mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: EXPORTS, Key: KEY, VersionId: version });
    expect(secondary.objects.get(KEY)!.tags).toEqual({ 'backup-dr:owner': 'backup-dr' });
    expect((await run('secondary').result).verified.map((v) => v.key)).toEqual([KEY]);
    expect(secondary.objects.get(KEY)!.tags[`backup-dr:verified-at:${SECONDARY}`]).toBe(`${new Date(NOW).toISOString()} ${secondary.objects.get(KEY)!.versionId}`);
    expect(first.alerts.published).toEqual([]);
  });

  it('reads an export only once: a verified object is skipped on the next run', async () => {
    primary.put(KEY, rdb);
    secondary.put(KEY, rdb);
    await run('primary').result;
    primary.mock.resetHistory();
    expect(await run('primary').result).toEqual({ verified: [], waiting: [], failed: [], skipped: 1 });
    expect(primary.mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('verifies again content written over a verified key with its tags copied (CopyObject), and drops the stale mark when it fails', async () => {
    primary.put(KEY, rdb);
    secondary.put(KEY, rdb);
    await run('primary').result;
    const stale = primary.objects.get(KEY)!.tags;
    const truncated = rdb.subarray(0, rdb.length - 100);
    primary.put(KEY, truncated, { tags: { ...stale } });
    secondary.put(KEY, truncated, { tags: { ...stale } });
    const { result, alerts } = run('primary');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published).toHaveLength(1);
    expect(primary.objects.get(KEY)!.tags).toEqual({ 'backup-dr:owner': 'backup-dr', [`backup-dr:verification-failed:${PRIMARY}`]: new Date(NOW).toISOString() });
  });

  it('fails a truncated export, and a bit-flipped one, through the RDB check itself, alerting once each', async () => {
    const truncated = rdb.subarray(0, rdb.length - 100);
    const flipped = Buffer.from(rdb);
    flipped[Math.floor(rdb.length / 2)]! ^= 0x10;
    const second = 'backup-dr-app-redis-20261125-1200-0001.rdb';
    for (const [side, key, bytes] of [[primary, KEY, truncated], [secondary, KEY, truncated], [primary, second, flipped], [secondary, second, flipped]] as const) side.put(key, bytes);
    const { result, alerts } = run('primary');
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailed);
    expect(alerts.published.map((a) => [a.kind, a.resource, a.region, a.summary])).toEqual([
      ['verification-failed', 'app-redis', PRIMARY, expect.stringMatching(new RegExp(`^export ${KEY} failed verification: .*(EOF|truncated)`, 'i'))],
      ['verification-failed', 'app-redis', PRIMARY, expect.stringMatching(new RegExp(`^export ${second} failed verification: .*checksum`, 'i'))],
    ]);
    expect(primary.objects.get(KEY)!.tags[`backup-dr:verification-failed:${PRIMARY}`]).toBe(new Date(NOW).toISOString());
    // Alerted once: the next run skips both.
    const again = run('primary');
    expect(await again.result).toMatchObject({ failed: [], skipped: 2 });
    expect(again.alerts.published).toEqual([]);
  });

  it('fails a replica of another size or checksum without reading either, naming both regions', async () => {
    primary.put(KEY, rdb);
    secondary.put(KEY, rdb, { checksum: 'another-crc' });
    const { result, alerts } = run('primary');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]!.summary).toBe(`export ${KEY} failed verification: CRC64NVME checksum crc-of-${rdb.length}-${rdb[rdb.length - 1]} in ${PRIMARY}, another-crc in ${SECONDARY}`);
    expect(primary.mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('waits for a replica within the replication deadline, and fails one missing past it', async () => {
    primary.put(KEY, rdb, { lastModified: NOW - 10 * 60_000 });
    expect(await run('primary').result).toEqual({ verified: [], waiting: [KEY], failed: [], skipped: 0 });
    primary.put(KEY, rdb, { lastModified: NOW - REPLICATION_GRACE_MS - 60_000 });
    const { result, alerts } = run('primary');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]!.summary).toBe(`export ${KEY} failed verification: missing in ${SECONDARY} 31 min after it was written (replication is to deliver within 30 min)`);
  });

  it('in the secondary, checks a replica whose source was pruned on its own', async () => {
    secondary.put(KEY, rdb);
    expect((await run('secondary').result).verified).toEqual([{ key: KEY, compared: 'nothing', version: 10 }]);
  });

  it('compares ETags when the copies store no common checksum', async () => {
    primary.put(KEY, rdb, { checksum: undefined });
    secondary.put(KEY, rdb, { checksum: undefined, etag: '"other"' });
    const { result, alerts } = run('primary');
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(alerts.published[0]!.summary).toBe(`export ${KEY} failed verification: ETag "etag-${rdb.length}" in ${PRIMARY}, "other" in ${SECONDARY} (no checksum stored to compare)`);
  });

  it('leaves objects that are not exports of ours alone', async () => {
    primary.put('someone-elses.rdb', rdb);
    primary.put('backup-dr-app-redis-20261125-0600-0001.rdb.tmp', rdb);
    expect(await run('primary').result).toEqual({ verified: [], waiting: [], failed: [], skipped: 0 });
    expect(primary.mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });
});

describe('parseExportKey', () => {
  it.each([
    ['backup-dr-app-redis-20261125-0600-0001.rdb', { snapshotName: 'backup-dr-app-redis-20261125-0600', cache: 'app-redis', part: '0001' }],
    ['backup-dr-sessions-20261125-1800-0003.rdb', { snapshotName: 'backup-dr-sessions-20261125-1800', cache: 'sessions', part: '0003' }],
  ])('%s', (key, expected) => {
    expect(parseExportKey(key)).toEqual({ key, ...expected });
  });

  it.each(['dump.rdb', 'backup-dr-app-redis-20261125-0600.rdb', 'backup-dr-app-redis-20261125-0600-0001.rdb.gz', 'exports/backup-dr-app-redis-20261125-0600-0001.rdb'])('is null for %s', (key) => {
    expect(parseExportKey(key)).toBeNull();
  });
});

describe('decideExport', () => {
  const facts = { size: 10, checksum: null, etag: null, lastModified: 0, versionId: null, tags: {} };
  const input = { own: facts, counterpart: facts, role: 'primary' as const, region: PRIMARY, otherRegion: SECONDARY, verifiedTag: 'v', failedTag: 'f', now: 0, replicationGraceMs: 1 };

  it('compares size alone, and says so, when neither copy has a checksum or an ETag', () => {
    expect(decideExport(input)).toEqual({ action: 'check-content', compared: 'size only (no checksum or ETag to compare)' });
  });

  it('does not compare checksums of different algorithms, falling back to the ETag', () => {
    const own = { ...facts, checksum: { algorithm: 'CRC64NVME', value: 'a' }, etag: '"e"' };
    const other = { ...facts, checksum: { algorithm: 'SHA256', value: 'b' }, etag: '"e"' };
    expect(decideExport({ ...input, own, counterpart: other })).toEqual({ action: 'check-content', compared: 'size and ETag (no checksum stored)' });
  });

  it('names a size difference', () => {
    expect(decideExport({ ...input, counterpart: { ...facts, size: 9 } })).toEqual({ action: 'fail', problems: [`10 bytes in ${PRIMARY}, 9 in ${SECONDARY}`] });
  });

  it('skips what this region verified or failed already, whatever the other region did', () => {
    expect(decideExport({ ...input, own: { ...facts, tags: { v: 't1' } } })).toEqual({ action: 'skip', reason: 'verified already (t1)' });
    expect(decideExport({ ...input, own: { ...facts, tags: { f: 't2' } } })).toEqual({ action: 'skip', reason: 'failed already and alerted (t2)' });
  });
});

describe('whole exports (isWhole, parsePartsMarker)', () => {
  const set = (keys: string[], declaredParts: number | null) => ({ keys, markerKey: declaredParts === null ? null : `x.parts-000${declaredParts}`, declaredParts });
  const part = (n: number) => `backup-dr-app-redis-20261125-0600-000${n}.rdb`;

  it('is whole with the marker and every node group it names, and not otherwise', () => {
    expect(isWhole(set([part(1), part(2)], 2))).toBe(true);
    expect(isWhole(set([part(1)], 2))).toBe(false);
    expect(isWhole(set([part(1), part(2)], null))).toBe(false);
    expect(isWhole(set([part(1), part(3)], 2))).toBe(false);
    expect(isWhole(set([part(1), part(1)], 2))).toBe(false);
  });

  it('reads a marker key, and nothing else as one', () => {
    expect(parsePartsMarker('backup-dr-app-redis-20261125-0600.parts-0002')).toEqual({ snapshotName: 'backup-dr-app-redis-20261125-0600', cache: 'app-redis', parts: 2 });
    expect(parsePartsMarker('backup-dr-app-redis-20261125-0600-0001.rdb')).toBeNull();
    expect(parseExportKey('backup-dr-app-redis-20261125-0600.parts-0002')).toBeNull();
  });
});
