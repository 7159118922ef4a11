// Private Redis servers for the tests and the drill: `redis-server` (on PATH on developers' and CI
// machines) started on a free loopback port in a directory of its own, no persistence unless asked,
// stopped and removed after. A "seeded" server starts from an RDB file, as ElastiCache seeds a new
// cluster from an export.

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface TestRedis {
  readonly port: number;
  readonly dir: string;
  /** The RDB file SAVE writes. */
  readonly rdbFile: string;
  client(db?: number): Promise<Redis>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server; `seedFrom`: an RDB file it loads at start (copied into its directory). */
export async function startRedis(options: { seedFrom?: string; extraArgs?: readonly string[]; password?: string } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-dr-redis-'));
  if (options.seedFrom !== undefined) copyFileSync(options.seedFrom, join(dir, 'dump.rdb'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      ...(options.password === undefined ? [] : ['--requirepass', options.password]),
      ...(options.extraArgs ?? []),
    ],
    { stdio: 'ignore' },
  );
  const clients: Redis[] = [];
  const stop = async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const client = async (db = 0) => {
    const redis = new Redis({ host: '127.0.0.1', port, db, protocol: 2, ...(options.password === undefined ? {} : { password: options.password }), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await redis.connect();
    clients.push(redis);
    return redis;
  };
  // Ready when PING answers PONG (a server loading its RDB answers LOADING until it is done).
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} before it answered`);
    const probe = new Redis({ host: '127.0.0.1', port, ...(options.password === undefined ? {} : { password: options.password }), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const answer = await probe.connect().then(() => probe.ping()).catch(() => null);
    probe.disconnect();
    if (answer === 'PONG') break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING within 15 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, dir, rdbFile: join(dir, 'dump.rdb'), client, stop };
}
