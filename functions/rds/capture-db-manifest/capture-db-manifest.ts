// Brackets each scheduled snapshot of a restore-tested database with two manifests (counts, schema
// fingerprint, content fingerprints): one captured just before this function requests the snapshot, one
// captured once RDS says the snapshot exists ("manual snapshot created" event; a fallback schedule
// catches a lost event). A restore test then judges the restore against the range between the two. Runs
// in the VPC beside the database. The snapshot is requested even when the capture fails: the backup
// comes first. A duplicate or retried event is a no-op: a snapshot that already existed gets no "before"
// manifest (the capture could postdate it), and an "after" manifest is never replaced.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { BackupDrError, errorMessage, errorName, InvalidInput, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { dbCredentials } from '../../../shared/rds/credentials.js';
import { resolveScheduledRun, type ManifestCaptureEvent } from '../../../shared/rds/events.js';
import { bracketOf, putAfterManifest, putBeforeManifest, readManifest } from '../../../shared/rds/manifests.js';
import { captureManifest, type CaptureOptions } from '../../../shared/rds/postgres/manifest.js';
import type { ConnectionSpec, SourceManifest } from '../../../shared/rds/postgres/types.js';
import { requestSnapshot, snapshotFailedAlert, type SnapshotOutcome } from '../../../shared/rds/snapshot-request.js';
import { describeSnapshot, listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { afterCaptureRefusal, databaseOfSnapshot, manifestFailedAlert, manifestTargets, recentSnapshots, type RestoreTested } from './plan.js';

export interface CaptureDeps {
  readonly policy: Policy;
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly tls: boolean | { rejectUnauthorized: boolean };
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
  /** How long a capture may take before it is abandoned (default CAPTURE_LIMIT_MS). */
  readonly captureLimitMs?: number;
}

/** A capture that ran past its limit and was abandoned. */
export class CaptureAbandoned extends BackupDrError {
  override name = 'CaptureAbandoned';
}

export interface Captured {
  readonly resource: string;
  readonly snapshotId: string;
  readonly phase: 'before' | 'after';
  readonly key: string;
}

export interface CaptureRun {
  readonly captured: Captured[];
  /** The snapshots requested between the captures (a run before snapshots). */
  readonly snapshots: SnapshotOutcome[];
  /** What was not done, and why (a duplicate event, a snapshot not ours, …). */
  readonly skipped: { resource: string; snapshotId: string; reason: string }[];
}

/** Where the source database is and how to log in (the master credentials; never logged). */
async function sourceConnection(deps: CaptureDeps, db: RestoreTested): Promise<ConnectionSpec> {
  const instance = (await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.instanceId }))).DBInstances?.[0];
  if (instance?.Endpoint?.Address === undefined) throw new Error(`DB instance ${db.instanceId} has no endpoint`);
  const credentials = await dbCredentials(deps.secrets, db.restoreTest.credentialsSecret);
  return {
    host: instance.Endpoint.Address,
    port: instance.Endpoint.Port ?? 5432,
    user: credentials.username,
    password: credentials.password,
    database: db.restoreTest.database ?? instance.DBName ?? 'postgres',
    ssl: deps.tls,
  };
}

function describeCapture(manifest: SourceManifest): Record<string, unknown> {
  return {
    tables: Object.keys(manifest.tables).length,
    schemaObjects: Object.keys(manifest.schema?.objects ?? {}).length,
    contentMs: manifest.content?.durationMs ?? null,
    budgetExhausted: manifest.content?.budgetExhausted ?? null,
  };
}

interface Failure {
  readonly resource: string;
  readonly error: string;
  /** The snapshot's request or a manifest's capture (the handler counts each apart). */
  readonly step: 'snapshot' | 'manifest';
}

/**
 * The longest a capture may take (the function stops at 15 minutes): a capture still running then is
 * abandoned — before a snapshot, so the snapshot is still requested in time.
 */
export const CAPTURE_LIMIT_MS = 10 * 60_000;

/** A capture for `db`, abandoned (its session ended) after `limitMs`. */
async function captureWithin(deps: CaptureDeps, db: RestoreTested, options: Omit<CaptureOptions, 'signal'>, limitMs: number): Promise<SourceManifest> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`the capture took longer than ${limitMs / 60_000} min and was abandoned`)), limitMs);
  try {
    return await captureManifest(await sourceConnection(deps, db), db.validation, deps.now, { ...options, signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) throw new CaptureAbandoned(String((controller.signal.reason as Error).message), { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Capture before, request the snapshot, store the capture only if this run's request created it. */
async function beforeSnapshot(deps: CaptureDeps, db: RestoreTested, id: string, scheduledAt: number, run: CaptureRun, failures: Failure[]): Promise<void> {
  let manifest: SourceManifest | null = null;
  let captureError: unknown = null;
  try {
    manifest = await captureWithin(deps, db, { phase: 'before', seed: id }, deps.captureLimitMs ?? CAPTURE_LIMIT_MS);
    deps.log.info('manifest captured before the snapshot', { resource: db.name, snapshotId: id, ...describeCapture(manifest) });
  } catch (error) {
    captureError = error;
    deps.log.warn('manifest capture before the snapshot failed', { resource: db.name, snapshotId: id, error: errorName(error) });
  }
  const outcome = await requestSnapshot({ policy: deps.policy, rds: deps.rds, log: deps.log, now: deps.now }, db, scheduledAt);
  run.snapshots.push(outcome);
  if (outcome.status === 'failed') {
    failures.push({ resource: db.name, error: outcome.error, step: 'snapshot' });
    await deps.alerts.publish(snapshotFailedAlert(deps.policy, db, outcome, 'capture-db-manifest', deps.now()));
  } else if (manifest !== null && outcome.status === 'already-exists') {
    run.skipped.push({ resource: db.name, snapshotId: id, reason: 'the snapshot existed before this capture (a retried or duplicate run): its capture could postdate the snapshot, so it is not stored' });
  } else if (manifest !== null) {
    const stored = await putBeforeManifest(deps.s3, deps.bucket, db.name, id, manifest, outcome.requestedAt);
    if (stored.written) run.captured.push({ resource: db.name, snapshotId: id, phase: 'before', key: stored.key });
    else run.skipped.push({ resource: db.name, snapshotId: id, reason: `a manifest already exists at ${stored.key}` });
  }
  if (captureError !== null) {
    failures.push({ resource: db.name, error: errorName(captureError), step: 'manifest' });
    await deps.alerts.publish(manifestFailedAlert(deps.policy, db, id, 'before', { name: errorName(captureError), message: errorMessage(captureError) }, deps.now()));
  }
}

/** Capture after an existing snapshot, reusing the before capture's content layout; never replaces one already there. */
async function afterSnapshot(deps: CaptureDeps, db: RestoreTested, id: string, run: CaptureRun, failures: Failure[]): Promise<void> {
  try {
    const stored = await readManifest(deps.s3, deps.bucket, db.name, id);
    const bracket = stored === null ? null : bracketOf(stored.document);
    if (bracket?.after !== null && bracket?.after !== undefined) {
      run.skipped.push({ resource: db.name, snapshotId: id, reason: 'the manifest after this snapshot was already captured' });
      return;
    }
    const manifest = await captureWithin(deps, db, { phase: 'after', seed: id, before: bracket?.before ?? null }, deps.captureLimitMs ?? CAPTURE_LIMIT_MS);
    const key = await putAfterManifest(deps.s3, deps.bucket, db.name, id, manifest, stored);
    deps.log.info('manifest captured after the snapshot', { resource: db.name, snapshotId: id, withBefore: bracket?.before !== null && bracket !== null, ...describeCapture(manifest) });
    run.captured.push({ resource: db.name, snapshotId: id, phase: 'after', key });
  } catch (error) {
    failures.push({ resource: db.name, error: errorName(error), step: 'manifest' });
    deps.log.warn('manifest capture after the snapshot failed', { resource: db.name, snapshotId: id, error: errorName(error) });
    await deps.alerts.publish(manifestFailedAlert(deps.policy, db, id, 'after', { name: errorName(error), message: errorMessage(error) }, deps.now()));
  }
}

/** The snapshot an event or an operator names, checked: ours, of a restore-tested database, available. */
async function afterNamed(deps: CaptureDeps, id: string, byHand: boolean, run: CaptureRun, failures: Failure[]): Promise<void> {
  const db = databaseOfSnapshot(deps.policy, id);
  const refuse = (reason: string) => {
    if (byHand) throw new InvalidInput('after', reason);
    run.skipped.push({ resource: db?.name ?? '', snapshotId: id, reason });
    deps.log.info('no manifest after this snapshot', { snapshotId: id, reason });
  };
  if (db === null) return refuse(`${id} is not a snapshot id of a database with a restore test in the policy`);
  const snapshot = await describeSnapshot(deps.rds, id);
  if (snapshot === null) return refuse(`snapshot ${id} does not exist`);
  const refusal = afterCaptureRefusal(deps.policy, db, snapshot);
  if (refusal !== null) return refuse(refusal);
  await afterSnapshot(deps, db, id, run, failures);
}

/** The fallback: every recent snapshot of a restore-tested database still without its "after" manifest. */
async function reconcileAfters(deps: CaptureDeps, run: CaptureRun, failures: Failure[]): Promise<void> {
  const ownership = { ownerTag: deps.policy.tags.owner, policyName: deps.policy.name };
  for (const db of deps.policy.resources.databases) {
    if (db.restoreTest === undefined) continue;
    const tested = { ...db, restoreTest: db.restoreTest };
    for (const snapshot of recentSnapshots(deps.policy, db, await listOwnedSnapshots(deps.rds, ownership, db.instanceId), deps.now())) {
      await afterSnapshot(deps, tested, snapshot.DBSnapshotIdentifier as string, run, failures);
    }
  }
}

export async function captureDbManifests(deps: CaptureDeps, event: ManifestCaptureEvent): Promise<CaptureRun> {
  const run: CaptureRun = { captured: [], snapshots: [], skipped: [] };
  const failures: Failure[] = [];
  if (event.source === 'aws.rds') {
    await afterNamed(deps, event.detail.SourceIdentifier, false, run, failures);
  } else if (event.after !== undefined) {
    await afterNamed(deps, event.after, true, run, failures);
  } else if (event.reconcile === true) {
    await reconcileAfters(deps, run, failures);
  } else {
    const scheduled = resolveScheduledRun({ ...(event.scheduledTime === undefined ? {} : { scheduledTime: event.scheduledTime }), ...(event.resources === undefined ? {} : { resources: event.resources }) }, deps.policy, deps.now());
    for (const { db, snapshotId: id } of manifestTargets(scheduled, deps.policy.timezone)) await beforeSnapshot(deps, db, id, scheduled.scheduledAt, run, failures);
  }
  if (failures.length > 0) throw new RunFailed(`manifest capture or snapshot failed for ${failures.map((f) => `${f.resource} (${f.error})`).join(', ')}`, failures);
  return run;
}
