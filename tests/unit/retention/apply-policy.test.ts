import { describe, expect, it } from 'vitest';
import { applyPolicy, type RetentionSnapshot } from '../../../shared/retention/apply-policy.js';
import type { RetentionRules } from '../../../shared/retention/rules.js';
import { dailyJst, dur, snap } from '../../helpers/snapshots.js';

const TOKYO = 'Asia/Tokyo';
const FAR_FUTURE = Date.parse('2100-01-01T00:00:00Z');

function kept(snapshots: RetentionSnapshot[], rules: RetentionRules, timeZone = TOKYO, now = FAR_FUTURE) {
  return applyPolicy(snapshots, rules, { now, timeZone })
    .decisions.filter((d) => d.reasons.length > 0)
    .map((d) => d.snapshot.id);
}

function reasonsOf(snapshots: RetentionSnapshot[], rules: RetentionRules, timeZone = TOKYO, now = FAR_FUTURE) {
  return Object.fromEntries(
    applyPolicy(snapshots, rules, { now, timeZone }).decisions.map((d) => [d.snapshot.id, d.reasons]),
  );
}

describe('restic forget semantics — bucket edges in the policy time zone', () => {
  const aroundTokyoMidnight = [
    snap('13:00Z', '2024-01-01T13:00:00Z'),
    snap('14:00Z', '2024-01-01T14:00:00Z'),
    snap('14:59Z', '2024-01-01T14:59:59Z'),
    snap('15:00Z', '2024-01-01T15:00:00Z'),
  ];

  it.each([
    { timeZone: 'Asia/Tokyo', expected: ['15:00Z', '14:59Z'], why: '15:00 UTC is 00:00 JST: a new day' },
    { timeZone: 'UTC', expected: ['15:00Z', '13:00Z'], why: 'one UTC day; the oldest is kept by the oldest rule' },
  ])('daily:2 in $timeZone keeps $expected ($why)', ({ timeZone, expected }) => {
    expect(kept(aroundTokyoMidnight, { daily: 2 }, timeZone)).toEqual(expected);
  });

  it('reads the same instant the same way whatever offset it was written with', () => {
    const a = [snap('a', '2024-01-01T23:30:00+09:00'), snap('b', '2024-01-02T00:30:00+09:00')];
    const b = [snap('a', '2024-01-01T14:30:00Z'), snap('b', '2024-01-01T10:30:00-05:00')];
    expect(kept(a, { daily: 1 })).toEqual(['b']);
    expect(kept(b, { daily: 1 })).toEqual(['b']);
  });

  it('buckets hours by the Tokyo wall clock', () => {
    const list = [snap('a', '2024-01-01T14:10:00Z'), snap('b', '2024-01-01T14:50:00Z'), snap('c', '2024-01-01T15:05:00Z')];
    expect(kept(list, { hourly: 2 })).toEqual(['c', 'b']);
  });
});

describe('restic forget semantics — ISO-8601 weeks', () => {
  it.each([
    {
      name: '2024-12-30 (Monday) belongs to 2025-W01, 2024-12-29 (Sunday) to 2024-W52',
      list: [snap('sun-29', '2024-12-29T12:00:00+09:00'), snap('mon-30', '2024-12-30T12:00:00+09:00'), snap('sun-05', '2025-01-05T12:00:00+09:00')],
      rules: { weekly: 2 },
      expected: ['sun-05', 'sun-29'],
    },
    {
      name: 'Sunday 15:30 UTC is already Monday in Tokyo, hence next ISO week',
      list: [snap('sat', '2024-12-28T12:00:00+09:00'), snap('sun-utc', '2024-12-29T15:30:00Z')],
      rules: { weekly: 1 },
      expected: ['sun-utc'],
    },
    {
      name: '2021-01-03 is in 2020-W53, so it shares a week with 2020-12-28',
      list: [snap('dec-28', '2020-12-28T12:00:00+09:00'), snap('jan-03', '2021-01-03T12:00:00+09:00'), snap('jan-04', '2021-01-04T12:00:00+09:00')],
      rules: { weekly: 2 },
      expected: ['jan-04', 'jan-03'],
    },
  ])('$name', ({ list, rules, expected }) => {
    expect(kept(list, rules)).toEqual(expected);
  });

  it('a yearly bucket is the calendar year, not the ISO week-year', () => {
    const list = [snap('dec-31', '2024-12-31T12:00:00+09:00'), snap('jan-01', '2025-01-01T12:00:00+09:00')];
    expect(kept(list, { yearly: 1 })).toEqual(['jan-01']);
    expect(kept(list, { weekly: 1 })).toEqual(['jan-01']);
    expect(kept(list, { yearly: 2 })).toEqual(['jan-01', 'dec-31']);
  });
});

describe('restic forget semantics — within durations are calendar arithmetic from the newest snapshot', () => {
  it.each([
    {
      name: '2024-03-31 minus 1m is "02-31" = 2024-03-02 (leap year)',
      latest: '2024-03-31T12:00:00+09:00',
      within: '1m',
      keptTimes: ['2024-03-02T12:00:01+09:00', '2024-03-10T00:00:00+09:00'],
      removedTimes: ['2024-03-02T12:00:00+09:00', '2024-02-29T23:00:00+09:00'],
    },
    {
      name: '2023-03-31 minus 1m is "02-31" = 2023-03-03',
      latest: '2023-03-31T12:00:00+09:00',
      within: '1m',
      keptTimes: ['2023-03-03T12:00:01+09:00'],
      removedTimes: ['2023-03-03T12:00:00+09:00', '2023-03-01T12:00:00+09:00'],
    },
    {
      name: 'leap day minus 1y is "2023-02-29" = 2023-03-01',
      latest: '2024-02-29T10:00:00+09:00',
      within: '1y',
      keptTimes: ['2023-03-01T10:00:01+09:00'],
      removedTimes: ['2023-03-01T10:00:00+09:00', '2023-02-28T10:00:00+09:00'],
    },
    {
      name: '2w is 14 days; 36h is elapsed hours',
      latest: '2024-05-20T02:00:00+09:00',
      within: '2w36h',
      keptTimes: ['2024-05-04T14:00:01+09:00'],
      removedTimes: ['2024-05-04T14:00:00+09:00'],
    },
  ])('$name', ({ latest, within, keptTimes, removedTimes }) => {
    const list = [
      snap('latest', latest),
      ...keptTimes.map((t) => snap(`keep ${t}`, t)),
      ...removedTimes.map((t) => snap(`drop ${t}`, t)),
    ];
    expect(kept(list, { within: dur(within) }).sort()).toEqual(['latest', ...keptTimes.map((t) => `keep ${t}`)].sort());
  });

  it('month arithmetic happens on the Tokyo calendar, not the UTC one', () => {
    // 2024-04-01 01:00 JST is still 03-31 in UTC; one month back on the Tokyo calendar is 03-01 01:00 JST.
    const list = [
      snap('latest', '2024-04-01T01:00:00+09:00'),
      snap('in', '2024-03-01T01:00:01+09:00'),
      snap('out', '2024-03-01T01:00:00+09:00'),
    ];
    expect(kept(list, { within: dur('1m') })).toEqual(['latest', 'in']);
  });

  it('measures from the newest snapshot, not from now: a stalled job prunes nothing more', () => {
    const list = dailyJst('2024-01-01', '2024-01-10');
    const now = Date.parse('2025-06-01T00:00:00Z');
    expect(kept(list, { within: dur('3d') }, TOKYO, now)).toEqual(['2024-01-10', '2024-01-09', '2024-01-08']);
  });

  it('ignores future-dated snapshots when finding the newest, and keeps them', () => {
    const list = [...dailyJst('2024-06-01', '2024-06-10'), snap('future', '2024-07-01T00:00:00+09:00')];
    const now = Date.parse('2024-06-10T12:00:00+09:00');
    expect(kept(list, { within: dur('2d') }, TOKYO, now)).toEqual(['future', '2024-06-10', '2024-06-09']);
  });

  it('keeps everything under within rules when every snapshot is in the future', () => {
    const list = dailyJst('2030-01-01', '2030-01-05');
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(kept(list, { within: dur('1d') }, TOKYO, now)).toHaveLength(5);
  });

  it('within-daily keeps the newest snapshot of each day inside the window', () => {
    const list = [
      snap('d3-late', '2024-01-03T20:00:00+09:00'),
      snap('d3-early', '2024-01-03T08:00:00+09:00'),
      snap('d2-late', '2024-01-02T20:00:00+09:00'),
      snap('d2-early', '2024-01-02T08:00:00+09:00'),
      snap('d1', '2024-01-01T20:00:00+09:00'),
    ];
    expect(reasonsOf(list, { withinDaily: dur('1d12h') })).toEqual({
      'd3-late': ['daily within 1d12h'],
      'd3-early': [],
      'd2-late': ['daily within 1d12h'],
      'd2-early': [],
      d1: [],
    });
  });
});

describe('restic forget semantics — counts, ties, the oldest rule, tags', () => {
  it('keeps the first listed of snapshots with the same instant (stable sort)', () => {
    const list = [snap('first', '2024-01-01T00:00:00Z'), snap('second', '2024-01-01T09:00:00+09:00'), snap('older', '2023-12-01T00:00:00Z')];
    expect(kept(list, { last: 1 })).toEqual(['first']);
    expect(kept(list, { daily: 1 })).toEqual(['first']);
    const decisions = applyPolicy(list, { last: 3 }, { now: FAR_FUTURE, timeZone: TOKYO }).decisions;
    expect(decisions.map((d) => d.snapshot.id)).toEqual(['first', 'second', 'older']);
  });

  it('with -1, keeps one per bucket without limit', () => {
    const list = dailyJst('2020-01-01', '2024-12-31');
    expect(kept(list, { yearly: -1 })).toEqual(['2024-12-31', '2023-12-31', '2022-12-31', '2021-12-31', '2020-12-31', '2020-01-01']);
    expect(kept(list, { daily: -1 })).toHaveLength(list.length);
  });

  it('keeps the oldest snapshot by a count rule with budget left, naming it so', () => {
    const list = [snap('new', '2024-05-20T00:00:00+09:00'), snap('mid', '2024-05-10T00:00:00+09:00'), snap('old', '2024-05-01T00:00:00+09:00')];
    expect(reasonsOf(list, { monthly: 3 })).toEqual({ new: ['monthly snapshot'], mid: [], old: ['oldest monthly snapshot'] });
    expect(reasonsOf(list, { monthly: 1 })).toEqual({ new: ['monthly snapshot'], mid: [], old: [] });
    expect(reasonsOf(list, { last: 5 })).toEqual({ new: ['last snapshot'], mid: ['last snapshot'], old: ['last snapshot'] });
  });

  it('counts each rule independently and lists every reason', () => {
    const list = dailyJst('2024-01-25', '2024-02-05');
    const reasons = reasonsOf(list, { last: 2, daily: 3, weekly: 2, monthly: 2, within: dur('1d') });
    expect(reasons['2024-02-05']).toEqual(['within 1d', 'last snapshot', 'daily snapshot', 'weekly snapshot', 'monthly snapshot']);
    // Exactly 1d older than the newest is not "within 1d" (restic keeps only strictly newer).
    expect(reasons['2024-02-04']).toEqual(['last snapshot', 'daily snapshot', 'weekly snapshot']);
    expect(reasons['2024-02-03']).toEqual(['daily snapshot']);
    expect(reasons['2024-01-31']).toEqual(['monthly snapshot']);
    expect(reasons['2024-01-28']).toEqual([]);
    expect(reasons['2024-01-25']).toEqual([]);
  });

  it('within rules keep the oldest snapshot only when it is inside the window', () => {
    const list = [snap('b', '2024-01-02T12:00:00+09:00'), snap('a', '2024-01-02T06:00:00+09:00')];
    expect(reasonsOf(list, { withinDaily: dur('1d') })).toEqual({ b: ['daily within 1d'], a: ['oldest daily within 1d'] });
    const outside = [snap('b', '2024-01-05T12:00:00+09:00'), snap('a', '2024-01-01T06:00:00+09:00')];
    expect(reasonsOf(outside, { withinDaily: dur('1d') })).toEqual({ b: ['daily within 1d'], a: [] });
  });

  it('keeps a snapshot carrying every tag of any one list', () => {
    const list = [
      snap('ab', '2024-01-05T00:00:00Z', ['a', 'b', 'x']),
      snap('a', '2024-01-04T00:00:00Z', ['a']),
      snap('c', '2024-01-03T00:00:00Z', ['c']),
      snap('none', '2024-01-02T00:00:00Z'),
    ];
    expect(reasonsOf(list, { tags: [['a', 'b'], ['c']] })).toEqual({
      ab: ['has tags [a, b]'],
      a: [],
      c: ['has tags [c]'],
      none: [],
    });
  });

  it('combines within and count rules: the union of both, each with its reason', () => {
    const list = dailyJst('2024-03-01', '2024-03-10');
    const reasons = reasonsOf(list, { within: dur('2d'), weekly: 2 });
    const keptIds = Object.entries(reasons).filter(([, r]) => r.length > 0).map(([id]) => id);
    // 2024-03-10 is a Sunday: weekly buckets are W10 (03-04..03-10) and W09 (..03-03).
    expect(keptIds).toEqual(['2024-03-10', '2024-03-09', '2024-03-03']);
    expect(reasons['2024-03-10']).toEqual(['within 2d', 'weekly snapshot']);
    expect(reasons['2024-03-09']).toEqual(['within 2d']);
  });
});

describe("the team's database policy over two years of daily snapshots", () => {
  const list = dailyJst('2024-11-26', '2026-11-25');
  const now = Date.parse('2026-11-25T03:00:00+09:00');
  const rules: RetentionRules = {
    withinDaily: dur('30d'),
    withinWeekly: dur('12w'),
    withinMonthly: dur('12m'),
    withinYearly: dur('7y'),
  };

  it('keeps exactly the GFS set', () => {
    const daily = dailyJst('2026-10-27', '2026-11-25').map((s) => s.id);
    // 84 days back from 2026-11-25 02:00 is 2026-09-02 02:00; the newest of each ISO week after it (Sundays).
    const weekly = ['2026-10-25', '2026-10-18', '2026-10-11', '2026-10-04', '2026-09-27', '2026-09-20', '2026-09-13', '2026-09-06'];
    // 12 months back is 2025-11-25 02:00: the last day of each month from 2025-11 to 2026-10.
    const monthly = ['2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30', '2026-05-31', '2026-04-30',
      '2026-03-31', '2026-02-28', '2026-01-31', '2025-12-31', '2025-11-30'];
    // The newest of each year, plus the oldest snapshot (kept by the oldest rule of the yearly bucket).
    const yearly = ['2025-12-31', '2024-12-31', '2024-11-26'];
    const expected = [...new Set([...daily, ...weekly, ...monthly, ...yearly])].sort().reverse();
    expect(kept(list, rules, TOKYO, now)).toEqual(expected);
    expect(expected).toHaveLength(30 + 8 + 11 + 2);
  });

  it('gives each survivor its reasons', () => {
    const reasons = reasonsOf(list, rules, TOKYO, now);
    expect(reasons['2026-11-25']).toEqual(['daily within 30d', 'weekly within 84d', 'monthly within 12m', 'yearly within 7y']);
    expect(reasons['2026-10-31']).toEqual(['daily within 30d', 'monthly within 12m']);
    expect(reasons['2026-10-25']).toEqual(['weekly within 84d']);
    expect(reasons['2024-11-26']).toEqual(['oldest yearly within 7y']);
    expect(reasons['2026-10-26']).toEqual([]);
  });
});
