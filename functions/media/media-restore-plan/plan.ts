// Plans a point-in-time restore of a prefix, pure: checks the request (by schema, then against the
// policy: a media bucket it protects, a time in the past), names the run, and starts the walk. Dry run
// unless the request says `"dryRun": false`.

import * as z from 'zod/mini';
import { mediaRestoreListingPrefix } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import { emptySummary } from '../../../shared/media/point-in-time.js';
import { durationDays } from '../../../shared/retention/duration.js';
import type { MediaRestoreRun } from '../../../shared/media/restore-run.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { isoInstant, nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { wallTime } from '../../../shared/time/zone.js';

export const executionInput = strictInput({
  resource: nonEmptyString,
  prefix: z.string({ error: 'must be a key prefix ("" for the whole bucket)' }),
  at: isoInstant,
  dryRun: z.optional(z.boolean({ error: 'must be true or false' })),
});

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function planMediaRestore(policy: Policy, raw: z.output<typeof executionInput>, now: number): MediaRestoreRun {
  const bucket = policy.resources.buckets.find((b) => b.name === raw.resource);
  if (bucket === undefined) {
    throw new InvalidInput('resource', `no media bucket "${raw.resource}" in the policy (known: ${policy.resources.buckets.map((b) => b.name).join(', ') || 'none'})`);
  }
  if (raw.at > now) throw new InvalidInput('at', `${new Date(raw.at).toISOString()} is in the future: a prefix is restored to a time that has passed`);
  // Versions replaced longer ago than the bucket keeps them are gone: a restore to before then would read
  // objects that existed as absent and hide them under delete markers.
  const kept = bucket.lifecycle.noncurrentExpireAfter;
  if (kept !== undefined && raw.at < now - durationDays(kept) * 86_400_000) {
    throw new InvalidInput('at', `${new Date(raw.at).toISOString()} is older than ${bucket.name} keeps replaced versions (lifecycle.noncurrentExpireAfter: ${durationDays(kept)} days)`);
  }
  const w = wallTime(now, policy.timezone);
  const runId = `mr-${bucket.name}-${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}-${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
  return {
    runId,
    resource: bucket.name,
    source: { bucket: bucket.bucket, region: policy.regions.primary },
    replica: { bucket: bucket.replicaBucket, region: policy.regions.secondary },
    prefix: raw.prefix,
    at: raw.at,
    dryRun: raw.dryRun ?? true,
    plannedAt: now,
    pass: 1,
    marker: null,
    page: 0,
    summary: emptySummary(),
    waiting: 0,
    failed: 0,
    listingPrefix: mediaRestoreListingPrefix(bucket.name, runId),
  };
}
