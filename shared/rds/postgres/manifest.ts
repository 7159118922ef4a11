// The manifest of a database beside a snapshot: exact row counts of every table the policy covers, the
// schema fingerprint and the content fingerprints, all read in one repeatable-read transaction so they
// are of one instant. capture-db-manifest takes one just before it requests the snapshot and one once
// the snapshot exists; a restore test must show a state between the two.

import { InvalidInput } from '../../errors.js';
import { countRows, inSnapshot, listTables, loggedTables, serverVersion, type CatalogTable } from './catalog.js';
import { describeTarget, openSession, validationSessionOptions, type Session } from './connection.js';
import { captureContent } from './content-fingerprint.js';
import { captureSchemaFingerprint } from './schema-fingerprint.js';
import type { CapturePhase, ConnectionSpec, SourceManifest, ValidationConfig } from './types.js';

/**
 * The tables a manifest records: those the policy names (all must exist), else the logged tables of its
 * schemas; and the append-only ones wherever they are (a missing one is recorded by the content capture).
 */
async function manifestTables(session: Session, config: ValidationConfig, connection: ConnectionSpec): Promise<CatalogTable[]> {
  const all = await listTables(session.client, null);
  let tables: CatalogTable[];
  if (config.tables.length === 0) {
    tables = loggedTables((config.schemas === undefined ? all : await listTables(session.client, config.schemas)).values());
  } else {
    const missing = config.tables.filter((key) => !all.has(key));
    if (missing.length > 0) throw new InvalidInput('validation.tables', `${missing.join(', ')} not found on ${describeTarget(connection)}`);
    tables = config.tables.flatMap((key) => all.get(key) ?? []);
  }
  const named = new Set(tables.map((t) => `${t.schema}.${t.table}`));
  const appendOnly = loggedTables(config.appendOnly.flatMap((key) => (named.has(key) ? [] : (all.get(key) ?? []))));
  return [...tables, ...appendOnly];
}

export interface CaptureOptions {
  /** before (default): lays out the content buckets; after: reuses the before capture's layout. */
  readonly phase?: CapturePhase;
  /** The capture taken just before the snapshot (for an `after` capture), if there is one. */
  readonly before?: SourceManifest | null;
  /** Chooses the sampled content buckets: the snapshot's id. */
  readonly seed?: string;
  /** Aborting it ends the session: the capture fails at once (a caller's deadline). */
  readonly signal?: AbortSignal;
}

/**
 * Counts, schema fingerprint and content fingerprints of every table in the configured schemas (or the
 * configured tables), and the server version, in one transaction. `capturedAt` bounds the data's instant
 * on the safe side: read after the transaction's first statement for a `before` capture (the data is no
 * newer), before the transaction began for an `after` capture (the data is no older).
 */
export async function captureManifest(connection: ConnectionSpec, config: ValidationConfig, now: () => number, options: CaptureOptions = {}): Promise<SourceManifest> {
  const phase = options.phase ?? 'before';
  const session = await openSession(connection, validationSessionOptions(config, 'backup-dr capture-db-manifest'));
  const abort = () => void session.close();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    options.signal?.throwIfAborted();
    const beforeTransaction = now();
    return await inSnapshot(session.client, async () => {
      const version = await serverVersion(session.client);
      const capturedAt = phase === 'before' ? now() : beforeTransaction;
      const tables = await countRows(session.client, await manifestTables(session, config, connection));
      const schema = await captureSchemaFingerprint(session.client, config.schemas ?? null);
      const content = await captureContent(session.client, { counts: tables, config, seed: options.seed ?? '', layoutFrom: options.before?.content, now });
      return { capturedAt, serverVersion: version.short, tables, phase, schema, content };
    });
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await session.close();
  }
}
