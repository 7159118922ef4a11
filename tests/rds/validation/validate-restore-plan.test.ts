// The restore verdicts' edges, pure (functions/rds/validate-restore/plan.ts): the tolerance around a
// range of counts, the wording of a row-count verdict, which texts are timestamps, freshness exactly at
// the restore point and at the clock skew, the warning for rows dated after it, and what the bounded
// summary keeps. Written to fail for each mutant of the plan that changes a verdict or its text.

import { describe, expect, it } from 'vitest';
import { FUTURE_ROWS_LIMIT, PG_TYPE, SUMMARY_LIMITS, compareCounts, freshnessOutcome, futureRowsWarning, parseTimestampText, rowCountsOutcome, summariseReport, withinRange } from '../../../functions/rds/validate-restore/plan.js';
import type { CheckResult, ValidationReport } from '../../../functions/rds/validate-restore/types.js';

const MINUTE = 60_000;
const RESTORE_POINT = Date.parse('2026-11-24T17:00:00Z');

describe('withinRange: a range of counts widened by the tolerance on each side', () => {
  it.each([
    { observed: 495, within: true },
    { observed: 494, within: false },
    { observed: 508, within: true },
    { observed: 509, within: false },
  ])('500 to 503 within 1 %: $observed is within: $within', ({ observed, within }) => {
    expect(withinRange({ min: 500, max: 503 }, observed, 0.01)).toBe(within);
  });

  it('widens each side by its own end of the range', () => {
    expect([withinRange({ min: 100, max: 1000 }, 90, 0.1), withinRange({ min: 100, max: 1000 }, 89, 0.1), withinRange({ min: 100, max: 1000 }, 1100, 0.1), withinRange({ min: 100, max: 1000 }, 1101, 0.1)]).toEqual([true, false, true, false]);
  });
});

describe('row counts: what differs, and how the verdict says it', () => {
  it('finds a table missing from the restore even when it was captured empty', () => {
    expect(compareCounts({ 'public.empty': 0 }, {}, 0)).toEqual([{ table: 'public.empty', expected: 0, observed: null }]);
    expect(compareCounts({ 'public.empty': 0 }, { 'public.empty': 0 }, 0)).toEqual([]);
  });

  it('passes, naming the tolerance to the thousandth of a percent, and keeps what it compared', () => {
    const input = { expected: { 'public.a': 1000, 'public.b': { min: 10, max: 12 } }, observed: { 'public.a': 1001, 'public.b': 12 }, tolerance: 0.00125, against: 'the manifests' };
    expect(rowCountsOutcome(input)).toEqual({ status: 'passed', detail: 'all 2 tables match the manifests within 0.125 %', expected: input.expected, observed: input.observed });
  });

  it('passes without naming a tolerance of 0', () => {
    expect(rowCountsOutcome({ expected: { 'public.a': 5 }, observed: { 'public.a': 5 }, tolerance: 0, against: 'the source' }).detail).toBe('all 1 tables match the source');
  });

  it('fails, naming each table that differs or is missing, and the tolerance', () => {
    const input = { expected: { 'public.a': 1000, 'public.b': 7, 'public.c': 3 }, observed: { 'public.a': 900, 'public.c': 3 }, tolerance: 0.05, against: 'the manifests' };
    expect(rowCountsOutcome(input)).toEqual({
      status: 'failed',
      detail: '2 of 3 tables differ from the manifests within 5 %: public.a expected 1000, observed 900; public.b expected 7, observed missing',
      expected: input.expected,
      observed: input.observed,
    });
  });
});

describe('parseTimestampText: only what PostgreSQL prints, whole', () => {
  it.each([
    { name: 'a date in the JavaScript six-digit form', text: '+002026-11-24', type: PG_TYPE.date },
    { name: 'a timestamp after the year 9999 (not its last four digits)', text: '12026-11-24 16:58:00+00', type: PG_TYPE.timestamptz },
    { name: 'a timestamp before the common era', text: '2026-11-24 16:58:00+00 BC', type: PG_TYPE.timestamptz },
    { name: 'a timestamp without time zone before the common era', text: '2026-11-24 16:58:00 BC', type: PG_TYPE.timestamp },
    { name: 'infinity as a timestamp without time zone', text: 'infinity', type: PG_TYPE.timestamp },
    { name: 'a date as a timestamp', text: '2026-11-24', type: PG_TYPE.timestamp },
  ])('does not read $name', ({ text, type }) => {
    expect(parseTimestampText(text, type)).toBeNull();
  });

  it.each([
    { text: '2026-11-24 22:28:15+05:30:15', epoch: Date.parse('2026-11-24T16:58:15Z') },
    { text: '2026-11-24 07:58:00-09', epoch: Date.parse('2026-11-24T16:58:00Z') },
  ])('reads the offset of $text to the minute', ({ text, epoch }) => {
    expect(parseTimestampText(text, PG_TYPE.timestamptz)).toBe(epoch);
  });
});

describe('freshness exactly at the restore point and at the clock skew', () => {
  it('reads data dated exactly at the restore point as 0 min before it, without a word on clock skew', () => {
    expect(freshnessOutcome(RESTORE_POINT, RESTORE_POINT, 15 * MINUTE)).toEqual({
      status: 'passed',
      detail: 'newest data 2026-11-24T17:00:00.000Z is 0 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min)',
      expected: { maxLagMinutes: 15, clockSkewMinutes: 1 },
      observed: { newestData: '2026-11-24T17:00:00.000Z', lagMinutes: 0 },
    });
  });

  it('takes data dated exactly the clock skew after the restore point as within it', () => {
    expect(freshnessOutcome(RESTORE_POINT + 2 * MINUTE, RESTORE_POINT, 15 * MINUTE, 2 * MINUTE)).toEqual({
      status: 'passed',
      detail: 'newest data 2026-11-24T17:02:00.000Z is 2 min after the restore point 2026-11-24T17:00:00.000Z (within the 2 min allowed for clock skew; RPO target 15 min)',
      expected: { maxLagMinutes: 15, clockSkewMinutes: 2 },
      observed: { newestData: '2026-11-24T17:02:00.000Z', lagMinutes: -2 },
    });
    expect(freshnessOutcome(RESTORE_POINT + 2 * MINUTE + 1, RESTORE_POINT, 15 * MINUTE, 2 * MINUTE).status).toBe('inconclusive');
  });
});

describe('the warning for rows dated after the restore point', () => {
  it.each([
    { rows: 1, counted: '1 row of public.orders is' },
    { rows: 2, counted: '2 rows of public.orders are' },
    { rows: FUTURE_ROWS_LIMIT, counted: '10000 rows of public.orders are' },
    { rows: FUTURE_ROWS_LIMIT + 1, counted: 'more than 10000 rows of public.orders are' },
  ])('counts $rows', ({ rows, counted }) => {
    expect(futureRowsWarning('public.orders', rows, RESTORE_POINT)).toBe(
      `freshness: ${counted} dated after the restore point 2026-11-24T17:00:00.000Z (+1 min clock skew): not taken as proof of freshness (clock skew on the writers, or data written into the future?)`,
    );
  });
});

describe('the summary: what it keeps, exactly at its limits', () => {
  const report = (checks: CheckResult[], more: Partial<ValidationReport> = {}): ValidationReport => ({
    outcome: 'failed',
    checks,
    warnings: [],
    serverVersion: '16.4',
    newestData: null,
    startedAt: RESTORE_POINT,
    finishedAt: RESTORE_POINT + 1_000,
    ...more,
  });
  const check = (name: string, status: CheckResult['status'], detail = 'd'): CheckResult => ({ name, status, detail, durationMs: 1 });

  it('lists the checks that did not pass first when they are too many, even when they come first', () => {
    const failed = Array.from({ length: 10 }, (_, i) => check(`assertion:failed-${i}`, 'failed'));
    const passed = Array.from({ length: 50 }, (_, i) => check(`assertion:passed-${i}`, 'passed'));
    const summary = summariseReport(report([...failed, ...passed]), 'k');
    expect(summary.checks.map((c) => c.name)).toEqual([...failed, ...passed.slice(0, SUMMARY_LIMITS.checks - 10)].map((c) => c.name));
    expect(summary.omittedChecks).toBe(10);
  });

  it('keeps a name or detail of exactly the limit whole, and cuts a longer one with an ellipsis', () => {
    const fits = check('n'.repeat(SUMMARY_LIMITS.nameChars), 'failed', 'd'.repeat(SUMMARY_LIMITS.detailChars));
    const long = check(`${'m'.repeat(SUMMARY_LIMITS.nameChars)}x`, 'failed', `${'e'.repeat(SUMMARY_LIMITS.detailChars)}x`);
    const [first, second] = summariseReport(report([fits, long]), 'k').checks;
    expect(first).toEqual({ name: fits.name, status: 'failed', durationMs: 1, detail: fits.detail });
    expect(second).toEqual({ name: `${'m'.repeat(SUMMARY_LIMITS.nameChars - 1)}…`, status: 'failed', durationMs: 1, detail: `${'e'.repeat(SUMMARY_LIMITS.detailChars - 1)}…` });
  });

  it('keeps the warnings, each cut to its limit, and says how many more there are', () => {
    const warnings = Array.from({ length: SUMMARY_LIMITS.warnings + 2 }, (_, i) => `${i}: ${'w'.repeat(SUMMARY_LIMITS.warningChars)}`);
    const summary = summariseReport(report([], { warnings }), 'k');
    expect(summary.warnings).toEqual([...warnings.slice(0, SUMMARY_LIMITS.warnings).map((w) => `${w.slice(0, SUMMARY_LIMITS.warningChars - 1)}…`), '2 more warnings in the validation report']);
    expect(summariseReport(report([], { warnings: ['short'] }), 'k').warnings).toEqual(['short']);
  });

  it('keeps an unknown server version unknown, and cuts a long one', () => {
    expect(summariseReport(report([], { serverVersion: null }), 'k').serverVersion).toBeNull();
    expect(summariseReport(report([], { serverVersion: 'v'.repeat(SUMMARY_LIMITS.versionChars + 5) }), 'k').serverVersion).toBe(`${'v'.repeat(SUMMARY_LIMITS.versionChars - 1)}…`);
  });
});
