// Reading the manifest captured with a snapshot (aws-sdk-client-mock): only S3's NoSuchKey means "none
// was captured"; any other error is ManifestUnreadable, a body that is not a manifest ManifestInvalid.

import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { getManifest, getManifestBracket, putAfterManifest, putBeforeManifest, readManifest } from '../../../shared/rds/manifests.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'ap-southeast-1' });
const BUCKET = 'backup-dr-reports-test-123456789012-ap-southeast-1';
const SNAPSHOT = 'backup-dr-app-db-20261125-0200';
const KEY = `manifests/app-db/${SNAPSHOT}.json`;
const WHERE = `s3://${BUCKET}/${KEY}`;

const body = (text: string) => ({ Body: { transformToString: async () => text } as never });
const s3Error = (name: string, status: number) => new S3ServiceException({ name, message: name === 'AccessDenied' ? 'Access Denied' : name, $fault: 'client', $metadata: { httpStatusCode: status } });
const read = () => getManifest(client, BUCKET, 'app-db', SNAPSHOT);

describe('reading a snapshot manifest', () => {
  beforeEach(() => s3.reset());

  it('returns the manifest, without keys it does not know', async () => {
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: KEY }).resolves(body(JSON.stringify({ capturedAt: 1, serverVersion: '15.20', tables: { 'public.orders': 3000 }, fingerprints: {} })));
    await expect(read()).resolves.toEqual({ capturedAt: 1, serverVersion: '15.20', tables: { 'public.orders': 3000 } });
  });

  it('returns null only when S3 says there is no such key', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    await expect(read()).resolves.toBeNull();
  });

  it.each([
    { name: 'AccessDenied (also how S3 answers a missing key without s3:ListBucket)', error: s3Error('AccessDenied', 403), message: `cannot read the manifest ${WHERE}: AccessDenied: Access Denied (S3 also answers AccessDenied for a missing key when the role may not list the bucket)` },
    { name: 'a missing bucket', error: s3Error('NoSuchBucket', 404), message: `cannot read the manifest ${WHERE}: NoSuchBucket: NoSuchBucket` },
    { name: 'a network failure', error: Object.assign(new Error('connect ETIMEDOUT 52.219.0.1:443'), { name: 'TimeoutError' }), message: `cannot read the manifest ${WHERE}: TimeoutError: connect ETIMEDOUT 52.219.0.1:443` },
  ])('fails with ManifestUnreadable on $name, never "none was captured"', async ({ error, message }) => {
    s3.on(GetObjectCommand).rejects(error);
    await expect(read()).rejects.toMatchObject({ name: 'ManifestUnreadable', message, cause: error });
  });

  it.each([
    { name: 'text that is not JSON', text: '<html>oops</html>', message: new RegExp(`^${WHERE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not JSON: `) },
    { name: '"tables": null', text: JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: null }), message: /is not a manifest: tables: must be an object of "schema\.table": row count$/ },
    { name: 'no tables at all', text: JSON.stringify({ capturedAt: 1, serverVersion: '15' }), message: /is not a manifest: tables: must be an object/ },
    { name: 'a negative count', text: JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: { 'public.orders': -1 } }), message: /is not a manifest: tables\.public\.orders: must be a row count \(not negative\)$/ },
    { name: 'a count that is text', text: JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: { 'public.orders': '3000' } }), message: /is not a manifest: tables\.public\.orders: must be a row count \(a whole number\)$/ },
    { name: 'JSON null', text: 'null', message: /is not a manifest: / },
  ])('fails with ManifestInvalid on $name', async ({ text, message }) => {
    s3.on(GetObjectCommand).resolves(body(text));
    await expect(read()).rejects.toMatchObject({ name: 'ManifestInvalid', message: expect.stringMatching(message) });
  });

  it('fails with ManifestInvalid on an object without a body', async () => {
    s3.on(GetObjectCommand).resolves({});
    await expect(read()).rejects.toMatchObject({ name: 'ManifestInvalid', message: `${WHERE} has no body` });
  });
});

describe('the two captures around a snapshot, in one manifest', () => {
  beforeEach(() => s3.reset());
  const before = { capturedAt: 1, serverVersion: '15.20', tables: { 'public.orders': 500 }, phase: 'before' as const };
  const after = { capturedAt: 9, serverVersion: '15.20', tables: { 'public.orders': 502 }, phase: 'after' as const };
  const precondition = () => new S3ServiceException({ name: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', $fault: 'client', $metadata: { httpStatusCode: 412 } });

  it('reads the capture before the snapshot and the one after it; single-capture readers get the one before', async () => {
    s3.on(GetObjectCommand).resolves(body(JSON.stringify({ format: 'backup-dr/manifest/v2', snapshotId: SNAPSHOT, snapshotRequestedAt: 2, ...before, after })));
    await expect(getManifestBracket(client, BUCKET, 'app-db', SNAPSHOT)).resolves.toEqual({ before, after });
    await expect(read()).resolves.toEqual(before);
  });

  it('reads a manifest from before bracketing (no phase) as the capture before the snapshot', async () => {
    s3.on(GetObjectCommand).resolves(body(JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: {} })));
    await expect(getManifestBracket(client, BUCKET, 'app-db', SNAPSHOT)).resolves.toEqual({ before: { capturedAt: 1, serverVersion: '15', tables: {} }, after: null });
  });

  it('reads a manifest captured only after its snapshot as such', async () => {
    s3.on(GetObjectCommand).resolves(body(JSON.stringify({ format: 'backup-dr/manifest/v2', snapshotId: SNAPSHOT, ...after })));
    await expect(getManifestBracket(client, BUCKET, 'app-db', SNAPSHOT)).resolves.toEqual({ before: null, after });
  });

  it('stores the capture before a snapshot only if none is there (If-None-Match), and says when one was', async () => {
    s3.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(precondition());
    await expect(putBeforeManifest(client, BUCKET, 'app-db', SNAPSHOT, before, 2)).resolves.toEqual({ key: KEY, written: true });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: KEY, IfNoneMatch: '*', ContentType: 'application/json' });
    expect(JSON.parse(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string)).toEqual({ format: 'backup-dr/manifest/v2', snapshotId: SNAPSHOT, snapshotRequestedAt: 2, ...before });
    await expect(putBeforeManifest(client, BUCKET, 'app-db', SNAPSHOT, before, 2)).resolves.toEqual({ key: KEY, written: false });
  });

  it('adds the capture after it over exactly the version read (If-Match), or alone where there was none (If-None-Match)', async () => {
    s3.on(GetObjectCommand).resolves({ ...body(JSON.stringify({ format: 'backup-dr/manifest/v2', snapshotId: SNAPSHOT, ...before })), ETag: '"abc"' });
    s3.on(PutObjectCommand).resolves({});
    const existing = await readManifest(client, BUCKET, 'app-db', SNAPSHOT);
    await putAfterManifest(client, BUCKET, 'app-db', SNAPSHOT, after, existing);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: KEY, IfMatch: '"abc"' });
    expect(JSON.parse(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string)).toMatchObject({ ...before, after });

    await putAfterManifest(client, BUCKET, 'app-db', SNAPSHOT, after, null);
    expect(s3.commandCalls(PutObjectCommand)[1]!.args[0].input).toMatchObject({ Key: KEY, IfNoneMatch: '*' });
  });

  it('fails with ManifestUnreadable when the manifest changed since it was read (the event is retried and reads again)', async () => {
    s3.on(PutObjectCommand).rejects(precondition());
    await expect(putAfterManifest(client, BUCKET, 'app-db', SNAPSHOT, after, null)).rejects.toMatchObject({ name: 'ManifestUnreadable', message: expect.stringContaining('changed while the capture after the snapshot was taken') });
  });

  it('fails with ManifestInvalid on a capture whose content is malformed', async () => {
    s3.on(GetObjectCommand).resolves(body(JSON.stringify({ ...before, content: { seed: '', appendOnly: [], tables: { 'public.orders': { mode: 'key' } }, budgetExhausted: false, durationMs: 1 } })));
    await expect(read()).rejects.toMatchObject({ name: 'ManifestInvalid', message: expect.stringMatching(/is not a manifest: content\.tables\.public\.orders\.key: /) });
  });
});
