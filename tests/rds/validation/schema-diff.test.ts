// The schema comparison's edges, pure (shared/rds/postgres/schema-diff.ts): the table an object belongs
// to, how a change is worded, when a sequence is behind, what counts as changing between the captures,
// and what a missing table implies. Written to fail for each mutant of the comparison that changes a
// difference found, its fields or its text.

import { describe, expect, it } from 'vitest';
import { compareSchema, tableOf } from '../../../shared/rds/postgres/schema-diff.js';
import type { SchemaFingerprint } from '../../../shared/rds/postgres/types.js';

type Objects = Record<string, Record<string, string>>;
const fingerprint = (objects: Objects): SchemaFingerprint => ({ schemas: null, digest: '', objects });
/** The restore against two identical captures of `captured`. */
const against = (captured: Objects, restored: Objects) => compareSchema(fingerprint(captured), fingerprint(captured), fingerprint(restored));
const texts = (captured: Objects, restored: Objects) => against(captured, restored).differences.map((d) => d.text);
const DIGEST_A = '0123456789abcdef0123456789abcdef';
const DIGEST_B = 'fedcba9876543210fedcba9876543210';

describe('tableOf: the table an object belongs to', () => {
  it.each<{ object: string; props: Record<string, string> | undefined; table: string | null }>([
    { object: 'table public.orders', props: undefined, table: 'public.orders' },
    { object: 'index public.orders_pkey', props: { table: 'public.orders' }, table: 'public.orders' },
    { object: 'index public.orders_pkey', props: {}, table: null },
    { object: 'index public.orders_pkey', props: undefined, table: null },
    { object: 'column public.orders.total', props: undefined, table: 'public.orders' },
    { object: 'constraint public.orders.orders_pkey', props: undefined, table: 'public.orders' },
    { object: 'trigger public.orders.audit', props: undefined, table: 'public.orders' },
    { object: 'policy public.orders.tenant', props: undefined, table: 'public.orders' },
    { object: 'rule public.orders.no_delete', props: undefined, table: 'public.orders' },
    { object: 'column total', props: undefined, table: null },
    { object: 'view public.orders.x', props: { table: 'public.orders' }, table: null },
    { object: 'function public.refund(bigint)', props: undefined, table: null },
  ])('$object → $table', ({ object, props, table }) => {
    expect(tableOf(object, props)).toBe(table);
  });
});

describe('compareSchema: how a change is worded', () => {
  const VIEW = 'view public.totals';

  it('gives the property, what was captured and what the restore has, with every field', () => {
    expect(against({ 'table public.t': { owner: 'app' } }, { 'table public.t': { owner: 'intruder' } }).differences).toEqual([
      { object: 'table public.t', change: 'changed', property: 'owner', expected: 'app', observed: 'intruder', text: 'table public.t: owner app → intruder' },
    ]);
  });

  it('shows a property missing on either side as (none)', () => {
    expect(texts({ 'table public.t': { owner: 'app' } }, { 'table public.t': {} })).toEqual(['table public.t: owner app → (none)']);
    expect(against({ 'table public.t': { owner: 'app' } }, { 'table public.t': {} }).differences[0]).toMatchObject({ expected: 'app', observed: '(none)' });
  });

  it.each([
    { name: 'a digest changed', captured: DIGEST_A, restored: DIGEST_B, text: `${VIEW}: definition changed` },
    { name: 'a digest gone', captured: DIGEST_A, restored: undefined, text: `${VIEW}: definition missing` },
    { name: 'a definition become a digest', captured: 'select 1', restored: DIGEST_B, text: `${VIEW}: definition changed` },
    { name: 'a definition in full', captured: 'select 1', restored: 'select 2', text: `${VIEW}: definition select 1 → select 2` },
    { name: 'a definition gone', captured: 'select 1', restored: undefined, text: `${VIEW}: definition select 1 → (none)` },
    { name: 'text longer than a digest', captured: `x${DIGEST_A}`, restored: `${DIGEST_B}x`, text: `${VIEW}: definition x${DIGEST_A} → ${DIGEST_B}x` },
    { name: 'upper-case hex (not a digest)', captured: DIGEST_A.toUpperCase(), restored: DIGEST_B.toUpperCase(), text: `${VIEW}: definition ${DIGEST_A.toUpperCase()} → ${DIGEST_B.toUpperCase()}` },
  ])('words $name', ({ captured, restored, text }) => {
    const restoredProps: Record<string, string> = restored === undefined ? {} : { definition: restored };
    expect(texts({ [VIEW]: { definition: captured } }, { [VIEW]: restoredProps })).toEqual([text]);
  });

  it('words digests in full for any property but the definition', () => {
    expect(texts({ [VIEW]: { acl: DIGEST_A } }, { [VIEW]: { acl: DIGEST_B } })).toEqual([`${VIEW}: acl ${DIGEST_A} → ${DIGEST_B}`]);
  });

  it('lists the properties of an object in name order', () => {
    expect(texts({ 'table public.t': { owner: 'app', acl: 'a', kind: 'table' } }, { 'table public.t': { owner: 'x', acl: 'b', kind: 'view' } })).toEqual([
      'table public.t: acl a → b',
      'table public.t: kind table → view',
      'table public.t: owner app → x',
    ]);
  });

  it('finds a property the restore has that no capture had', () => {
    expect(texts({ 'table public.t': { owner: 'app' } }, { 'table public.t': { owner: 'app', rls: 'on' } })).toEqual([]);
    expect(texts({ 'table public.t': { owner: 'app', rls: 'off' } }, { 'table public.t': { owner: 'app', rls: 'on' } })).toEqual(['table public.t: rls off → on']);
  });
});

describe('compareSchema: a sequence may be ahead of what was captured, never behind', () => {
  const SEQ = 'sequence public.s';
  const seq = (value: string | undefined, more: Record<string, string> = {}) => ({ definition: 'bigint start 1 increment 1', ...more, ...(value === undefined ? {} : { value }) });

  it.each([
    { captured: '5000', restored: '4999', behind: true },
    { captured: '5000', restored: '5000', behind: false },
    { captured: '5000', restored: '5001', behind: false },
    { captured: '9007199254740993', restored: '9007199254740992', behind: true },
    { captured: '5000', restored: 'unused', behind: true },
    { captured: '5000', restored: undefined, behind: true },
    { captured: '5000', restored: 'unreadable', behind: false },
    { captured: 'unused', restored: 'unused', behind: false },
    { captured: 'unreadable', restored: '1', behind: false },
  ])('captured $captured, restored $restored: behind $behind', ({ captured, restored, behind }) => {
    const differences = against({ [SEQ]: seq(captured) }, { [SEQ]: seq(restored) }).differences;
    expect(differences).toEqual(behind ? [{ object: SEQ, change: 'behind', property: 'value', expected: captured, observed: restored ?? '(none)', text: `${SEQ}: value ${restored ?? '(none)'} is behind the captured ${captured} (reset?)` }] : []);
  });

  it.each([
    { restored: '40', behind: false },
    { restored: '50', behind: false },
    { restored: '51', behind: true },
  ])('reads a descending sequence downwards: captured 50, restored $restored: behind $behind', ({ restored, behind }) => {
    const down = (value: string) => seq(value, { definition: 'bigint start 100 increment -1' });
    expect(texts({ [SEQ]: down('50') }, { [SEQ]: down(restored) })).toEqual(behind ? [`${SEQ}: value ${restored} is behind the captured 50 (reset?)`] : []);
  });

  it('takes the direction from the restored definition, else from the captured one', () => {
    const captured = { [SEQ]: { definition: 'bigint start 100 increment -1', value: '50' } };
    expect(texts(captured, { [SEQ]: { value: '40' } })).toEqual([`${SEQ}: definition bigint start 100 increment -1 → (none)`]);
    expect(texts({ [SEQ]: { value: '50' } }, { [SEQ]: { definition: 'bigint start 100 increment -1', value: '40' } })).toEqual([]);
    expect(texts({ [SEQ]: { value: '50' } }, { [SEQ]: { value: '40' } })).toEqual([`${SEQ}: value 40 is behind the captured 50 (reset?)`]);
  });

  it('does not judge a value the capture before the snapshot did not have', () => {
    const comparison = compareSchema(fingerprint({ [SEQ]: seq(undefined) }), fingerprint({ [SEQ]: seq('5000') }), fingerprint({ [SEQ]: seq('1') }));
    expect(comparison.differences).toEqual([]);
  });

  it('does not judge a value where the only capture was taken after the snapshot', () => {
    expect(compareSchema(null, fingerprint({ [SEQ]: seq('5000') }), fingerprint({ [SEQ]: seq('1') })).differences).toEqual([]);
    expect(compareSchema(fingerprint({ [SEQ]: seq('5000') }), null, fingerprint({ [SEQ]: seq('1') })).differences.map((d) => d.change)).toEqual(['behind']);
  });

  it('does not judge the value of an unlogged sequence (crash recovery resets it), but does its other properties', () => {
    const unlogged = (value: string, owner: string) => seq(value, { persistence: 'unlogged', owner });
    expect(texts({ [SEQ]: unlogged('77', 'app') }, { [SEQ]: unlogged('1', 'intruder') })).toEqual([`${SEQ}: owner app → intruder`]);
    expect(texts({ [SEQ]: seq('77', { persistence: 'permanent' }) }, { [SEQ]: seq('1', { persistence: 'permanent' }) })).toEqual([`${SEQ}: value 1 is behind the captured 77 (reset?)`]);
  });

  it('judges a property called value on anything but a sequence like any other', () => {
    expect(texts({ 'setting work_mem': { value: '5000' } }, { 'setting work_mem': { value: '6000' } })).toEqual(['setting work_mem: value 5000 → 6000']);
  });
});

describe('compareSchema: what changed between the captures, and what is missing or unexpected', () => {
  it('takes an object created or dropped between the captures as changing, present in the restore or not', () => {
    const before = fingerprint({ 'table public.t': { owner: 'app' }, 'index public.dropped': { table: 'public.t' } });
    const after = fingerprint({ 'table public.t': { owner: 'app' }, 'index public.created': { table: 'public.t' } });
    expect(compareSchema(before, after, fingerprint({ 'table public.t': { owner: 'app' } }))).toEqual({ differences: [], changing: ['index public.created', 'index public.dropped'], impliedByMissingTables: 0, compared: 3 });
    expect(compareSchema(before, after, fingerprint({ 'table public.t': { owner: 'app' }, 'index public.created': { table: 'public.t' }, 'index public.dropped': { table: 'public.t' } })).differences).toEqual([]);
  });

  it('takes a property changed between the captures in any state, and judges the other properties of the object', () => {
    const before = fingerprint({ 'table public.t': { owner: 'app', acl: 'a' } });
    const after = fingerprint({ 'table public.t': { owner: 'app2', acl: 'a' } });
    expect(compareSchema(before, after, fingerprint({ 'table public.t': { owner: 'other', acl: 'a' } }))).toEqual({ differences: [], changing: ['table public.t'], impliedByMissingTables: 0, compared: 1 });
    expect(compareSchema(before, after, fingerprint({ 'table public.t': { owner: 'app', acl: 'b' } })).differences.map((d) => d.text)).toEqual(['table public.t: acl a → b']);
  });

  it('judges against the one capture there is, before or after', () => {
    const captured = fingerprint({ 'table public.t': { owner: 'app' } });
    const restored = fingerprint({ 'table public.t': { owner: 'x' } });
    expect([compareSchema(captured, null, restored), compareSchema(null, captured, restored)].map((c) => c.differences.map((d) => d.text))).toEqual([['table public.t: owner app → x'], ['table public.t: owner app → x']]);
  });

  it('lists what is missing and what is unexpected in name order, with their fields', () => {
    const comparison = against({ 'index public.b': { table: 'public.t' }, 'index public.a': { table: 'public.t' }, 'table public.t': {} }, { 'table public.t': {}, 'trigger public.t.z': {}, 'trigger public.t.y': {} });
    expect(comparison).toEqual({
      differences: [
        { object: 'index public.a', change: 'missing', text: 'index public.a missing' },
        { object: 'index public.b', change: 'missing', text: 'index public.b missing' },
        { object: 'trigger public.t.y', change: 'unexpected', text: 'trigger public.t.y unexpected (in no manifest)' },
        { object: 'trigger public.t.z', change: 'unexpected', text: 'trigger public.t.z unexpected (in no manifest)' },
      ],
      changing: [],
      impliedByMissingTables: 0,
      compared: 3,
    });
  });

  it('lets the restore add only what it may', () => {
    const restored = fingerprint({ 'extension amcheck': {}, 'extension pgcrypto': {} });
    expect(compareSchema(fingerprint({}), null, restored, { mayAdd: (key) => key === 'extension amcheck' }).differences.map((d) => d.text)).toEqual(['extension pgcrypto unexpected (in no manifest)']);
  });
});

describe('compareSchema: only the objects asked for', () => {
  const captured = { 'table public.a': { owner: 'app' }, 'index public.a_idx': { table: 'public.a' }, 'table public.b': { owner: 'app' } };

  it('compares only the objects the filter keeps, given their captured properties', () => {
    const seen: [string, Readonly<Record<string, string>> | undefined][] = [];
    const only = (object: string, props: Readonly<Record<string, string>> | undefined) => {
      seen.push([object, props]);
      return object === 'table public.a' || props?.table === 'public.a';
    };
    const comparison = compareSchema(fingerprint(captured), fingerprint(captured), fingerprint({ 'table public.a': { owner: 'x' }, 'table public.b': { owner: 'x' }, 'index public.new': { table: 'public.b' } }), { only });
    expect(comparison).toEqual({ differences: [{ object: 'table public.a', change: 'changed', property: 'owner', expected: 'app', observed: 'x', text: 'table public.a: owner app → x' }, { object: 'index public.a_idx', change: 'missing', text: 'index public.a_idx missing' }].sort((x, y) => (x.object < y.object ? -1 : 1)), changing: [], impliedByMissingTables: 0, compared: 2 });
    expect(seen).toContainEqual(['index public.a_idx', { table: 'public.a' }]);
  });

  it('gives the filter the properties of an object only the later capture or the restore has', () => {
    const kept: string[] = [];
    const only = (object: string, props: Readonly<Record<string, string>> | undefined) => {
      if (props?.table === 'public.a') kept.push(object);
      return props?.table === 'public.a';
    };
    const comparison = compareSchema(fingerprint({}), fingerprint({ 'index public.late': { table: 'public.a' } }), fingerprint({ 'index public.spy': { table: 'public.a' }, 'index public.other': { table: 'public.b' } }), { only });
    expect(comparison).toEqual({ differences: [{ object: 'index public.spy', change: 'unexpected', text: 'index public.spy unexpected (in no manifest)' }], changing: ['index public.late'], impliedByMissingTables: 0, compared: 1 });
    expect(new Set(kept)).toEqual(new Set(['index public.late', 'index public.spy']));
  });
});

describe('compareSchema: a missing table says it all', () => {
  const captured = {
    'table public.orders': {},
    'column public.orders.total': { type: 'numeric' },
    'index public.orders_idx': { table: 'public.orders' },
    'constraint public.orders.orders_pkey': {},
    'trigger public.orders.audit': {},
    'policy public.orders.tenant': {},
    'rule public.orders.keep': {},
    'table public.refunds': {},
    'column public.refunds.amount': { type: 'numeric' },
    'index public.refunds_idx': { table: 'public.refunds' },
    'function public.refund(bigint)': {},
  };

  it('lists the table alone, counts what it implies, and still lists what is missing from a table that is there', () => {
    const restored = { 'table public.refunds': {}, 'index public.refunds_idx': { table: 'public.refunds' } };
    expect(against(captured, restored)).toEqual({
      differences: [
        { object: 'column public.refunds.amount', change: 'missing', text: 'column public.refunds.amount missing' },
        { object: 'function public.refund(bigint)', change: 'missing', text: 'function public.refund(bigint) missing' },
        { object: 'table public.orders', change: 'missing', text: 'table public.orders missing' },
      ],
      changing: [],
      impliedByMissingTables: 6,
      compared: 11,
    });
  });

  it('implies nothing when every table is there', () => {
    const restored = Object.fromEntries(Object.entries(captured).filter(([key]) => key.startsWith('table ')));
    expect(against(captured, restored).impliedByMissingTables).toBe(0);
  });
});
