import { describe, expect, it } from 'vitest';
import { durationCovers, formatDuration, parseDuration } from '../../../shared/retention/duration.js';
import { dur } from '../../helpers/snapshots.js';

describe('retention durations', () => {
  it.each([
    ['30d', { years: 0, months: 0, days: 30, hours: 0 }],
    ['12w', { years: 0, months: 0, days: 84, hours: 0 }],
    ['1y6m', { years: 1, months: 6, days: 0, hours: 0 }],
    ['2w3d', { years: 0, months: 0, days: 17, hours: 0 }],
    ['7y', { years: 7, months: 0, days: 0, hours: 0 }],
    ['36h', { years: 0, months: 0, days: 0, hours: 36 }],
    ['1y2m3d4h', { years: 1, months: 2, days: 3, hours: 4 }],
  ])('parses %s', (text, expected) => {
    expect(parseDuration(text)).toEqual(expected);
  });

  it.each(['', '30', 'd', '-1d', '1.5d', '30 days', '1d1d', '3x', '15min', '7Y'])('rejects %j with a reason', (text) => {
    expect(typeof parseDuration(text)).toBe('string');
  });

  it('prints weeks as days, the way restic prints its own durations', () => {
    expect(formatDuration(dur('12w'))).toBe('84d');
    expect(formatDuration(dur('1y2m3d4h'))).toBe('1y2m3d4h');
  });

  it.each([
    ['84m', '7y', true],
    ['7y', '84m', true],
    ['52w', '1y', false],
    ['366d', '1y', true],
    ['2556d', '7y', false],
    ['2557d', '7y', true],
    ['12m', '1y', true],
    ['11m', '1y', false],
    ['1y', '12m', true],
    ['31d', '1m', true],
    ['30d', '1m', false],
  ])('%s covers %s: %s', (a, b, expected) => {
    expect(durationCovers(dur(a), dur(b))).toBe(expected);
  });
});
