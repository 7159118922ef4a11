// The Assess step of region-failover: reads what the secondary region holds for each database (the
// replica, the replicated automated backups, our snapshot copies) and each cache (the exports verified in
// its export bucket, the manifest captured with the newest) and lists the configurations to restore, the run record of the run it resumes,
// and the primary's state as far as it answers — then plan.ts decides. Records the run's start (the first
// step of its record) and tells the alerts topic what it found. Changes nothing else.

import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { ConfigurationError, errorMessage, errorName, InvalidInput } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { describeInstance, replicatedBackupsOf } from '../../../shared/rds/automated-backups.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import { failoverInput, runRecordPrefix, RUNBOOK, STEPS, stepName, stepRecord, stepRecordKey, type FailoverPlan, type StepRecord } from '../../../shared/platform/failover-run.js';
import { EXPORT_TAG, manifestKey } from '../../../shared/contracts.js';
import { exportCandidates, newestVerified } from '../../../shared/redis/export-candidates.js';
import { readCacheManifest } from '../../../shared/redis/manifest-store.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { cacheSummary, failoverCaches, planCache } from './cache-plan.js';
import { databaseSummary, failoverDatabases, planDatabase } from './plan.js';

export interface AssessDeps {
  readonly policy: Policy;
  /** RDS in the secondary region (where this runs) and in the primary (only asked, never needed). */
  readonly rds: { readonly secondary: RDSClient; readonly primary: RDSClient };
  /** This region's reports bucket: the run record. */
  readonly reports: S3Client;
  readonly bucket: string;
  /** This region's export bucket (the primary's exports replicated), read through `reports`' S3 client; absent without caches to fail over. */
  readonly exportBucket?: string | undefined;
  readonly alerts: AlertSink;
  readonly now: () => number;
  /** How long the primary may take to answer before it counts as unreachable. */
  readonly primaryTimeoutMs: number;
}

export interface AssessEvent {
  readonly input?: unknown;
  /** $$.Execution.Name. */
  readonly execution: string;
}

export const ASSESS_STEP = 'assess';

/** Every step record of a run, by step name. */
async function readRecords(s3: S3Client, bucket: string, runId: string): Promise<Map<string, StepRecord>> {
  const records = new Map<string, StepRecord>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: runRecordPrefix(runId), ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }))).Body?.transformToString();
      const record = parseInput(stepRecord, JSON.parse(body ?? 'null'), object.Key);
      records.set(record.step, record);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return records;
}

/** The primary's instances as far as they answer within the time allowed: an answer is information, silence is not an error. */
async function primaryState(deps: AssessDeps): Promise<FailoverPlan['primary']> {
  const ids = deps.policy.resources.databases.map((db) => db.instanceId);
  try {
    const states = await Promise.all(
      ids.map(async (id) => {
        const instance = (await deps.rds.primary.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), { abortSignal: AbortSignal.timeout(deps.primaryTimeoutMs) })).DBInstances?.[0];
        return `${id} ${instance?.DBInstanceStatus ?? 'unknown'}`;
      }),
    );
    return { reachable: true, detail: states.join(', ') || 'no database to ask about' };
  } catch (error) {
    return { reachable: false, detail: `${errorName(error)}: ${errorMessage(error)}`.slice(0, 300) };
  }
}

export async function assessFailover(deps: AssessDeps, event: AssessEvent): Promise<FailoverPlan> {
  const { policy } = deps;
  const input = parseInput(failoverInput, event.input ?? {});
  const now = deps.now();
  const runId = input.resume ?? event.execution;
  const records = input.resume === undefined ? new Map<string, StepRecord>() : await readRecords(deps.reports, deps.bucket, input.resume);
  const first = records.get(ASSESS_STEP)?.result as { startedAt?: number; mode?: string } | undefined;
  if (input.resume !== undefined && first?.startedAt === undefined) throw new InvalidInput('resume', `no run record of "${input.resume}" in ${deps.bucket}: nothing to resume`);
  if (input.resume !== undefined && input.mode !== undefined && input.mode !== first?.mode) throw new InvalidInput('mode', `"${input.resume}" was a ${first?.mode ?? 'different'} run`);
  const mode = (first?.mode ?? input.mode ?? 'failover') as FailoverPlan['mode'];
  // The RTO clock starts here (a moment after the execution did), or where the run resumed started it.
  const startedAt = first?.startedAt ?? now;
  const run = { runId, mode, startedAt, now, records };

  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const copies = await listOwnedSnapshots(deps.rds.secondary, ownership);
  const databases = [];
  for (const db of failoverDatabases(policy)) {
    const replica = db.failover.readReplica === undefined ? null : await describeInstance(deps.rds.secondary, db.failover.readReplica);
    const replicated = await replicatedBackupsOf(deps.rds.secondary, policy.regions.primary, db.instanceId);
    databases.push(planDatabase(policy, db, policy.resources.databases.indexOf(db), { replica, replicated, copies }, run));
  }
  const caches = [];
  for (const cache of failoverCaches(policy)) {
    const index = policy.resources.caches.indexOf(cache);
    if (deps.exportBucket === undefined) throw new ConfigurationError('failover-assess has no export bucket (EXPORT_BUCKET) but the policy fails over caches');
    const side = { s3: deps.reports, bucket: deps.exportBucket, region: policy.regions.secondary };
    const newest = records.has(stepName.cache(cache.name)) ? null : newestVerified(await exportCandidates(side, cache, policy.timezone, EXPORT_TAG.verifiedIn(policy.regions.secondary)), cache.name, policy.timezone);
    // Only for the engine an .rdb seeds with: a manifest that cannot be read is validation's to report.
    const manifest = newest === null ? null : await readCacheManifest(deps.reports, deps.bucket, manifestKey(cache.name, newest.snapshotName)).catch(() => null);
    caches.push(planCache(policy, cache, index, { newest, manifest, bucket: deps.exportBucket }, run));
  }
  const configurations = policy.resources.configuration.map((c) => ({ resource: c.name, step: stepName.configuration(c.name), done: records.has(stepName.configuration(c.name)) }));
  const primary = await primaryState(deps);
  const summary: Record<string, string> = { mode, primary: primary.reachable ? `answers: ${primary.detail}` : `does not answer (${primary.detail})` };
  for (const db of databases) summary[db.resource] = databaseSummary(db);
  for (const c of caches) summary[c.resource] = cacheSummary(c, failoverCaches(policy).some((p) => p.name === c.resource && p.failover.nodeType !== undefined));
  for (const c of configurations) summary[c.resource] = c.done ? 'already restored by this run' : `restore the newest bundle into ${policy.regions.secondary}${mode === 'rehearsal' ? ' (dry run)' : ''}`;

  const plan: FailoverPlan = {
    runId,
    mode,
    startedAt,
    execution: event.execution,
    ...(input.resume === undefined ? {} : { resumedFrom: input.resume }),
    done: { approval: records.has(STEPS.approval), maintenanceOn: records.has(STEPS.maintenanceOn), maintenanceOff: records.has(STEPS.maintenanceOff) },
    databases,
    caches,
    configurations,
    primary,
    summary,
  };
  if (input.resume === undefined) {
    const record: StepRecord = { step: ASSESS_STEP, doneAt: now, execution: event.execution, result: { startedAt, mode } };
    await deps.reports.send(new PutObjectCommand({ Bucket: deps.bucket, Key: stepRecordKey(runId, ASSESS_STEP), Body: JSON.stringify(record), ContentType: 'application/json' }));
  }
  await deps.alerts.publish({
    severity: 'info',
    kind: `${RUNBOOK}-progress`,
    resource: RUNBOOK,
    region: policy.regions.secondary,
    summary: `${mode} ${runId}: assessed${input.resume === undefined ? '' : ` (resuming, ${records.size - 1} steps done)`}`,
    action: mode === 'rehearsal' ? 'Nothing to do: the rehearsal runs by itself.' : 'Read the plan and approve or reject it (npx backup-dr approve|reject <execution>).',
    source: RUNBOOK,
    at: now,
    details: Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, v.slice(0, 300)])),
  });
  return plan;
}
