// Real RDB files for the integrity tests: private redis-server processes on free ports, each in its own
// temporary directory, filled through redis-cli and saved with SAVE; and the ways a file is read in pieces.
// Stopping a server removes its directory: nothing is left behind but what a test keeps in memory.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { RdbVerdict } from '../../../shared/redis/rdb-integrity.js';

const run = promisify(execFile);

/** The Redis programs the tests run: the server, its client and its own file checker. */
const PROGRAMS = ['redis-server', 'redis-cli', 'redis-check-rdb'] as const;

/**
 * Whether redis-server and its tools are on PATH. In CI (CI=true) a missing one throws, failing the test
 * file loudly; elsewhere it prints why the tests that need them are skipped.
 */
export async function redisAvailable(): Promise<boolean> {
  try {
    for (const program of PROGRAMS) await run(program, ['--version']);
    return true;
  } catch (error) {
    const reason = `${PROGRAMS.join(', ')} must be on PATH: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true') throw new Error(`${reason}. CI must run the RDB integrity tests against files a real Redis wrote.`, { cause: error });
    console.warn(`\n[redis] SKIPPING the RDB integrity tests on real dumps: ${reason}\n`);
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port for redis-server');
  return address.port;
}

export interface RedisServerOptions {
  /** More redis-server arguments, e.g. ['--rdbchecksum', 'no']. */
  readonly args?: readonly string[];
  /** A dump.rdb to put in the directory before the server starts (it loads it). */
  readonly rdb?: Uint8Array;
}

/** One private redis-server: its port and directory, and the few things the tests ask of it. */
export class RedisServer {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly process: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  /** A server on a free port in a new temporary directory, once it accepts connections. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'bdr-redis-'));
    if (options.rdb !== undefined) await writeFile(join(dir, 'dump.rdb'), options.rdb);
    // Another process may take the free port before the server binds it: try a new one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await RedisServer.#launch(await freePort(), dir, options.args ?? []);
      } catch (error) {
        if (attempt === 3) {
          await rm(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  static async #launch(port: number, dir: string, args: readonly string[]): Promise<RedisServer> {
    // No snapshots of its own, no AOF: the only dump.rdb is the one SAVE writes. DEBUG POPULATE needs the debug command.
    const settings = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'local'];
    const child = spawn('redis-server', [...settings, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let log = '';
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      void exited.then(() => reject(new Error(`redis-server on port ${port} exited before it was ready:\n${log}`)));
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis-server on port ${port} was not ready after 10 s:\n${log}`)), 10_000);
    });
    try {
      await Promise.race([ready, timeout]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
    }
    child.stdout.removeAllListeners('data');
    child.stderr.removeAllListeners('data');
    // Keep draining its output so a chatty server never blocks on a full pipe.
    child.stdout.resume();
    child.stderr.resume();
    return new RedisServer(port, dir, child, exited);
  }

  get rdbPath(): string {
    return join(this.dir, 'dump.rdb');
  }

  /** One command through redis-cli; its reply as redis-cli prints it. An error reply throws. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(this.port), ...args], { maxBuffer: 16 << 20 });
    const reply = stdout.trimEnd();
    if (/^(ERR|WRONGTYPE|NOPERM)\b/.test(reply)) throw new Error(`redis-cli ${args.join(' ')}: ${reply}`);
    return reply;
  }

  /** Many commands at once through `redis-cli --pipe` (one connection, so SELECT holds for those after it). */
  async pipe(commands: readonly (readonly string[])[]): Promise<void> {
    const input = commands.map(resp).join('');
    const child = spawn('redis-cli', ['-p', String(this.port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
      child.stdin.end(input);
    });
    const summary = /errors: (\d+), replies: (\d+)/.exec(output);
    if (code !== 0 || summary?.[1] !== '0' || summary[2] !== String(commands.length)) throw new Error(`redis-cli --pipe of ${commands.length} commands failed:\n${output}`);
  }

  /** SAVE, then the dump it wrote. */
  async save(): Promise<Uint8Array> {
    await this.cli('SAVE');
    return new Uint8Array(await readFile(this.rdbPath));
  }

  /** SAVE, then the dump moved to `path` (on the same file system), for one too large to hold in memory. */
  async saveTo(path: string): Promise<void> {
    await this.cli('SAVE');
    await rename(this.rdbPath, path);
  }

  /** Shuts the server down without saving and removes its directory. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      await this.cli('SHUTDOWN', 'NOSAVE').catch(() => this.process.kill('SIGKILL'));
      await this.exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A command in RESP, as `redis-cli --pipe` wants it (binary-safe, unlike inline commands). */
function resp(command: readonly string[]): string {
  return `*${command.length}\r\n${command.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/**
 * Keys of every type in both of their encodings (small ones as listpacks or intsets, large ones as hash
 * tables, quicklists and skiplists), strings with and without an expiry, streams with a consumer group,
 * and a second database: 3,000-odd keys, so the dump has every opcode a cache's snapshot has.
 */
export async function fillEveryType(server: RedisServer): Promise<void> {
  await server.cli('DEBUG', 'POPULATE', '2000', 'string');
  const commands: string[][] = [];
  for (let i = 0; i < 200; i++) {
    commands.push(['HSET', `hash:${i}`, 'name', `customer ${i}`, 'email', `customer${i}@example.com`, 'visits', String(i)]);
    commands.push(['RPUSH', `list:${i}`, ...Array.from({ length: 10 }, (_, n) => `event ${i}.${n}`)]);
    commands.push(['SADD', `set:int:${i}`, ...Array.from({ length: 10 }, (_, n) => String(i * 10 + n))]);
    commands.push(['SADD', `set:text:${i}`, ...Array.from({ length: 10 }, (_, n) => `tag-${n}`)]);
    commands.push(['ZADD', `zset:${i}`, ...Array.from({ length: 10 }, (_, n) => [String(n * 1.5), `player ${n}`]).flat()]);
    commands.push(['SET', `session:${i}`, `token-${i}`, 'EX', '86400']);
  }
  for (let i = 0; i < 50; i++) {
    for (let n = 0; n < 20; n++) commands.push(['XADD', `stream:${i}`, '*', 'order', String(n), 'amount', `${n}.99`]);
  }
  commands.push(['XGROUP', 'CREATE', 'stream:0', 'billing', '0']);
  const many = Array.from({ length: 1_000 }, (_, n) => n);
  commands.push(['HSET', 'hash:large', ...many.flatMap((n) => [`field ${n}`, `value ${n}`])]);
  commands.push(['RPUSH', 'list:large', ...many.map((n) => `item ${n} `.repeat(8))]);
  commands.push(['SADD', 'set:large', ...many.map((n) => `member ${n}`)]);
  commands.push(['ZADD', 'zset:large', ...many.flatMap((n) => [String(n), `member ${n}`])]);
  commands.push(['SET', 'counter', '12345'], ['SET', 'blob', 'x'.repeat(100_000)]);
  commands.push(['SELECT', '1'], ['SET', 'other-db', 'kept apart'], ['HSET', 'other-db:hash', 'a', '1']);
  await server.pipe(commands);
}

/** The same bytes as chunks of the given sizes in turn (the last size, which must not be 0, repeats), as a stream delivers them. */
export async function* inChunks(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let n = 0; at < bytes.length; n++) {
    const size = sizes[Math.min(n, sizes.length - 1)]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

/**
 * What the check does in a process of its own reading the file with fs.createReadStream, as a Lambda
 * would read an S3 object: the verdict, the seconds it took and the process's peak resident memory.
 */
export interface ChildCheck {
  readonly verdict: RdbVerdict;
  readonly seconds: number;
  readonly maxRssBytes: number;
}

// Bundled by esbuild and run by plain node: a TypeScript loader in the child would add memory and
// start-up time of its own to what is measured.
const CHILD_SOURCE = `
import { createReadStream } from 'node:fs';
import { checkRdbStream } from '../../../shared/redis/rdb-integrity.ts';
const started = performance.now();
const verdict = await checkRdbStream(createReadStream(process.argv[2]));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ verdict, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
`;

/** Compiles the child's script into `dir`; returns the runner of it on one file. */
export async function childChecker(dir: string): Promise<(path: string) => Promise<ChildCheck>> {
  const script = join(dir, 'check-rdb.mjs');
  await build({
    stdin: { contents: CHILD_SOURCE, resolveDir: import.meta.dirname, loader: 'ts', sourcefile: 'check-rdb.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
  });
  return async (path) => {
    const { stdout } = await run(process.execPath, [script, path]);
    return JSON.parse(stdout) as ChildCheck;
  };
}
