// One page of a point-in-time restore of a prefix: walks the source's and the replica's version histories
// side by side from where the last page stopped (bounded: a page of keys, or a time budget), decides each
// key (shared/media/point-in-time.ts) with the facts only HEAD can give — whether the current version is
// a copy we made, whether an archived version's restore is done — and, unless it is a dry run, acts:
// a copy of the wanted version over the key (from the replica when the source lacks it; its metadata and
// content headers kept, and the version it restores recorded), a delete marker, or a RestoreObject for
// an archived version (the state machine waits and walks again). Every change is listed, a JSON-lines
// object per page in the reports bucket. Safe to run again: each key is decided from what is there now.

import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, RestoreObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, errorName } from '../../../shared/errors.js';
import { addToSummary, currentOf, emptySummary, planKey, RESTORED_FROM_METADATA, stateAt, type KeyAction, type KeyHistory } from '../../../shared/media/point-in-time.js';
import type { MediaRestoreRun } from '../../../shared/media/restore-run.js';
import { keyEntries, keyHistories, versionEntries } from '../../../shared/media/version-listing.js';
import type { Log } from '../../../shared/runtime/log.js';
import { multipartCopy } from './multipart-copy.js';

/** Keys a page decides (and a Lambda invocation acts on) at most. */
export const KEYS_PER_PAGE = 1000;
/** A page stops early past this, well inside the function's 15 minutes. */
export const PAGE_BUDGET_MS = 10 * 60_000;
/** Archive restores are waited for this many passes (one an hour): Deep Archive's Standard tier takes up to 12 h. */
export const MAX_PASSES = 72;
/** How long a restored archive copy stays readable (RestoreObject Days). */
const RESTORE_DAYS = 7;

export class ArchiveRestoreTimedOut extends Error {
  override name = 'ArchiveRestoreTimedOut';
}

export interface PassDeps {
  /** S3 in the source's and in the replica's region. */
  readonly source: S3Client;
  readonly replica: S3Client;
  readonly reports: S3Client;
  readonly reportsBucket: string;
  readonly log: Log;
  readonly now: () => number;
}

type Line = KeyAction & { readonly done?: string; readonly error?: string };

export async function restorePage(deps: PassDeps, run: MediaRestoreRun): Promise<MediaRestoreRun> {
  // A new pass (the first, or one after waiting for archive restores) starts from the first key, sums afresh.
  const fresh = run.marker === null;
  const pass = fresh && run.page > 0 ? run.pass + 1 : run.pass;
  if (pass > MAX_PASSES) throw new ArchiveRestoreTimedOut(`archived versions were still being restored after ${MAX_PASSES} passes an hour apart`);
  let summary = fresh ? emptySummary() : run.summary;
  let waiting = fresh ? 0 : run.waiting;
  let failed = fresh ? 0 : run.failed;
  const started = deps.now();
  const source = { s3: deps.source, bucket: run.source.bucket };
  const replica = { s3: deps.replica, bucket: run.replica.bucket };
  const startAfter = run.marker ?? undefined;
  const lines: Line[] = [];
  let last: string | null = null;
  let keys = 0;
  const histories = keyHistories(keyEntries(versionEntries(source, run.prefix, 1000, startAfter)), keyEntries(versionEntries(replica, run.prefix, 1000, startAfter)));
  let finished = true;
  for await (const history of histories) {
    const action = planKey(history, run.at, await facts(deps, run, history));
    summary = addToSummary(summary, action);
    if (action.action !== 'keep') {
      const outcome = run.dryRun ? {} : await act(deps, run, action);
      if (outcome.waiting === true) waiting += 1;
      if (outcome.error !== undefined) failed += 1;
      lines.push({ ...action, ...(outcome.done === undefined ? {} : { done: outcome.done }), ...(outcome.error === undefined ? {} : { error: outcome.error }) });
    }
    last = history.key;
    keys += 1;
    if (keys >= KEYS_PER_PAGE || deps.now() - started > PAGE_BUDGET_MS) {
      finished = false;
      break;
    }
  }
  const page = fresh ? 1 : run.page + 1;
  if (lines.length > 0) {
    const key = `${run.listingPrefix}pass-${String(pass).padStart(2, '0')}/page-${String(page).padStart(5, '0')}.jsonl`;
    await deps.reports.send(new PutObjectCommand({ Bucket: deps.reportsBucket, Key: key, Body: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`, ContentType: 'application/x-ndjson' }));
  }
  deps.log.info('media restore page', { runId: run.runId, pass, page, keys, changes: lines.length, waiting, failed, dryRun: run.dryRun });
  return { ...run, pass, page, marker: finished ? null : last, summary, waiting, failed };
}

/** What only HEAD tells: the current version's restored-from mark, and whether an archived wanted version is readable. */
async function facts(deps: PassDeps, run: MediaRestoreRun, history: KeyHistory) {
  const wanted = stateAt(history, run.at);
  const current = currentOf(history);
  let restoredFrom: string | null = null;
  if (wanted.kind === 'version' && current !== undefined && !current.deleteMarker && current.versionId !== wanted.entry.versionId) {
    const head = await headVersion(deps.source, run.source.bucket, history.key, current.versionId);
    restoredFrom = head?.Metadata?.[RESTORED_FROM_METADATA] ?? null;
  }
  const restored = new Set<string>();
  if (wanted.kind === 'version' && (wanted.entry.storageClass === 'GLACIER' || wanted.entry.storageClass === 'DEEP_ARCHIVE')) {
    const [client, bucket] = wanted.from === 'source' ? [deps.source, run.source.bucket] : [deps.replica, run.replica.bucket];
    const head = await headVersion(client, bucket, history.key, wanted.entry.versionId);
    if (head?.Restore?.includes('ongoing-request="false"') === true) restored.add(wanted.entry.versionId);
  }
  return { restoredFrom, restored };
}

async function headVersion(s3: S3Client, bucket: string, key: string, versionId: string): Promise<HeadObjectCommandOutput | null> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  } catch (error) {
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey' || errorName(error) === 'NoSuchVersion') return null;
    throw error;
  }
}

/** S3 errors of one key that a re-run will meet again: listed, counted, not retried. */
const KEY_ERRORS = new Set(['AccessDenied', 'InvalidObjectState', 'NoSuchKey', 'NoSuchVersion', 'MethodNotAllowed', 'InvalidRequest', 'EntityTooLarge']);

async function act(deps: PassDeps, run: MediaRestoreRun, action: Exclude<KeyAction, { action: 'keep' }>): Promise<{ done?: string; waiting?: boolean; error?: string }> {
  try {
    if (action.action === 'delete') {
      const result = await deps.source.send(new DeleteObjectCommand({ Bucket: run.source.bucket, Key: action.key }));
      return { done: `delete marker ${result.VersionId ?? ''}`.trim() };
    }
    const [client, bucket] = action.from === 'source' ? [deps.source, run.source.bucket] : [deps.replica, run.replica.bucket];
    if (action.restoreFirst !== null) {
      try {
        await client.send(new RestoreObjectCommand({ Bucket: bucket, Key: action.key, VersionId: action.versionId, RestoreRequest: { Days: RESTORE_DAYS, GlacierJobParameters: { Tier: action.restoreFirst.tier } } }));
        return { done: `archive restore requested (${action.restoreFirst.tier}, up to ${action.restoreFirst.hours} h)`, waiting: true };
      } catch (error) {
        if (errorName(error) === 'RestoreAlreadyInProgress') return { done: 'archive restore in progress', waiting: true };
        throw error;
      }
    }
    // Metadata and content headers of the version copied are kept; the copy records which version it restores.
    const head = await headVersion(client, bucket, action.key, action.versionId);
    if (head === null) return { error: `version ${action.versionId} is gone from ${bucket}` };
    const metadata = { ...head.Metadata, [RESTORED_FROM_METADATA]: action.versionId };
    if (action.multipart) {
      const versionId = await multipartCopy({ client, bucket, key: action.key, versionId: action.versionId, size: head.ContentLength ?? action.size, head }, { client: deps.source, bucket: run.source.bucket }, metadata);
      return { done: `copied in parts as version ${versionId ?? '(unversioned)'}` };
    }
    const result = await deps.source.send(
      new CopyObjectCommand({
        Bucket: run.source.bucket,
        Key: action.key,
        CopySource: `${bucket}/${encodeURIComponent(action.key)}?versionId=${encodeURIComponent(action.versionId)}`,
        MetadataDirective: 'REPLACE',
        Metadata: metadata,
        ...(head.ContentType === undefined ? {} : { ContentType: head.ContentType }),
        ...(head.CacheControl === undefined ? {} : { CacheControl: head.CacheControl }),
        ...(head.ContentDisposition === undefined ? {} : { ContentDisposition: head.ContentDisposition }),
        ...(head.ContentEncoding === undefined ? {} : { ContentEncoding: head.ContentEncoding }),
        ...(head.ContentLanguage === undefined ? {} : { ContentLanguage: head.ContentLanguage }),
        TaggingDirective: 'COPY',
      }),
    );
    return { done: `copied as version ${result.VersionId ?? '(unversioned)'}` };
  } catch (error) {
    if (KEY_ERRORS.has(errorName(error))) return { error: `${errorName(error)}: ${errorMessage(error)}` };
    throw error;
  }
}
