// The sandbox every drill runs on, set up and removed in one place (the restore drill, run.ts, and the
// scenarios: partial-restore.ts, region-failover.ts): the PostgreSQL server (an existing one or a private
// one), the run's databases under one prefix, the sample production database, the data plane that makes
// RDS instances and snapshots real databases, the RDS, S3, KMS, Secrets Manager and SSM stand-ins, the
// alerts the handlers publish, and the runtime the handlers read (setRuntime). cleanup() stops the run
// where it is and removes all of it — once, whoever asks first (the end of the run, Ctrl-C, an error).

import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { handler as captureHandler } from '../functions/rds/capture-db-manifest/handler.js';
import { handler as copyHandler } from '../functions/rds/copy-db-snapshots/handler.js';
import { handler as takeHandler } from '../functions/rds/take-db-snapshot/handler.js';
import { handler as verifyHandler } from '../functions/rds/verify-db-snapshots/handler.js';
import { CloudWatchStandIn } from '../sandbox/aws/cloudwatch-standin.js';
import { interceptEmf } from '../sandbox/aws/emf-stdout.js';
import { KmsStandIn } from '../sandbox/aws/kms-standin.js';
import { RdsStandIn, type RdsStandInOptions } from '../sandbox/aws/rds-standin.js';
import { S3StandIn } from '../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../sandbox/aws/secrets-standin.js';
import { SsmStandIn } from '../sandbox/aws/ssm-standin.js';
import { systemClock } from '../sandbox/aws/clock.js';
import { lambdaContext } from '../sandbox/lambda-context.js';
import type { Alert, AlertSink } from '../shared/alerts/alert.js';
import { ENV, RDS_EVENT, serviceKeyAlias } from '../shared/contracts.js';
import { errorMessage } from '../shared/errors.js';
import type { Policy } from '../shared/policy/schema.js';
import { snapshotId } from '../shared/rds/naming.js';
import { log, logger, metrics, setRuntime } from '../shared/runtime/lambda.js';
import { pgDataPlane, type DataPlaneOptions, type PgDataPlane } from './data-plane.js';
import { obtainPostgres, type PostgresServer } from './postgres.js';
import { RunDatabases } from './run-databases.js';
import { createEmptyDatabase, fillSampleDatabase, type SampleRows } from './sample-data.js';

export const STAGE = 'drill';
export const ACCOUNT = '123456789012';
export const REPORTS_BUCKET = 'backup-dr-reports-drill';
/** The master credentials validation logs in with (the policy's secret names are pointed here). */
export const SECRET = 'backup-dr/drill-master';
export const KEY_ARN = 'arn:aws:kms:ap-southeast-1:123456789012:key/drill-key';

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The drill could not reach a verdict: the run says nothing about the backup (its own exit code, not "caught"). */
export class DrillError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DrillError';
  }
}

/** The team's policy file as a document, for a drill to point at the sandbox before parsing it. */
export function policyDocument<T>(): T {
  return parse(readFileSync(new URL('../backup-policy.yml', import.meta.url), 'utf8')) as T;
}

export type Role = 'primary' | 'secondary';

export interface UseRuntime {
  (role: Role, overrides?: { readonly policy?: Policy; readonly now?: () => number; readonly alerts?: AlertSink }): void;
}

export interface OpenOptions {
  readonly policy: Policy;
  /** The data plane's corruptions (the restore drill's --break and --inject-sql); none by default. */
  readonly dataPlane?: Omit<DataPlaneOptions, 'print'>;
  /** The sample data's newest order this long ago, and one dated this far ahead (the restore drill's faults). */
  readonly newestAgeMs?: number;
  readonly futureOrderAheadMs?: number;
  /** RDS stand-in timings beyond the drill's (everything at once); e.g. replication that starts at once. */
  readonly rds?: Omit<RdsStandInOptions, 'clock' | 'dataPlane'>;
  /** Take the handlers' EMF records off stdout into a CloudWatch stand-in (the daily checklist reads them). */
  readonly metrics?: boolean;
}

/** The sandbox once open: everything a drill works with. */
export interface OpenSandbox {
  readonly pg: PostgresServer;
  readonly databases: RunDatabases;
  /** The sample production database (behind the policy's first database instance, in the primary). */
  readonly production: string;
  readonly rows: SampleRows;
  readonly plane: PgDataPlane;
  readonly rds: RdsStandIn;
  readonly cloudwatch: CloudWatchStandIn | null;
  readonly useRuntime: UseRuntime;
}

export class DrillSandbox {
  /** Every database of the run starts with it (all dropped at the end). */
  readonly prefix = `bdr_drill_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}_`;
  readonly s3 = new S3StandIn();
  readonly secrets = new SecretsStandIn();
  readonly ssm = new SsmStandIn();
  /** What the handlers published to the alerts topic, in order. */
  readonly alerts: Alert[] = [];
  readonly sink: AlertSink = { publish: async (alert) => void this.alerts.push(alert) };
  /** Rejects (DrillError) when the run's private PostgreSQL goes away unasked. */
  readonly lost: Promise<never>;
  readonly #abort = new AbortController();
  readonly #print: (line: string) => void;
  #quiet = false;
  #starting: Promise<PostgresServer> | null = null;
  #server: PostgresServer | null = null;
  #databases: RunDatabases | null = null;
  #plane: PgDataPlane | null = null;
  #rds: RdsStandIn | null = null;
  #kms: KmsStandIn | null = null;
  #cloudwatch: CloudWatchStandIn | null = null;
  #emf: { restore(): void } | null = null;
  /**
   * More to undo at cleanup (a scenario's own stand-ins, servers), run in order: those registered `first`
   * before the databases go, those registered `last` once the PostgreSQL server is dealt with.
   */
  readonly #extra: { what: string; undo: () => Promise<string[] | void>; when: 'first' | 'last' }[] = [];
  #cleaning: Promise<string[]> | null = null;
  #onLost: (error: DrillError) => void = () => undefined;

  constructor(print: (line: string) => void) {
    this.#print = print;
    this.lost = new Promise<never>((_, reject) => (this.#onLost = reject));
    this.lost.catch(() => undefined);
  }

  /** Prints a line of the report, until cleanup starts (from then on the run says nothing more). */
  readonly say = (line: string): void => {
    if (!this.#quiet) this.#print(line);
  };

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /**
   * Something more cleanup must undo; its lines are reported. By default before the run's databases are
   * dropped; `last`: after the PostgreSQL server (its databases, a private one itself) is dealt with.
   */
  onCleanup(what: string, undo: () => Promise<string[] | void>, when: 'first' | 'last' = 'first'): void {
    this.#extra.push({ what, undo, when });
  }

  /**
   * Starts (or finds) PostgreSQL, creates and fills the sample production database, installs the stand-ins
   * with the data plane behind RDS, and points the handlers' environment at the sandbox.
   */
  async open(options: OpenOptions): Promise<OpenSandbox> {
    const { policy } = options;
    const db = policy.resources.databases[0];
    if (db === undefined) throw new DrillError('backup-policy.yml protects no database: nothing to drill');
    const { primary, secondary } = policy.regions;
    this.#starting = obtainPostgres((line) => this.say(`PostgreSQL: ${line}`), this.#abort.signal);
    const pg = await this.#starting;
    this.#server = pg;
    void pg.lost.then((why) => this.#onLost(new DrillError(why)));
    this.#abort.signal.throwIfAborted();
    const databases = new RunDatabases(pg, this.prefix);
    this.#databases = databases;
    const production = `${this.prefix}app`;
    await databases.create(production, () => createEmptyDatabase(pg, production));
    const rows = await fillSampleDatabase(pg, production, Date.now(), options.newestAgeMs ?? 60_000, options.futureOrderAheadMs);

    const plane = pgDataPlane(pg, databases, { region: primary, id: db.instanceId, database: production }, { fault: null, injectSql: [], ...options.dataPlane, print: this.say });
    this.#plane = plane;
    const rds = new RdsStandIn({ clock: systemClock(), snapshotMinutes: 0, copyMinutes: 0, incrementalCopyMinutes: 0, restoreMinutes: 0, deleteMinutes: 0, ...options.rds, dataPlane: plane });
    this.#rds = rds;
    rds.install();
    rds.addInstance(primary, { id: db.instanceId, backupRetentionPeriod: 35, endpoint: { address: pg.host, port: pg.port }, dbName: production });
    rds.addKmsKey(secondary, serviceKeyAlias(STAGE), KEY_ARN);
    this.s3.install();
    this.#kms = new KmsStandIn(rds.kmsKeys);
    this.#kms.install();
    this.secrets.put(primary, SECRET, { username: pg.user, password: pg.password });
    this.secrets.install();
    this.ssm.install();
    // One region's reports bucket: manifests (replicated there in AWS), validation reports, run records and evidence.
    process.env[ENV.reportsBucket] = REPORTS_BUCKET;
    process.env[ENV.dbTls] = 'off';

    /** The Region of the handler running now: where CloudWatch Logs would take its EMF records. */
    let metricsRegion = primary;
    if (options.metrics === true) {
      const cloudwatch = new CloudWatchStandIn();
      this.#cloudwatch = cloudwatch;
      cloudwatch.install();
      this.#emf = interceptEmf(process.stdout, (line) => cloudwatch.ingestEmf(metricsRegion, line));
    }
    const useRuntime: UseRuntime = (role, overrides = {}) => {
      metricsRegion = policy.regions[role];
      setRuntime({ stage: STAGE, policy: overrides.policy ?? policy, role, region: policy.regions[role], alerts: overrides.alerts ?? this.sink, logger, log, metrics, now: overrides.now ?? (() => Date.now()) });
    };
    return { pg, databases, production, rows, plane, rds, cloudwatch: this.#cloudwatch, useRuntime };
  }

  /** Why the run's PostgreSQL is gone or not answering (the real cause of whatever failed after it), or null. */
  async serverTrouble(): Promise<string | null> {
    return this.#server === null ? null : this.#server.health().catch(() => null);
  }

  /**
   * Stops the run where it is and removes what it created: the scenario's own things, its databases, its
   * private server with its directory, the stand-ins. Every caller waits for the same cleanup; resolves
   * with what it removed, rejects with DrillError naming what it could not.
   */
  cleanup(): Promise<string[]> {
    this.#cleaning ??= (async () => {
      this.#quiet = true;
      this.#abort.abort();
      const removed: string[] = [];
      const problems: string[] = [];
      const attempt = async (what: string, work: () => Promise<void>) => {
        try {
          await work();
        } catch (error) {
          problems.push(`${what}: ${errorMessage(error)}`);
        }
      };
      // A server still being started: a private one being made removes itself once aborted.
      const srv = this.#server ?? (this.#starting === null ? null : await this.#starting.catch(() => null));
      const undo = async (when: 'first' | 'last') => {
        for (const extra of this.#extra.filter((e) => e.when === when)) await attempt(extra.what, async () => void removed.push(...((await extra.undo()) ?? [])));
      };
      await undo('first');
      // No new database; a copy under way finishes first (a template cannot be dropped mid-copy).
      await this.#databases?.close();
      await this.#plane?.release();
      const dbs = this.#databases;
      if (srv?.kind === 'local' && dbs !== null) {
        await attempt(`drop the run's databases (${this.prefix}*) on ${srv.host}:${srv.port}`, async () => {
          removed.push(`dropped the run's ${(await dbs.dropAll()).length} databases (${this.prefix}*)`);
        });
      }
      if (srv?.kind === 'private') {
        await attempt(`stop the private PostgreSQL (pid ${srv.pid}) and remove ${srv.dir}`, async () => {
          await srv.stop();
          removed.push(`stopped the private PostgreSQL (pid ${srv.pid}) and removed ${srv.dir}`);
        });
      }
      await undo('last');
      this.#rds?.restore();
      this.s3.restore();
      this.ssm.restore();
      this.#kms?.restore();
      this.secrets.restore();
      this.#emf?.restore();
      this.#cloudwatch?.restore();
      setRuntime(undefined);
      if (problems.length > 0) throw new DrillError(`cleanup incomplete: ${problems.join('; ')}`);
      return removed;
    })();
    return this.#cleaning;
  }
}

/**
 * Last night's backup of the policy's first database, verified, with the real handlers: the scheduled
 * capture-db-manifest captures the "before" manifest and requests the snapshot, RDS's "manual snapshot
 * created" event brings the "after" capture, take-db-snapshot finds the snapshot there, copy-db-snapshots
 * copies it to the secondary, verify-db-snapshots verifies the copy. A step that fails stops the drill.
 */
export async function backUpDatabase(sandbox: DrillSandbox, policy: Policy, useRuntime: UseRuntime): Promise<void> {
  const db = policy.resources.databases[0]!;
  sandbox.say('');
  sandbox.say('Backup pipeline (real handlers; RDS, S3, KMS, Secrets Manager sandboxed)');
  const scheduledAt = Math.floor(Date.now() / 60_000) * 60_000;
  const id = snapshotId(db.name, scheduledAt, policy.timezone);
  type Step = { name: string; role: Role; handler: (e: never, c: Context) => Promise<unknown>; event: unknown };
  const scheduled = { resources: [db.name], scheduledTime: new Date(scheduledAt).toISOString() };
  const steps: Step[] = [
    { name: 'capture-db-manifest', role: 'primary', handler: captureHandler, event: scheduled },
    { name: 'capture-db-manifest', role: 'primary', handler: captureHandler, event: { source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', detail: { EventID: RDS_EVENT.manualSnapshotCreated, SourceIdentifier: id } } },
    { name: 'take-db-snapshot', role: 'primary', handler: takeHandler, event: scheduled },
    { name: 'copy-db-snapshots', role: 'primary', handler: copyHandler, event: {} },
    { name: 'verify-db-snapshots', role: 'secondary', handler: verifyHandler, event: {} },
  ];
  for (const step of steps) {
    sandbox.signal.throwIfAborted();
    useRuntime(step.role);
    const started = Date.now();
    await step.handler(step.event as never, lambdaContext(step.name, { region: policy.regions[step.role] }));
    sandbox.say(`  ✓ ${step.name.padEnd(22)} ${seconds(Date.now() - started)}`);
  }
}
