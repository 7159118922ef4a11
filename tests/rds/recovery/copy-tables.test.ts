// The partial recovery's copy against the real PostgreSQL: a "production" database and a "restore" of it
// (a copy made before the damage), the named tables copied into a recovery schema of production — the
// rows of the backup, every type losslessly — and production's own tables and schema left exactly as they
// were.

import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTables, type CopyRequest } from '../../../functions/rds/database-recovery-copy/copy-tables.js';
import { captureSchemaFingerprint } from '../../../shared/rds/postgres/schema-fingerprint.js';
import type { ConnectionSpec } from '../../../shared/rds/postgres/types.js';
import { postgresAvailable, RICH, seedRich, TestDatabases } from '../../helpers/postgres.js';

const NEWEST = Date.parse('2026-12-01T09:00:00Z');
const APP = { applicationName: 'backup-dr-test-recovery' };

async function query<T extends Record<string, unknown>>(spec: ConnectionSpec, sql: string): Promise<T[]> {
  const client = new Client(spec);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of a table as text, in a stable order, hashed: equal digests, equal contents. */
async function contentDigest(spec: ConnectionSpec, table: string, columns = '*'): Promise<{ rows: number; digest: string }> {
  const [row] = await query<{ rows: string; digest: string }>(spec, `select count(*)::text as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from (select ${columns} from ${table}) t`);
  return { rows: Number(row!.rows), digest: row!.digest };
}

/** Production as an outsider sees it: the schema fingerprint outside the recovery schema and every table's content. */
async function productionState(spec: ConnectionSpec): Promise<{ schema: string; tables: Record<string, string> }> {
  const client = new Client(spec);
  await client.connect();
  try {
    const schemas = (await client.query<{ name: string }>(`select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' and nspname not like 'recovery\\_%'`)).rows.map((r) => r.name);
    const fingerprint = await captureSchemaFingerprint(client, schemas);
    const tables = (await client.query<{ name: string }>(`select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = any($1) order by 1`, [schemas])).rows;
    const contents: Record<string, string> = {};
    for (const { name } of tables) {
      contents[name] = (await client.query<{ digest: string }>(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${name} t`)).rows[0]!.digest;
    }
    return { schema: fingerprint.digest, tables: contents };
  } finally {
    await client.end();
  }
}

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('copying tables of a restore into a recovery schema of production', () => {
  const databases = new TestDatabases();
  let production: ConnectionSpec;
  let restored: ConnectionSpec;

  beforeAll(async () => {
    const prod = await databases.create();
    const grantee = await databases.createPlainRole();
    await seedRich(databases, prod, NEWEST, grantee);
    // Types a text round trip could lose: microseconds, a time zone, hex bytea, jsonb, arrays, NaN and
    // exponents, an interval, an enum of the database's own, a NULL beside an empty string, a generated column.
    await databases.run(
      prod,
      `create table public.odd_types (id integer primary key, at timestamptz, local_at timestamp, data bytea, doc jsonb, tags text[], ratio double precision,
         amount numeric, span interval, status public.order_status, note text, twice integer generated always as (id * 2) stored)`,
      `insert into public.odd_types (id, at, local_at, data, doc, tags, ratio, amount, span, status, note) values
         (1, '2026-11-30 23:59:59.123456+09', '2026-11-30 23:59:59.654321', '\\x00ff10'::bytea, '{"a": [1, 2.50, null], "b": "ü"}', array['x', 'y,z', null], 0.1, 'NaN', '1 day 02:03:04.5', 'paid', ''),
         (2, null, null, null, null, null, 1e-300, 12345678901234567890.123456789, null, null, null)`,
    );
    // The backup: production as it was before the incident.
    const backup = await databases.create(prod);
    // The incident: orders lost, a table dropped, audit rows gone.
    await databases.run(prod, `delete from public.orders where id % 10 = 0`, `drop table public.odd_types`);
    production = databases.connection(prod);
    restored = databases.connection(backup);
  });
  afterAll(() => databases.dropAll());

  const request = (overrides: Partial<CopyRequest> = {}): CopyRequest => ({
    restored,
    production,
    tables: ['public.orders', 'public.odd_types', 'public.audit_log'],
    schema: 'recovery_20261201180000',
    runId: 'run-1',
    statementTimeoutMs: 60_000,
    ...overrides,
  });

  it('puts each named table in the recovery schema with the rows of the backup, and touches nothing else of production', async () => {
    // Prepare
    const before = await productionState(production);
    // Act
    const report = await copyTables(request(), APP);
    // Assess
    expect(report.alreadyCopied).toBe(false);
    expect(report.tables.map((t) => [t.table, t.recoveredAs, t.rowsInBackup, t.rowsCopied, t.inProduction])).toEqual([
      ['public.orders', 'recovery_20261201180000.orders', RICH.orders, RICH.orders, true],
      ['public.odd_types', 'recovery_20261201180000.odd_types', 2, 2, false],
      ['public.audit_log', 'recovery_20261201180000.audit_log', RICH.auditRows, RICH.auditRows, true],
    ]);
    for (const table of ['orders', 'odd_types', 'audit_log']) {
      expect(await contentDigest(production, `recovery_20261201180000.${table}`)).toEqual(await contentDigest(restored, `public.${table}`));
    }
    expect(await productionState(production)).toEqual(before);
  });

  it('recreates columns and types only: no key, constraint, default or identity that could refuse a recovered row', async () => {
    const columns = await query<{ table: string; column: string; type: string; nullable: string; default: string | null; identity: string; generated: string }>(
      production,
      `select table_name as table, column_name as column, format_type(a.atttypid, a.atttypmod) as type, c.is_nullable as nullable, c.column_default as default, c.is_identity as identity, c.is_generated as generated
         from information_schema.columns c join pg_attribute a on a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass and a.attname = c.column_name
        where c.table_schema = 'recovery_20261201180000' and c.table_name = 'odd_types' order by c.ordinal_position`,
    );
    expect(columns.map((c) => `${c.column} ${c.type}`)).toEqual([
      'id integer', 'at timestamp with time zone', 'local_at timestamp without time zone', 'data bytea', 'doc jsonb', 'tags text[]', 'ratio double precision',
      'amount numeric', 'span interval', 'status order_status', 'note text', 'twice integer',
    ]);
    expect(columns.every((c) => c.nullable === 'YES' && c.default === null && c.identity === 'NO' && c.generated === 'NEVER')).toBe(true);
    const constraints = await query<{ n: string }>(production, `select count(*)::text as n from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = 'recovery_20261201180000'`);
    expect(constraints[0]!.n).toBe('0');
  });

  it('gives merge SQL that puts the lost rows back, leaves the surviving ones, and takes the recovered identity values', async () => {
    const report = await copyTables(request(), APP);
    const orders = report.tables.find((t) => t.table === 'public.orders')!;
    const audit = report.tables.find((t) => t.table === 'public.audit_log')!;
    const dropped = report.tables.find((t) => t.table === 'public.odd_types')!;
    expect(report.alreadyCopied).toBe(true);
    expect(orders.mergeSql).toBe(
      'insert into "public"."orders" ("id", "customer_id", "total", "status", "created_at") select "id", "customer_id", "total", "status", "created_at" from "recovery_20261201180000"."orders" on conflict do nothing;',
    );
    expect(audit.mergeSql).toContain('overriding system value');
    expect(dropped.mergeSql).toContain('"public"."odd_types" does not exist in production');
    // The operator's merge, run on a scratch copy of production (ours is compared above).
    const scratch = databases.connection(await databases.create(production.database));
    expect((await contentDigest(scratch, 'public.orders')).rows).toBe(RICH.orders * 0.9);
    await query(scratch, orders.mergeSql);
    await query(scratch, audit.mergeSql);
    expect(await contentDigest(scratch, 'public.orders')).toEqual(await contentDigest(restored, 'public.orders'));
    expect(await contentDigest(scratch, 'public.audit_log')).toEqual(await contentDigest(restored, 'public.audit_log'));
  });

  it('writes nothing when a named table is not in the restore', async () => {
    await expect(copyTables(request({ schema: 'recovery_20261201180001', tables: ['public.orders', 'public.no_such_table'] }), APP)).rejects.toMatchObject({
      name: 'RecoveryTableMissing',
      message: expect.stringContaining('public.no_such_table'),
    });
    expect(await query(production, `select 1 from pg_namespace where nspname = 'recovery_20261201180001'`)).toEqual([]);
  });

  it('never writes into a schema of that name that is not its own', async () => {
    await expect(copyTables(request({ runId: 'another-run' }), APP)).rejects.toMatchObject({ name: 'RecoverySchemaExists' });
  });

  it('refuses table names that are not schema.table, or that would collide, before connecting', async () => {
    const nowhere = { ...production, host: '192.0.2.1', connectTimeoutMs: 100 };
    await expect(copyTables(request({ production: nowhere, tables: ['orders'] }), APP)).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('tables[0]') });
    await expect(copyTables(request({ production: nowhere, tables: ['public.orders', 'archive.orders'] }), APP)).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('tables[1]') });
  });
});
