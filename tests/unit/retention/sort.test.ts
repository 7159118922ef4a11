import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortNewestFirst } from '../../../shared/retention/sort.js';

const reference = <S extends { time: number }>(items: S[]) => [...items].sort((a, b) => b.time - a.time);

describe('newest-first ordering', () => {
  it('is stable for equal instants', () => {
    const items = [{ id: 'a', time: 5 }, { id: 'b', time: 9 }, { id: 'c', time: 5 }, { id: 'd', time: 9 }];
    expect(sortNewestFirst(items).map((i) => i.id)).toEqual(['b', 'd', 'a', 'c']);
  });

  it.each([
    { name: 'small spans (one radix pass)', max: 60_000 },
    { name: 'a few weeks (two passes)', max: 4_000_000_000 },
    { name: 'centuries (three or four passes)', max: 8_000_000_000_000 },
  ])('agrees with a stable comparison sort over $name', ({ max }) => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max }), { maxLength: 300 }), (raw) => {
        const items = raw.map((t, i) => ({ id: i, time: 1_600_000_000_000 + t }));
        expect(sortNewestFirst(items)).toEqual(reference(items));
      }),
      { numRuns: 100 },
    );
  });

  it('handles fractional and negative instants by falling back to a comparison sort', () => {
    const items = [{ id: 'x', time: 1.5 }, { id: 'y', time: -3 }, { id: 'z', time: 2.25 }, { id: 'w', time: 1.5 }];
    expect(sortNewestFirst(items).map((i) => i.id)).toEqual(['z', 'x', 'w', 'y']);
  });

  it('returns a copy, leaving the input untouched', () => {
    const items = [{ time: 1 }, { time: 2 }];
    const sorted = sortNewestFirst(items);
    expect(sorted).not.toBe(items);
    expect(items).toEqual([{ time: 1 }, { time: 2 }]);
  });
});
