// Runs the drill as a user does — `npm run drill`, or the compiled drill it runs (dist/drill/main.js, built
// once per test run by tests/global-setup.ts) — to the end, or live (its own process group, so a test can
// send Ctrl-C to the whole group the way a terminal does) — and finds what one run left behind: only what
// that run created (databases with its prefix, its private server's pid, port and directory).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { DRILL_ENTRY } from '../../drill/build.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface Finished {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

const npmArgs = (args: readonly string[]) => ['run', '--silent', 'drill', '--', ...args];
const childEnv = (env: NodeJS.ProcessEnv) => ({ ...process.env, NO_COLOR: '1', ...env });

/**
 * The drill to its end: the compiled drill `npm run drill` runs, or `npm run drill` itself (`via: 'npm'`,
 * which builds it again first). Asynchronous, so the tests of a file can run several drills at once:
 * a drill spends much of its time waiting on PostgreSQL.
 */
export function drill(args: readonly string[], env: NodeJS.ProcessEnv = {}, via: Via = 'node'): Promise<Finished> {
  const [command, commandArgs] = via === 'npm' ? ['npm', npmArgs(args)] : [process.execPath, [DRILL_ENTRY, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const finished = new Map<string, Promise<Finished>>();

/**
 * The drill to its end, once per argument list in a test file: tests that read different things from the
 * same run share it (each run is a full backup and restore; nothing in one depends on another's state).
 */
export function drillOnce(args: readonly string[], via: Via = 'node'): Promise<Finished> {
  const key = JSON.stringify([via, ...args]);
  const known = finished.get(key);
  if (known !== undefined) return known;
  const run = drill(args, {}, via);
  finished.set(key, run);
  return run;
}

/**
 * How a live drill is started: `npm run drill`, as typed in a terminal (npm and its sh die of a Ctrl-C by
 * themselves — npm re-raises it — while the drill goes on cleaning up, so their exit code is not the
 * drill's), or `node dist/drill/main.js`, what that script runs, whose exit code is the drill's own.
 */
export type Via = 'npm' | 'node';

/** A drill running in its own process group, read line by line as it prints. */
export class LiveDrill {
  readonly child: ChildProcess;
  readonly exited: Promise<Finished>;
  #out = '';
  #err = '';
  readonly #waiting: { pattern: RegExp; stream: 'out' | 'err'; resolve: (m: RegExpExecArray) => void }[] = [];

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}, via: Via = 'node') {
    const [command, commandArgs] = via === 'npm' ? ['npm', npmArgs(args)] : [process.execPath, [DRILL_ENTRY, ...args]];
    const path = `${ROOT}node_modules/.bin:${process.env.PATH ?? ''}`;
    this.child = spawn(command, commandArgs, { cwd: ROOT, env: childEnv({ PATH: path, ...env }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.#out += chunk.toString();
      this.#check();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#err += chunk.toString();
      this.#check();
    });
    // 'close': every process holding the output is done — the drill too, when npm died before it.
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve({ code, out: this.#out, err: this.#err })));
  }

  get out(): string {
    return this.#out;
  }

  /** Resolves with the first match of `pattern` in what the drill printed (whole lines); rejects if it ends first. */
  async line(pattern: RegExp, stream: 'out' | 'err' = 'out'): Promise<RegExpExecArray> {
    const found = new Promise<RegExpExecArray>((resolve) => this.#waiting.push({ pattern, stream, resolve }));
    this.#check();
    const ended = this.exited.then((end) => {
      throw new Error(`the drill ended (exit ${end.code}) before printing ${pattern}:\n${end.out}\n${end.err}`);
    });
    return Promise.race([found, ended]);
  }

  /** Sends `signal` to the drill's whole process group (npm, sh, node), as Ctrl-C in a terminal does. */
  signalGroup(signal: NodeJS.Signals): boolean {
    try {
      process.kill(-(this.child.pid ?? 0), signal);
      return true;
    } catch {
      return false; // the group is gone already
    }
  }

  #check(): void {
    for (const waiter of [...this.#waiting]) {
      const text = waiter.stream === 'out' ? this.#out : this.#err;
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      const match = new RegExp(waiter.pattern.source, waiter.pattern.flags.includes('m') ? waiter.pattern.flags : `${waiter.pattern.flags}m`).exec(complete);
      if (match !== null) {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  }
}

/** What a run says about itself: its database prefix, its private server if it started one, and its Redis servers. */
export interface RunFacts {
  readonly prefix: string;
  readonly server: { readonly pid: number; readonly port: number; readonly dir: string } | null;
  /** The directories of the Redis servers it started (each runs inside its own): the production cache and each seeded group. */
  readonly redisDirs: readonly string[];
}

export function runFacts(out: string): RunFacts {
  const prefix = /^Databases of this run: (\S+)\*/m.exec(out)?.[1];
  if (prefix === undefined) throw new Error(`the drill did not print its database prefix:\n${out}`);
  const server = /started a private PostgreSQL .* on 127\.0\.0\.1:(\d+) \(pid (\d+); data and socket in (\S+), removed at the end\)/.exec(out);
  const redisDirs = [...out.matchAll(/a (?:private )?redis-server on 127\.0\.0\.1:\d+ \(in (\S+)\)/g)].map((m) => m[1] as string);
  return { prefix, server: server === null ? null : { port: Number(server[1]), pid: Number(server[2]), dir: server[3] as string }, redisDirs };
}

async function localDatabases(prefix: string): Promise<string[]> {
  const client = new pg.Client({ host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [prefix])).rows.map((r) => r.datname);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes whose working directory is inside `dir` (PostgreSQL's server processes run in their data directory). */
export function processesIn(dir: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false; // gone, a zombie, or not ours to read
      }
    })
    .map(Number);
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** What the run left behind: its databases on the shared server, or its private server and directory. */
export async function leftovers(facts: RunFacts): Promise<string[]> {
  const found: string[] = [];
  // redis-server changes into its --dir: a process still in one is a server the run did not stop.
  for (const dir of facts.redisDirs) {
    if (existsSync(dir)) found.push(`Redis directory ${dir}`);
    for (const pid of processesIn(dir)) found.push(`Redis process ${pid} in ${dir}`);
  }
  if (facts.server === null) return [...found, ...(await localDatabases(facts.prefix)).map((name) => `database ${name}`)];
  const { pid, port, dir } = facts.server;
  if (existsSync(dir)) found.push(`directory ${dir}`);
  if (isAlive(pid)) found.push(`server process ${pid}`);
  for (const other of processesIn(dir)) found.push(`process ${other} in ${dir}`);
  if (await listening(port)) found.push(`a server listening on 127.0.0.1:${port}`);
  return found;
}

/** A TCP port nothing listens on (to point PGPORT at, so the drill starts its private server). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

/** Exit code ⇔ RESULT line: 0 with PASSED, 1 with FAILED or INCONCLUSIVE. */
export function resultOf(out: string): string | undefined {
  return /^RESULT: (\w+)/m.exec(out)?.[1];
}

/**
 * An environment whose PATH has everything this machine has but redis-server (its directories' entries
 * linked one by one into a temporary directory, removed by remove()): a drill run in it finds no Redis.
 */
export function pathWithoutRedis(): { env: NodeJS.ProcessEnv; remove(): void } {
  const bin = mkdtempSync(join(tmpdir(), 'backup-dr-no-redis-'));
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '')) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (name.startsWith('redis-')) continue;
      try {
        symlinkSync(join(dir, name), join(bin, basename(name)));
      } catch {
        // an earlier directory of PATH has it: that one wins, as for the shell
      }
    }
  }
  return { env: { PATH: `${ROOT}node_modules/.bin:${bin}` }, remove: () => rmSync(bin, { recursive: true, force: true }) };
}
