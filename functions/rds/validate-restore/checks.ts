// Each check a restored database must pass, run on an open session: which tables must exist and whether
// the schema matches its fingerprint, whose counts to compare with what, which indexes amcheck verifies,
// how fresh the data is, what assertions return — and, per check, when the policy does not require it
// for this kind of test (skipped) and when a required check cannot run or has nothing to compare
// (inconclusive: never a pass). The content check is content-check.ts.

import { DatabaseError, type Client, type CustomTypesConfig, type QueryArrayConfig } from 'pg';
import type { RestoreKind } from '../../../shared/rds/restore-run.js';
import { countRows, inSnapshot, listBtreeIndexes, listTables, loggedTables, qualifiedName, quoteIdentifier, type CatalogTable, type IndexName } from '../../../shared/rds/postgres/catalog.js';
import { ConnectFailed, describeFault, isDatabaseFault, type Session } from '../../../shared/rds/postgres/connection.js';
import { compareSchema, tableOf } from '../../../shared/rds/postgres/schema-diff.js';
import { captureSchemaFingerprint } from '../../../shared/rds/postgres/schema-fingerprint.js';
import type { ManifestBracket, SourceManifest, ValidationConfig } from '../../../shared/rds/postgres/types.js';
import type { CheckOutcome } from './types.js';
import {
  assertionOutcome,
  assertionText,
  countRanges,
  FRESHNESS_CLOCK_SKEW_MS,
  freshnessOutcome,
  FUTURE_ROWS_LIMIT,
  futureRowsWarning,
  parseTimestampText,
  PG_TYPE,
  rowCountsOutcome,
  type Expectation,
} from './plan.js';

/** A database opened on first use and closed by whoever made it. */
export interface LazySession {
  session(): Promise<Session>;
}

export interface CheckContext {
  readonly restored: Session;
  readonly config: ValidationConfig;
  /** A snapshot restore has manifests captured with it; a point-in-time restore has none. */
  readonly kind: RestoreKind;
  /** The captures just before and just after the snapshot (either may be missing). */
  readonly bracket: ManifestBracket;
  /** The capture the restore is first compared with: the one before the snapshot, else the one after it; null: none. */
  readonly manifest: SourceManifest | null;
  readonly live: LazySession | null;
  readonly referenceTime: number;
  readonly rpoTargetMs: number;
  /** The restored database's tables in every schema, listed once. */
  readonly restoredTables: () => Promise<Map<string, CatalogTable>>;
  /** The clock time budgets are measured with. */
  readonly now: () => number;
  /** What the report states besides the checks. */
  readonly facts: { newestData: number | null; readonly warnings: string[] };
}

/** Why a check is not required for this policy and kind of test (it is then skipped, never run), or null. */
export type Exemption = (config: ValidationConfig, kind: RestoreKind) => string | null;

const inconclusive = (detail: string, extra: Partial<CheckOutcome> = {}): CheckOutcome => ({ ...extra, status: 'inconclusive', detail });
const failed = (detail: string, extra: Partial<CheckOutcome> = {}): CheckOutcome => ({ ...extra, status: 'failed', detail });
const iso = (ms: number) => new Date(ms).toISOString();

/** The live source's session, or why it cannot serve as the reference (the check is then inconclusive). */
async function liveSession(ctx: CheckContext): Promise<Session | string> {
  if (ctx.live === null) return 'no live source was given (the source instance has no endpoint)';
  try {
    return await ctx.live.session();
  } catch (error) {
    if (error instanceof ConnectFailed) return `the live source cannot be reached: ${error.message}`;
    throw error;
  }
}

/** Reads the reference on the live source; a fault there leaves the check without a reference, not failed. */
async function fromLive<T>(ctx: CheckContext, read: (client: Client) => Promise<T>): Promise<T | string> {
  const live = await liveSession(ctx);
  if (typeof live === 'string') return live;
  try {
    return await read(live.client);
  } catch (error) {
    if (!isDatabaseFault(error)) throw error;
    return `the live source could not be read: ${describeFault(error)}`;
  }
}

/** Tables named in the policy (in every schema), or the logged tables of `schemas`. */
async function tablesOf(client: Client, config: ValidationConfig): Promise<CatalogTable[]> {
  if (config.tables.length === 0) return loggedTables((await listTables(client, config.schemas ?? null)).values());
  const all = await listTables(client, null);
  return config.tables.flatMap((key) => all.get(key) ?? []);
}

/** The captures there are, before first. */
export function capturesOf(bracket: ManifestBracket): SourceManifest[] {
  return [bracket.before, bracket.after].filter((capture): capture is SourceManifest => capture !== null);
}

/** Tables every capture has (one created or dropped while the snapshot was taken may be in the restore or not). */
function capturedTables(bracket: ManifestBracket): string[] {
  const [first, ...others] = capturesOf(bracket);
  if (first === undefined) return [];
  return Object.keys(first.tables).filter((key) => others.every((capture) => Object.hasOwn(capture.tables, key)));
}

/** "at <time>", or "before and after the snapshot (<time> to <time>)". */
function capturedWhen(bracket: ManifestBracket): string {
  const captures = capturesOf(bracket);
  if (captures.length === 1) return `at ${iso((captures[0] as SourceManifest).capturedAt)}`;
  return `before and after the snapshot (${captures.map((c) => iso(c.capturedAt)).join(' to ')})`;
}

// ---- schema ----------------------------------------------------------------------------------------

export const schemaExemption: Exemption = (config, kind) =>
  kind === 'pitr' && config.tables.length === 0 && config.rowCounts.mode === 'captured'
    ? 'not applicable to a point-in-time restore: no manifest exists for a point in time (name validation.tables, or use rowCounts.mode: live, to check its tables)'
    : null;

/** The tables the restore must have: the policy's list, else the manifest's, else the live source's now; or why there is no list. */
async function expectedTables(ctx: CheckContext): Promise<{ keys: string[]; from: string } | string> {
  if (ctx.config.tables.length > 0) return { keys: [...ctx.config.tables], from: 'named in the policy' };
  if (ctx.manifest !== null) return { keys: capturedTables(ctx.bracket), from: 'in the manifest' };
  const none = ctx.kind === 'snapshot' ? 'the policy names none and no manifest was captured with this snapshot' : 'the policy names none';
  if (ctx.live === null) return `no list of expected tables: ${none}, and no live source was given`;
  const live = await fromLive(ctx, async (client) => [...(await listTables(client, ctx.config.schemas ?? null)).keys()]);
  if (typeof live === 'string') return `no list of expected tables: ${none}, and ${live}`;
  return { keys: live, from: 'on the live source' };
}

/** Objects validate-restore itself may add to a restore: the amcheck extension (the amcheck check installs it). */
const addedByValidation = (object: string) => object === 'extension amcheck';

/** How many differences a detail names before "… and N more" (the report has them all). */
const LISTED_DIFFERENCES = 10;

/**
 * The restore's schema against the fingerprints captured before and after the snapshot: every object
 * that was the same in both must be the same (a sequence not behind), nothing may be missing or added.
 * With tables named in the policy, only their objects are compared.
 */
async function schemaAgainstFingerprints(ctx: CheckContext, tablesPart: string, missingTables: readonly string[], base: Record<string, unknown>): Promise<CheckOutcome> {
  const before = ctx.bracket.before?.schema ?? null;
  const after = ctx.bracket.after?.schema ?? null;
  const reference = before ?? after;
  if (reference === null) {
    const why = `the manifest captured ${capturedWhen(ctx.bracket)} has no schema fingerprint (captured before fingerprints existed): only the tables were compared`;
    return missingTables.length > 0 ? failed(`${tablesPart}; ${why}`, base) : inconclusive(`${tablesPart}, but ${why}`, base);
  }
  const restored = await inSnapshot(ctx.restored.client, () => captureSchemaFingerprint(ctx.restored.client, reference.schemas));
  const named = new Set(ctx.config.tables);
  const only = named.size === 0 ? undefined : (object: string, props: Readonly<Record<string, string>> | undefined) => named.has(tableOf(object, props) ?? '');
  const comparison = compareSchema(before, after, restored, { mayAdd: addedByValidation, ...(only === undefined ? {} : { only }) });
  const alreadySaid = new Set(missingTables.map((table) => `table ${table}`));
  const differences = comparison.differences.filter((d) => !alreadySaid.has(d.object));
  const observed = { ...(base.observed as object), differences: comparison.differences, changedWhileSnapshotTaken: comparison.changing, impliedByMissingTables: comparison.impliedByMissingTables };
  const outcome = { ...base, observed };
  const changing = comparison.changing.length === 0 ? '' : `, ${comparison.changing.length} changed while the snapshot was taken`;
  if (differences.length === 0 && missingTables.length === 0) {
    return { ...outcome, status: 'passed', detail: `${tablesPart}; the schema matches its fingerprint (${comparison.compared} objects${changing})` };
  }
  if (differences.length === 0) return failed(tablesPart, outcome);
  const listed = differences.slice(0, LISTED_DIFFERENCES).map((d) => d.text);
  const more = differences.length > listed.length ? `; and ${differences.length - listed.length} more (in the report)` : '';
  return failed(`${tablesPart}; ${differences.length} schema object(s) differ from the fingerprint captured ${capturedWhen(ctx.bracket)}: ${listed.join('; ')}${more}`, outcome);
}

export async function checkSchema(ctx: CheckContext): Promise<CheckOutcome> {
  const expected = await expectedTables(ctx);
  if (typeof expected === 'string') return inconclusive(expected);
  if (expected.keys.length === 0) return inconclusive(`no tables ${expected.from}: nothing to compare the restore with`);
  const present = await ctx.restoredTables();
  const missing = expected.keys.filter((key) => !present.has(key));
  const base = { expected: expected.keys, observed: { missing } };
  const tablesPart = missing.length === 0 ? `all ${expected.keys.length} tables ${expected.from} exist` : `${missing.length} of ${expected.keys.length} tables ${expected.from} are missing: ${missing.join(', ')}`;
  if (ctx.manifest !== null) return schemaAgainstFingerprints(ctx, tablesPart, missing, base);
  if (missing.length === 0) return { ...base, status: 'passed', detail: tablesPart };
  return failed(tablesPart, base);
}

// ---- row counts ------------------------------------------------------------------------------------

export const rowCountsExemption: Exemption = (config, kind) =>
  kind === 'pitr' && config.rowCounts.mode === 'captured'
    ? 'not applicable to a point-in-time restore: counts are captured only with snapshots (rowCounts.mode: live compares a PITR restore with the source)'
    : null;

/** Restored counts of the tables among `keys` that the restore has (a missing one is the verdict's to report). */
async function restoredCounts(ctx: CheckContext, keys: readonly string[]): Promise<Record<string, number>> {
  const present = await ctx.restoredTables();
  return countRows(ctx.restored.client, keys.flatMap((key) => present.get(key) ?? []));
}

/**
 * Restored counts against the range the captures before and after the snapshot saw (one capture: its
 * counts). A table in only one capture was created or dropped while the snapshot was taken: not compared.
 */
async function capturedRowCounts(ctx: CheckContext): Promise<CheckOutcome> {
  const { tolerance } = ctx.config.rowCounts;
  const named = ctx.config.tables;
  const captures = capturesOf(ctx.bracket);
  const ranges = countRanges(captures.map((capture) => capture.tables));
  const inAll = new Set(capturedTables(ctx.bracket));
  const candidates = named.length === 0 ? [...inAll] : named.filter((key) => inAll.has(key));
  const expected = Object.fromEntries(candidates.map((key) => [key, ranges[key] as { min: number; max: number }]));
  const notCaptured = named.filter((key) => !Object.hasOwn(ranges, key));
  const against = `the counts captured ${capturedWhen(ctx.bracket)}`;
  if (Object.keys(expected).length === 0) {
    return inconclusive(named.length > 0 ? `none of the ${named.length} tables named in the policy is in the manifest captured ${capturedWhen(ctx.bracket)}: nothing to compare` : `the manifest captured ${capturedWhen(ctx.bracket)} lists no tables: nothing to compare`);
  }
  const single = Object.fromEntries(Object.entries(expected).map(([key, range]) => [key, range.min === range.max ? range.min : range]));
  const outcome = rowCountsOutcome({ expected: single, observed: await restoredCounts(ctx, Object.keys(expected)), tolerance, against });
  const changed = Object.keys(ranges).filter((key) => !inAll.has(key) && (named.length === 0 || named.includes(key)));
  const note = changed.length === 0 ? '' : ` (${changed.length} created or dropped while the snapshot was taken, not compared: ${changed.join(', ')})`;
  if (outcome.status !== 'passed' || notCaptured.length === 0) return { ...outcome, detail: `${outcome.detail}${note}` };
  return { ...outcome, status: 'inconclusive', detail: `${outcome.detail}, but ${notCaptured.length} tables named in the policy are not in the manifest, so their counts were not compared: ${notCaptured.join(', ')}` };
}

export async function checkRowCounts(ctx: CheckContext): Promise<CheckOutcome> {
  const { mode, tolerance } = ctx.config.rowCounts;
  if (mode === 'captured') {
    if (ctx.manifest === null) return inconclusive('row counts are compared with the counts captured with the snapshot (mode captured), and no manifest was captured with this snapshot');
    return capturedRowCounts(ctx);
  }
  const expected = await fromLive(ctx, (client) => inSnapshot(client, async () => countRows(client, await tablesOf(client, ctx.config))));
  if (typeof expected === 'string') return inconclusive(`row counts are compared with the live source (mode live), and ${expected}`);
  if (Object.keys(expected).length === 0) return inconclusive('the live source has no tables to count: nothing to compare');
  const observed = await restoredCounts(ctx, Object.keys(expected));
  return rowCountsOutcome({ expected, observed, tolerance, against: 'the live source now' });
}

// ---- amcheck ---------------------------------------------------------------------------------------

export const amcheckExemption: Exemption = (config) => (config.amcheck ? null : 'disabled in the policy (validation.amcheck: false)');

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
  const client = ctx.restored.client;
  const available = await client.query("select 1 from pg_catalog.pg_available_extensions where name = 'amcheck'");
  if (available.rowCount === 0) return inconclusive('the policy requires amcheck (validation.amcheck: true) and the extension is not available on this server: the indexes were not checked');
  let schema: string;
  try {
    schema = await installAmcheck(client);
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    return inconclusive(`the policy requires amcheck and the extension could not be created: ${describeFault(error)}`);
  }
  const indexes = await listBtreeIndexes(client, ctx.config.schemas ?? null);
  const schemas = ctx.config.schemas === undefined ? 'every schema' : ctx.config.schemas.join(', ');
  if (indexes.length === 0) return inconclusive(`no B-tree index in ${schemas}: nothing for amcheck to check (set validation.amcheck: false for a schema without indexes)`, { observed: { indexesChecked: 0, corrupt: [] } });
  const problems = await checkIndexes(client, schema, indexes);
  const observed = { indexesChecked: indexes.length, corrupt: problems };
  if (problems.length === 0) return { status: 'passed', detail: `bt_index_check passed on all ${indexes.length} B-tree indexes in ${schemas}`, observed };
  return failed(`bt_index_check failed on ${problems.length} of ${indexes.length} B-tree indexes: ${problems.join('; ')}`, { observed });
}

// ---- freshness -------------------------------------------------------------------------------------

/** A snapshot test measures its RPO only when asked; a PITR test exists to prove it, so there it is required. */
export const freshnessExemption: Exemption = (config, kind) => (kind === 'snapshot' && config.freshness === undefined ? 'no freshness check in the policy (validation.freshness)' : null);

/** Every value as PostgreSQL's text form: no client-side parsing to lose precision or shift time zones. */
const RAW_TEXT: CustomTypesConfig = { getTypeParser: () => (text: string) => text };

interface FirstValue {
  readonly text: string | null;
  readonly typeOid: number;
  readonly rowCount: number;
}

/** The first column of the first row of one statement (the extended protocol refuses several). */
async function firstValue(client: Client, sql: string, values: readonly unknown[] = []): Promise<FirstValue> {
  const query: QueryArrayConfig & { queryMode: 'extended' } = { text: sql, values: [...values], rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' };
  const result = await client.query<unknown[]>(query);
  const cell = result.rows[0]?.[0];
  return { text: typeof cell === 'string' ? cell : null, typeOid: result.fields[0]?.dataTypeID ?? 0, rowCount: result.rows.length };
}

/** "At or before the restore point" in the column's own type ($1: the bound as an ISO time), so an index on it serves. */
const BOUND_AS: Readonly<Record<number, string>> = {
  [PG_TYPE.timestamptz]: '$1::timestamptz',
  [PG_TYPE.timestamp]: "($1::timestamptz at time zone 'UTC')",
  [PG_TYPE.date]: "($1::timestamptz at time zone 'UTC')::date",
};

/** The policy's table and column: newest value at or before the restore point (+ clock skew), and how many rows lie after it. */
async function freshnessByColumn(ctx: CheckContext, tableKey: string, column: string): Promise<CheckOutcome> {
  const client = ctx.restored.client;
  const dot = tableKey.indexOf('.');
  const table = qualifiedName({ schema: tableKey.slice(0, dot), table: tableKey.slice(dot + 1) });
  const found = await client.query<{ type_oid: number; type_name: string }>(
    `select a.atttypid::integer as type_oid, pg_catalog.format_type(a.atttypid, a.atttypmod) as type_name
       from pg_catalog.pg_attribute a
      where a.attrelid = pg_catalog.to_regclass($1) and a.attname = $2 and a.attnum > 0 and not a.attisdropped`,
    [table, column],
  );
  const type = found.rows[0];
  if (type === undefined) return failed(`${tableKey}.${column} does not exist in the restored database`);
  const bound = BOUND_AS[type.type_oid];
  if (bound === undefined) return failed(`${tableKey}.${column} is of type ${type.type_name}: freshness needs a timestamptz, timestamp or date column`);
  const col = quoteIdentifier(column);
  const limit = ctx.referenceTime + FRESHNESS_CLOCK_SKEW_MS;
  const newestValue = await firstValue(client, `select max(${col}) from ${table} where ${col} <= ${bound}`, [iso(limit)]);
  const afterValue = await firstValue(client, `select count(*) from (select 1 from ${table} where ${col} > ${bound} limit ${FUTURE_ROWS_LIMIT + 1}) as later`, [iso(limit)]);
  const after = Number(afterValue.text ?? 0);
  if (after > 0) ctx.facts.warnings.push(futureRowsWarning(tableKey, after, ctx.referenceTime));
  const dated = after === 0 ? '' : `; ${after > FUTURE_ROWS_LIMIT ? `more than ${FUTURE_ROWS_LIMIT}` : after} ${after === 1 ? 'row is' : 'rows are'} dated after it (a warning, not proof)`;
  const newest = newestValue.text === null ? null : parseTimestampText(newestValue.text, newestValue.typeOid);
  if (newest === null) {
    return failed(`no row of ${tableKey} has ${column} at or before the restore point ${iso(ctx.referenceTime)}: nothing dates the restored data${dated}`, { observed: { rowsAfterRestorePoint: after } });
  }
  ctx.facts.newestData = newest;
  const outcome = freshnessOutcome(newest, ctx.referenceTime, ctx.rpoTargetMs);
  return { ...outcome, detail: `${outcome.detail}${dated}`, observed: { ...(outcome.observed as object), rowsAfterRestorePoint: after } };
}

/** The policy's query (one timestamp: the newest data). A value after the restore point cannot be judged. */
async function freshnessByQuery(ctx: CheckContext, sql: string): Promise<CheckOutcome> {
  const value = await firstValue(ctx.restored.client, sql);
  if (value.rowCount === 0) return failed('the freshness query returned no rows: nothing dates the restored data');
  if (value.text === null) return failed('the freshness query returned NULL: nothing dates the restored data (is the table empty?)');
  const newest = parseTimestampText(value.text, value.typeOid);
  if (newest === null) return failed(`the freshness query returned ${JSON.stringify(value.text)} (type oid ${value.typeOid}), not a timestamp`, { observed: value.text });
  const outcome = freshnessOutcome(newest, ctx.referenceTime, ctx.rpoTargetMs);
  if (outcome.status === 'inconclusive') {
    ctx.facts.warnings.push(`freshness: data is dated after the restore point ${iso(ctx.referenceTime)} (newest ${iso(newest)}); validation.freshness.query cannot count it`);
    return { ...outcome, detail: `${outcome.detail} (validation.freshness.query returns only the newest value: give validation.freshness a table and column instead)` };
  }
  ctx.facts.newestData = newest;
  return outcome;
}

export async function checkFreshness(ctx: CheckContext): Promise<CheckOutcome> {
  const freshness = ctx.config.freshness;
  if (freshness?.table !== undefined && freshness.column !== undefined) return freshnessByColumn(ctx, freshness.table, freshness.column);
  if (freshness?.query !== undefined) return freshnessByQuery(ctx, freshness.query);
  return inconclusive('a point-in-time restore proves its RPO with the freshness check, and the policy has none (validation.freshness)');
}

// ---- assertions ------------------------------------------------------------------------------------

export async function checkAssertion(ctx: CheckContext, assertion: { readonly sql: string; readonly expect: Expectation }): Promise<CheckOutcome> {
  const value = await firstValue(ctx.restored.client, assertion.sql);
  return assertionOutcome(assertionText(value.text, value.typeOid), assertion.expect, value.rowCount);
}
