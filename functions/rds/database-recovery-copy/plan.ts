// What a partial recovery writes, pure: the recovery schema's name, which table of the backup lands as
// which table there, the DDL that recreates a table's columns and types (no constraint, default, index or
// identity: a recovered row must never be refused, and nothing there may touch production), how many rows
// go in one INSERT, and the SQL an operator runs to merge a recovered table back — never run by us.

import { qualifiedName, quoteIdentifier, type TableName } from '../../../shared/rds/postgres/catalog.js';

/** PostgreSQL's limit on bind parameters in one statement is 65535; stay well under it. */
const MAX_PARAMETERS = 60_000;
const MAX_ROWS_PER_INSERT = 1_000;

export interface SourceColumn {
  readonly name: string;
  /** format_type() read with search_path = pg_catalog: every non-catalog type schema-qualified. */
  readonly type: string;
}

export interface ProductionColumn {
  readonly name: string;
  /** attidentity: 'a' generated always, 'd' by default, '' none. */
  readonly identity: string;
  /** attgenerated: 's' stored generated column (never inserted into), '' none. */
  readonly generated: string;
}

export function createTableSql(schema: string, recoveredAs: string, columns: readonly SourceColumn[]): string {
  const list = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ');
  return `create table ${quoteIdentifier(schema)}.${quoteIdentifier(recoveredAs)} (${list})`;
}

/** Rows per INSERT: as many as the parameter limit allows, at most 1,000. */
export function rowsPerInsert(columnCount: number): number {
  return Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / Math.max(1, columnCount))));
}

/** `insert into … values ($1, $2), ($3, $4)` for `rows` rows: the text parameters take each target column's type. */
export function insertSql(schema: string, recoveredAs: string, columns: readonly SourceColumn[], rows: number): string {
  const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const tuples: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    tuples.push(`(${columns.map((_, col) => `$${row * columns.length + col + 1}`).join(', ')})`);
  }
  return `insert into ${quoteIdentifier(schema)}.${quoteIdentifier(recoveredAs)} (${names}) values ${tuples.join(', ')}`;
}

/**
 * The statements an operator runs to merge a recovered table into production: rows whose key (any unique
 * constraint) is already there are left alone (ON CONFLICT DO NOTHING). Only the columns production has
 * and may be written are listed; an identity column GENERATED ALWAYS needs OVERRIDING SYSTEM VALUE to
 * take the recovered ids. A table production no longer has is recreated first from its migrations (the
 * recovery schema has columns and types only), a bare LIKE being the last resort.
 */
export function mergeSql(source: TableName, schema: string, recoveredAs: string, recovered: readonly SourceColumn[], production: readonly ProductionColumn[] | null): string {
  const from = `${quoteIdentifier(schema)}.${quoteIdentifier(recoveredAs)}`;
  const target = qualifiedName(source);
  if (production === null) {
    const names = recovered.map((c) => quoteIdentifier(c.name)).join(', ');
    return [
      `-- ${target} does not exist in production: recreate it from your schema migrations (keys, constraints, defaults, indexes), then insert;`,
      `-- as a last resort, columns and types only: create table ${target} (like ${from});`,
      `insert into ${target} (${names}) select ${names} from ${from} on conflict do nothing;`,
    ].join('\n');
  }
  const writable = new Map(production.filter((c) => c.generated === '').map((c) => [c.name, c]));
  const columns = recovered.filter((c) => writable.has(c.name));
  const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const overriding = columns.some((c) => writable.get(c.name)?.identity === 'a') ? ' overriding system value' : '';
  const skipped = recovered.filter((c) => !writable.has(c.name)).map((c) => c.name);
  return [
    ...(skipped.length === 0 ? [] : [`-- not merged (not a writable column of ${target} now): ${skipped.join(', ')}`]),
    `insert into ${target} (${names})${overriding} select ${names} from ${from} on conflict do nothing;`,
  ].join('\n');
}
