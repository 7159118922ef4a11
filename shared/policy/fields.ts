// Schema pieces used by the policy file and the retention preview's policy: durations, counts, time
// zones, regions, retention rules. Every refinement's message is read next to its field path.

import { z } from 'zod';
import { parseDuration, type Duration } from '../retention/duration.js';
import { isValidTimeZone } from '../time/zone.js';

/** Regions the service knows (commercial AWS partition). */
export const AWS_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
  'ap-southeast-5', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
  'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1',
  'us-west-2',
] as const;

export const region = z.string().refine((value) => (AWS_REGIONS as readonly string[]).includes(value), {
  error: (issue) => `unknown AWS region ${JSON.stringify(issue.input)}`,
});

export const timeZone = z.string().refine(isValidTimeZone, {
  error: (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)} (e.g. "Asia/Tokyo")`,
});

/** A retention duration: number+unit pairs with y, m (months), w, d, h. */
export const retentionDuration = z.string().transform((text, ctx): Duration => {
  const parsed = parseDuration(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** A count rule: a whole number of buckets, 0 = off, -1 = unlimited. */
export const keepCount = z
  .number({ error: 'must be a whole number (N buckets, or -1 for unlimited)' })
  .int({ error: 'must be a whole number (N buckets, or -1 for unlimited)' })
  .min(-1, { error: 'must not be negative (use -1 for unlimited)' })
  .max(1_000_000);

export const keepRules = z.strictObject({
  last: keepCount.optional(),
  hourly: keepCount.optional(),
  daily: keepCount.optional(),
  weekly: keepCount.optional(),
  monthly: keepCount.optional(),
  yearly: keepCount.optional(),
  within: retentionDuration.optional(),
  withinHourly: retentionDuration.optional(),
  withinDaily: retentionDuration.optional(),
  withinWeekly: retentionDuration.optional(),
  withinMonthly: retentionDuration.optional(),
  withinYearly: retentionDuration.optional(),
  tags: z.array(z.array(z.string().min(1)).min(1, { error: 'a tag list must name at least one tag' })).optional(),
});

export const complianceFloor = z.strictObject({
  hourly: retentionDuration.optional(),
  daily: retentionDuration.optional(),
  weekly: retentionDuration.optional(),
  monthly: retentionDuration.optional(),
  yearly: retentionDuration.optional(),
});

const OBJECTIVE_UNITS = { s: 1_000, sec: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a recovery objective such as "15min", "2h", "30min", "0s" into milliseconds. */
export function parseObjective(text: string): number | string {
  const match = /^(\d+)(s|sec|min|h|d)$/.exec(text.trim());
  if (match === null) return `"${text}" is not a recovery objective: use a number with s, min, h or d (e.g. "15min", "2h")`;
  const [, digits, unit] = match as unknown as [string, string, keyof typeof OBJECTIVE_UNITS];
  return Number(digits) * OBJECTIVE_UNITS[unit];
}

export const objectiveDuration = z.string().transform((text, ctx): number => {
  const parsed = parseObjective(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** Renders a zod error as "path.to[0].field: message" lines. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>((text, key) => {
        if (typeof key === 'number') return `${text}[${key}]`;
        return text === '' ? String(key) : `${text}.${String(key)}`;
      }, prefix);
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') {
        message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      }
      return path === '' ? message : `${path}: ${message}`;
    })
    .join('\n');
}
