// The drill's "production" database: customers and orders with created_at times up to now, indexes,
// a few thousand rows — enough for every validation check to have something real to look at.

import pg from 'pg';

export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export async function withClient<T>(conn: Connection, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...conn, database, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates and fills the sample production database; `newestAgeMs` sets how old the newest order is, and
 * `futureOrderAheadMs` adds one order dated that far in the future (a writer with a wrong clock).
 */
export async function createSampleDatabase(conn: Connection, name: string, now: number, newestAgeMs = 60_000, futureOrderAheadMs?: number): Promise<{ customers: number; orders: number }> {
  await withClient(conn, 'postgres', (c) => c.query(`create database ${quote(name)}`));
  return withClient(conn, name, async (c) => {
    await c.query(`
      create table public.customers (id bigint primary key, email text not null unique, created_at timestamptz not null);
      create table public.orders (id bigint primary key, customer_id bigint not null references public.customers(id), total_cents integer not null check (total_cents >= 0), created_at timestamptz not null);
      create index orders_customer_idx on public.orders (customer_id);
      create index orders_created_idx on public.orders (created_at);
      insert into public.customers (id, email, created_at)
        select g, 'customer' || g || '@example.com', '${new Date(now).toISOString()}'::timestamptz - (g || ' hours')::interval from generate_series(1, 500) g;
      insert into public.orders (id, customer_id, total_cents, created_at)
        select g, 1 + (g % 500), (g * 37) % 100000, '${new Date(now - newestAgeMs).toISOString()}'::timestamptz - ((5000 - g) || ' minutes')::interval from generate_series(1, 5000) g;
    `);
    if (futureOrderAheadMs === undefined) return { customers: 500, orders: 5000 };
    await c.query('insert into public.orders (id, customer_id, total_cents, created_at) values (5001, 1, 100, $1::timestamptz)', [new Date(now + futureOrderAheadMs).toISOString()]);
    return { customers: 500, orders: 5001 };
  });
}

/** A copy of a database as it is now (a "snapshot" or a "restore"): CREATE DATABASE … TEMPLATE. */
export async function copyDatabase(conn: Connection, from: string, to: string): Promise<void> {
  await withClient(conn, 'postgres', async (c) => {
    // A template must have no other sessions; the drill's own are closed, but be sure.
    await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [from]);
    await c.query(`create database ${quote(to)} template ${quote(from)}`);
  });
}

export async function dropDatabase(conn: Connection, name: string): Promise<void> {
  await withClient(conn, 'postgres', async (c) => {
    await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    await c.query(`drop database if exists ${quote(name)}`);
  });
}

/** Databases whose names start with the prefix (for cleanup of this run only). */
export async function databasesWithPrefix(conn: Connection, prefix: string): Promise<string[]> {
  return withClient(conn, 'postgres', async (c) => {
    const result = await c.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [prefix]);
    return result.rows.map((r) => r.datname);
  });
}
