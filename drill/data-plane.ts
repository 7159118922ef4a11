// The drill's data plane behind the RDS stand-in: an "instance" is a real PostgreSQL database, a
// snapshot (or its cross-region copy) is a real copy of one, a restore creates a new database from it,
// a deletion drops it. Corruptions of the restored database — a `--break` fault, then the team's own
// `--inject-sql` statements — are applied here, once the restore is done and before validation sees it.

import type { Client } from 'pg';
import type { RdsDataPlane } from '../sandbox/aws/rds-standin.js';
import type { RunDatabases } from './run-databases.js';
import { copyDatabase, dropDatabase, withClient, type Connection } from './sample-data.js';

export const FAULTS = [
  'drop-table',
  'stale-data',
  'row-loss',
  'changed-values',
  'missing-index',
  'mass-delete',
  'restore-fails',
  'validation-timeout',
  'future-data',
  'no-manifest',
  'manifest-denied',
] as const;
export type Fault = (typeof FAULTS)[number];

/** Faults of the drill's Redis part (drill/redis.ts): an export cut short, keys lost in the restore, a seed that fails. */
export const REDIS_FAULTS = ['redis-truncated-export', 'redis-key-loss', 'redis-seed-fails'] as const;
export type RedisFault = (typeof REDIS_FAULTS)[number];

/** Faults of the drill's media part (drill/media.ts): a copy missing from the replica, a copy whose bytes differ. */
export const MEDIA_FAULTS = ['media-replica-missing', 'media-checksum-mismatch'] as const;
export type MediaFault = (typeof MEDIA_FAULTS)[number];

/** Faults of the drill's configuration part (drill/config.ts): the primary's stored bundle altered after it was written. */
export const CONFIG_FAULTS = ['config-tampered'] as const;
export type ConfigFault = (typeof CONFIG_FAULTS)[number];

/**
 * Faults that corrupt the restored database with SQL. They model damage done below the application
 * (storage, a broken restore, a hand-run fix), so the application's triggers do not fire: nothing lands
 * in the audit log that would give the corruption away.
 */
const RESTORED_CORRUPTION: Partial<Record<Fault, { readonly what: string; readonly sql: string }>> = {
  'drop-table': { what: 'public.orders dropped (with its view and sequence)', sql: 'drop table public.orders cascade' },
  'row-loss': { what: 'every tenth order deleted', sql: 'delete from public.orders where id % 10 = 0' },
  'changed-values': { what: 'every order total set to 0', sql: 'update public.orders set total_cents = 0' },
  'missing-index': { what: 'the secondary index public.orders_customer_idx dropped', sql: 'drop index public.orders_customer_idx' },
};

/** Runs a fault's statement in one transaction with the user triggers of public.orders off (and on again after). */
async function corrupt(conn: Connection, database: string, sql: string): Promise<unknown> {
  return withClient(conn, database, async (c) => {
    const dml = /^(delete|update)\b/i.test(sql);
    await c.query('begin');
    if (dml) await c.query('alter table public.orders disable trigger user');
    const result = await c.query(sql);
    if (dml) await c.query('alter table public.orders enable trigger user');
    await c.query('commit');
    return result;
  });
}

/** A statement of `--inject-sql` that failed: the drill reports it instead of a verdict. */
export interface InjectionFailure {
  readonly index: number;
  readonly sql: string;
  readonly message: string;
}

export interface PgDataPlane extends RdsDataPlane {
  /** The PostgreSQL database behind an instance or snapshot, by region and id. */
  databaseOf(region: string, id: string): string | undefined;
  /**
   * Puts `database` behind the instance or snapshot `id` of `region` from now on (e.g. what a Region's
   * replicated automated backups hold once their source stops shipping logs: restores of it copy `database`).
   */
  bind(region: string, id: string, database: string): void;
  /** Sessions held open by a fault (released before cleanup). */
  release(): Promise<void>;
  /** The injected statement that failed, if one did. */
  injectionFailure(): InjectionFailure | null;
}

export interface DataPlaneOptions {
  readonly fault: Fault | null;
  /** `--inject-sql` statements, run in order in one session on the restored database. */
  readonly injectSql: readonly string[];
  /** Lines for the drill's report (what was done to the restored database). */
  readonly print: (line: string) => void;
}

/** One line of SQL for the report: whitespace collapsed, long statements cut. */
export const sqlLine = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length <= 120 ? flat : `${flat.slice(0, 117)}...`;
};

/** What a query did, as psql says it: "UPDATE 5000", "DO"; a multi-statement query's tags joined. */
function commandTags(result: unknown): string {
  const one = (r: { command?: string | null; rowCount?: number | null }) => [r.command ?? '', ['INSERT', 'UPDATE', 'DELETE', 'SELECT', 'MERGE', 'COPY'].includes(r.command ?? '') ? String(r.rowCount ?? 0) : ''].join(' ').trim();
  const list = (Array.isArray(result) ? result : [result]) as { command?: string | null; rowCount?: number | null }[];
  return list.map(one).filter((t) => t !== '').join('; ') || 'done';
}

export function pgDataPlane(conn: Connection, databases: RunDatabases, sourceInstance: { region: string; id: string; database: string }, options: DataPlaneOptions): PgDataPlane {
  const { fault, injectSql, print } = options;
  const byResource = new Map<string, string>([[`${sourceInstance.region}/${sourceInstance.id}`, sourceInstance.database]]);
  const held: { end(): Promise<void> }[] = [];
  let failure: InjectionFailure | null = null;
  const need = (region: string, id: string) => {
    const name = byResource.get(`${region}/${id}`);
    if (name === undefined) throw new Error(`the drill has no database behind ${region}/${id}`);
    return name;
  };
  const copy = async (kind: string, from: string) => {
    const name = databases.name(kind);
    await databases.create(name, () => copyDatabase(conn, from, name));
    return name;
  };
  const note = (line: string) => print(`             ${line}`);

  /** The team's statements, in order, in one session (a SET in one holds for the next); the first failure stops them. */
  const inject = async (database: string) => {
    await withClient(conn, database, async (client: Client) => {
      client.on('notice', (notice: { severity?: string; message?: string }) => note(`  ${notice.severity ?? 'NOTICE'}: ${notice.message ?? ''}`));
      for (const [i, sql] of injectSql.entries()) {
        note(`--inject-sql #${i + 1} on ${database}: ${sqlLine(sql)}`);
        const started = Date.now();
        try {
          note(`  → ${commandTags(await client.query(sql))} (${Date.now() - started} ms)`);
        } catch (error) {
          failure = { index: i + 1, sql, message: (error as Error).message };
          note(`  ✗ ${failure.message}`);
          throw new Error(`--inject-sql #${i + 1} failed: ${failure.message}`, { cause: error });
        }
      }
    });
  };

  return {
    databaseOf: (region, id) => byResource.get(`${region}/${id}`),
    bind: (region, id, database) => void byResource.set(`${region}/${id}`, database),
    injectionFailure: () => failure,
    async release() {
      await Promise.all(held.splice(0).map((c) => c.end().catch(() => undefined)));
    },
    async snapshotCreated({ region, snapshotId, instanceId }) {
      byResource.set(`${region}/${snapshotId}`, await copy('snap', need(region, instanceId)));
    },
    async snapshotCopied({ fromRegion, sourceSnapshotId, region, snapshotId }) {
      byResource.set(`${region}/${snapshotId}`, await copy('copy', need(fromRegion, sourceSnapshotId)));
    },
    async instanceRestored({ region, instanceId, from }) {
      if (fault === 'restore-fails') throw new Error('injected fault: the restore failed (restore-fails)');
      const source = from.kind === 'snapshot' ? need(region, from.snapshotId) : need(from.sourceRegion, from.sourceInstanceId);
      const name = await copy('restore', source);
      byResource.set(`${region}/${instanceId}`, name);
      const corruption = fault === null ? undefined : RESTORED_CORRUPTION[fault];
      if (corruption !== undefined) {
        const result = await corrupt(conn, name, corruption.sql);
        note(`! --break ${fault} on ${name}: ${corruption.what} → ${commandTags(result)}`);
      }
      if (fault === 'validation-timeout') {
        // A session that holds an exclusive lock on the biggest table: validation's queries wait until
        // their statement timeout cancels them.
        const { default: pg } = await import('pg');
        const blocker = new pg.Client({ ...conn, database: name });
        // Teardown terminates this session when it drops the database: expected, not a crash.
        blocker.on('error', () => undefined);
        await blocker.connect();
        await blocker.query('begin');
        await blocker.query('lock table public.orders in access exclusive mode');
        held.push(blocker);
        note(`! --break validation-timeout on ${name}: another session holds an exclusive lock on public.orders`);
      }
      // A failed statement fails the restore: the instance goes "failed", nothing is validated, and the
      // drill reports the statement rather than a verdict.
      if (injectSql.length > 0) await inject(name);
      return { address: conn.host, port: conn.port, dbName: name };
    },
    async instanceDeleted({ region, instanceId }) {
      const name = byResource.get(`${region}/${instanceId}`);
      if (name === undefined) return;
      await dropDatabase(conn, name);
      byResource.delete(`${region}/${instanceId}`);
    },
    async snapshotDeleted({ region, snapshotId }) {
      const name = byResource.get(`${region}/${snapshotId}`);
      if (name === undefined) return;
      await dropDatabase(conn, name);
      byResource.delete(`${region}/${snapshotId}`);
    },
  };
}

/** `--break mass-delete`: what the source loses between the two backups (the application deletes: triggers fire). */
export const MASS_DELETE = { table: 'public.orders', sql: 'delete from public.orders where id % 5 in (1, 2, 3)' } as const;
