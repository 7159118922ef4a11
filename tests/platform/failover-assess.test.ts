// failover-assess: the plan's choice per database (pure), and the request checked at the edge (bad input
// names its field, nothing written).
import { RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { assessFailover } from '../../functions/platform/failover-assess/failover-assess.js';
import { planDatabase } from '../../functions/platform/failover-assess/plan.js';
import { RecordingAlerts, teamPolicy } from '../helpers/runtime.js';
import { copyOf, primarySnapshot } from '../rds/helpers/rds-fixtures.js';

const NOW = Date.parse('2026-12-03T09:00:00Z');
const snapshot = primarySnapshot('backup-dr-app-db-20261203-0200', '2026-12-03T02:00:00+09:00');
const verified = copyOf(snapshot, '2026-12-03T03:00:00+09:00', {}, { 'backup-dr:verified-at': '2026-12-03T03:30:00+09:00' });
const unverified = copyOf(primarySnapshot('backup-dr-app-db-20261203-0800', '2026-12-03T08:00:00+09:00'), '2026-12-03T08:30:00+09:00');
const backups = (latest: number, status = 'replicating') => [{ DBInstanceArn: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod', Status: status, DBInstanceAutomatedBackupsArn: 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1', RestoreWindow: { LatestTime: new Date(latest) } }];
const run = (mode: 'failover' | 'rehearsal') => ({ runId: 'r', mode, startedAt: NOW, now: NOW, records: new Map() });

describe('the plan for a database', () => {
  const replica = { DBInstanceIdentifier: 'app-db-replica', ReadReplicaSourceDBInstanceIdentifier: 'x' };
  it.each([
    { name: 'a failover with a replica promotes it', mode: 'failover' as const, replicaNamed: true, facts: { replica, replicated: backups(NOW - 60_000), copies: [verified] }, method: 'promote', instanceId: 'app-db-replica', rpoMs: null },
    { name: 'a rehearsal with a replica restores the backups instead', mode: 'rehearsal' as const, replicaNamed: true, facts: { replica, replicated: backups(NOW - 60_000), copies: [verified] }, method: 'pitr', instanceId: 'bdr-rh-app-db-202612031800', rpoMs: 60_000 },
    { name: 'replicated backups, retained after the source is gone', mode: 'failover' as const, replicaNamed: false, facts: { replica: null, replicated: backups(NOW - 9 * 60_000, 'retained'), copies: [verified] }, method: 'pitr', instanceId: 'app-db-dr', rpoMs: 9 * 60_000 },
    { name: 'no replicated backups: the newest verified copy (never an unverified one)', mode: 'failover' as const, replicaNamed: false, facts: { replica: null, replicated: [], copies: [verified, unverified] }, method: 'snapshot', instanceId: 'app-db-dr', rpoMs: NOW - Date.parse('2026-12-03T02:00:00+09:00') },
  ])('$name', ({ mode, replicaNamed, facts, method, instanceId, rpoMs }) => {
    const policy = teamPolicy((d) => {
      if (replicaNamed) d.resources.databases[0].failover.readReplica = 'app-db-replica';
    });
    const db = planDatabase(policy, policy.resources.databases[0]!, 0, facts, run(mode));
    expect(db).toMatchObject({ method, instanceId, rpoMs, rpoTargetMs: 15 * 60_000, waitUntil: NOW + 4 * 3_600_000, hasEndpoint: true, done: false });
  });

  it('has nothing to restore without replica, replicated backups or a verified copy: NoRestorePoint', () => {
    const policy = teamPolicy();
    expect(() => planDatabase(policy, policy.resources.databases[0]!, 0, { replica: null, replicated: [], copies: [unverified] }, run('failover'))).toThrow(expect.objectContaining({ name: 'NoRestorePoint' }));
  });

  it('names the field when no credentials secret is known for validation', () => {
    const policy = teamPolicy((d) => {
      delete d.resources.databases[0].restoreTest;
      delete d.resources.databases[0].pitrTest;
      delete d.resources.databases[0].failover.credentialsSecret;
    });
    expect(() => planDatabase(policy, policy.resources.databases[0]!, 0, { replica: null, replicated: [], copies: [verified] }, run('failover'))).toThrow(
      expect.objectContaining({ name: 'InvalidInput', message: expect.stringContaining('resources.databases[0].failover.credentialsSecret') }),
    );
  });
});

describe('failover-assess input', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const deps = () => ({ policy: teamPolicy(), rds: { secondary: new RDSClient({}), primary: new RDSClient({}) }, reports: new S3Client({}), bucket: 'b', alerts: new RecordingAlerts(), now: () => NOW, primaryTimeoutMs: 10 });

  it.each([
    [{ mode: 'drill' }, 'mode'],
    [{ resume: 'a b' }, 'resume'],
    [{ modes: 'rehearsal' }, 'unknown input field (allowed: mode, resume)'],
  ])('refuses %j naming %s, before anything is read or written', async (input, field) => {
    await expect(assessFailover(deps(), { input, execution: 'x' })).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining(field) });
    expect(s3.calls()).toHaveLength(0);
  });

  it('refuses to resume a run it has no record of', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    await expect(assessFailover(deps(), { input: { resume: 'fo-0' }, execution: 'x' })).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('no run record of "fo-0"') });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });
});
