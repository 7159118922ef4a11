// Rehearses, one drill each, the corruptions a restore test must catch (issue: "prove the data, not its
// shape"), injected into the restored database with --inject-sql, and prints which check caught each.
// Exits 1 when one was not caught. `npm run drill:corruptions` (which builds the drill first: drill/build.ts);
// not part of `npm test` (a drill each).

import { spawnSync } from 'node:child_process';
import { DRILL_ENTRY } from './build.js';
import { REPORTING_ROLE } from './sample-data.js';

/** The sample's triggers keep public.audit_log append-only: a corruption below the application bypasses them. */
const BELOW_THE_APP = 'set session_replication_role = replica';

const CORRUPTIONS: readonly { name: string; sql: readonly string[] }[] = [
  { name: 'every order total set to 0', sql: [BELOW_THE_APP, 'update public.orders set total_cents = 0'] },
  { name: 'every e-mail NULLed', sql: ['alter table public.customers alter column email drop not null', 'update public.customers set email = null'] },
  { name: 'customer ids shifted', sql: [BELOW_THE_APP, 'update public.orders set customer_id = customer_id % 500 + 1'] },
  {
    name: 'e-mails permuted',
    // Each customer gets the next one's address (the unique constraint holds before and after, not between).
    sql: [
      "update public.customers set email = '~' || email",
      "update public.customers c set email = p.email from (select id, lead(substr(email, 2), 1, (select substr(email, 2) from public.customers order by id limit 1)) over (order by id) as email from public.customers) p where p.id = c.id",
    ],
  },
  { name: 'a column retyped', sql: ['alter table public.audit_log alter column total_cents type bigint'] },
  { name: '5 of 5,000 rows deleted', sql: [BELOW_THE_APP, 'delete from public.orders where id in (17, 1234, 2500, 3777, 4999)'] },
  { name: 'an index dropped', sql: ['drop index public.orders_customer_idx'] },
  { name: 'every secondary index dropped', sql: ['drop index public.orders_customer_idx', 'drop index public.orders_created_idx', 'alter table public.customers drop constraint customers_email_key'] },
  { name: 'a primary key dropped', sql: ['alter table public.audit_log drop constraint audit_log_pkey'] },
  { name: 'a foreign key dropped', sql: ['alter table public.orders drop constraint orders_customer_id_fkey'] },
  { name: 'a check constraint dropped', sql: ['alter table public.orders drop constraint orders_total_cents_check'] },
  { name: 'a sequence reset', sql: [`select setval('public.orders_id_seq', 1)`] },
  { name: 'a function dropped', sql: ['drop view public.customer_order_totals', 'drop function public.cents_to_amount(bigint)'] },
  { name: 'a view dropped', sql: ['drop view public.customer_order_totals'] },
  { name: 'a materialized view dropped', sql: ['drop materialized view public.daily_revenue'] },
  { name: 'an extension dropped', sql: ['drop extension pg_trgm cascade'] },
  { name: 'an owner changed', sql: [`alter table public.customers owner to ${REPORTING_ROLE}`] },
  { name: 'a grant revoked', sql: [`revoke select on public.daily_revenue from ${REPORTING_ROLE}`] },
  { name: 'a trigger dropped', sql: ['drop trigger orders_audit on public.orders'] },
  { name: 'a grant added', sql: ['grant select on public.orders to public'] },
  { name: 'a table set unlogged', sql: ['alter table public.audit_log set unlogged'] },
  { name: 'an index left INVALID', sql: [`update pg_catalog.pg_index set indisvalid = false where indexrelid = 'public.orders_created_idx'::regclass`] },
];

let missed = 0;
for (const corruption of CORRUPTIONS) {
  const args = [DRILL_ENTRY, ...corruption.sql.flatMap((sql) => ['--inject-sql', sql])];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const result = /^RESULT: .*$/m.exec(run.stdout ?? '')?.[0] ?? `(no RESULT line; exit ${String(run.status)})`;
  const caught = run.status === 1 && /caught by/.test(result);
  if (!caught) missed += 1;
  console.log(`${caught ? '✓' : '✗'} ${corruption.name.padEnd(32)} ${result.replace(/^RESULT: /, '')}`);
}
console.log(missed === 0 ? `all ${CORRUPTIONS.length} corruptions caught` : `${missed} of ${CORRUPTIONS.length} NOT caught`);
process.exitCode = missed === 0 ? 0 : 1;
