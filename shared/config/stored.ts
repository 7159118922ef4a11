// A stored configuration bundle (README, "Configuration"): one version of config/<name>/bundle.json,
// read with S3's checksum mode so the SDK checks the bytes against the SHA-256 S3 stored when it was
// written, then checked against the bundle checksum in its metadata (shared/config/bundle.ts). Either
// failing is BundleTampered; nothing read is logged.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { errorName } from '../errors.js';
import { BundleTampered, readBundle, type ConfigBundle } from './bundle.js';

export interface StoredBundle {
  readonly bundle: ConfigBundle;
  readonly versionId: string | undefined;
  readonly sha256: string;
  readonly lastModified: string | undefined;
}

/** The current version of `key` (or the one named), checked; null when there is none. */
export async function readStoredBundle(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<StoredBundle | null> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...(versionId === undefined ? {} : { VersionId: versionId }) }));
  } catch (error) {
    if (versionId === undefined && (errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound')) return null;
    throw error;
  }
  let text: string;
  try {
    text = (await response.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    // The SDK's checksum validation fails the read of a body whose bytes are not the ones S3 stored.
    throw new BundleTampered(`the bytes read do not match the checksum S3 stored (${errorName(error)})`);
  }
  // Checked here too, so that a reader the SDK's validation does not wrap (a stand-in) is held to it; a
  // multipart object's composite checksum ("…-<parts>") is not the SHA-256 of its bytes and is left to the SDK.
  const stored = response.ChecksumSHA256;
  if (stored !== undefined && !stored.includes('-') && createHash('sha256').update(text).digest('base64') !== stored) {
    throw new BundleTampered('the bytes read do not match the SHA-256 S3 stored when the bundle was written');
  }
  const recorded = response.Metadata?.['bundle-sha256'];
  if (recorded === undefined) throw new BundleTampered('the object has no bundle-sha256 in its metadata');
  return { bundle: readBundle(text, recorded), versionId: response.VersionId, sha256: recorded, lastModified: response.LastModified?.toISOString() };
}
