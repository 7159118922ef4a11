// The pure judgements behind the schema, row-count and content checks, table-driven: the restore against
// the captures before and after its snapshot.

import { describe, expect, it } from 'vitest';
import { bucketRange, judgeTableContent, type RestoredContent, type TableContentInput } from '../../../functions/rds/validate-restore/content-verdict.js';
import { compareCounts, countRanges, rowCountsOutcome } from '../../../functions/rds/validate-restore/plan.js';
import { compareSchema } from '../../../shared/rds/postgres/schema-diff.js';
import { DatabaseError, type Client } from 'pg';
import { bucketCount, captureContent, sampleOf } from '../../../shared/rds/postgres/content-fingerprint.js';
import { validationConfig } from '../../helpers/postgres.js';
import type { SchemaFingerprint, TableContent } from '../../../shared/rds/postgres/types.js';

const fingerprint = (objects: Record<string, Record<string, string>>): SchemaFingerprint => ({ schemas: null, digest: '', objects });
const TABLE = { kind: 'table', owner: 'app', acl: 'default', persistence: 'logged' };
const BASE = {
  'table public.orders': TABLE,
  'column public.orders.total': { position: '2', type: 'numeric(10,2)', nullability: 'not null' },
  'index public.orders_customer_idx': { table: 'public.orders', definition: 'CREATE INDEX orders_customer_idx ON public.orders USING btree (customer_id)', validity: 'valid' },
  'constraint public.orders.orders_pkey': { type: 'primary key', definition: 'PRIMARY KEY (id)' },
  'sequence public.orders_id_seq': { definition: 'bigint start 1 increment 1', value: '5000' },
  'view public.totals': { owner: 'app', definition: '0123456789abcdef0123456789abcdef' },
};
const change = (key: keyof typeof BASE, props: Record<string, string>) => ({ ...BASE, [key]: { ...BASE[key], ...props } });
const without = (...keys: string[]) => Object.fromEntries(Object.entries(BASE).filter(([key]) => !keys.includes(key)));

describe('the schema against its fingerprints', () => {
  it.each([
    { name: 'an identical schema', restored: BASE, texts: [] },
    { name: 'an index missing', restored: without('index public.orders_customer_idx'), texts: ['index public.orders_customer_idx missing'] },
    { name: 'a column retyped', restored: change('column public.orders.total', { type: 'integer' }), texts: ['column public.orders.total: type numeric(10,2) → integer'] },
    { name: 'an index left invalid', restored: change('index public.orders_customer_idx', { validity: 'INVALID' }), texts: ['index public.orders_customer_idx: validity valid → INVALID'] },
    { name: 'an owner changed', restored: change('table public.orders', { owner: 'intruder' }), texts: ['table public.orders: owner app → intruder'] },
    { name: 'a view redefined (definitions are digests)', restored: change('view public.totals', { definition: 'ffffffffffffffffffffffffffffffff' }), texts: ['view public.totals: definition changed'] },
    { name: 'a sequence behind', restored: change('sequence public.orders_id_seq', { value: '12' }), texts: ['sequence public.orders_id_seq: value 12 is behind the captured 5000 (reset?)'] },
    { name: 'a sequence never used', restored: change('sequence public.orders_id_seq', { value: 'unused' }), texts: ['sequence public.orders_id_seq: value unused is behind the captured 5000 (reset?)'] },
    { name: 'a sequence ahead (WAL logs values ahead of use)', restored: change('sequence public.orders_id_seq', { value: '5032' }), texts: [] },
    { name: 'a descending sequence further down', restored: { ...BASE, 'sequence public.countdown': { definition: 'bigint start 100 increment -1', value: '40' } }, texts: [], captured: { ...BASE, 'sequence public.countdown': { definition: 'bigint start 100 increment -1', value: '50' } } },
    { name: 'a descending sequence back up', restored: { ...BASE, 'sequence public.countdown': { definition: 'bigint start 100 increment -1', value: '60' } }, texts: ['sequence public.countdown: value 60 is behind the captured 50 (reset?)'], captured: { ...BASE, 'sequence public.countdown': { definition: 'bigint start 100 increment -1', value: '50' } } },
    { name: 'an unlogged sequence reset (crash recovery resets it)', restored: { ...BASE, 'sequence public.scratch_seq': { persistence: 'unlogged', value: 'unused' } }, texts: [], captured: { ...BASE, 'sequence public.scratch_seq': { persistence: 'unlogged', value: '77' } } },
    { name: 'an object nobody captured', restored: { ...BASE, 'trigger public.orders.spy': { definition: 'x', enabled: 'enabled' } }, texts: ['trigger public.orders.spy unexpected (in no manifest)'] },
    { name: 'the amcheck extension validation installs', restored: { ...BASE, 'extension amcheck': { version: '1.3' } }, texts: [] },
    // The table's absence says it all: its columns, indexes and constraints are not listed again.
    { name: 'a table missing', restored: without('table public.orders', 'column public.orders.total', 'index public.orders_customer_idx', 'constraint public.orders.orders_pkey'), texts: ['table public.orders missing'] },
  ] as { name: string; restored: Record<string, Record<string, string>>; texts: string[]; captured?: Record<string, Record<string, string>> }[])('$name: $texts', ({ restored, texts, captured }) => {
    const comparison = compareSchema(fingerprint(captured ?? BASE), fingerprint(captured ?? BASE), fingerprint(restored), { mayAdd: (key) => key === 'extension amcheck' });
    expect(comparison.differences.map((d) => d.text)).toEqual(texts);
  });

  it('takes what changed between the captures as either state, and what did not as it was', () => {
    const after = { ...change('table public.orders', { owner: 'app2' }), 'index public.orders_created_idx': { table: 'public.orders', definition: 'x', validity: 'valid' } };
    const comparison = compareSchema(fingerprint(BASE), fingerprint(after), fingerprint({ ...BASE, 'table public.orders': { ...TABLE, owner: 'someone' } }));
    expect(comparison.differences).toEqual([]);
    expect(comparison.changing.sort()).toEqual(['index public.orders_created_idx', 'table public.orders']);
  });

  it('does not judge a sequence from a capture taken after the snapshot alone (the restore may be behind it)', () => {
    expect(compareSchema(null, fingerprint(BASE), fingerprint(change('sequence public.orders_id_seq', { value: '4000' }))).differences).toEqual([]);
  });
});

describe('row counts against the range the captures saw', () => {
  it('takes each table over the captures that have it', () => {
    expect(countRanges([{ a: 500, b: 10 }, { a: 503, b: 9, c: 1 }])).toEqual({ a: { min: 500, max: 503 }, b: { min: 9, max: 10 }, c: { min: 1, max: 1 } });
  });

  it.each([
    { observed: 500, ok: true },
    { observed: 502, ok: true },
    { observed: 503, ok: true },
    { observed: 499, ok: false },
    { observed: 504, ok: false },
  ])('$observed in 500 to 503: $ok', ({ observed, ok }) => {
    expect(compareCounts({ t: { min: 500, max: 503 } }, { t: observed }, 0)).toHaveLength(ok ? 0 : 1);
  });

  it('names a range and a single count as such', () => {
    expect(rowCountsOutcome({ expected: { a: { min: 500, max: 503 }, b: 7 }, observed: { a: 504, b: 6 }, tolerance: 0, against: 'the counts' }).detail).toBe('2 of 2 tables differ from the counts: a expected 500 to 503, observed 504; b expected 7, observed 6');
  });
});

const layout = (buckets: Record<string, { rows: number; hash: string }>, sample = [0, 1, 2, 3]): TableContent => ({ mode: 'key', key: ['id'], column: 'id', type: 'bigint', bounds: ['1', '11', '21', '31'], max: '40', sample, buckets });
const h = (hash: string, rows = 10) => ({ rows, hash });
const CAPTURED = { '0': h('a'), '1': h('b'), '2': h('c'), '3': h('d') };
const restoredAs = (hashes: Record<string, { rows: number; hash: string }>): RestoredContent => ({ kind: 'buckets', hashes, complete: true });
const judge = (overrides: Partial<TableContentInput>) =>
  judgeTableContent({ table: 'public.t', appendOnly: false, tolerance: 0, before: layout(CAPTURED), after: layout(CAPTURED), bracketed: true, restored: restoredAs(CAPTURED), ...overrides });

describe('a table\'s content against its captures', () => {
  it.each([
    { name: 'identical', input: {}, status: 'passed', detail: 'public.t: 4 of 4 unchanged buckets match' },
    { name: 'one unchanged bucket differs', input: { restored: restoredAs({ ...CAPTURED, '2': h('x', 9) }) }, status: 'failed', detail: 'public.t: 1 of 4 unchanged buckets differ (25 %, tolerance 0 %): id [21, 31) (10 rows captured, 9 restored)' },
    { name: 'one differs within a tolerance', input: { tolerance: 0.3, restored: restoredAs({ ...CAPTURED, '2': h('x') }) }, status: 'passed', detail: 'public.t: 3 of 4 unchanged buckets match, 1 differing within the tolerance of 30 %' },
    { name: 'every bucket differs (wholesale, whatever the tolerance)', input: { tolerance: 0.5, restored: restoredAs({ '0': h('w'), '1': h('x'), '2': h('y'), '3': h('z') }) }, status: 'failed', detail: expect.stringMatching(/^public\.t: 4 of 4 unchanged buckets differ \(100 %, tolerance 50 %\): a wholesale change: /) },
    { name: 'an append-only table with one bucket off', input: { appendOnly: true, tolerance: 0.5, restored: restoredAs({ ...CAPTURED, '3': h('x') }) }, status: 'failed', detail: 'public.t (append-only): 1 of 4 buckets of captured rows differ: id [31, 40] (10 rows captured, 10 restored)' },
    { name: 'a bucket written to during the snapshot, restored in either state', input: { after: layout({ ...CAPTURED, '1': h('b2') }), restored: restoredAs({ ...CAPTURED, '1': h('b2') }) }, status: 'passed', detail: 'public.t: 3 of 3 unchanged buckets match; 1 changed while the snapshot was taken (not judged)' },
    { name: 'a bucket written to during the snapshot, restored in between', input: { after: layout({ ...CAPTURED, '1': h('b2') }), restored: restoredAs({ ...CAPTURED, '1': h('b1') }) }, status: 'passed', detail: 'public.t: 3 of 3 unchanged buckets match; 1 changed while the snapshot was taken (not judged)' },
    { name: 'no capture after the snapshot: every bucket judged as unchanged', input: { after: null, bracketed: false, restored: restoredAs({ ...CAPTURED, '1': h('b2') }) }, status: 'failed', detail: expect.stringMatching(/^public\.t: 1 of 4 unchanged buckets differ/) },
    { name: 'the table missing from the restore', input: { restored: { kind: 'missing' } as RestoredContent }, status: 'failed', detail: 'public.t is missing from the restore' },
    { name: 'a hashing error on the restore', input: { restored: { kind: 'error', message: 'operator does not exist: text >= bigint (SQLSTATE 42883)' } as RestoredContent }, status: 'failed', detail: 'public.t could not be hashed on the restore: operator does not exist: text >= bigint (SQLSTATE 42883)' },
    { name: 'not fingerprinted', input: { before: { mode: 'none', reason: 'no primary key, and its 9 rows are more than validation.content.keylessRows (5)' } as TableContent }, status: 'not-compared', detail: 'public.t: not fingerprinted: no primary key, and its 9 rows are more than validation.content.keylessRows (5)' },
    { name: 'an append-only table not fingerprinted', input: { appendOnly: true, before: { mode: 'none', reason: 'x' } as TableContent }, status: 'inconclusive', detail: 'public.t: not fingerprinted: x' },
    { name: 'an append-only table the restore could not hash in time', input: { appendOnly: true, restored: { kind: 'buckets', hashes: { '0': h('a') }, complete: false } as RestoredContent }, status: 'inconclusive', detail: 'public.t (append-only): 1 of 1 unchanged buckets match; 3 not hashed on the restore (time budget)' },
  ])('$name: $status', ({ input, status, detail }) => {
    expect(judge(input)).toMatchObject({ status, detail });
  });

  it('compares a table without a primary key whole', () => {
    const whole = { mode: 'whole', rows: 9, hash: 'a' } as TableContent;
    expect(judge({ before: whole, after: whole, restored: { kind: 'whole', hash: h('a', 9) } })).toMatchObject({ status: 'passed' });
    expect(judge({ before: whole, after: whole, restored: { kind: 'whole', hash: h('b', 9) } })).toMatchObject({ status: 'failed', detail: 'public.t: 1 of 1 unchanged buckets differ (100 %, tolerance 0 %): a wholesale change: the whole table (9 rows captured, 9 restored)' });
  });

  it('names a bucket by its key range, the last one closed at the captured largest key', () => {
    const l = layout(CAPTURED) as Extract<TableContent, { mode: 'key' }>;
    expect([bucketRange(l, 0), bucketRange(l, 3)]).toEqual(['id [1, 11)', 'id [31, 40]']);
  });
});

describe('bucket layout and sampling', () => {
  it.each([
    { rows: 0, buckets: 64, count: 0 },
    { rows: 12, buckets: 64, count: 12 },
    { rows: 5_000, buckets: 64, count: 64 },
    { rows: 64_000_000, buckets: 64, count: 64 },
    { rows: 1_000_000_000, buckets: 64, count: 1_000 },
  ])('$rows rows in $count buckets', ({ rows, buckets, count }) => {
    expect(bucketCount(rows, buckets)).toBe(count);
  });

  it('samples deterministically by seed, all buckets of a small or append-only table', () => {
    const input = { seed: 's1', table: 'public.t', count: 64, rows: 5_000_000, appendOnly: false, sampleBuckets: 16, sampleAbove: 1_000_000 };
    const sample = sampleOf(input);
    expect(sample).toHaveLength(16);
    expect(sampleOf(input)).toEqual(sample);
    expect(sampleOf({ ...input, seed: 's2' })).not.toEqual(sample);
    expect(sampleOf({ ...input, appendOnly: true })).toHaveLength(64);
    expect(sampleOf({ ...input, rows: 900_000 })).toHaveLength(64);
  });
});

describe('a table that cannot be hashed at capture', () => {
  it('is recorded as such, and the other tables are still hashed (the transaction goes on from a savepoint)', async () => {
    const statements: string[] = [];
    const client = {
      query: async (sql: string) => {
        statements.push(sql.trim());
        if (sql.includes('pg_catalog.pg_index')) return { rows: [] };
        if (sql.includes('"slow"')) throw Object.assign(new DatabaseError('canceling statement due to statement timeout', 0, 'error'), { code: '57014' });
        if (sql.includes('string_agg')) return { rows: [{ rows: '3', hash: 'a'.repeat(32) }] };
        return { rows: [] };
      },
    } as unknown as Client;
    const content = await captureContent(client, { counts: { 'public.slow': 3, 'public.fine': 3 }, config: validationConfig(), seed: 's', now: () => 0 });

    expect(content.tables).toEqual({
      'public.fine': { mode: 'whole', rows: 3, hash: 'a'.repeat(32) },
      'public.slow': { mode: 'none', reason: 'could not be hashed: canceling statement due to statement timeout (SQLSTATE 57014)' },
    });
    expect(statements.filter((s) => /savepoint/.test(s))).toEqual(['savepoint bdr_content', 'release savepoint bdr_content', 'savepoint bdr_content', 'rollback to savepoint bdr_content']);
  });
});
