// Properties of the retention engine (restic `forget` semantics in applyPolicy, plus the guards of
// planRetention) over generated snapshot lists and policies: partitions, the newest-snapshot guard,
// order and UTC-offset independence, idempotence of "prune, then plan again", and that nothing is kept
// without a stated reason.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSnapshotList, type InputSnapshot } from '../../cli/snapshot-input.js';
import { RetentionRefused } from '../../shared/errors.js';
import { applyPolicy } from '../../shared/retention/apply-policy.js';
import { planRetention, type RetentionPlan, type RetentionPolicy } from '../../shared/retention/plan.js';
import { keepsNothing, type RetentionRules } from '../../shared/retention/rules.js';
import { dur } from '../helpers/snapshots.js';

const NUM_RUNS = 200;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Generators

/** Instants around which snapshots cluster: a Tokyo new year, DST changes, month ends, a leap day. */
const CENTRES = [
  '2024-12-31T15:00:00Z',
  '2024-03-10T07:00:00Z',
  '2024-10-27T01:00:00Z',
  '2023-03-31T12:00:00Z',
  '2020-02-29T12:00:00Z',
  '2026-11-24T17:00:00Z',
].map(Date.parse);

/**
 * Times across 2019–2026: anywhere (to the minute or to the millisecond), dense near a centre, or
 * daily-ish for two years.
 */
const instant = fc.oneof(
  fc.integer({ min: Date.parse('2019-01-01T00:00:00Z') / MINUTE, max: Date.parse('2027-01-01T00:00:00Z') / MINUTE }).map((m) => m * MINUTE),
  fc.integer({ min: Date.parse('2019-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
  fc.tuple(fc.constantFrom(...CENTRES), fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 })).map(([c, m]) => c + m * MINUTE),
  fc.tuple(fc.constantFrom(...CENTRES), fc.integer({ min: -800, max: 40 }), fc.integer({ min: 0, max: 23 })).map(([c, d, h]) => c + d * DAY + h * HOUR),
);

const TAGS = ['a', 'b', 'c', 'legal-hold', 'legal-hold=false', 'legal-hold=case-7'] as const;
const ZONES = ['Asia/Tokyo', 'UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu'] as const;

interface GenSnapshot {
  readonly id: string;
  readonly time: number;
  readonly tags: readonly string[];
  readonly owned?: boolean;
}

/**
 * Up to 25 snapshots whose times are drawn from a pool of up to 20 instants, so equal instants are
 * common; ids are unique. `owned` is mostly absent, sometimes true or false.
 */
function snapshotList(options: { tags?: boolean; owned?: boolean } = {}): fc.Arbitrary<GenSnapshot[]> {
  const withTags = options.tags ?? true;
  const withOwned = options.owned ?? true;
  return fc
    .tuple(
      fc.array(instant, { minLength: 1, maxLength: 20 }),
      fc.array(
        fc.record({
          pick: fc.nat(),
          tags: withTags ? fc.subarray([...TAGS], { maxLength: 3 }) : fc.constant<string[]>([]),
          owned: withOwned ? fc.constantFrom<boolean | undefined>(undefined, undefined, undefined, true, false) : fc.constant(undefined),
        }),
        { maxLength: 25 },
      ),
    )
    .map(([pool, entries]) =>
      entries.map((e, i) => ({
        id: `s${i}`,
        time: pool[e.pick % pool.length]!,
        tags: e.tags,
        ...(e.owned === undefined ? {} : { owned: e.owned }),
      })),
    );
}

/** The same, with every instant distinct (the first snapshot of each instant survives). */
function distinctSnapshotList(options: { tags?: boolean; owned?: boolean } = {}): fc.Arbitrary<GenSnapshot[]> {
  return snapshotList(options).map((list) => list.filter((s, i) => list.findIndex((t) => t.time === s.time) === i));
}

const count = fc.integer({ min: -1, max: 5 });
const duration = fc
  .oneof(
    fc.constantFrom('30d', '12w', '12m', '7y', '36h', '1y6m', '2w3d', '0d', '1d', '1m', '1y'),
    fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom('y', 'm', 'w', 'd', 'h')).map(([n, unit]) => `${n}${unit}`),
  )
  .map(dur);
const tagLists = fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 });

const COUNT_KEYS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
const WITHIN_KEYS = ['within', 'withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly'] as const;
type RuleKey = (typeof COUNT_KEYS)[number] | (typeof WITHIN_KEYS)[number] | 'tags';

/**
 * Any policy that keeps something: one to four rules (so that policies often remove snapshots), counts
 * in -1..5 (0 = off), durations from "0d" (off) to decades, tag lists over a, b, c.
 */
const rules: fc.Arbitrary<RetentionRules> = fc
  .uniqueArray(fc.constantFrom<RuleKey>(...COUNT_KEYS, ...WITHIN_KEYS, 'tags'), { minLength: 1, maxLength: 4 })
  .chain((keys) =>
    fc.tuple(
      ...keys.map((key) =>
        (key === 'tags' ? tagLists : (COUNT_KEYS as readonly string[]).includes(key) ? count : duration).map((value) => [key, value] as const),
      ),
    ),
  )
  .map((entries) => Object.fromEntries(entries) as RetentionRules)
  .filter((r) => !keepsNothing(r));

const timeZone = fc.constantFrom(...ZONES);

/** Mostly after every generated snapshot; sometimes inside the range, so some snapshots are in the future. */
const now = fc.oneof({ arbitrary: fc.constant(Date.parse('2027-06-01T00:00:00Z')), weight: 2 }, { arbitrary: instant, weight: 1 });

const policyOf = (keep: RetentionRules, zone: string): RetentionPolicy => ({ timeZone: zone, keep });

// ---------------------------------------------------------------------------------------------
// Helpers

const ids = (list: readonly { id: string }[]) => list.map((s) => s.id).sort();
const keptByPolicy = <S extends GenSnapshot>(list: readonly S[], keep: RetentionRules, at: number, zone: string): S[] =>
  applyPolicy(list, keep, { now: at, timeZone: zone })
    .decisions.filter((d) => d.reasons.length > 0)
    .map((d) => d.snapshot);

/** planRetention, or null when it refuses (RetentionRefused); anything else is rethrown. */
function planOrRefusal<S extends GenSnapshot>(list: readonly S[], policy: RetentionPolicy, at: number): RetentionPlan<S> | null {
  try {
    return planRetention(list, policy, { now: at });
  } catch (error) {
    if (error instanceof RetentionRefused) return null;
    throw error;
  }
}

/** A plan as comparable data: ids with reasons and guards, removed ids, ignored ids. */
function planShape(plan: RetentionPlan<{ id: string }>) {
  return {
    keep: plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons, guards: k.guards })),
    remove: plan.remove.map((r) => r.snapshot.id),
    ignored: plan.ignored.map((s) => s.id),
  };
}

const OFFSETS = ['Z', '+09:00', '-05:00', '+05:45', '-03:30', '+14:00', '-12:00', '+00:00', '+0100'] as const;

/** ISO-8601 text of an instant as a clock at `offset` shows it, e.g. "2024-01-01T09:30:00.000+09:00". */
function isoAtOffset(time: number, offset: string): string {
  if (offset === 'Z') return new Date(time).toISOString();
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  const minutes = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  return new Date(time + minutes * MINUTE).toISOString().replace('Z', offset);
}

// ---------------------------------------------------------------------------------------------
// Properties

describe('applyPolicy (restic forget) — properties', () => {
  it('decides every input snapshot exactly once, newest first: kept ⊆ input, kept ∪ removed = input, disjoint', () => {
    fc.assert(
      fc.property(snapshotList(), rules, now, timeZone, (list, keep, at, zone) => {
        const { decisions } = applyPolicy(list, keep, { now: at, timeZone: zone });
        expect(decisions).toHaveLength(list.length);
        const decided = decisions.map((d) => d.snapshot);
        for (const s of decided) expect(list).toContain(s);
        expect(new Set(decided).size).toBe(list.length);
        const kept = decisions.filter((d) => d.reasons.length > 0).map((d) => d.snapshot.id);
        const removed = decisions.filter((d) => d.reasons.length === 0).map((d) => d.snapshot.id);
        expect([...kept, ...removed].sort()).toEqual(ids(list));
        for (let i = 1; i < decided.length; i += 1) expect(decided[i]!.time).toBeLessThanOrEqual(decided[i - 1]!.time);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps the newest snapshot when nothing is in the future and a count or within rule is set', () => {
    // The first snapshot opens every bucket, and is strictly within any non-zero window of itself.
    fc.assert(
      fc.property(snapshotList(), rules, timeZone, (list, keep, zone) => {
        fc.pre(list.length > 0 && !keepsNothing({ ...keep, tags: [] }));
        const at = Math.max(...list.map((s) => s.time)) + 1;
        const first = applyPolicy(list, keep, { now: at, timeZone: zone }).decisions[0]!;
        expect(first.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps the same snapshots whatever the input order, when instants are distinct', () => {
    fc.assert(
      fc.property(
        distinctSnapshotList().chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
        rules,
        now,
        timeZone,
        ([list, shuffled], keep, at, zone) => {
          expect(ids(keptByPolicy(shuffled, keep, at, zone))).toEqual(ids(keptByPolicy(list, keep, at, zone)));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('with equal instants and no tags, keeps the same multiset of instants whatever the input order', () => {
    // Decisions depend only on each position in the newest-first order (its instant, whether it is the
    // last) and on its tags. Without tags, permuting snapshots of one instant cannot change what is kept
    // at each position. With tags it can — see the example test below — because the count rules take
    // the first listed of equal instants (a stable sort) and the tag rule then keeps the other one too.
    const instants = (list: readonly GenSnapshot[]) => list.map((s) => s.time).sort((a, b) => a - b);
    fc.assert(
      fc.property(
        snapshotList({ tags: false }).chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
        rules,
        now,
        timeZone,
        ([list, shuffled], keep, at, zone) => {
          expect(instants(keptByPolicy(shuffled, keep, at, zone))).toEqual(instants(keptByPolicy(list, keep, at, zone)));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('example: with equal instants and different tags, the input order decides how many are kept', () => {
    const t = Date.parse('2024-06-01T00:00:00Z');
    const tagged = { id: 'tagged', time: t, tags: ['a'] };
    const plain = { id: 'plain', time: t, tags: [] };
    const keep: RetentionRules = { daily: 1, tags: [['a']] };
    const clock = { now: t + DAY, timeZone: 'UTC' };
    expect(keptByPolicy([tagged, plain], keep, clock.now, clock.timeZone).map((s) => s.id)).toEqual(['tagged']);
    expect(keptByPolicy([plain, tagged], keep, clock.now, clock.timeZone).map((s) => s.id)).toEqual(['plain', 'tagged']);
  });

  it('removing what it removes and applying again removes nothing more, when no snapshot is in the future', () => {
    // Each rule's state (budget, last bucket) changes only at snapshots it keeps, so dropping the
    // snapshots no rule keeps leaves every rule seeing the same sequence; the oldest kept snapshot
    // stays the oldest, so "oldest" reasons survive too. Within-windows are measured from the newest
    // snapshot before `now`, which is kept here (see the previous property), so they do not move.
    fc.assert(
      fc.property(snapshotList(), rules, timeZone, (list, keep, zone) => {
        const at = list.length === 0 ? 0 : Math.max(...list.map((s) => s.time)) + 1;
        const once = keptByPolicy(list, keep, at, zone);
        const twice = keptByPolicy(once, keep, at, zone);
        expect(ids(twice)).toEqual(ids(once));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('example: with a future-dated snapshot, applying twice can remove more (so planRetention guards the newest past one)', () => {
    // F (future) takes daily:1 and April's monthly bucket, so P1 — the newest snapshot before now, which
    // within-rules measure from — is removed. Measured from P1 (04-01), "1m" reaches back to 03-01 and
    // X (03-02) is kept as the oldest of March; measured from P2 (03-31) it reaches only to "02-31" =
    // 03-03 (2023 is no leap year), and the second pass removes X. Calendar months make the cutoff move
    // forward while the newest moves back.
    const at = (iso: string) => Date.parse(iso);
    const list = [
      { id: 'F', time: at('2023-04-02T12:00:00Z'), tags: [] },
      { id: 'P1', time: at('2023-04-01T12:00:00Z'), tags: [] },
      { id: 'P2', time: at('2023-03-31T12:00:00Z'), tags: [] },
      { id: 'X', time: at('2023-03-02T12:00:00Z'), tags: [] },
    ];
    const keep: RetentionRules = { daily: 1, withinMonthly: dur('1m') };
    const clock = at('2023-04-01T18:00:00Z');
    const once = keptByPolicy(list, keep, clock, 'UTC');
    expect(once.map((s) => s.id)).toEqual(['F', 'P2', 'X']);
    expect(keptByPolicy(once, keep, clock, 'UTC').map((s) => s.id)).toEqual(['F', 'P2']);
    // planRetention keeps P1 by its "newest snapshot not in the future" guard, and is stable.
    const plan = planRetention(list, policyOf(keep, 'UTC'), { now: clock });
    expect(plan.keep.map((k) => k.snapshot.id)).toEqual(['F', 'P1', 'P2', 'X']);
  });
});

describe('planRetention (policy + guards) — properties', () => {
  it('partitions the input: keep, remove and ignored are disjoint and cover it; ignored = owned:false', () => {
    fc.assert(
      fc.property(snapshotList(), rules, now, timeZone, (list, keep, at, zone) => {
        const plan = planOrRefusal(list, policyOf(keep, zone), at);
        if (plan === null) return;
        const all = [...plan.keep.map((k) => k.snapshot), ...plan.remove.map((r) => r.snapshot), ...plan.ignored];
        expect(all).toHaveLength(list.length);
        expect(ids(all)).toEqual(ids(list));
        for (const s of all) expect(list).toContain(s);
        expect(ids(plan.ignored)).toEqual(ids(list.filter((s) => s.owned === false)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('refuses exactly when it would remove every owned snapshot', () => {
    fc.assert(
      fc.property(snapshotList(), rules, now, timeZone, (list, keep, at, zone) => {
        const owned = list.filter((s) => s.owned !== false);
        const wouldKeepNone = owned.length > 0 && keptByPolicy(owned, keep, at, zone).length === 0;
        expect(planOrRefusal(list, policyOf(keep, zone), at) === null).toBe(wouldKeepNone);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('always keeps the newest owned snapshot, the newest one not in the future, and every legal hold', () => {
    fc.assert(
      fc.property(snapshotList(), rules, now, timeZone, (list, keep, at, zone) => {
        const plan = planOrRefusal(list, policyOf(keep, zone), at);
        if (plan === null) return;
        const kept = new Set(plan.keep.map((k) => k.snapshot.id));
        const owned = list.filter((s) => s.owned !== false);
        const newest = Math.max(...owned.map((s) => s.time));
        if (owned.length > 0) expect(owned.some((s) => s.time === newest && kept.has(s.id))).toBe(true);
        const past = owned.filter((s) => s.time < at);
        const newestPast = Math.max(...past.map((s) => s.time));
        if (past.length > 0) expect(past.some((s) => s.time === newestPast && kept.has(s.id))).toBe(true);
        for (const s of owned) {
          if (s.tags.includes('legal-hold') || s.tags.includes('legal-hold=case-7')) expect(kept.has(s.id)).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps nothing without a reason or a guard; reasons are the policy\'s own, removals have none', () => {
    fc.assert(
      fc.property(snapshotList(), rules, now, timeZone, (list, keep, at, zone) => {
        const plan = planOrRefusal(list, policyOf(keep, zone), at);
        if (plan === null) return;
        const owned = list.filter((s) => s.owned !== false);
        const policyReasons = new Map(applyPolicy(owned, keep, { now: at, timeZone: zone }).decisions.map((d) => [d.snapshot.id, d.reasons]));
        for (const k of plan.keep) {
          expect(k.reasons.length + k.guards.length).toBeGreaterThan(0);
          expect(k.reasons).toEqual(policyReasons.get(k.snapshot.id));
        }
        for (const r of plan.remove) expect(policyReasons.get(r.snapshot.id)).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps the same snapshots whatever the input order, when instants are distinct', () => {
    fc.assert(
      fc.property(
        distinctSnapshotList().chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
        rules,
        now,
        timeZone,
        ([list, shuffled], keep, at, zone) => {
          const a = planOrRefusal(list, policyOf(keep, zone), at);
          const b = planOrRefusal(shuffled, policyOf(keep, zone), at);
          expect(b === null).toBe(a === null);
          if (a === null || b === null) return;
          const byId = (plan: RetentionPlan<GenSnapshot>) => planShape(plan).keep.sort((x, y) => x.id.localeCompare(y.id));
          expect(byId(b)).toEqual(byId(a));
          expect(ids(b.remove.map((r) => r.snapshot))).toEqual(ids(a.remove.map((r) => r.snapshot)));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('with equal instants and no tags, keeps the same multiset of instants whatever the input order', () => {
    const instants = (plan: RetentionPlan<GenSnapshot>) => plan.keep.map((k) => k.snapshot.time).sort((x, y) => x - y);
    fc.assert(
      fc.property(
        snapshotList({ tags: false }).chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
        rules,
        now,
        timeZone,
        ([list, shuffled], keep, at, zone) => {
          const a = planOrRefusal(list, policyOf(keep, zone), at);
          const b = planOrRefusal(shuffled, policyOf(keep, zone), at);
          expect(b === null).toBe(a === null);
          if (a === null || b === null) return;
          expect(instants(b)).toEqual(instants(a));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('gives the same plan whatever UTC offsets the same instants are written in (through parseSnapshotList)', () => {
    fc.assert(
      fc.property(
        snapshotList().chain((list) => fc.tuple(fc.constant(list), fc.array(fc.constantFrom(...OFFSETS), { minLength: list.length, maxLength: list.length }))),
        rules,
        now,
        timeZone,
        ([list, offsets], keep, at, zone) => {
          const render = (offsetOf: (i: number) => string) =>
            JSON.stringify(list.map((s, i) => ({ id: s.id, time: isoAtOffset(s.time, offsetOf(i)), tags: s.tags, ...(s.owned === undefined ? {} : { owned: s.owned }) })));
          const inUtc: InputSnapshot[] = parseSnapshotList(render(() => 'Z'), 'utc.json');
          const mixed: InputSnapshot[] = parseSnapshotList(render((i) => offsets[i]!), 'mixed.json');
          expect(mixed.map((s) => s.time)).toEqual(list.map((s) => s.time));
          const a = planOrRefusal(inUtc, policyOf(keep, zone), at);
          const b = planOrRefusal(mixed, policyOf(keep, zone), at);
          expect(b === null).toBe(a === null);
          if (a === null || b === null) return;
          expect(planShape(b)).toEqual(planShape(a));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('is idempotent: after removing what it removes, planning again at the same now removes nothing', () => {
    // Holds for planRetention even with future-dated snapshots (unlike bare applyPolicy, see the example
    // above): the newest snapshot before `now`, from which within-windows are measured, is guarded, so
    // windows stay put; every rule's state changes only at snapshots it keeps, which all remain; the
    // oldest kept snapshot stays the oldest. The new oldest may gain an "oldest …" reason, never lose one.
    fc.assert(
      fc.property(snapshotList(), rules, now, timeZone, (list, keep, at, zone) => {
        const policy = policyOf(keep, zone);
        const first = planOrRefusal(list, policy, at);
        if (first === null) return;
        const removed = new Set(first.remove.map((r) => r.snapshot.id));
        const second = planOrRefusal(list.filter((s) => !removed.has(s.id)), policy, at);
        expect(second).not.toBeNull();
        expect(second!.remove).toEqual([]);
        expect(ids(second!.keep.map((k) => k.snapshot))).toEqual(ids(first.keep.map((k) => k.snapshot)));
        expect(ids(second!.ignored)).toEqual(ids(first.ignored));
        const secondById = new Map(second!.keep.map((k) => [k.snapshot.id, k]));
        for (const k of first.keep) {
          const again = secondById.get(k.snapshot.id)!;
          for (const reason of k.reasons) expect(again.reasons).toContain(reason);
          expect(again.guards).toEqual(k.guards);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
