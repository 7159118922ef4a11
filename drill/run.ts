// The drill: the real restore-test state machine, run from its ASL file with the real handlers, against
// a local sandbox — RDS answered by the stateful stand-in whose instances are real PostgreSQL
// databases, S3 and SNS and Secrets Manager by in-memory stand-ins. It first runs the real backup
// pipeline (manifest, snapshot, copy, verify) so the restore test has a verified snapshot to restore.

import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { handler as captureHandler } from '../functions/rds/capture-db-manifest/handler.js';
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
import { systemClock } from '../sandbox/aws/clock.js';
import { KmsStandIn } from '../sandbox/aws/kms-standin.js';
import { RdsStandIn } from '../sandbox/aws/rds-standin.js';
import { S3StandIn } from '../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../sandbox/aws/secrets-standin.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { asTask, runLocally } from '../sandbox/step-functions/asl.js';
import { ENV, REPORT_PREFIX, serviceKeyAlias } from '../shared/contracts.js';
import { alertText, type Alert, type AlertSink } from '../shared/alerts/alert.js';
import { parsePolicy } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import type { Outcome, Verdict } from '../shared/rds/restore-run.js';
import { log, logger, metrics, setRuntime } from '../shared/runtime/lambda.js';
import { restoreTestDefinition } from '../state-machines/rds/restore-test.js';
import { pgDataPlane, type Fault } from './data-plane.js';
import { obtainPostgres, type PostgresServer } from './postgres.js';
import { createSampleDatabase, databasesWithPrefix, dropDatabase } from './sample-data.js';

export interface DrillOptions {
  readonly fault: Fault | null;
  readonly print: (line: string) => void;
  /** Registers the cleanup so an interrupt (Ctrl-C) can run it. */
  readonly onCleanup: (cleanup: () => Promise<void>) => void;
}

export interface DrillResult {
  readonly passed: boolean;
  readonly outcome: Outcome;
  readonly verdict: Verdict | null;
  readonly alerts: readonly Alert[];
}

const STAGE = 'drill';
const REPORTS_BUCKET = 'backup-dr-reports-drill';
const SECRET = 'backup-dr/drill-master';
const KEY_ARN = 'arn:aws:kms:ap-southeast-1:123456789012:key/drill-key';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (text: string, width: number) => text.padEnd(width);

/** The team's policy, pointed at the sandbox: the database to validate is the instance's own. */
function drillPolicy(): Policy {
  type DatabaseDoc = { restoreTest: Record<string, unknown>; validation: Record<string, unknown> };
  const doc = parse(readFileSync(new URL('../backup-policy.yml', import.meta.url), 'utf8')) as { resources: { databases: DatabaseDoc[] } };
  const db = doc.resources.databases[0];
  if (db === undefined) throw new Error('backup-policy.yml protects no database: nothing to drill');
  delete db.restoreTest.database;
  db.restoreTest.credentialsSecret = SECRET;
  // Short, so that the validation-timeout fault is caught in seconds.
  db.validation.statementTimeout = '2s';
  return parsePolicy(stringify(doc), 'backup-policy.yml (drill)');
}

export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const { print, fault } = options;
  const runPrefix = `bdr_drill_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}_`;
  const policy = drillPolicy();
  const db = policy.resources.databases[0]!;
  const primary = policy.regions.primary;
  const secondary = policy.regions.secondary;
  print(`backup-dr drill — restore test of ${db.name} on a local sandbox${fault === null ? '' : ` with the fault "${fault}"`}`);

  let server: PostgresServer | null = null;
  const rds = { standIn: null as RdsStandIn | null };
  const s3 = new S3StandIn();
  const secrets = new SecretsStandIn();
  let kms: KmsStandIn | null = null;
  let plane: ReturnType<typeof pgDataPlane> | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    // No new copies; a copy already under way finishes first (a template cannot be dropped mid-copy).
    await plane?.stop();
    await plane?.release();
    if (server !== null) {
      for (const name of await databasesWithPrefix(server, runPrefix).catch(() => [] as string[])) await dropDatabase(server, name).catch(() => undefined);
      await server.stop();
    }
    rds.standIn?.restore();
    s3.restore();
    kms?.restore();
    secrets.restore();
    setRuntime(undefined);
  };
  options.onCleanup(cleanup);

  try {
    server = await obtainPostgres((line) => print(`PostgreSQL: ${line}`));
    const sourceDb = `${runPrefix}app`;
    const now = Date.now();
    const stale = fault === 'stale-data' || fault === 'future-data';
    const rows = await createSampleDatabase(server, sourceDb, now, stale ? 2 * 3_600_000 : 60_000, fault === 'future-data' ? 86_400_000 : undefined);
    const note = fault === 'future-data' ? ' (newest order 2 h old, and one dated a day ahead)' : stale ? ' (newest order 2 h old)' : '';
    print(`Sample production database ${sourceDb}: ${rows.customers} customers, ${rows.orders} orders${note}`);

    plane = pgDataPlane(server, runPrefix, { region: primary, id: db.instanceId, database: sourceDb }, fault);
    const standIn = new RdsStandIn({ clock: systemClock(), snapshotMinutes: 0, copyMinutes: 0, incrementalCopyMinutes: 0, restoreMinutes: 0, deleteMinutes: 0, dataPlane: plane });
    rds.standIn = standIn;
    standIn.install();
    standIn.addInstance(primary, { id: db.instanceId, backupRetentionPeriod: 35, endpoint: { address: server.host, port: server.port }, dbName: sourceDb });
    standIn.addKmsKey(secondary, serviceKeyAlias(STAGE), KEY_ARN);
    s3.install();
    kms = new KmsStandIn(standIn.kmsKeys);
    kms.install();
    secrets.put(primary, SECRET, { username: server.user, password: server.password });
    secrets.install();
    // One region's reports bucket: manifests (replicated there in AWS), validation reports and evidence.
    process.env[ENV.reportsBucket] = REPORTS_BUCKET;
    process.env[ENV.dbTls] = 'off';

    const alerts: Alert[] = [];
    const sink: AlertSink = { publish: async (alert) => void alerts.push(alert) };
    const useRuntime = (role: 'primary' | 'secondary') =>
      setRuntime({ stage: STAGE, policy, role, region: policy.regions[role], alerts: sink, logger, log, metrics, now: () => Date.now() });

    print('');
    print('Backup pipeline (real handlers; RDS, S3, KMS, Secrets Manager sandboxed)');
    const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const pipeline: [string, 'primary' | 'secondary', (e: never, c: Context) => Promise<unknown>, unknown][] = [
      ['capture-db-manifest', 'primary', captureHandler, { resources: [db.name], scheduledTime }],
      ['take-db-snapshot', 'primary', takeHandler, { resources: [db.name], scheduledTime }],
      ['copy-db-snapshots', 'primary', copyHandler, {}],
      ['verify-db-snapshots', 'secondary', verifyHandler, {}],
    ];
    for (const [name, role, handler, event] of pipeline) {
      if (name === 'capture-db-manifest' && fault === 'no-manifest') {
        print(`  - ${pad(name, 22)} ${pad('', 9)} not run (--break no-manifest): no manifest for this snapshot`);
        continue;
      }
      useRuntime(role);
      const started = Date.now();
      const result = await handler(event as never, lambdaContext(name, { region: policy.regions[role] }));
      print(`  ✓ ${pad(name, 22)} ${pad(seconds(Date.now() - started), 9)} ${summarise(name, result)}`);
    }

    if (fault === 'manifest-denied') {
      s3.denyReads(REPORT_PREFIX.manifests);
      print(`  ! reads of ${REPORT_PREFIX.manifests} are denied from now on (--break manifest-denied)`);
    }

    print('');
    print('Restore test (state-machines/rds/restore-test.asl.json as the restore-test state machine, run locally with aws-local-stepfunctions)');
    useRuntime('primary');
    const entered: { name: string; at: number }[] = [];
    const run = await runLocally(
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
      { onState: (name) => entered.push({ name, at: Date.now() }) },
    );
    const end = Date.now();
    entered.forEach((state, i) => print(`  ${pad(state.name, 20)} ${seconds((entered[i + 1]?.at ?? end) - state.at)}`));
    print(`  → execution ${run.status}${run.error === undefined ? '' : ` (${run.error.name})`}`);

    const evidence = readJson<Evidence>(s3.objects().find((o) => o.key.startsWith(REPORT_PREFIX.evidence))?.body);
    const reportKey = evidence?.validation?.reportKey;
    const report = reportKey === undefined ? null : readJson<{ checks: { name: string; status: string; detail: string }[]; warnings: string[] }>(s3.read(REPORTS_BUCKET, reportKey));
    print('');
    print(reportKey === undefined ? 'Checks' : `Checks (full validation report: s3://${REPORTS_BUCKET}/${reportKey})`);
    for (const check of report?.checks ?? []) print(`  ${MARK[check.status] ?? '?'} ${pad(check.name, 40)} ${check.detail}`);
    if ((report?.checks ?? []).length === 0) print('  (no checks ran)');
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
      print(`Outcome: ${verdict.outcome.toUpperCase()}`);
      for (const failure of verdict.failures) print(`  ✗ ${failure}`);
      for (const reason of verdict.inconclusive) print(`  ? ${reason}`);
    }
    print('');
    const restoreAlerts = alerts.filter((a) => a.source === 'restore-test' || a.source === 'pitr-test');
    print(restoreAlerts.length === 0 ? 'Alert: none would be sent (the restore test passed)' : 'Alert that would be sent to the alerts topic:');
    for (const alert of restoreAlerts) for (const line of alertText(alert, policy.timezone).split('\n')) print(`  | ${line}`);
    const instanceId = evidence?.restored?.instanceId;
    const leftover = instanceId !== undefined && plane.databaseOf(primary, instanceId) !== undefined;
    if (leftover) print(`The restored instance ${instanceId} was not deleted.`);
    // Only a succeeded execution with a passed verdict and nothing left behind passes.
    const outcome: Outcome = leftover || verdict === null ? 'failed' : run.status === 'SUCCEEDED' ? verdict.outcome : verdict.outcome === 'passed' ? 'failed' : verdict.outcome;
    const passed = outcome === 'passed';
    print('');
    print(`RESULT: ${outcome.toUpperCase()}${fault === null ? '' : passed ? ` — the fault "${fault}" was NOT caught` : ` — the fault "${fault}" was caught`}`);
    return { passed, outcome, verdict, alerts };
  } finally {
    await cleanup();
  }
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
  return '';
}
