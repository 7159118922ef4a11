// Builders for snapshot lists in tests: readable ISO strings in, engine snapshots out.
import type { RetentionSnapshot } from '../../shared/retention/apply-policy.js';
import { parseDuration, type Duration } from '../../shared/retention/duration.js';

export function snap(id: string, iso: string, tags: readonly string[] = []): RetentionSnapshot {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new Error(`bad test time ${iso}`);
  return { id, time, tags };
}

export function dur(text: string): Duration {
  const d = parseDuration(text);
  if (typeof d === 'string') throw new Error(d);
  return d;
}

/** One snapshot a day at the given JST wall time, from `first` to `last` (YYYY-MM-DD, inclusive). */
export function dailyJst(first: string, last: string, at = '02:00'): RetentionSnapshot[] {
  const out: RetentionSnapshot[] = [];
  for (let t = Date.parse(`${first}T${at}:00+09:00`); t <= Date.parse(`${last}T${at}:00+09:00`); t += 86_400_000) {
    const local = new Date(t + 9 * 3_600_000).toISOString().slice(0, 10);
    out.push({ id: local, time: t, tags: [] });
  }
  return out;
}
