// The anomaly judge's edges, pure (functions/rds/check-db-anomalies/plan.ts): which key ranges of an
// append-only table are compared, which tables are judged by shrinkage and in what order, which schema
// objects are reported gone, which snapshots are quarantined, and the exact alerts. Written to fail for
// each mutant of the plan that changes a decision or a text a person reads.

import type { DBSnapshot } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { anomalyAlert, compareManifests, quarantined, quarantineTargets, releaseAlert, type Anomaly } from '../../../functions/rds/check-db-anomalies/plan.js';
import type { DatabaseResource } from '../../../shared/policy/schema.js';
import type { BucketHash, ContentFingerprint, SchemaFingerprint, SourceManifest, TableContent } from '../../../shared/rds/postgres/types.js';
import { copyOf, ourTags, primarySnapshot } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const policy = teamPolicy();
const db = policy.resources.databases[0]!;
const SETTINGS: DatabaseResource['anomalies'] = { enabled: true, shrinkRatio: 0.2, minRows: 100 };
const T0 = Date.parse('2026-11-20T02:00:00+09:00');
const AUDIT = 'public.audit_log';

type Key = Extract<TableContent, { mode: 'key' }>;
const h = (hash: string, rows = 10): BucketHash => ({ rows, hash });
const keyed = (bounds: string[], buckets: Record<string, BucketHash>, column = 'id'): Key => ({
  mode: 'key',
  key: [column],
  column,
  type: 'bigint',
  bounds,
  max: '99',
  sample: Object.keys(buckets).map(Number),
  buckets,
});
const content = (tables: Record<string, TableContent>, appendOnly: string[] = [AUDIT]): ContentFingerprint => ({ seed: 's', appendOnly, tables, budgetExhausted: false, durationMs: 1 });
const schema = (objects: Record<string, Record<string, string>>, digest = JSON.stringify(objects)): SchemaFingerprint => ({ schemas: null, digest, objects });
const manifest = (tables: Record<string, number>, extra: Partial<SourceManifest> = {}): SourceManifest => ({ capturedAt: T0, serverVersion: '16.4', tables, ...extra });
const details = (found: readonly Anomaly[]) => found.map((a) => a.detail);

/** An append-only table of 100 rows captured with `before` and `after` as its fingerprints. */
const appendOnlyPair = (before: TableContent | undefined, after: TableContent | undefined) =>
  compareManifests(
    manifest({ [AUDIT]: 100 }, { content: content(before === undefined ? {} : { [AUDIT]: before }) }),
    manifest({ [AUDIT]: 100 }, { content: content(after === undefined ? {} : { [AUDIT]: after }) }),
    SETTINGS,
  );

const BOUNDS = ['1', '11', '21', '31'];
const FOUR = { '0': h('a'), '1': h('b'), '2': h('c'), '3': h('d') };

describe('compareManifests: the key ranges of an append-only table that are compared', () => {
  it('compares every range but the open last one, and names the rewritten ones', () => {
    const found = appendOnlyPair(keyed(BOUNDS, FOUR), keyed(BOUNDS, { ...FOUR, '1': h('X'), '3': h('Y', 12) }));
    expect(found).toEqual([{ check: 'append-only-changed', table: AUDIT, detail: `append-only ${AUDIT}: rows changed in 1 key range(s) written before (id [11, 21))` }]);
  });

  it('finds a range whose row count changed even when its hash did not', () => {
    expect(details(appendOnlyPair(keyed(BOUNDS, FOUR), keyed(BOUNDS, { ...FOUR, '0': h('a', 9) })))).toEqual([`append-only ${AUDIT}: rows changed in 1 key range(s) written before (id [1, 11))`]);
  });

  it('lists the first three changed ranges, joined, and counts them all', () => {
    const bounds = ['1', '11', '21', '31', '41', '51'];
    const before = { '0': h('a'), '1': h('b'), '2': h('c'), '3': h('d'), '4': h('e') };
    const after = { '0': h('A'), '1': h('B'), '2': h('C'), '3': h('D'), '4': h('e') };
    expect(details(appendOnlyPair(keyed(bounds, before), keyed(bounds, after)))).toEqual([
      `append-only ${AUDIT}: rows changed in 4 key range(s) written before (id [1, 11); id [11, 21); id [21, 31))`,
    ]);
  });

  it('compares a range wherever the later capture put it, by its bounds', () => {
    // The later capture re-bucketed: [11, 21) is its bucket 0.
    const after = keyed(['11', '21', '31', '41'], { '0': h('X'), '1': h('c'), '2': h('d') });
    expect(details(appendOnlyPair(keyed(BOUNDS, FOUR), after))).toEqual([`append-only ${AUDIT}: rows changed in 1 key range(s) written before (id [11, 21))`]);
  });

  it.each([
    { name: 'a lower bound the later capture does not have', after: keyed(['2', '11', '21', '31'], { '0': h('X'), '1': h('b'), '2': h('c') }) },
    { name: 'the same lower bound with another upper one', after: keyed(['1', '12', '21', '31'], { '0': h('X'), '1': h('b'), '2': h('c') }) },
    { name: 'a range the later capture did not hash', after: keyed(BOUNDS, { '1': h('b'), '2': h('c') }) },
    { name: 'another key column', after: keyed(BOUNDS, { ...FOUR, '0': h('X') }, 'created_at') },
    { name: 'a table the later capture hashed whole', after: { mode: 'whole', rows: 100, hash: 'X' } as TableContent },
    { name: 'a table the later capture did not fingerprint', after: undefined },
  ])('does not compare $name', ({ after }) => {
    expect(appendOnlyPair(keyed(BOUNDS, FOUR), after)).toEqual([]);
  });

  it.each([
    { name: 'hashed whole', before: { mode: 'whole', rows: 100, hash: 'a' } as TableContent },
    { name: 'not fingerprinted', before: undefined },
  ])('does not compare a table the earlier capture $name', ({ before }) => {
    expect(appendOnlyPair(before, keyed(BOUNDS, { ...FOUR, '0': h('X') }))).toEqual([]);
  });

  it('finds an unchanged append-only table unchanged', () => {
    expect(appendOnlyPair(keyed(BOUNDS, FOUR), keyed(BOUNDS, FOUR))).toEqual([]);
  });
});

describe('compareManifests: which tables are append-only, and judged how', () => {
  const rewritten = { before: keyed(BOUNDS, FOUR), after: keyed(BOUNDS, { ...FOUR, '0': h('X') }) };

  it('takes a table as append-only when either manifest says so', () => {
    const listedBefore = compareManifests(manifest({ [AUDIT]: 100 }, { content: content({ [AUDIT]: rewritten.before }) }), manifest({ [AUDIT]: 100 }, { content: content({ [AUDIT]: rewritten.after }, []) }), SETTINGS);
    const listedAfter = compareManifests(manifest({ [AUDIT]: 100 }, { content: content({ [AUDIT]: rewritten.before }, []) }), manifest({ [AUDIT]: 100 }, { content: content({ [AUDIT]: rewritten.after }) }), SETTINGS);
    expect([listedBefore, listedAfter].map((found) => found.map((a) => a.check))).toEqual([['append-only-changed'], ['append-only-changed']]);
  });

  it('judges an append-only table whose other manifest has no content fingerprint by its count alone', () => {
    expect(compareManifests(manifest({ [AUDIT]: 100 }), manifest({ [AUDIT]: 99 }, { content: content({ [AUDIT]: rewritten.after }) }), SETTINGS)).toEqual([
      { check: 'append-only-changed', table: AUDIT, detail: `append-only ${AUDIT} lost 1 row(s) (100 → 99)` },
    ]);
    expect(compareManifests(manifest({ [AUDIT]: 100 }, { content: content({ [AUDIT]: rewritten.before }) }), manifest({ [AUDIT]: 100 }), SETTINGS)).toEqual([]);
  });

  it('lets an append-only table keep its count or grow', () => {
    const judge = (now: number) => compareManifests(manifest({ [AUDIT]: 100 }, { content: content({}) }), manifest({ [AUDIT]: now }), SETTINGS);
    expect([judge(100), judge(101)]).toEqual([[], []]);
  });

  it('judges an append-only table as such only: a big loss is not also a shrunk table', () => {
    const found = compareManifests(manifest({ [AUDIT]: 1000 }, { content: content({ [AUDIT]: rewritten.before }) }), manifest({ [AUDIT]: 500 }, { content: content({ [AUDIT]: rewritten.after }) }), SETTINGS);
    expect(found).toEqual([
      { check: 'append-only-changed', table: AUDIT, detail: `append-only ${AUDIT} lost 500 row(s) (1000 → 500)` },
      { check: 'append-only-changed', table: AUDIT, detail: `append-only ${AUDIT}: rows changed in 1 key range(s) written before (id [1, 11))` },
    ]);
  });

  it.each([
    { was: 99, now: 0, found: [] },
    { was: 100, now: 79, found: [{ check: 'table-shrunk', table: 'public.t', detail: 'public.t lost 21 % of its rows (100 → 79; limit 20 %)' }] },
    { was: 100, now: 80, found: [] },
  ])('judges shrinkage from the policy minimum on: $was → $now', ({ was, now, found }) => {
    expect(compareManifests(manifest({ 'public.t': was }), manifest({ 'public.t': now }), SETTINGS)).toEqual(found);
  });

  it('reports tables in name order, whatever the order of the manifest', () => {
    const before = manifest({ 'public.d': 500, 'public.b': 500, 'public.e': 500, 'public.a': 500, 'public.c': 500 });
    expect(compareManifests(before, manifest({}), SETTINGS).map((a) => a.table)).toEqual(['public.a', 'public.b', 'public.c', 'public.d', 'public.e']);
  });
});

describe('compareManifests: schema objects gone', () => {
  const TABLES = { 'public.orders': 500, 'public.refunds': 500 };
  const OBJECTS = {
    'table public.orders': {},
    'table public.refunds': {},
    'column public.orders.total': { type: 'numeric' },
    'column public.refunds.amount': { type: 'numeric' },
    'index public.orders_total_idx': { table: 'public.orders' },
    'function public.refund(bigint)': {},
  };
  const gone = (before: SourceManifest, after: SourceManifest) => compareManifests(before, after, SETTINGS).filter((a) => a.check === 'schema-object-gone');

  it('lists the objects gone in name order, not those that remain, nor the tables (judged by their counts)', () => {
    const found = gone(manifest(TABLES, { schema: schema(OBJECTS) }), manifest(TABLES, { schema: schema({ 'table public.orders': {}, 'column public.orders.total': { type: 'numeric' } }) }));
    expect(found).toEqual([
      { check: 'schema-object-gone', table: 'column public.refunds.amount', detail: 'column public.refunds.amount is gone' },
      { check: 'schema-object-gone', table: 'function public.refund(bigint)', detail: 'function public.refund(bigint) is gone' },
      { check: 'schema-object-gone', table: 'index public.orders_total_idx', detail: 'index public.orders_total_idx is gone' },
    ]);
  });

  it('does not list the columns of a table that is gone, but does list its other objects', () => {
    const found = compareManifests(manifest(TABLES, { schema: schema(OBJECTS) }), manifest({ 'public.refunds': 500 }, { schema: schema({ 'table public.refunds': {}, 'column public.refunds.amount': { type: 'numeric' } }) }), SETTINGS);
    expect(details(found)).toEqual(['public.orders (500 rows) is gone', 'function public.refund(bigint) is gone', 'index public.orders_total_idx is gone']);
  });

  it('lists a column gone from a table that remains while another table is gone', () => {
    const found = gone(manifest(TABLES, { schema: schema(OBJECTS) }), manifest({ 'public.refunds': 500 }, { schema: schema({ 'table public.refunds': {}, 'index public.orders_total_idx': { table: 'public.orders' }, 'function public.refund(bigint)': {} }) }));
    expect(details(found)).toEqual(['column public.refunds.amount is gone']);
  });

  it('trusts equal digests, and needs a schema fingerprint in both manifests', () => {
    const emptied = schema({}, JSON.stringify(OBJECTS));
    expect(gone(manifest(TABLES, { schema: schema(OBJECTS) }), manifest(TABLES, { schema: emptied }))).toEqual([]);
    expect(gone(manifest(TABLES, { schema: schema(OBJECTS) }), manifest(TABLES))).toEqual([]);
    expect(gone(manifest(TABLES), manifest(TABLES, { schema: schema({}) }))).toEqual([]);
  });

  const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`index public.idx_${String(i).padStart(2, '0')}`, {}]));

  it('lists at most 20 objects gone, then how many more', () => {
    const found = gone(manifest({}, { schema: schema(many(23)) }), manifest({}, { schema: schema({}) }));
    expect(found).toHaveLength(21);
    expect(found[19]).toEqual({ check: 'schema-object-gone', table: 'index public.idx_19', detail: 'index public.idx_19 is gone' });
    expect(found[20]).toEqual({ check: 'schema-object-gone', table: '', detail: 'and 3 more schema objects are gone' });
  });

  it('lists exactly 20 objects gone without a line for more', () => {
    expect(details(gone(manifest({}, { schema: schema(many(20)) }), manifest({}, { schema: schema({}) }))).at(-1)).toBe('index public.idx_19 is gone');
  });
});

describe('quarantineTargets and quarantined', () => {
  const ANOMALY_AT = Date.parse('2026-11-21T02:00:00+09:00');
  const at = (id: string, iso: string, extra: Record<string, string> = {}) => primarySnapshot(id, iso, {}, ourTags('app-db', extra));
  const ids = (snapshots: readonly DBSnapshot[]) => snapshots.map((s) => s.DBSnapshotArn);

  it('takes what was taken strictly before the anomaly', () => {
    const before = at('s-before', '2026-11-21T01:59:59.999+09:00');
    const same = at('s-same', '2026-11-21T02:00:00+09:00');
    expect(ids(quarantineTargets(db, [before, same], ANOMALY_AT))).toEqual(ids([before]));
  });

  it('takes a snapshot whose time is unknown (it might be the good one)', () => {
    const unknown = primarySnapshot('s-unknown', '2026-11-19T02:00:00+09:00', { SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined });
    expect(ids(quarantineTargets(db, [unknown], ANOMALY_AT))).toEqual(ids([unknown]));
  });

  it('finds the quarantined snapshots of the database, originals and copies, and no others', () => {
    const held = at('s-held', '2026-11-19T02:00:00+09:00', { 'backup-dr:quarantine': '2026-11-21T10:00:00Z' });
    const free = at('s-free', '2026-11-19T02:00:00+09:00');
    const otherHeld = primarySnapshot('s-billing', '2026-11-19T02:00:00+09:00', {}, ourTags('billing', { 'backup-dr:quarantine': '2026-11-21T10:00:00Z' }));
    expect(ids(quarantined(db, [held, free, otherHeld, copyOf(held, '2026-11-19T03:00:00+09:00')]))).toEqual(ids([held, copyOf(held, '2026-11-19T03:00:00+09:00')]));
  });
});

describe('the alerts', () => {
  const NOW = Date.parse('2026-11-22T10:00:00Z');
  const RELEASE = `aws lambda invoke --function-name <stage's check-db-anomalies> --payload '{"release":{"resource":"app-db","reason":"…"}}' out.json`;
  const anomaly = (detail: string): Anomaly => ({ check: 'table-gone', table: 'public.t', detail });

  it('words an anomaly alert: the first anomaly, how many more, what was quarantined and how to release it', () => {
    expect(anomalyAlert(policy, db, 'snap-2', 'snap-1', [anomaly('public.a (5 rows) is gone'), anomaly('public.b (6 rows) is gone'), anomaly('public.c (7 rows) is gone')], 4, NOW)).toEqual({
      severity: 'critical',
      kind: 'backup-anomaly',
      resource: 'app-db',
      region: 'ap-northeast-1',
      summary: 'anomaly in the backup snap-2: public.a (5 rows) is gone (and 2 more)',
      action:
        'Compare with snap-1 — a deletion, a corruption or a breach shows here before anyone restores. 4 earlier snapshot(s) of app-db are quarantined (tag backup-dr:quarantine): ' +
        `prune keeps them in both regions until you release them with ${RELEASE}`,
      source: 'check-db-anomalies',
      at: NOW,
      details: { snapshot: 'snap-2', previous: 'snap-1', anomalies: 'public.a (5 rows) is gone | public.b (6 rows) is gone | public.c (7 rows) is gone', quarantined: 4 },
    });
  });

  it('does not count more anomalies when there is one, and keeps the details of many to 1500 characters', () => {
    expect(anomalyAlert(policy, db, 'snap-2', 'snap-1', [anomaly('public.a (5 rows) is gone')], 0, NOW).summary).toBe('anomaly in the backup snap-2: public.a (5 rows) is gone');
    const long = Array.from({ length: 100 }, (_, i) => anomaly(`index public.an_index_with_a_long_name_${i} is gone`));
    const listed = anomalyAlert(policy, db, 'snap-2', 'snap-1', long, 0, NOW).details?.anomalies;
    expect(listed).toBe(long.map((a) => a.detail).join(' | ').slice(0, 1500));
    expect(String(listed)).toHaveLength(1500);
  });

  it('words a release, bounding the reason', () => {
    expect(releaseAlert(policy, db, 2, 'false alarm: the orders archive job', NOW)).toEqual({
      severity: 'warning',
      kind: 'quarantine-released',
      resource: 'app-db',
      region: 'ap-northeast-1',
      summary: 'quarantine of 2 snapshot(s) of app-db released: false alarm: the orders archive job',
      action: 'Nothing to do if you released it: retention applies to these snapshots again from the next prune run.',
      source: 'check-db-anomalies',
      at: NOW,
      details: { released: 2, reason: 'false alarm: the orders archive job' },
    });
    const reason = 'r'.repeat(600);
    const alert = releaseAlert(policy, db, 2, reason, NOW);
    expect([alert.summary, alert.details?.reason]).toEqual([`quarantine of 2 snapshot(s) of app-db released: ${reason}`.slice(0, 300), 'r'.repeat(500)]);
  });
});
