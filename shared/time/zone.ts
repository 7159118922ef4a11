// Wall-clock arithmetic in an IANA time zone without a date library.
// Offsets come from Intl once per UTC day, at its start: a day that starts with the offset the next day
// starts with keeps it all day (no zone changes twice within a UTC day, nor in its last minute: checked
// for every zone, 1700–2200); a day whose starts differ asks Intl at each instant. So converting a
// million instants costs a few Map look-ups each rather than a million Intl calls.

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** Calendar fields of an instant as a clock in the zone shows them (month 1–12). */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

interface ZoneOffsets {
  /** Per UTC day number: the zone's offset (ms east of UTC) at the day's start. */
  readonly atStart: Map<number, number>;
  /** Per UTC day number: the offset when it is the same all day; null when it changes that day. */
  readonly uniform: Map<number, number | null>;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCaches = new Map<string, ZoneOffsets>();

/** True when the runtime knows the IANA zone name (e.g. "Asia/Tokyo"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A formatter that prints only the date and the zone's offset, e.g. "11/25/2026, GMT+09:00" ("GMT" for zero). */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's UTC offset in ms at an instant, straight from Intl (slow path): read from the offset it
 * prints, "GMT+09:00" or, with seconds, "GMT+09:18:59" (a local mean time). Parsing that one field is
 * several times quicker than formatting every calendar field to parts and subtracting.
 */
function intlOffset(instant: number, timeZone: string): number {
  const text = formatterFor(timeZone).format(instant);
  const at = text.lastIndexOf('GMT') + 3;
  if (at === text.length) return 0;
  const sign = text.charCodeAt(at) === 43 ? 1 : -1; // "+", else "-" (or U+2212)
  const field = (from: number): number => (from < text.length ? Number(text.slice(from, from + 2)) : 0);
  return sign * (field(at + 1) * 3_600_000 + field(at + 4) * MS_PER_MINUTE + field(at + 7) * 1000);
}

function offsetAtDayStart(zone: ZoneOffsets, dayNumber: number, timeZone: string): number {
  let offset = zone.atStart.get(dayNumber);
  if (offset === undefined) {
    offset = intlOffset(dayNumber * MS_PER_DAY, timeZone);
    zone.atStart.set(dayNumber, offset);
  }
  return offset;
}

/** The zone's UTC offset in ms at an instant. */
export function offsetAt(instant: number, timeZone: string): number {
  let zone = offsetCaches.get(timeZone);
  if (zone === undefined) {
    zone = { atStart: new Map(), uniform: new Map() };
    offsetCaches.set(timeZone, zone);
  }
  const dayNumber = Math.floor(instant / MS_PER_DAY);
  let uniform = zone.uniform.get(dayNumber);
  if (uniform === undefined) {
    const atStart = offsetAtDayStart(zone, dayNumber, timeZone);
    uniform = atStart === offsetAtDayStart(zone, dayNumber + 1, timeZone) ? atStart : null;
    zone.uniform.set(dayNumber, uniform);
  }
  return uniform ?? intlOffset(instant, timeZone);
}

/** The wall-clock fields of an instant in the zone. */
export function wallTime(instant: number, timeZone: string): WallTime {
  const shifted = new Date(instant + offsetAt(instant, timeZone));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    millisecond: shifted.getUTCMilliseconds(),
  };
}

type WallFields = Pick<WallTime, 'year' | 'month' | 'day'> & Partial<WallTime>;

/**
 * Every instant at which the zone's clock shows a wall time, ascending: one as a rule, none when a DST
 * gap skips it (02:30 on a spring-forward night), two when a fall-back repeats it. Out-of-range fields
 * normalise the way Go's time.Date does (March 31 minus one month is "February 31", i.e. March 3).
 * Exact whatever the sign of the zone's offset: both offsets around a change are tried and kept only
 * when they read back as the same wall time (at most one offset change within a day either side).
 */
export function wallInstants(fields: WallFields, timeZone: string): number[] {
  const wallAsUtc = utcFromFields(fields);
  const before = offsetAt(wallAsUtc - MS_PER_DAY, timeZone);
  const after = offsetAt(wallAsUtc + MS_PER_DAY, timeZone);
  if (before === after && offsetAt(wallAsUtc - before, timeZone) === before) return [wallAsUtc - before];
  const found = new Set<number>();
  for (const offset of [before, offsetAt(wallAsUtc, timeZone), after]) {
    const instant = wallAsUtc - offset;
    if (offsetAt(instant, timeZone) === offset) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The instant a wall-clock time names in the zone, for calendar arithmetic (retention cut-offs, bucket
 * edges), resolved the same way in every zone, as RFC 5545 and Temporal's "compatible" do: a repeated
 * wall time is its first pass; a wall time a DST gap skips is read with the offset in force before the
 * gap, which lands as far past the gap's start as the wall time is (02:30 → 03:30 on a one-hour gap).
 * Schedules use wallInstants instead: EventBridge Scheduler skips a wall time in a gap.
 */
export function instantFromWall(fields: WallFields, timeZone: string): number {
  const instants = wallInstants(fields, timeZone);
  if (instants.length > 0) return instants[0] as number;
  const wallAsUtc = utcFromFields(fields);
  return wallAsUtc - offsetAt(wallAsUtc - MS_PER_DAY, timeZone);
}

/** Wall fields read as UTC. Date.UTC reads years 0–99 as 1900–1999 (year 1 would become 1901): not for those. */
function utcFromFields(fields: WallFields): number {
  if (fields.year >= 100 || fields.year < 0) {
    return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, fields.millisecond ?? 0);
  }
  const date = new Date(0);
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  date.setUTCHours(fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, fields.millisecond ?? 0);
  return date.getTime();
}

/** ISO-8601 week-numbering year and week (1–53) of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = utcFromFields({ year, month, day });
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = date + (3 - weekday) * MS_PER_DAY;
  const weekYear = new Date(thursday).getUTCFullYear();
  const firstThursdayOrdinal = Math.floor((thursday - utcFromFields({ year: weekYear, month: 1, day: 1 })) / MS_PER_DAY);
  return { year: weekYear, week: Math.floor(firstThursdayOrdinal / 7) + 1 };
}

/** The calendar date of a day number (days since 1970-01-01), without allocating a Date. */
export function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  // Howard Hinnant's days_from_civil inverse, exact for the proleptic Gregorian calendar.
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Days since 1970-01-01 of a calendar date (month 1–12), without a Date: the inverse of civilFromDays. */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil: years start in March, so the leap day ends a year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Day of week of a calendar date, 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(utcFromFields({ year, month, day })).getUTCDay();
}

/** Number of days in a month (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(utcFromFields({ year, month: month + 1, day: 0 })).getUTCDate();
}

/** "2024-12-30 23:59" style local rendering for tables and messages. */
export function formatWall(instant: number, timeZone: string, withSeconds = false): string {
  const w = wallTime(instant, timeZone);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
  return withSeconds ? `${base}:${pad(w.second)}` : base;
}

/** ISO-8601 with the zone's offset, e.g. "2026-11-25T02:00:00+09:00". */
export function formatIsoInZone(instant: number, timeZone: string): string {
  const offset = offsetAt(instant, timeZone);
  const w = wallTime(instant, timeZone);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / MS_PER_MINUTE;
  const ms = w.millisecond === 0 ? '' : `.${pad(w.millisecond, 3)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${ms}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export const MS = { minute: MS_PER_MINUTE, hour: MS_PER_HOUR, day: MS_PER_DAY } as const;
