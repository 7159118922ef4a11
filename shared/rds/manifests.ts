// Snapshot manifests in the reports bucket: what the source database held when a snapshot was taken
// (shared/rds/postgres/manifest.ts captures it), stored under the snapshot's id so a restore test can
// compare a restore with it.

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { manifestKey } from '../contracts.js';
import type { SourceManifest } from './postgres/types.js';

export async function putManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string, manifest: SourceManifest): Promise<string> {
  const key = manifestKey(resource, snapshotId);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(manifest), ContentType: 'application/json' }));
  return key;
}

/** The manifest, or null when none was captured for that snapshot. */
export async function getManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string): Promise<SourceManifest | null> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey(resource, snapshotId) }));
    const text = await object.Body?.transformToString();
    return text === undefined ? null : (JSON.parse(text) as SourceManifest);
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return null;
    throw error;
  }
}
