// The multipart copy of a version over 5 GiB (functions/media/media-restore-pass/multipart-copy.ts) with S3
// answered by aws-sdk-client-mock: the parts' byte ranges (512 MiB, larger when 10,000 would not hold the
// object), the exact requests — the upload carrying the version's metadata, content headers and tags, each
// part copied from that version, the parts completed in order — and an abort when a part fails.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_PARTS, multipartCopy, PART_SIZE, partRanges } from '../../functions/media/media-restore-pass/multipart-copy.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const s3 = mockClient(S3Client);
const source = new S3Client({ region: 'ap-northeast-1' });
const replica = new S3Client({ region: 'ap-southeast-1' });

describe('partRanges', () => {
  it('cuts 6 GiB into twelve 512 MiB parts, the last ending at the last byte', () => {
    const ranges = partRanges(6 * GIB);
    expect(ranges).toHaveLength(12);
    expect(ranges[0]).toEqual({ first: 0, last: PART_SIZE - 1 });
    expect(ranges[11]).toEqual({ first: 11 * PART_SIZE, last: 6 * GIB - 1 });
  });

  it('a size that is not a multiple leaves a shorter last part', () => {
    const ranges = partRanges(5 * GIB + 1);
    expect(ranges).toHaveLength(11);
    expect(ranges[10]).toEqual({ first: 10 * PART_SIZE, last: 5 * GIB });
  });

  it('grows the parts (in whole MiB) so that S3\'s largest object, 5 TiB, fits in 10,000', () => {
    const size = 5 * 1024 * GIB;
    const ranges = partRanges(size);
    expect(ranges.length).toBeLessThanOrEqual(MAX_PARTS);
    const partSize = ranges[0]!.last + 1;
    expect(partSize % MIB).toBe(0);
    expect(partSize).toBeLessThanOrEqual(5 * GIB);
    expect(ranges.at(-1)!.last).toBe(size - 1);
  });
});

describe('multipartCopy', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'team', Value: 'media & video' }, { Key: 'kind', Value: 'raw' }] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber?: number }) => ({ CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } }));
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'new-1' });
  });

  const version = (size: number) => ({
    client: replica,
    bucket: 'media-replica',
    key: 'videos/big file.mp4',
    versionId: 'v/1',
    size,
    head: { ContentType: 'video/mp4', CacheControl: 'max-age=60', Metadata: { origin: 'upload' }, $metadata: {} },
  });

  it('copies the version part by part into the source bucket with its metadata, headers and tags, and completes the parts in order', async () => {
    const versionId = await multipartCopy(version(6 * GIB), { client: source, bucket: 'media-source' }, { origin: 'upload', 'backup-dr-restored-from': 'v/1' });
    expect(versionId).toBe('new-1');
    expect(s3).toHaveReceivedCommandWith(GetObjectTaggingCommand, { Bucket: 'media-replica', Key: 'videos/big file.mp4', VersionId: 'v/1' });
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'media-source',
      Key: 'videos/big file.mp4',
      Metadata: { origin: 'upload', 'backup-dr-restored-from': 'v/1' },
      ContentType: 'video/mp4',
      CacheControl: 'max-age=60',
      Tagging: 'team=media+%26+video&kind=raw',
    });
    const parts = s3.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input).sort((a, b) => a.PartNumber! - b.PartNumber!);
    expect(parts).toHaveLength(12);
    expect(parts[0]).toEqual({ Bucket: 'media-source', Key: 'videos/big file.mp4', UploadId: 'u-1', PartNumber: 1, CopySource: 'media-replica/videos%2Fbig%20file.mp4?versionId=v%2F1', CopySourceRange: `bytes=0-${PART_SIZE - 1}` });
    expect(parts[11]!.CopySourceRange).toBe(`bytes=${11 * PART_SIZE}-${6 * GIB - 1}`);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'media-source',
      Key: 'videos/big file.mp4',
      UploadId: 'u-1',
      MultipartUpload: { Parts: Array.from({ length: 12 }, (_, i) => ({ ETag: `"etag-${i + 1}"`, PartNumber: i + 1 })) },
    });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('copies at most eight parts at once', async () => {
    let running = 0;
    let most = 0;
    s3.on(UploadPartCopyCommand).callsFake(async (input: { PartNumber?: number }) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return { CopyPartResult: { ETag: `"e${input.PartNumber}"` } };
    });
    await multipartCopy(version(20 * GIB), { client: source, bucket: 'media-source' }, {});
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(40);
    expect(most).toBe(8);
  });

  it('aborts the upload when a part fails, and the part\'s error is the one thrown', async () => {
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber?: number }) => {
      if (input.PartNumber === 3) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    await expect(multipartCopy(version(6 * GIB), { client: source, bucket: 'media-source' }, {})).rejects.toThrow('Access Denied');
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: 'media-source', Key: 'videos/big file.mp4', UploadId: 'u-1' });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('a version without tags is uploaded without Tagging', async () => {
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    await multipartCopy(version(6 * GIB), { client: source, bucket: 'media-source' }, {});
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input.Tagging).toBeUndefined();
  });
});
