// The snapshot list the retention preview reads: a JSON array of {id, time, tags?, owned?}, where time
// is ISO-8601 with an explicit offset (a time without one is ambiguous across time zones: rejected).
// One pass per snapshot, each time parsed once, no schema library (it built an object and a chain of
// closures per snapshot, which at a million snapshots cost more than the plan): a list written plainly is
// read straight from the text; anything else goes through JSON.parse and checks written out by hand.
// Either way the messages are those the strict schema gave: keys checked as id, time, tags, owned, then
// unknown keys; the first bad snapshot reported; duplicate ids only once every snapshot is well-formed.

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

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * The list read straight from its text when it is written the plain way, as tools write it: an array of
 * objects with only the known keys (each once), strings without escapes, `true` or `false`, each time
 * one parseIsoInstant accepts. Null at anything else — escapes, other values or keys, a bad time, a
 * syntax error — for JSON.parse and readEntry to read it or say exactly what is wrong. It only ever
 * accepts, so no message depends on it. A million snapshots then cost one object each, with no parsed
 * document beside them for the garbage collector to copy.
 */
class PlainListScanner {
  private at = 0;

  constructor(private readonly text: string) {}

  list(): InputSnapshot[] | null {
    const snapshots: InputSnapshot[] = [];
    if (!this.skip(OPEN_ARRAY)) return null;
    if (!this.skip(CLOSE_ARRAY)) {
      for (;;) {
        const snapshot = this.entry();
        if (snapshot === null) return null;
        snapshots.push(snapshot);
        if (this.skip(CLOSE_ARRAY)) break;
        if (!this.skip(COMMA)) return null;
      }
    }
    this.space();
    return this.at === this.text.length ? snapshots : null;
  }

  private entry(): InputSnapshot | null {
    if (!this.skip(OPEN_OBJECT)) return null;
    let id: string | null = null;
    let time: number | null = null;
    let tags: string[] | null = null;
    let owned: boolean | null = null;
    do {
      const key = this.string();
      if (key === null || !this.skip(COLON)) return null;
      if (key === 'id' && id === null) {
        id = this.string();
        if (id === null || id === '') return null;
      } else if (key === 'time' && time === null) {
        const text = this.string();
        time = text === null || !endsCleanly(text) ? null : parseIsoInstant(text);
        if (time === null) return null;
      } else if (key === 'tags' && tags === null) {
        tags = this.strings();
        if (tags === null) return null;
      } else if (key === 'owned' && owned === null) {
        owned = this.boolean();
        if (owned === null) return null;
      } else {
        return null;
      }
    } while (this.skip(COMMA));
    if (!this.skip(CLOSE_OBJECT) || id === null || time === null) return null;
    return owned === null ? { id, time, tags: tags ?? NO_TAGS } : { id, time, tags: tags ?? NO_TAGS, owned };
  }

  /** ["…", …] of plain strings, or null. */
  private strings(): string[] | null {
    const list: string[] = [];
    if (!this.skip(OPEN_ARRAY)) return null;
    if (this.skip(CLOSE_ARRAY)) return list;
    do {
      const item = this.string();
      if (item === null) return null;
      list.push(item);
    } while (this.skip(COMMA));
    return this.skip(CLOSE_ARRAY) ? list : null;
  }

  /** A string without escapes or control characters (after white space), or null. */
  private string(): string | null {
    if (!this.skip(QUOTE)) return null;
    const text = this.text;
    const start = this.at;
    for (let i = start; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.at = i + 1;
        return text.slice(start, i);
      }
      if (c === BACKSLASH || c < SPACE) return null;
    }
    return null;
  }

  private boolean(): boolean | null {
    this.space();
    if (this.text.startsWith('true', this.at)) {
      this.at += 4;
      return true;
    }
    if (this.text.startsWith('false', this.at)) {
      this.at += 5;
      return false;
    }
    return null;
  }

  /** Skips white space, then `char` if it comes next (true) or nothing more (false). */
  private skip(char: number): boolean {
    this.space();
    if (this.text.charCodeAt(this.at) !== char) return false;
    this.at += 1;
    return true;
  }

  /** JSON's white space: space, tab, line feed, carriage return. */
  private space(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c !== SPACE && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at += 1;
    }
    this.at = at;
  }
}

/** The list, through JSON.parse, each entry checked by readEntry (which names the first bad one). */
function parseAndCheck(text: string, source: string): InputSnapshot[] {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput(source, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(document)) throw new InvalidInput('', source === '' ? NOT_AN_ARRAY : `${source}: ${NOT_AN_ARRAY}`);
  const snapshots: InputSnapshot[] = [];
  for (let index = 0; index < document.length; index += 1) snapshots.push(readEntry(document[index], index, source));
  return snapshots;
}

/**
 * The index of the first snapshot whose id an earlier one has, or -1. A Set of a million strings costs
 * about a second (a cache miss or two per look-up into a table of objects); this open-addressing table of
 * 32-bit hashes and indices in typed arrays costs a fraction, comparing strings only when hashes agree.
 * Ids made to collide cannot make it quadratic: past a probing budget it hands over to a Set.
 */
function firstRepeatedId(snapshots: readonly InputSnapshot[]): number {
  const count = snapshots.length;
  const mask = 2 ** Math.ceil(Math.log2(2 * count + 2)) - 1;
  // Slot s holds index + 1 (0: empty) at 2s and the id's hash at 2s + 1: one cache line per probe.
  const table = new Int32Array(2 * (mask + 1));
  let budget = 8 * count + 64;
  for (let index = 0; index < count; index += 1) {
    const id = (snapshots[index] as InputSnapshot).id;
    let hash = 0x811c9dc5; // FNV-1a over the UTF-16 code units
    for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const other = (table[2 * slot] as number) - 1;
      if (other === -1) {
        table[2 * slot] = index + 1;
        table[2 * slot + 1] = hash;
        break;
      }
      if (table[2 * slot + 1] === hash && (snapshots[other] as InputSnapshot).id === id) return index;
      budget -= 1;
      if (budget === 0) return firstRepeatedIdBySet(snapshots);
    }
  }
  return -1;
}

function firstRepeatedIdBySet(snapshots: readonly InputSnapshot[]): number {
  const seen = new Set<string>();
  for (let index = 0; index < snapshots.length; index += 1) {
    const { id } = snapshots[index] as InputSnapshot;
    if (seen.has(id)) return index;
    seen.add(id);
  }
  return -1;
}

export function parseSnapshotList(text: string, source: string): InputSnapshot[] {
  const snapshots = new PlainListScanner(text).list() ?? parseAndCheck(text, source);
  // Reported only once every entry is well-formed, as the schema (which ran first) did.
  const repeated = firstRepeatedId(snapshots);
  if (repeated !== -1) {
    throw new InvalidInput(`${source}[${repeated}].id`, `duplicate snapshot id ${JSON.stringify((snapshots[repeated] as InputSnapshot).id)}`);
  }
  return snapshots;
}
