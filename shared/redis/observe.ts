// What a restored cache shows, read for the manifest of the snapshot it was seeded from: PING, DBSIZE of
// every database either side has keys in, each sampled key read the way the capture read it, the
// required keys, and the policy's assertions. Judged by restore-verdict.ts; nothing is decided here.

import type { Redis } from 'ioredis';
import type { CacheValidation } from '../policy/schema.js';
import { observeKey } from './key-observation.js';
import { decodeKey, keyspaceOf, parseRequiredKey } from './manifest.js';
import type { KeyObservation, RedisManifest, RestoreObservation } from './types.js';

export async function observeRestore(redis: Redis, manifest: RedisManifest, validation: Pick<CacheValidation, 'requiredKeys' | 'assertions'>, now: () => number = Date.now): Promise<RestoreObservation> {
  const observedAt = now();
  try {
    await redis.ping();
  } catch (error) {
    return { reachable: { error: error instanceof Error ? error.message : String(error) }, observedAt, keyCounts: {}, sampled: {}, requiredKeys: [], assertions: [] };
  }
  const databases = new Set([...Object.keys(manifest.databases).map(Number), ...keyspaceOf(await redis.info('keyspace')).map(([database]) => database)]);
  const keyCounts: Record<string, number> = {};
  const sampled: Record<string, Record<string, KeyObservation>> = {};
  for (const database of [...databases].sort((a, b) => a - b)) {
    await redis.select(database);
    keyCounts[String(database)] = await redis.dbsize();
    const found: Record<string, KeyObservation> = {};
    for (const key of manifest.databases[String(database)]?.sample ?? []) found[key.key] = await observeKey(redis, decodeKey(key), manifest.maxElements);
    sampled[String(database)] = found;
  }
  const requiredKeys: RestoreObservation['requiredKeys'][number][] = [];
  for (const { database, key } of validation.requiredKeys.map(parseRequiredKey)) {
    await redis.select(database);
    requiredKeys.push({ database, key, present: (await redis.exists(key)) === 1 });
  }
  const assertions: RestoreObservation['assertions'][number][] = [];
  for (const assertion of validation.assertions) {
    await redis.select(assertion.database);
    const [command, ...args] = assertion.command as [string, ...string[]];
    try {
      assertions.push({ name: assertion.name, reply: simpleReply(await redis.call(command, ...args)) });
    } catch (error) {
      assertions.push({ name: assertion.name, reply: null, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { reachable: true, observedAt, keyCounts, sampled, requiredKeys, assertions };
}

/** A reply as an assertion compares it: text, an integer, null; an array as the JSON of its elements. */
export function simpleReply(reply: unknown): string | number | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'number') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (Array.isArray(reply)) return JSON.stringify(reply.map(simpleReply));
  return typeof reply === 'string' ? reply : JSON.stringify(reply);
}
