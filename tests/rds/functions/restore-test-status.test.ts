import { describe, expect, it } from 'vitest';
import { readiness, SERVING, TERMINAL, WAITING } from '../../../functions/rds/restore-test-status/plan.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';

const NOW = Date.parse('2026-11-29T04:20:00+09:00');
const PLAN: RestorePlan = {
  runId: 'bdr-rt-app-db-202611290400',
  kind: 'snapshot',
  resource: 'app-db',
  role: 'primary',
  region: 'ap-northeast-1',
  snapshotId: 'backup-dr-app-db-20261129-0200',
  restorePoint: NOW - 2 * 3_600_000,
  sourceInstanceId: 'app-db-prod',
  instanceId: 'bdr-rt-app-db-202611290400',
  instanceClass: 'db.t4g.micro',
  securityGroups: [],
  credentialsSecret: 'backup-dr/app-db-master',
  plannedAt: NOW - 20 * 60_000,
  waitUntil: NOW - 20 * 60_000 + 3 * 3_600_000,
};
const instance = (status: string) => ({ DBInstanceIdentifier: PLAN.instanceId, DBInstanceStatus: status, Endpoint: { Address: 'bdr-rt.internal', Port: 5432 }, DBName: 'app' });
const outcome = (status: string, now = NOW): string => {
  try {
    readiness(PLAN, instance(status), now);
    return 'ready';
  } catch (error) {
    return (error as Error).name;
  }
};

describe('restore-test-status: the RDS status table, state by state', () => {
  it.each([...SERVING])('validates an instance that is "%s": it serves traffic, and the RTO clock stops', (status) => {
    expect(outcome(status)).toBe('ready');
    expect(readiness(PLAN, instance(status), NOW)).toEqual({ address: 'bdr-rt.internal', port: 5432, database: 'app', availableAt: NOW });
  });

  it.each([...TERMINAL])('fails at once on "%s", which it never leaves by itself (no three-hour poll)', (status) => {
    expect(outcome(status)).toBe('RestoreFailed');
  });

  it.each([...WAITING])('waits while it is "%s"', (status) => {
    expect(outcome(status)).toBe('RestoreNotReady');
  });

  it('waits on a status it does not know, bounded by the timeout', () => {
    expect(outcome('some-new-status')).toBe('RestoreNotReady');
    expect(outcome('some-new-status', PLAN.waitUntil + 1)).toBe('RestoreTimedOut');
  });

  it('gives up with RestoreTimedOut once waitUntil has passed', () => {
    expect(outcome('creating', PLAN.waitUntil)).toBe('RestoreNotReady');
    expect(outcome('creating', PLAN.waitUntil + 1)).toBe('RestoreTimedOut');
  });

  it('does not call an instance without an endpoint ready, whatever its status', () => {
    expect(() => readiness(PLAN, { DBInstanceStatus: 'available' }, NOW)).toThrow(/is "available"/);
  });

  it('places every status of the user guide in exactly one set', () => {
    const guide = [
      'available', 'backing-up', 'configuring-enhanced-monitoring', 'configuring-iam-database-auth', 'configuring-log-exports', 'converting-to-vpc', 'creating',
      'deleting', 'failed', 'inaccessible-encryption-credentials', 'inaccessible-encryption-credentials-recoverable', 'incompatible-network', 'incompatible-option-group',
      'incompatible-parameters', 'incompatible-restore', 'insufficient-capacity', 'maintenance', 'modifying', 'moving-to-vpc', 'rebooting', 'resetting-master-credentials',
      'renaming', 'restore-error', 'starting', 'stopped', 'stopping', 'storage-full', 'storage-initialization', 'storage-optimization', 'upgrading',
    ];
    for (const status of guide) expect([SERVING, TERMINAL, WAITING].filter((set) => set.has(status)), status).toHaveLength(1);
  });
});
