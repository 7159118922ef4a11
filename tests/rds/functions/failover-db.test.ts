// failover-db-restore and failover-db-status against aws-sdk-client-mock: the exact RDS requests of each
// way a database comes up in the secondary, what "already there" means, and when it counts as up.
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, RDSClient, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { startFailoverRestore } from '../../../functions/rds/failover-db-restore/failover-db-restore.js';
import { failoverReadiness } from '../../../functions/rds/failover-db-status/plan.js';
import type { FailoverDatabase } from '../../../shared/platform/failover-run.js';
import { RecordingLog, teamPolicy } from '../../helpers/runtime.js';
import { ourTags, SECONDARY } from '../helpers/rds-fixtures.js';

const NOW = Date.parse('2026-12-03T09:00:00Z');
const rds = mockClient(RDSClient);
const policy = teamPolicy();
const deps = () => ({ policy, rds: new RDSClient({ region: SECONDARY }), log: new RecordingLog(), now: () => NOW });

const base: FailoverDatabase = {
  runId: 'fo-1',
  kind: 'pitr',
  resource: 'app-db',
  role: 'secondary',
  region: SECONDARY,
  automatedBackupsArn: 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1',
  restorePoint: NOW - 5 * 60_000,
  sourceInstanceId: 'app-db-prod',
  instanceId: 'app-db-dr',
  instanceClass: 'source',
  subnetGroup: 'app-db-dr',
  securityGroups: ['sg-0f1e2d3c4b5a69788'],
  credentialsSecret: 'backup-dr/app-db-master',
  plannedAt: NOW,
  waitUntil: NOW + 4 * 3_600_000,
  method: 'pitr',
  multiAz: true,
  step: 'database-app-db',
  done: false,
  hasEndpoint: true,
  endpointDone: false,
  rpoMs: 5 * 60_000,
  rpoTargetMs: 15 * 60_000,
  rtoTargetMs: 2 * 3_600_000,
};
const failoverTags = [
  { Key: 'backup-dr:owner', Value: 'backup-dr' },
  { Key: 'backup-dr:policy', Value: 'production' },
  { Key: 'backup-dr:resource', Value: 'app-db' },
  { Key: 'backup-dr:recovery', Value: 'fo-1' },
  { Key: 'backup-dr:created-at', Value: '2026-12-03T09:00:00.000Z' },
];

describe('failover-db-restore', () => {
  beforeEach(() => rds.reset());

  it('restores the replicated automated backups to their latest restorable time as production: Multi-AZ as asked, deletion protection on, the source class, tagged as this run', async () => {
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    await expect(startFailoverRestore(deps(), { database: base, mode: 'failover' })).resolves.toEqual({ requestedAt: NOW, alreadyExisted: false });
    expect(rds.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input).toEqual({
      TargetDBInstanceIdentifier: 'app-db-dr',
      SourceDBInstanceAutomatedBackupsArn: base.automatedBackupsArn,
      UseLatestRestorableTime: true,
      PubliclyAccessible: false,
      MultiAZ: true,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      DBSubnetGroupName: 'app-db-dr',
      VpcSecurityGroupIds: ['sg-0f1e2d3c4b5a69788'],
      Tags: failoverTags,
    });
  });

  it('restores a rehearsal from the newest verified copy single-AZ, deletable, on the given class, tagged as a restore test of this run', async () => {
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    const db = { ...base, kind: 'snapshot' as const, method: 'snapshot' as const, instanceId: 'bdr-rh-app-db-202612031800', targetClass: 'db.t4g.micro', snapshotId: 'backup-dr-app-db-20261203-0200', snapshotArn: 'arn:aws:rds:ap-southeast-1:123456789012:snapshot:backup-dr-app-db-20261203-0200' };
    await startFailoverRestore(deps(), { database: db, mode: 'rehearsal' });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]!.args[0].input).toEqual({
      DBInstanceIdentifier: 'bdr-rh-app-db-202612031800',
      DBSnapshotIdentifier: db.snapshotArn,
      DBInstanceClass: 'db.t4g.micro',
      PubliclyAccessible: false,
      MultiAZ: false,
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      DBSubnetGroupName: 'app-db-dr',
      VpcSecurityGroupIds: ['sg-0f1e2d3c4b5a69788'],
      Tags: [
        { Key: 'backup-dr:owner', Value: 'backup-dr' },
        { Key: 'backup-dr:policy', Value: 'production' },
        { Key: 'backup-dr:resource', Value: 'app-db' },
        { Key: 'backup-dr:restore-test', Value: 'fo-1' },
        { Key: 'backup-dr:created-at', Value: '2026-12-03T09:00:00.000Z' },
        { Key: 'backup-dr:recovery', Value: 'fo-1' },
      ],
    });
  });

  it('promotes the replica while it is one, and only describes it once it no longer is', async () => {
    const db = { ...base, method: 'promote' as const, instanceId: 'app-db-replica' };
    rds.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: 'app-db-replica', DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod' }] });
    rds.on(PromoteReadReplicaCommand).resolves({});
    await expect(startFailoverRestore(deps(), { database: db, mode: 'failover' })).resolves.toMatchObject({ alreadyExisted: false });
    expect(rds).toHaveReceivedCommandWith(PromoteReadReplicaCommand, { DBInstanceIdentifier: 'app-db-replica' });
    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-replica', DBInstanceStatus: 'modifying' }] });
    await expect(startFailoverRestore(deps(), { database: db, mode: 'failover' })).resolves.toMatchObject({ alreadyExisted: true });
    expect(rds).not.toHaveReceivedCommand(PromoteReadReplicaCommand);
  });

  it('takes an instance of ours already there as done, and refuses one that is not ours (RestoreFailed naming failover.instanceId)', async () => {
    rds.on(RestoreDBInstanceToPointInTimeCommand).rejects(Object.assign(new Error('exists'), { name: 'DBInstanceAlreadyExistsFault' }));
    rds.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: 'app-db-dr', TagList: ourTags('app-db') }] }).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-dr', TagList: [] }] });
    await expect(startFailoverRestore(deps(), { database: base, mode: 'failover' })).resolves.toMatchObject({ alreadyExisted: true });
    await expect(startFailoverRestore(deps(), { database: base, mode: 'failover' })).rejects.toMatchObject({ name: 'RestoreFailed', message: expect.stringContaining('failover.instanceId') });
  });

  it('fails with RestoreFailed naming the RDS error when RDS refuses', async () => {
    rds.on(RestoreDBInstanceToPointInTimeCommand).rejects(Object.assign(new Error('key is disabled'), { name: 'KMSKeyNotAccessibleFault' }));
    await expect(startFailoverRestore(deps(), { database: base, mode: 'failover' })).rejects.toMatchObject({ name: 'RestoreFailed', message: 'RDS refused the restore: KMSKeyNotAccessibleFault: key is disabled' });
  });
});

describe('failover-db-status', () => {
  const up = { DBInstanceIdentifier: 'app-db-dr', DBInstanceStatus: 'available', Endpoint: { Address: 'app-db-dr.x.rds.amazonaws.com', Port: 5432 } };
  it.each([
    ['creating', { ...up, DBInstanceStatus: 'creating', Endpoint: undefined }, 'RestoreNotReady'],
    ['a replica still replicating', { ...up, ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod' }, 'RestoreNotReady'],
    ['incompatible-network', { ...up, DBInstanceStatus: 'incompatible-network' }, 'RestoreFailed'],
  ])('is not up while %s', (_name, instance, error) => {
    expect(() => failoverReadiness({ ...base, method: 'promote' }, instance, NOW)).toThrow(expect.objectContaining({ name: error }));
  });

  it('times out past objectives.regionFailover.rto', () => {
    expect(() => failoverReadiness(base, { ...up, DBInstanceStatus: 'creating' }, base.waitUntil + 1)).toThrow(expect.objectContaining({ name: 'RestoreTimedOut', message: expect.stringContaining('objectives.regionFailover.rto: 240 min') }));
  });

  it('is up once serving (a promoted replica: no longer naming its source), with its endpoint', () => {
    expect(failoverReadiness({ ...base, method: 'promote' }, up, NOW)).toEqual({ address: 'app-db-dr.x.rds.amazonaws.com', port: 5432, availableAt: NOW });
  });
});
