import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectFailed } from '../../../shared/rds/postgres/connection.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import type { ValidationConfig } from '../../../shared/rds/postgres/types.js';
import { InvalidInput } from '../../../shared/errors.js';
import { postgresAvailable, SAMPLE, SAMPLE_COUNTS, seedProduction, TestDatabases } from '../../helpers/postgres.js';

const SNAPSHOT_AT = Date.parse('2026-11-24T17:00:00Z');
const DEFAULTS: ValidationConfig = {
  schemas: ['public'],
  tables: [],
  rowCounts: { mode: 'captured', tolerance: 0 },
  amcheck: true,
  assertions: [],
  statementTimeout: 60_000,
};

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('capturing the manifest of a source database', () => {
  const databases = new TestDatabases();
  let source = '';
  let version = '';

  beforeAll(async () => {
    source = await databases.create();
    await seedProduction(databases, source, SNAPSHOT_AT - 120_000);
    version = await databases.serverVersion();
  });
  afterAll(() => databases.dropAll());

  it.each([
    { name: 'every logged table of public, counted exactly (odd names included)', config: {}, tables: SAMPLE_COUNTS },
    { name: 'the tables of every configured schema', config: { schemas: ['public', 'archive'] }, tables: { ...SAMPLE_COUNTS, 'archive.old_orders': 7 } },
    { name: 'only the tables the policy names, in any schema', config: { tables: ['archive.old_orders', `public.${SAMPLE.auditTable}`] }, tables: { 'archive.old_orders': 7, [`public.${SAMPLE.auditTable}`]: SAMPLE.auditRows } },
  ])('records $name', async ({ config, tables }) => {
    const manifest = await captureManifest(databases.connection(source), { ...DEFAULTS, ...config }, () => SNAPSHOT_AT);

    expect(manifest).toEqual({ capturedAt: SNAPSHOT_AT, serverVersion: version, tables });
  });

  it('refuses a policy naming a table the source does not have', async () => {
    const capture = captureManifest(databases.connection(source), { ...DEFAULTS, tables: ['public.orders', 'public.invoices'] }, () => SNAPSHOT_AT);

    await expect(capture).rejects.toThrow(InvalidInput);
    await expect(capture).rejects.toThrow(/^validation\.tables: public\.invoices not found on postgres@.+\/bdr_test_[0-9a-f]+$/);
  });

  it('throws ConnectFailed for a database that does not exist', async () => {
    const capture = captureManifest({ ...databases.connection(source), database: 'bdr_test_missing' }, DEFAULTS, () => SNAPSHOT_AT);

    await expect(capture).rejects.toThrow(ConnectFailed);
    await expect(capture).rejects.toThrow('database "bdr_test_missing" does not exist (SQLSTATE 3D000)');
  });
});
