import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { S3StandIn } from '../../../sandbox/aws/s3-standin.js';

describe('S3 stand-in: listings', () => {
  const s3 = new S3StandIn();
  afterEach(() => s3.restore());

  it('lists keys under a prefix in binary order, a page at a time with a continuation token', async () => {
    s3.install();
    const client = new S3Client({ region: 'ap-northeast-1' });
    for (const key of ['m/b', 'm/a', 'm/c', 'other/x']) await client.send(new PutObjectCommand({ Bucket: 'b', Key: key, Body: '{}' }));
    const first = await client.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'm/', MaxKeys: 2 }));
    expect(first).toMatchObject({ Contents: [{ Key: 'm/a' }, { Key: 'm/b' }], IsTruncated: true });
    const second = await client.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'm/', MaxKeys: 2, ContinuationToken: first.NextContinuationToken }));
    expect(second).toMatchObject({ Contents: [{ Key: 'm/c' }], IsTruncated: false });
  });

  it('refuses a listing without s3:ListBucket', async () => {
    s3.withoutListBucket();
    s3.install();
    await expect(new S3Client({ region: 'ap-northeast-1' }).send(new ListObjectsV2Command({ Bucket: 'b' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('S3 stand-in: conditional writes', () => {
  const s3 = new S3StandIn();
  afterEach(() => s3.restore());

  it('writes a new key only once with If-None-Match "*", and over a version only with its ETag', async () => {
    s3.install();
    const client = new S3Client({ region: 'ap-northeast-1' });
    const first = await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: '1', IfNoneMatch: '*' }));
    await expect(client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: '2', IfNoneMatch: '*' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: '3', IfMatch: first.ETag }));
    await expect(client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: '4', IfMatch: first.ETag }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(s3.read('b', 'k')).toBe('3');
  });
});
