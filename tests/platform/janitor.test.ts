import {
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  InvalidReplicationGroupStateFault,
  ListTagsForResourceCommand,
  ReplicationGroupNotFoundFault,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, InvalidDBInstanceStateFault, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanUpLeakedCacheGroups, cleanUpLeakedInstances, runJanitor } from '../../functions/platform/janitor/janitor.js';
import { cacheGroupMaxAge } from '../../functions/platform/janitor/plan.js';
import { RunFailed } from '../../shared/errors.js';
import type { Policy } from '../../shared/policy/schema.js';
import { restoreInstanceMaxAge } from '../../shared/rds/restore-settings.js';
import { restoreTestDefinition } from '../../state-machines/rds/restore-test.js';
import { cacheRestoreTestDefinition } from '../../state-machines/redis/restore-test.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const NOW = Date.parse('2026-11-29T12:00:00+09:00');
const HOUR = 3_600_000;
const rds = new RDSClient({ region: REGION });
const rdsMock = mockClient(rds);
const policy = teamPolicy();

function restoreInstance(id: string, ageHours: number, tags: Record<string, string> = {}, overrides: Partial<DBInstance> = {}): DBInstance {
  const created = new Date(NOW - ageHours * HOUR).toISOString();
  return {
    DBInstanceIdentifier: id,
    DBInstanceStatus: 'available',
    TagList: Object.entries({ 'backup-dr:owner': 'backup-dr', 'backup-dr:policy': 'production', 'backup-dr:resource': 'app-db', 'backup-dr:restore-test': id, 'backup-dr:created-at': created, ...tags }).map(([Key, Value]) => ({ Key, Value })),
    ...overrides,
  };
}

function run() {
  const alerts = new RecordingAlerts();
  return { alerts, result: cleanUpLeakedInstances({ policy, region: REGION, rds, alerts, log: new RecordingLog(), now: () => NOW }) };
}
const deleted = () => rdsMock.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input);

describe('janitor', () => {
  beforeEach(() => {
    rdsMock.reset();
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
  });

  it('outlives every test execution before it calls an instance a leak', () => {
    const executionLimit = (restoreTestDefinition('snapshot', policy).TimeoutSeconds ?? 0) * 1000;
    expect(restoreInstanceMaxAge(policy)).toBeGreaterThan(executionLimit);
    expect(restoreInstanceMaxAge(policy)).toBe(11 * HOUR);
    const slow = teamPolicy((d) => { d.resources.databases[0].restoreTest.timeout = '10h'; });
    expect(restoreInstanceMaxAge(slow)).toBeGreaterThan((restoreTestDefinition('snapshot', slow).TimeoutSeconds ?? 0) * 1000);
  });

  it('deletes a restore-test instance of ours older than that, and alerts it', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoreInstance('bdr-rt-app-db-202611281200', 24), restoreInstance('bdr-rt-app-db-202611291000', 2)] });
    const { result, alerts } = run();
    expect(await result).toEqual({ deleted: ['bdr-rt-app-db-202611281200'], failed: [] });
    expect(deleted()).toEqual([{ DBInstanceIdentifier: 'bdr-rt-app-db-202611281200', SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    expect(alerts.published).toEqual([expect.objectContaining({ severity: 'warning', kind: 'leaked-instance', resource: 'app-db', region: REGION, summary: 'deleted the restore-test instance bdr-rt-app-db-202611281200, left behind since 2026-11-28 12:00 (run bdr-rt-app-db-202611281200)' })]);
  });

  it.each([
    { why: 'it is not named with our prefix', instance: restoreInstance('app-db-prod', 24 * 400) },
    { why: 'it lacks our owner tag', instance: restoreInstance('bdr-rt-x', 24, { 'backup-dr:owner': 'someone-else' }) },
    { why: 'it belongs to another policy', instance: restoreInstance('bdr-rt-x', 24, { 'backup-dr:policy': 'staging' }) },
    { why: 'it is no restore-test instance', instance: { ...restoreInstance('bdr-rt-x', 24), TagList: restoreInstance('bdr-rt-x', 24).TagList?.filter((t) => t.Key !== 'backup-dr:restore-test') } },
    { why: 'it is already being deleted', instance: restoreInstance('bdr-rt-x', 24, {}, { DBInstanceStatus: 'deleting' }) },
    { why: 'its age cannot be known', instance: { ...restoreInstance('bdr-rt-x', 24), TagList: restoreInstance('bdr-rt-x', 24).TagList?.filter((t) => t.Key !== 'backup-dr:created-at') } },
  ])('never deletes an instance when $why', async ({ instance }) => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance] });
    const { result, alerts } = run();
    expect(await result).toEqual({ deleted: [], failed: [] });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(alerts.published).toEqual([]);
  });

  it('reads every page of instances', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [], Marker: 'm1' }).resolves({ DBInstances: [restoreInstance('bdr-pitr-app-db-202611010500', 24 * 28)] });
    expect((await run().result).deleted).toEqual(['bdr-pitr-app-db-202611010500']);
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input)).toEqual([{ MaxRecords: 100 }, { MaxRecords: 100, Marker: 'm1' }]);
  });

  it('alerts critical and fails the run when a leak cannot be deleted, and goes on with the others', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoreInstance('bdr-rt-a', 24), restoreInstance('bdr-rt-b', 24)] });
    rdsMock.on(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'bdr-rt-a' }).rejects(new InvalidDBInstanceStateFault({ message: 'Instance bdr-rt-a is not in available state', $metadata: {} }));
    const { result, alerts } = run();
    await expect(result).rejects.toBeInstanceOf(RunFailed);
    expect(deleted().map((d) => d.DBInstanceIdentifier)).toEqual(['bdr-rt-a', 'bdr-rt-b']);
    expect(alerts.published.map((a) => [a.severity, a.details?.instance])).toEqual([['critical', 'bdr-rt-a'], ['warning', 'bdr-rt-b']]);
  });

  it('treats an instance gone meanwhile as done', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoreInstance('bdr-rt-a', 24)] });
    rdsMock.on(DeleteDBInstanceCommand).rejects(Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' }));
    const { result, alerts } = run();
    expect(await result).toEqual({ deleted: [], failed: [] });
    expect(alerts.published).toEqual([]);
  });
});

// ---- cache restore-test groups ----------------------------------------------------------------------

const elasticache = new ElastiCacheClient({ region: REGION });
const ecMock = mockClient(elasticache);
const groupArn = (id: string) => `arn:aws:elasticache:${REGION}:123456789012:replicationgroup:${id}`;

interface TestGroup {
  readonly group: ReplicationGroup;
  readonly tags: Record<string, string>;
}

function restoreGroup(id: string, ageHours: number, tags: Record<string, string | undefined> = {}, status = 'available'): TestGroup {
  const all: Record<string, string | undefined> = { 'backup-dr:owner': 'backup-dr', 'backup-dr:policy': 'production', 'backup-dr:resource': 'app-redis', 'backup-dr:restore-test': id, 'backup-dr:created-at': new Date(NOW - ageHours * HOUR).toISOString(), ...tags };
  return { group: { ReplicationGroupId: id, ARN: groupArn(id), Status: status }, tags: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)) };
}

/** The region's groups, one page, each with its tags. */
function groupsAre(...groups: TestGroup[]) {
  ecMock.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: groups.map((g) => g.group) });
  for (const { group, tags } of groups) ecMock.on(ListTagsForResourceCommand, { ResourceName: group.ARN }).resolves({ TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
}

function sweepCaches(withPolicy: Policy = policy) {
  const alerts = new RecordingAlerts();
  const log = new RecordingLog();
  return { alerts, log, result: cleanUpLeakedCacheGroups({ policy: withPolicy, region: REGION, elasticache, alerts, log, now: () => NOW }) };
}
function runAll(withPolicy: Policy = policy) {
  const alerts = new RecordingAlerts();
  return { alerts, result: runJanitor({ policy: withPolicy, region: REGION, rds, elasticache, alerts, log: new RecordingLog(), now: () => NOW }) };
}
const groupDeletes = () => ecMock.commandCalls(DeleteReplicationGroupCommand).map((c) => c.args[0].input);

describe('janitor: cache restore-test groups', () => {
  beforeEach(() => {
    ecMock.reset();
    rdsMock.reset();
    ecMock.on(DeleteReplicationGroupCommand).resolves({});
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
  });

  it('outlives every cache restore-test execution before it calls a group a leak, and leaves ElastiCache alone without restore-tested caches', () => {
    expect(cacheGroupMaxAge(policy)).toBeGreaterThan((cacheRestoreTestDefinition(policy).TimeoutSeconds ?? 0) * 1000);
    // restoreTest.timeout 1h: 2 × 1 h + 2 h (the execution's own timeout, 4 h) + 3 h.
    expect(cacheGroupMaxAge(policy)).toBe(7 * HOUR);
    const slow = teamPolicy((d) => { d.resources.caches[0].restoreTest.timeout = '10h'; });
    expect(cacheGroupMaxAge(slow)).toBeGreaterThan((cacheRestoreTestDefinition(slow).TimeoutSeconds ?? 0) * 1000);
    expect(cacheGroupMaxAge(slow)).toBe(25 * HOUR);
    expect(cacheGroupMaxAge(teamPolicy((d) => { delete d.resources.caches[0].restoreTest; }))).toBeNull();
  });

  it('deletes a cache restore-test group of ours older than that, without a final snapshot, and alerts it', async () => {
    groupsAre(restoreGroup('bdr-crt-app-redis-202611281200', 24), restoreGroup('bdr-crt-app-redis-202611290800', 4));
    const { result, alerts } = sweepCaches();
    expect(await result).toEqual({ deleted: ['bdr-crt-app-redis-202611281200'], failed: [], waiting: [] });
    expect(groupDeletes()).toEqual([{ ReplicationGroupId: 'bdr-crt-app-redis-202611281200', RetainPrimaryCluster: false }]);
    expect(alerts.published).toEqual([
      expect.objectContaining({
        severity: 'warning',
        kind: 'leaked-cache-group',
        resource: 'app-redis',
        region: REGION,
        source: 'janitor',
        summary: 'deleted the cache restore-test group bdr-crt-app-redis-202611281200, left behind since 2026-11-28 12:00 (run bdr-crt-app-redis-202611281200)',
        action: expect.stringContaining('cache-restore-test state machine'),
        details: { replicationGroup: 'bdr-crt-app-redis-202611281200', runId: 'bdr-crt-app-redis-202611281200', status: 'available' },
      }),
    ]);
  });

  it('deletes a leaked group whose creation failed', async () => {
    groupsAre(restoreGroup('bdr-crt-app-redis-202611281200', 24, {}, 'create-failed'));
    expect((await sweepCaches().result).deleted).toEqual(['bdr-crt-app-redis-202611281200']);
  });

  it.each([
    { why: 'it is younger than any execution can live', group: restoreGroup('bdr-crt-app-redis-202611290600', 6) },
    { why: 'it lacks our owner tag', group: restoreGroup('bdr-crt-x', 24, { 'backup-dr:owner': 'someone-else' }) },
    { why: 'it belongs to another policy', group: restoreGroup('bdr-crt-x', 24, { 'backup-dr:policy': 'staging' }) },
    { why: 'it is no restore-test group', group: restoreGroup('bdr-crt-x', 24, { 'backup-dr:restore-test': undefined }) },
    { why: 'its age cannot be known', group: restoreGroup('bdr-crt-x', 24, { 'backup-dr:created-at': undefined }) },
    { why: 'its created-at tag is no time', group: restoreGroup('bdr-crt-x', 24, { 'backup-dr:created-at': 'yesterday' }) },
    { why: 'it is already being deleted', group: restoreGroup('bdr-crt-x', 24, {}, 'deleting') },
  ])('never deletes a group when $why', async ({ group }) => {
    groupsAre(group);
    const { result, alerts } = sweepCaches();
    expect(await result).toEqual({ deleted: [], failed: [], waiting: [] });
    expect(ecMock).not.toHaveReceivedCommand(DeleteReplicationGroupCommand);
    expect(alerts.published).toEqual([]);
  });

  it('reads the tags of our temporary groups only, never those of a cache of the application or of one being deleted', async () => {
    groupsAre(restoreGroup('app-redis-prod', 24 * 400), restoreGroup('bdr-crt-gone', 24, {}, 'deleting'), restoreGroup('bdr-crt-app-redis-202611281200', 24));
    await sweepCaches().result;
    expect(ecMock.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceName: groupArn('bdr-crt-app-redis-202611281200') }]);
    expect(groupDeletes().map((d) => d.ReplicationGroupId)).toEqual(['bdr-crt-app-redis-202611281200']);
  });

  it.each(['creating', 'modifying', 'snapshotting'])('leaves a leaked group that is %s for the next hour, and logs it', async (status) => {
    groupsAre(restoreGroup('bdr-crt-app-redis-202611281200', 24, {}, status));
    const { result, alerts, log } = sweepCaches();
    expect(await result).toEqual({ deleted: [], failed: [], waiting: ['bdr-crt-app-redis-202611281200'] });
    expect(ecMock).not.toHaveReceivedCommand(DeleteReplicationGroupCommand);
    expect(alerts.published).toEqual([]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ groupId: 'bdr-crt-app-redis-202611281200', status }) }));
  });

  it('treats a group gone meanwhile as done', async () => {
    groupsAre(restoreGroup('bdr-crt-a', 24));
    ecMock.on(DeleteReplicationGroupCommand).rejects(new ReplicationGroupNotFoundFault({ message: 'ReplicationGroup bdr-crt-a not found', $metadata: {} }));
    const { result, alerts } = sweepCaches();
    expect(await result).toEqual({ deleted: [], failed: [], waiting: [] });
    expect(alerts.published).toEqual([]);
  });

  it('skips a group gone before its tags could be read', async () => {
    groupsAre(restoreGroup('bdr-crt-a', 24));
    ecMock.on(ListTagsForResourceCommand).rejects(new ReplicationGroupNotFoundFault({ message: 'ReplicationGroup bdr-crt-a not found', $metadata: {} }));
    expect(await sweepCaches().result).toEqual({ deleted: [], failed: [], waiting: [] });
    expect(ecMock).not.toHaveReceivedCommand(DeleteReplicationGroupCommand);
  });

  it('tries again next hour when ElastiCache refuses the delete in its state, without alerting', async () => {
    groupsAre(restoreGroup('bdr-crt-a', 24), restoreGroup('bdr-crt-b', 24));
    ecMock.on(DeleteReplicationGroupCommand, { ReplicationGroupId: 'bdr-crt-a' }).rejects(new InvalidReplicationGroupStateFault({ message: 'Replication group must be in available state', $metadata: {} }));
    const { result, alerts } = sweepCaches();
    expect(await result).toEqual({ deleted: ['bdr-crt-b'], failed: [], waiting: ['bdr-crt-a'] });
    expect(alerts.published.map((a) => [a.severity, a.details?.replicationGroup])).toEqual([['warning', 'bdr-crt-b']]);
  });

  it('alerts critical and fails the run when a leak cannot be deleted, and goes on with the others', async () => {
    groupsAre(restoreGroup('bdr-crt-a', 24), restoreGroup('bdr-crt-b', 24));
    ecMock.on(DeleteReplicationGroupCommand, { ReplicationGroupId: 'bdr-crt-a' }).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    const { result, alerts } = sweepCaches();
    await expect(result).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: 'bdr-crt-a', error: 'leaked-cache-group' }] });
    expect(groupDeletes().map((d) => d.ReplicationGroupId)).toEqual(['bdr-crt-a', 'bdr-crt-b']);
    expect(alerts.published.map((a) => [a.severity, a.kind, a.details?.replicationGroup])).toEqual([['critical', 'leaked-cache-group', 'bdr-crt-a'], ['warning', 'leaked-cache-group', 'bdr-crt-b']]);
    expect(alerts.published[0]!.action).toContain(`aws elasticache delete-replication-group --region ${REGION} --replication-group-id bdr-crt-a --no-retain-primary-cluster`);
  });

  it('reads every page of replication groups', async () => {
    const leak = restoreGroup('bdr-crt-app-redis-202611010500', 24 * 28);
    groupsAre(leak);
    ecMock.on(DescribeReplicationGroupsCommand).resolvesOnce({ ReplicationGroups: [restoreGroup('app-redis-prod', 24).group], Marker: 'm1' }).resolves({ ReplicationGroups: [leak.group] });
    expect((await sweepCaches().result).deleted).toEqual(['bdr-crt-app-redis-202611010500']);
    expect(ecMock.commandCalls(DescribeReplicationGroupsCommand).map((c) => c.args[0].input)).toEqual([{ MaxRecords: 100 }, { MaxRecords: 100, Marker: 'm1' }]);
  });
});

describe('janitor: the hourly run', () => {
  beforeEach(() => {
    ecMock.reset();
    rdsMock.reset();
    ecMock.on(DeleteReplicationGroupCommand).resolves({});
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
  });

  it('sweeps both instances and cache groups', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoreInstance('bdr-rt-a', 24)] });
    groupsAre(restoreGroup('bdr-crt-b', 24));
    const { result, alerts } = runAll();
    expect(await result).toEqual({ instances: { deleted: ['bdr-rt-a'], failed: [] }, cacheGroups: { deleted: ['bdr-crt-b'], failed: [], waiting: [] } });
    expect(alerts.published.map((a) => a.kind)).toEqual(['leaked-instance', 'leaked-cache-group']);
  });

  it('still deletes leaked instances when ElastiCache cannot be read, then alerts that and fails the run', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoreInstance('bdr-rt-a', 24)] });
    ecMock.on(DescribeReplicationGroupsCommand).rejects(Object.assign(new Error('not authorized to perform elasticache:DescribeReplicationGroups'), { name: 'AccessDenied' }));
    const { result, alerts } = runAll();
    await expect(result).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: 'cache restore-test groups', error: 'AccessDenied' }] });
    expect(deleted()).toEqual([{ DBInstanceIdentifier: 'bdr-rt-a', SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    expect(alerts.published.map((a) => [a.severity, a.kind])).toEqual([['warning', 'leaked-instance'], ['critical', 'janitor-failed']]);
    expect(alerts.published[1]!.summary).toBe('the janitor could not sweep for leaked cache restore-test groups: AccessDenied');
  });

  it('still deletes leaked cache groups when RDS cannot be read, or an instance cannot be deleted', async () => {
    groupsAre(restoreGroup('bdr-crt-b', 24));
    rdsMock.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const listing = runAll();
    await expect(listing.result).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: 'restore-test instances', error: 'ThrottlingException' }] });
    expect(listing.alerts.published.map((a) => [a.severity, a.kind])).toEqual([['critical', 'janitor-failed'], ['warning', 'leaked-cache-group']]);
    expect(groupDeletes().map((d) => d.ReplicationGroupId)).toEqual(['bdr-crt-b']);

    rdsMock.reset();
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoreInstance('bdr-rt-a', 24)] });
    rdsMock.on(DeleteDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: 'Instance bdr-rt-a is not in available state', $metadata: {} }));
    const deleting = runAll();
    // The instance's own critical alert says it all: no second alert for the sweep.
    await expect(deleting.result).rejects.toMatchObject({ name: 'RunFailed', failures: [{ resource: 'bdr-rt-a', error: 'leaked-instance' }] });
    expect(deleting.alerts.published.map((a) => [a.severity, a.kind])).toEqual([['critical', 'leaked-instance'], ['warning', 'leaked-cache-group']]);
    expect(groupDeletes().map((d) => d.ReplicationGroupId)).toEqual(['bdr-crt-b', 'bdr-crt-b']);
  });

  it('makes no ElastiCache call when no cache of the policy is restore-tested', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    const untested = teamPolicy((d) => { delete d.resources.caches[0].restoreTest; });
    expect(await runAll(untested).result).toEqual({ instances: { deleted: [], failed: [] }, cacheGroups: { deleted: [], failed: [], waiting: [] } });
    expect(ecMock.calls()).toEqual([]);
  });
});
