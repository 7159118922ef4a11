// Snapshot manifests in the reports bucket: what the source database held when a snapshot was taken
// (shared/rds/postgres/manifest.ts captures it), stored under the snapshot's id so a restore test can
// compare a restore with it. Reading one tells three answers apart: none was captured (S3's NoSuchKey),
// it cannot be read (any other error: ManifestUnreadable), it is not a manifest (ManifestInvalid).

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { manifestKey } from '../contracts.js';
import { errorMessage, errorName, InvalidInput } from '../errors.js';
import { parseInput } from '../runtime/input.js';
import { ManifestInvalid, ManifestUnreadable } from './errors.js';
import type { SourceManifest } from './postgres/types.js';

/** The shape of a manifest. Keys it does not know are dropped (a later capture may record more). */
export const sourceManifest = z.object({
  capturedAt: z.number({ error: 'must be a time in epoch milliseconds' }),
  serverVersion: z.string({ error: 'must be a string' }),
  tables: z.record(
    z.string(),
    z.int({ error: 'must be a row count (a whole number)' }).check(z.gte(0, { error: 'must be a row count (not negative)' })),
    { error: 'must be an object of "schema.table": row count' },
  ),
});

export async function putManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string, manifest: SourceManifest): Promise<string> {
  const key = manifestKey(resource, snapshotId);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(manifest), ContentType: 'application/json' }));
  return key;
}

/**
 * The manifest captured with a snapshot, or null when none was (S3 answers NoSuchKey). Any other failure
 * to read it is ManifestUnreadable — without s3:ListBucket, S3 answers a missing key with AccessDenied,
 * which must not pass for "none" — and a body that is not a manifest is ManifestInvalid.
 */
export async function getManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string): Promise<SourceManifest | null> {
  const key = manifestKey(resource, snapshotId);
  const where = `s3://${bucket}/${key}`;
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (object.Body === undefined) throw new ManifestInvalid(`${where} has no body`);
    text = await object.Body.transformToString();
  } catch (error) {
    if (error instanceof ManifestInvalid) throw error;
    if (errorName(error) === 'NoSuchKey') return null;
    const hint = errorName(error) === 'AccessDenied' ? ' (S3 also answers AccessDenied for a missing key when the role may not list the bucket)' : '';
    throw new ManifestUnreadable(`cannot read the manifest ${where}: ${errorName(error)}: ${errorMessage(error)}${hint}`, { cause: error });
  }
  return parseManifest(text, where);
}

/** A manifest's text, parsed and checked; ManifestInvalid names what is wrong. */
export function parseManifest(text: string, where: string): SourceManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManifestInvalid(`${where} is not JSON: ${errorMessage(error)}`, { cause: error });
  }
  try {
    const manifest: SourceManifest = parseInput(sourceManifest, parsed, '');
    return manifest;
  } catch (error) {
    if (error instanceof InvalidInput) throw new ManifestInvalid(`${where} is not a manifest: ${error.message}`, { cause: error });
    throw error;
  }
}
