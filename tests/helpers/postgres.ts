// The real PostgreSQL for restore-validation tests (127.0.0.1:5432, or PGHOST/PGPORT/PGUSER): per-run
// databases named bdr_test_<random>, a seeded sample "production" schema, and dropping only what we made.

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import type { ConnectionSpec, ValidationConfig } from '../../functions/rds/validate-restore/validation.js';

/** The policy's `validation` defaults (every schema, exact counts, content fingerprints), with `overrides`. */
export function validationConfig(overrides: Partial<ValidationConfig> = {}): ValidationConfig {
  return {
    tables: [],
    appendOnly: [],
    content: { buckets: 64, sampleBuckets: 16, sampleAbove: 1_000_000, timeBudget: 300_000, tolerance: 0, keylessRows: 100_000 },
    rowCounts: { mode: 'captured', tolerance: 0 },
    amcheck: true,
    assertions: [],
    statementTimeout: 60_000,
    ...overrides,
  };
}

/** Where the test server is: PGHOST/PGPORT/PGUSER/PGPASSWORD when set, else the machine's default. */
export function serverConnection(database = 'postgres'): ConnectionSpec {
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
    password: process.env.PGPASSWORD ?? '',
    database,
    connectTimeoutMs: 2_000,
  };
}

function clientFor(spec: ConnectionSpec): Client {
  return new Client({ ...spec, connectionTimeoutMillis: spec.connectTimeoutMs });
}

/**
 * Whether the real PostgreSQL answers. In CI (CI=true) a missing server throws, failing the test file
 * loudly; elsewhere it prints why the tests that need it are skipped.
 */
export async function postgresAvailable(): Promise<boolean> {
  const spec = serverConnection();
  const client = clientFor(spec);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    const reason = `PostgreSQL at ${spec.host}:${spec.port} (user ${spec.user}) is unreachable: ${error instanceof Error ? error.message || String(error) : String(error)}`;
    if (process.env.CI === 'true') throw new Error(`${reason}. CI must run the restore-validation tests against a real PostgreSQL.`, { cause: error });
    console.warn(`\n[postgres] SKIPPING the real-PostgreSQL restore-validation tests: ${reason}\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Databases (and roles) made for one test file; `dropAll` removes exactly those, nothing else. */
export class TestDatabases {
  private readonly created: string[] = [];
  private readonly roles: string[] = [];
  private readonly admin = clientFor(serverConnection());
  private connected = false;

  private async adminClient(): Promise<Client> {
    if (!this.connected) {
      await this.admin.connect();
      this.connected = true;
    }
    return this.admin;
  }

  /** A new empty database, or a copy of `template` (which must have no open sessions). */
  async create(template?: string): Promise<string> {
    const name = `bdr_test_${randomBytes(6).toString('hex')}`;
    const admin = await this.adminClient();
    const from = template === undefined ? '' : ` template ${quote(template)}`;
    await admin.query(`create database ${quote(name)}${from}`);
    this.created.push(name);
    return name;
  }

  /**
   * A login role without superuser (it cannot create extensions such as amcheck), allowed to read the
   * tables of `public` in `database`; dropped by `dropAll`.
   */
  async createRole(database: string): Promise<string> {
    const name = await this.createPlainRole();
    await this.run(
      database,
      `do $$ declare s text; begin
         for s in select nspname from pg_namespace where nspname not in ('pg_catalog', 'information_schema') and nspname !~ '^pg_' loop
           execute format('grant usage on schema %I to %I', s, '${name}');
           execute format('grant select on all tables in schema %I to %I', s, '${name}');
         end loop;
       end $$`,
    );
    return name;
  }

  /** A role without login or privileges (an owner or grantee for fixtures); dropped by `dropAll`. */
  async createPlainRole(): Promise<string> {
    const name = `bdr_test_role_${randomBytes(6).toString('hex')}`;
    const admin = await this.adminClient();
    await admin.query(`create role ${quote(name)} login nosuperuser`);
    this.roles.push(name);
    return name;
  }

  connection(database: string): ConnectionSpec {
    return serverConnection(database);
  }

  /** Runs SQL in `database` on a short-lived session (closed before returning, so it can serve as a template). */
  async run(database: string, ...statements: string[]): Promise<void> {
    const client = clientFor(serverConnection(database));
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  }

  /** `server_version` of the test server, e.g. "15.20 (Debian 15.20-0+deb12u1)". */
  async serverVersion(): Promise<string> {
    const admin = await this.adminClient();
    const result = await admin.query<{ version: string }>("select current_setting('server_version') as version");
    return result.rows[0]!.version;
  }

  /** Sessions with this application name still connected to any database made here. */
  async sessionsNamed(applicationName: string): Promise<number> {
    const admin = await this.adminClient();
    const result = await admin.query<{ sessions: number }>(
      'select count(*)::integer as sessions from pg_stat_activity where application_name = $1 and datname = any($2::text[])',
      [applicationName, this.created],
    );
    return result.rows[0]?.sessions ?? 0;
  }

  /** Drops every database made here (several at once: each drop waits on the disk), and nothing else. */
  async dropAll(): Promise<void> {
    if (!this.connected) return;
    try {
      const names = this.created.splice(0);
      const results = await Promise.allSettled(names.map((name) => dropDatabase(name)));
      const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [`${names[index]}: ${String(result.reason)}`] : []));
      // A role's grants lived in the databases just dropped: nothing depends on it any more.
      for (const role of this.roles.splice(0)) await this.admin.query(`drop role if exists ${quote(role)}`);
      if (failed.length > 0) throw new Error(`could not drop test databases: ${failed.join('; ')}`);
    } finally {
      await this.admin.end();
      this.connected = false;
    }
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = clientFor(serverConnection());
  await client.connect();
  try {
    await client.query(`drop database if exists ${quote(name)} with (force)`);
  } finally {
    await client.end();
  }
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export const SAMPLE = {
  customers: 1_000,
  orders: 3_000,
  auditRows: 25,
  /** A table whose name needs quoting: a space, double quotes and a capital. */
  auditTable: 'Audit "Log" 2026',
} as const;

/** Exact counts the seeded schema has in `public` (what a manifest of it must record). */
export const SAMPLE_COUNTS: Readonly<Record<string, number>> = {
  [`public.${SAMPLE.auditTable}`]: SAMPLE.auditRows,
  'public.customers': SAMPLE.customers,
  'public.orders': SAMPLE.orders,
};

export const RICH = { customers: 1_000, orders: 5_000, auditRows: 2_000, invoiceNumber: 4_242 } as const;

/**
 * A "production" database with everything a schema fingerprint covers and a restore can lose: an
 * extension, an enum, customers (serial key, unique e-mail), orders (5,000 rows, numeric total with a
 * check, a foreign key, two secondary indexes, a trigger), an append-only audit log (identity key), a
 * sequence in use, a view, a materialized view, a function, grants to `grantee`, a table without a
 * primary key, and a second schema.
 */
export async function seedRich(databases: TestDatabases, database: string, newestOrder: number, grantee: string): Promise<void> {
  const newest = `'${new Date(newestOrder).toISOString()}'::timestamptz`;
  await databases.run(
    database,
    `create extension pg_trgm`,
    `create type public.order_status as enum ('new', 'paid', 'shipped')`,
    `create table public.customers (id serial primary key, email text not null unique, name text not null, created_at timestamptz not null)`,
    `create table public.orders (id bigint primary key, customer_id integer not null references public.customers (id),
       total numeric(10, 2) not null check (total >= 0), status public.order_status not null default 'new', created_at timestamptz not null)`,
    `create index orders_customer_idx on public.orders (customer_id)`,
    `create index orders_created_idx on public.orders (created_at)`,
    `create table public.audit_log (id bigint generated always as identity primary key, event text not null, at timestamptz not null)`,
    `create table public.page_views (path text not null, views integer not null)`,
    `create sequence public.invoice_number_seq`,
    `create view public.customer_order_counts as select customer_id, count(*) as orders from public.orders group by customer_id`,
    `create materialized view public.daily_orders as select date_trunc('day', created_at) as day, count(*) as orders from public.orders group by 1`,
    `create function public.order_count(customer integer) returns bigint language sql stable as 'select count(*) from public.orders where customer_id = customer'`,
    `create function public.stamp_order() returns trigger language plpgsql as $$ begin new.created_at := coalesce(new.created_at, now()); return new; end $$`,
    `create trigger orders_stamp before insert on public.orders for each row execute function public.stamp_order()`,
    `create schema reporting`,
    `create table reporting.targets (month date primary key, revenue numeric(12, 2) not null)`,
    `grant usage on schema reporting to ${quote(grantee)}`,
    `grant select on public.orders, public.customers, reporting.targets to ${quote(grantee)}`,
    `insert into public.customers (email, name, created_at) select 'customer' || g || '@example.com', 'Customer ' || g, ${newest} - g * interval '1 hour'
       from generate_series(1, ${RICH.customers}) g`,
    `insert into public.orders select g, 1 + g % ${RICH.customers}, (g % 500) + 0.99, (array['new', 'paid', 'shipped'])[1 + g % 3]::public.order_status,
       ${newest} - (${RICH.orders} - g) * interval '1 minute' from generate_series(1, ${RICH.orders}) g`,
    `insert into public.audit_log (event, at) select 'event ' || g, ${newest} - (${RICH.auditRows} - g) * interval '1 minute' from generate_series(1, ${RICH.auditRows}) g`,
    `insert into public.page_views select '/page/' || g, g * 3 from generate_series(1, 50) g`,
    `insert into reporting.targets select date '2026-01-01' + (g || ' month')::interval, 1000 * g from generate_series(0, 11) g`,
    `select setval('public.invoice_number_seq', ${RICH.invoiceNumber})`,
    `refresh materialized view public.daily_orders`,
    `analyze`,
  );
}

/**
 * A small "production" schema: customers, orders (created_at one minute apart, the newest exactly at
 * `newestOrder`), two secondary indexes, an oddly named table, an unlogged cache and an `archive`
 * schema outside the default `public`.
 */
export async function seedProduction(databases: TestDatabases, database: string, newestOrder: number): Promise<void> {
  const newest = `'${new Date(newestOrder).toISOString()}'::timestamptz`;
  const audit = `public.${quote(SAMPLE.auditTable)}`;
  await databases.run(
    database,
    `create table public.customers (id integer primary key, email text not null unique, name text not null, created_at timestamptz not null)`,
    `create table public.orders (id bigint primary key, customer_id integer not null references public.customers (id),
       amount numeric(10, 2) not null, created_at timestamptz not null)`,
    `create index orders_customer_id_idx on public.orders (customer_id)`,
    `create index orders_created_at_idx on public.orders (created_at)`,
    `create table ${audit} (id integer primary key, "Event Name" text not null)`,
    `create unlogged table public.session_cache (key text primary key, value text)`,
    `create schema archive`,
    `create table archive.old_orders (id bigint primary key)`,
    `insert into public.customers select g, 'customer' || g || '@example.com', 'Customer ' || g, ${newest} - g * interval '1 hour'
       from generate_series(1, ${SAMPLE.customers}) g`,
    `insert into public.orders select g, 1 + g % ${SAMPLE.customers}, (g % 500) + 0.99, ${newest} - (${SAMPLE.orders} - g) * interval '1 minute'
       from generate_series(1, ${SAMPLE.orders}) g`,
    `insert into ${audit} select g, 'event ' || g from generate_series(1, ${SAMPLE.auditRows}) g`,
    `insert into public.session_cache select 'k' || g, 'v' from generate_series(1, 10) g`,
    `insert into archive.old_orders select g from generate_series(1, 7) g`,
    `analyze`,
  );
}

export interface RejectingServer {
  readonly port: number;
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;

/** One backend message: type byte, int32 length (counting itself), body. */
function backendMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function errorResponse(code: string, message: string): Buffer {
  const fields = [`SFATAL`, `VFATAL`, `C${code}`, `M${message}`].map((field) => Buffer.from(`${field}\0`, 'utf8'));
  return backendMessage('E', Buffer.concat([...fields, Buffer.from([0])]));
}

/** Speaks just enough of the wire protocol: asks for a cleartext password, then rejects it. */
function rejectPasswords(socket: Socket, echoPassword: boolean): void {
  let buffered = Buffer.alloc(0);
  let awaitingPassword = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!awaitingPassword && buffered.length >= 8) {
      const length = buffered.readInt32BE(0);
      if (buffered.length < length) return;
      const code = buffered.readInt32BE(4);
      buffered = buffered.subarray(length);
      if (code === SSL_REQUEST_CODE) {
        socket.write('N');
        return;
      }
      awaitingPassword = true;
      const cleartext = Buffer.alloc(4);
      cleartext.writeInt32BE(3);
      socket.write(backendMessage('R', cleartext));
      return;
    }
    if (awaitingPassword && buffered.length >= 5 && buffered.length >= 1 + buffered.readInt32BE(1)) {
      const password = buffered.subarray(5, buffered.readInt32BE(1)).toString('utf8');
      const said = echoPassword ? ` (it sent "${password}")` : '';
      socket.end(errorResponse('28P01', `password authentication failed for user "postgres"${said}`));
    }
  });
}

/**
 * A stand-in server that rejects every password, as PostgreSQL with md5/scram auth would (the real
 * test server trusts everyone). With `echoPassword` its error quotes the password back: the worst case
 * a redaction must survive.
 */
export async function startPasswordRejectingServer(echoPassword: boolean): Promise<RejectingServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    rejectPasswords(socket, echoPassword);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the stand-in server has no TCP port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
