// Point-in-time restore of a prefix, the decision for one key, pure (README, "Media"): from the key's
// version history in the source bucket and in its replica (ListObjectVersions, newest first; replication
// keeps version ids, so one id is one version in both), the state the key had at the time asked for — a
// version, or nothing (a delete marker, or not created yet) — and what makes it current again: nothing,
// a copy of that version over the key (from the source, else from the replica; restored from an
// archive class first), or a delete marker. A copy we made carries the version it restores in its
// metadata, so a second run finds it and changes nothing.

/** One entry of a key's history as ListObjectVersions lists it (a version or a delete marker). */
export interface VersionEntry {
  readonly versionId: string;
  /** Epoch ms (S3 keeps seconds). */
  readonly lastModified: number;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
  /** Versions only: bytes, storage class (S3 omits STANDARD in some answers: absent reads as STANDARD), ETag. */
  readonly size?: number;
  readonly storageClass?: string;
  readonly etag?: string;
}

export interface KeyHistory {
  readonly key: string;
  /** Newest first, as S3 lists them. */
  readonly source: readonly VersionEntry[];
  readonly replica: readonly VersionEntry[];
}

/** Metadata key (x-amz-meta-…) a restoring copy carries: the version id it restores. */
export const RESTORED_FROM_METADATA = 'backup-dr-restored-from';

/** Largest object one CopyObject copies; larger ones take a multipart copy (UploadPartCopy). */
export const SINGLE_COPY_LIMIT = 5 * 1024 ** 3;

/**
 * Archive classes whose objects must be restored (RestoreObject) before they can be copied, and how long
 * the Standard tier takes (S3 user guide, "Understanding archive retrieval options"): Glacier Flexible
 * Retrieval 3–5 h, Deep Archive within 12 h. Glacier Instant Retrieval reads like Standard. (An
 * Intelligent-Tiering object in an archive tier needs a restore too; only HeadObject's ArchiveStatus tells.)
 */
export const ARCHIVE_CLASSES: Readonly<Record<string, { readonly tier: 'Standard'; readonly hours: number }>> = {
  GLACIER: { tier: 'Standard', hours: 5 },
  DEEP_ARCHIVE: { tier: 'Standard', hours: 12 },
};

export type StateAt = { readonly kind: 'version'; readonly entry: VersionEntry; readonly from: 'source' | 'replica' } | { readonly kind: 'absent'; readonly reason: string };

/**
 * The key's state at `at`: the newest entry of either history at or before it. An id in both histories
 * is one version (the source's entry is used); among entries of the same second, listing order decides.
 */
export function stateAt(history: KeyHistory, at: number): StateAt {
  const seen = new Set(history.source.map((e) => e.versionId));
  const merged = [...history.source.map((entry, order) => ({ entry, from: 'source' as const, order })), ...history.replica.filter((e) => !seen.has(e.versionId)).map((entry, order) => ({ entry, from: 'replica' as const, order }))];
  const before = merged.filter((m) => m.entry.lastModified <= at).sort((a, b) => b.entry.lastModified - a.entry.lastModified || (a.from === b.from ? a.order - b.order : a.from === 'source' ? -1 : 1));
  const newest = before[0];
  if (newest === undefined) return { kind: 'absent', reason: 'did not exist yet' };
  if (newest.entry.deleteMarker) return { kind: 'absent', reason: `deleted (delete marker ${newest.entry.versionId})` };
  return { kind: 'version', entry: newest.entry, from: newest.from };
}

export type KeyAction =
  | { readonly action: 'keep'; readonly key: string; readonly reason: string }
  | {
      readonly action: 'copy';
      readonly key: string;
      readonly versionId: string;
      readonly from: 'source' | 'replica';
      readonly size: number;
      readonly storageClass: string;
      /** An archive class not restored yet: RestoreObject first, and how long it takes. */
      readonly restoreFirst: { readonly tier: 'Standard'; readonly hours: number } | null;
      /** Over 5 GiB: UploadPartCopy instead of CopyObject. */
      readonly multipart: boolean;
    }
  | { readonly action: 'delete'; readonly key: string; readonly reason: string };

export interface CurrentFacts {
  /** `x-amz-meta-backup-dr-restored-from` of the current version, when it is one of our restoring copies. */
  readonly restoredFrom: string | null;
  /** Version ids (of the version to copy) whose archive restore has completed (HeadObject `Restore: ongoing-request="false"`). */
  readonly restored?: ReadonlySet<string>;
}

/** The current entry of the source (IsLatest), if any. */
export const currentOf = (history: KeyHistory): VersionEntry | undefined => history.source.find((e) => e.isLatest);

export function planKey(history: KeyHistory, at: number, facts: CurrentFacts): KeyAction {
  const { key } = history;
  const wanted = stateAt(history, at);
  const current = currentOf(history);
  if (wanted.kind === 'absent') {
    if (current === undefined || current.deleteMarker) return { action: 'keep', key, reason: `absent then (${wanted.reason}) and now` };
    return { action: 'delete', key, reason: `${wanted.reason} at that time; version ${current.versionId} is current now` };
  }
  const version = wanted.entry;
  if (current !== undefined && !current.deleteMarker && (current.versionId === version.versionId || facts.restoredFrom === version.versionId)) {
    return { action: 'keep', key, reason: current.versionId === version.versionId ? `version ${version.versionId} is current` : `a copy of version ${version.versionId} is current (restored earlier)` };
  }
  const storageClass = version.storageClass ?? 'STANDARD';
  const archive = ARCHIVE_CLASSES[storageClass];
  const restoreFirst = archive === undefined || facts.restored?.has(version.versionId) === true ? null : archive;
  const size = version.size ?? 0;
  return { action: 'copy', key, versionId: version.versionId, from: wanted.from, size, storageClass, restoreFirst, multipart: size > SINGLE_COPY_LIMIT };
}

/** What a dry run lists, in sums: every key looked at, what would change, the bytes copied, what waits for an archive restore. */
export interface PrefixSummary {
  readonly keys: number;
  readonly unchanged: number;
  readonly copies: number;
  readonly fromReplica: number;
  readonly deletes: number;
  readonly bytes: number;
  readonly archived: { readonly objects: number; readonly bytes: number; readonly longestHours: number };
}

export function emptySummary(): PrefixSummary {
  return { keys: 0, unchanged: 0, copies: 0, fromReplica: 0, deletes: 0, bytes: 0, archived: { objects: 0, bytes: 0, longestHours: 0 } };
}

/** Adds one key's action to the running sums (a listing of millions of keys is summed as it streams). */
export function addToSummary(summary: PrefixSummary, action: KeyAction): PrefixSummary {
  const keys = summary.keys + 1;
  if (action.action === 'keep') return { ...summary, keys, unchanged: summary.unchanged + 1 };
  if (action.action === 'delete') return { ...summary, keys, deletes: summary.deletes + 1 };
  const archived = action.restoreFirst === null ? summary.archived : { objects: summary.archived.objects + 1, bytes: summary.archived.bytes + action.size, longestHours: Math.max(summary.archived.longestHours, action.restoreFirst.hours) };
  return { ...summary, keys, copies: summary.copies + 1, fromReplica: summary.fromReplica + (action.from === 'replica' ? 1 : 0), bytes: summary.bytes + action.size, archived };
}
