import { describe, expect, it, vi } from 'vitest';
import { InvalidPolicy } from '../../../shared/errors.js';
import { findResource, parsePolicy, retentionPolicyFor } from '../../../shared/policy/load.js';
import { summarisePolicy } from '../../../shared/policy/summary.js';
import { DEFAULT_POLICY_TEXT, errorOf, mutated } from '../../helpers/policy-text.js';

describe('backup-policy.yml', () => {
  it("holds the team's policy as its default content", () => {
    const policy = parsePolicy(DEFAULT_POLICY_TEXT);
    expect(policy.timezone).toBe('Asia/Tokyo');
    expect(policy.regions).toEqual({ primary: 'ap-northeast-1', secondary: 'ap-southeast-1', archive: 'ap-southeast-2' });
    const db = policy.resources.databases[0];
    expect(db?.schedule).toBe('cron(0 2 * * ? *)');
    expect(db?.automatedBackups).toEqual({ retentionDays: 35, replicateToSecondary: true, enforce: false });
    expect(policy.objectives.database).toEqual({ rpo: 15 * 60_000, rto: 2 * 3_600_000 });
    expect(policy.objectives.redis).toEqual({ rpo: 6 * 3_600_000, rto: 30 * 60_000 });
    expect(policy.objectives.regionFailover.rto).toBe(4 * 3_600_000);
    const appDb = findResource(policy, 'app-db');
    expect(appDb && retentionPolicyFor(policy, appDb)).toEqual({
      timeZone: 'Asia/Tokyo',
      keep: {
        withinDaily: { years: 0, months: 0, days: 30, hours: 0 },
        withinWeekly: { years: 0, months: 0, days: 84, hours: 0 },
        withinMonthly: { years: 0, months: 12, days: 0, hours: 0 },
        withinYearly: { years: 7, months: 0, days: 0, hours: 0 },
      },
      floor: { yearly: { years: 7, months: 0, days: 0, hours: 0 } },
    });
    expect(policy.resources.caches[0]?.retention.within).toEqual({ years: 0, months: 0, days: 7, hours: 0 });
    // Neither gives a backup window: 2 hours each, the default.
    expect([db?.backupWindow, policy.resources.caches[0]?.backupWindow]).toEqual([2 * 3_600_000, 2 * 3_600_000]);
  });

  it.each([
    { name: 'an unknown top-level key', change: (d: any) => { d.retension = {}; }, path: 'unknown key "retension"' },
    { name: 'an unknown retention key', change: (d: any) => { d.resources.databases[0].retention.withinDialy = '30d'; }, path: 'resources.databases[0].retention: unknown key "withinDialy"' },
    { name: 'a bad duration', change: (d: any) => { d.resources.databases[0].retention.withinDaily = '30 days'; }, path: 'resources.databases[0].retention.withinDaily: "30 days" is not a duration' },
    { name: 'a negative count', change: (d: any) => { d.resources.caches[0].retention.daily = -2; }, path: 'resources.caches[0].retention.daily: must not be negative' },
    { name: 'a fractional count', change: (d: any) => { d.resources.caches[0].retention.daily = 1.5; }, path: 'resources.caches[0].retention.daily: must be a whole number' },
    { name: 'a bad cron', change: (d: any) => { d.resources.databases[0].schedule = 'cron(0 25 * * ? *)'; }, path: 'resources.databases[0].schedule: ' },
    { name: 'a five-field cron', change: (d: any) => { d.resources.databases[0].schedule = 'cron(0 2 * * *)'; }, path: 'resources.databases[0].schedule: ' },
    { name: 'a bad time zone', change: (d: any) => { d.timezone = 'Asia/Tokio'; }, path: 'timezone: unknown IANA time zone "Asia/Tokio"' },
    { name: 'an unknown region', change: (d: any) => { d.regions.secondary = 'ap-southeast-9'; }, path: 'regions.secondary: unknown AWS region "ap-southeast-9"' },
    { name: 'the same region twice', change: (d: any) => { d.regions.secondary = 'ap-northeast-1'; }, path: 'regions: primary, secondary and archive must be different regions' },
    { name: 'a bad objective', change: (d: any) => { d.objectives.database.rpo = '15m'; }, path: 'objectives.database.rpo: "15m" is not a recovery objective' },
    { name: 'a missing objective', change: (d: any) => { delete d.objectives.redis; }, path: 'objectives.redis: ' },
    { name: 'a duplicate resource name', change: (d: any) => { d.resources.caches[0].name = 'app-db'; }, path: 'resources.caches[0].name: "app-db" is already used by resources.databases[0]' },
    { name: 'automated backup retention over 35 days', change: (d: any) => { d.resources.databases[0].automatedBackups.retentionDays = 36; }, path: 'resources.databases[0].automatedBackups.retentionDays' },
    { name: 'versioning turned off', change: (d: any) => { d.resources.buckets[0].versioning = false; }, path: 'resources.buckets[0].versioning: versioning must stay enabled' },
    { name: 'a backup window under 5 minutes', change: (d: any) => { d.resources.databases[0].backupWindow = '1min'; }, path: 'resources.databases[0].backupWindow: must be between 5min and 24h' },
    { name: 'a backup window over a day', change: (d: any) => { d.resources.caches[0].backupWindow = '2d'; }, path: 'resources.caches[0].backupWindow: must be between 5min and 24h' },
    { name: 'a backup window that is no duration', change: (d: any) => { d.resources.caches[0].backupWindow = 'an hour'; }, path: 'resources.caches[0].backupWindow: "an hour" is not a recovery objective' },
    { name: 'configuration with nothing to back up', change: (d: any) => { d.resources.configuration[0].ssmParameterPaths = []; d.resources.configuration[0].secrets = []; }, path: 'resources.configuration[0].ssmParameterPaths: name at least one' },
  ])('rejects $name, naming the field', ({ change, path }) => {
    expect(errorOf(mutated(change))).toContain(path);
  });

  it('rejects duplicate YAML keys instead of letting the last one win', () => {
    expect(errorOf(`${DEFAULT_POLICY_TEXT}\ndryRun: true\n`)).toMatch(/not valid YAML\/JSON/);
  });

  it('summarises steady-state snapshot counts per region and checks the RDS quota', () => {
    const policy = parsePolicy(DEFAULT_POLICY_TEXT);
    const summary = summarisePolicy(policy, Date.parse('2026-11-25T09:00:00+09:00'));
    const appDb = summary.resources.find((r) => r.name === 'app-db');
    // 30 daily + ~8 weekly + ~11 monthly + up to 8 yearly snapshots, the DESIGN's "55–61".
    expect(appDb?.steadyState?.primary).toBeGreaterThanOrEqual(55);
    expect(appDb?.steadyState?.primary).toBeLessThanOrEqual(61);
    expect(appDb?.nextRun).toBe(Date.parse('2026-11-26T02:00:00+09:00'));
    expect(summary.resources.find((r) => r.name === 'app-redis')?.steadyState).toEqual({ primary: 28, secondary: 28 });
    expect(summary.rdsQuota).toEqual([
      { region: 'ap-northeast-1', snapshots: appDb?.steadyState?.primary, quota: 100 },
      { region: 'ap-southeast-1', snapshots: appDb?.steadyState?.secondary, quota: 100 },
    ]);
    expect(summary.warnings).toEqual([]);
  });

  it('warns when the databases of a region would need more than 80 % of the snapshot quota', () => {
    const text = mutated((d) => {
      d.resources.databases.push({ ...d.resources.databases[0], name: 'billing-db', instanceId: 'billing-db-prod' });
    });
    const summary = summarisePolicy(parsePolicy(text), Date.parse('2026-11-25T09:00:00+09:00'));
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^ap-northeast-1: the policy keeps up to 1\d\d manual DB snapshots, over 80 % of the quota of 100/),
      expect.stringMatching(/^ap-southeast-1: /),
    ]);
  });

  it('refuses a database retention below the 7-year floor unless it gives an override', () => {
    const lowered = (override?: string) =>
      mutated((d) => {
        d.resources.databases[0].retention.withinYearly = '3y';
        if (override) d.resources.databases[0].retention.complianceOverride = override;
      });
    const now = Date.parse('2026-11-25T09:00:00+09:00');
    expect(() => summarisePolicy(parsePolicy(lowered()), now)).toThrow(/yearly snapshots must be kept for at least 7y/);
    const summary = summarisePolicy(parsePolicy(lowered('staging data only, approved by compliance')), now);
    expect(summary.warnings).toContain('app-db: compliance override in use: staging data only, approved by compliance');
  });

  it('refuses a custom YAML tag at cold start too, naming where, without printing warnings', () => {
    const warnings = vi.spyOn(process, 'emitWarning');
    const text = DEFAULT_POLICY_TEXT.replace('name: production', 'name: !Ref PolicyName');
    expect(() => parsePolicy(text, 'tagged.yml')).toThrow(InvalidPolicy);
    expect(() => parsePolicy(text, 'tagged.yml')).toThrow(/^tagged\.yml: not valid YAML\/JSON: Unresolved tag: !Ref at line \d+, column \d+ \(custom YAML tags are not supported\)$/);
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
  });
});
