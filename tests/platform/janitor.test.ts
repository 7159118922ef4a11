import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, InvalidDBInstanceStateFault, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanUpLeakedInstances } from '../../functions/platform/janitor/janitor.js';
import { RunFailed } from '../../shared/errors.js';
import { restoreInstanceMaxAge } from '../../shared/rds/restore-settings.js';
import { restoreTestDefinition } from '../../state-machines/rds/restore-test.js';
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
