// The Redis manifest and the judgement of a restore, against real redis-server processes: a "source"
// filled with keys of every type in two logical databases, its manifest captured, its RDB written by SAVE,
// and "restores" — servers seeded from that RDB, as ElastiCache seeds a cluster from an export — judged
// against the manifest: faithful ones pass; a lost key, a changed value, a changed type, a lost expiry, a
// smaller dataset, a missing required key and a wrong assertion reply each fail, naming the check.

import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheResource } from '../../shared/policy/schema.js';
import { closeRedis, connectRedis } from '../../shared/redis/connection.js';
import { captureRedisManifest, decodeKey, encodeKey } from '../../shared/redis/manifest.js';
import { observeRestore } from '../../shared/redis/observe.js';
import { judgeRedisRestore } from '../../shared/redis/restore-verdict.js';
import type { RedisManifest, RedisVerdict } from '../../shared/redis/types.js';
import { redisServerAvailable, startRedis, type TestRedis } from '../helpers/redis.js';
import { teamPolicy } from '../helpers/runtime.js';

const SNAPSHOT = 'backup-dr-app-redis-20261125-0600';
const BINARY_KEY = Buffer.from([0x62, 0x69, 0x6e, 0xff, 0xfe, 0x00, 0x01]);
const up = redisServerAvailable();

function cacheWith(validation: Partial<CacheResource['validation']>): CacheResource {
  const cache = teamPolicy().resources.caches[0]!;
  return { ...cache, validation: { ...cache.validation, tls: false, ...validation } };
}

/** A few thousand keys of every type: db 0 the bulk, db 3 a handful (all sampled there), some with expiries. */
async function fill(redis: Redis): Promise<void> {
  await redis.call('DEBUG', 'POPULATE', '3000', 'item', '24');
  const batch = redis.pipeline();
  for (let i = 0; i < 300; i++) {
    batch.hset(`user:${i}`, { name: `user ${i}`, email: `u${i}@example.com`, plan: i % 3 === 0 ? 'pro' : 'free' });
    batch.rpush(`queue:${i}`, 'a', 'b', String(i));
    batch.sadd(`tags:${i}`, 'red', 'green', String(i));
    batch.zadd(`board:${i}`, 1, 'x', 2, 'y', i, 'z');
    batch.xadd(`events:${i}`, '*', 'kind', 'login', 'user', String(i));
    batch.set(`session:${i}`, `token-${i}`, 'EX', 86_400);
  }
  // A list larger than the test policy's maxElements: compared by its length alone.
  batch.rpush('big:list', ...Array.from({ length: 120 }, (_, i) => `e${i}`));
  batch.set('config:schema-version', '42');
  await batch.exec();
  await redis.select(3);
  const three = redis.pipeline();
  for (let i = 0; i < 10; i++) three.set(`flag:${i}`, i % 2 === 0 ? 'on' : 'off', 'PX', 7 * 86_400_000);
  three.set(BINARY_KEY, 'binary-named');
  three.hset('limits', { rps: '100', burst: '200' });
  await three.exec();
  await redis.select(0);
}

describe.skipIf(!up)('Redis: manifest at snapshot time, judgement of a restore (real redis-server)', () => {
  const cache = cacheWith({
    sampleKeys: 200,
    maxElements: 100,
    keyCountTolerance: 0.01,
    sampleTolerance: 0,
    requiredKeys: ['config:schema-version', '3:limits'],
    assertions: [
      { name: 'schema version', command: ['GET', 'config:schema-version'], expect: '42', database: 0 },
      { name: 'three limits fields', command: ['HLEN', 'limits'], expect: 2, database: 3 },
    ],
  });
  let source: TestRedis;
  let manifest: RedisManifest;
  let rdb: string;
  const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-redis-test-'));

  beforeAll(async () => {
    source = await startRedis({ extraArgs: ['--enable-debug-command', 'yes'] });
    const client = await source.client();
    await fill(client);
    manifest = await captureRedisManifest(client, { cache, snapshotId: SNAPSHOT });
    await client.save();
    rdb = join(scratch, 'export.rdb');
    copyFileSync(source.rdbFile, rdb);
  }, 60_000);

  afterAll(async () => {
    await source?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A server seeded from the snapshot's RDB, changed by `corrupt`, observed and judged. */
  async function restoreAndJudge(corrupt?: (redis: Redis) => Promise<unknown>, validation = cache.validation): Promise<RedisVerdict> {
    const restored = await startRedis({ seedFrom: rdb });
    try {
      if (corrupt !== undefined) await corrupt(await restored.client());
      const redis = await connectRedis({ host: '127.0.0.1', port: restored.port, tls: false });
      try {
        return judgeRedisRestore(manifest, await observeRestore(redis, manifest, validation), validation);
      } finally {
        await closeRedis(redis);
      }
    } finally {
      await restored.stop();
    }
  }

  const check = (verdict: RedisVerdict, name: string) => verdict.checks.find((c) => c.name === name);
  const sampledOf = (database: string, type: string) => manifest.databases[database]!.sample.filter((k) => k.type === type);

  describe('the manifest', () => {
    it('records DBSIZE and the keys with an expiry of each database that has keys, and the engine', () => {
      expect(manifest).toMatchObject({ format: 'backup-dr/redis-manifest@1', cache: 'app-redis', replicationGroupId: 'app-redis-prod', snapshotId: SNAPSHOT, sampleKeys: 200, maxElements: 100 });
      expect(manifest.engine.name).toBe('redis');
      expect(manifest.engine.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(Object.keys(manifest.databases)).toEqual(['0', '3']);
      expect(manifest.databases['0']).toMatchObject({ keys: 3000 + 6 * 300 + 2, expires: 300 });
      expect(manifest.databases['3']).toMatchObject({ keys: 12, expires: 10 });
    });

    it('samples the keys an independent computation ranks smallest by sha256(snapshot id, key), over the whole keyspace', async () => {
      const client = await source.client();
      const all = await client.keysBuffer('*');
      const rank = (key: Buffer) => createHash('sha256').update(`${SNAPSHOT}\n`).update(key).digest().subarray(0, 8);
      const expected = all.sort((a, b) => Buffer.compare(rank(a), rank(b))).slice(0, 200).map((key) => encodeKey(key).key);
      expect(manifest.databases['0']!.sample.map((k) => k.key)).toEqual(expected);
      // Every kind of key is in a sample of 200 out of 4,802: spread over the keyspace, not its first SCAN pages.
      expect(new Set(manifest.databases['0']!.sample.map((k) => k.type))).toEqual(new Set(['string', 'hash', 'list', 'set', 'zset', 'stream']));
    });

    it('is the same captured twice, and another snapshot samples other keys', async () => {
      const client = await source.client();
      const again = await captureRedisManifest(client, { cache, snapshotId: SNAPSHOT });
      expect(again.databases).toEqual(manifest.databases);
      const other = await captureRedisManifest(client, { cache, snapshotId: 'backup-dr-app-redis-20261125-1200' });
      expect(other.databases['0']!.sample.map((k) => k.key)).not.toEqual(manifest.databases['0']!.sample.map((k) => k.key));
    });

    it('keeps a key that is not UTF-8 as base64, and reads it back to the same bytes', () => {
      const binary = manifest.databases['3']!.sample.find((k) => k.encoding === 'base64');
      expect(binary).toBeDefined();
      expect(decodeKey(binary!)).toEqual(BINARY_KEY);
      expect(binary).toMatchObject({ type: 'string', size: 12, expireAt: null });
    });

    it('records absolute expiries, sizes, and for a collection over maxElements its size without a hash', () => {
      const flags = manifest.databases['3']!.sample.filter((k) => k.key.startsWith('flag:'));
      expect(flags).toHaveLength(10);
      for (const flag of flags) expect(flag.expireAt! - Date.parse(manifest.capturedAt)).toBeGreaterThan(6 * 86_400_000);
      for (const key of manifest.databases['0']!.sample) expect(key.hash === null).toBe(key.size !== null && key.size > 100);
      expect(manifest.requiredKeys).toEqual([
        { database: 0, key: 'config:schema-version', present: true },
        { database: 3, key: 'limits', present: true },
      ]);
    });
  });

  describe('a restore seeded from the snapshot RDB', () => {
    it('passes every check when it is faithful', async () => {
      const verdict = await restoreAndJudge();
      expect(verdict.outcome).toBe('pass');
      expect(verdict.checks.map((c) => [c.name, c.status])).toEqual([
        ['connectivity', 'pass'],
        ['key-counts', 'pass'],
        ['sampled-keys', 'pass'],
        ['required-keys', 'pass'],
        ['assertions', 'pass'],
      ]);
      expect(check(verdict, 'sampled-keys')!.detail).toBe('212 sampled keys: same type, expiry, size and value');
      expect(check(verdict, 'key-counts')!.detail).toMatch(/^2 databases, 4814 keys, within 1 % of the counts captured at /);
    }, 30_000);

    it('fails key-counts when 5 % of a database is gone, naming the database and both counts', async () => {
      const verdict = await restoreAndJudge(async (redis) => {
        const keys = (await redis.keys('item:*')).slice(0, 240);
        await redis.del(...keys);
      });
      expect(verdict.outcome).toBe('fail');
      expect(check(verdict, 'key-counts')).toMatchObject({ status: 'fail', detail: expect.stringContaining('db0 captured 4802, restored 4562 (± 49 allowed)') });
    }, 30_000);

    it('fails sampled-keys for one sampled key lost, naming it', async () => {
      const lost = sampledOf('0', 'hash')[0]!;
      const verdict = await restoreAndJudge((redis) => redis.del(lost.key));
      expect(check(verdict, 'sampled-keys')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`db0 ${JSON.stringify(lost.key)}: missing`) });
      expect(check(verdict, 'key-counts')!.status).toBe('pass');
    }, 30_000);

    it('fails sampled-keys for a changed value, a changed type and a lost expiry, each named', async () => {
      const changed = sampledOf('0', 'hash')[0]!;
      const retyped = sampledOf('0', 'list')[0]!;
      const persisted = manifest.databases['3']!.sample.find((k) => k.key === 'flag:4')!;
      const verdict = await restoreAndJudge(async (redis) => {
        await redis.hset(changed.key, 'plan', 'enterprise');
        await redis.del(retyped.key);
        await redis.sadd(retyped.key, 'a', 'b', 'c');
        await redis.select(3);
        await redis.persist('flag:4');
      });
      const detail = check(verdict, 'sampled-keys')!.detail;
      expect(detail).toMatch(/^3 of 212 sampled keys missing or different, over the 0 % allowed: /);
      expect(detail).toContain(`db0 ${JSON.stringify(changed.key)}: value differs`);
      expect(detail).toContain(`db0 ${JSON.stringify(retyped.key)}: type list became set`);
      expect(detail).toContain(`db3 "flag:4": lost its expiry (${new Date(persisted.expireAt!).toISOString()})`);
    }, 30_000);

    it('notices a reordered list and a changed stream entry: order is part of their value', async () => {
      const list = sampledOf('0', 'list')[0]!;
      const stream = sampledOf('0', 'stream')[0]!;
      const verdict = await restoreAndJudge(async (redis) => {
        const elements = await redis.lrange(list.key, 0, -1);
        await redis.del(list.key);
        await redis.rpush(list.key, ...elements.reverse());
        const [[id]] = (await redis.xrange(stream.key, '-', '+')) as [[string, string[]]];
        await redis.xdel(stream.key, id);
        await redis.xadd(stream.key, '*', 'kind', 'login', 'user', 'someone-else');
      });
      const detail = check(verdict, 'sampled-keys')!.detail;
      expect(detail).toContain(`${JSON.stringify(list.key)}: value differs`);
      expect(detail).toContain(`${JSON.stringify(stream.key)}: value differs`);
    }, 30_000);

    it('tolerates a changed key within sampleTolerance, and still names it', async () => {
      const changed = sampledOf('0', 'string').find((k) => k.key.startsWith('item:'))!;
      const verdict = await restoreAndJudge((redis) => redis.set(changed.key, 'X'.repeat(24)), { ...cache.validation, sampleTolerance: 0.02 });
      expect(check(verdict, 'sampled-keys')).toEqual({
        name: 'sampled-keys',
        status: 'pass',
        detail: `1 of 212 sampled keys missing or different, within the 2 % allowed: db0 ${JSON.stringify(changed.key)}: value differs`,
      });
    }, 30_000);

    it('fails required-keys and assertions when the restore lacks what the team named', async () => {
      const verdict = await restoreAndJudge(async (redis) => {
        await redis.del('config:schema-version');
        await redis.select(3);
        await redis.hset('limits', 'extra', '1');
      });
      expect(check(verdict, 'required-keys')).toEqual({ name: 'required-keys', status: 'fail', detail: '1 of 2 required keys missing: db0 config:schema-version' });
      expect(check(verdict, 'assertions')).toEqual({
        name: 'assertions',
        status: 'fail',
        detail: '2 of 2 assertions failed: "schema version": expected "42", got null; "three limits fields": expected 2, got 3',
      });
    }, 30_000);

    it('fails connectivity, and judges nothing else, when the restore does not answer', async () => {
      const restored = await startRedis({ seedFrom: rdb });
      const redis = await connectRedis({ host: '127.0.0.1', port: restored.port, tls: false });
      await restored.stop();
      const verdict = judgeRedisRestore(manifest, await observeRestore(redis, manifest, cache.validation), cache.validation);
      redis.disconnect();
      expect(verdict.outcome).toBe('fail');
      expect(verdict.checks).toHaveLength(1);
      expect(verdict.checks[0]).toMatchObject({ name: 'connectivity', status: 'fail', detail: expect.stringMatching(/^the restored cache did not answer PING: /) });
    }, 30_000);

    it('refuses to connect, naming the endpoint, when nothing listens there', async () => {
      const restored = await startRedis();
      const port = restored.port;
      await restored.stop();
      await expect(connectRedis({ host: '127.0.0.1', port, tls: false, connectTimeoutMs: 1_000 })).rejects.toThrow(`cannot connect to Redis at 127.0.0.1:${port}`);
    }, 30_000);
  });
});
