import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectFailed } from '../../../shared/rds/postgres/connection.js';
import { validateRestore, type ConnectionSpec, type ValidationConfig } from '../../../functions/rds/validate-restore/validation.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import { startPasswordRejectingServer, validationConfig, type RejectingServer } from '../../helpers/postgres.js';

// The test PostgreSQL trusts every password, so a stand-in server plays one that checks them.
const PASSWORD = 'Wr0ng-pa55word-7f3a!';
const CONFIG: ValidationConfig = validationConfig({ schemas: ['public'], assertions: [{ name: 'anything', sql: 'select 1', expect: 1 }] });

function at(server: RejectingServer): ConnectionSpec {
  return { host: '127.0.0.1', port: server.port, user: 'postgres', password: PASSWORD, database: 'app', connectTimeoutMs: 2_000 };
}

function clock(): () => number {
  let time = Date.parse('2026-11-24T18:00:00Z');
  return () => (time += 1);
}

describe.each([
  { server: 'a server that rejects the password', echo: false },
  { server: 'a server whose error quotes the password back', echo: true },
])('a wrong password, against $server', ({ echo }) => {
  let server: RejectingServer;
  beforeAll(async () => {
    server = await startPasswordRejectingServer(echo);
  });
  afterAll(() => server.close());

  it('fails connectivity saying authentication failed, without the password anywhere in the report', async () => {
    const report = await validateRestore({ connection: at(server), config: CONFIG, kind: 'snapshot', manifest: null, referenceTime: Date.parse('2026-11-24T17:00:00Z'), rpoTargetMs: 900_000, now: clock() });

    const connectivity = report.checks[0]!;
    expect(connectivity).toMatchObject({ name: 'connectivity', status: 'failed' });
    expect(connectivity.detail).toMatch(new RegExp(`^cannot connect to postgres@127\\.0\\.0\\.1:${server.port}/app: password authentication failed for user "postgres".* \\(SQLSTATE 28P01\\)$`));
    expect(connectivity.detail).not.toContain(PASSWORD);
    if (echo) expect(connectivity.detail).toContain('[redacted]');
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
    // Required checks that could not run are inconclusive; only freshness, which this policy does not ask for, is skipped.
    expect(report.checks.slice(1).map((result) => [result.name, result.status])).toEqual([
      ['schema', 'inconclusive'],
      ['row-counts', 'inconclusive'],
      ['content', 'inconclusive'],
      ['amcheck', 'inconclusive'],
      ['freshness', 'skipped'],
      ['assertion:anything', 'inconclusive'],
    ]);
    expect(report.outcome).toBe('failed');
  });

  it('makes captureManifest throw a ConnectFailed that does not carry the password', async () => {
    const error: unknown = await captureManifest(at(server), CONFIG, clock()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConnectFailed);
    expect(error).toMatchObject({ name: 'ConnectFailed', message: expect.stringContaining('password authentication failed') });
    const everything = `${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
    expect(everything).not.toContain(PASSWORD);
  });
});
