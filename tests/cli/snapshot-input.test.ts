// The snapshot list reader (cli/snapshot-input.ts) against the strict zod schema it replaced, kept here as
// the reference: every message (one line, naming the index and field), every accepted value, whether the
// list is read by the plain-text scanner or by JSON.parse and the hand-written checks. And the ISO-8601
// scanner (shared/time/iso.ts) against the regular expression it replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSnapshotList, type InputSnapshot } from '../../cli/snapshot-input.js';
import { InvalidInput } from '../../shared/errors.js';
import { describeIssues } from '../../shared/policy/fields.js';
import { parseIsoInstant } from '../../shared/time/iso.js';
import { daysInMonth } from '../../shared/time/zone.js';

// ---- The reference: the regular-expression ISO parser and the zod schema, as they were ----

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))$/i;

function referenceIso(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (m === null) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? 0);
  const millisecond = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8]?.toUpperCase() !== 'Z') {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 18 || offsetMins > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime() - offsetMinutes * 60_000;
}

const snapshotEntry = z.strictObject({
  id: z.string().min(1, { error: 'must not be empty' }),
  time: z
    .string()
    .regex(/(Z|[+-]\d{2}:?\d{2})$/i, { error: 'must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"' })
    .refine((t) => referenceIso(t) !== null, { error: 'is not a real date and time' }),
  tags: z.array(z.string()).optional(),
  owned: z.boolean().optional(),
});

function referenceList(text: string, source: string): InputSnapshot[] {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput(source, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const result = z.array(snapshotEntry, { error: 'must be a JSON array of snapshots' }).safeParse(document);
  if (!result.success) {
    const first = describeIssues(result.error, source).split('\n')[0] ?? source;
    throw new InvalidInput('', first);
  }
  const seen = new Set<string>();
  return result.data.map((entry, index) => {
    if (seen.has(entry.id)) throw new InvalidInput(`${source}[${index}].id`, `duplicate snapshot id ${JSON.stringify(entry.id)}`);
    seen.add(entry.id);
    return {
      id: entry.id,
      time: referenceIso(entry.time) as number,
      tags: entry.tags ?? [],
      ...(entry.owned === undefined ? {} : { owned: entry.owned }),
    };
  });
}

type Outcome = { readonly list: readonly InputSnapshot[] } | { readonly field: string; readonly message: string };

function outcome(read: (text: string, source: string) => InputSnapshot[], text: string, source = 'snapshots.json'): Outcome {
  try {
    return { list: read(text, source) };
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    return { field: error.field, message: error.message };
  }
}

function expectSameAsSchema(text: string, source = 'snapshots.json'): Outcome {
  const actual = outcome(parseSnapshotList, text, source);
  expect(actual, text).toEqual(outcome(referenceList, text, source));
  return actual;
}

function messageFor(entries: unknown): string {
  const result = outcome(parseSnapshotList, JSON.stringify(entries), 'S');
  if ('list' in result) throw new Error('accepted');
  return result.message;
}

// ---- Messages, field by field ----

const T = '2026-11-24T02:00:00Z';

describe('the snapshot list: one message naming the index and the field, worded as the schema worded it', () => {
  it.each([
    { entries: {}, message: 'S: must be a JSON array of snapshots' },
    { entries: null, message: 'S: must be a JSON array of snapshots' },
    { entries: 'x', message: 'S: must be a JSON array of snapshots' },
    { entries: [1], message: 'S[0]: Invalid input: expected object, received number' },
    { entries: ['x'], message: 'S[0]: Invalid input: expected object, received string' },
    { entries: [null], message: 'S[0]: Invalid input: expected object, received null' },
    { entries: [[]], message: 'S[0]: Invalid input: expected object, received array' },
    { entries: [true], message: 'S[0]: Invalid input: expected object, received boolean' },
    { entries: [{}], message: 'S[0].id: Invalid input: expected string, received undefined' },
    { entries: [{ id: 1, time: T }], message: 'S[0].id: Invalid input: expected string, received number' },
    { entries: [{ id: null, time: T }], message: 'S[0].id: Invalid input: expected string, received null' },
    { entries: [{ id: [], time: T }], message: 'S[0].id: Invalid input: expected string, received array' },
    { entries: [{ id: {}, time: T }], message: 'S[0].id: Invalid input: expected string, received object' },
    { entries: [{ id: '', time: T }], message: 'S[0].id: must not be empty' },
    { entries: [{ id: 'a' }], message: 'S[0].time: Invalid input: expected string, received undefined' },
    { entries: [{ id: 'a', time: 5 }], message: 'S[0].time: Invalid input: expected string, received number' },
    { entries: [{ id: 'a', time: 'x' }], message: 'S[0].time: must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"' },
    { entries: [{ id: 'a', time: '2026-11-24T02:00:00' }], message: 'S[0].time: must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"' },
    { entries: [{ id: 'a', time: `${T} ` }], message: 'S[0].time: must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"' },
    { entries: [{ id: 'a', time: '2026-13-01T00:00:00Z' }], message: 'S[0].time: is not a real date and time' },
    { entries: [{ id: 'a', time: '2026-02-29T00:00:00Z' }], message: 'S[0].time: is not a real date and time' },
    { entries: [{ id: 'a', time: '2026-11-24T02:00:00+19:00' }], message: 'S[0].time: is not a real date and time' },
    { entries: [{ id: 'a', time: T, tags: 'x' }], message: 'S[0].tags: Invalid input: expected array, received string' },
    { entries: [{ id: 'a', time: T, tags: null }], message: 'S[0].tags: Invalid input: expected array, received null' },
    { entries: [{ id: 'a', time: T, tags: ['x', 1] }], message: 'S[0].tags[1]: Invalid input: expected string, received number' },
    { entries: [{ id: 'a', time: T, owned: 'no' }], message: 'S[0].owned: Invalid input: expected boolean, received string' },
    { entries: [{ id: 'a', time: T, owned: null }], message: 'S[0].owned: Invalid input: expected boolean, received null' },
    { entries: [{ id: 'a', time: T, tag: 1 }], message: 'S[0]: unknown key "tag"' },
    { entries: [{ id: 'a', time: T, tag: 1, x: 2 }], message: 'S[0]: unknown keys "tag", "x"' },
    { entries: [{ tag: 1, id: '', time: 'x' }], message: 'S[0].id: must not be empty' },
    { entries: [{ id: 'a', time: 'x', tags: 1, owned: 1 }], message: 'S[0].time: must be ISO-8601 with an offset, e.g. "2026-11-25T02:00:00+09:00" or "…Z"' },
    { entries: [{ id: 'a', time: T }, { id: 'b', time: T, owned: 0 }], message: 'S[1].owned: Invalid input: expected boolean, received number' },
    { entries: [{ id: 'a', time: T }, { id: 'a', time: T }], message: 'S[1].id: duplicate snapshot id "a"' },
    // Every snapshot is checked before duplicates are looked for: the bad entry after the duplicate is named.
    { entries: [{ id: 'a', time: T }, { id: 'a', time: T }, { id: 'c' }], message: 'S[2].time: Invalid input: expected string, received undefined' },
  ])('$message', ({ entries, message }) => {
    expect(messageFor(entries)).toBe(message);
    expectSameAsSchema(JSON.stringify(entries), 'S');
  });

  it('names a key JSON.parse keeps though it is special to JavaScript ("__proto__", "constructor")', () => {
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const text = `[{"${key}": 1, "id": "a", "time": "${T}"}]`;
      expect(expectSameAsSchema(text, 'S')).toEqual({ field: '', message: `S[0]: unknown key "${key}"` });
    }
  });

  it('takes the last of a repeated key, as JSON.parse does', () => {
    const result = expectSameAsSchema(`[{"id": "a", "id": "b", "time": "${T}"}]`);
    expect(result).toEqual({ list: [{ id: 'b', time: Date.parse(T), tags: [] }] });
  });

  it('says where JSON is malformed, naming the file', () => {
    for (const text of ['', '[', '[{"id": "a",', '\ufeff[]', '[1,]', '[] x', '[{"id": "a\u0001", "time": "2026-11-24T02:00:00Z"}]']) {
      const result = expectSameAsSchema(text, 'S');
      expect(result).toMatchObject({ field: 'S', message: expect.stringMatching(/^S: not valid JSON \(/) });
    }
  });

  it('reads every way of writing the same list to the same snapshots', () => {
    const list = [
      { id: 'a/1', time: '2026-11-24T02:00:00+09:00', tags: ['legal-hold', 'x'], owned: true },
      { id: 'b', time: ' 2026-11-23t17:00:00.5z', owned: false },
      { id: 'é ☃ 𝄞', time: '2026-11-22T02:00+0900', tags: [] },
    ];
    const plain = JSON.stringify(list);
    const expected = outcome(parseSnapshotList, plain);
    expect(expected).toEqual({
      list: [
        { id: 'a/1', time: Date.parse('2026-11-24T02:00:00+09:00'), tags: ['legal-hold', 'x'], owned: true },
        { id: 'b', time: Date.parse('2026-11-23T17:00:00.500Z'), tags: [], owned: false },
        { id: 'é ☃ 𝄞', time: Date.parse('2026-11-22T02:00:00+09:00'), tags: [] },
      ],
    });
    const escaped = plain.replace('a/1', 'a\\/1').replace('"b"', '"\\u0062"');
    for (const text of [JSON.stringify(list, null, 2), JSON.stringify(list, null, '\t').replaceAll('\n', '\r\n'), escaped, ` \n${plain}\n `]) {
      expect(outcome(parseSnapshotList, text)).toEqual(expected);
    }
  });
});

// ---- Generated lists, both readers against the schema ----

const ISO_TIMES = [
  '2026-11-24T02:00:00+09:00', '2026-11-24T02:00:00Z', '2026-11-24t02:00:00z', '2026-11-24T02:00+09:00', '2026-11-24T02:00:00.123456789-05:30',
  '2026-11-24T02:00:00+0900', ' 2026-11-24T02:00:00Z', '2024-02-29T23:59:59.9Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59+18:59',
];
const BAD_TIMES = [
  '2026-11-24T02:00:00', '2026-11-24', `2026-11-24T02:00:00Z `, '2026-13-01T00:00:00Z', '2025-02-29T00:00:00Z', '2026-11-24T24:00:00Z',
  '2026-11-24T02:00:00+19:00', '2026-11-24T02:00:00.Z', '2026-11-24T02:00:00.1234567890Z', '26-11-24T02:00:00Z', 'x', '',
];
const NOT_A_STRING = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}), fc.double({ noNaN: true }));
const ID_POOL = ['a', 'b', 'c', 'snap-1', 'é', 'quote"d', 'back\\slash', 'line\nbreak', 'del\u007f', 'rtl\u202e', ''];

/** A value for one key, mostly well-formed. */
const idValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ID_POOL) }, { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) }, { weight: 1, arbitrary: NOT_A_STRING });
const timeValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ISO_TIMES) }, { weight: 2, arbitrary: fc.constantFrom(...BAD_TIMES) }, { weight: 1, arbitrary: NOT_A_STRING });
const tagsValue = fc.oneof({ weight: 4, arbitrary: fc.array(fc.constantFrom('legal-hold', 'x', 'é', 'q"'), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(fc.oneof(fc.string(), NOT_A_STRING), { maxLength: 3 }) }, { weight: 1, arbitrary: NOT_A_STRING });
const ownedValue = fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: NOT_A_STRING });

/** One entry as key/value pairs in some order, sometimes with an unknown or repeated key; sometimes not an object. */
const entry: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record(
        { id: idValue, time: timeValue, tags: tagsValue, owned: ownedValue, extra: fc.constantFrom('tag', 'owner', '__proto__', 'ids') },
        { requiredKeys: [] },
      )
      .chain((fields) => {
        const pairs = Object.entries(fields).map(([key, value]): [string, unknown] => (key === 'extra' ? [value as string, 1] : [key, value]));
        return fc.tuple(fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length }), fc.integer({ min: 0, max: 9 }));
      })
      .map(([pairs, repeat]) => (repeat === 0 && pairs.length > 0 ? [...pairs, [pairs[0]![0], 'again'] as [string, unknown]] : pairs)),
  },
  { weight: 1, arbitrary: fc.oneof(NOT_A_STRING, fc.string()) },
);

const SPACES = fc.constantFrom('', ' ', '\n  ', '\t', '\r\n');

/** The list's text, written with the given white space (key/value pairs written in their order, repeats kept). */
function render(entries: readonly unknown[], spaces: readonly string[]): string {
  let k = 0;
  const space = (): string => spaces[k++ % spaces.length] ?? '';
  const items = entries.map((e) =>
    Array.isArray(e) && e.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string')
      ? `{${space()}${(e as [string, unknown][]).map(([key, value]) => `${JSON.stringify(key)}${space()}:${space()}${JSON.stringify(value)}`).join(`,${space()}`)}${space()}}`
      : JSON.stringify(e),
  );
  return `${space()}[${space()}${items.join(`${space()},${space()}`)}${space()}]${space()}`;
}

describe('generated snapshot lists', () => {
  it('give exactly what the schema gave: the same snapshots, or the same message for the same field', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.array(SPACES, { minLength: 1, maxLength: 8 }), (entries, spaces) => {
        expectSameAsSchema(render(entries, spaces));
      }),
      { numRuns: 3000 },
    );
  });

  it('find the first repeated id among many, however their hashes fall', () => {
    // Ids that all land in the same slot of the hash table (same FNV-1a low bits) make probing long enough
    // to hand over to a Set: the answer must not change.
    const fnv = (id: string): number => {
      let hash = 0x811c9dc5;
      for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
      return hash;
    };
    const crowded: string[] = [];
    for (let i = 0; crowded.length < 300; i += 1) if ((fnv(`id-${i}`) & 1023) === 7) crowded.push(`id-${i}`);
    const lists = [crowded, [...crowded, crowded[123]!], [...crowded.slice(0, 200), crowded[5]!, ...crowded.slice(200), crowded[0]!]];
    const many = Array.from({ length: 50_000 }, (_, i) => `snap-${i}`);
    lists.push(many, [...many, 'snap-49999'], [...many.slice(0, 30_000), 'snap-2', ...many.slice(30_000)]);
    for (const ids of lists) {
      const text = JSON.stringify(ids.map((id) => ({ id, time: T })));
      expectSameAsSchema(text);
    }
  });
});

// ---- The ISO-8601 scanner ----

const digits = (width: number, max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
const isoLike = fc
  .tuple(
    digits(4, 9999),
    digits(2, 13),
    digits(2, 32),
    fc.constantFrom('T', 't', ' ', 'X'),
    digits(2, 25),
    digits(2, 60),
    fc.option(fc.tuple(digits(2, 61), fc.option(fc.stringMatching(/^\d{0,11}$/)))),
    fc.oneof(fc.constantFrom('Z', 'z', '', 'Zz', '+', 'UTC'), fc.tuple(fc.constantFrom('+', '-', '−'), digits(2, 20), fc.constantFrom(':', '', '::'), digits(2, 60), fc.constantFrom('', '0')).map((p) => p.join(''))),
    fc.constantFrom('', ' ', '\n', '\u00a0', '\ufeff', '\u2028', 'x'),
    fc.constantFrom('', ' ', '\t', '\u3000'),
  )
  .map(([y, mo, d, t, h, mi, sec, offset, after, before]) => {
    const seconds = sec === null ? '' : `:${sec[0]}${sec[1] === null ? '' : `.${sec[1]}`}`;
    return `${before}${y}-${mo}-${d}${t}${h}:${mi}${seconds}${offset}${after}`;
  });

describe('parseIsoInstant', () => {
  it('accepts and rejects what the regular expression did, at the same instant', () => {
    fc.assert(
      fc.property(fc.oneof(isoLike, fc.string({ maxLength: 30 }), fc.constantFrom(...ISO_TIMES, ...BAD_TIMES)), (text) => {
        expect(parseIsoInstant(text)).toBe(referenceIso(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads the edges of the calendar: leap days, year 0, 9999, the largest offsets', () => {
    for (const text of ['2000-02-29T00:00Z', '1900-02-29T00:00Z', '0000-01-01T00:00Z', '0000-02-29T12:00Z', '9999-12-31T23:59:59.999+18:59', '2026-11-24T02:00:00-18:59']) {
      expect(parseIsoInstant(text), text).toBe(referenceIso(text));
    }
    expect(parseIsoInstant('2000-02-29T00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoInstant('1900-02-29T00:00Z')).toBeNull();
  });
});
