// JSON written in pieces (cli/json-output.ts) and the plan written through it (writePlanJson): the very
// text `${terminalSafeJson(JSON.stringify(value, null, 2))}` would give, on awkward strings, nested and
// empty values, and plans large enough to span many pieces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalSafeJson } from '../../cli/input.js';
import { JsonPieces } from '../../cli/json-output.js';
import { planToJson, writePlanJson } from '../../cli/retention-plan.js';
import type { InputSnapshot } from '../../cli/snapshot-input.js';
import type { RetentionPlan } from '../../shared/retention/plan.js';

/** Strings a terminal or JSON.stringify treats specially: controls, DEL, C1, bidi, separators, lone surrogates. */
const AWKWARD = [
  '', 'plain', 'quote"d', 'back\\slash', 'new\nline', 'tab\tcr\r', 'esc\u001b[31m', 'nul\u0000', 'del\u007f', 'c1\u0085\u009f',
  'soft\u00adhyphen', 'arabic\u061cmark', 'zw\u200b\u200f', 'line\u2028para\u2029', 'rtl\u202eoverride', 'iso\u2066\u2069', 'bom\ufeff',
  'lone\ud800', 'lone\udfff', 'pair\ud834\udd1e', 'é ☃', '</script>', '\u00a0nbsp',
];
const awkwardString = fc.oneof(fc.constantFrom(...AWKWARD), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

function written(value: unknown): string {
  const pieces: string[] = [];
  const out = new JsonPieces((text) => pieces.push(text));
  out.value(value);
  out.flush();
  return pieces.join('');
}

describe('JsonPieces', () => {
  it('writes what JSON.stringify(value, null, 2) does, made terminal-safe, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(written(value)).toBe(terminalSafeJson(JSON.stringify(value, null, 2)));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes awkward strings, as values and as keys, as JSON.stringify escapes them, then terminal-safe', () => {
    fc.assert(
      fc.property(fc.array(awkwardString), fc.dictionary(awkwardString, awkwardString), (list, object) => {
        const value = { list, object, nested: [[], {}, [list], { object }] };
        expect(written(value)).toBe(terminalSafeJson(JSON.stringify(value, null, 2)));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out undefined properties and writes undefined items as null, as JSON.stringify does', () => {
    const value = { a: undefined, b: [undefined, 1], c: { d: undefined } };
    expect(written(value)).toBe(JSON.stringify(value, null, 2));
  });

  it('hands text on in pieces of about a megabyte, which join to the whole', () => {
    const value = Array.from({ length: 60_000 }, (_, i) => ({ id: `snapshot-${i}\u202e`, n: i }));
    const pieces: string[] = [];
    const out = new JsonPieces((text) => pieces.push(text));
    out.value(value);
    out.flush();
    const whole = terminalSafeJson(JSON.stringify(value, null, 2));
    expect(pieces.length).toBeGreaterThan(2);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole.length / 2);
    expect(pieces.join('')).toBe(whole);
  });
});

const TOKYO = 'Asia/Tokyo';

function snapshot(id: string, time: number, owned?: boolean): InputSnapshot {
  return owned === undefined ? { id, time, tags: [] } : { id, time, tags: [], owned };
}

const plan: fc.Arbitrary<RetentionPlan<InputSnapshot>> = fc.record({
  keep: fc.array(
    fc.record({
      snapshot: fc.tuple(awkwardString, fc.integer({ min: 0, max: 4e12 })).map(([id, time]) => snapshot(id, time)),
      reasons: fc.array(fc.constantFrom('daily snapshot', 'yearly within 7y', 'has tags [a, b]')),
      guards: fc.array(fc.oneof(fc.constantFrom('legal hold', 'newest snapshot'), awkwardString), { maxLength: 2 }),
      expiresAt: fc.option(fc.integer({ min: -6e13, max: 2.5e14 }), { nil: undefined }).chain((t) => fc.constantFrom(t, null)),
    }),
  ),
  remove: fc.array(fc.record({ snapshot: awkwardString.map((id) => snapshot(id, 0)), reasons: fc.constant(['not kept by any rule']) })),
  ignored: fc.array(awkwardString.map((id) => snapshot(id, 0, false))),
});

function writtenPlan(p: RetentionPlan<InputSnapshot>): string {
  const pieces: string[] = [];
  writePlanJson(p, TOKYO, new JsonPieces((text) => pieces.push(text)));
  return pieces.join('');
}

describe('retention plan --json, written in pieces', () => {
  it('is byte for byte what the whole string was: terminalSafeJson(JSON.stringify(planToJson(…), null, 2)) and a newline', () => {
    fc.assert(
      fc.property(plan, (p) => {
        expect(writtenPlan(p)).toBe(`${terminalSafeJson(JSON.stringify(planToJson(p, TOKYO), null, 2))}\n`);
      }),
      { numRuns: 500 },
    );
  });

  it('is the same for an empty plan and for one of a hundred thousand snapshots', () => {
    const empty = { keep: [], remove: [], ignored: [] };
    expect(writtenPlan(empty)).toBe(`${JSON.stringify(planToJson(empty, TOKYO), null, 2)}\n`);
    const big: RetentionPlan<InputSnapshot> = {
      keep: [{ snapshot: snapshot('newest\u2028', 1), reasons: ['daily snapshot'], guards: ['newest snapshot'], expiresAt: Date.parse('2026-12-24T02:00:00+09:00') }],
      remove: Array.from({ length: 100_000 }, (_, i) => ({ snapshot: snapshot(`app-db-${i}`, i), reasons: ['not kept by any rule'] })),
      ignored: [snapshot('theirs', 5, false)],
    };
    expect(writtenPlan(big)).toBe(`${terminalSafeJson(JSON.stringify(planToJson(big, TOKYO), null, 2))}\n`);
  });
});
