// The drill: the real restore-test state machine, run from its ASL file with the real handlers, against
// a local sandbox — RDS answered by the stateful stand-in whose instances are real PostgreSQL
// databases, S3 and SNS and Secrets Manager by in-memory stand-ins. It first runs the real backup
// pipeline (manifest, snapshot, copy, verify, anomalies) so the restore test has a verified snapshot to
// restore — twice for `--break mass-delete`, with the deletion in the source between the two runs.
//
// startDrill() runs it and hands back a cleanup that stops the run wherever it is and removes everything
// it created; main.ts calls that at the end, on Ctrl-C and on any error.

import type { Context } from 'aws-lambda';
import { stringify } from 'yaml';
import { handler as captureHandler } from '../functions/rds/capture-db-manifest/handler.js';
import { handler as anomaliesHandler } from '../functions/rds/check-db-anomalies/handler.js';
import { handler as copyHandler } from '../functions/rds/copy-db-snapshots/handler.js';
import { handler as planHandler } from '../functions/rds/restore-test-plan/handler.js';
import { handler as notifyHandler } from '../functions/rds/restore-test-notify/handler.js';
import { handler as recordHandler } from '../functions/rds/restore-test-record/handler.js';
import { handler as restoreHandler } from '../functions/rds/restore-test-restore/handler.js';
import { handler as statusHandler } from '../functions/rds/restore-test-status/handler.js';
import { handler as teardownHandler } from '../functions/rds/restore-test-teardown/handler.js';
import { handler as takeHandler } from '../functions/rds/take-db-snapshot/handler.js';
import { handler as validateHandler } from '../functions/rds/validate-restore/handler.js';
import { handler as verifyHandler } from '../functions/rds/verify-db-snapshots/handler.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { asTask, runLocally } from '../sandbox/step-functions/asl.js';
import { RDS_EVENT, REPORT_PREFIX } from '../shared/contracts.js';
import { snapshotId } from '../shared/rds/naming.js';
import { alertText, type Alert } from '../shared/alerts/alert.js';
import { errorMessage, errorName } from '../shared/errors.js';
import { parsePolicy } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import type { Outcome, Verdict } from '../shared/rds/restore-run.js';
import { restoreTestDefinition } from '../state-machines/rds/restore-test.js';
import { runChecklistDrill } from './checklist.js';
import { runConfigDrill } from './config.js';
import { MASS_DELETE, type ConfigFault, type Fault, type MediaFault, type RedisFault } from './data-plane.js';
import { runMediaDrill } from './media.js';
import { pointCacheAtSandbox, RedisDrill } from './redis.js';
import { ACCOUNT, DrillError, DrillSandbox, policyDocument, REPORTS_BUCKET, SECRET, seconds, STAGE, type Role } from './sandbox.js';
import { SAMPLE_OBJECTS, withClient } from './sample-data.js';
import { runSlackDrill } from './slack.js';

export interface DrillOptions {
  readonly fault: Fault | RedisFault | MediaFault | ConfigFault | null;
  /** `--inject-sql`: statements run, in order, on the restored database before validation. */
  readonly injectSql: readonly string[];
  /** `--inject-redis`: commands run, in order, on the restored cache before validation. */
  readonly injectRedis: readonly string[];
  readonly print: (line: string) => void;
}

export interface DrillResult {
  readonly passed: boolean;
  readonly outcome: Outcome;
  /** The Redis part's outcome, or why it was skipped. */
  readonly redis: Outcome | { readonly skipped: string };
  /** What made it fail (or inconclusive): checks by name, a step's error, an alert of the backup pipeline. */
  readonly caughtBy: readonly string[];
  readonly verdict: Verdict | null;
  readonly alerts: readonly Alert[];
}

/** The drill could not reach a verdict (main.ts gives it its own exit code): the sandbox's, shared by every drill. */
export { DrillError };

export interface Drill {
  /** The verdict; rejects when the drill cannot reach one (DrillError), or when it is being cleaned up. */
  readonly done: Promise<DrillResult>;
  /**
   * Stops the run where it is and removes what it created: its databases, its private server with its
   * directory, the sandbox's stubs. Every caller waits for the same cleanup; resolves with what it removed,
   * rejects with DrillError naming what it could not.
   */
  cleanup(): Promise<string[]>;
  /** Why the run's PostgreSQL is gone or not answering (the real cause of whatever failed after it), or null. */
  serverTrouble(): Promise<string | null>;
}

const DAY = 86_400_000;

const pad = (text: string, width: number) => text.padEnd(width);
const worse = (a: Outcome, b: Outcome): Outcome => (a === 'failed' || b === 'failed' ? 'failed' : a === 'inconclusive' || b === 'inconclusive' ? 'inconclusive' : 'passed');

/**
 * The team's policy, pointed at the sandbox: the database to validate is the instance's own; the cache is
 * a local redis-server without TLS, whose restore must hold the schema version the application reads.
 */
function drillPolicy(): Policy {
  type DatabaseDoc = { restoreTest: Record<string, unknown>; validation: Record<string, unknown> };
  type CacheDoc = { validation: Record<string, unknown>; restoreTest?: Record<string, unknown> };
  const doc = policyDocument<{ resources: { databases: DatabaseDoc[]; caches?: CacheDoc[] } }>();
  const db = doc.resources.databases[0];
  if (db === undefined) throw new DrillError('backup-policy.yml protects no database: nothing to drill');
  delete db.restoreTest.database;
  db.restoreTest.credentialsSecret = SECRET;
  // Short, so that the validation-timeout fault is caught in seconds.
  db.validation.statementTimeout = '2s';
  for (const cache of doc.resources.caches ?? []) {
    pointCacheAtSandbox(cache);
    // The drill runs the cache restore test in the secondary, from the replicated export: said here, the
    // daily checklist looks for its figures where they are published.
    if (cache.restoreTest !== undefined) cache.restoreTest.region = 'secondary';
  }
  return parsePolicy(stringify(doc), 'backup-policy.yml (drill)');
}

type Handler = (e: never, c: Context) => Promise<unknown>;

/** The backup pipeline's functions, in the order a day runs them; their alerts count in the drill's outcome. */
/**
 * As in AWS: the scheduled capture-db-manifest captures the "before" manifest and requests the snapshot
 * (the database is restore-tested), RDS's "manual snapshot created" event (RDS-EVENT-0042) triggers the
 * "after" capture, and take-db-snapshot's own run for the same time finds the snapshot there (a no-op).
 */
const PIPELINE: readonly { name: string; role: Role; handler: Handler; scheduled: boolean | 'snapshot-created' }[] = [
  { name: 'capture-db-manifest', role: 'primary', handler: captureHandler, scheduled: true },
  { name: 'capture-db-manifest', role: 'primary', handler: captureHandler, scheduled: 'snapshot-created' },
  { name: 'take-db-snapshot', role: 'primary', handler: takeHandler, scheduled: true },
  { name: 'copy-db-snapshots', role: 'primary', handler: copyHandler, scheduled: false },
  { name: 'verify-db-snapshots', role: 'secondary', handler: verifyHandler, scheduled: false },
  { name: 'check-db-anomalies', role: 'primary', handler: anomaliesHandler, scheduled: false },
];

export function startDrill(options: DrillOptions): Drill {
  const { injectSql } = options;
  const isRedisFault = (f: DrillOptions['fault']): f is RedisFault => f !== null && f.startsWith('redis-');
  const isMediaFault = (f: DrillOptions['fault']): f is MediaFault => f !== null && f.startsWith('media-');
  const isConfigFault = (f: DrillOptions['fault']): f is ConfigFault => f !== null && f.startsWith('config-');
  const fault: Fault | null = isRedisFault(options.fault) || isMediaFault(options.fault) || isConfigFault(options.fault) ? null : options.fault;
  const configFault: ConfigFault | null = isConfigFault(options.fault) ? options.fault : null;
  const redisFault: RedisFault | null = isRedisFault(options.fault) ? options.fault : null;
  const mediaFault: MediaFault | null = isMediaFault(options.fault) ? options.fault : null;
  // The run's PostgreSQL, databases and stand-ins; from cleanup on, the run says nothing more.
  const sandbox = new DrillSandbox(options.print);
  const { s3, secrets, ssm, alerts, signal } = sandbox;
  const print = sandbox.say;
  let redisDrill: RedisDrill | null = null;
  // The Redis servers go once the PostgreSQL server is dealt with.
  sandbox.onCleanup('stop the Redis servers', async () => (await redisDrill?.cleanup()) ?? [], 'last');

  const run = async (): Promise<DrillResult> => {
    const policy = drillPolicy();
    const db = policy.resources.databases[0]!;
    const primary = policy.regions.primary;
    const subject = [fault === null ? '' : ` with the fault "${fault}"`, injectSql.length === 0 ? '' : ` with ${injectSql.length} injected SQL statement${injectSql.length === 1 ? '' : 's'}`].join('');
    print(`backup-dr drill — restore test of ${db.name} on a local sandbox${subject}`);
    print(`Databases of this run: ${sandbox.prefix}* (all dropped at the end)`);

    const stale = fault === 'stale-data' || fault === 'future-data';
    // metrics: the handlers' EMF records taken off stdout into CloudWatch, where the daily checklist reads them.
    const { pg, production: sourceDb, rows, plane: dataPlane, cloudwatch, useRuntime } = await sandbox.open({ policy, dataPlane: { fault, injectSql }, newestAgeMs: stale ? 2 * 3_600_000 : 60_000, futureOrderAheadMs: fault === 'future-data' ? DAY : undefined, metrics: true });
    const note = fault === 'future-data' ? ' (newest order 2 h old, and one dated a day ahead)' : stale ? ' (newest order 2 h old)' : '';
    print(`Sample production database ${sourceDb}: ${rows.customers} customers, ${rows.orders} orders${note}, ${rows.auditLog} rows in the append-only ${SAMPLE_OBJECTS.appendOnly}`);
    print(`  also: sequence ${SAMPLE_OBJECTS.sequences.join(', ')}; view ${SAMPLE_OBJECTS.views.join(', ')}; materialized view ${SAMPLE_OBJECTS.materializedViews.join(', ')}; functions ${SAMPLE_OBJECTS.functions.join(', ')}; triggers ${SAMPLE_OBJECTS.triggers.join(', ')}`);
    print(`  extension ${SAMPLE_OBJECTS.extensions.join(', ')}; grants ${SAMPLE_OBJECTS.grants.join(', ')}`);

    /** What made the drill fail besides the restore test: a pipeline step that threw. */
    const stepFailures: string[] = [];
    const backup = async (scheduledAt: number, title: string) => {
      print('');
      print(`${title} (real handlers; RDS, S3, KMS, Secrets Manager sandboxed)`);
      const scheduledTime = new Date(scheduledAt).toISOString();
      for (const step of PIPELINE) {
        if (step.name === 'capture-db-manifest' && fault === 'no-manifest') {
          print(`  - ${pad(step.name, 22)} ${pad('', 9)} not run (--break no-manifest): no manifest for this snapshot`);
          continue;
        }
        signal.throwIfAborted();
        useRuntime(step.role);
        const started = Date.now();
        const event =
          step.scheduled === 'snapshot-created'
            ? { source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', detail: { EventID: RDS_EVENT.manualSnapshotCreated, SourceIdentifier: snapshotId(db.name, scheduledAt, policy.timezone) } }
            : step.scheduled
              ? { resources: [db.name], scheduledTime }
              : {};
        try {
          const result = await step.handler(event as never, lambdaContext(step.name, { region: policy.regions[step.role] }));
          const what = step.scheduled === 'snapshot-created' ? `after the snapshot: ${summarise(step.name, result)}` : step.name === 'capture-db-manifest' ? `before the snapshot, then requested it: ${summarise(step.name, result)}` : summarise(step.name, result);
          print(`  ✓ ${pad(step.name, 22)} ${pad(seconds(Date.now() - started), 9)} ${what}`);
        } catch (error) {
          signal.throwIfAborted();
          stepFailures.push(`${step.name} (${errorName(error)})`);
          print(`  ✗ ${pad(step.name, 22)} ${pad(seconds(Date.now() - started), 9)} ${errorName(error)}: ${errorMessage(error)}`);
        }
      }
    };

    const today = Math.floor(Date.now() / 60_000) * 60_000;
    if (fault === 'mass-delete') {
      await backup(today - DAY, `Backup pipeline — yesterday's run, scheduled ${new Date(today - DAY).toISOString()}`);
      const deleted = await withClient(pg, sourceDb, (c) => c.query(MASS_DELETE.sql));
      print('');
      print(`Between the two backups (--break mass-delete): the application deletes ${deleted.rowCount ?? 0} of ${rows.orders} rows of ${MASS_DELETE.table} in the source (${Math.round(((deleted.rowCount ?? 0) / rows.orders) * 100)} %)`);
      await backup(today, `Backup pipeline — today's run, scheduled ${new Date(today).toISOString()}`);
    } else {
      await backup(today, 'Backup pipeline');
    }

    if (fault === 'manifest-denied') {
      s3.denyReads(REPORT_PREFIX.manifests);
      print(`  ! reads of ${REPORT_PREFIX.manifests} are denied from now on (--break manifest-denied)`);
    }

    print('');
    print('Restore test (state-machines/rds/restore-test.asl.json as the restore-test state machine, run locally with aws-local-stepfunctions)');
    signal.throwIfAborted();
    useRuntime('primary');
    // Each state as it is entered, with the time since the execution started: what happens inside it (a
    // fault, an injected statement) is printed beneath it, as it happens.
    let started: number | null = null;
    const execution = await runLocally(
      restoreTestDefinition('snapshot', policy),
      { resource: db.name, snapshot: 'latest', region: 'primary' },
      {
        restoreTestPlan: asTask('restoreTestPlan', planHandler),
        restoreTestRestore: asTask('restoreTestRestore', restoreHandler),
        restoreTestStatus: asTask('restoreTestStatus', statusHandler),
        validateRestore: asTask('validateRestore', validateHandler),
        restoreTestTeardown: asTask('restoreTestTeardown', teardownHandler),
        restoreTestRecord: asTask('restoreTestRecord', recordHandler),
        restoreTestNotify: asTask('restoreTestNotify', notifyHandler),
      },
      {
        onState: (name) => {
          started ??= Date.now();
          print(`  ${`+${seconds(Date.now() - started)}`.padStart(9)}  ${name}`);
        },
      },
    );
    print(`  → execution ${execution.status}${execution.error === undefined ? '' : ` (${execution.error.name})`} in ${seconds(Date.now() - (started ?? Date.now()))}`);
    signal.throwIfAborted();

    // A server that went away explains whatever failed after it: no verdict on the backup.
    const unhealthy = await pg.health();
    if (unhealthy !== null) throw new DrillError(unhealthy);
    // The team's SQL failed: the restore was marked failed, so nothing was validated — no verdict to give.
    const failedSql = dataPlane.injectionFailure();
    if (failedSql !== null) {
      throw new DrillError(
        `--inject-sql #${failedSql.index} failed on the restored database: ${failedSql.message}. ` +
          'Nothing was validated (the drill marked the restore failed, and the state machine tore it down); fix the statement and run the drill again.',
      );
    }

    const evidence = readJson<Evidence>(s3.objects().find((o) => o.key.startsWith(REPORT_PREFIX.evidence))?.body);
    const reportKey = evidence?.validation?.reportKey;
    const report = reportKey === undefined ? null : readJson<{ checks: { name: string; status: string; detail: string }[]; warnings: string[] }>(s3.read(REPORTS_BUCKET, reportKey));
    const checks = report?.checks ?? [];
    print('');
    print(reportKey === undefined ? 'Checks' : `Checks (full validation report: s3://${REPORTS_BUCKET}/${reportKey})`);
    for (const check of checks) print(`  ${MARK[check.status] ?? '?'} ${pad(check.name, 40)} ${check.detail}`);
    if (checks.length === 0) print('  (no checks ran)');
    for (const warning of report?.warnings ?? []) print(`  ⚠ ${warning}`);
    const verdict = evidence?.verdict ?? null;
    print('');
    print('Objectives');
    const minutes = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
    if (verdict !== null) {
      print(`  RTO ${verdict.rtoMs === null ? 'not measured' : minutes(verdict.rtoMs)} (target ${minutes(verdict.rtoTargetMs)})${verdict.rtoMs !== null && verdict.rtoMs <= verdict.rtoTargetMs ? ' ✓' : ''}`);
      print(`  RPO ${verdict.rpoMs === null ? 'not measured' : minutes(verdict.rpoMs)} (target ${minutes(verdict.rpoTargetMs)})${verdict.rpoMs !== null && verdict.rpoMs <= verdict.rpoTargetMs ? ' ✓' : ''}`);
      print(`  Evidence: s3://${REPORTS_BUCKET}/${verdict.evidenceKey ?? '(not written)'}`);
      print('');
      print(`Outcome of the restore test: ${verdict.outcome.toUpperCase()}`);
      for (const failure of verdict.failures) print(`  ✗ ${failure}`);
      for (const reason of verdict.inconclusive) print(`  ? ${reason}`);
    }
    const instanceId = evidence?.restored?.instanceId;
    const leftover = instanceId !== undefined && dataPlane.databaseOf(primary, instanceId) !== undefined;
    if (leftover) print(`The restored instance ${instanceId} was not deleted.`);

    print('');
    const shown = alerts.filter((a) => a.severity !== 'info');
    if (shown.length === 0) print('Alert: none would be sent');
    for (const alert of shown) {
      print('Alert that would be sent to the alerts topic:');
      for (const line of alertText(alert, policy.timezone).split('\n')) print(`  | ${line}`);
    }

    // Only a succeeded execution with a passed verdict, nothing left behind and a quiet backup pipeline passes.
    const restoreOutcome: Outcome = leftover || verdict === null ? 'failed' : execution.status === 'SUCCEEDED' ? verdict.outcome : verdict.outcome === 'passed' ? 'failed' : verdict.outcome;
    const pipelineAlerts = alerts.filter((a) => PIPELINE.some((step) => step.name === a.source) && a.severity !== 'info');
    const outcome = [restoreOutcome, ...pipelineAlerts.map((a): Outcome => (a.severity === 'critical' ? 'failed' : 'inconclusive')), ...stepFailures.map((): Outcome => 'failed')].reduce(worse);
    const dbCaughtBy = outcome === 'passed' ? [] : culprits({ outcome, restoreOutcome, checks, verdict, leftover, executionError: execution.error?.name, pipelineAlerts, stepFailures });
    print('');
    print(`Database outcome: ${outcome.toUpperCase()}${dbCaughtBy.length === 0 ? '' : ` (${dbCaughtBy.join(', ')})`}`);

    // The cache: its own pipeline and restore test; its alerts are printed with its outcome.
    const seen = alerts.length;
    redisDrill = new RedisDrill({ policy, stage: STAGE, account: ACCOUNT, reportsBucket: REPORTS_BUCKET, s3, fault: redisFault, injectRedis: options.injectRedis, alerts, useRuntime, print, signal: signal });
    let redis: Awaited<ReturnType<RedisDrill['run']>>;
    try {
      redis = await redisDrill.run();
    } catch (error) {
      signal.throwIfAborted();
      if (error instanceof Error && error.name === 'RedisInjectionFailed') throw new DrillError(error.message);
      throw error;
    }
    for (const alert of alerts.slice(seen).filter((a) => a.severity !== 'info')) {
      print('Alert that would be sent to the alerts topic:');
      for (const line of alertText(alert, policy.timezone).split('\n')) print(`  | ${line}`);
    }
    const media = await runMediaDrill({ policy, s3, fault: mediaFault, alerts, useRuntime, print, signal: signal });
    const config = await runConfigDrill({ policy, stage: STAGE, account: ACCOUNT, s3, secrets, ssm, fault: configFault, alerts, useRuntime, print, signal: signal });
    // Every alert of the run as the Slack notifier would post it (to a local webhook), repeats folded.
    await runSlackDrill({ policy, stage: STAGE, reportsBucket: REPORTS_BUCKET, secrets, alerts: alerts.filter((a) => a.severity !== 'info'), print });
    // The next morning: the daily checklist from what this run published and wrote.
    signal.throwIfAborted();
    const checklist = await runChecklistDrill({ policy, reportsBucket: REPORTS_BUCKET, cloudwatch: cloudwatch!, secrets, useRuntime, print });
    const redisOutcome: Outcome | null = 'skipped' in redis ? null : redis.outcome;
    const overall = worse(worse(worse(redisOutcome === null ? outcome : worse(outcome, redisOutcome), media.outcome), config.outcome), checklist.caughtBy.length === 0 ? 'passed' : 'failed');
    const caughtBy = [...dbCaughtBy, ...('skipped' in redis ? [] : redis.caughtBy), ...media.caughtBy, ...config.caughtBy, ...checklist.caughtBy];
    print('');
    print(`Outcome: ${overall.toUpperCase()}${caughtBy.length === 0 ? '' : ` (${caughtBy.join(', ')})`}${'skipped' in redis ? ' — Redis skipped' : ''}`);
    return { passed: overall === 'passed', outcome: overall, redis: 'skipped' in redis ? { skipped: redis.skipped } : redis.outcome, caughtBy, verdict, alerts };
  };

  const done = Promise.race([run(), sandbox.lost]);
  // A cleanup that interrupts the run makes it reject: main.ts owns that path; the rejection is not news.
  done.catch(() => undefined);
  return { done, cleanup: () => sandbox.cleanup(), serverTrouble: () => sandbox.serverTrouble() };
}

/** The names that made the outcome what it is, most specific first, without repeats. */
function culprits(input: {
  outcome: Outcome;
  restoreOutcome: Outcome;
  checks: readonly { name: string; status: string }[];
  verdict: Verdict | null;
  leftover: boolean;
  executionError: string | undefined;
  pipelineAlerts: readonly Alert[];
  stepFailures: readonly string[];
}): string[] {
  const names: string[] = [];
  if (input.restoreOutcome !== 'passed') {
    const status = input.restoreOutcome === 'failed' ? 'failed' : 'inconclusive';
    names.push(...input.checks.filter((c) => c.status === status).map((c) => c.name));
    // A step's own failure ("RestoreFailed: …") rather than a check's ("check x failed: …").
    const reasons = input.verdict === null ? [] : status === 'failed' ? input.verdict.failures : input.verdict.inconclusive;
    for (const reason of reasons) {
      const named = /^([A-Z][A-Za-z]+):/.exec(reason)?.[1];
      if (named !== undefined) names.push(named);
    }
    if (input.leftover) names.push('teardown (the restored instance was left behind)');
    if (names.length === 0 && input.executionError !== undefined) names.push(input.executionError);
    if (names.length === 0 && input.verdict === null) names.push('the restore test (no verdict was recorded)');
  }
  names.push(...input.pipelineAlerts.map((a) => `${a.kind} (${a.source})`), ...input.stepFailures);
  return [...new Set(names)];
}

/** How the drill prints a check's status. */
const MARK: Readonly<Record<string, string>> = { passed: '✓', failed: '✗', inconclusive: '?', skipped: '-' };

/** What the drill reads of the evidence record. */
interface Evidence {
  readonly restored: { readonly instanceId: string } | null;
  readonly validation: { readonly reportKey: string } | null;
  readonly verdict: Verdict;
}

function readJson<T>(text: string | undefined): T | null {
  return text === undefined ? null : (JSON.parse(text) as T);
}

function summarise(name: string, result: unknown): string {
  const r = result as Record<string, unknown>;
  if (name === 'capture-db-manifest') return String((r.captured as { key: string }[] | undefined)?.[0]?.key ?? '');
  if (name === 'take-db-snapshot') return String((r.outcomes as { snapshotId: string; status: string }[] | undefined)?.map((o) => `${o.snapshotId} (${o.status})`).join(', ') ?? '');
  if (name === 'copy-db-snapshots') return `${(r.started as string[] | undefined)?.length ?? 0} copy started`;
  if (name === 'verify-db-snapshots') return `${(r.verified as string[] | undefined)?.length ?? 0} copy verified`;
  if (name === 'check-db-anomalies') {
    const judged = (r.judged as { snapshotId: string; previousId: string | null; anomalies: { detail: string }[]; quarantined: number }[] | undefined) ?? [];
    if (judged.length === 0) return 'no pair of consecutive manifests to compare yet';
    return judged
      .map((j) => `${j.snapshotId} against ${j.previousId ?? '(none)'}: ${j.anomalies.length === 0 ? 'no anomaly' : `${j.anomalies.map((a) => a.detail).join('; ')} — ${j.quarantined} earlier snapshot(s) quarantined`}`)
      .join(' | ');
  }
  return '';
}
