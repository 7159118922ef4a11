// A small JSON state object in S3 that several runs may update at once (the Slack notifier's fold state,
// the posture checks' memory, the delayed escalation's record of an incident): read with its ETag, written back only over the version read (If-Match) or
// where there was none (If-None-Match: *), so a writer that lost the race learns it and reads again.

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName } from '../errors.js';

export interface StateRead {
  /** The object's text; undefined when there is no object. */
  readonly text: string | undefined;
  readonly etag: string | undefined;
}

/** The object's text and ETag; no object is `text: undefined`; any other error is thrown. */
export async function readStateObject(s3: S3Client, bucket: string, key: string): Promise<StateRead> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { text: (await response.Body?.transformToString()) ?? '', etag: response.ETag };
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') return { text: undefined, etag: undefined };
    throw error;
  }
}

/** Writes `value` over the version read (`etag`), or where nothing was; false when another writer came first. */
export async function writeStateObject(s3: S3Client, bucket: string, key: string, value: unknown, etag: string | undefined): Promise<boolean> {
  return (await putStateObject(s3, bucket, key, value, etag)) !== null;
}

/**
 * The same, returning the ETag of the version written (for a writer that updates its own write again,
 * such as answer-approval's claim and then its outcome); null when another writer came first.
 */
export async function putStateObject(s3: S3Client, bucket: string, key: string, value: unknown, etag: string | undefined): Promise<string | null> {
  try {
    const response = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
      }),
    );
    return response.ETag ?? '';
  } catch (error) {
    const name = errorName(error);
    if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') return null;
    throw error;
  }
}
