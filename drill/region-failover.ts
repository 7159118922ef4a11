// `npm run drill -- --scenario region-failover` and `--scenario rehearsal`: the region-failover state
// machine (state-machines/platform/region-failover.asl.json) run locally (aws-local-stepfunctions) with
// the real handlers of every step, on the drill's sandbox with two "regions" of real PostgreSQL databases:
// the primary's production database, and in the secondary what RDS restores there (each restore a real
// copy); and, when redis-server is on PATH, the policy's cache: a private "production" redis-server behind
// the ElastiCache stand-in, whose group seeded in the secondary is a second redis-server started on the
// replicated export's RDB (drill/redis.ts). Before the run: last night's backup verified (snapshot copied to the secondary), the automated
// backups replicated to the secondary (replicate-db-backups), the configuration backed up and its bundle
// replicated, the cache's snapshot exported, replicated and verified in both Regions (the real Redis
// pipeline), the secondary's parameters (maintenance mode, the database and cache endpoints) as the
// application reads them there.
//
// region-failover: the primary Region is lost — its last transaction logs shipped at T0, a few orders
// written after that never reach the secondary, then it stops answering. The failover is auto-approved:
// request-approval records the request and alerts, and the real answer-approval handler answers it as an
// approver (the function URL's IAM principal), sending the task token back through the Step Functions
// stand-in. The database comes up from the replicated backups at their latest restorable time (T0), is
// validated, the cache is seeded from its verified export and validated (validate-cache-restore), the
// configuration is restored by the nested restore-configuration execution, the endpoint parameters
// switched, maintenance mode on and off. The drill proves the recovered database holds every order up to
// T0 and none written after, the recovered cache every key of its snapshot and none written after, the
// endpoints point at them, and prints the timeline and RTO/RPO.
//
// rehearsal ({"mode": "rehearsal"}): production stays up; the drill proves nothing in "production" was
// touched — no SSM parameter written (maintenance mode, endpoint), no Route 53 call, no secret written, the
// production database's and cache's content fingerprints the same before and after — and that the
// rehearsal's temporary instance (and its database) and bdr-rh-* cache group (and its redis-server) are gone.

import { Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { connect } from 'node:net';
import { stringify } from 'yaml';
import { handler as answerApprovalHandler } from '../functions/platform/answer-approval/handler.js';
import { handler as checkEndpointChangeHandler } from '../functions/platform/check-endpoint-change/handler.js';
import { handler as assessHandler } from '../functions/platform/failover-assess/handler.js';
import { handler as notifyHandler } from '../functions/platform/failover-notify/handler.js';
import { handler as progressHandler } from '../functions/platform/failover-progress/handler.js';
import { handler as reportHandler } from '../functions/platform/failover-report/handler.js';
import { handler as requestApprovalHandler } from '../functions/platform/request-approval/handler.js';
import { handler as maintenanceHandler } from '../functions/platform/set-maintenance-mode/handler.js';
import { handler as switchEndpointHandler } from '../functions/platform/switch-endpoint/handler.js';
import { handler as backupConfigHandler } from '../functions/config/back-up-configuration/handler.js';
import { handler as configApplyHandler } from '../functions/config/config-restore-apply/handler.js';
import { handler as configNotifyHandler } from '../functions/config/config-restore-notify/handler.js';
import { handler as configPlanHandler } from '../functions/config/config-restore-plan/handler.js';
import { handler as configRecordHandler } from '../functions/config/config-restore-record/handler.js';
import { handler as configRestoreHandler } from '../functions/config/failover-config-restore/handler.js';
import { handler as dbRestoreHandler } from '../functions/rds/failover-db-restore/handler.js';
import { handler as dbStatusHandler } from '../functions/rds/failover-db-status/handler.js';
import { handler as replicateHandler } from '../functions/rds/replicate-db-backups/handler.js';
import { handler as teardownHandler } from '../functions/rds/restore-test-teardown/handler.js';
import { handler as validateHandler } from '../functions/rds/validate-restore/handler.js';
import { handler as cacheStatusHandler } from '../functions/redis/cache-restore-test-status/handler.js';
import { handler as cacheTeardownHandler } from '../functions/redis/cache-restore-test-teardown/handler.js';
import { handler as cacheSeedHandler } from '../functions/redis/failover-cache-seed/handler.js';
import { handler as validateCacheHandler } from '../functions/redis/validate-cache-restore/handler.js';
import { SfnStandIn } from '../sandbox/aws/sfn-standin.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { asTask, runLocally, type LocalStateEvent, type LocalTask } from '../sandbox/step-functions/asl.js';
import { alertText } from '../shared/alerts/alert.js';
import { configBucketName, configBundleKey, ENV, REPORT_PREFIX, TAG } from '../shared/contracts.js';
import { errorMessage, errorName } from '../shared/errors.js';
import { parsePolicy } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import { runRecordPrefix, RUNBOOK, stepName } from '../shared/platform/failover-run.js';
import { configRestoreDefinition } from '../state-machines/config/restore-configuration.js';
import { regionFailoverDefinition } from '../state-machines/platform/region-failover.js';
import { SAMPLE_CONFIGURATION } from './config.js';
import type { PostgresServer } from './postgres.js';
import { cacheFingerprint, pointCacheAtSandbox, RedisDrill, redisServerMissing, type CacheBackup } from './redis.js';
import { ACCOUNT, backUpDatabase, DrillSandbox, policyDocument, REPORTS_BUCKET, SECRET, seconds, STAGE, type Role } from './sandbox.js';
import { copyDatabase, quote, withClient } from './sample-data.js';

export type FailoverScenario = 'region-failover' | 'rehearsal';

export interface FailoverDrillResult {
  readonly passed: boolean;
  /** What went wrong, when it did not pass. */
  readonly problems: readonly string[];
  /** The evidence's overall RTO and RPO (null: no evidence written). */
  readonly rtoMs: number | null;
  readonly rpoMs: number | null;
  readonly outcome: string | null;
}

export interface FailoverDrill {
  readonly done: Promise<FailoverDrillResult>;
  cleanup(): Promise<string[]>;
  serverTrouble(): Promise<string | null>;
}

/** The principal the drill answers the approval as: one of recovery.approvers, as IAM would authenticate it. */
export const DRILL_APPROVER = `arn:aws:sts::${ACCOUNT}:assumed-role/dr-approver/backup-dr-drill`;
/** Orders written in the primary after its last shipped transaction logs: a failover loses exactly these. */
export const LOST_ORDERS = 25;
/** Where the application in the primary finds its database: what the secondary's endpoint parameter reads before the switch. */
const PRIMARY_HOST = 'app-db-prod.c1drill.ap-northeast-1.rds.amazonaws.com';
/** Keys written to the primary's cache after its last export: a failover loses exactly these. */
export const LOST_KEYS = 10;
/** Where the application in the primary finds its cache: what the secondary's cache endpoint parameter reads before the switch. */
const PRIMARY_CACHE_HOST = 'app-redis-prod.c1drill.ng.0001.apne1.cache.amazonaws.com:6379';

/** Whether something accepts connections on 127.0.0.1:port (a seeded server not stopped). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The content fingerprint of the Redis server at host:port (a switched endpoint), read with a client of its own. */
async function fingerprintAt(host: string, port: number): Promise<Awaited<ReturnType<typeof cacheFingerprint>>> {
  const client = new Redis({ host, port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await cacheFingerprint(client);
  } finally {
    client.disconnect();
  }
}

/**
 * The team's policy pointed at the sandbox: every credentials secret is the drill's master secret (in both
 * Regions), the database validated is the instance's own, replication of the automated backups enforced
 * (replicate-db-backups starts it); the caches a local redis-server without TLS or AUTH (pointCacheAtSandbox).
 * Without redis-server (`withCaches` false) no cache fails over: caches[].failover is left out and the
 * Caches branch stays empty.
 */
export function failoverDrillPolicy(withCaches: boolean): Policy {
  type Doc = {
    resources: {
      databases: { restoreTest: Record<string, unknown> & { secondary?: Record<string, unknown> }; automatedBackups?: Record<string, unknown>; failover?: Record<string, unknown> }[];
      caches?: { failover?: unknown; validation: Record<string, unknown> }[];
    };
  };
  const doc = policyDocument<Doc>();
  const db = doc.resources.databases[0];
  if (db === undefined) throw new Error('backup-policy.yml protects no database: nothing to fail over');
  delete db.restoreTest.database;
  db.restoreTest.credentialsSecret = SECRET;
  if (db.restoreTest.secondary !== undefined) db.restoreTest.secondary.credentialsSecret = SECRET;
  if (db.failover === undefined) throw new Error('backup-policy.yml: the first database has no failover section: region-failover does not bring it up');
  db.failover.credentialsSecret = SECRET;
  db.automatedBackups = { ...db.automatedBackups, replicateToSecondary: true, enforce: true };
  for (const cache of doc.resources.caches ?? []) {
    if (withCaches) pointCacheAtSandbox(cache);
    else delete cache.failover;
  }
  return parsePolicy(stringify(doc), 'backup-policy.yml (drill)');
}

/** Every user table's rows hashed, by table: equal fingerprints, equal contents. */
export async function fingerprint(pg: PostgresServer, database: string): Promise<Record<string, string>> {
  return withClient(pg, database, async (c) => {
    const tables = (await c.query<{ s: string; t: string }>("select schemaname as s, tablename as t from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2")).rows;
    const out: Record<string, string> = {};
    for (const { s, t } of tables) {
      out[`${s}.${t}`] = (await c.query<{ d: string }>(`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as d from ${quote(s)}.${quote(t)} x`)).rows[0]?.d ?? '';
    }
    return out;
  });
}

const orderCount = (pg: PostgresServer, database: string) => withClient(pg, database, async (c) => Number((await c.query<{ n: string }>('select count(*)::text as n from public.orders')).rows[0]?.n));
const minutes = (ms: number | null) => (ms === null ? 'not measured' : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
const within = (ms: number | null, target: number) => (ms === null ? '?' : ms <= target ? '✓' : '✗ OVER');

/** One state of the timeline: when it was entered (since the execution began), how long it took, how it ended. */
interface TimelineEntry {
  readonly name: string;
  readonly start: number;
  end: number | null;
  retries: number;
  error?: string;
}

function timeline(): { record: (prefix: string) => (event: LocalStateEvent) => void; entries: TimelineEntry[] } {
  const entries: TimelineEntry[] = [];
  const open = new Map<string, TimelineEntry[]>();
  const record = (prefix: string) => (event: LocalStateEvent) => {
    const name = `${prefix}${event.name}`;
    if (event.type === 'StateEntered') {
      const entry: TimelineEntry = { name, start: event.timestamp, end: null, retries: 0 };
      entries.push(entry);
      open.set(name, [...(open.get(name) ?? []), entry]);
      return;
    }
    const entry = open.get(name)?.[0];
    if (entry === undefined) return;
    // A failure the state retries is not its end: StateRetried follows, then StateExited (or a last StateFailed).
    if (event.type === 'StateRetried') {
      entry.retries += 1;
      delete entry.error;
      entry.end = null;
    } else if (event.type === 'StateFailed') {
      entry.end = event.timestamp;
      if (event.error !== undefined) entry.error = event.error;
    } else {
      entry.end = event.timestamp;
      delete entry.error;
      open.get(name)?.shift();
    }
  };
  return { record, entries };
}

export function startFailoverDrill(scenario: FailoverScenario, print: (line: string) => void): FailoverDrill {
  const sandbox = new DrillSandbox(print);
  const say = sandbox.say;
  const sfn = new SfnStandIn();
  const route53Calls: string[] = [];
  let route53: { restore(): void } | null = null;
  sandbox.onCleanup('restore the Step Functions and Route 53 stand-ins', async () => {
    // A nested execution still running is waited for (it is local work on the sandbox), then the stubs go.
    await Promise.race([sfn.settled(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    sfn.restore();
    route53?.restore();
  });
  const rehearsal = scenario === 'rehearsal';

  const run = async (): Promise<FailoverDrillResult> => {
    // "Redis when available": without redis-server the caches stay out of the drill's policy, said so.
    const redisMissing = redisServerMissing();
    const policy = failoverDrillPolicy(redisMissing === null);
    const db = policy.resources.databases[0]!;
    const configuration = policy.resources.configuration[0];
    const cache = policy.resources.caches.find((c) => c.failover !== undefined);
    const { primary, secondary } = policy.regions;
    const names = [db.name, cache?.name, configuration?.name].filter((n) => n !== undefined);
    const subjects = `${names.slice(0, -1).join(', ')}${names.length > 1 ? ' and ' : ''}${names.at(-1) ?? ''}`;
    say(
      rehearsal
        ? `backup-dr drill — the monthly region-failover rehearsal of ${subjects} in ${secondary}: nothing in production may change`
        : `backup-dr drill — region failover of ${subjects} from ${primary} to ${secondary}, auto-approved`,
    );
    say(`Databases of this run: ${sandbox.prefix}* (all dropped at the end)`);
    if (redisMissing !== null && policy.resources.caches.length > 0) {
      say(`Redis: SKIPPED — ${redisMissing}: the drill's policy leaves caches[].failover out, so ${policy.resources.caches.map((c) => c.name).join(', ')} do${policy.resources.caches.length === 1 ? 'es' : ''} not fail over; install redis-server to fail the cache over too.`);
    }
    // Replication of the automated backups starts at once and trails by nothing: the restore point is the last log shipped.
    const { pg, databases, production, rows, plane, rds, useRuntime } = await sandbox.open({ policy, metrics: true, rds: { replicationStartMinutes: 0, replicationLagMinutes: 0, restorableLagMinutes: 0 } });
    say(`Sample production database ${production} (${primary}): ${rows.customers} customers, ${rows.orders} orders, ${rows.auditLog} rows in public.audit_log`);
    const { s3, secrets, ssm } = sandbox;
    secrets.put(secondary, SECRET, { username: pg.user, password: pg.password });
    sfn.install();
    const r53 = mockClient(Route53Client);
    r53.onAnyCommand().callsFake((input: unknown) => {
      route53Calls.push(JSON.stringify(input).slice(0, 200));
      throw Object.assign(new Error('the drill has no Route 53: the policy switches endpoints in SSM'), { name: 'AccessDeniedException' });
    });
    route53 = r53;

    // What the application reads in each Region: maintenance mode and where the database is.
    const maintenance = policy.recovery?.maintenanceMode;
    const endpointParameter = db.endpoint?.ssmParameter;
    const cacheParameter = cache?.endpoint?.ssmParameter;
    for (const region of [primary, secondary]) {
      if (maintenance !== undefined) ssm.put(region, maintenance.parameter, maintenance.off);
      if (endpointParameter !== undefined) ssm.put(region, endpointParameter, PRIMARY_HOST);
      if (cacheParameter !== undefined) ssm.put(region, cacheParameter, PRIMARY_CACHE_HOST);
    }

    await backUpDatabase(sandbox, policy, useRuntime);
    const step = async (name: string, role: Role, work: () => Promise<string>) => {
      sandbox.signal.throwIfAborted();
      useRuntime(role);
      const started = Date.now();
      const what = await work();
      say(`  ✓ ${name.padEnd(22)} ${seconds(Date.now() - started).padEnd(9)} ${what}`);
    };
    await step('replicate-db-backups', 'primary', async () => {
      const { outcomes } = await replicateHandler({}, lambdaContext('replicate-db-backups', { region: primary }));
      const failed = outcomes.filter((o) => o.outcome === 'failed');
      if (failed.length > 0) throw new Error(`replicate-db-backups failed: ${failed.map((o) => `${o.resource}: ${o.detail}`).join('; ')}`);
      return outcomes.map((o) => `${o.resource}: ${o.outcome} (${o.detail})`).join(', ');
    });

    // The configuration: backed up in the primary, its bundle replicated; the secrets replicated by Secrets Manager.
    const secondaryConfigBucket = configBucketName(STAGE, ACCOUNT, secondary);
    const stateMachineArn = `arn:aws:states:${secondary}:${ACCOUNT}:stateMachine:backup-dr-${STAGE}-restore-configuration`;
    if (configuration !== undefined) {
      const primaryConfigBucket = configBucketName(STAGE, ACCOUNT, primary);
      process.env[ENV.configBucket] = primaryConfigBucket;
      process.env[ENV.peerConfigBucket] = secondaryConfigBucket;
      process.env[ENV.configKey] = `arn:aws:kms:${primary}:${ACCOUNT}:key/drill-config-key`;
      for (const p of SAMPLE_CONFIGURATION.parameters) ssm.put(primary, p.name, p.value, p.type);
      for (const s of SAMPLE_CONFIGURATION.secrets) for (const region of [primary, secondary]) secrets.put(region, s.name, s.value);
      await step('back-up-configuration', 'primary', async () => {
        const { outcomes } = await backupConfigHandler({ resources: [configuration.name] }, lambdaContext('back-up-configuration', { region: primary }));
        return outcomes.map((o) => (o.status === 'failed' ? `${o.resource}: failed (${o.error})` : `${o.resource}: ${o.status}, ${o.parameters} parameters and ${o.secrets} secrets`)).join('; ');
      });
      const copied = s3.replicate(primaryConfigBucket, secondaryConfigBucket, 'config/');
      say(`  ✓ ${'S3 replication'.padEnd(22)} ${seconds(0).padEnd(9)} ${copied.length} bundle version(s) of ${configBundleKey(configuration.name)} to ${secondaryConfigBucket}`);
      // The secondary's restore-configuration machine reads the replica (CONFIG_BUCKET is the bucket of the Region it runs in).
      process.env[ENV.configBucket] = secondaryConfigBucket;
      process.env[ENV.configRestoreStateMachine] = stateMachineArn;
    }

    // The cache: production behind the ElastiCache stand-in, its snapshot exported, replicated and verified (drill/redis.ts).
    let redis: CacheBackup | null = null;
    if (cache !== undefined) {
      const redisDrill = new RedisDrill({ policy, stage: STAGE, account: ACCOUNT, reportsBucket: REPORTS_BUCKET, s3, fault: null, injectRedis: [], alerts: sandbox.alerts, useRuntime, print: say, signal: sandbox.signal });
      sandbox.onCleanup('stop the Redis servers', () => redisDrill.cleanup());
      say('');
      const seeds = rehearsal ? `a temporary bdr-rh-* group in ${secondary}` : `${cache.failover?.replicationGroupId ?? cache.replicationGroupId} in ${secondary}`;
      redis = await redisDrill.backUp(`Cache ${cache.name} (${primary}): backed up with the real handlers; the failover seeds ${seeds} from the replicated export`);
      if (redis.stepFailures.length > 0) throw new Error(`the Redis pipeline failed: ${redis.stepFailures.join(', ')}`);
      // failover-assess and failover-cache-seed read the secondary's export bucket (the replica).
      process.env[ENV.exportBucket] = redis.buckets.secondary;
    }

    // The nested restore-configuration executions, run from their ASL file with the real handlers.
    const clock = timeline();
    sfn.register(stateMachineArn, (input, execution) =>
      runLocally(
        configRestoreDefinition(),
        input,
        {
          configRestorePlan: asTask('config-restore-plan', configPlanHandler),
          configRestoreApply: asTask('config-restore-apply', configApplyHandler),
          configRestoreRecord: asTask('config-restore-record', configRecordHandler),
          configRestoreNotify: asTask('config-restore-notify', configNotifyHandler),
        },
        { executionName: execution.name, region: execution.region, onStateEvent: clock.record('  restore-configuration › ') },
      ),
    );

    // Before the run: what production holds, what the secondary's parameters and secrets are.
    const writesBefore = ssm.writes().length;
    const secretVersions = () => [primary, secondary].flatMap((region) => SAMPLE_CONFIGURATION.secrets.map((s) => secrets.versions(region, s.name).length)).join(',');
    const secretsBefore = secretVersions();
    const prints = await fingerprint(pg, production);
    /** Production's cache as its export holds it (nothing writes to it between the snapshot and now). */
    const cacheAtExport = redis === null ? null : await cacheFingerprint(redis.client);
    let restorePoint: number | null = null;
    let ordersAtRestorePoint: number | null = null;
    if (!rehearsal) {
      say('');
      say(`The disaster: ${primary} is lost`);
      // What the replicated automated backups hold: production as of its last shipped transaction logs.
      const frozen = databases.name('replicated');
      await databases.create(frozen, () => copyDatabase(pg, production, frozen));
      plane.bind(primary, db.instanceId, frozen);
      restorePoint = Date.now();
      ordersAtRestorePoint = await orderCount(pg, frozen);
      say(`  ${new Date(restorePoint).toISOString()}  the last transaction logs of ${db.instanceId} reach ${secondary} (${ordersAtRestorePoint} orders)`);
      const lost = await withClient(pg, production, (c) =>
        c.query(`insert into public.orders (customer_id, total_cents, created_at) select (select min(id) from public.customers), 100 + g, now() from generate_series(1, ${LOST_ORDERS}) g`),
      );
      say(`  ${new Date().toISOString()}  ${lost.rowCount ?? 0} more orders written in ${primary}: their logs never ship`);
      if (redis !== null && cache !== undefined) {
        const batch = redis.client.pipeline();
        for (let i = 0; i < LOST_KEYS; i++) batch.set(`cart:after-export:${i}`, `written after the last export ${i}`);
        await batch.exec();
        say(`  ${new Date().toISOString()}  ${LOST_KEYS} more keys written to ${cache.replicationGroupId} in ${primary}: no export holds them`);
      }
      rds.faults.isolateRegion(primary, restorePoint);
      say(`  ${new Date().toISOString()}  ${primary} stops answering (every RDS call there times out)`);
    }

    say('');
    const input = rehearsal ? { mode: 'rehearsal' } : {};
    const executionName = `drill-${rehearsal ? 'rehearsal' : 'failover'}-${Date.now().toString(36)}`;
    say(`region-failover (state-machines/platform/region-failover.asl.json, run locally with aws-local-stepfunctions in ${secondary}): ${JSON.stringify(input)}`);
    useRuntime('secondary');
    const called: Record<string, number> = {};
    const counted = (name: string, task: LocalTask): LocalTask => async (i) => {
      called[name] = (called[name] ?? 0) + 1;
      return task(i);
    };
    const approvals: string[] = [];
    const requestApproval: LocalTask = async (payload) => {
      // request-approval records the request (with the task token) and alerts the approvers; the execution waits.
      const { token, execution } = payload as { token: string; execution: string };
      const answered = sfn.waitForTask(token);
      await requestApprovalHandler(payload, lambdaContext('request-approval', { region: secondary }));
      // An approver answers through the function URL (AWS_IAM): answer-approval sends the token back.
      const response = (await answerApprovalHandler(
        {
          body: JSON.stringify({ execution, decision: 'approve', reason: 'backup-dr drill: auto-approved' }),
          isBase64Encoded: false,
          requestContext: { http: { method: 'POST' }, authorizer: { iam: { userArn: DRILL_APPROVER } } },
        },
        lambdaContext('answer-approval', { region: secondary }),
      )) as { statusCode: number; body: string };
      const body = JSON.parse(response.body) as { outcome: string; message: string };
      approvals.push(`${response.statusCode} ${body.outcome}: ${body.message}`);
      if (response.statusCode !== 200) throw Object.assign(new Error(`answer-approval answered ${response.statusCode}: ${body.message}`), { name: 'ApprovalNotDelivered' });
      const answer = await answered;
      if (answer.kind === 'failure') throw Object.assign(new Error(answer.cause), { name: answer.error });
      return answer.output;
    };
    const configRestoreTask = asTask('failover-config-restore', configRestoreHandler);
    const configRestore: LocalTask = async (i) => {
      try {
        return await configRestoreTask(i);
      } catch (error) {
        // Step Functions asks again after IntervalSeconds; here, once the nested execution has ended (or a moment has passed).
        if (errorName(error) === 'ConfigRestoreNotReady') await Promise.race([sfn.settled(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
        throw error;
      }
    };
    const started = Date.now();
    const execution = await runLocally(
      regionFailoverDefinition(policy),
      input,
      {
        failoverAssess: asTask('failover-assess', assessHandler),
        requestApproval: counted('request-approval', requestApproval),
        failoverProgress: asTask('failover-progress', progressHandler),
        setMaintenanceMode: counted('set-maintenance-mode', asTask('set-maintenance-mode', maintenanceHandler)),
        failoverDbRestore: asTask('failover-db-restore', dbRestoreHandler),
        failoverDbStatus: asTask('failover-db-status', dbStatusHandler),
        validateRestore: asTask('validate-restore', validateHandler),
        failoverConfigRestore: configRestore,
        switchEndpoint: counted('switch-endpoint', asTask('switch-endpoint', switchEndpointHandler)),
        checkEndpointChange: counted('check-endpoint-change', asTask('check-endpoint-change', checkEndpointChangeHandler)),
        restoreTestTeardown: asTask('restore-test-teardown', teardownHandler),
        failoverCacheSeed: asTask('failover-cache-seed', cacheSeedHandler),
        // The state machine asks again every minute; here the next ask waits for the seeded server to be up.
        cacheRestoreTestStatus: async (i) => {
          await redis?.standIn.settled();
          return asTask('cache-restore-test-status', cacheStatusHandler)(i);
        },
        validateCacheRestore: asTask('validate-cache-restore', validateCacheHandler),
        cacheRestoreTestTeardown: async (i) => {
          const result = await asTask('cache-restore-test-teardown', cacheTeardownHandler)(i);
          await redis?.standIn.settled();
          return result;
        },
        failoverReport: asTask('failover-report', reportHandler),
        failoverNotify: asTask('failover-notify', notifyHandler),
      },
      { executionName, region: secondary, onStateEvent: clock.record('') },
    );
    await sfn.settled();
    const elapsed = Date.now() - started;
    say(`  → execution ${execution.status}${execution.error === undefined ? '' : ` (${execution.error.name}: ${execution.error.message.slice(0, 300)})`} in ${seconds(elapsed)}`);
    const unhealthy = await pg.health();
    if (unhealthy !== null) throw new Error(unhealthy);

    say('');
    say('Timeline (state, start after the execution began, duration)');
    const entries = [...clock.entries].sort((a, b) => a.start - b.start);
    const origin = entries[0]?.start ?? started;
    for (const e of entries) {
      const took = e.end === null ? 'unfinished' : seconds(e.end - e.start);
      say(`  ${`+${seconds(e.start - origin)}`.padStart(10)}  ${took.padStart(10)}  ${e.name}${e.retries > 0 ? ` (asked again ${e.retries}×)` : ''}${e.error === undefined ? '' : ` ✗ ${e.error}`}`);
    }
    for (const line of approvals) say(`  approval: ${line}`);

    const problems: string[] = [];
    if (execution.status !== 'SUCCEEDED') problems.push(`the execution ${execution.status.toLowerCase()}: ${execution.error?.name ?? ''}`);

    // RTO and RPO per component, from the evidence report (databases) and the run record (configurations).
    type Evidence = { runId: string; startedAt: string; rtoMs: number; rtoTargetMs: number; rpoMs: number | null; rpoTargetMs: number; outcome: string; teardown: string | null; misses: string[]; components: { resource: string; method: string; instanceId: string; restorePoint: string; validation: string; validationReport: string | null; rtoMs: number | null; rtoTargetMs: number; rpoMs: number | null; rpoTargetMs: number }[] };
    const evidenceObject = s3.objects().find((o) => o.key.startsWith(`${REPORT_PREFIX.evidence}${RUNBOOK}/`) && o.key.endsWith(`/${executionName}.json`));
    const evidence = evidenceObject === undefined ? null : (JSON.parse(evidenceObject.body) as Evidence);
    say('');
    say(evidenceObject === undefined ? 'RTO / RPO: no evidence was written' : `RTO / RPO per component (evidence: s3://${evidenceObject.bucket}/${evidenceObject.key})`);
    if (evidence !== null) {
      for (const c of evidence.components) {
        say(`  ${c.resource.padEnd(12)} ${c.method.padEnd(8)} into ${c.instanceId}, restore point ${c.restorePoint}, validation ${c.validation}`);
        say(`  ${''.padEnd(12)} RTO ${minutes(c.rtoMs)} (target ${minutes(c.rtoTargetMs)}) ${within(c.rtoMs, c.rtoTargetMs)}   RPO ${minutes(c.rpoMs)} (target ${minutes(c.rpoTargetMs)}) ${within(c.rpoMs, c.rpoTargetMs)}`);
      }
      if (configuration !== undefined) {
        const record = s3.objects().find((o) => o.key.startsWith(`${runRecordPrefix(executionName)}configuration-`));
        const doneAt = record === undefined ? null : (JSON.parse(record.body) as { doneAt: number }).doneAt;
        const bundle = s3.object(secondaryConfigBucket, configBundleKey(configuration.name));
        const capturedAt = bundle === undefined ? null : bundle.lastModified;
        const rto = doneAt === null ? null : doneAt - Date.parse(evidence.startedAt);
        const rpo = capturedAt === null ? null : Math.max(0, Date.parse(evidence.startedAt) - capturedAt);
        const target = policy.objectives.regionFailover;
        say(`  ${configuration.name.padEnd(12)} ${(rehearsal ? 'dry run' : 'restore').padEnd(8)} the newest bundle (replica in ${secondary}) by restore-configuration`);
        say(`  ${''.padEnd(12)} RTO ${minutes(rto)} (target ${minutes(target.rto)}) ${within(rto, target.rto)}   RPO ${minutes(rpo)} — the bundle's age (target ${minutes(target.rpo)}) ${within(rpo, target.rpo)}`);
      }
      say(`  overall      RTO ${minutes(evidence.rtoMs)} (objectives.regionFailover ${minutes(evidence.rtoTargetMs)}) ${within(evidence.rtoMs, evidence.rtoTargetMs)}   RPO ${minutes(evidence.rpoMs)} (target ${minutes(evidence.rpoTargetMs)}) ${within(evidence.rpoMs, evidence.rpoTargetMs)} — ${evidence.outcome.toUpperCase()}`);
      for (const miss of evidence.misses) say(`  ✗ ${miss}`);
      if (evidence.outcome !== 'met') problems.push(`objectives ${evidence.outcome}: ${evidence.misses.join('; ')}`);
    } else problems.push('no evidence report was written');

    const check = (ok: boolean, yes: string, no: string) => {
      say(`  ${ok ? '✓' : '✗'} ${ok ? yes : no}`);
      if (!ok) problems.push(no);
    };
    const parameterWrites = ssm.writes().slice(writesBefore);
    const instanceOf = (c: Evidence['components'][number] | undefined) => rds.instances(secondary).find((i) => i.id === c?.instanceId);
    const cacheComponent = evidence?.components.find((c) => c.resource === cache?.name);
    // Where the seeded group answered, as the run recorded it ("Record cache").
    const cacheRecord = cache === undefined ? undefined : s3.objects().find((o) => o.key === `${runRecordPrefix(executionName)}${stepName.cache(cache.name)}.json`);
    const seededAt = cacheRecord === undefined ? undefined : (JSON.parse(cacheRecord.body) as { result?: { group?: { host: string; port: number } } }).result?.group;
    say('');
    if (rehearsal) {
      say('Production untouched');
      check(parameterWrites.length === 0, 'no SSM parameter written (maintenance mode, endpoints, configuration) in either Region', `SSM parameters written: ${parameterWrites.map((w) => `${w.region} ${w.name}`).join(', ')}`);
      check(route53Calls.length === 0, 'no Route 53 call', `${route53Calls.length} Route 53 call(s)`);
      check(called['set-maintenance-mode'] === undefined && called['switch-endpoint'] === undefined && called['request-approval'] === undefined, 'no approval asked, no maintenance mode, no endpoint switched', `steps a rehearsal must not run ran: ${JSON.stringify(called)}`);
      check(secretVersions() === secretsBefore, 'no secret written', 'a secret was written');
      const nested = sfn.executions();
      check(nested.length > 0 && nested.every((e) => (JSON.parse(e.input) as { dryRun?: boolean }).dryRun === true), `the configuration proven by a dry run (${nested.map((e) => `${e.name} ${e.status}`).join(', ')})`, 'the configuration restore was not a dry run');
      const after = await fingerprint(pg, production);
      const changed = Object.keys({ ...prints, ...after }).filter((t) => prints[t] !== after[t]);
      check(changed.length === 0, `production's ${Object.keys(prints).length} tables have the same content fingerprint before and after`, `production tables changed: ${changed.join(', ')}`);
      const temporary = evidence?.components.filter((c) => c.resource === db.name).map((c) => c.instanceId) ?? [];
      const leftInstances = rds.instances(secondary).filter((i) => temporary.includes(i.id) && i.status !== 'deleting');
      const leftDatabases = temporary.filter((id) => plane.databaseOf(secondary, id) !== undefined);
      check(temporary.length > 0 && leftInstances.length === 0 && leftDatabases.length === 0, `the rehearsal's temporary instance${temporary.length === 1 ? '' : 's'} ${temporary.join(', ')} gone (teardown: ${evidence?.teardown ?? '?'})`, `left behind: ${[...leftInstances.map((i) => i.id), ...leftDatabases].join(', ') || 'no rehearsal instance was made'}`);
      if (redis !== null && cache !== undefined && cacheAtExport !== null) {
        const group = cacheComponent?.instanceId;
        check(group?.startsWith('bdr-rh-') === true && cacheComponent?.validation === 'passed', `${group ?? '?'} seeded in ${secondary} from the verified export and validated by validate-cache-restore: passed`, `the rehearsal's cache group: ${group ?? 'none was seeded'}, validation ${cacheComponent?.validation ?? 'not run'}`);
        const left = redis.standIn.groups().filter((g) => g.id === group && g.status !== 'deleting');
        const running = group !== undefined && redis.plane.running().includes(group);
        const answering = seededAt !== undefined && (await listening(seededAt.port));
        check(
          group !== undefined && seededAt !== undefined && left.length === 0 && !running && !answering,
          `the rehearsal's cache group ${group ?? '?'} deleted and its redis-server (127.0.0.1:${seededAt?.port ?? '?'}) stopped`,
          `the rehearsal's cache group ${group ?? '?'} left behind: ${[...left.map((g) => `${g.id} ${g.status}`), running ? 'its redis-server still running' : '', answering ? `127.0.0.1:${seededAt?.port ?? '?'} still answers` : '', seededAt === undefined ? 'no record of where it answered' : ''].filter((x) => x !== '').join(', ')}`,
        );
        const after = await cacheFingerprint(redis.client);
        check(after.digest === cacheAtExport.digest, `production's cache ${cache.replicationGroupId}: its ${after.keys} keys have the same content fingerprint before and after`, `production's cache ${cache.replicationGroupId} changed: ${cacheAtExport.keys} keys before, ${after.keys} after, fingerprints differ`);
      }
    } else {
      say('After the failover');
      const component = evidence?.components.find((c) => c.resource === db.name);
      const instance = instanceOf(component);
      const recovered = component === undefined ? undefined : plane.databaseOf(secondary, component.instanceId);
      if (recovered !== undefined && ordersAtRestorePoint !== null) {
        const orders = await orderCount(pg, recovered);
        check(orders === ordersAtRestorePoint, `${component?.instanceId ?? '?'} (database ${recovered}) holds the ${orders} orders shipped before the restore point, not the ${LOST_ORDERS} written after it`, `${component?.instanceId ?? '?'} holds ${orders} orders, ${ordersAtRestorePoint} expected`);
      } else problems.push('no recovered database in the secondary');
      if (component !== undefined && restorePoint !== null) {
        const point = Date.parse(component.restorePoint);
        check(Math.abs(point - restorePoint) < 1000, `restore point ${component.restorePoint}: the last shipped logs`, `restore point ${component.restorePoint}, expected ${new Date(restorePoint).toISOString()}`);
      }
      const expected = instance?.endpoint === null || instance === undefined ? undefined : `${instance.endpoint.address}:${instance.endpoint.port}`;
      if (endpointParameter !== undefined) {
        const now = ssm.current(secondary, endpointParameter);
        check(expected !== undefined && now === expected, `${endpointParameter} (${secondary}) now reads ${now ?? '?'}, the recovered instance (before: ${PRIMARY_HOST})`, `${endpointParameter} reads ${now ?? '(nothing)'}, expected ${expected ?? 'the recovered instance'}`);
      }
      if (maintenance !== undefined) {
        // On before anything moved, off only once the endpoint points at the recovered database — nothing else writes it.
        const history = ssm.history(secondary, maintenance.parameter).slice(1).map((v) => v.value);
        const writes = parameterWrites.filter((w) => w.region === secondary);
        const maintenanceWrites = writes.map((w, i) => (w.name === maintenance.parameter ? i : -1)).filter((i) => i >= 0);
        const endpoints = [endpointParameter, cacheParameter].filter((p) => p !== undefined);
        const switches = writes.map((w, i) => (endpoints.includes(w.name) ? i : -1)).filter((i) => i >= 0);
        const switched = switches.length === 0 ? -1 : Math.max(...switches);
        const inOrder = history.join(',') === `${maintenance.on},${maintenance.off}` && maintenanceWrites.length === 2 && (switches.length === 0 || (maintenanceWrites[0]! < Math.min(...switches) && maintenanceWrites[1]! > switched));
        check(
          inOrder,
          `${maintenance.parameter} (${secondary}): ${maintenance.on} before the recovery, ${maintenance.off} only after the endpoint switch`,
          `${maintenance.parameter} (${secondary}) was written ${history.join(' → ')} at SSM writes #${maintenanceWrites.map((i) => i + 1).join(', #')} (endpoint switch: #${switched + 1}): maintenance mode must stay on until the endpoint is switched`,
        );
      }
      if (configuration !== undefined) {
        const restored = SAMPLE_CONFIGURATION.parameters.filter((p) => ssm.current(secondary, p.name) !== undefined);
        const equal = restored.filter((p) => ssm.current(secondary, p.name) === ssm.current(primary, p.name));
        check(equal.length === SAMPLE_CONFIGURATION.parameters.length, `${configuration.name}: ${equal.length} parameters written in ${secondary} as backed up (values not printed); secrets as replicated`, `${configuration.name}: ${equal.length} of ${SAMPLE_CONFIGURATION.parameters.length} parameters restored as backed up in ${secondary}`);
      }
      check(route53Calls.length === 0, 'no Route 53 call (the policy switches the endpoint in SSM)', `${route53Calls.length} Route 53 call(s)`);
      check(instance?.deletionProtection === true, `${instance?.id ?? '?'} is production now: deletion protection on, tagged as ours`, `${instance?.id ?? '?'} lacks deletion protection`);
      if (redis !== null && cache !== undefined && cacheAtExport !== null) {
        const group = redis.standIn.groups().find((g) => g.region === secondary && g.id === cacheComponent?.instanceId);
        const expectedCache = seededAt === undefined ? undefined : `${seededAt.host}:${seededAt.port}`;
        if (cacheParameter !== undefined) {
          const now = ssm.current(secondary, cacheParameter);
          check(expectedCache !== undefined && now === expectedCache, `${cacheParameter} (${secondary}) now reads ${now ?? '?'}, the seeded ${group?.id ?? '?'} (before: ${PRIMARY_CACHE_HOST})`, `${cacheParameter} reads ${now ?? '(nothing)'}, expected ${expectedCache ?? 'the seeded group'}`);
        }
        // What the application now reads through the switched endpoint: the export's keys, and only those.
        const found = seededAt === undefined ? null : await fingerprintAt(seededAt.host, seededAt.port).catch(() => null);
        check(
          found !== null && found.digest === cacheAtExport.digest,
          `${group?.id ?? '?'} holds the ${found?.keys ?? 0} keys of the export (restore point ${cacheComponent?.restorePoint ?? '?'}), content fingerprint equal to production's then, not the ${LOST_KEYS} written after it`,
          found === null ? `${group?.id ?? 'the seeded group'} could not be read at ${expectedCache ?? '(no recorded endpoint)'}` : `${group?.id ?? '?'} holds ${found.keys} keys whose fingerprint differs from the export's ${cacheAtExport.keys}`,
        );
        const tags = new Map((group?.request.Tags ?? []).map((t) => [t.Key, t.Value]));
        check(
          group?.status === 'available' && tags.get(policy.tags.owner) !== undefined && tags.get(TAG.recovery) === executionName && !tags.has(TAG.restoreTest) && (group.request.SnapshotRetentionLimit ?? 0) > 0,
          `${group?.id ?? '?'} is production now: available, tagged as ours and this run's (no restore-test tag: no teardown or janitor deletes it), daily backups on`,
          `${group?.id ?? 'the seeded group'}: ${group?.status ?? 'missing'}, tags ${JSON.stringify([...tags])}, SnapshotRetentionLimit ${group?.request.SnapshotRetentionLimit ?? 0}`,
        );
      }
    }

    say('');
    const writes = parameterWrites.map((w) => `${w.region} ${w.name} v${w.version}`);
    if (writes.length > 0) say(`SSM writes, in order: ${writes.join('; ')}`);
    const shown = sandbox.alerts.filter((a) => a.severity !== 'info');
    const info = sandbox.alerts.filter((a) => a.severity === 'info');
    say(`Alerts: ${info.length} info (${info.map((a) => a.summary).join(' | ').slice(0, 600)})`);
    for (const alert of shown) {
      say('Alert that would be sent to the alerts topic:');
      for (const line of alertText(alert, policy.timezone).split('\n')) say(`  | ${line}`);
    }
    return { passed: problems.length === 0, problems, rtoMs: evidence?.rtoMs ?? null, rpoMs: evidence?.rpoMs ?? null, outcome: evidence?.outcome ?? null };
  };

  const done = Promise.race([
    run().catch((error: unknown) => {
      throw error instanceof Error ? error : new Error(errorMessage(error));
    }),
    sandbox.lost,
  ]);
  done.catch(() => undefined);
  return { done, cleanup: () => sandbox.cleanup(), serverTrouble: () => sandbox.serverTrouble() };
}
