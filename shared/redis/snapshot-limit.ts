// ElastiCache takes at most 20 manual snapshots per node in any 24 hours; a schedule that asks for more
// fails on the 21st every day. `policy check` and packaging refuse such a schedule (shared/policy/summary.ts),
// counting its runs in every 24-hour window over a whole year, so every daylight-saving change of the zone
// is in it.

import { occurrencesAfter, parseScheduleExpression } from '../schedule/expression.js';

/** ElastiCache's limit: manual snapshots per node per 24 hours. */
export const SNAPSHOTS_PER_NODE_PER_DAY = 20;

const DAY_MS = 86_400_000;
/** A fixed year to count over: the answer must not depend on when the policy is read. */
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2027, 0, 1);

/**
 * The most runs of `expression` within any 24 hours of the year counted, stopping as soon as it passes
 * `stopAbove` (a schedule of every minute is refused without walking half a million runs).
 */
export function maxRunsPerDay(expression: string, timeZone: string, stopAbove = SNAPSHOTS_PER_NODE_PER_DAY): number {
  const schedule = parseScheduleExpression(expression);
  const window: number[] = [];
  let most = 0;
  for (const run of occurrencesAfter(schedule, timeZone, FROM)) {
    if (run > TO) break;
    window.push(run);
    while (window[0]! <= run - DAY_MS) window.shift();
    most = Math.max(most, window.length);
    if (most > stopAbove) break;
  }
  return most;
}
