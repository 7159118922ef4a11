// What a database holds, read from its catalog: user tables keyed "schema.table", exact row counts,
// valid B-tree indexes and the server version. Identifiers are always quoted, never interpolated bare.
// (The schema fingerprint is schema-fingerprint.ts; content hashes content-fingerprint.ts.)

import type { Client } from 'pg';

export interface TableName {
  readonly schema: string;
  readonly table: string;
}

/** A table as the catalog lists it: `logged` false for an unlogged table. */
export interface CatalogTable extends TableName {
  readonly logged: boolean;
}

export interface IndexName {
  readonly oid: string;
  /** "schema.index" */
  readonly name: string;
}

/** The manifest's key for a table: "schema.table", unquoted. */
export function tableKey(name: TableName): string {
  return `${name.schema}.${name.table}`;
}

/** A PostgreSQL identifier, double-quoted with embedded quotes doubled: safe for any name. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualifiedName(name: TableName): string {
  return `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.table)}`;
}

/**
 * Ordinary and partitioned tables by key (`schemas` null: every schema but the system ones). Unlogged
 * tables are listed but marked: a storage snapshot restores through crash recovery, which empties them.
 */
export async function listTables(client: Client, schemas: readonly string[] | null): Promise<Map<string, CatalogTable>> {
  const result = await client.query<{ schema: string; table: string; logged: boolean }>(
    `select n.nspname as schema, c.relname as table, c.relpersistence = 'p' as logged
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and c.relpersistence in ('p', 'u')
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
        and ($1::text[] is null or n.nspname = any($1::text[]))
      order by 1, 2`,
    [schemas === null ? null : [...schemas]],
  );
  return new Map(result.rows.map((row) => [tableKey(row), { schema: row.schema, table: row.table, logged: row.logged }]));
}

/** The logged tables among `tables` (the ones whose rows a snapshot carries). */
export function loggedTables(tables: Iterable<CatalogTable>): CatalogTable[] {
  return [...tables].filter((table) => table.logged);
}

/** Exact `count(*)` of each table, by key, one table at a time. */
export async function countRows(client: Client, tables: Iterable<TableName>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const result = await client.query<{ rows: string }>(`select count(*)::text as rows from ${qualifiedName(table)}`);
    counts[tableKey(table)] = Number(result.rows[0]?.rows ?? Number.NaN);
  }
  return counts;
}

/** Runs `work` in one read-only repeatable-read transaction: every count sees the same instant. */
export async function inSnapshot<T>(client: Client, work: () => Promise<T>): Promise<T> {
  await client.query('begin isolation level repeatable read read only');
  try {
    const value = await work();
    await client.query('commit');
    return value;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

export interface ServerVersion {
  /** `server_version`, e.g. "15.20 (Debian 15.20-0+deb12u1)". */
  readonly short: string;
  /** `version()`, with platform and compiler. */
  readonly full: string;
}

export async function serverVersion(client: Client): Promise<ServerVersion> {
  const result = await client.query<{ short: string; full: string }>("select current_setting('server_version') as short, version() as full");
  const row = result.rows[0];
  if (row === undefined) throw new Error('select version() returned no row');
  return row;
}

/** Valid, ready B-tree indexes (not partitioned parents, not temporary) in the schemas (null: every non-system one). */
export async function listBtreeIndexes(client: Client, schemas: readonly string[] | null): Promise<IndexName[]> {
  const result = await client.query<{ oid: string; schema: string; index: string }>(
    `select c.oid::text as oid, n.nspname as schema, c.relname as index
       from pg_catalog.pg_index i
       join pg_catalog.pg_class c on c.oid = i.indexrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_am am on am.oid = c.relam
      where am.amname = 'btree' and c.relkind = 'i' and c.relpersistence <> 't'
        and i.indisvalid and i.indisready
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
        and ($1::text[] is null or n.nspname = any($1::text[]))
      order by 2, 3`,
    [schemas === null ? null : [...schemas]],
  );
  return result.rows.map((row) => ({ oid: row.oid, name: `${row.schema}.${row.index}` }));
}
