// readStoredBundle with S3 answered by aws-sdk-client-mock: GetObject in checksum mode (of the version
// named, when one is), the bytes checked against S3's stored SHA-256 and the content against the
// bundle-sha256 in the metadata; a read the SDK's own checksum validation fails, bytes that are not the
// stored ones, a missing or foreign checksum in the metadata — each BundleTampered, naming no value; a
// missing key null, a missing named version an error.

import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, BundleTampered, bundleChecksum, serializeBundle, type ConfigBundle } from '../../shared/config/bundle.js';
import { readStoredBundle } from '../../shared/config/stored.js';

const SECRET = 'a-secret-value-never-in-an-error';
const BUCKET = 'backup-dr-config-test-123456789012-ap-northeast-1';
const KEY = 'config/app-config/bundle.json';
const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'ap-northeast-1' });
const bundle: ConfigBundle = { format: BUNDLE_FORMAT, name: 'app-config', capturedAt: '2026-12-01T03:00:00.000Z', parameters: {}, secrets: { 'app/prod/db': { value: SECRET, versionId: 'sv-1' } } };
const text = serializeBundle(bundle);
const sha = (t: string) => createHash('sha256').update(t).digest('base64');
const answer = (body: string | (() => Promise<string>), extra: Record<string, unknown> = {}) => ({
  Body: { transformToString: typeof body === 'string' ? async () => body : body } as never,
  ChecksumSHA256: sha(text),
  Metadata: { 'bundle-sha256': bundleChecksum(bundle) },
  VersionId: 'b1',
  LastModified: new Date('2026-12-01T03:00:01Z'),
  ...extra,
});
const tamperedWithout = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(BundleTampered);
  expect((error as Error).message).not.toContain(SECRET);
  return (error as Error).message;
};

describe('readStoredBundle', () => {
  beforeEach(() => s3.reset());

  it('reads in checksum mode and hands back the bundle with its checksum, version and time', async () => {
    s3.on(GetObjectCommand).resolves(answer(text));
    const read = await readStoredBundle(client, BUCKET, KEY);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: KEY, ChecksumMode: 'ENABLED' }]);
    expect(read).toEqual({ bundle, versionId: 'b1', sha256: bundleChecksum(bundle), lastModified: '2026-12-01T03:00:01.000Z' });
    await readStoredBundle(client, BUCKET, KEY, 'b0');
    expect(s3.commandCalls(GetObjectCommand)[1]!.args[0].input).toEqual({ Bucket: BUCKET, Key: KEY, ChecksumMode: 'ENABLED', VersionId: 'b0' });
  });

  it('bytes that are not the ones S3 stored, a read the SDK\'s validation fails, a missing or foreign bundle-sha256: BundleTampered', async () => {
    s3.on(GetObjectCommand).resolves(answer(text.replace('sv-1', 'sv-2')));
    expect(await tamperedWithout(readStoredBundle(client, BUCKET, KEY))).toBe('the bytes read do not match the SHA-256 S3 stored when the bundle was written');
    s3.on(GetObjectCommand).resolves(answer(() => Promise.reject(Object.assign(new Error(`Checksum mismatch: ${SECRET}`), { name: 'Error' }))));
    expect(await tamperedWithout(readStoredBundle(client, BUCKET, KEY))).toBe('the bytes read do not match the checksum S3 stored (Error)');
    s3.on(GetObjectCommand).resolves(answer(text, { Metadata: {} }));
    expect(await tamperedWithout(readStoredBundle(client, BUCKET, KEY))).toBe('the object has no bundle-sha256 in its metadata');
    s3.on(GetObjectCommand).resolves(answer(text, { Metadata: { 'bundle-sha256': '0'.repeat(64) } }));
    expect(await tamperedWithout(readStoredBundle(client, BUCKET, KEY))).toMatch(/^its content gives SHA-256 [0-9a-f]{64}, not the 0{64} recorded when it was written$/);
  });

  it('a composite (multipart) checksum is left to the SDK; the content is still held to the metadata', async () => {
    s3.on(GetObjectCommand).resolves(answer(text, { ChecksumSHA256: 'AAAA-2' }));
    expect((await readStoredBundle(client, BUCKET, KEY))?.sha256).toBe(bundleChecksum(bundle));
  });

  it('no object under the key: null; a named version that is not there: S3\'s error', async () => {
    const noSuchKey = new S3ServiceException({ name: 'NoSuchKey', message: 'The specified key does not exist.', $fault: 'client', $metadata: { httpStatusCode: 404 } });
    s3.on(GetObjectCommand).rejects(noSuchKey);
    expect(await readStoredBundle(client, BUCKET, KEY)).toBeNull();
    await expect(readStoredBundle(client, BUCKET, KEY, 'gone')).rejects.toThrow('The specified key does not exist.');
  });
});
