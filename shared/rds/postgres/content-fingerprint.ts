// Content fingerprints: each table's rows hashed in PostgreSQL, in primary-key order, per bucket of key
// ranges — md5 of each row's text, concatenated in key order, md5 again; only counts and hashes cross the
// wire. The layout (bucket bounds on the first key column, and the largest key captured) is made once,
// just before the snapshot, and reused by the capture after it and by the restore test, so rows added
// after the capture (keys beyond the captured one) never disturb what is compared.

import { createHash } from 'node:crypto';
import { DatabaseError, type Client } from 'pg';
import { qualifiedName, quoteIdentifier, type TableName } from './catalog.js';
import type { BucketHash, ContentFingerprint, TableContent, ValidationConfig } from './types.js';

/** A bucket holds at most about this many rows: its hash concatenates 16 bytes per row in the server's memory. */
export const MAX_ROWS_PER_BUCKET = 1_000_000;

/** Above this many rows, bucket bounds come from a sample of the table's pages rather than a full scan. */
const SAMPLE_BOUNDS_ABOVE = 2_000_000;

type KeyLayout = Extract<TableContent, { mode: 'key' }>;

/** "schema.table" → its parts (the key's first dot splits them, as everywhere in the manifests). */
export function tableName(key: string): TableName {
  const dot = key.indexOf('.');
  return { schema: key.slice(0, dot), table: key.slice(dot + 1) };
}

/** How many buckets a table of `rows` rows gets: the policy's number, more when a bucket would pass MAX_ROWS_PER_BUCKET. */
export function bucketCount(rows: number, buckets: number): number {
  if (rows <= 0) return 0;
  return Math.min(rows, Math.max(buckets, Math.ceil(rows / MAX_ROWS_PER_BUCKET)));
}

/**
 * The buckets a table compares: all of them for an append-only table or one of at most `sampleAbove`
 * rows; otherwise `sampleBuckets` of them, chosen by hashing the seed (the snapshot's id), the table and
 * the bucket — the same snapshot is always sampled the same way, and successive snapshots sample others.
 */
export function sampleOf(input: { seed: string; table: string; count: number; rows: number; appendOnly: boolean; sampleBuckets: number; sampleAbove: number }): number[] {
  const all = Array.from({ length: input.count }, (_, i) => i);
  if (input.appendOnly || input.rows <= input.sampleAbove || input.sampleBuckets >= input.count) return all;
  const rank = (i: number) => createHash('sha256').update(`${input.seed}\u0000${input.table}\u0000${i}`).digest('hex');
  return all
    .map((i) => ({ i, rank: rank(i) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, input.sampleBuckets)
    .map((entry) => entry.i)
    .sort((a, b) => a - b);
}

interface PrimaryKey {
  readonly columns: string[];
  /** The first key column's type, as format_type prints it. */
  readonly type: string;
}

/** The primary key of each table (by "schema.table"); tables without one are absent. */
export async function primaryKeys(client: Client, tables: readonly string[]): Promise<Map<string, PrimaryKey>> {
  if (tables.length === 0) return new Map();
  const names = tables.map(tableName);
  const result = await client.query<{ schema: string; table: string; columns: string[]; type: string }>(
    `select n.nspname as schema, c.relname as table,
            array_agg(a.attname::text order by k.ord) as columns,
            (array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) order by k.ord))[1] as type
       from pg_catalog.pg_index i
       join pg_catalog.pg_class c on c.oid = i.indrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
       join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
      where i.indisprimary and (n.nspname, c.relname) in (select * from unnest($1::text[], $2::text[]))
      group by n.nspname, c.relname`,
    [names.map((n) => n.schema), names.map((n) => n.table)],
  );
  return new Map(result.rows.map((row) => [`${row.schema}.${row.table}`, { columns: row.columns, type: row.type }]));
}

/** The bucket layout of a keyed table: bounds on its first key column (distinct, ascending), and its largest value. */
async function keyLayout(client: Client, table: TableName, key: PrimaryKey, rows: number, buckets: number): Promise<Omit<KeyLayout, 'sample' | 'buckets'>> {
  const column = key.columns[0] as string;
  const col = quoteIdentifier(column);
  const from = qualifiedName(table);
  const base = { mode: 'key' as const, key: key.columns, column, type: key.type };
  const range = await client.query<{ min: string | null; max: string | null }>(`select min(${col})::text as min, max(${col})::text as max from ${from}`);
  const { min, max } = range.rows[0] ?? { min: null, max: null };
  const count = bucketCount(rows, buckets);
  if (min === null || max === null || count === 0) return { ...base, bounds: [], max: null };
  // The value at the start of each i-th share of the rows (percentile_disc(i/count) would return the
  // value that ends the share before it: half a row further makes the bounds distinct rows).
  const fractions = Array.from({ length: count }, (_, i) => Math.min(1, i / count + 0.5 / rows));
  const sampled = rows > SAMPLE_BOUNDS_ABOVE ? ` tablesample system (${Math.min(100, (100 * SAMPLE_BOUNDS_ABOVE) / rows).toFixed(6)}) repeatable (0)` : '';
  const quantiles = await client.query<{ bounds: string[] | null }>(
    `select (percentile_disc($1::float8[]) within group (order by ${col}))::text[] as bounds from ${from}${sampled}`,
    [fractions],
  );
  const found = quantiles.rows[0]?.bounds ?? [];
  // The first bucket starts at the smallest key (a page sample may have missed it).
  const bounds = [min, ...found.slice(1).filter((bound) => bound !== min)].filter((bound, i, all) => i === 0 || bound !== all[i - 1]);
  return { ...base, bounds, max };
}

/** Each bucket's `where` (bound $1, and $2 for the upper bound) in the layout's own type. */
function bucketRange(layout: Pick<KeyLayout, 'column' | 'type' | 'bounds' | 'max'>, bucket: number): { where: string; values: string[] } {
  const col = `r.${quoteIdentifier(layout.column)}`;
  const lower = layout.bounds[bucket] as string;
  const next = layout.bounds[bucket + 1];
  if (next !== undefined) return { where: `${col} >= $1::${layout.type} and ${col} < $2::${layout.type}`, values: [lower, next] };
  return { where: `${col} >= $1::${layout.type} and ${col} <= $2::${layout.type}`, values: [lower, layout.max as string] };
}

/** One bucket's row count and hash: md5 of each row's text, concatenated in primary-key order, md5 again. */
async function hashBucket(client: Client, table: TableName, layout: Pick<KeyLayout, 'key' | 'column' | 'type' | 'bounds' | 'max'>, bucket: number): Promise<BucketHash> {
  const { where, values } = bucketRange(layout, bucket);
  const order = layout.key.map((column) => `r.${quoteIdentifier(column)}`).join(', ');
  const result = await client.query<{ rows: string; hash: string }>(
    `select count(*)::text as rows,
            md5(coalesce(string_agg(decode(md5(row(r.*)::text), 'hex'), ''::bytea order by ${order}), ''::bytea)) as hash
       from ${qualifiedName(table)} r where ${where}`,
    values,
  );
  const row = result.rows[0];
  return { rows: Number(row?.rows ?? 0), hash: row?.hash ?? '' };
}

/** A table without a primary key, whole: its rows' hashes concatenated in the order of the hashes. */
export async function hashWhole(client: Client, table: TableName): Promise<BucketHash> {
  const result = await client.query<{ rows: string; hash: string }>(
    `select count(*)::text as rows, md5(coalesce(string_agg(h, ''::bytea order by h), ''::bytea)) as hash
       from (select decode(md5(row(r.*)::text), 'hex') as h from ${qualifiedName(table)} r) as rows`,
  );
  const row = result.rows[0];
  return { rows: Number(row?.rows ?? 0), hash: row?.hash ?? '' };
}

/** Stops the hashing once the time budget is spent. */
export interface Deadline {
  readonly now: () => number;
  readonly at: number;
}

const spent = (deadline: Deadline) => deadline.now() >= deadline.at;

/** A table of at most this many rows has all its buckets hashed by one query (grouped), not one query per bucket. */
export const ONE_QUERY_ROWS = 200_000;

/** The hash of a bucket without rows. */
const EMPTY: BucketHash = { rows: 0, hash: createHash('md5').update('').digest('hex') };

/** Every bucket of a small table in one scan: rows grouped by bucket (width_bucket over the bounds), each hashed in key order. */
async function hashAllBuckets(client: Client, table: TableName, layout: Pick<KeyLayout, 'key' | 'column' | 'type' | 'bounds' | 'max'>): Promise<Record<string, BucketHash>> {
  const col = `r.${quoteIdentifier(layout.column)}`;
  const order = layout.key.map((column) => `r.${quoteIdentifier(column)}`).join(', ');
  const result = await client.query<{ bucket: number; rows: string; hash: string }>(
    `select (width_bucket(${col}, $1::${layout.type}[]) - 1)::integer as bucket, count(*)::text as rows,
            md5(string_agg(decode(md5(row(r.*)::text), 'hex'), ''::bytea order by ${order})) as hash
       from ${qualifiedName(table)} r where ${col} >= $2::${layout.type} and ${col} <= $3::${layout.type}
      group by 1`,
    [layout.bounds, layout.bounds[0], layout.max],
  );
  const hashes: Record<string, BucketHash> = {};
  for (const row of result.rows) hashes[String(row.bucket)] = { rows: Number(row.rows), hash: row.hash };
  return hashes;
}

/**
 * The hashes of `buckets` of a keyed table under `layout` (the one captured before the snapshot), until
 * the deadline: what is missing was not hashed in time. `rows` (as captured) picks the method: one
 * grouped scan for a small table, one index range scan per bucket otherwise (each bucket stays within
 * the statement timeout, and a sample reads only its buckets).
 */
export async function hashBuckets(
  client: Client,
  tableKey: string,
  layout: Pick<KeyLayout, 'key' | 'column' | 'type' | 'bounds' | 'max'>,
  buckets: readonly number[],
  deadline: Deadline,
  rows: number,
): Promise<{ hashes: Record<string, BucketHash>; complete: boolean }> {
  const hashes: Record<string, BucketHash> = {};
  if (buckets.length > 1 && rows <= ONE_QUERY_ROWS) {
    if (spent(deadline)) return { hashes, complete: false };
    const all = await hashAllBuckets(client, tableName(tableKey), layout);
    for (const bucket of buckets) hashes[String(bucket)] = all[String(bucket)] ?? EMPTY;
    return { hashes, complete: true };
  }
  for (const bucket of buckets) {
    if (spent(deadline)) return { hashes, complete: false };
    hashes[String(bucket)] = await hashBucket(client, tableName(tableKey), layout, bucket);
  }
  return { hashes, complete: true };
}

export interface ContentCaptureInput {
  /** "schema.table" → exact row count (in the same transaction). */
  readonly counts: Readonly<Record<string, number>>;
  readonly config: ValidationConfig;
  /** Chooses the sampled buckets: the snapshot's id. */
  readonly seed: string;
  /** The content captured before the snapshot: its layouts and samples are reused (the after capture). */
  readonly layoutFrom?: ContentFingerprint | undefined;
  readonly now: () => number;
}

/** Tables in the order their content is hashed under the budget: append-only first (they are compared in full), then by name. */
function hashingOrder(tables: readonly string[], appendOnly: ReadonlySet<string>): string[] {
  return [...tables].sort((a, b) => Number(appendOnly.has(b)) - Number(appendOnly.has(a)) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The content fingerprint of the counted tables, inside the caller's repeatable-read transaction (so it
 * is of the same instant as the counts; savepoints keep a table that fails from failing the others). Append-only tables and tables of at most `sampleAbove` rows are
 * hashed in full, larger ones on their sampled buckets, until `content.timeBudget` is spent.
 */
export async function captureContent(client: Client, input: ContentCaptureInput): Promise<ContentFingerprint> {
  const started = input.now();
  const { content, appendOnly } = input.config;
  const appendOnlySet = new Set(appendOnly);
  const deadline: Deadline = { now: input.now, at: started + content.timeBudget };
  const tables = hashingOrder(Object.keys(input.counts), appendOnlySet);
  const keys = await primaryKeys(client, tables);
  const fingerprints: Record<string, TableContent> = {};
  let budgetExhausted = false;
  const outOfTime = (): TableContent => {
    budgetExhausted = true;
    return { mode: 'none', reason: 'not hashed: the time budget (validation.content.timeBudget) ran out' };
  };
  const fingerprintOf = async (key: string): Promise<TableContent> => {
    const rows = input.counts[key] ?? 0;
    const earlier = input.layoutFrom?.tables[key];
    const primaryKey = keys.get(key);
    if (earlier?.mode === 'none') return earlier;
    if (earlier?.mode === 'whole' || (earlier === undefined && primaryKey === undefined)) {
      if (earlier === undefined && rows > content.keylessRows) return { mode: 'none', reason: `no primary key, and its ${rows} rows are more than validation.content.keylessRows (${content.keylessRows})` };
      return spent(deadline) ? outOfTime() : { mode: 'whole', ...(await hashWhole(client, tableName(key))) };
    }
    if (earlier?.mode === 'key') {
      const { hashes, complete } = await hashBuckets(client, key, earlier, earlier.sample, deadline, rows);
      if (!complete) budgetExhausted = true;
      return { ...earlier, buckets: hashes };
    }
    if (spent(deadline)) return outOfTime();
    const layout = await keyLayout(client, tableName(key), primaryKey as PrimaryKey, rows, content.buckets);
    const sample = sampleOf({ seed: input.seed, table: key, count: layout.bounds.length, rows, appendOnly: appendOnlySet.has(key), sampleBuckets: content.sampleBuckets, sampleAbove: content.sampleAbove });
    const { hashes, complete } = await hashBuckets(client, key, layout, sample, deadline, rows);
    if (!complete) budgetExhausted = true;
    return { ...layout, sample, buckets: hashes };
  };
  for (const key of tables) {
    // A table that cannot be hashed (a bucket past the statement timeout, a type without text output)
    // is recorded as such; the transaction goes on from its savepoint for the other tables.
    await client.query('savepoint bdr_content');
    try {
      fingerprints[key] = await fingerprintOf(key);
      await client.query('release savepoint bdr_content');
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error;
      await client.query('rollback to savepoint bdr_content');
      fingerprints[key] = { mode: 'none', reason: `could not be hashed: ${error.message}${error.code === undefined ? '' : ` (SQLSTATE ${error.code})`}` };
    }
  }
  const missingAppendOnly = appendOnly.filter((key) => !Object.hasOwn(input.counts, key));
  for (const key of missingAppendOnly) fingerprints[key] = { mode: 'none', reason: 'named in validation.appendOnly, but the source has no such (logged) table' };
  return { seed: input.seed, appendOnly: [...appendOnly], tables: fingerprints, budgetExhausted, durationMs: input.now() - started };
}
