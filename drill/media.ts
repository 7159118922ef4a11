// The drill's media part, on the S3 stand-in (versioning, delete markers, checksums, copies of a version):
// a prefix of the media bucket with a few hours of history, replicated to the replica bucket as S3
// replication would (same version ids, delete markers not replicated); the real daily replication check;
// then an incident — an object overwritten, one deleted, one created by mistake — and the real
// media-restore state machine brings the prefix back to the time before it, first as a dry run, then for
// real, and the drill checks every key against what it held then. Faults: a copy missing from the replica,
// a copy whose bytes differ (both for the replication check to catch).

import { handler as notifyHandler } from '../functions/media/media-restore-notify/handler.js';
import { handler as passHandler } from '../functions/media/media-restore-pass/handler.js';
import { handler as planHandler } from '../functions/media/media-restore-plan/handler.js';
import { handler as recordHandler } from '../functions/media/media-restore-record/handler.js';
import { handler as verifyHandler } from '../functions/media/verify-media-replication/handler.js';
import type { BucketCheck } from '../functions/media/verify-media-replication/verify-media-replication.js';
import type { S3StandIn } from '../sandbox/aws/s3-standin.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { asTask, runLocally } from '../sandbox/step-functions/asl.js';
import type { Alert } from '../shared/alerts/alert.js';
import { errorMessage, errorName } from '../shared/errors.js';
import type { Policy } from '../shared/policy/schema.js';
import { mediaRestoreDefinition } from '../state-machines/media/restore-prefix.js';
import type { MediaFault } from './data-plane.js';

export interface MediaDrillOptions {
  readonly policy: Policy;
  readonly s3: S3StandIn;
  readonly fault: MediaFault | null;
  readonly alerts: readonly Alert[];
  readonly useRuntime: (role: 'primary' | 'secondary') => void;
  readonly print: (line: string) => void;
  readonly signal: AbortSignal;
}

export interface MediaDrillResult {
  readonly outcome: 'passed' | 'failed';
  readonly caughtBy: readonly string[];
}

const HOUR = 3_600_000;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (text: string, width: number) => text.padEnd(width);

export async function runMediaDrill(options: MediaDrillOptions): Promise<MediaDrillResult> {
  const { policy, s3, fault, print, signal } = options;
  const bucket = policy.resources.buckets[0];
  print('');
  if (bucket === undefined) {
    print('Media: SKIPPED — the policy protects no media bucket.');
    return { outcome: 'passed', caughtBy: [] };
  }
  const now = Date.now();
  const source = bucket.bucket;
  const replica = bucket.replicaBucket;
  /** A version written `hoursAgo`, and its replica (same id) unless the fault drops or damages it. */
  const write = (key: string, content: string, hoursAgo: number, replicate: 'same' | 'none' | 'damaged' = 'same') => {
    const version = s3.put(source, key, content, {}, { lastModified: now - hoursAgo * HOUR, replicationStatus: replicate === 'none' ? 'PENDING' : 'COMPLETED', metadata: { uploader: 'app' } });
    if (replicate === 'none') return;
    const bytes = replicate === 'damaged' ? `${content.slice(0, -1)}${String.fromCharCode(content.charCodeAt(content.length - 1) ^ 1)}` : content;
    s3.put(replica, key, bytes, {}, { lastModified: now - hoursAgo * HOUR, versionId: version.versionId, replicationStatus: 'REPLICA', metadata: { uploader: 'app' } });
  };
  print(`Media — ${bucket.name}: s3://${source} (Tokyo) replicated to s3://${replica} (Singapore), on the S3 stand-in${fault === null ? '' : ` with the fault "${fault}"`}`);
  write('uploads/avatar-1.png', 'avatar one, first', 30);
  write('uploads/avatar-1.png', 'avatar one, second', 26);
  write('uploads/avatar-2.png', 'avatar two', 28);
  write('uploads/invoice-7.pdf', 'invoice seven', 27, fault === 'media-replica-missing' ? 'none' : 'same');
  write('uploads/banner.jpg', 'the banner', 25, fault === 'media-checksum-mismatch' ? 'damaged' : 'same');
  write('other/readme.txt', 'not under the prefix', 29);
  const before = snapshot(s3, source, 'uploads/');
  print(`  uploads/: ${before.size} objects, ${s3.objects().filter((o) => o.bucket === source && o.key.startsWith('uploads/')).length} current, their history over the last 30 h`);

  // The replication check of the day (its state: nothing checked yet, so the last day's changes and a sample).
  print('');
  print('Media replication check (real handler)');
  options.useRuntime('primary');
  const caughtBy: string[] = [];
  const started = Date.now();
  const seen = options.alerts.length;
  try {
    const result = (await verifyHandler({}, lambdaContext('verify-media-replication', { region: policy.regions.primary }))) as { results: readonly BucketCheck[] };
    for (const r of result.results) print(`  ✓ ${pad('verify-media-replication', 26)} ${pad(seconds(Date.now() - started), 9)} ${r.listed} listed, ${r.changed} changed since the last check, ${r.sampled} sampled: ${r.same} the same in the replica`);
  } catch (error) {
    signal.throwIfAborted();
    print(`  ✗ ${pad('verify-media-replication', 26)} ${pad(seconds(Date.now() - started), 9)} ${errorName(error)}: ${errorMessage(error)}`);
    if (options.alerts.length === seen) caughtBy.push(`verify-media-replication (${errorName(error)})`);
  }
  for (const alert of options.alerts.slice(seen).filter((a) => a.source === 'verify-media-replication')) {
    print(`  ✗ ${alert.kind}: ${alert.summary}`);
    caughtBy.push(`${alert.kind} (verify-media-replication)`);
  }

  // The incident, an hour ago: one object overwritten, one deleted, one created by mistake.
  write('uploads/avatar-2.png', 'avatar two, overwritten by a bad deploy', 1);
  s3.putDeleteMarker(source, 'uploads/invoice-7.pdf', { lastModified: now - HOUR });
  write('uploads/junk.tmp', 'a file that should not be there', 1);
  const at = new Date(now - 2 * HOUR).toISOString();
  print('');
  print(`Incident an hour ago: uploads/avatar-2.png overwritten, uploads/invoice-7.pdf deleted, uploads/junk.tmp created. Restoring uploads/ to ${at}`);

  const tasks = {
    mediaRestorePlan: asTask('mediaRestorePlan', planHandler),
    mediaRestorePass: asTask('mediaRestorePass', passHandler),
    mediaRestoreRecord: asTask('mediaRestoreRecord', recordHandler),
    mediaRestoreNotify: asTask('mediaRestoreNotify', notifyHandler),
  };
  const verdicts: { outcome: string; summary: string }[] = [];
  for (const dryRun of [true, false]) {
    signal.throwIfAborted();
    print('');
    print(`media-restore state machine (state-machines/media/restore-prefix.asl.json), ${dryRun ? 'dry run' : 'for real'}`);
    const execution = await runLocally(mediaRestoreDefinition(), { resource: bucket.name, prefix: 'uploads/', at, dryRun }, tasks);
    const output = execution.output as { verdict?: { outcome: string; summary: string } } | null;
    const verdict = output?.verdict ?? { outcome: 'failed', summary: execution.error?.name ?? 'no verdict' };
    verdicts.push(verdict);
    print(`  → execution ${execution.status}: ${verdict.summary}`);
  }
  const after = snapshot(s3, source, 'uploads/');
  const expected = snapshotAt(s3, source, 'uploads/', Date.parse(at));
  print('');
  print('Every key under uploads/ against what it held at the time restored to');
  let wrong = 0;
  for (const key of s3.keys(source).filter((k) => k.startsWith('uploads/'))) {
    const want = expected.get(key) ?? '(absent)';
    const got = after.get(key) ?? '(absent)';
    if (want !== got) wrong += 1;
    print(`  ${want === got ? '✓' : '✗'} ${pad(key, 24)} ${got === want ? got : `${got}, expected ${want}`}`);
  }
  if (wrong > 0) caughtBy.push(`media-restore (${wrong} keys not as they were)`);
  if (verdicts[0]?.outcome !== 'dry-run' || verdicts[1]?.outcome !== 'restored') caughtBy.push('media-restore (the state machine did not restore)');
  const outcome = caughtBy.length === 0 ? 'passed' : 'failed';
  print('');
  print(`Media outcome: ${outcome.toUpperCase()}${caughtBy.length === 0 ? '' : ` (${caughtBy.join(', ')})`}`);
  return { outcome, caughtBy };
}

/** The current content of every key under `prefix`. */
function snapshot(s3: S3StandIn, bucket: string, prefix: string): Map<string, string> {
  return new Map(s3.objects().filter((o) => o.bucket === bucket && o.key.startsWith(prefix)).map((o) => [o.key, o.body]));
}

/** What every key under `prefix` held at `at`: its newest entry then (a delete marker or none: absent). */
function snapshotAt(s3: S3StandIn, bucket: string, prefix: string, at: number): Map<string, string> {
  const state = new Map<string, string>();
  for (const key of s3.keys(bucket).filter((k) => k.startsWith(prefix))) {
    const then = s3
      .versions(bucket, key)
      .filter((v) => v.lastModified <= at)
      .at(-1);
    if (then !== undefined && then.deleteMarker !== true) state.set(key, then.body);
  }
  return state;
}

