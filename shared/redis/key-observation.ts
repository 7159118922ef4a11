// What one key is, read the same way on the source (capture) and on a restore: its type, its absolute
// expiry, its size, and a hash of its value in a canonical form. Not DUMP for the built-in types: DUMP's
// bytes depend on the encoding the server chose (listpack or hashtable, by size thresholds in its
// configuration), so the same value can dump differently on a restore with other settings; the elements
// themselves cannot. Other types (modules) have only DUMP.

import { createHash, type Hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { KeyObservation } from './types.js';

/** The command that gives a type's size, and the one that reads its whole value. */
const SIZE: Readonly<Record<string, string>> = { string: 'STRLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', hash: 'HLEN', stream: 'XLEN' };

/** Strings up to this many bytes are hashed (GET), longer ones compared by size. */
export const STRING_HASH_LIMIT_BYTES = 1024 * 1024;

/**
 * Reads one key. `maxElements`: a collection with more elements is not read (hash null), only its size
 * compared; a string is read up to STRING_HASH_LIMIT_BYTES (or maxElements bytes, if more).
 */
export async function observeKey(redis: Redis, key: Buffer, maxElements: number): Promise<KeyObservation> {
  const type = await redis.type(key);
  if (type === 'none') return { type: 'none', expireAt: null, size: null, hash: null };
  const expireAt = await expiryOf(redis, key);
  const sizeCommand = SIZE[type];
  const size = sizeCommand === undefined ? null : Number(await redis.call(sizeCommand, key));
  // A string's size is in bytes: it has its own limit, so a 20 KB value is still compared by content.
  const limit = type === 'string' ? Math.max(maxElements, STRING_HASH_LIMIT_BYTES) : maxElements;
  const hash = size !== null && size > limit ? null : await valueHash(redis, key, type);
  return { type, expireAt, size, hash };
}

/** PEXPIRETIME (Redis 7+, Valkey): the absolute expiry the RDB stores. Older engines: now + PTTL. */
async function expiryOf(redis: Redis, key: Buffer): Promise<number | null> {
  let at: number;
  try {
    at = Number(await redis.call('PEXPIRETIME', key));
  } catch (error) {
    if (!/unknown command/i.test(error instanceof Error ? error.message : '')) throw error;
    const ttl = Number(await redis.pttl(key));
    at = ttl < 0 ? ttl : Date.now() + ttl;
  }
  // -1: no expiry; -2: the key is gone (expired between TYPE and now).
  return at < 0 ? null : at;
}

async function valueHash(redis: Redis, key: Buffer, type: string): Promise<string> {
  const hash = createHash('sha256').update(`${type}\n`);
  switch (type) {
    case 'string':
      feed(hash, (await redis.getBuffer(key)) ?? Buffer.alloc(0));
      break;
    case 'list':
      for (const element of (await redis.callBuffer('LRANGE', key, '0', '-1')) as Buffer[]) feed(hash, element);
      break;
    case 'set':
      for (const member of sorted((await redis.callBuffer('SMEMBERS', key)) as Buffer[])) feed(hash, member);
      break;
    case 'zset':
      // Redis's own order (score, then member) is canonical; scores as the server writes them. RESP3 pairs
      // them ([member, score] each), RESP2 does not: flattened, both hash the same.
      for (const part of ((await redis.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as (Buffer | Buffer[])[]).flat()) feed(hash, part);
      break;
    case 'hash':
      for (const [field, value] of sortedPairs((await redis.callBuffer('HGETALL', key)) as Buffer[])) feed(feed(hash, field), value);
      break;
    case 'stream':
      for (const [id, fields] of (await redis.callBuffer('XRANGE', key, '-', '+')) as [Buffer, Buffer[]][]) {
        feed(hash, id);
        for (const part of fields) feed(hash, part);
      }
      break;
    default:
      feed(hash, ((await redis.callBuffer('DUMP', key)) as Buffer | null) ?? Buffer.alloc(0));
  }
  return hash.digest('hex');
}

/** Length-prefixed, so element boundaries are part of the hash (["ab","c"] ≠ ["a","bc"]). */
function feed(hash: Hash, part: Buffer): Hash {
  return hash.update(`${part.length}:`).update(part);
}

const sorted = (parts: Buffer[]) => [...parts].sort((a, b) => Buffer.compare(a, b));

function sortedPairs(flat: Buffer[]): [Buffer, Buffer][] {
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
}
