// The Validate step as the state machine runs it — the real validate-restore handler against a real
// PostgreSQL, with S3 and Secrets Manager sandboxed: it reads the manifest from the reports bucket of the
// region it runs in (only "no such key" means none), writes the full report there, and hands the state
// machine a summary that stays far below Step Functions' 256 KB however many tables the database has.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as validateHandler } from '../../../functions/rds/validate-restore/handler.js';
import { S3StandIn } from '../../../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../../../sandbox/aws/secrets-standin.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { ENV, manifestKey } from '../../../shared/contracts.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import type { SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
import type { RestorePlan, ValidationSummary } from '../../../shared/rds/restore-run.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { postgresAvailable, seedProduction, TestDatabases } from '../../helpers/postgres.js';
import { RecordingAlerts, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const BUCKET = { [PRIMARY]: 'backup-dr-reports-test-123456789012-ap-northeast-1', [SECONDARY]: 'backup-dr-reports-test-123456789012-ap-southeast-1' };
const SECRET = 'backup-dr/app-db-master';
const SNAPSHOT = 'backup-dr-app-db-20261125-0200';
const SNAPSHOT_AT = Date.parse('2026-11-24T17:00:00Z');
const RUN = 'bdr-rt-app-db-202611250400';
const STEP_LIMIT = 256 * 1024;

const pgUp = await postgresAvailable();

function planFor(database: string, region = PRIMARY): RestorePlan {
  return {
    runId: RUN,
    kind: 'snapshot',
    resource: 'app-db',
    role: region === PRIMARY ? 'primary' : 'secondary',
    region,
    snapshotId: SNAPSHOT,
    snapshotArn: `arn:aws:rds:${region}:123456789012:snapshot:${SNAPSHOT}`,
    restorePoint: SNAPSHOT_AT,
    sourceInstanceId: 'app-db-prod',
    instanceId: RUN,
    instanceClass: 'db.t4g.micro',
    securityGroups: [],
    database,
    credentialsSecret: SECRET,
    plannedAt: Date.parse('2026-11-25T04:00:00+09:00'),
    waitUntil: Date.parse('2026-11-25T07:00:00+09:00'),
  };
}

describe.skipIf(!pgUp)('the Validate step (validate-restore handler, real PostgreSQL)', () => {
  const databases = new TestDatabases();
  let s3 = new S3StandIn();
  const secrets = new SecretsStandIn();

  function useRuntime(role: 'primary' | 'secondary', validation: Partial<ValidationConfig>) {
    const policy = teamPolicy((doc) => {
      Object.assign(doc.resources.databases[0].validation, validation);
    });
    setRuntime({ stage: 'test', policy, role, region: policy.regions[role], alerts: new RecordingAlerts(), logger, log, metrics, now: () => SNAPSHOT_AT + 3_600_000 });
    process.env[ENV.reportsBucket] = BUCKET[policy.regions[role] as keyof typeof BUCKET];
  }

  async function validateStep(database: string, region = PRIMARY): Promise<ValidationSummary> {
    const connection = databases.connection(database);
    return validateHandler({ plan: planFor(database, region), instance: { address: connection.host, port: connection.port, availableAt: SNAPSHOT_AT + 1_800_000 } }, lambdaContext('validate-restore', { region }));
  }

  beforeAll(() => {
    process.env[ENV.dbTls] = 'off';
    const { user, password } = databases.connection('postgres');
    secrets.put(PRIMARY, SECRET, { username: user, password });
    secrets.put(SECONDARY, SECRET, { username: user, password });
    secrets.install();
  });
  beforeEach(() => {
    s3 = new S3StandIn();
    s3.install();
  });
  afterEach(() => s3.restore());
  afterAll(async () => {
    secrets.restore();
    setRuntime(undefined);
    await databases.dropAll();
  });

  describe('reading the manifest captured with the snapshot', () => {
    let restored = '';
    let manifest: SourceManifest;
    const config: Partial<ValidationConfig> = { rowCounts: { mode: 'captured', tolerance: 0 }, appendOnly: [] };
    beforeAll(async () => {
      const source = await databases.create();
      await seedProduction(databases, source, SNAPSHOT_AT - 120_000);
      manifest = await captureManifest(databases.connection(source), { ...teamPolicy().resources.databases[0]!.validation, ...config }, () => SNAPSHOT_AT);
      restored = await databases.create(source);
    });

    it("reads it from the reports bucket of the region the test runs in (replicated there), and passes", async () => {
      useRuntime('secondary', config);
      s3.put(BUCKET[SECONDARY], manifestKey('app-db', SNAPSHOT), JSON.stringify(manifest));

      const summary = await validateStep(restored, SECONDARY);

      expect(summary.outcome).toBe('passed');
      expect(s3.requests().filter((r) => r.command === 'GetObject')).toEqual([{ command: 'GetObject', region: SECONDARY, bucket: BUCKET[SECONDARY], key: manifestKey('app-db', SNAPSHOT) }]);
    });

    it('is inconclusive when none was captured (S3: NoSuchKey)', async () => {
      useRuntime('primary', config);

      const summary = await validateStep(restored);

      expect(summary.outcome).toBe('inconclusive');
      expect(summary.checks.filter((c) => c.status === 'inconclusive').map((c) => c.name)).toEqual(['schema', 'row-counts', 'content']);
    });

    it('fails the step with ManifestUnreadable when S3 answers AccessDenied (a missing key read without s3:ListBucket)', async () => {
      useRuntime('primary', config);
      s3.withoutListBucket();

      await expect(validateStep(restored)).rejects.toMatchObject({ name: 'ManifestUnreadable', message: expect.stringContaining('AccessDenied') });
      expect(s3.requests().filter((r) => r.command === 'PutObject')).toEqual([]);
    });

    it.each([
      { name: 'is not JSON', body: '{"capturedAt": 1, "tables": ' },
      { name: 'has "tables": null', body: JSON.stringify({ capturedAt: 1, serverVersion: '15', tables: null }) },
    ])('fails the step with ManifestInvalid when the manifest $name', async ({ body }) => {
      useRuntime('primary', config);
      s3.put(BUCKET[PRIMARY], manifestKey('app-db', SNAPSHOT), body);

      await expect(validateStep(restored)).rejects.toMatchObject({ name: 'ManifestInvalid' });
    });

    it('is inconclusive, not "all 0 tables", for a manifest with "tables": {}', async () => {
      useRuntime('primary', config);
      s3.put(BUCKET[PRIMARY], manifestKey('app-db', SNAPSHOT), JSON.stringify({ ...manifest, tables: {} }));

      const summary = await validateStep(restored);

      expect(summary.outcome).toBe('inconclusive');
      expect(summary.checks.find((c) => c.name === 'row-counts')).toMatchObject({ status: 'inconclusive', detail: expect.stringContaining('lists no tables') });
    });
  });

  describe('with 2,000 tables', () => {
    const TABLES = 2_000;
    // Long names (as real schemas have): the per-table details the state would have carried grow with them.
    const table = (i: number) => `customer_ledger_entries_partition_${String(i).padStart(4, '0')}`;
    let restored = '';
    let manifest: SourceManifest;
    let summary: ValidationSummary;
    let report: { checks: { name: string; status: string; detail: string; expected?: unknown; observed?: unknown }[] };
    let reportBytes = 0;
    let requests: ReturnType<S3StandIn['requests']> = [];
    const config: Partial<ValidationConfig> = {
      rowCounts: { mode: 'captured', tolerance: 0 },
      appendOnly: [],
      freshness: { table: `public.${table(1)}`, column: 'created_at' },
      assertions: [],
    };

    beforeAll(async () => {
      const source = await databases.create();
      await databases.run(
        source,
        `do $$ begin
           for i in 1..${TABLES} loop
             execute format('create table public.%I (id integer primary key, created_at timestamptz not null)', 'customer_ledger_entries_partition_' || lpad(i::text, 4, '0'));
             execute format('insert into public.%I select g, %L::timestamptz - g * interval ''1 minute'' from generate_series(1, 3) g', 'customer_ledger_entries_partition_' || lpad(i::text, 4, '0'), '${new Date(SNAPSHOT_AT).toISOString()}');
           end loop;
         end $$`,
      );
      manifest = await captureManifest(databases.connection(source), { ...teamPolicy().resources.databases[0]!.validation, ...config }, () => SNAPSHOT_AT);
      // Half the tables lost a row in the "restore": every one of them must be named in the report.
      restored = await databases.create(source);
      await databases.run(restored, `do $$ begin for i in 1..${TABLES / 2} loop execute format('delete from public.%I where id = 3', 'customer_ledger_entries_partition_' || lpad(i::text, 4, '0')); end loop; end $$`);

      const bucket = new S3StandIn();
      bucket.install();
      try {
        useRuntime('primary', config);
        bucket.put(BUCKET[PRIMARY], manifestKey('app-db', SNAPSHOT), JSON.stringify(manifest));
        summary = await validateStep(restored);
      } finally {
        bucket.restore();
      }
      requests = bucket.requests();
      const stored = bucket.read(BUCKET[PRIMARY], summary.reportKey) ?? '';
      reportBytes = Buffer.byteLength(stored);
      report = JSON.parse(stored) as typeof report;
    }, 180_000);

    it('hands the state machine a summary far below 256 KB', () => {
      const bytes = Buffer.byteLength(JSON.stringify(summary));
      console.info(`[payload] ${TABLES} tables: step output ${bytes} bytes; full report in S3 ${reportBytes} bytes; manifest ${Buffer.byteLength(JSON.stringify(manifest))} bytes`);
      expect(Object.keys(manifest.tables)).toHaveLength(TABLES);
      expect(bytes).toBeLessThan(8 * 1024);
      expect(bytes).toBeLessThan(STEP_LIMIT / 32);
      // What the state used to carry: the whole report, beyond what Step Functions accepts.
      expect(reportBytes).toBeGreaterThan(STEP_LIMIT);
      expect(summary).toMatchObject({ outcome: 'failed', counts: { passed: 4, failed: 2, inconclusive: 0, skipped: 0 }, omittedChecks: 0, reportKey: `validation/app-db/2026/11/${RUN}.json` });
      expect(summary.checks.find((c) => c.name === 'row-counts')?.detail).toMatch(/^1000 of 2000 tables differ from the counts captured at 2026-11-24T17:00:00\.000Z: public\.customer_ledger_entries_partition_0001 expected 3, observed 2; .*…$/);
      expect(summary.checks.find((c) => c.name === 'content')?.detail).toMatch(/^1000 of 2000 tables differ from the content captured at 2026-11-24T17:00:00\.000Z: public\.customer_ledger_entries_partition_0001: 1 of 3 unchanged buckets differ .*…$/);
    });

    it('writes the full report, with every table, to the reports bucket', () => {
      const schema = report.checks.find((c) => c.name === 'schema');
      const counts = report.checks.find((c) => c.name === 'row-counts');
      // Each table: itself, its two columns, its key (constraint and index).
      expect(schema).toMatchObject({ status: 'passed', detail: `all ${TABLES} tables in the manifest exist; the schema matches its fingerprint (${TABLES * 5 + 2} objects)` });
      expect(schema?.expected).toHaveLength(TABLES);
      expect(Object.keys(counts?.expected as object)).toHaveLength(TABLES);
      expect(Object.keys(counts?.observed as object)).toHaveLength(TABLES);
      for (let i = 1; i <= TABLES; i += 1) expect((counts?.observed as Record<string, number>)[`public.${table(i)}`]).toBe(i <= TABLES / 2 ? 2 : 3);
      expect(counts?.detail.split('; ')).toHaveLength(TABLES / 2);
      expect(report.checks.find((c) => c.name === 'amcheck')?.detail).toBe(`bt_index_check passed on all ${TABLES} B-tree indexes in every schema`);
      const content = report.checks.find((c) => c.name === 'content');
      expect((content?.observed as { tables: unknown[] }).tables).toHaveLength(TABLES);
      expect(requests.filter((r) => r.command === 'PutObject')).toEqual([{ command: 'PutObject', region: PRIMARY, bucket: BUCKET[PRIMARY], key: summary.reportKey }]);
    });
  });
});
