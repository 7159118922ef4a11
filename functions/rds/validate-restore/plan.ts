// The pure judgements of a restore test: does a restored count lie in the range the manifests before and
// after the snapshot saw (within a tolerance), is the newest data at or before the restore point within
// its RPO, does an assertion's value equal what the policy expects, what outcome the checks add up to, and
// the bounded summary the state machine carries. (Schema: shared/rds/postgres/schema-diff.ts; content:
// content-verdict.ts.)

import type { Outcome, ValidationSummary } from '../../../shared/rds/restore-run.js';
import type { CheckOutcome, CheckResult, ValidationReport } from './types.js';

const MINUTE = 60_000;

/**
 * How far after the restore point a row may be dated and still count as "at or before" it. A snapshot's
 * restore point is its SnapshotCreateTime, taken when the snapshot starts (its storage is frozen seconds
 * later); application and database clocks are kept within milliseconds of UTC by NTP/Amazon Time Sync.
 * A minute covers both; a row dated later is not the backup's past and proves nothing about its freshness.
 */
export const FRESHNESS_CLOCK_SKEW_MS = MINUTE;

/** Rows dated after the restore point are counted up to this many (the count is a warning, not a scan). */
export const FUTURE_ROWS_LIMIT = 10_000;

// PostgreSQL type OIDs the verdicts understand (pg_type.oid, stable across versions).
export const PG_TYPE = { bool: 16, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

/** The counts a restore may show: between what the captures before and after the snapshot saw (equal when there is one). */
export interface CountRange {
  readonly min: number;
  readonly max: number;
}

export interface CountDifference {
  readonly table: string;
  readonly expected: number | CountRange;
  /** null: the table is missing from the restore. */
  readonly observed: number | null;
}

/** Whether `observed` is within `tolerance` (relative to `expected`) of it; tolerance 0 means equal. */
export function withinTolerance(expected: number, observed: number, tolerance: number): boolean {
  return Math.abs(observed - expected) <= tolerance * expected;
}

/** Whether `observed` lies in the range, widened by `tolerance` (relative) on each side. */
export function withinRange(range: CountRange, observed: number, tolerance: number): boolean {
  return observed >= range.min - tolerance * range.min && observed <= range.max + tolerance * range.max;
}

const asRange = (expected: number | CountRange): CountRange => (typeof expected === 'number' ? { min: expected, max: expected } : expected);

/** The range of each table's count over the captures that have it: before and after the snapshot. */
export function countRanges(captures: readonly Readonly<Record<string, number>>[]): Record<string, CountRange> {
  const ranges: Record<string, CountRange> = {};
  for (const counts of captures) {
    for (const [table, count] of Object.entries(counts)) {
      const known = ranges[table];
      ranges[table] = known === undefined ? { min: count, max: count } : { min: Math.min(known.min, count), max: Math.max(known.max, count) };
    }
  }
  return ranges;
}

/** Every table whose restored count is missing or outside the expected count or range beyond the tolerance. */
export function compareCounts(expected: Readonly<Record<string, number | CountRange>>, observed: Readonly<Record<string, number>>, tolerance: number): CountDifference[] {
  return Object.entries(expected)
    .map(([table, count]) => ({ table, expected: count, observed: observed[table] ?? null }))
    .filter((row) => row.observed === null || !withinRange(asRange(row.expected), row.observed, tolerance));
}

function describeExpected(expected: number | CountRange): string {
  const range = asRange(expected);
  return range.min === range.max ? String(range.min) : `${range.min} to ${range.max}`;
}

function describeDifference(row: CountDifference): string {
  return `${row.table} expected ${describeExpected(row.expected)}, observed ${row.observed ?? 'missing'}`;
}

/** The row-count verdict: which tables differ, against what (the captured manifests or the live source). */
export function rowCountsOutcome(input: {
  expected: Readonly<Record<string, number | CountRange>>;
  observed: Readonly<Record<string, number>>;
  tolerance: number;
  against: string;
}): CheckOutcome {
  const differences = compareCounts(input.expected, input.observed, input.tolerance);
  const total = Object.keys(input.expected).length;
  const allowed = input.tolerance > 0 ? ` within ${formatPercent(input.tolerance)}` : '';
  const base = { expected: input.expected, observed: input.observed };
  if (differences.length === 0) return { ...base, status: 'passed', detail: `all ${total} tables match ${input.against}${allowed}` };
  return {
    ...base,
    status: 'failed',
    detail: `${differences.length} of ${total} tables differ from ${input.against}${allowed}: ${differences.map(describeDifference).join('; ')}`,
  };
}

function formatPercent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(3))} %`;
}

export function formatMinutes(ms: number): string {
  return `${Number((ms / MINUTE).toFixed(1))} min`;
}

/**
 * Epoch ms of a timestamp as PostgreSQL prints it with DateStyle ISO and TimeZone UTC; a timestamp
 * without time zone is read as UTC, a date as its midnight UTC. null: not a (finite) timestamp.
 */
export function parseTimestampText(text: string, typeOid: number): number | null {
  let iso: string | null = null;
  if (typeOid === PG_TYPE.date) {
    iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : null;
  } else if (typeOid === PG_TYPE.timestamp || typeOid === PG_TYPE.timestamptz) {
    const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2}(?::\d{2}){0,2})?$/.exec(text);
    const offset = match?.[3];
    if (match !== null && (offset === undefined) === (typeOid === PG_TYPE.timestamp)) iso = `${match[1]}T${match[2]}${offsetSuffix(offset)}`;
  }
  const parsed = iso === null ? Number.NaN : Date.parse(iso);
  return Number.isFinite(parsed) ? parsed : null;
}

/** "+09" → "+09:00"; seconds in an offset (historic zones) are dropped; none → "Z". */
function offsetSuffix(offset: string | undefined): string {
  if (offset === undefined) return 'Z';
  const [hours, minutes = '00'] = offset.split(':');
  return `${hours}:${minutes}`;
}

/**
 * The freshness verdict: the newest data at or before the restore point (plus the clock skew) must be no
 * older than the RPO target. A value after that is no proof at all: inconclusive (only a bare freshness
 * query can return one; the table/column form asks for the newest value at or before the restore point).
 */
export function freshnessOutcome(newest: number, referenceTime: number, rpoTargetMs: number, skewMs = FRESHNESS_CLOCK_SKEW_MS): CheckOutcome {
  const lag = referenceTime - newest;
  const where = lag >= 0 ? `${formatMinutes(lag)} before` : `${formatMinutes(-lag)} after`;
  const detail = `newest data ${new Date(newest).toISOString()} is ${where} the restore point ${new Date(referenceTime).toISOString()}`;
  const base = {
    expected: { maxLagMinutes: rpoTargetMs / MINUTE, clockSkewMinutes: skewMs / MINUTE },
    observed: { newestData: new Date(newest).toISOString(), lagMinutes: lag / MINUTE },
  };
  if (newest > referenceTime + skewMs) {
    return {
      ...base,
      status: 'inconclusive',
      detail: `${detail}, beyond the ${formatMinutes(skewMs)} allowed for clock skew: data dated after the restore point proves nothing about the backup's freshness, and the newest data at or before it is unknown`,
    };
  }
  const skew = lag < 0 ? `within the ${formatMinutes(skewMs)} allowed for clock skew; ` : '';
  if (lag <= rpoTargetMs) return { ...base, status: 'passed', detail: `${detail} (${skew}RPO target ${formatMinutes(rpoTargetMs)})` };
  return { ...base, status: 'failed', detail: `${detail}, beyond the RPO target of ${formatMinutes(rpoTargetMs)}` };
}

/** The warning for rows dated after the restore point: counted, reported, never taken as proof. */
export function futureRowsWarning(table: string, rows: number, referenceTime: number, skewMs = FRESHNESS_CLOCK_SKEW_MS): string {
  const counted = rows > FUTURE_ROWS_LIMIT ? `more than ${FUTURE_ROWS_LIMIT} rows` : rows === 1 ? '1 row' : `${rows} rows`;
  return `freshness: ${counted} of ${table} ${rows === 1 ? 'is' : 'are'} dated after the restore point ${new Date(referenceTime).toISOString()} (+${formatMinutes(skewMs)} clock skew): not taken as proof of freshness (clock skew on the writers, or data written into the future?)`;
}

/** An assertion's value as text: PostgreSQL's own text form, booleans as "true"/"false" like the policy writes them. */
export function assertionText(text: string | null, typeOid: number): string | null {
  if (text === null || typeOid !== PG_TYPE.bool) return text;
  return text === 't' ? 'true' : 'false';
}

export type Expectation = string | number | boolean | null;

/** The assertion verdict: the first column of the first row, as text, equals `expect` as text (null only equals null). */
export function assertionOutcome(observed: string | null, expect: Expectation, rowCount: number): CheckOutcome {
  const wanted = expect === null ? null : String(expect);
  const shown = rowCount === 0 ? 'no rows' : observed === null ? 'NULL' : JSON.stringify(observed);
  const expectedShown = wanted === null ? 'NULL' : JSON.stringify(wanted);
  const base = { expected: expect, observed };
  if (observed === wanted) return { ...base, status: 'passed', detail: `returned ${shown} as expected` };
  return { ...base, status: 'failed', detail: `returned ${shown}, expected ${expectedShown}` };
}

/** What the checks add up to: any failure fails; else any inconclusive check is inconclusive; else passed. Skipped checks are not required. */
export function validationOutcome(checks: readonly Pick<CheckResult, 'status'>[]): Outcome {
  if (checks.some((check) => check.status === 'failed')) return 'failed';
  if (checks.some((check) => check.status === 'inconclusive')) return 'inconclusive';
  return 'passed';
}

/** What a summary keeps of a report: enough to judge and alert, bounded however many tables there are. */
export const SUMMARY_LIMITS = { checks: 50, nameChars: 120, detailChars: 300, warnings: 10, warningChars: 300, versionChars: 120 } as const;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The summary validate-restore returns to the state machine (the full report goes to S3): counts per
 * status, every check's status (the ones that did not pass first when there are too many to list), the
 * details of those that did not pass, truncated, and the report's key.
 */
export function summariseReport(report: ValidationReport, reportKey: string): ValidationSummary {
  const counts = { passed: 0, failed: 0, inconclusive: 0, skipped: 0 };
  for (const check of report.checks) counts[check.status] += 1;
  const byImportance = [...report.checks.filter((check) => check.status !== 'passed'), ...report.checks.filter((check) => check.status === 'passed')];
  const listed = new Set(byImportance.slice(0, SUMMARY_LIMITS.checks));
  const checks = report.checks
    .filter((check) => listed.has(check))
    .map((check) => ({
      name: truncate(check.name, SUMMARY_LIMITS.nameChars),
      status: check.status,
      durationMs: check.durationMs,
      ...(check.status === 'passed' ? {} : { detail: truncate(check.detail, SUMMARY_LIMITS.detailChars) }),
    }));
  const warnings = report.warnings.slice(0, SUMMARY_LIMITS.warnings).map((warning) => truncate(warning, SUMMARY_LIMITS.warningChars));
  const moreWarnings = report.warnings.length - warnings.length;
  if (moreWarnings > 0) warnings.push(`${moreWarnings} more warnings in the validation report`);
  return {
    outcome: report.outcome,
    counts,
    checks,
    omittedChecks: report.checks.length - checks.length,
    warnings,
    serverVersion: report.serverVersion === null ? null : truncate(report.serverVersion, SUMMARY_LIMITS.versionChars),
    newestData: report.newestData,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    reportKey,
  };
}
