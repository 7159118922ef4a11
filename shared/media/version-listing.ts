// A prefix's version histories, streamed: ListObjectVersions page by page (KeyMarker + VersionIdMarker),
// each page's versions and delete markers merged back into S3's order (by key, then newest first), the
// entries of one key gathered, and the source's and the replica's streams walked side by side by key
// (both in UTF-8 binary order). One key's history and one page are held at a time: a prefix of millions
// of objects is walked in bounded memory.

import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KeyHistory, VersionEntry } from './point-in-time.js';

export interface VersionedBucket {
  readonly s3: S3Client;
  readonly bucket: string;
}

const byKey = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Every entry under `prefix` (after the key `startAfter`, when given), in S3's order, with its key. */
export async function* versionEntries(side: VersionedBucket, prefix: string, pageSize = 1000, startAfter?: string): AsyncGenerator<{ key: string; entry: VersionEntry }> {
  let keyMarker: string | undefined = startAfter;
  let versionIdMarker: string | undefined;
  do {
    const page = await side.s3.send(
      new ListObjectVersionsCommand({ Bucket: side.bucket, Prefix: prefix, MaxKeys: pageSize, ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }), ...(versionIdMarker === undefined ? {} : { VersionIdMarker: versionIdMarker }) }),
    );
    const entries = [
      ...(page.Versions ?? []).map((v) => ({
        key: v.Key ?? '',
        entry: { versionId: v.VersionId ?? 'null', lastModified: v.LastModified?.getTime() ?? 0, isLatest: v.IsLatest === true, deleteMarker: false, size: v.Size ?? 0, storageClass: v.StorageClass ?? 'STANDARD', ...(v.ETag === undefined ? {} : { etag: v.ETag }) },
      })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ key: m.Key ?? '', entry: { versionId: m.VersionId ?? 'null', lastModified: m.LastModified?.getTime() ?? 0, isLatest: m.IsLatest === true, deleteMarker: true } })),
    ];
    // A page lists versions and delete markers apart: put them back in one history order.
    entries.sort((a, b) => byKey(a.key, b.key) || b.entry.lastModified - a.entry.lastModified || Number(b.entry.isLatest) - Number(a.entry.isLatest));
    yield* entries;
    const more = page.IsTruncated === true;
    keyMarker = more ? page.NextKeyMarker : undefined;
    versionIdMarker = more ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
}

/** The entries of one bucket gathered per key (a key's entries are contiguous in S3's order). */
export async function* keyEntries(entries: AsyncIterable<{ key: string; entry: VersionEntry }>): AsyncGenerator<{ key: string; entries: VersionEntry[] }> {
  let current: { key: string; entries: VersionEntry[] } | null = null;
  for await (const { key, entry } of entries) {
    if (current !== null && current.key !== key) {
      yield current;
      current = null;
    }
    current ??= { key, entries: [] };
    current.entries.push(entry);
  }
  if (current !== null) yield current;
}

/** Both buckets' histories, key by key, in binary key order: a key missing on one side has an empty history there. */
export async function* keyHistories(source: AsyncIterable<{ key: string; entries: VersionEntry[] }>, replica: AsyncIterable<{ key: string; entries: VersionEntry[] }>): AsyncGenerator<KeyHistory> {
  const left = source[Symbol.asyncIterator]();
  const right = replica[Symbol.asyncIterator]();
  let a = await left.next();
  let b = await right.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : byKey(a.value.key, b.value.key);
    if (order === 0 && !a.done && !b.done) {
      yield { key: a.value.key, source: a.value.entries, replica: b.value.entries };
      [a, b] = await Promise.all([left.next(), right.next()]);
    } else if (order < 0 && !a.done) {
      yield { key: a.value.key, source: a.value.entries, replica: [] };
      a = await left.next();
    } else if (!b.done) {
      yield { key: b.value.key, source: [], replica: b.value.entries };
      b = await right.next();
    }
  }
}
