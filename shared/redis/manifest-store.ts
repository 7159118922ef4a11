// Reading the manifest captured with a cache snapshot from a reports bucket (the secondary's holds the
// replicas of the primary's). Three answers kept apart: none was captured (NoSuchKey: null), it cannot
// be read (AccessDenied — also S3's answer for a missing key to a role that may not list the bucket —
// or anything else), or what is there is not a manifest: both CacheManifestUnreadable, never "none".

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, errorName } from '../errors.js';
import { CacheManifestUnreadable } from './errors.js';
import { MANIFEST_FORMAT } from './manifest.js';
import type { RedisManifest } from './types.js';

export async function readCacheManifest(s3: S3Client, bucket: string, key: string): Promise<RedisManifest | null> {
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') return null;
    throw new CacheManifestUnreadable(`cannot read the manifest s3://${bucket}/${key}: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CacheManifestUnreadable(`s3://${bucket}/${key} is not JSON`);
  }
  const manifest = parsed as Partial<RedisManifest> | null;
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.databases !== 'object' || manifest.databases === null || !Array.isArray(manifest.requiredKeys)) {
    throw new CacheManifestUnreadable(`s3://${bucket}/${key} is not a ${MANIFEST_FORMAT} manifest`);
  }
  return manifest as RedisManifest;
}
