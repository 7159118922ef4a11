// Each check a restored database must pass, run on an open session: which tables must exist, whose
// counts to compare with what, which indexes amcheck verifies, how fresh the data is, what assertions return.

import { DatabaseError, type Client, type CustomTypesConfig, type QueryArrayConfig } from 'pg';
import { countRows, inSnapshot, listBtreeIndexes, listTables, loggedTables, quoteIdentifier, type CatalogTable, type IndexName } from '../../../shared/rds/postgres/catalog.js';
import { describeFault, type Session } from '../../../shared/rds/postgres/connection.js';
import type { SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
import type { CheckOutcome } from './types.js';
import { assertionOutcome, assertionText, freshnessOutcome, parseTimestampText, rowCountsOutcome, type Expectation } from './plan.js';

/** A database opened on first use and closed by whoever made it. */
export interface LazySession {
  session(): Promise<Session>;
}

export interface CheckContext {
  readonly restored: Session;
  readonly config: ValidationConfig;
  readonly manifest: SourceManifest | null;
  readonly live: LazySession | null;
  readonly referenceTime: number;
  readonly rpoTargetMs: number;
  /** The restored database's tables in every schema, listed once. */
  readonly restoredTables: () => Promise<Map<string, CatalogTable>>;
  /** What the report states besides the checks. */
  readonly facts: { newestData: number | null };
}

const skipped = (detail: string): CheckOutcome => ({ status: 'skipped', detail });
const failed = (detail: string, extra: Partial<CheckOutcome> = {}): CheckOutcome => ({ ...extra, status: 'failed', detail });

/** Tables named in the policy (in every schema), or the logged tables of `schemas`. */
async function tablesOf(client: Client, config: ValidationConfig): Promise<CatalogTable[]> {
  if (config.tables.length === 0) return loggedTables((await listTables(client, config.schemas)).values());
  const all = await listTables(client, null);
  return config.tables.flatMap((key) => all.get(key) ?? []);
}

/** The tables the restore must have: the policy's list, else the manifest's, else the live source's now. */
async function expectedTables(ctx: CheckContext): Promise<{ keys: string[]; from: string } | null> {
  if (ctx.config.tables.length > 0) return { keys: [...ctx.config.tables], from: 'named in the policy' };
  if (ctx.manifest !== null) return { keys: Object.keys(ctx.manifest.tables), from: 'in the manifest' };
  if (ctx.live === null) return null;
  const live = await ctx.live.session();
  const tables = await listTables(live.client, ctx.config.schemas);
  return { keys: [...tables.keys()], from: 'on the live source' };
}

export async function checkSchema(ctx: CheckContext): Promise<CheckOutcome> {
  const expected = await expectedTables(ctx);
  if (expected === null) return skipped('no list of expected tables: the policy names none, no manifest was captured and no live source was given');
  const present = await ctx.restoredTables();
  const missing = expected.keys.filter((key) => !present.has(key));
  const base = { expected: expected.keys, observed: { missing } };
  if (missing.length === 0) return { ...base, status: 'passed', detail: `all ${expected.keys.length} tables ${expected.from} exist` };
  return failed(`${missing.length} of ${expected.keys.length} tables ${expected.from} are missing: ${missing.join(', ')}`, base);
}

function pick(counts: Readonly<Record<string, number>>, keys: readonly string[]): Record<string, number> {
  if (keys.length === 0) return { ...counts };
  return Object.fromEntries(Object.entries(counts).filter(([key]) => keys.includes(key)));
}

/** Restored counts of the tables among `keys` that the restore has (a missing one is the verdict's to report). */
async function restoredCounts(ctx: CheckContext, keys: readonly string[]): Promise<Record<string, number>> {
  const present = await ctx.restoredTables();
  return countRows(ctx.restored.client, keys.flatMap((key) => present.get(key) ?? []));
}

export async function checkRowCounts(ctx: CheckContext): Promise<CheckOutcome> {
  const { mode, tolerance } = ctx.config.rowCounts;
  if (mode === 'captured') {
    if (ctx.manifest === null) return skipped('row counts are compared with the captured manifest (mode captured), and none was captured with this snapshot');
    const expected = pick(ctx.manifest.tables, ctx.config.tables);
    const observed = await restoredCounts(ctx, Object.keys(expected));
    return rowCountsOutcome({ expected, observed, tolerance, against: `the counts captured at ${new Date(ctx.manifest.capturedAt).toISOString()}` });
  }
  if (ctx.live === null) return skipped('row counts are compared with the live source (mode live), and no live source was given');
  const live = await ctx.live.session();
  const expected = await inSnapshot(live.client, async () => countRows(live.client, await tablesOf(live.client, ctx.config)));
  const observed = await restoredCounts(ctx, Object.keys(expected));
  return rowCountsOutcome({ expected, observed, tolerance, against: 'the live source now' });
}

/** Creates amcheck if needed (in a read-write transaction: the session is read-only) and returns its schema. */
async function installAmcheck(client: Client): Promise<string> {
  await client.query('begin read write');
  try {
    await client.query('create extension if not exists amcheck');
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  const result = await client.query<{ schema: string }>(
    "select n.nspname as schema from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace where e.extname = 'amcheck'",
  );
  const schema = result.rows[0]?.schema;
  if (schema === undefined) throw new Error('amcheck was created but pg_extension does not list it');
  return schema;
}

/** bt_index_check on each index; an index it rejects (or cannot check) is listed with the reason. */
async function checkIndexes(client: Client, schema: string, indexes: readonly IndexName[]): Promise<string[]> {
  const problems: string[] = [];
  for (const index of indexes) {
    try {
      await client.query(`select ${quoteIdentifier(schema)}.bt_index_check($1::oid::regclass)`, [index.oid]);
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error;
      problems.push(`${index.name}: ${describeFault(error)}`);
    }
  }
  return problems;
}

export async function checkAmcheck(ctx: CheckContext): Promise<CheckOutcome> {
  if (!ctx.config.amcheck) return skipped('disabled in the policy (validation.amcheck: false)');
  const client = ctx.restored.client;
  const available = await client.query("select 1 from pg_catalog.pg_available_extensions where name = 'amcheck'");
  if (available.rowCount === 0) return skipped('the amcheck extension is not available on this server');
  let schema: string;
  try {
    schema = await installAmcheck(client);
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    return failed(`could not create the amcheck extension: ${describeFault(error)}`);
  }
  const indexes = await listBtreeIndexes(client, ctx.config.schemas);
  const problems = await checkIndexes(client, schema, indexes);
  const observed = { indexesChecked: indexes.length, corrupt: problems };
  const schemas = ctx.config.schemas.join(', ');
  if (problems.length === 0) return { status: 'passed', detail: `bt_index_check passed on all ${indexes.length} B-tree indexes in ${schemas}`, observed };
  return failed(`bt_index_check failed on ${problems.length} of ${indexes.length} B-tree indexes: ${problems.join('; ')}`, { observed });
}

/** Every value as PostgreSQL's text form: no client-side parsing to lose precision or shift time zones. */
const RAW_TEXT: CustomTypesConfig = { getTypeParser: () => (text: string) => text };

interface FirstValue {
  readonly text: string | null;
  readonly typeOid: number;
  readonly rowCount: number;
}

/** The first column of the first row of one statement (the extended protocol refuses several). */
async function firstValue(client: Client, sql: string): Promise<FirstValue> {
  const query: QueryArrayConfig & { queryMode: 'extended' } = { text: sql, rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' };
  const result = await client.query<unknown[]>(query);
  const cell = result.rows[0]?.[0];
  return { text: typeof cell === 'string' ? cell : null, typeOid: result.fields[0]?.dataTypeID ?? 0, rowCount: result.rows.length };
}

export async function checkFreshness(ctx: CheckContext): Promise<CheckOutcome> {
  const freshness = ctx.config.freshness;
  if (freshness === undefined) return skipped('no freshness query in the policy');
  const value = await firstValue(ctx.restored.client, freshness.query);
  if (value.rowCount === 0) return failed('the freshness query returned no rows: nothing dates the restored data');
  if (value.text === null) return failed('the freshness query returned NULL: nothing dates the restored data (is the table empty?)');
  const newest = parseTimestampText(value.text, value.typeOid);
  if (newest === null) return failed(`the freshness query returned ${JSON.stringify(value.text)} (type oid ${value.typeOid}), not a timestamp`, { observed: value.text });
  ctx.facts.newestData = newest;
  return freshnessOutcome(newest, ctx.referenceTime, ctx.rpoTargetMs);
}

export async function checkAssertion(ctx: CheckContext, assertion: { readonly sql: string; readonly expect: Expectation }): Promise<CheckOutcome> {
  const value = await firstValue(ctx.restored.client, assertion.sql);
  return assertionOutcome(assertionText(value.text, value.typeOid), assertion.expect, value.rowCount);
}
