// What runs behind a replication group the ElastiCache stand-in seeds: a private redis-server started on
// the backup's RDB — the snapshot's file by its name, or an export's .rdb bytes as the S3 side holds
// them — so validation reads real data. With the group's AUTH token the server requires it. A fault can
// be played on a seeded server before anyone reads it (`afterSeed`), and seeding fails the way
// ElastiCache's does (the group ends "create-failed") when the server will not load the file.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../redis-server.js';
import type { CacheDataPlane, SeedSource } from './elasticache-standin.js';

export interface RedisDataPlaneOptions {
  /** The RDB of a snapshot by its name (what CreateReplicationGroup with SnapshotName restores). */
  readonly snapshotRdb?: (snapshotName: string) => Buffer | undefined;
  /** The bytes of an exported object (what CreateReplicationGroup with SnapshotArns reads). */
  readonly objectBytes?: (bucket: string, key: string) => Buffer | undefined;
  /** Played on each seeded server before its endpoint is handed out (a planted fault). */
  readonly afterSeed?: (groupId: string, client: Redis, server: { readonly port: number; readonly dir: string }) => Promise<void>;
  /** The RDB of a production group now (what CreateSnapshot keeps). */
  readonly snapshot?: (groupId: string) => Promise<Buffer>;
}

export class RedisDataPlane implements CacheDataPlane {
  readonly #options: RedisDataPlaneOptions;
  readonly #servers = new Map<string, TestRedis>();

  constructor(options: RedisDataPlaneOptions) {
    this.#options = options;
  }

  async seed(groupId: string, sources: readonly SeedSource[], auth: { readonly token?: string }): Promise<{ host: string; port: number }> {
    if (sources.length > 1) throw new Error('the data plane seeds one node group (cluster mode is not modelled)');
    const source = sources[0];
    const rdb =
      source === undefined ? undefined : source.kind === 'snapshot' ? this.#options.snapshotRdb?.(source.snapshotName) : this.#options.objectBytes?.(source.bucket, source.key);
    if (source !== undefined && rdb === undefined) throw new Error(`the seed ${JSON.stringify(source)} has no data`);
    const staging = mkdtempSync(join(tmpdir(), 'backup-dr-seed-'));
    try {
      let seedFrom: string | undefined;
      if (rdb !== undefined) {
        seedFrom = join(staging, 'seed.rdb');
        writeFileSync(seedFrom, rdb);
      }
      // A file redis-server refuses makes it exit before it answers: startRedis throws, the group is create-failed.
      const server = await startRedis({ ...(seedFrom === undefined ? {} : { seedFrom }), ...(auth.token === undefined ? {} : { password: auth.token }) });
      this.#servers.set(groupId, server);
      if (this.#options.afterSeed !== undefined) await this.#options.afterSeed(groupId, await server.client(), { port: server.port, dir: server.dir });
      return { host: '127.0.0.1', port: server.port };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async snapshot(groupId: string): Promise<Buffer> {
    if (this.#options.snapshot === undefined) throw new Error(`no production data behind ${groupId}`);
    return this.#options.snapshot(groupId);
  }

  async remove(groupId: string): Promise<void> {
    await this.#servers.get(groupId)?.stop();
    this.#servers.delete(groupId);
  }

  /** Groups whose server is still running. */
  running(): string[] {
    return [...this.#servers.keys()];
  }

  /** Stops every server (a test's or the drill's cleanup). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#servers.keys()].map((id) => this.remove(id)));
  }
}
