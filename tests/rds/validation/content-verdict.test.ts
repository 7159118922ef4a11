// The content verdict's edges, pure (functions/rds/validate-restore/content-verdict.ts): every count it
// reports, the tolerance and "wholesale" boundaries, what an append-only table may not do, the notes on
// buckets not hashed, and each reason a table is not compared. Written to fail for each mutant of the
// verdict that changes a status, a count or a text a person reads.

import { describe, expect, it } from 'vitest';
import { judgeTableContent, type RestoredContent, type TableContentInput } from '../../../functions/rds/validate-restore/content-verdict.js';
import type { BucketHash, TableContent } from '../../../shared/rds/postgres/types.js';

const h = (hash: string, rows = 10): BucketHash => ({ rows, hash });
const BOUNDS = ['1', '11', '21', '31', '41', '51', '61', '71', '81', '91'];
/** A keyed table of ten buckets, ids 1 to 100, all sampled unless told. */
const keyed = (buckets: Record<string, BucketHash>, sample = Object.keys(buckets).map(Number)): TableContent => ({ mode: 'key', key: ['id'], column: 'id', type: 'bigint', bounds: BOUNDS, max: '100', sample, buckets });
const TEN = Object.fromEntries(BOUNDS.map((_, i) => [String(i), h(`h${i}`)]));
const restoredAs = (hashes: Record<string, BucketHash>, complete = true): RestoredContent => ({ kind: 'buckets', hashes, complete });
/** TEN, with the buckets named changed to `x<i>` (and 9 rows). */
const off = (...buckets: number[]) => ({ ...TEN, ...Object.fromEntries(buckets.map((i) => [String(i), h(`x${i}`, 9)])) });
const judge = (overrides: Partial<TableContentInput>) =>
  judgeTableContent({ table: 'public.t', appendOnly: false, tolerance: 0, before: keyed(TEN), after: keyed(TEN), bracketed: true, restored: restoredAs(TEN), ...overrides });
const counts = (compared: number, unchanged: number, differing: number, changing = 0, changingElsewhere = 0) => ({ compared, unchanged, differing, changing, changingElsewhere });

describe('judgeTableContent: the counts and the verdict', () => {
  it('passes an identical table, with every count', () => {
    expect(judge({})).toEqual({ table: 'public.t', appendOnly: false, status: 'passed', detail: 'public.t: 10 of 10 unchanged buckets match', ...counts(10, 10, 0) });
  });

  it('counts the buckets that changed while the snapshot was taken, and of those the ones restored in neither state', () => {
    const after = keyed({ ...TEN, '1': h('b1'), '2': h('b2'), '3': h('b3') });
    const restored = restoredAs({ ...TEN, '2': h('b2'), '3': h('between') });
    expect(judge({ after, restored })).toEqual({
      table: 'public.t',
      appendOnly: false,
      status: 'passed',
      detail: 'public.t: 7 of 7 unchanged buckets match; 3 changed while the snapshot was taken (not judged)',
      ...counts(10, 7, 0, 3, 1),
    });
  });

  it('passes a table whose every bucket changed while the snapshot was taken, judging none', () => {
    const after = keyed(Object.fromEntries(BOUNDS.map((_, i) => [String(i), h(`new${i}`)])));
    expect(judge({ after, tolerance: 0.1 })).toEqual({
      table: 'public.t',
      appendOnly: false,
      status: 'passed',
      detail: 'public.t: 0 of 0 unchanged buckets match; 10 changed while the snapshot was taken (not judged)',
      ...counts(10, 0, 0, 10, 0),
    });
  });

  it.each([
    { tolerance: 0.2, differing: [3, 7], status: 'passed', detail: 'public.t: 8 of 10 unchanged buckets match, 2 differing within the tolerance of 20 %' },
    { tolerance: 0.19, differing: [3, 7], status: 'failed', detail: 'public.t: 2 of 10 unchanged buckets differ (20 %, tolerance 19 %): id [31, 41) (10 rows captured, 9 restored); id [71, 81) (10 rows captured, 9 restored)' },
    { tolerance: 0.4, differing: [0, 1, 2, 3, 4], status: 'failed', detail: 'public.t: 5 of 10 unchanged buckets differ (50 %, tolerance 40 %): id [1, 11) (10 rows captured, 9 restored); id [11, 21) (10 rows captured, 9 restored); id [21, 31) (10 rows captured, 9 restored); id [31, 41) (10 rows captured, 9 restored); id [41, 51) (10 rows captured, 9 restored)' },
    { tolerance: 0.4, differing: [0, 1, 2, 3, 4, 5, 6], status: 'failed', detail: 'public.t: 7 of 10 unchanged buckets differ (70 %, tolerance 40 %): a wholesale change: id [1, 11) (10 rows captured, 9 restored); id [11, 21) (10 rows captured, 9 restored); id [21, 31) (10 rows captured, 9 restored); id [31, 41) (10 rows captured, 9 restored); id [41, 51) (10 rows captured, 9 restored), and 2 more' },
    { tolerance: 0.004, differing: [9], status: 'failed', detail: 'public.t: 1 of 10 unchanged buckets differ (10 %, tolerance 0.4 %): id [91, 100] (10 rows captured, 9 restored)' },
  ])('tolerance $tolerance, buckets $differing differing: $status', ({ tolerance, differing, status, detail }) => {
    expect(judge({ tolerance, restored: restoredAs(off(...differing)) })).toEqual({ table: 'public.t', appendOnly: false, status, detail, ...counts(10, 10, differing.length) });
  });

  it('shows a share to a tenth of a percent', () => {
    const buckets = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [String(i), h(`h${i}`)]));
    const three = keyed(buckets);
    expect(judge({ before: three, after: three, restored: restoredAs({ ...buckets, '1': h('x') }) }).detail).toBe('public.t: 1 of 3 unchanged buckets differ (33.3 %, tolerance 0 %): id [11, 21) (10 rows captured, 10 restored)');
  });
});

describe('judgeTableContent: an append-only table', () => {
  it('fails on any bucket of captured rows that differs, whatever the tolerance, listing five and counting the rest', () => {
    expect(judge({ appendOnly: true, tolerance: 0.9, restored: restoredAs(off(1, 2, 3, 4, 5, 6)) })).toEqual({
      table: 'public.t',
      appendOnly: true,
      status: 'failed',
      detail:
        'public.t (append-only): 6 of 10 buckets of captured rows differ: id [11, 21) (10 rows captured, 9 restored); id [21, 31) (10 rows captured, 9 restored); id [31, 41) (10 rows captured, 9 restored); id [41, 51) (10 rows captured, 9 restored); id [51, 61) (10 rows captured, 9 restored), and 1 more',
      ...counts(10, 10, 6),
    });
  });

  it('passes when unchanged, saying it is append-only', () => {
    expect(judge({ appendOnly: true })).toEqual({ table: 'public.t', appendOnly: true, status: 'passed', detail: 'public.t (append-only): 10 of 10 unchanged buckets match', ...counts(10, 10, 0) });
  });

  it('warns when rows it already had changed while the snapshot was taken (is it really append-only?)', () => {
    const verdict = judge({ appendOnly: true, after: keyed({ ...TEN, '4': h('b4') }) });
    expect(verdict).toEqual({
      table: 'public.t',
      appendOnly: true,
      status: 'passed',
      detail: 'public.t (append-only): 9 of 9 unchanged buckets match; 1 changed while the snapshot was taken (not judged)',
      warning: 'content: append-only table public.t changed in 1 bucket(s) of rows it already had while the snapshot was taken (is it really append-only?)',
      ...counts(10, 9, 0, 1, 0),
    });
    expect(judge({ after: keyed({ ...TEN, '4': h('b4') }) })).not.toHaveProperty('warning');
  });

  it('is inconclusive when buckets went unhashed, and a table that is not append-only still passes', () => {
    const { '9': _nine, ...withoutNine } = TEN;
    const restored = restoredAs(withoutNine, false);
    expect(judge({ appendOnly: true, restored })).toMatchObject({ status: 'inconclusive', detail: 'public.t (append-only): 9 of 9 unchanged buckets match; 1 not hashed on the restore (time budget)' });
    expect(judge({ restored })).toMatchObject({ status: 'passed', detail: 'public.t: 9 of 9 unchanged buckets match; 1 not hashed on the restore (time budget)' });
  });
});

describe('judgeTableContent: buckets not hashed', () => {
  const { '2': _two, ...withoutTwo } = TEN;
  const { '5': _five, '6': _six, ...withoutFiveSix } = TEN;
  const { '8': _eight, ...withoutEight } = TEN;

  it('notes each way a sampled bucket went unhashed, in order, and judges the rest', () => {
    const verdict = judge({ before: keyed(withoutTwo, BOUNDS.map((_, i) => i)), after: keyed(withoutFiveSix), restored: restoredAs(withoutEight) });
    expect(verdict).toEqual({
      table: 'public.t',
      appendOnly: false,
      status: 'passed',
      detail: 'public.t: 6 of 6 unchanged buckets match; 1 sampled bucket(s) not hashed at capture (time budget); 2 not hashed after the snapshot; 1 not hashed on the restore (time budget)',
      ...counts(6, 6, 0),
    });
  });

  it('compares only the sampled buckets', () => {
    const before = keyed(TEN, [0, 5]);
    expect(judge({ before, restored: restoredAs(off(1, 2, 3)) })).toMatchObject({ status: 'passed', detail: 'public.t: 2 of 2 unchanged buckets match', ...counts(2, 2, 0) });
  });

  it.each([
    { appendOnly: false, status: 'not-compared' },
    { appendOnly: true, status: 'inconclusive' },
  ])('compares no bucket when none was hashed at capture (append-only $appendOnly: $status)', ({ appendOnly, status }) => {
    expect(judge({ appendOnly, before: keyed({}, [0, 1, 2]) })).toEqual({
      table: 'public.t',
      appendOnly,
      status,
      detail: 'public.t: no bucket compared; 3 sampled bucket(s) not hashed at capture (time budget)',
      ...counts(0, 0, 0),
    });
  });

  it('says only that no bucket was compared when nothing was sampled', () => {
    expect(judge({ before: keyed({}, []) })).toMatchObject({ status: 'not-compared', detail: 'public.t: no bucket compared' });
  });
});

describe('judgeTableContent: which captures it judges against', () => {
  it('judges every bucket as unchanged without a capture after the snapshot, whatever the capture after holds', () => {
    const after = keyed({ ...TEN, '1': h('b1') });
    expect(judge({ after, bracketed: false, restored: restoredAs({ ...TEN, '1': h('b1') }) })).toMatchObject({ status: 'failed', ...counts(10, 10, 1) });
  });

  it('judges against the capture after the snapshot alone when that is the only one', () => {
    expect(judge({ before: null, after: keyed(TEN), bracketed: false, restored: restoredAs(off(0)) })).toMatchObject({ status: 'failed', ...counts(10, 10, 1) });
    expect(judge({ before: null, after: keyed(TEN), bracketed: false })).toMatchObject({ status: 'passed', ...counts(10, 10, 0) });
  });

  it('counts every bucket as not hashed after the snapshot when the capture after hashed the table another way', () => {
    expect(judge({ after: { mode: 'whole', rows: 100, hash: 'w' } })).toMatchObject({ status: 'not-compared', detail: 'public.t: no bucket compared; 10 not hashed after the snapshot', ...counts(0, 0, 0) });
    expect(judge({ after: null })).toMatchObject({ status: 'not-compared', detail: 'public.t: no bucket compared; 10 not hashed after the snapshot' });
  });
});

describe('judgeTableContent: a table hashed whole', () => {
  const whole = (hash: string, rows = 9): TableContent => ({ mode: 'whole', rows, hash });
  const restoredWhole = (hash: string, rows = 9): RestoredContent => ({ kind: 'whole', hash: h(hash, rows) });

  it('passes a match, and takes a table changed while the snapshot was taken in either state', () => {
    expect(judge({ before: whole('a'), after: whole('a'), restored: restoredWhole('a') })).toEqual({ table: 'public.t', appendOnly: false, status: 'passed', detail: 'public.t: 1 of 1 unchanged buckets match', ...counts(1, 1, 0) });
    expect(judge({ before: whole('a'), after: whole('b', 10), restored: restoredWhole('c') })).toMatchObject({ status: 'passed', ...counts(1, 0, 0, 1, 1) });
  });

  it('judges against the one capture there is', () => {
    expect(judge({ before: whole('a'), after: whole('b'), bracketed: false, restored: restoredWhole('b') })).toMatchObject({ status: 'failed', detail: 'public.t: 1 of 1 unchanged buckets differ (100 %, tolerance 0 %): a wholesale change: the whole table (9 rows captured, 9 restored)' });
    expect(judge({ before: null, after: whole('b'), bracketed: false, restored: restoredWhole('b') })).toMatchObject({ status: 'passed', ...counts(1, 1, 0) });
  });

  it.each([
    { name: 'the capture after hashed it by key', after: keyed(TEN), detail: 'public.t: not fingerprinted by the capture after the snapshot' },
    { name: 'the capture after has no fingerprint of it', after: null, detail: 'public.t: not fingerprinted by the capture after the snapshot' },
  ])('does not compare it when $name', ({ after, detail }) => {
    expect(judge({ before: whole('a'), after, restored: restoredWhole('a') })).toEqual({ table: 'public.t', appendOnly: false, status: 'not-compared', detail, ...counts(0, 0, 0) });
  });
});

describe('judgeTableContent: why a table is not compared, or fails without a comparison', () => {
  const none: TableContent = { mode: 'none', reason: 'no primary key' };

  it.each<{ name: string; input: Partial<TableContentInput>; detail: string }>([
    { name: 'nothing captured', input: { before: null, after: null }, detail: 'public.t: no content fingerprint was captured' },
    { name: 'not fingerprinted before, whatever the capture after', input: { before: none, after: keyed(TEN) }, detail: 'public.t: not fingerprinted: no primary key' },
    { name: 'not fingerprinted by the only capture', input: { before: null, after: none }, detail: 'public.t: not fingerprinted: no primary key' },
    { name: 'out of time', input: { restored: { kind: 'out-of-time' } }, detail: 'public.t: not compared: the time budget (validation.content.timeBudget) ran out' },
    { name: 'not hashed', input: { restored: { kind: 'not-hashed' } }, detail: 'public.t: not hashed on the restore' },
    { name: 'hashed whole on the restore', input: { restored: { kind: 'whole', hash: h('a') } }, detail: 'public.t: hashed differently on the restore' },
    { name: 'hashed by key on the restore, captured whole', input: { before: { mode: 'whole', rows: 1, hash: 'a' }, after: { mode: 'whole', rows: 1, hash: 'a' } }, detail: 'public.t: hashed differently on the restore' },
  ])('$name', ({ input, detail }) => {
    expect(judge(input)).toEqual({ table: 'public.t', appendOnly: false, status: 'not-compared', detail, ...counts(0, 0, 0) });
    expect(judge({ ...input, appendOnly: true })).toEqual({ table: 'public.t', appendOnly: true, status: 'inconclusive', detail, ...counts(0, 0, 0) });
  });

  it.each<{ restored: RestoredContent; detail: string }>([
    { restored: { kind: 'missing' }, detail: 'public.t is missing from the restore' },
    { restored: { kind: 'error', message: 'relation is locked' }, detail: 'public.t could not be hashed on the restore: relation is locked' },
  ])('fails a table $restored.kind on the restore, even one not compared otherwise', ({ restored, detail }) => {
    expect(judge({ restored })).toEqual({ table: 'public.t', appendOnly: false, status: 'failed', detail, ...counts(0, 0, 0) });
    expect(judge({ restored, before: { mode: 'whole', rows: 1, hash: 'a' } })).toMatchObject({ status: 'failed', detail });
  });
});
