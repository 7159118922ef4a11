// The verdict on a restored cache: its observation against the manifest of the snapshot it came from and
// the policy's tolerances (README, "Redis: proving the data"). Pure. Each check passes, fails naming
// what differs, or is inconclusive when there was nothing it could judge.

import type { CacheValidation } from '../policy/schema.js';
import type { CheckStatus, KeyObservation, RedisCheck, RedisManifest, RedisVerdict, RestoreObservation, SampledKey } from './types.js';

/** How far two absolute expiries may be apart and still be the same: PEXPIRETIME is exact, the PTTL fallback is not. */
export const EXPIRY_SLACK_MS = 2_000;
/** Differences named in a check's detail; the rest are counted. */
const NAMED = 5;

type Tolerances = Pick<CacheValidation, 'keyCountTolerance' | 'sampleTolerance' | 'assertions'>;

export function judgeRedisRestore(manifest: RedisManifest, observed: RestoreObservation, validation: Tolerances): RedisVerdict {
  if (observed.reachable !== true) {
    const check: RedisCheck = { name: 'connectivity', status: 'fail', detail: `the restored cache did not answer PING: ${observed.reachable.error}` };
    return { outcome: 'fail', checks: [check] };
  }
  const checks: RedisCheck[] = [
    { name: 'connectivity', status: 'pass', detail: 'the restored cache answered PING' },
    keyCounts(manifest, observed, validation.keyCountTolerance),
    sampledKeys(manifest, observed, validation.sampleTolerance),
    requiredKeys(manifest, observed),
    assertions(observed, validation.assertions),
  ];
  return { outcome: outcomeOf(checks.map((c) => c.status)), checks };
}

export function outcomeOf(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.includes('fail')) return 'fail';
  return statuses.includes('inconclusive') ? 'inconclusive' : 'pass';
}

function keyCounts(manifest: RedisManifest, observed: RestoreObservation, tolerance: number): RedisCheck {
  const databases = [...new Set([...Object.keys(manifest.databases), ...Object.keys(observed.keyCounts)])].sort((a, b) => Number(a) - Number(b));
  const wrong: string[] = [];
  let total = 0;
  for (const database of databases) {
    const captured = manifest.databases[database]?.keys ?? 0;
    const restored = observed.keyCounts[database] ?? 0;
    total += restored;
    const allowed = Math.ceil(tolerance * captured);
    // Keys whose expiry has passed are gone from any restore (an RDB keeps absolute expiries): as many as
    // the share of the sampled keys that have expired, of the keys captured, may be missing besides.
    const expired = expiredSince(manifest.databases[database]?.sample ?? [], observed.observedAt, captured);
    if (restored > captured + allowed || restored < captured - allowed - expired) {
      wrong.push(`db${database} captured ${captured}, restored ${restored} (± ${allowed} allowed${expired > 0 ? `, and ${expired} expired since` : ''})`);
    }
  }
  if (wrong.length > 0) return { name: 'key-counts', status: 'fail', detail: `${wrong.length} of ${databases.length} databases differ from the counts captured at ${manifest.capturedAt}: ${named(wrong)}` };
  return { name: 'key-counts', status: 'pass', detail: `${databases.length} databases, ${total} keys, within ${formatShare(tolerance)} of the counts captured at ${manifest.capturedAt}` };
}

/** How many of `captured` keys have expired by `at`, estimated from the sample (rounded up). */
function expiredSince(sample: readonly SampledKey[], at: number, captured: number): number {
  if (sample.length === 0) return 0;
  const gone = sample.filter((key) => key.expireAt !== null && key.expireAt <= at).length;
  return Math.ceil((gone / sample.length) * captured);
}

function sampledKeys(manifest: RedisManifest, observed: RestoreObservation, tolerance: number): RedisCheck {
  const differing: string[] = [];
  let judged = 0;
  let expired = 0;
  for (const [database, captured] of Object.entries(manifest.databases)) {
    for (const key of captured.sample) {
      // The RDB keeps absolute expiries: a key whose time has come is gone from any restore, rightly.
      if (key.expireAt !== null && key.expireAt <= observed.observedAt) {
        expired += 1;
        continue;
      }
      judged += 1;
      const found = observed.sampled[database]?.[key.key];
      const difference = found === undefined ? 'not read' : differenceOf(key, found);
      if (difference !== null) differing.push(`db${database} ${label(key)}: ${difference}`);
    }
  }
  const expiredNote = expired === 0 ? '' : ` (${expired} more expired since, as they should)`;
  if (judged === 0) {
    const sampled = Object.values(manifest.databases).reduce((n, d) => n + d.sample.length, 0);
    if (sampled === 0) return { name: 'sampled-keys', status: 'pass', detail: 'no keys to sample: the cache was empty when the manifest was captured' };
    return { name: 'sampled-keys', status: 'inconclusive', detail: `none of the ${sampled} sampled keys could be judged: all have expired since the capture` };
  }
  const share = differing.length / judged;
  const summary = `${differing.length} of ${judged} sampled keys missing or different${expiredNote}`;
  if (share > tolerance) return { name: 'sampled-keys', status: 'fail', detail: `${summary}, over the ${formatShare(tolerance)} allowed: ${named(differing)}` };
  return { name: 'sampled-keys', status: 'pass', detail: differing.length === 0 ? `${judged} sampled keys: same type, expiry, size and value${expiredNote}` : `${summary}, within the ${formatShare(tolerance)} allowed: ${named(differing)}` };
}

/** What differs between a sampled key as captured and as restored, or null. */
export function differenceOf(captured: SampledKey, restored: KeyObservation): string | null {
  if (restored.type === 'none') return 'missing';
  if (restored.type !== captured.type) return `type ${captured.type} became ${restored.type}`;
  if (captured.expireAt === null && restored.expireAt !== null) return `gained an expiry (${new Date(restored.expireAt).toISOString()})`;
  if (captured.expireAt !== null && restored.expireAt === null) return `lost its expiry (${new Date(captured.expireAt).toISOString()})`;
  if (captured.expireAt !== null && restored.expireAt !== null && Math.abs(captured.expireAt - restored.expireAt) > EXPIRY_SLACK_MS) {
    return `expiry moved from ${new Date(captured.expireAt).toISOString()} to ${new Date(restored.expireAt).toISOString()}`;
  }
  if (captured.size !== restored.size) return `size ${String(captured.size)} became ${String(restored.size)}`;
  if (captured.hash !== restored.hash) return 'value differs';
  return null;
}

function requiredKeys(manifest: RedisManifest, observed: RestoreObservation): RedisCheck {
  if (observed.requiredKeys.length === 0) return { name: 'required-keys', status: 'pass', detail: 'the policy names no required keys' };
  const missing = observed.requiredKeys.filter((k) => !k.present).map((k) => {
    const atCapture = manifest.requiredKeys.find((m) => m.database === k.database && m.key === k.key);
    return `db${k.database} ${k.key}${atCapture?.present === false ? ' (absent already when the snapshot was taken)' : ''}`;
  });
  if (missing.length > 0) return { name: 'required-keys', status: 'fail', detail: `${missing.length} of ${observed.requiredKeys.length} required keys missing: ${named(missing)}` };
  return { name: 'required-keys', status: 'pass', detail: `all ${observed.requiredKeys.length} required keys present` };
}

function assertions(observed: RestoreObservation, expected: Tolerances['assertions']): RedisCheck {
  if (expected.length === 0) return { name: 'assertions', status: 'pass', detail: 'the policy names no assertions' };
  const failed: string[] = [];
  for (const assertion of expected) {
    const result = observed.assertions.find((a) => a.name === assertion.name);
    if (result === undefined) failed.push(`"${assertion.name}": not run`);
    else if (result.error !== undefined) failed.push(`"${assertion.name}": ${assertion.command.join(' ')} failed: ${result.error}`);
    else if (!sameReply(result.reply, assertion.expect)) failed.push(`"${assertion.name}": expected ${JSON.stringify(assertion.expect)}, got ${JSON.stringify(result.reply)}`);
  }
  if (failed.length > 0) return { name: 'assertions', status: 'fail', detail: `${failed.length} of ${expected.length} assertions failed: ${named(failed)}` };
  return { name: 'assertions', status: 'pass', detail: `all ${expected.length} assertions hold` };
}

/** Replies compare as redis-cli shows them: 42 and "42" are the same answer; null only equals null. */
function sameReply(reply: string | number | null, expect: string | number | null): boolean {
  if (reply === null || expect === null) return reply === expect;
  return String(reply) === String(expect);
}

const label = (key: Pick<SampledKey, 'key' | 'encoding'>) => (key.encoding === 'base64' ? `(base64) ${key.key}` : JSON.stringify(key.key));
const named = (items: readonly string[]) => (items.length <= NAMED ? items.join('; ') : `${items.slice(0, NAMED).join('; ')}; …`);
const formatShare = (share: number) => `${Number((share * 100).toFixed(2))} %`;
