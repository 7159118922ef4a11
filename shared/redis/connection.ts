// One connection to a Redis/Valkey endpoint with ioredis, set up for a step that must finish or fail in
// bounded time: no reconnecting in the background, no offline queue, one attempt per command. TLS uses
// the host name for SNI and certificate checks (ElastiCache presents certificates for its endpoints).
// Commands are sent as the caller wrote them; replies that carry values are read as bytes.

import { Redis } from 'ioredis';
import type { RedisEndpoint } from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Connects, and answers only once the server has (AUTH included): a refused or unreachable endpoint throws here. */
export async function connectRedis(endpoint: RedisEndpoint): Promise<Redis> {
  const redis = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    ...(endpoint.tls ? { tls: { servername: endpoint.host } } : {}),
    connectTimeout: endpoint.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // RESP2: every engine ElastiCache runs speaks it, and replies keep one shape (RESP3 nests ZRANGE's pairs).
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // Validation reads what is there; a replica answers too (READONLY is not needed outside cluster mode).
    enableReadyCheck: true,
  });
  // ioredis emits 'error' for connection failures; without a listener Node would treat it as unhandled.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${endpoint.host}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return redis;
}

/** Closes politely (QUIT), or drops the socket when the server no longer answers. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
