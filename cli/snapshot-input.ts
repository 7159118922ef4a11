// The snapshot list the retention preview reads: a JSON array of {id, time, tags?, owned?}, where time
// is ISO-8601 with an explicit offset (a time without one is ambiguous across time zones: rejected).
// Checked by hand in one pass over the parsed JSON, each time parsed once: a schema library builds an
// object and a closure chain per snapshot, which at a million snapshots costs more than the plan. The
// messages are those the strict schema gave (keys checked as id, time, tags, owned, then unknown keys;
// the first bad snapshot reported; duplicate ids only once every snapshot is well-formed).

import { InvalidInput } from '../shared/errors.js';
import { parseIsoInstant } from '../shared/time/iso.js';

export interface InputSnapshot {
  readonly id: string;
  readonly time: number;
  readonly tags: readonly string[];
  readonly owned?: boolean;
}

const NOT_AN_ARRAY = 'must be a JSON array of snapshots';
const EMPTY_ID = 'must not be empty';
const NO_OFFSET = 'must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"';
const NOT_REAL = 'is not a real date and time';
const ENDS_WITH_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;
const NO_TAGS: readonly string[] = Object.freeze([]);
const KNOWN_KEYS = new Set(['id', 'time', 'tags', 'owned']);

/** The type a JSON value was given as, in the words of "expected string, received number". */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function expected(type: string, value: unknown): string {
  return `Invalid input: expected ${type}, received ${received(value)}`;
}

/** Ends in a digit or Z: what parseIsoInstant accepts then ends in its offset, with nothing trimmed after it. */
function endsCleanly(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return (last >= 48 && last <= 57) || last === 90 || last === 122;
}

/** Throws the message the schema gave: "<source>[3].time: must be …" (`field` is "" or ".time", ".tags[1]" …). */
function fail(source: string, index: number, field: string, message: string): never {
  throw new InvalidInput('', `${source}[${index}]${field}: ${message}`);
}

function unknownKeys(entry: object): string {
  const keys = Object.keys(entry).filter((key) => !KNOWN_KEYS.has(key));
  return `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((key) => JSON.stringify(key)).join(', ')}`;
}

/** One entry of the list, checked field by field in the schema's order; throws at its first problem. */
function readEntry(entry: unknown, index: number, source: string): InputSnapshot {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(source, index, '', expected('object', entry));
  const { id, time, tags, owned } = entry as Record<string, unknown>;
  if (typeof id !== 'string') fail(source, index, '.id', expected('string', id));
  if (id === '') fail(source, index, '.id', EMPTY_ID);
  if (typeof time !== 'string') fail(source, index, '.time', expected('string', time));
  const instant = parseIsoInstant(time);
  // The schema checked the offset at the very end first, then the calendar. A time parseIsoInstant accepts
  // but that ends in whitespace (which it trims) fails the first check.
  if (instant === null || !endsCleanly(time)) {
    fail(source, index, '.time', instant === null && ENDS_WITH_OFFSET.test(time) ? NOT_REAL : NO_OFFSET);
  }
  if (tags !== undefined) {
    if (!Array.isArray(tags)) fail(source, index, '.tags', expected('array', tags));
    for (let i = 0; i < tags.length; i += 1) {
      if (typeof tags[i] !== 'string') fail(source, index, `.tags[${i}]`, expected('string', tags[i]));
    }
  }
  if (owned !== undefined && typeof owned !== 'boolean') fail(source, index, '.owned', expected('boolean', owned));
  for (const key in entry) {
    if (!KNOWN_KEYS.has(key)) fail(source, index, '', unknownKeys(entry));
  }
  const list = (tags as string[] | undefined) ?? NO_TAGS;
  return owned === undefined ? { id, time: instant, tags: list } : { id, time: instant, tags: list, owned };
}

export function parseSnapshotList(text: string, source: string): InputSnapshot[] {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput(source, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(document)) throw new InvalidInput('', source === '' ? NOT_AN_ARRAY : `${source}: ${NOT_AN_ARRAY}`);
  const snapshots: InputSnapshot[] = [];
  const seen = new Set<string>();
  let duplicate = -1;
  for (let index = 0; index < document.length; index += 1) {
    const snapshot = readEntry(document[index], index, source);
    snapshots.push(snapshot);
    if (duplicate !== -1) continue;
    if (seen.has(snapshot.id)) duplicate = index;
    else seen.add(snapshot.id);
  }
  // Reported only once every entry is well-formed, as the schema (which ran first) did.
  if (duplicate !== -1) {
    throw new InvalidInput(`${source}[${duplicate}].id`, `duplicate snapshot id ${JSON.stringify((snapshots[duplicate] as InputSnapshot).id)}`);
  }
  return snapshots;
}
