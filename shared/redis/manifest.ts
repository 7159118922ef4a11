// The manifest captured with each Redis snapshot (README, "Redis: proving the data"): per logical
// database its DBSIZE and a sample of keys, each with its type, absolute expiry, size and a hash of its
// value, and whether each required key existed. The sample is the `sampleKeys` keys whose hash of the
// snapshot's id and the key is smallest, over the whole keyspace (SCAN): deterministic for a given set of
// keys, spread over all of it, and the same on a second capture of the same data.

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheResource } from '../policy/schema.js';
import { observeKey } from './key-observation.js';
import type { DatabaseManifest, RedisManifest, SampledKey } from './types.js';

export const MANIFEST_FORMAT = 'backup-dr/redis-manifest@1';

/** Keys asked of SCAN per round trip. */
const SCAN_COUNT = '1000';

export interface CaptureOptions {
  readonly cache: Pick<CacheResource, 'name' | 'replicationGroupId' | 'validation'>;
  readonly snapshotId: string;
  readonly now?: () => number;
}

export async function captureRedisManifest(redis: Redis, options: CaptureOptions): Promise<RedisManifest> {
  const now = options.now ?? Date.now;
  const { sampleKeys, maxElements, requiredKeys } = options.cache.validation;
  const capturedAt = new Date(now()).toISOString();
  const engine = engineOf(await redis.info('server'));
  const databases: Record<string, DatabaseManifest> = {};
  for (const [database, expires] of keyspaceOf(await redis.info('keyspace'))) {
    await redis.select(database);
    const keys = await redis.dbsize();
    const chosen = await chooseSample(redis, options.snapshotId, sampleKeys);
    const sample: SampledKey[] = [];
    for (const key of chosen) {
      const observed = await observeKey(redis, key, maxElements);
      // Gone between SCAN and now (expired or deleted): not part of what the snapshot can be judged on.
      if (observed.type !== 'none') sample.push({ ...encodeKey(key), ...observed });
    }
    databases[String(database)] = { keys, expires, sample };
  }
  const required: RedisManifest['requiredKeys'][number][] = [];
  for (const { database, key } of requiredKeys.map(parseRequiredKey)) {
    await redis.select(database);
    required.push({ database, key, present: (await redis.exists(key)) === 1 });
  }
  return {
    format: MANIFEST_FORMAT,
    cache: options.cache.name,
    replicationGroupId: options.cache.replicationGroupId,
    snapshotId: options.snapshotId,
    capturedAt,
    completedAt: new Date(now()).toISOString(),
    engine,
    databases,
    requiredKeys: required,
    sampleKeys,
    maxElements,
  };
}

/** "3:session:abc" → database 3, key "session:abc"; a key without a database prefix is in database 0. */
export function parseRequiredKey(text: string): { database: number; key: string } {
  const match = /^(\d{1,2}):(.+)$/s.exec(text);
  if (match !== null && Number(match[1]) <= 15) return { database: Number(match[1]), key: match[2]! };
  return { database: 0, key: text };
}

/** A key as the manifest writes it: UTF-8 text when its bytes are that, else base64. */
export function encodeKey(key: Buffer): Pick<SampledKey, 'key' | 'encoding'> {
  const text = key.toString('utf8');
  return Buffer.from(text, 'utf8').equals(key) ? { key: text } : { key: key.toString('base64'), encoding: 'base64' };
}

export function decodeKey(sampled: Pick<SampledKey, 'key' | 'encoding'>): Buffer {
  return Buffer.from(sampled.key, sampled.encoding === 'base64' ? 'base64' : 'utf8');
}

/** INFO server → the engine's name and version (Valkey says `server_name:valkey` and `valkey_version`). */
export function engineOf(info: string): RedisManifest['engine'] {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const name = field('server_name') ?? 'redis';
  return { name, version: field(`${name}_version`) ?? field('redis_version') ?? 'unknown' };
}

/** INFO keyspace → [database, keys with an expiry] for every database that has keys, in order. */
export function keyspaceOf(info: string): [number, number][] {
  const found: [number, number][] = [];
  for (const match of info.matchAll(/^db(\d+):keys=(\d+),expires=(\d+)/gm)) if (Number(match[2]) > 0) found.push([Number(match[1]), Number(match[3])]);
  return found.sort((a, b) => a[0] - b[0]);
}

/** The `size` keys of the selected database with the smallest seeded rank (SCAN may repeat a key: counted once). */
async function chooseSample(redis: Redis, seed: string, size: number): Promise<Buffer[]> {
  if (size === 0) return [];
  const best: { rank: Buffer; key: Buffer }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', SCAN_COUNT);
    cursor = next.toString();
    for (const key of keys) offer(best, { rank: rankOf(seed, key), key }, size);
  } while (cursor !== '0');
  return best.map((entry) => entry.key);
}

function rankOf(seed: string, key: Buffer): Buffer {
  return createHash('sha256').update(seed).update('\n').update(key).digest().subarray(0, 8);
}

/** Inserts into `best` (ascending by rank, at most `size` long) when the entry ranks among the smallest. */
function offer(best: { rank: Buffer; key: Buffer }[], entry: { rank: Buffer; key: Buffer }, size: number): void {
  const last = best[best.length - 1];
  if (best.length === size && last !== undefined && Buffer.compare(entry.rank, last.rank) >= 0) return;
  let low = 0;
  let high = best.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (Buffer.compare(best[middle]!.rank, entry.rank) < 0) low = middle + 1;
    else high = middle;
  }
  for (let i = low; i < best.length && Buffer.compare(best[i]!.rank, entry.rank) === 0; i++) if (best[i]!.key.equals(entry.key)) return;
  best.splice(low, 0, entry);
  if (best.length > size) best.pop();
}
