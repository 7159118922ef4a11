// A second, deliberately plain implementation of the retention rules README describes (restic's
// `forget` in a time zone), for differential tests of shared/retention/apply-policy.ts. It shares no
// code with the engine: wall clocks come straight from Intl, durations are subtracted with Date.UTC's
// overflow (as Go's AddDate normalises), weeks are counted from their Thursday, and every snapshot is
// looked at as simply as possible — slow, and meant to be.

export interface RefDuration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
}

export interface RefRules {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
  readonly within?: RefDuration;
  readonly withinHourly?: RefDuration;
  readonly withinDaily?: RefDuration;
  readonly withinWeekly?: RefDuration;
  readonly withinMonthly?: RefDuration;
  readonly withinYearly?: RefDuration;
  readonly tags?: readonly (readonly string[])[];
}

interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of an instant in a zone, as Intl prints it. */
export function wallOf(t: number, zone: string): Wall {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), ms: ((t % 1000) + 1000) % 1000 };
}

const asUtc = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
const sameWall = (a: Wall, b: Wall) => asUtc(a) === asUtc(b);

/**
 * The instant a wall time names (fields may overflow: "02-31" is March 3): its first pass when the
 * clock shows it twice; when a DST gap skips it, the reading with the offset from before the gap.
 */
export function instantOf(w: Wall, zone: string): number {
  const naive = asUtc(w);
  const normal = wallOf(naive, 'UTC');
  const offsetNear = (t: number) => asUtc(wallOf(t, zone)) - t;
  const candidates = [offsetNear(naive - DAY), offsetNear(naive), offsetNear(naive + DAY)].map((offset) => naive - offset);
  const matching = candidates.filter((t) => sameWall(wallOf(t, zone), normal)).sort((a, b) => a - b);
  return matching[0] ?? naive - offsetNear(naive - DAY);
}

/** t − d: years, months and days on the zone's calendar, then hours as elapsed time. */
export function minus(t: number, d: RefDuration, zone: string): number {
  if (d.years === 0 && d.months === 0 && d.days === 0) return t - d.hours * HOUR;
  const w = wallOf(t, zone);
  return instantOf({ ...w, year: w.year - d.years, month: w.month - d.months, day: w.day - d.days }, zone) - d.hours * HOUR;
}

export function label(d: RefDuration): string {
  const text = `${d.years ? `${d.years}y` : ''}${d.months ? `${d.months}m` : ''}${d.days ? `${d.days}d` : ''}${d.hours ? `${d.hours}h` : ''}`;
  return text === '' ? '0h' : text;
}

const isZero = (d: RefDuration | undefined) => d === undefined || (d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0);

function isoWeekOf(w: Wall): string {
  const midnight = Date.UTC(w.year, w.month - 1, w.day);
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(midnight + (3 - weekday) * DAY);
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(thursday.getUTCFullYear(), 0, 1)) / (7 * DAY));
  return `${thursday.getUTCFullYear()}W${week}`;
}

type Unit = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
function bucket(t: number, unit: Unit, zone: string): string {
  const w = wallOf(t, zone);
  switch (unit) {
    case 'hourly':
      return `${w.year}-${w.month}-${w.day} ${w.hour}`;
    case 'daily':
      return `${w.year}-${w.month}-${w.day}`;
    case 'weekly':
      return isoWeekOf(w);
    case 'monthly':
      return `${w.year}-${w.month}`;
    case 'yearly':
      return `${w.year}`;
  }
}

const COUNTS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
const WITHINS = [
  ['withinHourly', 'hourly'],
  ['withinDaily', 'daily'],
  ['withinWeekly', 'weekly'],
  ['withinMonthly', 'monthly'],
  ['withinYearly', 'yearly'],
] as const;

/** Every snapshot, newest first (equal instants in input order), with the reasons the rules keep it for. */
export function referencePolicy<S extends { readonly id: string; readonly time: number; readonly tags?: readonly string[] }>(
  snapshots: readonly S[],
  rules: RefRules,
  now: number,
  zone: string,
): { snapshot: S; reasons: string[] }[] {
  const list = snapshots.map((s, i) => ({ s, i })).sort((a, b) => b.s.time - a.s.time || a.i - b.i).map((e) => e.s);
  const latest = list.find((s) => s.time < now)?.time;
  const cutoff = (d: RefDuration) => (latest === undefined ? -Infinity : minus(latest, d, zone));
  const out = list.map((snapshot) => ({ snapshot, reasons: [] as string[] }));
  const oldestIndex = list.length - 1;

  // Tags and `within`, snapshot by snapshot.
  for (const entry of out) {
    for (const wanted of rules.tags ?? []) if (wanted.every((tag) => (entry.snapshot.tags ?? []).includes(tag))) entry.reasons.push(`has tags [${wanted.join(', ')}]`);
    if (!isZero(rules.within) && entry.snapshot.time > cutoff(rules.within as RefDuration)) entry.reasons.push(`within ${label(rules.within as RefDuration)}`);
  }
  // Each count rule walks the whole list on its own: a new bucket, while budget lasts; the oldest too.
  const countReasons = out.map(() => [] as string[]);
  for (const rule of COUNTS) {
    const count = rules[rule] ?? 0;
    if (count === 0) continue;
    let left = count;
    let previous: string | undefined;
    out.forEach((entry, i) => {
      if (left === 0) return;
      const key = rule === 'last' ? String(i) : bucket(entry.snapshot.time, rule, zone);
      const name = rule === 'last' ? 'last snapshot' : `${rule} snapshot`;
      if (key !== previous) countReasons[i]!.push(name);
      else if (i === oldestIndex) countReasons[i]!.push(`oldest ${name}`);
      else return;
      previous = key;
      if (left > 0) left -= 1;
    });
  }
  // Each within-rule: the newest of each bucket newer than its cut-off; the oldest too, if newer.
  const withinReasons = out.map(() => [] as string[]);
  for (const [rule, unit] of WITHINS) {
    const d = rules[rule];
    if (d === undefined || isZero(d)) continue;
    const limit = cutoff(d);
    let previous: string | undefined;
    out.forEach((entry, i) => {
      if (entry.snapshot.time <= limit) return;
      const key = bucket(entry.snapshot.time, unit, zone);
      if (key !== previous) withinReasons[i]!.push(`${unit} within ${label(d)}`);
      else if (i === oldestIndex) withinReasons[i]!.push(`oldest ${unit} within ${label(d)}`);
      else return;
      previous = key;
    });
  }
  out.forEach((entry, i) => entry.reasons.push(...countReasons[i]!, ...withinReasons[i]!));
  return out;
}
