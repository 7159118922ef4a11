// Reading the manifest captured with a snapshot (aws-sdk-client-mock): only S3's NoSuchKey means "none
// was captured"; any other error is ManifestUnreadable, a body that is not a manifest ManifestInvalid.

import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { getManifest } from '../../../shared/rds/manifests.js';

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
