import { describe, expect, it } from 'vitest';
import { pitrPlan, resourceFor, snapshotPlan } from '../../../functions/rds/restore-test-plan/plan.js';
import { InvalidInput } from '../../../shared/errors.js';
import { copyOf, primarySnapshot } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const NOW = Date.parse('2026-11-29T04:00:00+09:00');
const source = primarySnapshot('backup-dr-app-db-20261129-0200', '2026-11-29T02:00:00+09:00');
const copy = copyOf(source, '2026-11-29T03:00:00+09:00', { Status: 'available' }, { 'backup-dr:verified-at': '2026-11-29T03:30:00+09:00' });

describe('restore-test plan: network and credentials per region', () => {
  it("restores in the primary with restoreTest's own subnet group, security groups and secret", () => {
    const policy = teamPolicy();
    const plan = snapshotPlan(policy, resourceFor(policy, 'app-db', 'snapshot'), 'primary', source, NOW);
    expect(plan).toMatchObject({ region: 'ap-northeast-1', subnetGroup: 'app-db-restore-test', securityGroups: ['sg-0a1b2c3d4e5f60718'], credentialsSecret: 'backup-dr/app-db-master' });
  });

  it("restores in the secondary with restoreTest.secondary's (security group ids are per region)", () => {
    const policy = teamPolicy((d) => {
      d.resources.databases[0].restoreTest.secondary = { subnetGroup: 'dr-restore', securityGroups: ['sg-0123456789abcdef0'], credentialsSecret: 'dr/app-db-master' };
    });
    const plan = snapshotPlan(policy, resourceFor(policy, 'app-db', 'snapshot'), 'secondary', copy, NOW);
    expect(plan).toMatchObject({ region: 'ap-southeast-1', subnetGroup: 'dr-restore', securityGroups: ['sg-0123456789abcdef0'], credentialsSecret: 'dr/app-db-master' });
  });

  it('defaults the secondary secret to the same name (a replica secret keeps it)', () => {
    const policy = teamPolicy((d) => { d.resources.databases[0].restoreTest.secondary = { securityGroups: ['sg-0123456789abcdef0'] }; });
    expect(snapshotPlan(policy, resourceFor(policy, 'app-db', 'snapshot'), 'secondary', copy, NOW).credentialsSecret).toBe('backup-dr/app-db-master');
  });

  it('refuses a secondary restore the policy gives no settings for, naming what is missing', () => {
    const policy = teamPolicy((d) => { delete d.resources.databases[0].restoreTest.secondary; });
    const plan = () => snapshotPlan(policy, resourceFor(policy, 'app-db', 'snapshot'), 'secondary', copy, NOW);
    expect(plan).toThrow(InvalidInput);
    expect(plan).toThrow(/^region: "app-db" has no restoreTest.secondary/);
  });

  it("restores a point in time with pitrTest's network and, by default, restoreTest.secondary's secret", () => {
    const policy = teamPolicy((d) => { d.resources.databases[0].restoreTest.secondary.credentialsSecret = 'dr/app-db-master'; });
    const backups = [{ DBInstanceArn: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod', Status: 'retained', DBInstanceAutomatedBackupsArn: 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1', RestoreWindow: { EarliestTime: new Date(NOW - 86_400_000), LatestTime: new Date(NOW - 5 * 60_000) } }];
    const plan = pitrPlan(policy, resourceFor(policy, 'app-db', 'pitr'), undefined, backups, NOW);
    // "retained": the source is gone (a disaster) — its replicated backups still restore.
    expect(plan).toMatchObject({ region: 'ap-southeast-1', subnetGroup: 'app-db-restore-test', securityGroups: ['sg-0f1e2d3c4b5a69788'], credentialsSecret: 'dr/app-db-master', restorePoint: NOW - 15 * 60_000 });
  });

  it('sets when waiting for the instance ends from restoreTest.timeout', () => {
    const policy = teamPolicy((d) => { d.resources.databases[0].restoreTest.timeout = '45min'; });
    expect(snapshotPlan(policy, resourceFor(policy, 'app-db', 'snapshot'), 'primary', source, NOW).waitUntil).toBe(NOW + 45 * 60_000);
  });
});
