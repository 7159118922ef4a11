// Snapshot manifests in the reports bucket: what the source database held just before a snapshot was
// requested and once it existed (shared/rds/postgres/manifest.ts captures both), stored under the
// snapshot's id so a restore test can judge a restore against the range between them. One object per
// snapshot: the `before` capture at the top (where single-capture manifests kept theirs, so their
// readers keep working) and the `after` capture under `after`; each written once, never replaced.
// Reading one tells three answers apart: none was captured (S3's NoSuchKey), it cannot be read (any
// other error: ManifestUnreadable), it is not a manifest (ManifestInvalid).

import { GetObjectCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { manifestKey } from '../contracts.js';
import { errorMessage, errorName, InvalidInput } from '../errors.js';
import { parseInput } from '../runtime/input.js';
import { ManifestInvalid, ManifestUnreadable } from './errors.js';
import type { ManifestBracket, SourceManifest } from './postgres/types.js';

/** The format the documents written here declare (single-capture manifests declare none). */
export const MANIFEST_FORMAT = 'backup-dr/manifest/v2';

const count = z.int({ error: 'must be a row count (a whole number)' }).check(z.gte(0, { error: 'must be a row count (not negative)' }));
const bucketHash = z.object({ rows: count, hash: z.string() });

const schemaFingerprint = z.object({
  schemas: z.nullable(z.array(z.string())),
  digest: z.string(),
  objects: z.record(z.string(), z.record(z.string(), z.string()), { error: 'must be an object of "<kind> <name>": properties' }),
});

const tableContent = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('key'),
    key: z.array(z.string()).check(z.minLength(1)),
    column: z.string(),
    type: z.string(),
    bounds: z.array(z.string()),
    max: z.nullable(z.string()),
    sample: z.array(z.int().check(z.gte(0))),
    buckets: z.record(z.string(), bucketHash),
  }),
  z.object({ mode: z.literal('whole'), rows: count, hash: z.string() }),
  z.object({ mode: z.literal('none'), reason: z.string() }),
]);

const contentFingerprint = z.object({
  seed: z.string(),
  appendOnly: z.array(z.string()),
  tables: z.record(z.string(), tableContent),
  budgetExhausted: z.boolean(),
  durationMs: z.number(),
});

/** The shape of one capture. Keys it does not know are dropped (a later capture may record more). */
export const sourceManifest = z.object({
  capturedAt: z.number({ error: 'must be a time in epoch milliseconds' }),
  serverVersion: z.string({ error: 'must be a string' }),
  tables: z.record(z.string(), count, { error: 'must be an object of "schema.table": row count' }),
  phase: z.optional(z.enum(['before', 'after'])),
  schema: z.optional(schemaFingerprint),
  content: z.optional(contentFingerprint),
});

/** The stored document: the first capture at the top, the `after` capture (when the before exists) under `after`. */
const manifestDocument = z.extend(sourceManifest, {
  format: z.optional(z.string()),
  snapshotId: z.optional(z.string()),
  /** When the snapshot was requested, right after the before capture (epoch ms). */
  snapshotRequestedAt: z.optional(z.number()),
  after: z.optional(sourceManifest),
});
export type ManifestDocument = z.output<typeof manifestDocument>;

/** A stored manifest with the version S3 holds (its ETag: the after capture is written only over that one). */
export interface StoredManifest {
  readonly document: ManifestDocument;
  readonly etag: string | undefined;
}

const where = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** S3's answer to a conditional write that lost: the object exists (If-None-Match) or changed (If-Match). */
function isPreconditionFailed(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return errorName(error) === 'PreconditionFailed' || status === 412;
}

async function put(s3: S3Client, bucket: string, key: string, document: ManifestDocument, condition: Pick<PutObjectCommandInput, 'IfNoneMatch' | 'IfMatch'>): Promise<boolean> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(document), ContentType: 'application/json', ...condition }));
    return true;
  } catch (error) {
    if (isPreconditionFailed(error)) return false;
    throw error;
  }
}

/**
 * Stores the capture taken just before the snapshot was requested, only if no manifest exists for the
 * snapshot (S3 conditional write): false when one does (a capture after it got there first).
 */
export async function putBeforeManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string, before: SourceManifest, snapshotRequestedAt: number): Promise<{ key: string; written: boolean }> {
  const key = manifestKey(resource, snapshotId);
  const written = await put(s3, bucket, key, { format: MANIFEST_FORMAT, snapshotId, snapshotRequestedAt, ...before, phase: 'before' }, { IfNoneMatch: '*' });
  return { key, written };
}

/**
 * Adds the capture taken once the snapshot existed to the snapshot's manifest (`existing`, as read), or
 * stores it alone when there is none. The write is conditional on what was read: a manifest that changed
 * meanwhile fails it with ManifestUnreadable (the event is retried and reads again).
 */
export async function putAfterManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string, after: SourceManifest, existing: StoredManifest | null): Promise<string> {
  const key = manifestKey(resource, snapshotId);
  const capture = { ...after, phase: 'after' as const };
  const document: ManifestDocument = existing === null ? { format: MANIFEST_FORMAT, snapshotId, ...capture } : { ...existing.document, format: MANIFEST_FORMAT, after: capture };
  const condition = existing === null ? { IfNoneMatch: '*' } : existing.etag === undefined ? {} : { IfMatch: existing.etag };
  if (!(await put(s3, bucket, key, document, condition))) {
    throw new ManifestUnreadable(`the manifest ${where(bucket, key)} changed while the capture after the snapshot was taken: read it again`);
  }
  return key;
}

/**
 * The stored manifest of a snapshot, or null when none was captured (S3 answers NoSuchKey). Any other
 * failure to read it is ManifestUnreadable — without s3:ListBucket, S3 answers a missing key with
 * AccessDenied, which must not pass for "none" — and a body that is not a manifest is ManifestInvalid.
 */
export async function readManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string): Promise<StoredManifest | null> {
  const key = manifestKey(resource, snapshotId);
  let text: string;
  let etag: string | undefined;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (object.Body === undefined) throw new ManifestInvalid(`${where(bucket, key)} has no body`);
    etag = object.ETag;
    text = await object.Body.transformToString();
  } catch (error) {
    if (error instanceof ManifestInvalid) throw error;
    if (errorName(error) === 'NoSuchKey') return null;
    const hint = errorName(error) === 'AccessDenied' ? ' (S3 also answers AccessDenied for a missing key when the role may not list the bucket)' : '';
    throw new ManifestUnreadable(`cannot read the manifest ${where(bucket, key)}: ${errorName(error)}: ${errorMessage(error)}${hint}`, { cause: error });
  }
  return { document: parseManifestDocument(text, where(bucket, key)), etag };
}

/** The first capture of a snapshot's manifest (the one before it, when there is one), or null when none was captured. */
export async function getManifest(s3: S3Client, bucket: string, resource: string, snapshotId: string): Promise<SourceManifest | null> {
  const stored = await readManifest(s3, bucket, resource, snapshotId);
  return stored === null ? null : captureOf(stored.document);
}

/** Both captures of a snapshot's manifest (either may be missing), or null when none was captured. */
export async function getManifestBracket(s3: S3Client, bucket: string, resource: string, snapshotId: string): Promise<ManifestBracket | null> {
  const stored = await readManifest(s3, bucket, resource, snapshotId);
  return stored === null ? null : bracketOf(stored.document);
}

/** The top-level capture of a document, without the document's own fields. */
function captureOf(document: ManifestDocument): SourceManifest {
  const { format: _format, snapshotId: _snapshotId, snapshotRequestedAt: _requested, after: _after, ...capture } = document;
  return capture;
}

/** A document as the two captures around its snapshot; a single-capture manifest (no phase) counts as the one before. */
export function bracketOf(document: ManifestDocument): ManifestBracket {
  const top = captureOf(document);
  if (top.phase === 'after') return { before: null, after: top };
  return { before: top, after: document.after ?? null };
}

/** A manifest's text, parsed and checked; ManifestInvalid names what is wrong. */
export function parseManifestDocument(text: string, at: string): ManifestDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManifestInvalid(`${at} is not JSON: ${errorMessage(error)}`, { cause: error });
  }
  try {
    return parseInput(manifestDocument, parsed, '');
  } catch (error) {
    if (error instanceof InvalidInput) throw new ManifestInvalid(`${at} is not a manifest: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A manifest's text as its first capture (what single-capture readers see). */
export function parseManifest(text: string, at: string): SourceManifest {
  return captureOf(parseManifestDocument(text, at));
}
