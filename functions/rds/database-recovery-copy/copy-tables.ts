// Copies the named tables of a restored database into a new recovery schema of the production database:
// read in one read-only repeatable-read transaction on the restore (every table of one instant), written
// in one transaction on production (all tables or none), each table recreated with its columns and types,
// rows sent as text (the sessions print every type losslessly: ISO timestamps in UTC, hex bytea, full
// float digits) in batched INSERTs, counts compared before commit. Production's own tables are only read
// (their columns, for the merge SQL); everything written is inside the recovery schema.
//
// Safe to retry: the schema is created in the same transaction and marked with the run; a retry that finds
// its own mark reports what is there, one that finds someone else's schema of that name stops.

import type { Client } from 'pg';
import { BackupDrError } from '../../../shared/errors.js';
import { qualifiedName, quoteIdentifier, type TableName } from '../../../shared/rds/postgres/catalog.js';
import { openSession, type Session, type SessionOptions } from '../../../shared/rds/postgres/connection.js';
import type { ConnectionSpec } from '../../../shared/rds/postgres/types.js';
import { recoveryTargets } from '../../../shared/rds/recovery-tables.js';
import { createTableSql, insertSql, mergeSql, rowsPerInsert, type ProductionColumn, type SourceColumn } from './plan.js';

/** A table named for recovery is not in the restored database. */
export class RecoveryTableMissing extends BackupDrError {
  override name = 'RecoveryTableMissing';
}

/** The recovery schema exists and is not this run's: nothing is written. */
export class RecoverySchemaExists extends BackupDrError {
  override name = 'RecoverySchemaExists';
}

/** The rows written differ from the rows the restore holds: the copy is rolled back. */
export class RecoveryCopyMismatch extends BackupDrError {
  override name = 'RecoveryCopyMismatch';
}

export interface CopyRequest {
  /** The restored (temporary) database: read only. */
  readonly restored: ConnectionSpec;
  /** The production database: the recovery schema is created there. */
  readonly production: ConnectionSpec;
  /** "schema.table" as the operator named them. */
  readonly tables: readonly string[];
  readonly schema: string;
  /** Written as the schema's comment: a retry recognises its own work. */
  readonly runId: string;
  readonly statementTimeoutMs: number;
}

export interface RecoveredTable {
  readonly table: string;
  /** schema.table in the recovery schema. */
  readonly recoveredAs: string;
  readonly rowsInBackup: number;
  readonly rowsCopied: number;
  readonly columns: number;
  readonly inProduction: boolean;
  /** What an operator runs to merge it back (never run here). */
  readonly mergeSql: string;
}

export interface CopyReport {
  readonly schema: string;
  readonly tables: readonly RecoveredTable[];
  /** True when a retry found this run's schema already written. */
  readonly alreadyCopied: boolean;
}

const FETCH_ROWS = 5_000;

function marker(runId: string): string {
  return `backup-dr recovery ${runId}`;
}

async function columnsOf(client: Client, table: TableName): Promise<SourceColumn[] | null> {
  // search_path = pg_catalog while reading: format_type then qualifies every type that is not built in.
  const result = await client.query<{ name: string; type: string }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
       from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [table.schema, table.table],
  );
  return result.rows.length === 0 ? null : result.rows;
}

async function productionColumns(client: Client, table: TableName): Promise<ProductionColumn[] | null> {
  const result = await client.query<{ name: string; identity: string; generated: string }>(
    `select a.attname as name, a.attidentity::text as identity, a.attgenerated::text as generated
       from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [table.schema, table.table],
  );
  return result.rows.length === 0 ? null : result.rows;
}

async function schemaComment(client: Client, schema: string): Promise<{ exists: boolean; comment: string | null }> {
  const result = await client.query<{ comment: string | null }>(
    `select obj_description(n.oid, 'pg_namespace') as comment from pg_catalog.pg_namespace n where n.nspname = $1`,
    [schema],
  );
  const row = result.rows[0];
  return row === undefined ? { exists: false, comment: null } : { exists: true, comment: row.comment };
}

async function exactCount(client: Client, from: string): Promise<number> {
  const result = await client.query<{ rows: string }>(`select count(*)::text as rows from ${from}`);
  return Number(result.rows[0]?.rows ?? Number.NaN);
}

/** Streams one table's rows as text through a cursor and inserts them in batches; returns the rows sent. */
async function copyRows(restored: Client, production: Client, source: TableName, schema: string, recoveredAs: string, columns: readonly SourceColumn[]): Promise<number> {
  const select = columns.map((c) => `${quoteIdentifier(c.name)}::text`).join(', ');
  await restored.query(`declare recovery_rows no scroll cursor for select ${select} from ${qualifiedName(source)}`);
  const batch = rowsPerInsert(columns.length);
  let sent = 0;
  try {
    for (;;) {
      const page = await restored.query<unknown[]>({ text: `fetch forward ${FETCH_ROWS} from recovery_rows`, rowMode: 'array' });
      if (page.rows.length === 0) break;
      for (let start = 0; start < page.rows.length; start += batch) {
        const rows = page.rows.slice(start, start + batch);
        await production.query(insertSql(schema, recoveredAs, columns, rows.length), rows.flat());
        sent += rows.length;
      }
    }
  } finally {
    await restored.query('close recovery_rows');
  }
  return sent;
}

async function alreadyWritten(production: Client, request: CopyRequest, targets: ReturnType<typeof recoveryTargets>): Promise<CopyReport> {
  const tables: RecoveredTable[] = [];
  for (const { source, recoveredAs } of targets) {
    const recovered = (await columnsOf(production, { schema: request.schema, table: recoveredAs })) ?? [];
    const live = await productionColumns(production, source);
    const rows = await exactCount(production, `${quoteIdentifier(request.schema)}.${quoteIdentifier(recoveredAs)}`);
    tables.push({
      table: `${source.schema}.${source.table}`,
      recoveredAs: `${request.schema}.${recoveredAs}`,
      rowsInBackup: rows,
      rowsCopied: rows,
      columns: recovered.length,
      inProduction: live !== null,
      mergeSql: mergeSql(source, request.schema, recoveredAs, recovered, live),
    });
  }
  return { schema: request.schema, tables, alreadyCopied: true };
}

export async function copyTables(request: CopyRequest, options: Pick<SessionOptions, 'applicationName'>): Promise<CopyReport> {
  const targets = recoveryTargets(request.tables);
  const sessionOptions = { statementTimeoutMs: request.statementTimeoutMs, applicationName: options.applicationName };
  let restored: Session | null = null;
  let production: Session | null = null;
  try {
    production = await openSession(request.production, sessionOptions);
    const p = production.client;
    const existing = await schemaComment(p, request.schema);
    if (existing.exists) {
      if (existing.comment === marker(request.runId)) return await alreadyWritten(p, request, targets);
      throw new RecoverySchemaExists(`schema ${request.schema} already exists in ${request.production.database} and is not this recovery's: nothing was written`);
    }
    restored = await openSession(request.restored, sessionOptions);
    const r = restored.client;
    await r.query('begin isolation level repeatable read read only');
    await r.query('set local search_path = pg_catalog');
    // The sessions open read-only by default: this one, and only this transaction, writes.
    await p.query('begin read write');
    await p.query(`create schema ${quoteIdentifier(request.schema)}`);
    await p.query(`comment on schema ${quoteIdentifier(request.schema)} is '${marker(request.runId).replaceAll("'", "''")}'`);
    const tables: RecoveredTable[] = [];
    for (const { source, recoveredAs } of targets) {
      const columns = await columnsOf(r, source);
      if (columns === null) throw new RecoveryTableMissing(`${source.schema}.${source.table} is not a table of the restored database ${request.restored.database}: nothing was written`);
      await p.query(createTableSql(request.schema, recoveredAs, columns));
      const rowsInBackup = await exactCount(r, qualifiedName(source));
      const sent = await copyRows(r, p, source, request.schema, recoveredAs, columns);
      const rowsCopied = await exactCount(p, `${quoteIdentifier(request.schema)}.${quoteIdentifier(recoveredAs)}`);
      if (sent !== rowsInBackup || rowsCopied !== rowsInBackup) {
        throw new RecoveryCopyMismatch(`${source.schema}.${source.table}: the backup holds ${rowsInBackup} rows, ${sent} were read and ${rowsCopied} written: nothing was kept`);
      }
      const live = await productionColumns(p, source);
      tables.push({
        table: `${source.schema}.${source.table}`,
        recoveredAs: `${request.schema}.${recoveredAs}`,
        rowsInBackup,
        rowsCopied,
        columns: columns.length,
        inProduction: live !== null,
        mergeSql: mergeSql(source, request.schema, recoveredAs, columns, live),
      });
    }
    await p.query('commit');
    await r.query('commit');
    return { schema: request.schema, tables, alreadyCopied: false };
  } catch (error) {
    // Nothing committed on production: the schema and every table in it go with the rollback.
    await production?.client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await restored?.close();
    await production?.close();
  }
}
