// `npm run drill -- --inject-sql "<SQL>" …`: a team rehearses its own corruption. The statements run on the
// restored database, in order, after the restore and before validation; the exit code and RESULT line follow
// the verdict; a statement that fails is the drill's error (exit 3), never a fault "caught".

import { describe, expect, it } from 'vitest';
import { drill, leftovers, runFacts } from './drill-process.js';

const notice = (text: string) => `DO $$ BEGIN RAISE NOTICE '${text} in %', current_database(); END $$`;

describe.concurrent('npm run drill -- --inject-sql', () => {
  it('runs each statement in order on the restored database, after the restore and before validation, which catches the change', async () => {
    const { code, out } = await drill(['--inject-sql', notice('first'), '--inject-sql', 'delete from public.orders where id <= 100', '--inject-sql', notice('third')]);
    const restored = /connected to postgres@[^/]+\/(\S+_restore_\d+):/.exec(out)?.[1];
    expect(restored).toBeDefined();
    const lines = out.split('\n');
    const at = (pattern: string) => lines.findIndex((line) => line.includes(pattern));
    // In order, each on the database validation then connected to.
    expect(at(`--inject-sql #1 on ${restored}: DO $$`)).toBeGreaterThan(0);
    expect(at(`NOTICE: first in ${restored}`)).toBeGreaterThan(at('--inject-sql #1'));
    expect(at(`--inject-sql #2 on ${restored}: delete from public.orders where id <= 100`)).toBeGreaterThan(at('NOTICE: first'));
    expect(at('→ DELETE 100')).toBeGreaterThan(at('--inject-sql #2'));
    expect(at(`NOTICE: third in ${restored}`)).toBeGreaterThan(at('→ DELETE 100'));
    // After the restore, before validation.
    expect(at('--inject-sql #1')).toBeGreaterThan(at('  Restore'));
    expect(at('NOTICE: third')).toBeLessThan(at('  Validate'));
    // The snapshot's manifest still counts 5000 (the source was not touched); the restore has 4900.
    expect(out).toMatch(/✗ row-counts .*public\.orders expected 5000, observed 4900/);
    expect(out).toMatch(/^RESULT: FAILED — the injected SQL was caught by row-counts/m);
    expect(code).toBe(1);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('leaves the verdict to validation: a statement that changes nothing passes, exit 0', async () => {
    const { code, out } = await drill(['--inject-sql', 'select count(*) from public.orders']);
    expect(out).toMatch(/--inject-sql #1 on \S+_restore_\d+: select count\(\*\) from public\.orders/);
    expect(out).toContain('→ SELECT 1');
    expect(out).toMatch(/^RESULT: PASSED — the injected SQL was NOT caught$/m);
    expect(code).toBe(0);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it.each([
    { name: 'a statement PostgreSQL rejects', sql: 'update public.no_such_table set x = 1', message: 'relation "public.no_such_table" does not exist' },
    { name: 'a DO block that raises', sql: "DO $$ BEGIN RAISE EXCEPTION 'rehearsal aborted: %', 42; END $$", message: 'rehearsal aborted: 42' },
  ])('reports $name as the drill’s own error (exit 3), runs nothing after it and validates nothing', async ({ sql, message }) => {
    const { code, out, err } = await drill(['--inject-sql', 'select 1', '--inject-sql', sql, '--inject-sql', notice('never')]);
    expect(code).toBe(3);
    expect(out).toContain(`✗ ${message}`);
    expect(out).toContain(`RESULT: ERROR — --inject-sql #2 failed on the restored database: ${message}. Nothing was validated`);
    expect(err).toContain(`drill: --inject-sql #2 failed on the restored database: ${message}`);
    expect(out).not.toContain('--inject-sql #3');
    expect(out).not.toContain('NOTICE: never');
    expect(out).not.toContain('✓ connectivity');
    expect(out).not.toMatch(/^RESULT: (PASSED|FAILED|INCONCLUSIVE)/m);
    expect(out).not.toContain('caught');
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('refuses an empty statement with a usage line', async () => {
    const { code, err } = await drill(['--inject-sql', '  ']);
    expect(code).toBe(2);
    expect(err).toContain('--inject-sql #1 is empty');
  });
});
