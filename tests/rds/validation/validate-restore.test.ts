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
// The seeded sample has no audit log: nothing is marked append-only here (corruption.test.ts has one).
const VALIDATION: ValidationConfig = { ...APP_DB.validation, appendOnly: [] };
const RPO = POLICY.objectives.database.rpo;
const ASSERTION = 'assertion:no order without a customer';
const CHECKS = ['connectivity', 'schema', 'row-counts', 'content', 'amcheck', 'freshness', ASSERTION];

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

  function validate(connection: ConnectionSpec, overrides: { config?: Partial<ValidationConfig>; kind?: 'snapshot' | 'pitr'; manifest?: SourceManifest | null; liveSource?: ConnectionSpec } = {}) {
    return validateRestore({
      connection,
      config: { ...VALIDATION, ...overrides.config },
      kind: overrides.kind ?? 'snapshot',
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
      failing: ['schema', 'row-counts', 'content'],
      detail: {
        // Its columns, key and index are not listed again: the table's absence says it.
        schema: `1 of 4 tables in the manifest are missing: public.${SAMPLE.auditTable}`,
        'row-counts': `1 of 4 tables differ from the counts captured at 2026-11-24T17:00:00.000Z: public.${SAMPLE.auditTable} expected 25, observed missing`,
        content: `1 of 4 tables differ from the content captured at 2026-11-24T17:00:00.000Z: public.${SAMPLE.auditTable} is missing from the restore`,
      },
    },
    {
      name: 'lost rows fail the row counts and the content, naming the key ranges',
      damage: ['delete from public.orders where id <= 100'],
      failing: ['row-counts', 'content'],
      detail: {
        'row-counts': '1 of 4 tables differ from the counts captured at 2026-11-24T17:00:00.000Z: public.orders expected 3000, observed 2900',
        content:
          '1 of 4 tables differ from the content captured at 2026-11-24T17:00:00.000Z: public.orders: 3 of 64 unchanged buckets differ (4.7 %, tolerance 0 %): id [1, 48) (47 rows captured, 0 restored); id [48, 95) (47 rows captured, 0 restored); id [95, 142) (47 rows captured, 41 restored)',
      },
    },
    {
      name: 'stale data (newest order a day before the snapshot) fails freshness, and the content (every order changed)',
      damage: [`update public.orders set created_at = created_at - interval '1 day'`],
      failing: ['content', 'freshness'],
      detail: { freshness: 'newest data 2026-11-23T16:58:00.000Z is 1442 min before the restore point 2026-11-24T17:00:00.000Z, beyond the RPO target of 15 min' },
    },
    {
      name: 'an order without a customer fails the assertion, the schema (its foreign key is gone) and the content',
      damage: ['alter table public.orders drop constraint orders_customer_id_fkey', 'update public.orders set customer_id = 999999 where id = 1'],
      failing: ['schema', 'content', ASSERTION],
      detail: {
        [ASSERTION]: 'returned "1", expected "0"',
        schema: 'all 4 tables in the manifest exist; 1 schema object(s) differ from the fingerprint captured at 2026-11-24T17:00:00.000Z: constraint public.orders.orders_customer_id_fkey missing',
      },
    },
  ])('$name', async ({ damage, failing, detail }) => {
    const report = await validate(await restoreOf(...damage));

    expect(report.checks.map((result) => result.name)).toEqual(CHECKS);
    expect(statuses(report)).toEqual(Object.fromEntries(CHECKS.map((name) => [name, failing.includes(name) ? 'failed' : 'passed'])));
    for (const [name, text] of Object.entries(detail)) expect(check(report, name).detail).toBe(text);
    expect(report.outcome).toBe(failing.length === 0 ? 'passed' : 'failed');
  });

  it('reports what a faithful restore showed: version, newest data, timings, indexes checked', async () => {
    const report = await validate(faithful);

    expect(report).toMatchObject({ outcome: 'passed', warnings: [], serverVersion: manifest.serverVersion, newestData: NEWEST_ORDER });
    expect(report.finishedAt).toBeGreaterThan(report.startedAt);
    expect(report.checks.every((result) => result.durationMs > 0)).toBe(true);
    expect(check(report, 'connectivity').detail).toMatch(/^connected to postgres@.+\/bdr_test_[0-9a-f]+: PostgreSQL \d+/);
    expect(check(report, 'schema').detail).toMatch(/^all 4 tables in the manifest exist; the schema matches its fingerprint \(\d+ objects\)$/);
    expect(check(report, 'row-counts').detail).toBe('all 4 tables match the counts captured at 2026-11-24T17:00:00.000Z');
    // customers 64 buckets, orders 64, the audit table 25 (one row each), archive.old_orders 7.
    expect(check(report, 'content').detail).toBe('4 tables match the content captured at 2026-11-24T17:00:00.000Z (160 buckets)');
    // customers (pkey, email), orders (pkey, customer_id, created_at), the audit table, the unlogged cache, archive.old_orders.
    expect(check(report, 'amcheck')).toMatchObject({ detail: 'bt_index_check passed on all 8 B-tree indexes in every schema', observed: { indexesChecked: 8, corrupt: [] } });
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

    expect(statuses(report)).toEqual(Object.fromEntries(CHECKS.map((name) => [name, ['schema', 'amcheck'].includes(name) ? 'failed' : 'passed'])));
    expect(check(report, 'amcheck').detail).toMatch(/^bt_index_check failed on 1 of 9 B-tree indexes: public\.ledger_n_idx: .*invariant violated for index "ledger_n_idx" \(SQLSTATE XX002\)$/);
    // What was added to the restore is in no manifest: the schema check names it.
    expect(check(report, 'schema').detail).toMatch(/^all 4 tables in the manifest exist; 4 schema object\(s\) differ from the fingerprint captured at 2026-11-24T17:00:00\.000Z: /);
    for (const object of ['column public.ledger.n', 'function public.cmp_int(a integer, b integer)', 'index public.ledger_n_idx', 'table public.ledger']) {
      expect(check(report, 'schema').detail).toContain(`${object} unexpected (in no manifest)`);
    }
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
        name: 'no freshness check and amcheck turned off are skipped with the reason: the policy does not ask for them',
        config: { freshness: undefined, amcheck: false },
        results: {
          freshness: { status: 'skipped', detail: 'no freshness check in the policy (validation.freshness)' },
          amcheck: { status: 'skipped', detail: 'disabled in the policy (validation.amcheck: false)' },
        },
      },
      {
        name: 'tables named in the policy narrow the schema and row-count checks',
        config: { tables: ['public.customers', `public.${SAMPLE.auditTable}`] },
        results: {
          // Only their objects are compared with the fingerprint: columns, keys, indexes.
          schema: { status: 'passed', detail: 'all 2 tables named in the policy exist; the schema matches its fingerprint (14 objects)' },
          'row-counts': { status: 'passed', detail: 'all 2 tables match the counts captured at 2026-11-24T17:00:00.000Z' },
          content: { status: 'passed', detail: '2 tables match the content captured at 2026-11-24T17:00:00.000Z (89 buckets)' },
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
        results: { 'row-counts': { status: 'passed', detail: 'all 4 tables match the counts captured at 2026-11-24T17:00:00.000Z within 5 %' } },
      },
    ])('$name', async ({ config, results }) => {
      const report = await validate(faithful, { config });

      for (const [name, expected] of Object.entries(results)) expect(check(report, name)).toMatchObject(expected);
      const failing = report.checks.filter((result) => result.status === 'failed').map((result) => result.name);
      expect(failing).toEqual(Object.entries(results).flatMap(([name, expected]) => (expected.status === 'failed' ? [name] : [])));
      expect(report.outcome).toBe(failing.length === 0 ? 'passed' : 'failed');
    });

    it('without a manifest or a live source, is inconclusive: the schema and row counts had nothing to compare with', async () => {
      const report = await validate(faithful, { manifest: null });

      expect(check(report, 'schema')).toMatchObject({ status: 'inconclusive', detail: 'no list of expected tables: the policy names none and no manifest was captured with this snapshot, and no live source was given' });
      expect(check(report, 'row-counts')).toMatchObject({ status: 'inconclusive', detail: 'row counts are compared with the counts captured with the snapshot (mode captured), and no manifest was captured with this snapshot' });
      expect(report.outcome).toBe('inconclusive');
    });

    it('is inconclusive, not "all 0 tables match", for a manifest that lists no tables', async () => {
      const report = await validate(faithful, { manifest: { ...manifest, tables: {} } });

      expect(check(report, 'schema')).toMatchObject({ status: 'inconclusive', detail: 'no tables in the manifest: nothing to compare the restore with' });
      expect(check(report, 'row-counts')).toMatchObject({ status: 'inconclusive', detail: 'the manifest captured at 2026-11-24T17:00:00.000Z lists no tables: nothing to compare' });
      expect(report.outcome).toBe('inconclusive');
    });

    it('is inconclusive when a table the policy names was not in the manifest, even though the others match', async () => {
      const report = await validate(faithful, { config: { tables: ['public.customers'] }, manifest: { ...manifest, tables: { 'public.orders': SAMPLE.orders } } });

      expect(check(report, 'row-counts')).toMatchObject({ status: 'inconclusive', detail: 'none of the 1 tables named in the policy is in the manifest captured at 2026-11-24T17:00:00.000Z: nothing to compare' });
      const partly = await validate(faithful, { config: { tables: ['public.customers', 'public.orders'] }, manifest: { ...manifest, tables: { 'public.orders': SAMPLE.orders } } });
      expect(check(partly, 'row-counts')).toMatchObject({
        status: 'inconclusive',
        detail: 'all 1 tables match the counts captured at 2026-11-24T17:00:00.000Z, but 1 tables named in the policy are not in the manifest, so their counts were not compared: public.customers',
      });
    });

    it('is inconclusive when the policy requires amcheck and the extension cannot be created by the restore\'s user', async () => {
      // The role and its grants exist on the source: they are part of what the manifest captured.
      const granted = await restoreOf();
      const role = await databases.createRole(granted.database);
      const grantedManifest = await captureManifest(granted, VALIDATION, () => SNAPSHOT_AT);
      const restored = databases.connection(await databases.create(granted.database));
      const report = await validate({ ...restored, user: role }, { manifest: grantedManifest });

      expect(check(report, 'amcheck')).toMatchObject({ status: 'inconclusive', detail: expect.stringMatching(/^the policy requires amcheck and the extension could not be created: permission denied to create extension "amcheck".* \(SQLSTATE 42501\)$/) });
      expect(report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.name}: ${c.detail}`)).toEqual([expect.stringMatching(/^amcheck: /)]);
      expect(report.outcome).toBe('inconclusive');
    });

    it('is inconclusive when amcheck has no B-tree index to check', async () => {
      const config = { schemas: ['bare'], tables: ['bare.heap'], freshness: undefined, assertions: [] };
      const bare = await databases.create();
      await databases.run(bare, 'create schema bare', 'create table bare.heap (n integer)');
      const bareManifest = await captureManifest(databases.connection(bare), { ...VALIDATION, ...config }, () => SNAPSHOT_AT);
      const report = await validate(databases.connection(await databases.create(bare)), { config, manifest: bareManifest });

      expect(check(report, 'amcheck')).toMatchObject({ status: 'inconclusive', detail: 'no B-tree index in bare: nothing for amcheck to check (set validation.amcheck: false for a schema without indexes)' });
      expect(statuses(report)).toMatchObject({ schema: 'passed', 'row-counts': 'passed', content: 'passed' });
      expect(report.outcome).toBe('inconclusive');
    });
  });

  describe('freshness judged by the newest data at or before the restore point', () => {
    const BY_COLUMN = { freshness: { table: 'public.orders', column: 'created_at' } };
    const A_DAY_AHEAD = `insert into public.orders values (900001, 1, 1.00, '2026-11-25T17:00:00Z')`;

    it('passes a fresh restore by table and column, and reports no rows after the restore point', async () => {
      const report = await validate(faithful, { config: BY_COLUMN });

      expect(check(report, 'freshness')).toMatchObject({
        status: 'passed',
        detail: 'newest data 2026-11-24T16:58:00.000Z is 2 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min)',
        observed: { newestData: '2026-11-24T16:58:00.000Z', rowsAfterRestorePoint: 0 },
      });
      expect(report).toMatchObject({ outcome: 'passed', newestData: NEWEST_ORDER, warnings: [] });
    });

    it('does not take a row dated a day ahead as proof: judges the newest at or before the restore point, and warns', async () => {
      const report = await validate(await restoreOf(A_DAY_AHEAD), { config: BY_COLUMN, manifest: null });

      expect(check(report, 'freshness')).toMatchObject({
        status: 'passed',
        detail: 'newest data 2026-11-24T16:58:00.000Z is 2 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min); 1 row is dated after it (a warning, not proof)',
        observed: { rowsAfterRestorePoint: 1 },
      });
      expect(report.newestData).toBe(NEWEST_ORDER);
      expect(report.warnings).toEqual([expect.stringMatching(/^freshness: 1 row of public\.orders is dated after the restore point 2026-11-24T17:00:00\.000Z \(\+1 min clock skew\): not taken as proof of freshness/)]);
    });

    it('fails stale data that a row dated a day ahead used to hide', async () => {
      const report = await validate(await restoreOf(`update public.orders set created_at = created_at - interval '1 day'`, A_DAY_AHEAD), { config: BY_COLUMN, manifest: null });

      expect(check(report, 'freshness')).toMatchObject({
        status: 'failed',
        detail: 'newest data 2026-11-23T16:58:00.000Z is 1442 min before the restore point 2026-11-24T17:00:00.000Z, beyond the RPO target of 15 min; 1 row is dated after it (a warning, not proof)',
      });
      expect(report.outcome).toBe('failed');
    });

    it('counts rows within the clock skew as at or before the restore point', async () => {
      const report = await validate(await restoreOf(`insert into public.orders values (900002, 1, 1.00, '2026-11-24T17:00:45Z')`), { config: BY_COLUMN, manifest: null });

      expect(check(report, 'freshness')).toMatchObject({ status: 'passed', detail: 'newest data 2026-11-24T17:00:45.000Z is 0.8 min after the restore point 2026-11-24T17:00:00.000Z (within the 1 min allowed for clock skew; RPO target 15 min)' });
      expect(report.warnings).toEqual([]);
    });

    it('is inconclusive when a bare freshness query returns a time after the restore point (it cannot tell the newest before it)', async () => {
      const report = await validate(await restoreOf(A_DAY_AHEAD), { config: { freshness: { query: 'select max(created_at) from public.orders' } }, manifest: null });

      expect(check(report, 'freshness')).toMatchObject({ status: 'inconclusive', detail: expect.stringMatching(/^newest data 2026-11-25T17:00:00\.000Z is 1440 min after the restore point 2026-11-24T17:00:00\.000Z, beyond the 1 min allowed for clock skew: .*give validation\.freshness a table and column instead\)$/) });
      expect(report.newestData).toBeNull();
      expect(report.warnings).toHaveLength(1);
    });

    it.each([
      { name: 'a timestamp without time zone (read as UTC)', setup: [`create table public.events (at timestamp not null)`, `insert into public.events values ('2026-11-24 16:50:00'), ('2026-11-26 00:00:00')`], column: 'at', status: 'passed', newest: '2026-11-24T16:50:00.000Z', after: 1 },
      { name: 'a date', setup: [`create table public.events (on_day date not null)`, `insert into public.events values ('2026-11-23'), ('2026-11-30')`], column: 'on_day', status: 'failed', newest: '2026-11-23T00:00:00.000Z', after: 1 },
    ])('reads $name column', async ({ setup, column, status, newest, after }) => {
      const report = await validate(await restoreOf(...setup), { config: { freshness: { table: 'public.events', column } }, manifest: null });

      expect(check(report, 'freshness')).toMatchObject({ status, observed: { newestData: newest, rowsAfterRestorePoint: after } });
    });

    it.each([
      { name: 'a missing column', freshness: { table: 'public.orders', column: 'updated_at' }, detail: 'public.orders.updated_at does not exist in the restored database' },
      { name: 'a missing table', freshness: { table: 'public.invoices', column: 'created_at' }, detail: 'public.invoices.created_at does not exist in the restored database' },
      { name: 'a column that is not a time', freshness: { table: 'public.orders', column: 'amount' }, detail: 'public.orders.amount is of type numeric(10,2): freshness needs a timestamptz, timestamp or date column' },
      { name: 'no row at or before the restore point', freshness: { table: 'public.orders', column: 'created_at' }, damage: [`delete from public.orders`, A_DAY_AHEAD], detail: 'no row of public.orders has created_at at or before the restore point 2026-11-24T17:00:00.000Z: nothing dates the restored data; 1 row is dated after it (a warning, not proof)' },
    ])('fails $name', async ({ freshness, damage, detail }) => {
      const restored = damage === undefined ? faithful : await restoreOf(...damage);
      const report = await validate(restored, { config: { freshness }, manifest: null });

      expect(check(report, 'freshness')).toMatchObject({ status: 'failed', detail });
    });
  });

  describe('a point-in-time restore (no manifest exists for a point in time)', () => {
    it('skips the captured schema and counts as not applicable, and passes on freshness', async () => {
      const report = await validate(faithful, { kind: 'pitr', manifest: null });

      expect(check(report, 'schema')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/^not applicable to a point-in-time restore/) });
      expect(check(report, 'row-counts')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/^not applicable to a point-in-time restore/) });
      expect(report.outcome).toBe('passed');
    });

    it('is inconclusive without a freshness check: proving the RPO is what it is for', async () => {
      const report = await validate(faithful, { kind: 'pitr', manifest: null, config: { freshness: undefined } });

      expect(check(report, 'freshness')).toMatchObject({ status: 'inconclusive', detail: 'a point-in-time restore proves its RPO with the freshness check, and the policy has none (validation.freshness)' });
      expect(report.outcome).toBe('inconclusive');
    });

    it('still checks the tables the policy names', async () => {
      const report = await validate(await restoreOf(`drop table ${AUDIT}`), { kind: 'pitr', manifest: null, config: { tables: ['public.customers', `public.${SAMPLE.auditTable}`] } });

      expect(check(report, 'schema')).toMatchObject({ status: 'failed', detail: `1 of 2 tables named in the policy are missing: public.${SAMPLE.auditTable}` });
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
      { name: 'counts within the tolerance pass', tolerance: 0.01, status: 'passed', detail: 'all 4 tables match the live source now within 1 %' },
      { name: 'counts beyond the tolerance fail', tolerance: 0.005, status: 'failed', detail: '1 of 4 tables differ from the live source now within 0.5 %: public.orders expected 3020, observed 3000' },
    ])('$name', async ({ tolerance, status, detail }) => {
      const report = await validate(faithful, { config: { rowCounts: { mode: 'live', tolerance } }, liveSource: live });

      expect(check(report, 'row-counts')).toMatchObject({ status, detail, expected: { 'public.orders': 3020 }, observed: { 'public.orders': 3000 } });
      expect(report.outcome).toBe(status);
    });

    it('takes the expected tables from the live source when no manifest was captured (the content stays unproven)', async () => {
      const report = await validate(faithful, { manifest: null, config: { rowCounts: { mode: 'live', tolerance: 0.01 } }, liveSource: live });

      // The unlogged cache must exist too; only its rows are not compared (crash recovery empties it).
      expect(check(report, 'schema')).toMatchObject({ status: 'passed', detail: 'all 5 tables on the live source exist' });
      expect(check(report, 'row-counts').detail).toBe('all 4 tables match the live source now within 1 %');
      // The content is compared only with fingerprints captured with the snapshot: unproven without one.
      expect(check(report, 'content')).toMatchObject({ status: 'inconclusive', detail: 'content is compared with the fingerprints captured with the snapshot, and no manifest was captured with this snapshot' });
      expect(report.outcome).toBe('inconclusive');
    });

    it('makes the row counts inconclusive, not the run failed, when the live source is unreachable', async () => {
      const unreachable = { ...live, port: 1, password: 'live-secret-Pa55' };
      const report = await validate(faithful, { config: { rowCounts: { mode: 'live', tolerance: 0.01 } }, liveSource: unreachable });

      expect(check(report, 'row-counts')).toMatchObject({
        status: 'inconclusive',
        detail: `row counts are compared with the live source (mode live), and the live source cannot be reached: cannot connect to postgres@${live.host}:1/${live.database}: connection refused by ${live.host}:1 (nothing listening there)`,
      });
      expect(statuses(report)).toMatchObject({ connectivity: 'passed', schema: 'passed', amcheck: 'passed', freshness: 'passed', [ASSERTION]: 'passed' });
      expect(report.outcome).toBe('inconclusive');
      expect(JSON.stringify(report)).not.toContain('live-secret-Pa55');
    });
  });

  it('does not run the checks after the server ends the session, and says so (inconclusive, the run failed)', async () => {
    const assertions = [
      { name: 'terminates', sql: 'select pg_terminate_backend(pg_backend_pid())', expect: true },
      { name: 'after', sql: 'select 1', expect: 1 },
    ];
    const report = await validate(faithful, { config: { assertions } });

    expect(check(report, 'assertion:terminates')).toMatchObject({ status: 'failed', detail: 'query failed: terminating connection due to administrator command (SQLSTATE 57P01)' });
    expect(check(report, 'assertion:after')).toMatchObject({ status: 'inconclusive', detail: 'not run: the connection to the restored database was lost' });
    expect(report.outcome).toBe('failed');
    expect(statuses(report)).toMatchObject({ connectivity: 'passed', schema: 'passed', 'row-counts': 'passed', amcheck: 'passed', freshness: 'passed' });
  });

  it('fails connectivity for a database that does not exist, and runs nothing else', async () => {
    const report = await validate({ ...faithful, database: 'bdr_test_no_such_database', password: 'Wr0ng-Passw0rd-42' });

    expect(check(report, 'connectivity')).toMatchObject({
      status: 'failed',
      detail: `cannot connect to postgres@${faithful.host}:${faithful.port}/bdr_test_no_such_database: database "bdr_test_no_such_database" does not exist (SQLSTATE 3D000)`,
    });
    expect(report.checks.slice(1).every((result) => result.status === 'inconclusive' && result.detail === 'not run: no connection')).toBe(true);
    expect(JSON.stringify(report)).not.toContain('Wr0ng-Passw0rd-42');
    expect(report).toMatchObject({ outcome: 'failed', serverVersion: null, newestData: null });
  });

  it('leaves no session open, whether the checks pass or fail', async () => {
    await validate(faithful, { config: { assertions: [{ name: 'bad sql', sql: 'select from nowhere', expect: 0 }] } });
    await validate(faithful, { config: { rowCounts: { mode: 'live', tolerance: 0 } }, liveSource: databases.connection(source) });
    await captureManifest(databases.connection(source), VALIDATION, () => SNAPSHOT_AT);

    await expect.poll(() => databases.sessionsNamed('backup-dr validate-restore'), { timeout: 2_000 }).toBe(0);
  });
});

describe('a restored database that cannot be reached', () => {
  it('fails connectivity with a clear reason; every later check did not run (inconclusive), or is skipped when not required', async () => {
    const connection = { ...serverConnection('app'), host: '127.0.0.1', port: 1, password: 'S3cret-never-shown' };
    const report = await validateRestore({ connection, config: VALIDATION, kind: 'snapshot', manifest: null, referenceTime: SNAPSHOT_AT, rpoTargetMs: RPO, now: tickingClock() });

    expect(report.checks).toEqual([
      expect.objectContaining({ name: 'connectivity', status: 'failed', detail: `cannot connect to ${connection.user}@127.0.0.1:1/app: connection refused by 127.0.0.1:1 (nothing listening there)` }),
      ...CHECKS.slice(1).map((name) => ({ name, status: 'inconclusive', detail: 'not run: no connection', durationMs: 0 })),
    ]);
    expect(report).toMatchObject({ outcome: 'failed', serverVersion: null, newestData: null });
    const unrequired = await validateRestore({ connection, config: { ...VALIDATION, amcheck: false }, kind: 'snapshot', manifest: null, referenceTime: SNAPSHOT_AT, rpoTargetMs: RPO, now: tickingClock() });
    expect(check(unrequired, 'amcheck')).toEqual({ name: 'amcheck', status: 'skipped', detail: 'disabled in the policy (validation.amcheck: false)', durationMs: 0 });
    expect(JSON.stringify(report)).not.toContain('S3cret-never-shown');
  });
});
