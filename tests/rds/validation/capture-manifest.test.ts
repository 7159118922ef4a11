import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { ConnectFailed } from '../../../shared/rds/postgres/connection.js';
import { hashBuckets, ONE_QUERY_ROWS } from '../../../shared/rds/postgres/content-fingerprint.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import type { SourceManifest, TableContent } from '../../../shared/rds/postgres/types.js';
import { InvalidInput } from '../../../shared/errors.js';
import { postgresAvailable, SAMPLE, SAMPLE_COUNTS, seedProduction, TestDatabases, validationConfig } from '../../helpers/postgres.js';

const SNAPSHOT_AT = Date.parse('2026-11-24T17:00:00Z');
const SNAPSHOT_ID = 'backup-dr-app-db-20261125-0200';
const DEFAULTS = validationConfig();

const pgUp = await postgresAvailable();

type Keyed = Extract<TableContent, { mode: 'key' }>;
function keyed(manifest: SourceManifest, table: string): Keyed {
  const content = manifest.content?.tables[table];
  if (content?.mode !== 'key') throw new Error(`${table} is not fingerprinted by key: ${JSON.stringify(content)}`);
  return content;
}

describe.skipIf(!pgUp)('capturing the manifest of a source database', () => {
  const databases = new TestDatabases();
  let source = '';
  let version = '';

  beforeAll(async () => {
    source = await databases.create();
    await seedProduction(databases, source, SNAPSHOT_AT - 120_000);
    version = await databases.serverVersion();
  });
  afterAll(() => databases.dropAll());

  it.each([
    { name: 'every logged table of every schema, counted exactly (odd names included)', config: {}, tables: { ...SAMPLE_COUNTS, 'archive.old_orders': 7 } },
    { name: 'the tables of the schemas the policy narrows to', config: { schemas: ['public'] }, tables: SAMPLE_COUNTS },
    { name: 'only the tables the policy names, in any schema', config: { tables: ['archive.old_orders', `public.${SAMPLE.auditTable}`] }, tables: { 'archive.old_orders': 7, [`public.${SAMPLE.auditTable}`]: SAMPLE.auditRows } },
  ])('records $name', async ({ config, tables }) => {
    const manifest = await captureManifest(databases.connection(source), { ...DEFAULTS, ...config }, () => SNAPSHOT_AT);

    expect(manifest).toMatchObject({ capturedAt: SNAPSHOT_AT, serverVersion: version, tables, phase: 'before' });
    expect(manifest.tables).toEqual(tables);
    expect(Object.keys(manifest.content?.tables ?? {}).sort()).toEqual(Object.keys(tables).sort());
  });

  it('records the schema fingerprint: every object of the covered schemas with what a restore must keep', async () => {
    const manifest = await captureManifest(databases.connection(source), DEFAULTS, () => SNAPSHOT_AT);
    const objects = manifest.schema?.objects ?? {};

    expect(manifest.schema).toMatchObject({ schemas: null, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(objects['table public.orders']).toEqual({ kind: 'table', owner: 'postgres', acl: 'default', persistence: 'logged', rowSecurity: 'off' });
    // The unlogged cache has no rows a snapshot keeps, but the table itself must come back, unlogged.
    expect(objects['table public.session_cache']).toMatchObject({ persistence: 'unlogged' });
    expect(objects['column public.orders.amount']).toEqual({ position: '3', type: 'numeric(10,2)', nullability: 'not null' });
    expect(objects['index public.orders_customer_id_idx']).toEqual({ table: 'public.orders', definition: 'CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id)', validity: 'valid' });
    expect(objects['constraint public.orders.orders_customer_id_fkey']).toEqual({ type: 'foreign key', definition: 'FOREIGN KEY (customer_id) REFERENCES public.customers(id)' });
    expect(objects['schema archive']).toMatchObject({ owner: 'postgres' });
    expect(objects['extension plpgsql']).toMatchObject({ schema: 'pg_catalog' });
    expect(Object.keys(objects).filter((key) => key.startsWith('table ')).sort()).toEqual(['table archive.old_orders', `table public.${SAMPLE.auditTable}`, 'table public.customers', 'table public.orders', 'table public.session_cache']);
  });

  it('records content by key-range buckets: bounds on the first key column, the captured largest key, a hash and count per bucket', async () => {
    const manifest = await captureManifest(databases.connection(source), DEFAULTS, () => SNAPSHOT_AT, { seed: SNAPSHOT_ID });
    const orders = keyed(manifest, 'public.orders');

    expect(manifest.content).toMatchObject({ seed: SNAPSHOT_ID, appendOnly: [], budgetExhausted: false });
    expect(orders).toMatchObject({ mode: 'key', key: ['id'], column: 'id', type: 'bigint', max: String(SAMPLE.orders) });
    expect(orders.bounds).toHaveLength(64);
    expect(orders.bounds[0]).toBe('1');
    expect(orders.bounds.map(Number)).toEqual([...orders.bounds.map(Number)].sort((a, b) => a - b));
    // 3,000 rows are under `sampleAbove`: every bucket is hashed, together holding every row.
    expect(orders.sample).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(Object.values(orders.buckets).reduce((n, b) => n + b.rows, 0)).toBe(SAMPLE.orders);
    for (const bucket of Object.values(orders.buckets)) expect(bucket.hash).toMatch(/^[0-9a-f]{32}$/);
    // A table of 25 rows gets a bucket per row; a table of 7, seven.
    expect(keyed(manifest, `public.${SAMPLE.auditTable}`).bounds).toHaveLength(SAMPLE.auditRows);
    expect(keyed(manifest, 'archive.old_orders').bounds).toHaveLength(7);
  });

  it('keeps a table small in the manifest: a few KB for 3,000 rows in full, less for a sampled one', async () => {
    const full = await captureManifest(databases.connection(source), DEFAULTS, () => SNAPSHOT_AT);
    const sampled = await captureManifest(databases.connection(source), validationConfig({ content: { ...DEFAULTS.content, sampleAbove: 1_000 } }), () => SNAPSHOT_AT, { seed: SNAPSHOT_ID });
    const bytes = (m: SourceManifest) => Buffer.byteLength(JSON.stringify(m.content?.tables['public.orders']));

    console.info(`[manifest] public.orders (3,000 rows): ${bytes(full)} bytes in full, ${bytes(sampled)} bytes sampled (16 of 64 buckets); whole manifest ${Buffer.byteLength(JSON.stringify(full))} bytes`);
    expect(bytes(full)).toBeLessThan(5 * 1024);
    expect(bytes(sampled)).toBeLessThan(2 * 1024);
  });

  it('samples a table above sampleAbove on sampleBuckets buckets chosen by the seed: the same for the same snapshot, others for another', async () => {
    const config = validationConfig({ content: { ...DEFAULTS.content, sampleAbove: 1_000, sampleBuckets: 4 } });
    const capture = (seed: string) => captureManifest(databases.connection(source), config, () => SNAPSHOT_AT, { seed });
    const [first, again, other] = [await capture(SNAPSHOT_ID), await capture(SNAPSHOT_ID), await capture('backup-dr-app-db-20261126-0200')];

    expect(keyed(first, 'public.orders').sample).toHaveLength(4);
    expect(Object.keys(keyed(first, 'public.orders').buckets).map(Number)).toEqual(keyed(first, 'public.orders').sample);
    expect(keyed(again, 'public.orders').sample).toEqual(keyed(first, 'public.orders').sample);
    expect(keyed(other, 'public.orders').sample).not.toEqual(keyed(first, 'public.orders').sample);
    // Small tables are still hashed in full.
    expect(keyed(first, 'public.customers').sample).toHaveLength(64);
  });

  it('hashes append-only tables in full whatever their size', async () => {
    const config = validationConfig({ appendOnly: ['public.orders'], content: { ...DEFAULTS.content, sampleAbove: 1_000, sampleBuckets: 4 } });
    const manifest = await captureManifest(databases.connection(source), config, () => SNAPSHOT_AT, { seed: SNAPSHOT_ID });

    expect(keyed(manifest, 'public.orders').sample).toHaveLength(64);
    expect(manifest.content?.appendOnly).toEqual(['public.orders']);
  });

  it('hashes a table without a primary key whole up to keylessRows rows, and says why a larger one is not hashed', async () => {
    const keyless = await databases.create(source);
    await databases.run(keyless, 'create table public.events (at timestamptz, what text)', `insert into public.events select now(), 'e' || g from generate_series(1, 30) g`);
    const capture = (keylessRows: number) => captureManifest(databases.connection(keyless), validationConfig({ content: { ...DEFAULTS.content, keylessRows } }), () => SNAPSHOT_AT);

    expect((await capture(100)).content?.tables['public.events']).toEqual({ mode: 'whole', rows: 30, hash: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await capture(10)).content?.tables['public.events']).toEqual({ mode: 'none', reason: 'no primary key, and its 30 rows are more than validation.content.keylessRows (10)' });
  });

  it('records an append-only table the source does not have, for the restore test to be inconclusive about', async () => {
    const manifest = await captureManifest(databases.connection(source), validationConfig({ appendOnly: ['public.payments'] }), () => SNAPSHOT_AT);

    expect(manifest.content?.tables['public.payments']).toEqual({ mode: 'none', reason: 'named in validation.appendOnly, but the source has no such (logged) table' });
  });

  it('stops hashing when the time budget is spent, and says so', async () => {
    let time = SNAPSHOT_AT;
    const manifest = await captureManifest(databases.connection(source), validationConfig({ content: { ...DEFAULTS.content, timeBudget: 1_000 } }), () => (time += 600));

    expect(manifest.content?.budgetExhausted).toBe(true);
    expect(Object.values(manifest.content?.tables ?? {})).toContainEqual({ mode: 'none', reason: 'not hashed: the time budget (validation.content.timeBudget) ran out' });
    expect(manifest.tables).toEqual({ ...SAMPLE_COUNTS, 'archive.old_orders': 7 });
  });

  it('after the snapshot, reuses the layout captured before it: rows added beyond the captured key leave every bucket as it was', async () => {
    const busy = await databases.create(source);
    const before = await captureManifest(databases.connection(busy), DEFAULTS, () => SNAPSHOT_AT, { seed: SNAPSHOT_ID });
    await databases.run(busy, `insert into public.orders select g, 1, 9.99, now() from generate_series(${SAMPLE.orders + 1}, ${SAMPLE.orders + 40}) g`);
    const after = await captureManifest(databases.connection(busy), DEFAULTS, () => SNAPSHOT_AT + 60_000, { phase: 'after', before, seed: SNAPSHOT_ID });

    expect(after).toMatchObject({ phase: 'after', capturedAt: SNAPSHOT_AT + 60_000, tables: { 'public.orders': SAMPLE.orders + 40 } });
    const [b, a] = [keyed(before, 'public.orders'), keyed(after, 'public.orders')];
    expect({ bounds: a.bounds, max: a.max, sample: a.sample }).toEqual({ bounds: b.bounds, max: b.max, sample: b.sample });
    expect(a.buckets).toEqual(b.buckets);
  });

  it('hashes buckets the same whether in one grouped scan (small tables) or one query per bucket (large ones)', async () => {
    const manifest = await captureManifest(databases.connection(source), DEFAULTS, () => SNAPSHOT_AT);
    const layout = keyed(manifest, 'public.orders');
    const client = new Client(databases.connection(source));
    await client.connect();
    try {
      const deadline = { now: () => 0, at: 1 };
      const grouped = await hashBuckets(client, 'public.orders', layout, layout.sample, deadline, SAMPLE.orders);
      const perBucket = await hashBuckets(client, 'public.orders', layout, layout.sample, deadline, ONE_QUERY_ROWS + 1);
      expect(perBucket).toEqual(grouped);
      expect(grouped.hashes).toEqual(layout.buckets);
    } finally {
      await client.end();
    }
  });

  it('refuses a policy naming a table the source does not have', async () => {
    const capture = captureManifest(databases.connection(source), { ...DEFAULTS, tables: ['public.orders', 'public.invoices'] }, () => SNAPSHOT_AT);

    await expect(capture).rejects.toThrow(InvalidInput);
    await expect(capture).rejects.toThrow(/^validation\.tables: public\.invoices not found on postgres@.+\/bdr_test_[0-9a-f]+$/);
  });

  it('throws ConnectFailed for a database that does not exist', async () => {
    const capture = captureManifest({ ...databases.connection(source), database: 'bdr_test_missing' }, DEFAULTS, () => SNAPSHOT_AT);

    await expect(capture).rejects.toThrow(ConnectFailed);
    await expect(capture).rejects.toThrow('database "bdr_test_missing" does not exist (SQLSTATE 3D000)');
  });
});
