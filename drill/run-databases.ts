// Every database a drill run creates goes through here: named with the run's prefix, tracked while it is
// being created, refused once the run is being cleaned up (one that finishes creating after that is dropped
// again), and at the end every database with the prefix is dropped — also one a step left behind.

import { databasesWithPrefix, dropDatabase, type Connection } from './sample-data.js';

/** The run is being cleaned up: no new database. */
export class RunClosed extends Error {
  constructor() {
    super('the drill is being cleaned up: no new database');
    this.name = 'RunClosed';
  }
}

export class RunDatabases {
  readonly #conn: Connection;
  readonly prefix: string;
  readonly #creating = new Set<Promise<unknown>>();
  #closed = false;
  #counter = 0;

  constructor(conn: Connection, prefix: string) {
    this.#conn = conn;
    this.prefix = prefix;
  }

  /** A new name with the run's prefix: `<prefix><kind>_<n>`. */
  name(kind: string): string {
    this.#counter += 1;
    return `${this.prefix}${kind}_${this.#counter}`;
  }

  /** Runs `create`, which creates the database `name`, unless the run is being cleaned up. */
  async create(name: string, create: () => Promise<void>): Promise<void> {
    if (!name.startsWith(this.prefix)) throw new Error(`${name} lacks the run's prefix ${this.prefix}: cleanup would miss it`);
    if (this.#closed) throw new RunClosed();
    const work = create();
    this.#creating.add(work);
    try {
      await work;
    } finally {
      this.#creating.delete(work);
    }
    if (this.#closed) {
      await dropDatabase(this.#conn, name).catch(() => undefined);
      throw new RunClosed();
    }
  }

  /** No new database from now on; waits for those being created to settle. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#creating]);
  }

  /** Drops every database with the run's prefix; returns their names. */
  async dropAll(): Promise<string[]> {
    const names = await databasesWithPrefix(this.#conn, this.prefix);
    for (const name of names) await dropDatabase(this.#conn, name);
    return names;
  }
}
