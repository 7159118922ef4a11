import { describe, expect, it } from 'vitest';
import { qualifiedName, quoteIdentifier } from '../../../shared/rds/postgres/catalog.js';
import { ConnectFailed, describeConnectFailure, isDatabaseFault } from '../../../shared/rds/postgres/connection.js';
import { redact } from '../../../shared/rds/postgres/redact.js';
import {
  PG_TYPE,
  SUMMARY_LIMITS,
  assertionOutcome,
  assertionText,
  compareCounts,
  freshnessOutcome,
  futureRowsWarning,
  parseTimestampText,
  summariseReport,
  validationOutcome,
  withinTolerance,
} from '../../../functions/rds/validate-restore/plan.js';
import type { CheckResult, ValidationReport } from '../../../functions/rds/validate-restore/types.js';
import { validationSummary } from '../../../shared/rds/restore-run.js';

const MINUTE = 60_000;
const RESTORE_POINT = Date.parse('2026-11-24T17:00:00Z');

describe('row counts within a tolerance', () => {
  it.each([
    { expected: 3000, observed: 3000, tolerance: 0, ok: true },
    { expected: 3000, observed: 2999, tolerance: 0, ok: false },
    { expected: 3000, observed: 3030, tolerance: 0.01, ok: true },
    { expected: 3000, observed: 3031, tolerance: 0.01, ok: false },
    { expected: 3000, observed: 2970, tolerance: 0.01, ok: true },
    { expected: 0, observed: 0, tolerance: 0.5, ok: true },
    { expected: 0, observed: 1, tolerance: 0.5, ok: false },
  ])('$observed against $expected with tolerance $tolerance is within: $ok', ({ expected, observed, tolerance, ok }) => {
    expect(withinTolerance(expected, observed, tolerance)).toBe(ok);
  });

  it('lists differing and missing tables, and only those', () => {
    const differences = compareCounts({ 'public.a': 10, 'public.b': 20, 'public.c': 30 }, { 'public.a': 10, 'public.b': 19 }, 0);
    expect(differences).toEqual([
      { table: 'public.b', expected: 20, observed: 19 },
      { table: 'public.c', expected: 30, observed: null },
    ]);
  });
});

describe('timestamps as PostgreSQL prints them (ISO, UTC)', () => {
  it.each([
    { text: '2026-11-24 16:58:00+00', type: PG_TYPE.timestamptz, epoch: Date.parse('2026-11-24T16:58:00Z') },
    { text: '2026-11-24 16:58:00.123456+00', type: PG_TYPE.timestamptz, epoch: Date.parse('2026-11-24T16:58:00.123Z') },
    { text: '2026-11-25 01:58:00+09', type: PG_TYPE.timestamptz, epoch: Date.parse('2026-11-24T16:58:00Z') },
    { text: '2026-11-24 22:28:00+05:30', type: PG_TYPE.timestamptz, epoch: Date.parse('2026-11-24T16:58:00Z') },
    { text: '2026-11-24 16:58:00', type: PG_TYPE.timestamp, epoch: Date.parse('2026-11-24T16:58:00Z') },
    { text: '2026-11-24', type: PG_TYPE.date, epoch: Date.parse('2026-11-24T00:00:00Z') },
    { text: 'infinity', type: PG_TYPE.timestamptz, epoch: null },
    { text: '2026-11-24 16:58:00', type: PG_TYPE.timestamptz, epoch: null },
    { text: '2026-11-24 16:58:00+00', type: PG_TYPE.timestamp, epoch: null },
    { text: '2026-11-24 16:58:00+00', type: 25, epoch: null },
    { text: '42', type: 23, epoch: null },
  ])('$text (type $type) → $epoch', ({ text, type, epoch }) => {
    expect(parseTimestampText(text, type)).toBe(epoch);
  });
});

describe('freshness against the RPO', () => {
  it.each([
    { name: 'data 2 min old passes a 15 min RPO', lag: 2 * MINUTE, status: 'passed', detail: 'newest data 2026-11-24T16:58:00.000Z is 2 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min)' },
    { name: 'data exactly at the RPO passes', lag: 15 * MINUTE, status: 'passed', detail: 'newest data 2026-11-24T16:45:00.000Z is 15 min before the restore point 2026-11-24T17:00:00.000Z (RPO target 15 min)' },
    { name: 'data a day old fails', lag: 1_440 * MINUTE, status: 'failed', detail: 'newest data 2026-11-23T17:00:00.000Z is 1440 min before the restore point 2026-11-24T17:00:00.000Z, beyond the RPO target of 15 min' },
    {
      name: 'data slightly after the restore point (within the clock skew) passes',
      lag: -0.5 * MINUTE,
      status: 'passed',
      detail: 'newest data 2026-11-24T17:00:30.000Z is 0.5 min after the restore point 2026-11-24T17:00:00.000Z (within the 1 min allowed for clock skew; RPO target 15 min)',
    },
    {
      name: 'data a day after the restore point proves nothing: inconclusive, never "1440 min after ✓"',
      lag: -1_440 * MINUTE,
      status: 'inconclusive',
      detail:
        "newest data 2026-11-25T17:00:00.000Z is 1440 min after the restore point 2026-11-24T17:00:00.000Z, beyond the 1 min allowed for clock skew: data dated after the restore point proves nothing about the backup's freshness, and the newest data at or before it is unknown",
    },
    { name: 'data just beyond the clock skew is inconclusive too', lag: -1.5 * MINUTE, status: 'inconclusive', detail: expect.stringContaining('beyond the 1 min allowed for clock skew') },
  ])('$name', ({ lag, status, detail }) => {
    const outcome = freshnessOutcome(RESTORE_POINT - lag, RESTORE_POINT, 15 * MINUTE);
    expect(outcome).toMatchObject({ status, detail, expected: { maxLagMinutes: 15, clockSkewMinutes: 1 }, observed: { lagMinutes: lag / MINUTE } });
  });

  it('words the warning for rows dated after the restore point, capping the count it reports', () => {
    expect(futureRowsWarning('public.orders', 3, RESTORE_POINT)).toBe(
      'freshness: 3 rows of public.orders are dated after the restore point 2026-11-24T17:00:00.000Z (+1 min clock skew): not taken as proof of freshness (clock skew on the writers, or data written into the future?)',
    );
    expect(futureRowsWarning('public.orders', 10_001, RESTORE_POINT)).toMatch(/^freshness: more than 10000 rows of public\.orders are dated after/);
  });
});

describe('the outcome the checks add up to', () => {
  const only = (...statuses: CheckResult['status'][]) => statuses.map((status) => ({ status }));
  it.each([
    { statuses: only('passed', 'passed'), outcome: 'passed' },
    { statuses: only('passed', 'skipped'), outcome: 'passed' },
    { statuses: only('passed', 'inconclusive', 'skipped'), outcome: 'inconclusive' },
    { statuses: only('inconclusive', 'failed'), outcome: 'failed' },
    { statuses: only('failed', 'passed'), outcome: 'failed' },
  ])('$statuses.length checks → $outcome', ({ statuses, outcome }) => {
    expect(validationOutcome(statuses)).toBe(outcome);
  });
});

describe('the summary the state machine carries', () => {
  const report = (checks: CheckResult[], warnings: string[] = []): ValidationReport => ({
    outcome: validationOutcome(checks),
    checks,
    warnings,
    serverVersion: '15.20',
    newestData: RESTORE_POINT - MINUTE,
    startedAt: RESTORE_POINT,
    finishedAt: RESTORE_POINT + 5_000,
  });
  const KEY = 'validation/app-db/2026/11/bdr-rt-app-db-202611250200.json';

  it('keeps every status, details only of the checks that did not pass, and the report key', () => {
    const summary = summariseReport(
      report([
        { name: 'connectivity', status: 'passed', detail: 'connected', durationMs: 5 },
        { name: 'row-counts', status: 'failed', detail: 'public.orders expected 3000, observed 2900', durationMs: 9, expected: { 'public.orders': 3000 }, observed: { 'public.orders': 2900 } },
        { name: 'amcheck', status: 'inconclusive', detail: 'not available', durationMs: 1 },
        { name: 'freshness', status: 'skipped', detail: 'no freshness check in the policy (validation.freshness)', durationMs: 0 },
      ]),
      KEY,
    );
    expect(summary).toEqual({
      outcome: 'failed',
      counts: { passed: 1, failed: 1, inconclusive: 1, skipped: 1 },
      checks: [
        { name: 'connectivity', status: 'passed', durationMs: 5 },
        { name: 'row-counts', status: 'failed', durationMs: 9, detail: 'public.orders expected 3000, observed 2900' },
        { name: 'amcheck', status: 'inconclusive', durationMs: 1, detail: 'not available' },
        { name: 'freshness', status: 'skipped', durationMs: 0, detail: 'no freshness check in the policy (validation.freshness)' },
      ],
      omittedChecks: 0,
      warnings: [],
      serverVersion: '15.20',
      newestData: RESTORE_POINT - MINUTE,
      startedAt: RESTORE_POINT,
      finishedAt: RESTORE_POINT + 5_000,
      reportKey: KEY,
    });
    expect(() => validationSummary.parse(summary)).not.toThrow();
  });

  it('stays bounded however large the report: truncated details, a capped list that keeps the failures, capped warnings', () => {
    const tables = Array.from({ length: 5_000 }, (_, i) => `public.a_table_with_a_long_name_${String(i).padStart(5, '0')}`);
    const huge = `${tables.length} of ${tables.length} tables differ: ${tables.map((t) => `${t} expected 10, observed 9`).join('; ')}`;
    const passedAssertions = Array.from({ length: 200 }, (_, i): CheckResult => ({ name: `assertion:${'x'.repeat(500)}${i}`, status: 'passed', detail: 'returned "0" as expected', durationMs: 1 }));
    const failing: CheckResult = { name: 'row-counts', status: 'failed', detail: huge, durationMs: 3, expected: Object.fromEntries(tables.map((t) => [t, 10])), observed: Object.fromEntries(tables.map((t) => [t, 9])) };
    const full = report([...passedAssertions, failing], Array.from({ length: 50 }, () => `freshness: ${'w'.repeat(1_000)}`));

    const summary = summariseReport(full, KEY);

    expect(JSON.stringify(full).length).toBeGreaterThan(500_000);
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(40 * 1024);
    expect(summary.checks).toHaveLength(SUMMARY_LIMITS.checks);
    expect(summary.checks[summary.checks.length - 1]).toMatchObject({ name: 'row-counts', status: 'failed' });
    expect(summary.checks.find((c) => c.status === 'failed')?.detail).toHaveLength(SUMMARY_LIMITS.detailChars);
    expect(summary.omittedChecks).toBe(201 - SUMMARY_LIMITS.checks);
    expect(summary.counts).toEqual({ passed: 200, failed: 1, inconclusive: 0, skipped: 0 });
    expect(summary.warnings).toHaveLength(SUMMARY_LIMITS.warnings + 1);
    expect(summary.warnings.at(-1)).toBe('40 more warnings in the validation report');
  });
});

describe('assertions compared as text', () => {
  it.each([
    { observed: '0', expect: 0, rows: 1, status: 'passed', detail: 'returned "0" as expected' },
    { observed: '3', expect: 0, rows: 1, status: 'failed', detail: 'returned "3", expected "0"' },
    { observed: 'true', expect: true, rows: 1, status: 'passed', detail: 'returned "true" as expected' },
    { observed: 'EUR', expect: 'EUR', rows: 1, status: 'passed', detail: 'returned "EUR" as expected' },
    { observed: '1.50', expect: 1.5, rows: 1, status: 'failed', detail: 'returned "1.50", expected "1.5"' },
    { observed: null, expect: null, rows: 1, status: 'passed', detail: 'returned NULL as expected' },
    { observed: null, expect: 0, rows: 1, status: 'failed', detail: 'returned NULL, expected "0"' },
    { observed: '0', expect: null, rows: 1, status: 'failed', detail: 'returned "0", expected NULL' },
    { observed: null, expect: 0, rows: 0, status: 'failed', detail: 'returned no rows, expected "0"' },
  ])('$observed against $expect', ({ observed, expect: wanted, rows, status, detail }) => {
    expect(assertionOutcome(observed, wanted, rows)).toEqual({ status, detail, expected: wanted, observed });
  });

  it('reads booleans the way the policy writes them', () => {
    expect([assertionText('t', PG_TYPE.bool), assertionText('f', PG_TYPE.bool), assertionText('t', 25), assertionText(null, PG_TYPE.bool)]).toEqual(['true', 'false', 't', null]);
  });
});

describe('identifiers', () => {
  it.each([
    { schema: 'public', table: 'orders', sql: '"public"."orders"' },
    { schema: 'Sales EU', table: 'Audit "Log" 2026', sql: '"Sales EU"."Audit ""Log"" 2026"' },
    { schema: 'public', table: 'x"; drop table orders; --', sql: '"public"."x""; drop table orders; --"' },
  ])('$schema.$table is quoted as $sql', ({ schema, table, sql }) => {
    expect(qualifiedName({ schema, table })).toBe(sql);
  });

  it('doubles quotes in a single identifier', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});

describe('secrets stay out of text', () => {
  it('masks the password and its URL-encoded form wherever they appear', () => {
    const password = 'p@ss w0rd!';
    const text = `postgres://app:${encodeURIComponent(password)}@db:5432/app failed: bad password "${password}"`;
    const masked = redact(text, [password, undefined, '']);
    expect(masked).toBe('postgres://app:[redacted]@db:5432/app failed: bad password "[redacted]"');
  });

  it('describes a connect failure without the password, even when the error carries it', () => {
    const spec = { host: 'db.internal', port: 5432, user: 'app', password: 'hunter2-secret', database: 'app' };
    const detail = describeConnectFailure(new Error('handshake failed for postgres://app:hunter2-secret@db.internal'), spec);
    expect(detail).toBe('cannot connect to app@db.internal:5432/app: handshake failed for postgres://app:[redacted]@db.internal');
  });

  it.each([
    { name: 'a refused connection', error: Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }), detail: 'connection refused by db.internal:5432 (nothing listening there)' },
    { name: "Node's dual-stack AggregateError with no message", error: Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:5432')], ''), { code: 'ECONNREFUSED' }), detail: 'connection refused by db.internal:5432 (nothing listening there)' },
    { name: 'an unknown host', error: Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), { code: 'ENOTFOUND' }), detail: 'host db.internal not found' },
    { name: 'a connect timeout', error: new Error('timeout expired'), detail: 'no answer from db.internal:5432 within 5000 ms' },
  ])('describes $name', ({ error, detail }) => {
    const spec = { host: 'db.internal', port: 5432, user: 'app', password: 'x-secret', database: 'app' };
    expect(describeConnectFailure(error, spec)).toBe(`cannot connect to app@db.internal:5432/app: ${detail}`);
  });

  it('treats database faults as check results and anything else as a bug', () => {
    expect(isDatabaseFault(new ConnectFailed('cannot connect'))).toBe(true);
    expect(isDatabaseFault(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isDatabaseFault(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseFault(new TypeError("Cannot read properties of undefined (reading 'rows')"))).toBe(false);
  });
});
