import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  validateRestore,
  type CheckResult,
  type ConnectionSpec,
  type SourceManifest,
  type ValidationConfig,
  type ValidationReport,
} from '../../../functions/rds/validate-restore/validation.js';
import { loadPolicyFile } from '../../../shared/policy/load.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import { postgresAvailable, SAMPLE, seedProduction, serverConnection, TestDatabases } from '../../helpers/postgres.js';

// The shipped policy's validation of app-db, run against a seeded copy of a small production schema.
const POLICY = loadPolicyFile(fileURLToPath(new URL('../../../backup-policy.yml', import.meta.url)));
const APP_DB = POLICY.resources.databases.find((database) => database.name === 'app-db')!;
// Exact counts: the seeded databases are static (the shipped 0.1 % tolerance is for a busy source).
const VALIDATION: ValidationConfig = { ...APP_DB.validation, rowCounts: { ...APP_DB.validation.rowCounts, tolerance: 0 } };
const RPO = POLICY.objectives.database.rpo;
const ASSERTION = 'assertion:no order without a customer';
const CHECKS = ['connectivity', 'schema', 'row-counts', 'amcheck', 'freshness', ASSERTION];

const NEWEST_ORDER = Date.parse('2026-11-24T16:58:00Z');
const SNAPSHOT_AT = Date.parse('2026-11-24T17:00:00Z');
const AUDIT = `public."${SAMPLE.auditTable.replaceAll('"', '""')}"`;

/** A clock that advances 3 ms each time it is read. */
function tickingClock(start = SNAPSHOT_AT + 3_600_000): () => number {
  let time = start;
  return () => (time += 3);
}

function check(report: ValidationReport, name: string): CheckResult {
  const found = report.checks.find((result) => result.name === name);
  if (found === undefined) throw new Error(`no check named ${name} in ${report.checks.map((result) => result.name).join(', ')}`);
  return found;
}

function statuses(report: ValidationReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((result) => [result.name, result.status]));
}

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('validating a restored PostgreSQL database', () => {
  const databases = new TestDatabases();
  let source = '';
  let manifest: SourceManifest;
  let faithful: ConnectionSpec;

  beforeAll(async () => {
    source = await databases.create();
    await seedProduction(databases, source, NEWEST_ORDER);
    manifest = await captureManifest(databases.connection(source), VALIDATION, () => SNAPSHOT_AT);
    faithful = await restoreOf();
  });
  afterAll(() => databases.dropAll());

  /** A "restore": a copy of the source made with CREATE DATABASE … TEMPLATE, then damaged as told. */
  async function restoreOf(...damage: string[]): Promise<ConnectionSpec> {
    const name = await databases.create(source);
    if (damage.length > 0) await databases.run(name, ...damage);
    return databases.connection(name);
  }

  function validate(connection: ConnectionSpec, overrides: { config?: Partial<ValidationConfig>; manifest?: SourceManifest | null; liveSource?: ConnectionSpec } = {}) {
    return validateRestore({
      connection,
      config: { ...VALIDATION, ...overrides.config },
      manifest: overrides.manifest === undefined ? manifest : overrides.manifest,
      ...(overrides.liveSource === undefined ? {} : { liveSource: overrides.liveSource }),
      referenceTime: SNAPSHOT_AT,
      rpoTargetMs: RPO,
      now: tickingClock(),
    });
  }

  it.each([
    { name: 'a faithful restore passes every check', damage: [], failing: [] as string[], detail: {} },
    {
      name: 'a missing table fails the schema check and its row count',
      damage: [`drop table ${AUDIT}`],
      failing: ['schema', 'row-counts'],
      detail: {
        schema: `1 of 3 tables in the manifest are missing: public.${SAMPLE.auditTable}`,
        'row-counts': `1 of 3 tables differ from the counts captured at 2026-11-24T17:00:00.000Z: public.${SAMPLE.auditTable} expected 25, observed missing`,
      },
    },
    {
      name: 'lost rows fail the row counts',
      damage: ['delete from public.orders where id <= 100'],
      failing: ['row-counts'],
      detail: { 'row-counts': '1 of 3 tables differ from the counts captured at 2026-11-24T17:00:00.000Z: public.orders expected 3000, observed 2900' },
    },
    {
      name: 'stale data (newest order a day before the snapshot) fails freshness',
      damage: [`update public.orders set created_at = created_at - interval '1 day'`],
      failing: ['freshness'],
      detail: { freshness: 'newest data 2026-11-23T16:58:00.000Z is 1442 min before the restore point 2026-11-24T17:00:00.000Z, beyond the RPO target of 15 min' },
    },
    {
      name: 'an order without a customer fails the assertion',
      damage: ['alter table public.orders drop constraint orders_customer_id_fkey', 'update public.orders set customer_id = 999999 where id = 1'],
      failing: [ASSERTION],
      detail: { [ASSERTION]: 'returned "1", expected "0"' },
    },
  ])('$name', async ({ damage, failing, detail }) => {
    const report = await validate(await restoreOf(...damage));

    expect(report.checks.map((result) => result.name)).toEqual(CHECKS);
    expect(statuses(report)).toEqual(Object.fromEntries(CHECKS.map((name) => [name, failing.includes(name) ? 'failed' : 'passed'])));
    for (const [name, text] of Object.entries(detail)) expect(check(report, name).detail).toBe(text);
    expect(report.passed).toBe(failing.length === 0);
  });

  it('reports what a faithful restore showed: version, newest data, timings, indexes checked', async () => {
    const report = await validate(faithful);

    expect(report).toMatchObject({ passed: true, serverVersion: manifest.serverVersion, newestData: NEWEST_ORDER });
    expect(report.finishedAt).toBeGreaterThan(report.startedAt);
    expect(report.checks.every((result) => result.durationMs > 0)).toBe(true);
    expect(check(report, 'connectivity').detail).toMatch(/^connected to postgres@.+\/bdr_test_[0-9a-f]+: PostgreSQL \d+/);
    expect(check(report, 'schema').detail).toBe('all 3 tables in the manifest exist');
    expect(check(report, 'row-counts').detail).toBe('all 3 tables match the counts captured at 2026-11-24T17:00:00.000Z');
    // customers (pkey, email), orders (pkey, customer_id, created_at), the audit table, the unlogged cache.
    expect(check(report, 'amcheck')).toMatchObject({ detail: 'bt_index_check passed on all 7 B-tree indexes in public', observed: { indexesChecked: 7, corrupt: [] } });
    expect(check(report, 'freshness').detail).toBe('newest data 2026-11-24T16:58:00.000Z is 2 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min)');
  });

  it('names the corrupt index and what amcheck found', async () => {
    const report = await validate(
      await restoreOf(
        `create function public.cmp_int(a integer, b integer) returns integer language sql immutable as 'select sign(a - b)::integer'`,
        'create operator class public.int_ops_test for type integer using btree as operator 1 <, operator 2 <=, operator 3 =, operator 4 >=, operator 5 >, function 1 public.cmp_int(integer, integer)',
        'create table public.ledger (n integer not null)',
        'insert into public.ledger select g from generate_series(1, 1000) g',
        'create index ledger_n_idx on public.ledger (n public.int_ops_test)',
        // The index was built in one order; its comparator now says the opposite.
        `create or replace function public.cmp_int(a integer, b integer) returns integer language sql immutable as 'select sign(b - a)::integer'`,
      ),
    );

    expect(statuses(report)).toEqual(Object.fromEntries(CHECKS.map((name) => [name, name === 'amcheck' ? 'failed' : 'passed'])));
    expect(check(report, 'amcheck').detail).toMatch(/^bt_index_check failed on 1 of 8 B-tree indexes: public\.ledger_n_idx: .*invariant violated for index "ledger_n_idx" \(SQLSTATE XX002\)$/);
  });

  describe('checks shaped by the policy', () => {
    it.each([
      {
        name: 'an assertion with bad SQL fails with the error',
        config: { assertions: [{ name: 'bad sql', sql: 'select count(*) from public.no_such_table', expect: 0 }] },
        results: { 'assertion:bad sql': { status: 'failed', detail: 'query failed: relation "public.no_such_table" does not exist (SQLSTATE 42P01)' } },
      },
      {
        name: 'an assertion running past the statement timeout fails',
        config: { statementTimeout: 150, assertions: [{ name: 'slow', sql: 'select pg_sleep(5)', expect: '' }] },
        results: { 'assertion:slow': { status: 'failed', detail: 'query failed: canceling statement due to statement timeout (SQLSTATE 57014)' } },
      },
      {
        name: 'an assertion of several statements is refused',
        config: { assertions: [{ name: 'two', sql: 'select 1; select 2', expect: 1 }] },
        results: { 'assertion:two': { status: 'failed', detail: 'query failed: cannot insert multiple commands into a prepared statement (SQLSTATE 42601)' } },
      },
      {
        name: 'assertions compare booleans, text and NULL as the policy writes them',
        config: {
          assertions: [
            { name: 'has customers', sql: 'select exists (select 1 from public.customers)', expect: true },
            { name: 'customer 7', sql: 'select name from public.customers where id = 7', expect: 'Customer 7' },
            { name: 'revenue', sql: 'select sum(amount) from public.orders', expect: '751470.00' },
            { name: 'nothing', sql: 'select null::integer', expect: null },
            { name: 'first column only', sql: 'select 42 as answer, 43 as other', expect: 42 },
          ],
        },
        results: {
          'assertion:has customers': { status: 'passed', detail: 'returned "true" as expected' },
          'assertion:customer 7': { status: 'passed', detail: 'returned "Customer 7" as expected' },
          'assertion:revenue': { status: 'passed', detail: 'returned "751470.00" as expected' },
          'assertion:nothing': { status: 'passed', detail: 'returned NULL as expected' },
          'assertion:first column only': { status: 'passed', detail: 'returned "42" as expected' },
        },
      },
      {
        name: 'a freshness query that finds nothing fails',
        config: { freshness: { query: 'select max(created_at) from public.orders where false' } },
        results: { freshness: { status: 'failed', detail: 'the freshness query returned NULL: nothing dates the restored data (is the table empty?)' } },
      },
      {
        name: 'a freshness query that returns no timestamp fails',
        config: { freshness: { query: 'select count(*) from public.orders' } },
        results: { freshness: { status: 'failed', detail: 'the freshness query returned "3000" (type oid 20), not a timestamp' } },
      },
      {
        name: 'a timestamp without time zone is read as UTC',
        config: { freshness: { query: "select max(created_at at time zone 'UTC') from public.orders" } },
        results: { freshness: { status: 'passed', detail: 'newest data 2026-11-24T16:58:00.000Z is 2 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min)' } },
      },
      {
        name: 'no freshness query and amcheck turned off are skipped with the reason',
        config: { freshness: undefined, amcheck: false },
        results: {
          freshness: { status: 'skipped', detail: 'no freshness query in the policy' },
          amcheck: { status: 'skipped', detail: 'disabled in the policy (validation.amcheck: false)' },
        },
      },
      {
        name: 'tables named in the policy narrow the schema and row-count checks',
        config: { tables: ['public.customers', `public.${SAMPLE.auditTable}`] },
        results: {
          schema: { status: 'passed', detail: 'all 2 tables named in the policy exist' },
          'row-counts': { status: 'passed', detail: 'all 2 tables match the counts captured at 2026-11-24T17:00:00.000Z' },
        },
      },
      {
        name: 'a table named in the policy but absent fails the schema check',
        config: { tables: ['public.customers', 'public.invoices'] },
        results: { schema: { status: 'failed', detail: '1 of 2 tables named in the policy are missing: public.invoices' } },
      },
      {
        name: 'a tolerance lets captured counts differ a little',
        config: { rowCounts: { mode: 'captured' as const, tolerance: 0.05 } },
        results: { 'row-counts': { status: 'passed', detail: 'all 3 tables match the counts captured at 2026-11-24T17:00:00.000Z within 5 %' } },
      },
    ])('$name', async ({ config, results }) => {
      const report = await validate(faithful, { config });

      for (const [name, expected] of Object.entries(results)) expect(check(report, name)).toMatchObject(expected);
      const failing = report.checks.filter((result) => result.status === 'failed').map((result) => result.name);
      expect(failing).toEqual(Object.entries(results).flatMap(([name, expected]) => (expected.status === 'failed' ? [name] : [])));
      expect(report.passed).toBe(failing.length === 0);
    });

    it('without a manifest or a live source, skips the checks that need one and says why', async () => {
      const report = await validate(faithful, { manifest: null });

      expect(check(report, 'schema')).toMatchObject({ status: 'skipped', detail: 'no list of expected tables: the policy names none, no manifest was captured and no live source was given' });
      expect(check(report, 'row-counts')).toMatchObject({ status: 'skipped', detail: 'row counts are compared with the captured manifest (mode captured), and none was captured with this snapshot' });
      expect(report.passed).toBe(true);
    });
  });

  describe('against the live source (mode live)', () => {
    let live: ConnectionSpec;
    beforeAll(async () => {
      // Production moved on after the snapshot: 20 more orders (0.67 % of 3000).
      live = databases.connection(await databases.create(source));
      await databases.run(live.database, `insert into public.orders select g, 1, 9.99, now() from generate_series(3001, 3020) g`);
    });

    it.each([
      { name: 'counts within the tolerance pass', tolerance: 0.01, status: 'passed', detail: 'all 3 tables match the live source now within 1 %' },
      { name: 'counts beyond the tolerance fail', tolerance: 0.005, status: 'failed', detail: '1 of 3 tables differ from the live source now within 0.5 %: public.orders expected 3020, observed 3000' },
    ])('$name', async ({ tolerance, status, detail }) => {
      const report = await validate(faithful, { config: { rowCounts: { mode: 'live', tolerance } }, liveSource: live });

      expect(check(report, 'row-counts')).toMatchObject({ status, detail, expected: { 'public.orders': 3020 }, observed: { 'public.orders': 3000 } });
      expect(report.passed).toBe(status === 'passed');
    });

    it('takes the expected tables from the live source when no manifest was captured', async () => {
      const report = await validate(faithful, { manifest: null, config: { rowCounts: { mode: 'live', tolerance: 0.01 } }, liveSource: live });

      // The unlogged cache must exist too; only its rows are not compared (crash recovery empties it).
      expect(check(report, 'schema')).toMatchObject({ status: 'passed', detail: 'all 4 tables on the live source exist' });
      expect(check(report, 'row-counts').detail).toBe('all 3 tables match the live source now within 1 %');
      expect(report.passed).toBe(true);
    });

    it('fails the row counts, not the run, when the live source is unreachable', async () => {
      const unreachable = { ...live, port: 1, password: 'live-secret-Pa55' };
      const report = await validate(faithful, { config: { rowCounts: { mode: 'live', tolerance: 0.01 } }, liveSource: unreachable });

      expect(check(report, 'row-counts')).toMatchObject({ status: 'failed', detail: `cannot connect to postgres@${live.host}:1/${live.database}: connection refused by ${live.host}:1 (nothing listening there)` });
      expect(statuses(report)).toMatchObject({ connectivity: 'passed', schema: 'passed', amcheck: 'passed', freshness: 'passed', [ASSERTION]: 'passed' });
    });
  });

  it('skips the checks after the server ends the session, saying so', async () => {
    const assertions = [
      { name: 'terminates', sql: 'select pg_terminate_backend(pg_backend_pid())', expect: true },
      { name: 'after', sql: 'select 1', expect: 1 },
    ];
    const report = await validate(faithful, { config: { assertions } });

    expect(check(report, 'assertion:terminates')).toMatchObject({ status: 'failed', detail: 'query failed: terminating connection due to administrator command (SQLSTATE 57P01)' });
    expect(check(report, 'assertion:after')).toMatchObject({ status: 'skipped', detail: 'not run: the connection to the restored database was lost' });
    expect(statuses(report)).toMatchObject({ connectivity: 'passed', schema: 'passed', 'row-counts': 'passed', amcheck: 'passed', freshness: 'passed' });
  });

  it('fails connectivity for a database that does not exist, and runs nothing else', async () => {
    const report = await validate({ ...faithful, database: 'bdr_test_no_such_database', password: 'Wr0ng-Passw0rd-42' });

    expect(check(report, 'connectivity')).toMatchObject({
      status: 'failed',
      detail: `cannot connect to postgres@${faithful.host}:${faithful.port}/bdr_test_no_such_database: database "bdr_test_no_such_database" does not exist (SQLSTATE 3D000)`,
    });
    expect(report.checks.slice(1).every((result) => result.status === 'skipped' && result.detail === 'not run: no connection')).toBe(true);
    expect(JSON.stringify(report)).not.toContain('Wr0ng-Passw0rd-42');
    expect(report).toMatchObject({ passed: false, serverVersion: null, newestData: null });
  });

  it('leaves no session open, whether the checks pass or fail', async () => {
    await validate(faithful, { config: { assertions: [{ name: 'bad sql', sql: 'select from nowhere', expect: 0 }] } });
    await validate(faithful, { config: { rowCounts: { mode: 'live', tolerance: 0 } }, liveSource: databases.connection(source) });
    await captureManifest(databases.connection(source), VALIDATION, () => SNAPSHOT_AT);

    await expect.poll(() => databases.sessionsNamed('backup-dr validate-restore'), { timeout: 2_000 }).toBe(0);
  });
});

describe('a restored database that cannot be reached', () => {
  it('fails connectivity with a clear reason and skips every later check', async () => {
    const connection = { ...serverConnection('app'), host: '127.0.0.1', port: 1, password: 'S3cret-never-shown' };
    const report = await validateRestore({ connection, config: VALIDATION, manifest: null, referenceTime: SNAPSHOT_AT, rpoTargetMs: RPO, now: tickingClock() });

    expect(report.checks).toEqual([
      expect.objectContaining({ name: 'connectivity', status: 'failed', detail: `cannot connect to ${connection.user}@127.0.0.1:1/app: connection refused by 127.0.0.1:1 (nothing listening there)` }),
      ...CHECKS.slice(1).map((name) => ({ name, status: 'skipped', detail: 'not run: no connection', durationMs: 0 })),
    ]);
    expect(report).toMatchObject({ passed: false, serverVersion: null, newestData: null });
    expect(JSON.stringify(report)).not.toContain('S3cret-never-shown');
  });
});
