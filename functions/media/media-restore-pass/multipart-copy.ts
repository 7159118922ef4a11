// A copy of one object version over 5 GiB (README, "Media: point-in-time restore"): one CopyObject copies at
// most 5 GiB, so the version is copied server-side in parts — CreateMultipartUpload with the metadata,
// content headers and tags the single copy would carry, UploadPartCopy of consecutive byte ranges (a few
// at a time), CompleteMultipartUpload with the parts in order. S3 allows 10,000 parts of 5 MiB to 5 GiB:
// parts are 512 MiB, larger when the object needs it, so any object up to S3's 5 TiB fits. A copy that
// fails part-way is aborted, so no incomplete upload is left to bill; the next run decides the key afresh
// (the planner sees no restored-from mark yet) and copies it again.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  UploadPartCopyCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3's limits for multipart uploads. */
export const MAX_PARTS = 10_000;
const MIB = 1024 ** 2;
/** The part size aimed at: 512 MiB keeps a 100 GiB object to 200 parts. */
export const PART_SIZE = 512 * MIB;
/** Parts copied at once. */
export const PARALLEL_PARTS = 8;

export interface VersionToCopy {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  /** The version's HEAD: its metadata and content headers are carried over. */
  readonly head: HeadObjectCommandOutput;
}

/** Byte ranges (inclusive, as CopySourceRange takes them) of the parts of an object of `size` bytes. */
export function partRanges(size: number): { readonly first: number; readonly last: number }[] {
  const partSize = Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS / MIB) * MIB);
  const ranges: { first: number; last: number }[] = [];
  for (let first = 0; first < size; first += partSize) ranges.push({ first, last: Math.min(first + partSize, size) - 1 });
  return ranges;
}

/** Copies the version over `destination.key` as a new current version; its version id. */
export async function multipartCopy(from: VersionToCopy, destination: { readonly client: S3Client; readonly bucket: string }, metadata: Record<string, string>): Promise<string | undefined> {
  const tags = (await from.client.send(new GetObjectTaggingCommand({ Bucket: from.bucket, Key: from.key, VersionId: from.versionId }))).TagSet ?? [];
  const head = from.head;
  const upload = await destination.client.send(
    new CreateMultipartUploadCommand({
      Bucket: destination.bucket,
      Key: from.key,
      Metadata: metadata,
      ...(head.ContentType === undefined ? {} : { ContentType: head.ContentType }),
      ...(head.CacheControl === undefined ? {} : { CacheControl: head.CacheControl }),
      ...(head.ContentDisposition === undefined ? {} : { ContentDisposition: head.ContentDisposition }),
      ...(head.ContentEncoding === undefined ? {} : { ContentEncoding: head.ContentEncoding }),
      ...(head.ContentLanguage === undefined ? {} : { ContentLanguage: head.ContentLanguage }),
      ...(tags.length === 0 ? {} : { Tagging: new URLSearchParams(tags.map((t): [string, string] => [t.Key ?? '', t.Value ?? ''])).toString() }),
    }),
  );
  const uploadId = upload.UploadId;
  if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
  const copySource = `${from.bucket}/${encodeURIComponent(from.key)}?versionId=${encodeURIComponent(from.versionId)}`;
  const ranges = partRanges(from.size);
  const etags: string[] = new Array<string>(ranges.length);
  try {
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const index = next++;
        const range = ranges[index]!;
        const part = await destination.client.send(
          new UploadPartCopyCommand({ Bucket: destination.bucket, Key: from.key, UploadId: uploadId, PartNumber: index + 1, CopySource: copySource, CopySourceRange: `bytes=${range.first}-${range.last}` }),
        );
        const etag = part.CopyPartResult?.ETag;
        if (etag === undefined) throw new Error(`UploadPartCopy of part ${index + 1} returned no ETag`);
        etags[index] = etag;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, ranges.length) }, worker));
    const done = await destination.client.send(
      new CompleteMultipartUploadCommand({ Bucket: destination.bucket, Key: from.key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
    );
    return done.VersionId;
  } catch (error) {
    // Best effort: the error that stopped the copy is the one to report.
    try {
      await destination.client.send(new AbortMultipartUploadCommand({ Bucket: destination.bucket, Key: from.key, UploadId: uploadId }));
    } catch {
      // The bucket's AbortIncompleteMultipartUpload lifecycle rule removes what an abort could not.
    }
    throw error;
  }
}
