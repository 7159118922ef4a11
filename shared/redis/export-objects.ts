// Reading an export bucket: the objects of ours in it (by key, shared/redis/exports.ts), page by page,
// every export with its marker, and an object's tags. Shared by the functions that verify, prune and
// check exports.

import { GetObjectTaggingCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { AwsTag } from '../tags.js';
import { isWhole, markFits, parseExportKey, parsePartsMarker, type ExportKey, type ExportSet } from './exports.js';

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
  return (await objectMarks(side, key)).tags;
}

/** An object's tags and the version they are of (GetObjectTagging answers for the current version). */
export async function objectMarks(side: Bucket, key: string): Promise<{ tags: Record<string, string>; versionId: string | null }> {
  const { TagSet, VersionId } = await side.s3.send(new GetObjectTaggingCommand({ Bucket: side.bucket, Key: key }));
  return { tags: Object.fromEntries((TagSet ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? ''])), versionId: VersionId ?? null };
}

/** Whether the object's current version carries `verifiedTag` for itself (a mark copied onto other content does not count). */
export async function isVerifiedHere(side: Bucket, key: string, verifiedTag: string): Promise<boolean> {
  const { tags, versionId } = await objectMarks(side, key);
  const mark = tags[verifiedTag];
  return mark !== undefined && markFits(mark, versionId);
}

/** Every export in the bucket by snapshot name: its .rdb objects and its marker (one listing). */
export async function exportSets(side: Bucket): Promise<Map<string, ExportSet>> {
  const sets = new Map<string, ExportSet>();
  const setOf = (name: string) => {
    let set = sets.get(name);
    if (set === undefined) {
      set = { keys: [], markerKey: null, declaredParts: null };
      sets.set(name, set);
    }
    return set;
  };
  let token: string | undefined;
  do {
    const page = await side.s3.send(new ListObjectsV2Command({ Bucket: side.bucket, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      const part = parseExportKey(key);
      if (part !== null) setOf(part.snapshotName).keys.push(key);
      const marker = parsePartsMarker(key);
      if (marker !== null) Object.assign(setOf(marker.snapshotName), { markerKey: key, declaredParts: marker.parts });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return sets;
}

/** An export as prune and posture judge it: what deleting it removes, its tags, whether whole and verified. */
export interface ExportState {
  /** Its .rdb objects and its marker, when there is one. */
  readonly keys: readonly string[];
  /** Every object's tags (a legal hold on any of them holds the export). */
  readonly tags: readonly AwsTag[];
  /** Whole (the marker and every node group it names) and every object carrying `verifiedTag`. */
  readonly verified: boolean;
}

/** Every export in the bucket by snapshot name, judged against `verifiedTag` (one listing, one tag read per object). */
export async function exportStates(side: Bucket, verifiedTag: string): Promise<Map<string, ExportState>> {
  const states = new Map<string, ExportState>();
  for (const [name, set] of await exportSets(side)) {
    const tags: AwsTag[] = [];
    let verified = isWhole(set);
    for (const key of set.keys) {
      const own = await objectMarks(side, key);
      tags.push(...Object.entries(own.tags).map(([Key, Value]) => ({ Key, Value })));
      const mark = own.tags[verifiedTag];
      verified &&= mark !== undefined && markFits(mark, own.versionId);
    }
    states.set(name, { keys: [...set.keys, ...(set.markerKey === null ? [] : [set.markerKey])], tags, verified });
  }
  return states;
}
