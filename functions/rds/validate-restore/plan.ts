// The pure judgements of a restore test: do two sets of row counts agree within a tolerance, is the
// newest data within the RPO of the restore point, does an assertion's value equal what the policy expects.

import type { CheckOutcome } from './types.js';

const MINUTE = 60_000;

// PostgreSQL type OIDs the verdicts understand (pg_type.oid, stable across versions).
export const PG_TYPE = { bool: 16, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

export interface CountDifference {
  readonly table: string;
  readonly expected: number;
  /** null: the table is missing from the restore. */
  readonly observed: number | null;
}

/** Whether `observed` is within `tolerance` (relative to `expected`) of it; tolerance 0 means equal. */
export function withinTolerance(expected: number, observed: number, tolerance: number): boolean {
  return Math.abs(observed - expected) <= tolerance * expected;
}

/** Every table whose restored count is missing or differs from the expected one beyond the tolerance. */
export function compareCounts(expected: Readonly<Record<string, number>>, observed: Readonly<Record<string, number>>, tolerance: number): CountDifference[] {
  return Object.entries(expected)
    .map(([table, count]) => ({ table, expected: count, observed: observed[table] ?? null }))
    .filter((row) => row.observed === null || !withinTolerance(row.expected, row.observed, tolerance));
}

function describeDifference(row: CountDifference): string {
  return `${row.table} expected ${row.expected}, observed ${row.observed ?? 'missing'}`;
}

/** The row-count verdict: which tables differ, against what (the captured manifest or the live source). */
export function rowCountsOutcome(input: {
  expected: Readonly<Record<string, number>>;
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

/** The freshness verdict: the newest data must be no older than the RPO target at the restore point. */
export function freshnessOutcome(newest: number, referenceTime: number, rpoTargetMs: number): CheckOutcome {
  const lag = referenceTime - newest;
  const where = lag >= 0 ? `${formatMinutes(lag)} before` : `${formatMinutes(-lag)} after`;
  const detail = `newest data ${new Date(newest).toISOString()} is ${where} the restore point ${new Date(referenceTime).toISOString()}`;
  const base = { expected: { maxLagMinutes: rpoTargetMs / MINUTE }, observed: { newestData: new Date(newest).toISOString(), lagMinutes: lag / MINUTE } };
  if (lag <= rpoTargetMs) return { ...base, status: 'passed', detail: `${detail} (RPO target ${formatMinutes(rpoTargetMs)})` };
  return { ...base, status: 'failed', detail: `${detail}, beyond the RPO target of ${formatMinutes(rpoTargetMs)}` };
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
