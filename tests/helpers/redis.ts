// Private Redis servers for tests (sandbox/redis-server.ts), and whether the machine can run them.

import { spawnSync } from 'node:child_process';

export { startRedis, type TestRedis } from '../../sandbox/redis-server.js';

/**
 * Whether `redis-server` can run. In CI (CI=true) a missing one throws, failing the test file loudly;
 * elsewhere it prints why the tests that need it are skipped.
 */
export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = `redis-server is not on PATH (${probe.error?.message ?? probe.stderr.trim()})`;
  if (process.env.CI === 'true') throw new Error(`${reason}. CI must run the Redis tests against a real redis-server.`);
  console.warn(`\n[redis] SKIPPING the real-Redis tests: ${reason}\n`);
  return false;
}

