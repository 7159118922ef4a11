// The verdict on a restored cache, decided from a manifest and an observation alone: tolerances at their
// boundaries, expiries, an empty cache, required keys absent already at capture, assertion replies.

import { describe, expect, it } from 'vitest';
import type { CacheValidation } from '../../shared/policy/schema.js';
import { differenceOf, EXPIRY_SLACK_MS, judgeRedisRestore } from '../../shared/redis/restore-verdict.js';
import type { KeyObservation, RedisManifest, RestoreObservation, SampledKey } from '../../shared/redis/types.js';

const CAPTURED = '2026-11-25T06:00:00.000Z';
const NOW = Date.parse('2026-11-25T09:00:00Z');
const TOLERANCES: Pick<CacheValidation, 'keyCountTolerance' | 'sampleTolerance' | 'assertions'> = { keyCountTolerance: 0.01, sampleTolerance: 0.1, assertions: [] };

const key = (name: string, over: Partial<SampledKey> = {}): SampledKey => ({ key: name, type: 'string', expireAt: null, size: 3, hash: `h-${name}`, ...over });
const same = (k: SampledKey): KeyObservation => ({ type: k.type, expireAt: k.expireAt, size: k.size, hash: k.hash });

function manifest(sample: SampledKey[], keys = 1000, extra: Partial<RedisManifest> = {}): RedisManifest {
  return {
    format: 'backup-dr/redis-manifest@1',
    cache: 'app-redis',
    replicationGroupId: 'app-redis-prod',
    snapshotId: 'backup-dr-app-redis-20261125-0600',
    capturedAt: CAPTURED,
    completedAt: CAPTURED,
    engine: { name: 'redis', version: '7.1.0' },
    databases: { '0': { keys, expires: 0, sample } },
    requiredKeys: [],
    sampleKeys: sample.length,
    maxElements: 10_000,
    ...extra,
  };
}

function observed(m: RedisManifest, over: Partial<RestoreObservation> = {}, change: (k: SampledKey) => KeyObservation = same): RestoreObservation {
  return {
    reachable: true,
    observedAt: NOW,
    keyCounts: Object.fromEntries(Object.entries(m.databases).map(([db, d]) => [db, d.keys])),
    sampled: Object.fromEntries(Object.entries(m.databases).map(([db, d]) => [db, Object.fromEntries(d.sample.map((k) => [k.key, change(k)]))])),
    requiredKeys: [],
    assertions: [],
    ...over,
  };
}

const check = (m: RedisManifest, o: RestoreObservation, name: string, tolerances = TOLERANCES) => judgeRedisRestore(m, o, tolerances).checks.find((c) => c.name === name);
const ten = Array.from({ length: 10 }, (_, i) => key(`k${i}`));

describe('judgeRedisRestore', () => {
  it('allows a key count within ceil(tolerance × captured), and not one more', () => {
    const m = manifest(ten, 1000);
    expect(check(m, observed(m, { keyCounts: { '0': 990 } }), 'key-counts')!.status).toBe('pass');
    expect(check(m, observed(m, { keyCounts: { '0': 1010 } }), 'key-counts')!.status).toBe('pass');
    expect(check(m, observed(m, { keyCounts: { '0': 989 } }), 'key-counts')).toMatchObject({ status: 'fail', detail: `1 of 1 databases differ from the counts captured at ${CAPTURED}: db0 captured 1000, restored 989 (± 10 allowed)` });
    expect(check(m, observed(m, { keyCounts: { '0': 1 } }), 'key-counts', { ...TOLERANCES, keyCountTolerance: 1 })!.status).toBe('pass');
  });

  it('fails key-counts for a database the restore lacks, or one only the restore has', () => {
    const m = manifest(ten, 1000);
    expect(check(m, observed(m, { keyCounts: {} }), 'key-counts')!.detail).toContain('db0 captured 1000, restored 0 (± 10 allowed)');
    expect(check(m, observed(m, { keyCounts: { '0': 1000, '5': 3 } }), 'key-counts')!.detail).toContain('db5 captured 0, restored 3 (± 0 allowed)');
  });

  it('passes sampled-keys at exactly the tolerated share, fails one key beyond', () => {
    const m = manifest(ten);
    const changeFirst = (n: number) => (k: SampledKey) => (Number(k.key.slice(1)) < n ? { ...same(k), hash: 'other' } : same(k));
    expect(check(m, observed(m, {}, changeFirst(1)), 'sampled-keys')).toMatchObject({ status: 'pass', detail: '1 of 10 sampled keys missing or different, within the 10 % allowed: db0 "k0": value differs' });
    expect(check(m, observed(m, {}, changeFirst(2)), 'sampled-keys')).toMatchObject({ status: 'fail', detail: '2 of 10 sampled keys missing or different, over the 10 % allowed: db0 "k0": value differs; db0 "k1": value differs' });
  });

  it('names five differences and counts the rest', () => {
    const m = manifest(ten);
    const detail = check(m, observed(m, {}, (k) => ({ ...same(k), type: 'none' })), 'sampled-keys')!.detail;
    expect(detail).toBe('10 of 10 sampled keys missing or different, over the 10 % allowed: db0 "k0": missing; db0 "k1": missing; db0 "k2": missing; db0 "k3": missing; db0 "k4": missing; …');
  });

  it('does not expect keys whose absolute expiry has passed, and is inconclusive when every sampled key has expired', () => {
    const expiring = [key('a', { expireAt: NOW - 1 }), key('b', { expireAt: NOW }), key('c', { expireAt: NOW + 1 })];
    const m = manifest(expiring);
    const o = observed(m, {}, (k) => (k.key === 'c' ? same(k) : { type: 'none', expireAt: null, size: null, hash: null }));
    expect(check(m, o, 'sampled-keys')).toMatchObject({ status: 'pass', detail: '1 sampled keys: same type, expiry, size and value (2 more expired since, as they should)' });
    const gone = manifest([key('a', { expireAt: NOW - 5 })]);
    expect(check(gone, observed(gone), 'sampled-keys')).toMatchObject({ status: 'inconclusive', detail: 'none of the 1 sampled keys could be judged: all have expired since the capture' });
    expect(judgeRedisRestore(gone, observed(gone), TOLERANCES).outcome).toBe('inconclusive');
  });

  it('passes an empty cache restored empty', () => {
    const m = manifest([], 0, { databases: {} });
    const verdict = judgeRedisRestore(m, observed(m), TOLERANCES);
    expect(verdict.outcome).toBe('pass');
    expect(verdict.checks.find((c) => c.name === 'sampled-keys')!.detail).toBe('no keys to sample: the cache was empty when the manifest was captured');
  });

  it('fails a sampled key that was not read at all (an observation that skipped it)', () => {
    const m = manifest([key('a')]);
    expect(check(m, observed(m, { sampled: { '0': {} } }), 'sampled-keys', { ...TOLERANCES, sampleTolerance: 0 })!.detail).toContain('db0 "a": not read');
  });

  it('shows a base64 key as such', () => {
    const m = manifest([key('YmluAP8=', { encoding: 'base64' })]);
    expect(check(m, observed(m, {}, (k) => ({ ...same(k), size: 4 })), 'sampled-keys', { ...TOLERANCES, sampleTolerance: 0 })!.detail).toContain('db0 (base64) YmluAP8=: size 3 became 4');
  });

  it('fails a required key absent at capture too, and says so', () => {
    const m = manifest(ten, 1000, { requiredKeys: [{ database: 2, key: 'cfg', present: false }] });
    const o = observed(m, { requiredKeys: [{ database: 2, key: 'cfg', present: false }] });
    expect(check(m, o, 'required-keys')).toEqual({ name: 'required-keys', status: 'fail', detail: '1 of 1 required keys missing: db2 cfg (absent already when the snapshot was taken)' });
  });

  it('compares assertion replies as redis-cli shows them: 42 and "42" agree, null only with null, errors fail', () => {
    const m = manifest(ten);
    const assertions = [
      { name: 'n', command: ['DBSIZE'], expect: '42', database: 0 },
      { name: 's', command: ['GET', 'x'], expect: 42, database: 0 },
      { name: 'null', command: ['GET', 'y'], expect: null, database: 0 },
    ];
    const replies = [
      { name: 'n', reply: 42 },
      { name: 's', reply: '42' },
      { name: 'null', reply: null },
    ];
    expect(check(m, observed(m, { assertions: replies }), 'assertions', { ...TOLERANCES, assertions })).toEqual({ name: 'assertions', status: 'pass', detail: 'all 3 assertions hold' });
    const wrong = [{ name: 'n', reply: 'null' }, { name: 's', reply: null, error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }];
    expect(check(m, observed(m, { assertions: wrong }), 'assertions', { ...TOLERANCES, assertions })!.detail).toBe(
      '3 of 3 assertions failed: "n": expected "42", got "null"; "s": GET x failed: WRONGTYPE Operation against a key holding the wrong kind of value; "null": not run',
    );
  });
});

describe('differenceOf', () => {
  const base = key('k', { expireAt: NOW + 60_000 });
  it.each<[string, Partial<KeyObservation>, string | null]>([
    ['the same key', {}, null],
    ['a missing key', { type: 'none' }, 'missing'],
    ['another type', { type: 'hash' }, 'type string became hash'],
    ['a lost expiry', { expireAt: null }, `lost its expiry (${new Date(NOW + 60_000).toISOString()})`],
    ['an expiry within the slack', { expireAt: NOW + 60_000 + EXPIRY_SLACK_MS }, null],
    ['an expiry moved beyond it', { expireAt: NOW + 60_000 + EXPIRY_SLACK_MS + 1 }, `expiry moved from ${new Date(NOW + 60_000).toISOString()} to ${new Date(NOW + 60_000 + EXPIRY_SLACK_MS + 1).toISOString()}`],
    ['another size', { size: 4 }, 'size 3 became 4'],
    ['another value', { hash: 'x' }, 'value differs'],
  ])('%s', (_name, change, expected) => {
    expect(differenceOf(base, { ...same(base), ...change })).toBe(expected);
  });

  it('names an expiry gained', () => {
    expect(differenceOf(key('k'), { ...same(key('k')), expireAt: NOW })).toBe(`gained an expiry (${new Date(NOW).toISOString()})`);
  });
});

describe('key-counts and expiries', () => {
  it('allows the keys the sample says have expired since, on top of the tolerance, and no more', () => {
    // 2 of 10 sampled keys have expired by the time of the restore: 20 % of 1,000 may be gone besides 1 %.
    const sample = Array.from({ length: 10 }, (_, i) => key(`k${i}`, i < 2 ? { expireAt: NOW - 1 } : {}));
    const m = manifest(sample, 1000);
    const counted = (n: number) => judgeRedisRestore(m, observed(m, { keyCounts: { '0': n } }), TOLERANCES).checks.find((c) => c.name === 'key-counts')!;
    expect(counted(790).status).toBe('pass');
    expect(counted(789)).toMatchObject({ status: 'fail', detail: expect.stringContaining('db0 captured 1000, restored 789 (± 10 allowed, and 200 expired since)') as string });
    expect(counted(1011).status).toBe('fail');
  });
});
