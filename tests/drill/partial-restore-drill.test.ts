// `npm run drill -- --scenario partial-restore` as a user runs it: a dropped table of the sample
// production database recovered by the real database-recovery state machine into a recovery schema,
// the rows and the merge SQL printed, production's other tables untouched, nothing left behind.

import { describe, expect, it } from 'vitest';
import { drill, drillOnce, leftovers, runFacts } from './drill-process.js';

describe('npm run drill -- --scenario partial-restore', () => {
  it('recovers the dropped public.orders into recovery_<timestamp>, prints the rows and the merge SQL, and exits 0', async () => {
    const { code, out } = await drillOnce(['--scenario', 'partial-restore']);
    expect(out).toContain('The incident: someone runs `drop table public.orders cascade` on production');
    for (const state of ['Plan', 'Restore', 'Wait for instance', 'Validate', 'Copy tables', 'Tear down', 'Report']) expect(out).toMatch(new RegExp(`^ +\\+[\\d.]+ s  ${state}$`, 'm'));
    expect(out).toContain('→ execution SUCCEEDED');
    expect(out).toMatch(/✓ public\.orders → recovery_\d{14}\.orders: 5000 rows \(the backup holds 5000\)/);
    expect(out).toMatch(/insert into "public"\."orders" \("id", "customer_id", "total_cents", "created_at"\) select .* from "recovery_\d{14}"\."orders" on conflict do nothing;/);
    for (const line of ['✓ public.customers unchanged', '✓ public.audit_log unchanged', "✓ public.orders is still absent from production (the merge is the operator's)"]) expect(out).toContain(line);
    expect(out).toMatch(/✓ the temporary instance bdr-rec-app-db-\d{14} was deleted/);
    expect(out).toMatch(/^RESULT: PASSED — public\.orders recovered into recovery_\d{14} \(5000 rows\); production's tables untouched$/m);
    expect(code).toBe(0);
    expect(await leftovers(runFacts(out))).toEqual([]);
  }, 240_000);

  it('refuses an unknown scenario, or a scenario with a fault, as a usage error', async () => {
    const unknown = await drill(['--scenario', 'rewind']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--scenario: unknown scenario "rewind" (one of partial-restore, region-failover, rehearsal)');
    const mixed = await drill(['--scenario', 'partial-restore', '--break', 'row-loss']);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain('--scenario runs alone');
  }, 60_000);
});
