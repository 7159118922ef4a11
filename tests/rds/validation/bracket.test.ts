// A manifest cannot be taken at the snapshot's instant: one is captured just before the snapshot is
// requested and one once it exists, and the restore is judged against the range between them (real
// PostgreSQL; the "snapshot" is a copy of the source made between the two captures). Rows written while
// the snapshot was taken are no failure; what both captures agree on must come back exactly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRestore, type ConnectionSpec, type SourceManifest, type ValidationConfig, type ValidationReport } from '../../../functions/rds/validate-restore/validation.js';
import { captureManifest } from '../../../shared/rds/postgres/manifest.js';
import { postgresAvailable, TestDatabases, validationConfig } from '../../helpers/postgres.js';

const SNAPSHOT_AT = Date.parse('2026-11-24T17:00:00Z');
const SNAPSHOT_ID = 'backup-dr-app-db-20261125-0200';
const CONFIG = validationConfig({ appendOnly: ['public.payments'] });

function statuses(report: ValidationReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
}
function detail(report: ValidationReport, name: string): string {
  return report.checks.find((c) => c.name === name)?.detail ?? '';
}

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('judging a restore against the manifests captured before and after its snapshot', () => {
  const databases = new TestDatabases();
  let template = '';

  beforeAll(async () => {
    template = await databases.create();
    await databases.run(
      template,
      'create table public.customers (id bigint primary key, email text not null, tier text not null)',
      'create table public.payments (id bigint primary key, customer_id bigint not null, amount numeric(10, 2) not null)',
      'create sequence public.receipt_seq',
      `insert into public.customers select g, 'c' || g || '@example.com', 'basic' from generate_series(1, 500) g`,
      'insert into public.payments select g, 1 + g % 500, g * 1.25 from generate_series(1, 500) g',
      `select setval('public.receipt_seq', 500)`,
    );
  });
  afterAll(() => databases.dropAll());

  /**
   * A source from the template; `before` captured; `during` run on the source; the "snapshot" (a copy);
   * `after` run on the source and the after capture; `damage` run on the restore.
   */
  async function scenario(steps: { during?: string[]; afterwards?: string[]; damage?: string[]; config?: ValidationConfig }) {
    const config = steps.config ?? CONFIG;
    const source = await databases.create(template);
    const before = await captureManifest(databases.connection(source), config, () => SNAPSHOT_AT - 5_000, { seed: SNAPSHOT_ID });
    if (steps.during !== undefined) await databases.run(source, ...steps.during);
    const restored = await databases.create(source);
    if (steps.afterwards !== undefined) await databases.run(source, ...steps.afterwards);
    const after = await captureManifest(databases.connection(source), config, () => SNAPSHOT_AT + 60_000, { phase: 'after', before, seed: SNAPSHOT_ID });
    if (steps.damage !== undefined) await databases.run(restored, ...steps.damage);
    return { before, after, restored: databases.connection(restored), config };
  }

  const validate = (connection: ConnectionSpec, config: ValidationConfig, before: SourceManifest | null, after: SourceManifest | null) =>
    validateRestore({ connection, config, kind: 'snapshot', manifest: before, after, referenceTime: SNAPSHOT_AT, rpoTargetMs: 15 * 60_000, now: () => Date.now() });

  it('passes a consistent backup of a source written to while the snapshot was taken (2 inserts before it, 1 after), which a single capture failed', async () => {
    const { before, after, restored, config } = await scenario({
      during: ['insert into public.customers values (501, $$c501@example.com$$, $$basic$$), (502, $$c502@example.com$$, $$basic$$)', 'insert into public.payments values (501, 1, 9.99)', `select nextval('public.receipt_seq')`],
      afterwards: ['insert into public.customers values (503, $$c503@example.com$$, $$basic$$)', `select nextval('public.receipt_seq')`],
    });

    const bracketed = await validate(restored, config, before, after);
    expect(statuses(bracketed)).toMatchObject({ schema: 'passed', 'row-counts': 'passed', content: 'passed' });
    expect(detail(bracketed, 'row-counts')).toBe('all 2 tables match the counts captured before and after the snapshot (2026-11-24T16:59:55.000Z to 2026-11-24T17:01:00.000Z)');
    expect(detail(bracketed, 'content')).toBe('2 tables match the content captured before and after the snapshot (128 buckets)');
    expect(bracketed.outcome).toBe('passed');

    const single = await validate(restored, config, before, null);
    expect(detail(single, 'row-counts')).toBe('2 of 2 tables differ from the counts captured at 2026-11-24T16:59:55.000Z: public.customers expected 500, observed 502; public.payments expected 500, observed 501');
    // Rows beyond the captured largest key are never compared: the content itself still matches.
    expect(statuses(single)).toMatchObject({ schema: 'passed', 'row-counts': 'failed', content: 'passed' });
  });

  it('fails 5 deletes plus 5 inserts in the restore (the counts unchanged), naming the table and its buckets', async () => {
    const { before, after, restored, config } = await scenario({ damage: ['delete from public.customers where id in (10, 110, 210, 310, 410)', `insert into public.customers select g, 'x', 'basic' from generate_series(600, 604) g`] });

    const report = await validate(restored, config, before, after);
    expect(statuses(report)).toMatchObject({ 'row-counts': 'passed', content: 'failed' });
    expect(detail(report, 'content')).toMatch(/^1 of 2 tables differ from the content captured before and after the snapshot: public\.customers: 5 of 64 unchanged buckets differ \(7\.8 %, tolerance 0 %\): id \[9, 17\) \(8 rows captured, 7 restored\); /);
  });

  it('passes the same 5 deletes plus 5 inserts made by the application while the snapshot was taken: those buckets changed in the bracket', async () => {
    const { before, after, restored, config } = await scenario({ during: ['delete from public.customers where id in (10, 110, 210, 310, 410)', `insert into public.customers select g, 'x', 'basic' from generate_series(600, 604) g`] });

    const report = await validate(restored, config, before, after);
    expect(statuses(report)).toMatchObject({ 'row-counts': 'passed', content: 'passed' });
    expect(detail(report, 'content')).toBe('2 tables match the content captured before and after the snapshot (128 buckets, 5 changed while the snapshot was taken)');
    expect(report.outcome).toBe('passed');
  });

  it('fails a count outside the range the two captures saw', async () => {
    const { before, after, restored, config } = await scenario({
      during: [`insert into public.customers select g, 'x', 'basic' from generate_series(501, 502) g`],
      afterwards: [`insert into public.customers select g, 'x', 'basic' from generate_series(503, 503) g`],
      damage: [`insert into public.customers select g, 'x', 'basic' from generate_series(700, 702) g`],
    });

    const report = await validate(restored, config, before, after);
    expect(detail(report, 'row-counts')).toBe(
      '1 of 2 tables differ from the counts captured before and after the snapshot (2026-11-24T16:59:55.000Z to 2026-11-24T17:01:00.000Z): public.customers expected 500 to 503, observed 505',
    );
    expect(report.outcome).toBe('failed');
  });

  it('holds an append-only table to every captured row, whatever the tolerance; wholesale changes fail anywhere', async () => {
    const lenient = validationConfig({ appendOnly: ['public.payments'], content: { ...CONFIG.content, tolerance: 0.5 } });
    const oneChanged = await scenario({ config: lenient, damage: [`update public.customers set tier = 'gold' where id = 42`, 'update public.payments set amount = 0 where id = 42'] });

    const report = await validate(oneChanged.restored, lenient, oneChanged.before, oneChanged.after);
    expect(detail(report, 'content')).toBe(
      '1 of 2 tables differ from the content captured before and after the snapshot: public.payments (append-only): 1 of 64 buckets of captured rows differ: id [40, 48) (8 rows captured, 8 restored)',
    );
    const customers = (report.checks.find((c) => c.name === 'content')?.observed as { tables: { table: string; status: string; detail: string }[] }).tables.find((t) => t.table === 'public.customers');
    expect(customers).toMatchObject({ status: 'passed', detail: 'public.customers: 63 of 64 unchanged buckets match, 1 differing within the tolerance of 50 %' });

    const wholesale = await scenario({ config: lenient, damage: [`update public.customers set tier = 'gold'`] });
    const report2 = await validate(wholesale.restored, lenient, wholesale.before, wholesale.after);
    expect(detail(report2, 'content')).toMatch(/^1 of 2 tables differ from the content captured before and after the snapshot: public\.customers: 64 of 64 unchanged buckets differ \(100 %, tolerance 50 %\): a wholesale change: /);
  });

  it('warns when an append-only table was changed in place while the snapshot was taken', async () => {
    const { before, after, restored, config } = await scenario({ during: ['update public.payments set amount = 1 where id = 7'] });

    const report = await validate(restored, config, before, after);
    expect(report.outcome).toBe('passed');
    expect(report.warnings).toEqual(['content: append-only table public.payments changed in 1 bucket(s) of rows it already had while the snapshot was taken (is it really append-only?)']);
  });

  it('takes schema changes made while the snapshot was taken as either state; a sequence may be ahead, never behind', async () => {
    const { before, after, restored, config } = await scenario({
      during: ['create index customers_tier_idx on public.customers (tier)', `select setval('public.receipt_seq', 900)`],
      afterwards: ['alter table public.customers alter column tier set default $$basic$$', `select setval('public.receipt_seq', 950)`],
    });

    const report = await validate(restored, config, before, after);
    expect(statuses(report)).toMatchObject({ schema: 'passed' });
    expect(detail(report, 'schema')).toMatch(/^all 2 tables in the manifest exist; the schema matches its fingerprint \(\d+ objects, 2 changed while the snapshot was taken\)$/);

    const reset = await scenario({ damage: [`select setval('public.receipt_seq', 3)`] });
    expect(detail(await validate(reset.restored, reset.config, reset.before, reset.after), 'schema')).toContain('sequence public.receipt_seq: value 3 is behind the captured 500 (reset?)');
  });

  it('judges against the one capture there is when the other is missing', async () => {
    const { after, restored, config } = await scenario({ during: [`insert into public.customers select g, 'x', 'basic' from generate_series(501, 502) g`] });

    const report = await validate(restored, config, null, after);
    expect(statuses(report)).toMatchObject({ schema: 'passed', 'row-counts': 'passed', content: 'passed' });
    expect(detail(report, 'row-counts')).toBe('all 2 tables match the counts captured at 2026-11-24T17:01:00.000Z');
  });

  it('is inconclusive when the time budget leaves an append-only table uncompared', async () => {
    const { before, after, restored } = await scenario({});
    const hurried = validationConfig({ appendOnly: ['public.payments'], content: { ...CONFIG.content, timeBudget: 1 } });
    let time = 0;
    const report = await validateRestore({ connection: restored, config: hurried, kind: 'snapshot', manifest: before, after, referenceTime: SNAPSHOT_AT, rpoTargetMs: 900_000, now: () => (time += 1_000) });

    expect(report.checks.find((c) => c.name === 'content')).toMatchObject({
      status: 'inconclusive',
      detail: '1 append-only table(s) could not be compared in full: public.payments: not compared: the time budget (validation.content.timeBudget) ran out',
    });
    expect(report.outcome).toBe('inconclusive');
  });
});
