import { describe, expect, it } from 'vitest';
import { RetentionRefused } from '../../../shared/errors.js';
import { planRetention, type PlannedSnapshot, type RetentionPolicy } from '../../../shared/retention/plan.js';
import { dailyJst, dur, snap } from '../../helpers/snapshots.js';

const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const policy = (keep: RetentionPolicy['keep'], extra: Partial<RetentionPolicy> = {}): RetentionPolicy => ({ timeZone: 'Asia/Tokyo', keep, ...extra });
const ids = (list: readonly { snapshot: PlannedSnapshot }[]) => list.map((e) => e.snapshot.id);
const everyDayAt2 = (after: number) => {
  const day = 86_400_000;
  const anchor = Date.parse('2020-01-01T02:00:00+09:00');
  return anchor + (Math.floor((after - anchor) / day) + 1) * day;
};

describe('retention plan guards', () => {
  it('never removes a snapshot under legal hold, and reports the guard apart from policy reasons', () => {
    const list = [...dailyJst('2026-11-20', '2026-11-25'), snap('held', '2026-01-01T02:00:00+09:00', ['legal-hold'])];
    const plan = planRetention(list, policy({ last: 2 }), { now: NOW });
    const held = plan.keep.find((k) => k.snapshot.id === 'held');
    expect(held).toEqual({ snapshot: expect.objectContaining({ id: 'held' }), reasons: [], guards: ['legal hold'] });
    expect(ids(plan.remove)).toEqual(['2026-11-23', '2026-11-22', '2026-11-21', '2026-11-20']);
  });

  it.each([
    { tag: 'legal-hold', held: true },
    { tag: 'legal-hold=case-4711', held: true },
    { tag: 'legal-hold=false', held: true }, // present means held: only removing the tag releases
    { tag: 'legal-hold=', held: true },
    { tag: 'LEGAL-HOLD=x', held: true },
    { tag: 'legal-holds', held: false },
  ])('tag "$tag" puts a snapshot under hold: $held', ({ tag, held }) => {
    const list = [snap('new', '2026-11-25T02:00:00+09:00'), snap('old', '2026-11-01T02:00:00+09:00', [tag])];
    const plan = planRetention(list, policy({ last: 1 }), { now: NOW });
    expect(ids(plan.keep).includes('old')).toBe(held);
  });

  it('honours a custom legal-hold tag name', () => {
    const list = [snap('new', '2026-11-25T02:00:00+09:00'), snap('old', '2026-11-01T02:00:00+09:00', ['hold'])];
    expect(ids(planRetention(list, policy({ last: 1 }), { now: NOW, legalHoldTags: ['hold'] }).keep)).toEqual(['new', 'old']);
  });

  it('keeps the newest snapshot even when only a tags rule matches an older one', () => {
    const list = [snap('new', '2026-11-25T02:00:00+09:00'), snap('tagged', '2026-11-01T02:00:00+09:00', ['release'])];
    const plan = planRetention(list, policy({ tags: [['release']] }), { now: NOW });
    expect(plan.keep).toEqual([
      { snapshot: expect.objectContaining({ id: 'new' }), reasons: [], guards: ['newest snapshot'] },
      { snapshot: expect.objectContaining({ id: 'tagged' }), reasons: ['has tags [release]'], guards: [] },
    ]);
  });

  it('also keeps the newest snapshot that is not in the future when a future-dated one exists', () => {
    const list = [snap('future', '2027-01-01T00:00:00+09:00'), snap('real', '2026-11-25T02:00:00+09:00'), snap('old', '2026-11-24T02:00:00+09:00')];
    const plan = planRetention(list, policy({ last: 1 }), { now: NOW });
    expect(plan.keep.map((k) => [k.snapshot.id, k.reasons, k.guards])).toEqual([
      ['future', ['last snapshot'], ['newest snapshot']],
      ['real', [], ['newest snapshot not in the future']],
    ]);
  });

  it('ignores snapshots we do not own: not planned, not counted by any rule', () => {
    const list = [snap('theirs', '2026-11-25T03:00:00+09:00'), snap('ours-new', '2026-11-25T02:00:00+09:00'), snap('ours-old', '2026-11-24T02:00:00+09:00')];
    const owned = list.map((s) => (s.id === 'theirs' ? { ...s, owned: false } : s));
    const plan = planRetention(owned, policy({ last: 1 }), { now: NOW });
    expect(ids(plan.keep)).toEqual(['ours-new']);
    expect(ids(plan.remove)).toEqual(['ours-old']);
    expect(plan.ignored.map((s) => s.id)).toEqual(['theirs']);
  });

  it('applies extra guards from the caller, e.g. the newest verified copy', () => {
    const list = dailyJst('2026-11-20', '2026-11-25');
    const plan = planRetention(list, policy({ last: 1 }), {
      now: NOW,
      extraGuards: [(s) => (s.id === '2026-11-22' ? 'newest verified copy' : null)],
    });
    expect(plan.keep.map((k) => [k.snapshot.id, k.guards])).toEqual([['2026-11-25', ['newest snapshot']], ['2026-11-22', ['newest verified copy']]]);
  });

  it.each([
    { name: 'an empty policy', keep: {} },
    { name: 'all counts zero', keep: { last: 0, daily: 0 } },
    { name: 'a zero duration', keep: { within: dur('0d') } },
  ])('refuses $name: it keeps nothing', ({ keep }) => {
    expect(() => planRetention(dailyJst('2026-11-20', '2026-11-25'), policy(keep), { now: NOW })).toThrow(RetentionRefused);
    expect(() => planRetention([], policy(keep), { now: NOW })).toThrow(/keeps nothing/);
  });

  it('refuses a plan that would remove every snapshot, naming how many', () => {
    const list = dailyJst('2026-11-20', '2026-11-25');
    expect(() => planRetention(list, policy({ tags: [['never-set']] }), { now: NOW })).toThrow(/would remove all 6 snapshots/);
  });

  it('plans nothing and refuses nothing for an empty list under a sound policy', () => {
    expect(planRetention([], policy({ daily: 7 }), { now: NOW })).toEqual({ keep: [], remove: [], ignored: [] });
  });
});

describe('compliance floor', () => {
  const floor = { yearly: dur('7y') };
  it.each([
    { keep: { withinYearly: dur('7y') }, ok: true },
    { keep: { withinYearly: dur('84m') }, ok: true },
    { keep: { yearly: 7 }, ok: true },
    { keep: { yearly: -1 }, ok: true },
    { keep: { withinDaily: dur('8y') }, ok: true },
    { keep: { within: dur('7y') }, ok: true },
    { keep: { monthly: 84 }, ok: true },
    { keep: { withinYearly: dur('6y') }, ok: false },
    { keep: { yearly: 6, monthly: 12 }, ok: false },
    { keep: { daily: 2556 }, ok: false },
    { keep: { daily: 2557 }, ok: true },
    { keep: { weekly: 365 }, ok: false },
    { keep: { weekly: 366 }, ok: true },
    { keep: { last: 10_000 }, ok: false },
  ])('yearly ≥ 7y with $keep → accepted: $ok', ({ keep, ok }) => {
    const run = () => planRetention(dailyJst('2026-11-20', '2026-11-25'), policy(keep, { floor }), { now: NOW });
    if (ok) expect(run).not.toThrow();
    else expect(run).toThrow(/yearly snapshots must be kept for at least 7y \(compliance floor\)/);
  });

  it('lets a policy go below the floor with an explicit override reason', () => {
    const run = () => planRetention(dailyJst('2026-11-20', '2026-11-25'), policy({ withinYearly: dur('3y') }, { floor, override: 'staging copy, no customer data' }), { now: NOW });
    expect(run).not.toThrow();
  });
});

describe('expiry projection', () => {
  it('dates each kept snapshot by the scheduled run after which the policy removes it', () => {
    const list = dailyJst('2026-11-20', '2026-11-25');
    const plan = planRetention(list, policy({ daily: 3 }), { now: NOW, nextRun: everyDayAt2 });
    expect(plan.keep.map((k) => [k.snapshot.id, new Date(k.expiresAt ?? 0).toISOString()])).toEqual([
      ['2026-11-25', '2026-11-27T17:00:00.000Z'], // removed by the prune after the 11-28 02:00 JST run
      ['2026-11-24', '2026-11-26T17:00:00.000Z'],
      ['2026-11-23', '2026-11-25T17:00:00.000Z'],
    ]);
  });

  it('projects within rules from the newest snapshot on the Tokyo calendar', () => {
    const list = dailyJst('2026-11-01', '2026-11-25');
    const plan = planRetention(list, policy({ withinMonthly: dur('12m') }), { now: NOW, nextRun: everyDayAt2 });
    const october = plan.keep.find((k) => k.snapshot.id === '2026-11-01');
    // The oldest snapshot, kept by the oldest rule until 12 months have passed since it.
    expect(new Date(october?.expiresAt ?? 0).toISOString()).toBe('2027-10-31T17:00:00.000Z');
  });

  it('never expires what an unlimited rule or a legal hold keeps', () => {
    const list = [
      ...dailyJst('2026-11-20', '2026-11-25'),
      snap('2025-12-31', '2025-12-31T02:00:00+09:00'),
      snap('held', '2025-01-01T02:00:00+09:00', ['legal-hold']),
    ];
    const plan = planRetention(list, policy({ yearly: -1, daily: 2 }), { now: NOW, nextRun: everyDayAt2 });
    const byId = Object.fromEntries(plan.keep.map((k) => [k.snapshot.id, k.expiresAt]));
    expect(byId.held).toBeNull();
    expect(byId['2025-12-31']).toBeNull(); // the newest of its year, forever
    // The newest of 2026 moves forward with every run: 11-25 holds the year only until 11-27.
    expect(byId['2026-11-24']).toBe(Date.parse('2026-11-26T02:00:00+09:00'));
    expect(byId['2026-11-25']).toBe(Date.parse('2026-11-27T02:00:00+09:00'));
  });

  it('gives a snapshot kept only by the newest guard the next run as its expiry', () => {
    const list = [snap('new', '2026-11-25T02:00:00+09:00'), snap('tagged', '2026-11-01T02:00:00+09:00', ['release'])];
    const plan = planRetention(list, policy({ tags: [['release']] }), { now: NOW, nextRun: everyDayAt2 });
    expect(plan.keep.map((k) => [k.snapshot.id, k.expiresAt])).toEqual([
      ['new', Date.parse('2026-11-26T02:00:00+09:00')],
      ['tagged', null],
    ]);
  });
});
