// The manifest of a database at snapshot time: exact row counts of every table the policy covers and the
// server version, read in one repeatable-read transaction so every count sees the same instant. Captured
// by capture-db-manifest beside each snapshot; a restore test compares the restore with it.

import { InvalidInput } from '../../errors.js';
import { countRows, inSnapshot, listTables, loggedTables, serverVersion, type CatalogTable } from './catalog.js';
import { describeTarget, openSession, validationSessionOptions, type Session } from './connection.js';
import type { ConnectionSpec, SourceManifest, ValidationConfig } from './types.js';

/** The tables a manifest records: those the policy names (all must exist), else the logged tables of its schemas. */
async function manifestTables(session: Session, config: ValidationConfig, connection: ConnectionSpec): Promise<CatalogTable[]> {
  if (config.tables.length === 0) return loggedTables((await listTables(session.client, config.schemas)).values());
  const all = await listTables(session.client, null);
  const missing = config.tables.filter((key) => !all.has(key));
  if (missing.length > 0) throw new InvalidInput('validation.tables', `${missing.join(', ')} not found on ${describeTarget(connection)}`);
  return config.tables.flatMap((key) => all.get(key) ?? []);
}

/** Exact row counts of every table in the configured schemas (or the configured tables), and the server version. */
export async function captureManifest(connection: ConnectionSpec, config: ValidationConfig, now: () => number): Promise<SourceManifest> {
  const capturedAt = now();
  const session = await openSession(connection, validationSessionOptions(config, 'backup-dr capture-db-manifest'));
  try {
    return await inSnapshot(session.client, async () => {
      const version = await serverVersion(session.client);
      const tables = await countRows(session.client, await manifestTables(session, config, connection));
      return { capturedAt, serverVersion: version.short, tables };
    });
  } finally {
    await session.close();
  }
}
