import { describe, expect, it } from 'vitest';
import { insertSql, rowsPerInsert } from '../../../functions/rds/database-recovery-copy/plan.js';
import { recoveryInstanceId } from '../../../shared/rds/naming.js';
import { recoverySchemaName, recoveryTargets } from '../../../shared/rds/recovery-tables.js';

describe('the partial recovery plan', () => {
  it('names the recovery schema by the wall clock of the policy, to the second', () => {
    expect(recoverySchemaName(Date.parse('2026-12-03T09:08:07.900Z'), 'Asia/Tokyo')).toBe('recovery_20261203180807');
    expect(recoverySchemaName(Date.parse('2026-12-31T23:59:59Z'), 'UTC')).toBe('recovery_20261231235959');
  });

  it('keeps one INSERT under the bind-parameter limit, whatever the width of the table', () => {
    expect(rowsPerInsert(5)).toBe(1_000);
    expect(rowsPerInsert(200)).toBe(300);
    expect(rowsPerInsert(1_600)).toBe(37);
    const sql = insertSql('recovery_1', 't', [{ name: 'a', type: 'integer' }, { name: 'b"c', type: 'text' }], 2);
    expect(sql).toBe('insert into "recovery_1"."t" ("a", "b""c") values ($1, $2), ($3, $4)');
  });

  it('names the bad table by its index', () => {
    expect(() => recoveryTargets([])).toThrow('tables: name at least one table');
    expect(() => recoveryTargets(['public.orders', '.x'])).toThrow('tables[1]: ".x" must be schema.table');
    expect(recoveryTargets(['public.Audit "Log" 2026'])).toEqual([{ source: { schema: 'public', table: 'Audit "Log" 2026' }, recoveredAs: 'Audit "Log" 2026' }]);
  });
});

describe('the recovery instance name', () => {
  it('keeps the whole stamp and stays a valid RDS identifier whatever the resource name', () => {
    expect(recoveryInstanceId('app-db', Date.parse('2026-12-03T09:08:07Z'), 'Asia/Tokyo')).toBe('bdr-rec-app-db-20261203180807');
    const long = recoveryInstanceId(`${'a'.repeat(50)}-b`, Date.parse('2026-12-03T09:08:07Z'), 'UTC');
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^bdr-rec-a+-20261203090807$/);
  });
});
