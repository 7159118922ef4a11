// restic's keep rules at their edges, one rule at a time: where "now" ends the past, what within rules
// keep when the clock stands before every snapshot, which rules read calendar buckets at all, and what
// the walk the projection drives answers when it is asked only kept-or-not.
import { describe, expect, it } from 'vitest';
import {
  applyPolicy,
  BucketKeyer,
  newestBefore,
  PolicyWalk,
  type BucketKeySource,
  type RetentionSnapshot,
} from '../../../shared/retention/apply-policy.js';
import type { RetentionRules } from '../../../shared/retention/rules.js';
import { dailyJst, dur, snap } from '../../helpers/snapshots.js';

const TOKYO = 'Asia/Tokyo';
const HOUR = 3_600_000;

/** A key source for walks that must not look at calendar buckets: any look fails the test. */
const NO_BUCKETS: BucketKeySource = {
  at(time) {
    throw new Error(`bucket keys read for ${new Date(time).toISOString()}`);
  },
};

describe('the newest snapshot within rules measure from', () => {
  it('is the newest strictly before now: one taken at the very instant of the run counts as future', () => {
    // Prepare
    const now = Date.parse('2024-06-10T12:00:00+09:00');
    const list = [snap('at-now', '2024-06-10T12:00:00+09:00'), snap('hour-before', '2024-06-10T11:00:00+09:00'), snap('two-hours-before', '2024-06-10T10:00:00+09:00')];

    // Act
    const outcome = applyPolicy(list, { within: dur('1h') }, { now, timeZone: TOKYO });

    // Assess
    expect(newestBefore(list, now)).toBe(Date.parse('2024-06-10T11:00:00+09:00'));
    expect(outcome.latest).toBe(Date.parse('2024-06-10T11:00:00+09:00'));
    expect(outcome.decisions.map((d) => [d.snapshot.id, d.reasons])).toEqual([
      ['at-now', ['within 1h']],
      ['hour-before', ['within 1h']],
      ['two-hours-before', []],
    ]);
  });

  it('is one millisecond before now when a snapshot is that close', () => {
    const now = Date.parse('2024-06-10T12:00:00Z');
    const list = [snap('at-now', '2024-06-10T12:00:00.000Z'), snap('just-before', '2024-06-10T11:59:59.999Z')];
    expect(newestBefore(list, now)).toBe(now - 1);
    expect(newestBefore(list, now + 1)).toBe(now);
    expect(newestBefore(list, now - 1)).toBeNull();
  });
});

describe('within rules when every snapshot is in the future', () => {
  it.each([
    { rules: { within: dur('1d') }, reason: 'within 1d' },
    { rules: { withinDaily: dur('1d') }, reason: 'daily within 1d' },
  ])('keep every snapshot under $reason, even on a clock set before 1970', ({ rules, reason }) => {
    // Prepare: a clock in 1960 and snapshots in 1965, so nothing is measured back from the epoch.
    const list = dailyJst('1965-01-01', '1965-01-03');
    const now = Date.parse('1960-01-01T00:00:00Z');

    // Act
    const outcome = applyPolicy(list, rules, { now, timeZone: TOKYO });

    // Assess
    expect(outcome.latest).toBeNull();
    expect(outcome.decisions.map((d) => d.reasons)).toEqual([[reason], [reason], [reason]]);
  });
});

describe('which rules read calendar buckets', () => {
  const list = dailyJst('2024-01-01', '2024-01-04');
  const latest = list[list.length - 1]?.time ?? null;

  it.each<{ name: string; rules: RetentionRules }>([
    { name: 'last alone', rules: { last: 2 } },
    { name: 'last with count rules set to 0 (off)', rules: { last: 2, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 } },
    { name: 'last with zero within durations (off)', rules: { last: 2, withinDaily: dur('0d'), withinYearly: dur('0h') } },
    { name: 'within and tags', rules: { within: dur('2d'), tags: [['a']] } },
  ])('none, for $name: the walk never asks for bucket keys', ({ rules }) => {
    // Prepare
    const newestFirst = [...list].reverse();
    const walk = new PolicyWalk(rules, latest, TOKYO, NO_BUCKETS, newestFirst.length - 1);

    // Act
    const decide = () => newestFirst.map((s, nr) => walk.decide(s, nr, []));

    // Assess
    expect(decide).not.toThrow();
  });

  it.each<{ name: string; rules: RetentionRules }>([
    { name: 'an hourly count', rules: { last: 1, hourly: 1 } },
    { name: 'a yearly count', rules: { yearly: -1 } },
    { name: 'a within-weekly rule', rules: { withinWeekly: dur('1w') } },
  ])('the walk asks for bucket keys for $name', ({ rules }) => {
    const newestFirst = [...list].reverse();
    const walk = new PolicyWalk(rules, latest, TOKYO, NO_BUCKETS, newestFirst.length - 1);
    expect(() => walk.decide(newestFirst[0] as RetentionSnapshot, 0, [])).toThrow(/bucket keys read/);
  });
});

describe('the walk asked only kept-or-not (as the projection asks, with no reasons list)', () => {
  const newestFirst = [
    snap('newest', '2024-03-10T02:00:00+09:00', ['hold']),
    snap('inside', '2024-03-09T12:00:00+09:00'),
    snap('outside', '2024-03-08T02:00:00+09:00'),
    snap('oldest', '2024-03-01T02:00:00+09:00'),
  ];
  const latest = Date.parse('2024-03-10T02:00:00+09:00');

  it.each<{ name: string; rules: RetentionRules; expected: boolean[] }>([
    { name: 'within 1d', rules: { within: dur('1d') }, expected: [true, true, false, false] },
    { name: 'tags [hold]', rules: { tags: [['hold']] }, expected: [true, false, false, false] },
    { name: 'last 2', rules: { last: 2 }, expected: [true, true, false, false] },
    { name: 'daily 2', rules: { daily: 2 }, expected: [true, true, false, false] },
    { name: 'monthly 5 (the oldest by the oldest rule)', rules: { monthly: 5 }, expected: [true, false, false, true] },
    { name: 'within-daily 3d', rules: { withinDaily: dur('3d') }, expected: [true, true, true, false] },
  ])('answers per snapshot for $name', ({ rules, expected }) => {
    // Prepare
    const walk = new PolicyWalk(rules, latest, TOKYO, new BucketKeyer(TOKYO), newestFirst.length - 1);

    // Act
    const answers = newestFirst.map((s, nr) => walk.decide(s, nr, null));

    // Assess
    expect(answers).toEqual(expected);
  });

  it('gives the same answers as applyPolicy gives reasons', () => {
    const rules: RetentionRules = { within: dur('1d'), tags: [['hold']], monthly: 5, withinDaily: dur('3d') };
    const walk = new PolicyWalk(rules, latest, TOKYO, new BucketKeyer(TOKYO), newestFirst.length - 1);
    const answers = newestFirst.map((s, nr) => walk.decide(s, nr, null));
    const reasons = applyPolicy(newestFirst, rules, { now: latest + HOUR, timeZone: TOKYO }).decisions.map((d) => d.reasons.length > 0);
    expect(answers).toEqual(reasons);
  });
});

describe('the reasons of a removed snapshot', () => {
  it('are an empty list no caller can add to, and a kept snapshot has its own list', () => {
    // Prepare
    const list = dailyJst('2024-01-01', '2024-01-05');

    // Act
    const decisions = applyPolicy(list, { last: 2 }, { now: Date.parse('2024-02-01T00:00:00Z'), timeZone: TOKYO }).decisions;

    // Assess
    const removed = decisions.filter((d) => d.reasons.length === 0);
    expect(removed.map((d) => d.snapshot.id)).toEqual(['2024-01-03', '2024-01-02', '2024-01-01']);
    for (const d of removed) expect(Object.isFrozen(d.reasons)).toBe(true);
    expect(decisions[0]?.reasons).toEqual(['last snapshot']);
    expect(decisions[0]?.reasons).not.toBe(decisions[1]?.reasons);
  });

});
