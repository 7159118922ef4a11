// The drill's Redis part: the real Redis pipeline and the real cache-restore-test state machine against a
// private "production" redis-server filled with a few thousand keys of every type. ElastiCache is the
// stand-in: a snapshot is a real RDB written by BGSAVE, its export that file in the S3 stand-in (copied to
// the secondary's bucket as S3 replication would), and seeding starts a second redis-server on it. The
// restore test runs in the secondary region, from the replicated export: the copy a regional disaster
// leaves. Faults: a truncated export (the RDB integrity check must catch it), keys lost in the restore, a
// seed that fails; and the team's own Redis commands (`--inject-redis`) run on the restored server before
// validation. Everything it starts it stops (cleanup(), also on Ctrl-C).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import type { Redis } from 'ioredis';
import { handler as captureHandler } from '../functions/redis/capture-cache-manifest/handler.js';
import { handler as notifyHandler } from '../functions/redis/cache-restore-test-notify/handler.js';
import { handler as planHandler } from '../functions/redis/cache-restore-test-plan/handler.js';
import { handler as recordHandler } from '../functions/redis/cache-restore-test-record/handler.js';
import { handler as seedHandler } from '../functions/redis/cache-restore-test-seed/handler.js';
import { handler as statusHandler } from '../functions/redis/cache-restore-test-status/handler.js';
import { handler as teardownHandler } from '../functions/redis/cache-restore-test-teardown/handler.js';
import { handler as exportHandler } from '../functions/redis/export-cache-snapshots/handler.js';
import { handler as takeHandler } from '../functions/redis/take-cache-snapshot/handler.js';
import { handler as validateHandler } from '../functions/redis/validate-cache-restore/handler.js';
import { handler as verifyHandler } from '../functions/redis/verify-cache-exports/handler.js';
import { systemClock } from '../sandbox/aws/clock.js';
import { ElastiCacheStandIn } from '../sandbox/aws/elasticache-standin.js';
import { RedisDataPlane } from '../sandbox/aws/redis-data-plane.js';
import type { S3StandIn } from '../sandbox/aws/s3-standin.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import { startRedis, type TestRedis } from '../sandbox/redis-server.js';
import { asTask, runLocally } from '../sandbox/step-functions/asl.js';
import type { Alert } from '../shared/alerts/alert.js';
import { ENV, exportBucketName, REPORT_PREFIX } from '../shared/contracts.js';
import { errorMessage, errorName } from '../shared/errors.js';
import type { CacheResource, Policy } from '../shared/policy/schema.js';
import { observeKey } from '../shared/redis/key-observation.js';
import { keyspaceOf } from '../shared/redis/manifest.js';
import type { CacheOutcome, CacheVerdict } from '../shared/redis/restore-run.js';
import { cacheRestoreTestDefinition } from '../state-machines/redis/restore-test.js';

import type { RedisFault } from './data-plane.js';
import { parseRedisCommand } from './redis-command.js';

type Role = 'primary' | 'secondary';
type Handler = (e: never, c: Context) => Promise<unknown>;

export interface RedisDrillOptions {
  readonly policy: Policy;
  readonly stage: string;
  readonly account: string;
  readonly reportsBucket: string;
  readonly s3: S3StandIn;
  readonly fault: RedisFault | null;
  /** `--inject-redis`: commands, as redis-cli reads them, run in order on the restored server before validation. */
  readonly injectRedis: readonly string[];
  readonly alerts: readonly Alert[];
  readonly useRuntime: (role: Role) => void;
  readonly print: (line: string) => void;
  readonly signal: AbortSignal;
}

export type RedisDrillResult =
  | { readonly skipped: string }
  | { readonly outcome: CacheOutcome; readonly caughtBy: readonly string[]; readonly verdict: CacheVerdict | null };

/** The cache's production and its backup, as backUp() leaves them: everything the restore test or a failover seeds from. */
export interface CacheBackup {
  readonly cache: CacheResource;
  /** The private "production" redis-server, and a client of it. */
  readonly production: TestRedis;
  readonly client: Redis;
  /** Keys written into production. */
  readonly keys: number;
  /** Installed on the SDK; its groups seeded by `plane` (a redis-server each). */
  readonly standIn: ElastiCacheStandIn;
  readonly plane: RedisDataPlane;
  /** The export buckets of the primary and the secondary (the export replicated to the second). */
  readonly buckets: { readonly primary: string; readonly secondary: string };
  /** Pipeline steps that failed ("<name> (<error>)"). */
  readonly stepFailures: readonly string[];
  /** The first `--inject-redis` command that failed on a seeded server, once one did. */
  readonly injection: { failure: string | null };
}

/** A cache of the team's policy as the drill runs it: a local redis-server without TLS or AUTH, whose restore must hold the schema version the application reads. */
export function pointCacheAtSandbox(cache: { validation: Record<string, unknown> }): void {
  delete cache.validation.authSecret;
  Object.assign(cache.validation, { tls: false, requiredKeys: ['config:schema-version'], assertions: [{ name: 'schema version', command: ['GET', 'config:schema-version'], expect: '42' }] });
}

/**
 * Every key of every database, read as the manifest reads a key (type, absolute expiry, size, a hash of
 * the value in canonical form: independent of the server's encodings), hashed together in key order:
 * equal fingerprints, equal contents. With the number of keys.
 */
export async function cacheFingerprint(redis: Redis): Promise<{ keys: number; digest: string }> {
  const digest = createHash('sha256');
  let keys = 0;
  for (const [database] of keyspaceOf(await redis.info('keyspace'))) {
    await redis.select(database);
    const names: Buffer[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scanBuffer(cursor, 'COUNT', 1000);
      cursor = next.toString();
      names.push(...batch);
    } while (cursor !== '0');
    names.sort((a, b) => Buffer.compare(a, b));
    for (const name of names) {
      const seen = await observeKey(redis, name, Number.MAX_SAFE_INTEGER);
      digest.update(`${database}\n${name.toString('base64')}\n${JSON.stringify(seen)}\n`);
    }
    keys += names.length;
  }
  await redis.select(0);
  return { keys, digest: digest.digest('hex') };
}

/** A command of `--inject-redis` that failed: the drill reports it instead of a verdict. */
export class RedisInjectionFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisInjectionFailed';
  }
}

/** Why redis-server cannot run here, or null when it can. */
export function redisServerMissing(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `redis-server is not on PATH (${probe.error?.message ?? probe.stderr.trim()})`;
}

/** A few thousand keys of every type in two logical databases, some expiring; the values the policy checks. */
async function fillProduction(redis: Redis): Promise<number> {
  const batch = redis.pipeline();
  for (let i = 0; i < 1500; i++) {
    if (i % 5 === 0) batch.set(`page:${i}`, `<html>cached page ${i}</html>`, 'EX', 86_400);
    else batch.set(`page:${i}`, `<html>cached page ${i}</html>`);
  }
  for (let i = 0; i < 400; i++) {
    batch.hset(`user:${i}`, { name: `user ${i}`, email: `u${i}@example.com`, plan: i % 3 === 0 ? 'pro' : 'free' });
    batch.rpush(`queue:${i}`, 'a', 'b', String(i));
    batch.sadd(`tags:${i}`, 'red', 'green', String(i));
    batch.zadd(`board:${i}`, 1, 'x', 2, 'y', i, 'z');
  }
  for (let i = 0; i < 100; i++) batch.xadd(`events:${i}`, '*', 'kind', 'login', 'user', String(i));
  batch.set('config:schema-version', '42');
  await batch.exec();
  await redis.select(1);
  const sessions = redis.pipeline();
  for (let i = 0; i < 300; i++) sessions.set(`session:${i}`, `token-${i}`, 'EX', 7 * 86_400);
  await sessions.exec();
  await redis.select(0);
  return 1500 + 4 * 400 + 100 + 1 + 300;
}

/** BGSAVE, waited for (INFO's count of saves moves on), and the RDB it wrote: what an ElastiCache snapshot of the node holds. */
async function bgsave(server: TestRedis, redis: Redis): Promise<Buffer> {
  const saves = async () => {
    const info = await redis.info('persistence');
    return { count: Number(/rdb_saves:(\d+)/.exec(info)?.[1] ?? Number.NaN), busy: /rdb_bgsave_in_progress:1/.test(info), ok: /rdb_last_bgsave_status:ok/.test(info) };
  };
  const before = await saves();
  if (Number.isNaN(before.count)) throw new Error('INFO persistence reports no rdb_saves (redis-server 7 or later is needed)');
  await redis.bgsave();
  for (let waited = 0; waited < 30_000; waited += 20) {
    const now = await saves();
    if (!now.busy && now.count > before.count) {
      if (!now.ok) throw new Error('BGSAVE failed');
      return readFileSync(server.rdbFile);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('BGSAVE did not finish within 30 s');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (text: string, width: number) => text.padEnd(width);
const MARK: Readonly<Record<string, string>> = { pass: '✓', fail: '✗', inconclusive: '?' };

export class RedisDrill {
  readonly #options: RedisDrillOptions;
  #production: TestRedis | null = null;
  #plane: RedisDataPlane | null = null;
  #standIn: ElastiCacheStandIn | null = null;

  constructor(options: RedisDrillOptions) {
    this.#options = options;
  }

  async run(): Promise<RedisDrillResult> {
    const { policy, print, fault, s3, signal } = this.#options;
    const cache = policy.resources.caches[0];
    const missing = redisServerMissing();
    print('');
    if (cache === undefined) return this.#skip('the policy protects no cache');
    if (missing !== null) {
      if (fault !== null || this.#options.injectRedis.length > 0) throw new RedisInjectionFailed(`cannot rehearse ${fault === null ? '--inject-redis' : `--break ${fault}`}: ${missing}`);
      return this.#skip(missing);
    }
    const secondary = policy.regions.secondary;
    const backup = await this.backUp(`Redis — restore test of ${cache.name} on a local sandbox${fault === null ? '' : ` with the fault "${fault}"`}${this.#options.injectRedis.length === 0 ? '' : ` with ${this.#options.injectRedis.length} injected Redis command${this.#options.injectRedis.length === 1 ? '' : 's'}`}`);
    const { standIn, plane, buckets, stepFailures, injection } = backup;

    print('');
    print(`Cache restore test (state-machines/redis/restore-test.asl.json, in ${secondary} from the replicated export, run locally with aws-local-stepfunctions)`);
    signal.throwIfAborted();
    this.#options.useRuntime('secondary');
    process.env[ENV.exportBucket] = buckets.secondary;
    let started: number | null = null;
    const execution = await runLocally(
      cacheRestoreTestDefinition(policy),
      { resource: cache.name, backup: 'latest', region: 'secondary' },
      {
        cacheRestoreTestPlan: asTask('cacheRestoreTestPlan', planHandler),
        cacheRestoreTestSeed: asTask('cacheRestoreTestSeed', seedHandler),
        // The state machine asks again every minute; here the next ask waits for the server to be up.
        cacheRestoreTestStatus: async (input) => {
          await standIn.settled();
          return asTask('cacheRestoreTestStatus', statusHandler)(input);
        },
        validateCacheRestore: asTask('validateCacheRestore', validateHandler),
        cacheRestoreTestTeardown: async (input) => {
          const result = await asTask('cacheRestoreTestTeardown', teardownHandler)(input);
          await standIn.settled();
          return result;
        },
        cacheRestoreTestRecord: asTask('cacheRestoreTestRecord', recordHandler),
        cacheRestoreTestNotify: asTask('cacheRestoreTestNotify', notifyHandler),
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
    if (injection.failure !== null) {
      throw new RedisInjectionFailed(`${injection.failure}. Nothing was judged on it; fix the command and run the drill again.`);
    }

    const evidenceObject = s3.objects().find((o) => o.key.startsWith(`${REPORT_PREFIX.evidence}${cache.name}/`));
    const evidence = evidenceObject === undefined ? null : (JSON.parse(evidenceObject.body) as { verdict: CacheVerdict; validation: { checks: { name: string; status: string; detail: string }[]; reportKey: string } | null; restored: { group: string } | null });
    print('');
    print(evidence?.validation === null || evidence === null ? 'Checks' : `Checks (full validation report: s3://${this.#options.reportsBucket}/${evidence.validation.reportKey})`);
    const checks = evidence?.validation?.checks ?? [];
    for (const check of checks) print(`  ${MARK[check.status] ?? '?'} ${pad(check.name, 20)} ${check.detail}`);
    if (checks.length === 0) print('  (no checks ran)');
    const verdict = evidence?.verdict ?? null;
    const minutes = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
    print('');
    print('Objectives');
    if (verdict !== null) {
      print(`  RTO ${verdict.rtoMs === null ? 'not measured' : minutes(verdict.rtoMs)} (target ${minutes(verdict.rtoTargetMs)})${verdict.rtoMs !== null && verdict.rtoMs <= verdict.rtoTargetMs ? ' ✓' : ''}`);
      print(`  RPO ${verdict.rpoMs === null ? 'not measured' : minutes(verdict.rpoMs)} (target ${minutes(verdict.rpoTargetMs)})${verdict.rpoMs !== null && verdict.rpoMs <= verdict.rpoTargetMs ? ' ✓' : ''}`);
      print(`  Evidence: s3://${this.#options.reportsBucket}/${verdict.evidenceKey ?? '(not written)'}`);
      print('');
      print(`Outcome of the cache restore test: ${verdict.outcome.toUpperCase()}`);
      for (const failure of verdict.failures) print(`  ✗ ${failure}`);
      for (const reason of verdict.inconclusive) print(`  ? ${reason}`);
    }
    const leftover = plane.running();
    if (leftover.length > 0) print(`The temporary group ${leftover.join(', ')} was not deleted.`);

    const pipeline = ['capture-cache-manifest', 'take-cache-snapshot', 'export-cache-snapshots', 'verify-cache-exports'];
    const pipelineAlerts = this.#options.alerts.filter((a) => pipeline.includes(a.source) && a.severity !== 'info');
    const restoreOutcome: CacheOutcome = leftover.length > 0 || verdict === null ? 'failed' : execution.status === 'SUCCEEDED' ? verdict.outcome : verdict.outcome === 'passed' ? 'failed' : verdict.outcome;
    const outcomes: CacheOutcome[] = [restoreOutcome, ...pipelineAlerts.map((a): CacheOutcome => (a.severity === 'critical' ? 'failed' : 'inconclusive')), ...stepFailures.map((): CacheOutcome => 'failed')];
    const outcome: CacheOutcome = outcomes.includes('failed') ? 'failed' : outcomes.includes('inconclusive') ? 'inconclusive' : 'passed';
    const caughtBy: string[] = [];
    if (restoreOutcome !== 'passed') {
      const status = restoreOutcome === 'failed' ? 'fail' : 'inconclusive';
      caughtBy.push(...checks.filter((c) => c.status === status).map((c) => `redis ${c.name}`));
      for (const reason of (restoreOutcome === 'failed' ? verdict?.failures : verdict?.inconclusive) ?? []) {
        const named = /^([A-Z][A-Za-z]+):/.exec(reason)?.[1];
        if (named !== undefined) caughtBy.push(named);
      }
      if (leftover.length > 0) caughtBy.push('teardown (the temporary group was left behind)');
      if (caughtBy.length === 0) caughtBy.push(execution.error?.name ?? 'the cache restore test');
    }
    caughtBy.push(...pipelineAlerts.map((a) => `${a.kind} (${a.source})`), ...stepFailures);
    print('');
    print(`Redis outcome: ${outcome.toUpperCase()}${outcome === 'passed' ? '' : ` (${[...new Set(caughtBy)].join(', ')})`}`);
    return { outcome, caughtBy: [...new Set(caughtBy)], verdict };
  }

  /**
   * The cache's production and its backup, with the real handlers: a private "production" redis-server
   * filled with sample keys behind the ElastiCache stand-in (installed), its manifest captured, a snapshot
   * taken (BGSAVE) and exported, the export replicated to the secondary's bucket and verified in both
   * Regions. A step that fails is reported and counted (stepFailures), not thrown. Needs the policy's first
   * cache and redis-server (redisServerMissing()).
   */
  async backUp(title: string): Promise<CacheBackup> {
    const { policy, print, fault, s3, signal } = this.#options;
    const cache = policy.resources.caches[0];
    if (cache === undefined) throw new Error('the policy protects no cache');
    const primary = policy.regions.primary;
    const secondary = policy.regions.secondary;
    const buckets = { primary: exportBucketName(this.#options.stage, this.#options.account, primary), secondary: exportBucketName(this.#options.stage, this.#options.account, secondary) };

    const production = await startRedis();
    this.#production = production;
    // Stopped while it was starting: cleanup() may have run already, and must not miss it.
    if (signal.aborted) await this.cleanup();
    signal.throwIfAborted();
    const prod = await production.client();
    const keys = await fillProduction(prod);
    print(title);
    print(`Sample production cache ${cache.replicationGroupId}: a private redis-server on 127.0.0.1:${production.port} (in ${production.dir}) with ${keys} keys (strings, hashes, lists, sets, sorted sets, streams; databases 0 and 1; some expiring)`);

    const injection: { failure: string | null } = { failure: null };
    const plane = new RedisDataPlane({
      snapshot: async () => bgsave(production, prod),
      snapshotRdb: (name) => this.#standIn?.snapshotBytes(name),
      // --break redis-seed-fails: the bytes ElastiCache reads to seed are not an RDB redis-server will load.
      objectBytes: (bucket, key) => (fault === 'redis-seed-fails' ? Buffer.from('REDIS0011 damaged in transit') : s3.object(bucket, key)?.bytes),
      afterSeed: async (groupId, restored, server) => {
        print(`             · ${groupId} seeded: a redis-server on 127.0.0.1:${server.port} (in ${server.dir}) loaded the export's RDB`);
        if (fault === 'redis-key-loss') {
          const lost = (await restored.keys('user:*')).filter((_, i) => i % 4 === 0);
          await restored.del(...lost);
          print(`             ! --break redis-key-loss: ${lost.length} of the user:* hashes deleted on ${groupId}`);
        }
        for (const [index, text] of this.#options.injectRedis.entries()) {
          try {
            const [command, ...args] = parseRedisCommand(text);
            const reply = await restored.call(command!, ...args);
            print(`             ! --inject-redis #${index + 1} on ${groupId}: ${text} → ${JSON.stringify(reply)}`);
          } catch (error) {
            injection.failure ??= `--inject-redis #${index + 1} failed on the restored server: ${errorMessage(error)}`;
            print(`             ✗ --inject-redis #${index + 1} on ${groupId}: ${text} → ${errorMessage(error)}`);
          }
        }
      },
    });
    this.#plane = plane;
    const standIn = new ElastiCacheStandIn(systemClock(), {
      seedMs: 0,
      deleteMs: 0,
      dataPlane: plane,
      exportTo: (_region, bucket, key, bytes) => {
        // --break redis-truncated-export: the object ends 60 % of the way through, as an interrupted upload would.
        const written = fault === 'redis-truncated-export' ? bytes.subarray(0, Math.floor(bytes.length * 0.6)) : bytes;
        s3.put(bucket, key, written);
      },
    });
    this.#standIn = standIn;
    standIn.addSourceGroup(primary, cache.replicationGroupId, { host: '127.0.0.1', port: production.port });
    for (const network of [cache.restoreTest, cache.restoreTest?.secondary, cache.failover]) if (network?.subnetGroup !== undefined) standIn.addSubnetGroup(network.subnetGroup);
    standIn.install();

    const stepFailures: string[] = [];
    const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const step = async (name: string, role: Role, handler: Handler, event: unknown, describe: (result: unknown) => string) => {
      signal.throwIfAborted();
      this.#options.useRuntime(role);
      process.env[ENV.exportBucket] = buckets[role];
      process.env[ENV.peerExportBucket] = buckets[role === 'primary' ? 'secondary' : 'primary'];
      const started = Date.now();
      const label = `${name}${role === 'secondary' ? ' (secondary)' : ''}`;
      try {
        const result = await handler(event as never, lambdaContext(name, { region: policy.regions[role] }));
        print(`  ✓ ${pad(label, 34)} ${pad(seconds(Date.now() - started), 9)} ${describe(result)}`);
      } catch (error) {
        signal.throwIfAborted();
        stepFailures.push(`${name} (${errorName(error)})`);
        print(`  ✗ ${pad(label, 34)} ${pad(seconds(Date.now() - started), 9)} ${errorName(error)}: ${errorMessage(error)}`);
      }
    };

    print('');
    print('Redis pipeline (real handlers; ElastiCache and S3 sandboxed: a snapshot is a BGSAVE, an export its RDB in S3)');
    const scheduled = { resources: [cache.name], scheduledTime };
    await step('capture-cache-manifest', 'primary', captureHandler, scheduled, (r) => (r as { outcomes: { key?: string; keys?: number; status: string }[] }).outcomes.map((o) => `${o.key ?? ''} (${o.status}, ${o.keys ?? 0} keys)`).join(', '));
    await step('take-cache-snapshot', 'primary', takeHandler, scheduled, (r) => (r as { outcomes: { snapshotName: string; status: string; source?: string }[] }).outcomes.map((o) => `${o.snapshotName} (${o.status}${o.source === undefined ? '' : `, ${o.source}`}): BGSAVE`).join(', '));
    await standIn.settled();
    const exported = (r: unknown) => {
      const report = r as { requested: string[]; arrived: string[]; waiting: string[] };
      return [report.requested.length > 0 ? `export requested: ${report.requested.join(', ')}` : '', report.arrived.length > 0 ? `arrived (marker written): ${report.arrived.join(', ')}` : '', report.waiting.length > 0 ? `waiting: ${report.waiting.join(', ')}` : '']
        .filter((part) => part !== '')
        .join('; ') || 'nothing to export';
    };
    await step('export-cache-snapshots', 'primary', exportHandler, {}, exported);
    await step('export-cache-snapshots', 'primary', exportHandler, {}, exported);
    // S3 replication with RTC: every new object of the primary's bucket, as it is, into the secondary's.
    const replicated = s3.objects().filter((o) => o.bucket === buckets.primary);
    for (const object of replicated) s3.put(buckets.secondary, object.key, object.bytes);
    print(`  ✓ ${pad('S3 replication (RTC)', 34)} ${pad(seconds(0), 9)} ${replicated.length} objects to ${buckets.secondary}`);
    const verified = (r: unknown) => {
      const report = r as { verified: { key: string; compared: string }[]; waiting: string[] };
      return report.verified.map((v) => `${v.key}: ${v.compared}, RDB CRC64 intact`).join('; ') || `nothing verified (${report.waiting.length} waiting)`;
    };
    await step('verify-cache-exports', 'primary', verifyHandler, {}, verified);
    await step('verify-cache-exports', 'secondary', verifyHandler, {}, verified);
    return { cache, production, client: prod, keys, standIn, plane, buckets, stepFailures, injection };
  }

  #skip(reason: string): RedisDrillResult {
    this.#options.print(`Redis: SKIPPED — ${reason}. The database drill above stands on its own; install redis-server to rehearse the cache too.`);
    return { skipped: reason };
  }

  /** Stops every server it started and takes its stand-in off the SDK; says what it removed. */
  async cleanup(): Promise<string[]> {
    const removed: string[] = [];
    this.#standIn?.restore();
    await this.#standIn?.settled();
    const seeded = this.#plane?.running() ?? [];
    await this.#plane?.stopAll();
    if (seeded.length > 0) removed.push(`stopped the restored Redis server${seeded.length === 1 ? '' : 's'} of ${seeded.join(', ')}`);
    if (this.#production !== null) {
      const { port, dir } = this.#production;
      await this.#production.stop();
      this.#production = null;
      removed.push(`stopped the private production Redis (port ${port}) and removed ${dir}`);
    }
    return removed;
  }
}
