// planRetention's guards and refusals at their edges (shared/retention/plan.ts): the default legal-hold
// tag, "in the future" meaning at or after now, an override that is only blanks, what the expiry
// projection holds and where it starts. Each case changes one decision if a guard is changed.

import { describe, expect, it } from 'vitest';
import { RetentionRefused } from '../../../shared/errors.js';
import { assertPolicyAcceptable, DEFAULT_LEGAL_HOLD_TAG, isUnderLegalHold, planRetention, type RetentionPolicy } from '../../../shared/retention/plan.js';
import { dailyJst, dur, snap } from '../../helpers/snapshots.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const policy = (keep: RetentionPolicy['keep'], extra: Partial<RetentionPolicy> = {}): RetentionPolicy => ({ timeZone: 'Asia/Tokyo', keep, ...extra });
const kept = (plan: ReturnType<typeof planRetention>) => plan.keep.map((k) => [k.snapshot.id, k.reasons, k.guards]);
const everyDayAt2 = (after: number) => {
  const anchor = Date.parse('2020-01-01T02:00:00+09:00');
  return anchor + (Math.floor((after - anchor) / DAY) + 1) * DAY;
};

describe('legal holds', () => {
  it('reads "legal-hold" as the hold tag when the caller names none', () => {
    expect(DEFAULT_LEGAL_HOLD_TAG).toBe('legal-hold');
    const list = [snap('new', '2026-11-25T02:00:00+09:00'), snap('held', '2026-11-01T02:00:00+09:00', ['legal-hold=case-9']), snap('other', '2026-11-02T02:00:00+09:00', ['hold'])];
    const plan = planRetention(list, policy({ last: 1 }), { now: NOW });
    expect(kept(plan)).toEqual([['new', ['last snapshot'], ['newest snapshot']], ['held', [], ['legal hold']]]);
    expect(plan.remove.map((r) => r.snapshot.id)).toEqual(['other']);
  });

  it('compares keys without case on both sides, and only whole keys', () => {
    expect(isUnderLegalHold(snap('a', '2026-11-01T00:00:00Z', ['Case-Hold=x']), ['CASE-HOLD'])).toBe(true);
    expect(isUnderLegalHold(snap('a', '2026-11-01T00:00:00Z', ['case-hold-2']), ['case-hold'])).toBe(false);
    expect(isUnderLegalHold(snap('a', '2026-11-01T00:00:00Z', ['x=case-hold']), ['case-hold'])).toBe(false);
    expect(isUnderLegalHold({ id: 'a', time: 0 }, ['legal-hold'])).toBe(false);
    expect(isUnderLegalHold(snap('a', '2026-11-01T00:00:00Z', ['b', 'legal-hold']), ['other', 'legal-hold'])).toBe(true);
  });
});

describe('the newest snapshot and the newest one not in the future', () => {
  it('counts a snapshot taken exactly now as not yet in the past: the one before it is guarded too', () => {
    const list = [snap('at-now', new Date(NOW).toISOString()), snap('before', '2026-11-25T02:00:00+09:00'), snap('older', '2026-11-24T02:00:00+09:00')];
    expect(kept(planRetention(list, policy({ last: 1 }), { now: NOW }))).toEqual([
      ['at-now', ['last snapshot'], ['newest snapshot']],
      ['before', [], ['newest snapshot not in the future']],
    ]);
  });

  it('gives the newest snapshot a single guard when it is also the newest in the past', () => {
    const list = [snap('a', '2026-11-25T02:00:00+09:00'), snap('b', '2026-11-24T02:00:00+09:00', ['x'])];
    expect(kept(planRetention(list, policy({ tags: [['x']] }), { now: NOW }))).toEqual([['a', [], ['newest snapshot']], ['b', ['has tags [x]'], []]]);
  });

  it('keeps every guard reason, in order, with the policy\'s reasons apart', () => {
    const list = [snap('a', '2026-11-25T02:00:00+09:00', ['legal-hold']), snap('b', '2026-11-24T02:00:00+09:00')];
    const plan = planRetention(list, policy({ last: 1 }), { now: NOW, extraGuards: [(s) => (s.id === 'a' ? 'first extra' : null), () => null, (s) => (s.id === 'a' ? 'second extra' : null)] });
    expect(kept(plan)).toEqual([['a', ['last snapshot'], ['legal hold', 'newest snapshot', 'first extra', 'second extra']]]);
    expect(plan.remove).toEqual([{ snapshot: list[1], reasons: ['not kept by any rule'] }]);
  });
});

describe('refusals', () => {
  const floor = () => ({ yearly: dur('7y') });

  it('refuses a policy below its floor, naming the floor and how to lower it', () => {
    expect(() => assertPolicyAcceptable(policy({ withinYearly: dur('3y') }, { floor: floor() }))).toThrow(
      new RetentionRefused('yearly snapshots must be kept for at least 7y (compliance floor); lower it only with an explicit override reason'),
    );
  });

  it.each([
    { override: '', accepted: false },
    { override: '   ', accepted: false },
    { override: ' audit waiver 2026-04 ', accepted: true },
  ])('takes the override "$override" as a reason: $accepted', ({ override, accepted }) => {
    const check = () => assertPolicyAcceptable(policy({ withinYearly: dur('3y') }, { floor: floor(), override }));
    if (accepted) expect(check).not.toThrow();
    else expect(check).toThrow(RetentionRefused);
  });

  it('names every floor a policy breaks', () => {
    expect(() => assertPolicyAcceptable(policy({ withinDaily: dur('7d') }, { floor: { daily: dur('30d'), monthly: dur('12m') } }))).toThrow(
      'daily snapshots must be kept for at least 30d (compliance floor); monthly snapshots must be kept for at least 12m (compliance floor); lower it only',
    );
  });

  it('says a policy that keeps nothing keeps nothing', () => {
    expect(() => assertPolicyAcceptable(policy({}))).toThrow(new RetentionRefused('the policy keeps nothing: set at least one keep rule (refusing to remove every snapshot)'));
  });

  it('does not count snapshots that are not ours when refusing to remove everything', () => {
    const list = [{ ...snap('theirs', '2026-11-25T02:00:00+09:00', ['keep']), owned: false }, snap('ours', '2026-11-24T02:00:00+09:00')];
    expect(() => planRetention(list, policy({ tags: [['keep']] }), { now: NOW })).toThrow(/would remove all 1 snapshots/);
    expect(planRetention([list[0]!], policy({ tags: [['keep']] }), { now: NOW })).toEqual({ keep: [], remove: [], ignored: [list[0]] });
  });
});

describe('the expiry projection', () => {
  it('never expires a snapshot under legal hold that the policy would let go', () => {
    const list = [...dailyJst('2026-11-20', '2026-11-25'), snap('held', '2026-11-10T02:00:00+09:00', ['legal-hold=case-1'])];
    const plan = planRetention(list, policy({ daily: 3 }), { now: NOW, nextRun: everyDayAt2 });
    const expiry = Object.fromEntries(plan.keep.map((k) => [k.snapshot.id, k.expiresAt]));
    expect(expiry).toEqual({
      '2026-11-25': Date.parse('2026-11-28T02:00:00+09:00'),
      '2026-11-24': Date.parse('2026-11-27T02:00:00+09:00'),
      '2026-11-23': Date.parse('2026-11-26T02:00:00+09:00'),
      held: null,
    });
  });

  it('projects from the newest snapshot when it is in the future, not from now', () => {
    const future = snap('future', '2026-11-28T02:00:00+09:00');
    const today = snap('today', '2026-11-25T02:00:00+09:00');
    const plan = planRetention([future, today], policy({ daily: 2 }), { now: NOW, nextRun: everyDayAt2 });
    expect(Object.fromEntries(plan.keep.map((k) => [k.snapshot.id, k.expiresAt]))).toEqual({
      future: Date.parse('2026-11-30T02:00:00+09:00'),
      today: Date.parse('2026-11-29T02:00:00+09:00'),
    });
  });

  it('projects an empty plan without failing', () => {
    expect(planRetention([], policy({ daily: 2 }), { now: NOW, nextRun: everyDayAt2 })).toEqual({ keep: [], remove: [], ignored: [] });
  });

  it('leaves expiry undefined without a schedule and null for what the projection never removes', () => {
    const list = dailyJst('2026-11-24', '2026-11-25');
    expect(planRetention(list, policy({ daily: 2 }), { now: NOW }).keep.map((k) => 'expiresAt' in k)).toEqual([false, false]);
    expect(planRetention(list, policy({ daily: -1 }), { now: NOW, nextRun: everyDayAt2 }).keep.map((k) => k.expiresAt)).toEqual([null, null]);
  });
});
