// The drill's data plane behind the RDS stand-in: an "instance" is a real PostgreSQL database, a
// snapshot (or its cross-region copy) is a real copy of one, a restore creates a new database from it,
// a deletion drops it. Faults from `--break` are applied here, where a real failure would happen.

import type { RdsDataPlane } from '../sandbox/aws/rds-standin.js';
import { copyDatabase, dropDatabase, withClient, type Connection } from './sample-data.js';

export const FAULTS = ['drop-table', 'stale-data', 'row-loss', 'restore-fails', 'validation-timeout', 'future-data', 'no-manifest', 'manifest-denied'] as const;
export type Fault = (typeof FAULTS)[number];

export interface PgDataPlane extends RdsDataPlane {
  /** The PostgreSQL database behind an instance or snapshot, by region and id. */
  databaseOf(region: string, id: string): string | undefined;
  /** Every database this run created (for cleanup). */
  created(): readonly string[];
  /** Sessions held open by a fault (released before cleanup). */
  release(): Promise<void>;
  /** Refuse further copies (an interrupt is cleaning up) and wait for those under way to settle. */
  stop(): Promise<void>;
}

export function pgDataPlane(conn: Connection, prefix: string, sourceInstance: { region: string; id: string; database: string }, fault: Fault | null): PgDataPlane {
  const databases = new Map<string, string>([[`${sourceInstance.region}/${sourceInstance.id}`, sourceInstance.database]]);
  const created: string[] = [];
  const held: { end(): Promise<void> }[] = [];
  let counter = 0;
  let stopped = false;
  const underway = new Set<Promise<unknown>>();
  /** A copy that respects an interrupt: none starts after stop(), and one that finishes after it is undone. */
  const copy = async (from: string, to: string) => {
    if (stopped) throw new Error('the drill is being interrupted');
    const work = copyDatabase(conn, from, to);
    underway.add(work);
    try {
      await work;
    } finally {
      underway.delete(work);
    }
    if (stopped) {
      await dropDatabase(conn, to).catch(() => undefined);
      throw new Error('the drill is being interrupted');
    }
  };
  const fresh = (kind: string) => {
    counter += 1;
    const name = `${prefix}${kind}_${counter}`;
    created.push(name);
    return name;
  };
  const need = (region: string, id: string) => {
    const name = databases.get(`${region}/${id}`);
    if (name === undefined) throw new Error(`the drill has no database behind ${region}/${id}`);
    return name;
  };

  return {
    databaseOf: (region, id) => databases.get(`${region}/${id}`),
    created: () => created,
    async release() {
      await Promise.all(held.splice(0).map((c) => c.end().catch(() => undefined)));
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...underway]);
    },
    async snapshotCreated({ region, snapshotId, instanceId }) {
      const name = fresh('snap');
      await copy(need(region, instanceId), name);
      databases.set(`${region}/${snapshotId}`, name);
    },
    async snapshotCopied({ fromRegion, sourceSnapshotId, region, snapshotId }) {
      const name = fresh('copy');
      await copy(need(fromRegion, sourceSnapshotId), name);
      databases.set(`${region}/${snapshotId}`, name);
    },
    async instanceRestored({ region, instanceId, from }) {
      if (fault === 'restore-fails') throw new Error('injected fault: the restore failed (restore-fails)');
      const source = from.kind === 'snapshot' ? need(region, from.snapshotId) : need(from.sourceRegion, from.sourceInstanceId);
      const name = fresh('restore');
      await copy(source, name);
      databases.set(`${region}/${instanceId}`, name);
      if (fault === 'drop-table') await withClient(conn, name, (c) => c.query('drop table public.orders'));
      if (fault === 'row-loss') await withClient(conn, name, (c) => c.query('delete from public.orders where id % 10 = 0'));
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
      }
      return { address: conn.host, port: conn.port, dbName: name };
    },
    async instanceDeleted({ region, instanceId }) {
      const name = databases.get(`${region}/${instanceId}`);
      if (name === undefined) return;
      await dropDatabase(conn, name);
      databases.delete(`${region}/${instanceId}`);
    },
    async snapshotDeleted({ region, snapshotId }) {
      const name = databases.get(`${region}/${snapshotId}`);
      if (name === undefined) return;
      await dropDatabase(conn, name);
      databases.delete(`${region}/${snapshotId}`);
    },
  };
}
