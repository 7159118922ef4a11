// RDS Describe* pagination: MaxRecords between 20 and 100 (default 100), and an opaque Marker that
// resumes after the last record returned, so deletions between pages neither skip nor repeat records.

import { invalidParameter } from './errors.js';

export interface Page<T> {
  readonly items: T[];
  readonly marker?: string;
}

const encode = (key: string) => Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');

const decode = (marker: string): string => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && 'after' in parsed && typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the RDS answer for a marker it did not issue
  }
  throw invalidParameter(`Invalid marker: ${marker}`);
};

/** Validates MaxRecords as RDS does; `fallback` is the page size when MaxRecords is absent. */
export const pageSize = (maxRecords: number | undefined, fallback: number): number => {
  if (maxRecords === undefined) return fallback;
  if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
    throw invalidParameter(`Invalid value ${maxRecords} for MaxRecords. Must be between 20 and 100`);
  }
  return maxRecords;
};

/**
 * One page of `items` (already in their listing order); `keyOf` gives each a unique key that sorts
 * in that same order, which the marker carries.
 */
export const paginate = <T>(items: readonly T[], keyOf: (item: T) => string, size: number, marker: string | undefined): Page<T> => {
  const after = marker === undefined || marker === '' ? undefined : decode(marker);
  const start = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  const rest = start < 0 ? [] : items.slice(start);
  const page = rest.slice(0, size);
  const last = page.at(-1);
  return rest.length > size && last !== undefined ? { items: page, marker: encode(keyOf(last)) } : { items: page };
};

/** A sort key that orders by time, then by a name: zero-padded so string order equals numeric order. */
export const timeKey = (ms: number, name: string) => `${String(ms).padStart(15, '0')}|${name}`;
