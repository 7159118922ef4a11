// Reading an export bucket: the objects of ours in it (by key, shared/redis/exports.ts), page by page,
// and an object's tags. Shared by the functions that verify and prune exports.

import { GetObjectTaggingCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseExportKey, type ExportKey } from './exports.js';

export interface Bucket {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly region: string;
}

/** Every export object of ours in the bucket, in key order (ListObjectsV2, page by page). */
export async function* exportObjects(side: Bucket): AsyncGenerator<ExportKey> {
  let token: string | undefined;
  do {
    const page = await side.s3.send(new ListObjectsV2Command({ Bucket: side.bucket, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) {
      const parsed = object.Key === undefined ? null : parseExportKey(object.Key);
      if (parsed !== null) yield parsed;
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

export async function objectTags(side: Bucket, key: string): Promise<Record<string, string>> {
  const { TagSet } = await side.s3.send(new GetObjectTaggingCommand({ Bucket: side.bucket, Key: key }));
  return Object.fromEntries((TagSet ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']));
}
