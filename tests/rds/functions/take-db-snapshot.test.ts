import {
  CreateDBSnapshotCommand,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DescribeDBInstancesCommand,
  InvalidDBInstanceStateFault,
  RDSClient,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { takeDbSnapshots as takeParsed } from '../../../functions/rds/take-db-snapshot/take-db-snapshot.js';
import { InvalidInput, RunFailed } from '../../../shared/errors.js';
import { scheduledRunEvent } from '../../../shared/rds/events.js';
import { parseInput } from '../../../shared/runtime/input.js';
import { ACCOUNT, PRIMARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';

const NOW = Date.parse('2026-11-25T02:00:07+09:00');
const SCHEDULED = '2026-11-24T17:00:00Z'; // 02:00 in Tokyo
const rds = new RDSClient({ region: PRIMARY });
const rdsMock = mockClient(rds);
const twoDatabases = teamPolicy((d) => {
  d.resources.databases.push({ ...d.resources.databases[0], name: 'billing-db', instanceId: 'billing-db-prod' });
});

/** As the handler runs it: the event parsed by its schema at the edge, then the core. */
const takeDbSnapshots = async (d: Parameters<typeof takeParsed>[0], event: unknown) => takeParsed(d, parseInput(scheduledRunEvent, event));

function deps(policy = teamPolicy()) {
  const alerts = new RecordingAlerts();
  return { alerts, deps: { policy, rds, alerts, log: new RecordingLog(), now: () => NOW } };
}

const instance = (id: string) => ({ DBInstances: [{ DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:${id}`, DBInstanceStatus: 'available' }] });
const fault = <T>(Fault: new (o: { message: string; $metadata: object }) => T, message = 'fault') => new Fault({ message, $metadata: {} });

describe('take-db-snapshot', () => {
  beforeEach(() => {
    rdsMock.reset();
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'app-db-prod' }).resolves(instance('app-db-prod'));
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'billing-db-prod' }).resolves(instance('billing-db-prod'));
  });

  it('creates a snapshot with a deterministic id from the instance and the Tokyo schedule time, tagged as ours', async () => {
    rdsMock.on(CreateDBSnapshotCommand).resolves({});
    const { deps: d } = deps();
    const outcomes = await takeDbSnapshots(d, { scheduledTime: SCHEDULED, resources: ['app-db'] });
    expect(outcomes).toEqual([{ resource: 'app-db', snapshotId: 'backup-dr-app-db-20261125-0200', status: 'created' }]);
    expect(rdsMock).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 1);
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBSnapshotCommand, {
      DBInstanceIdentifier: 'app-db-prod',
      DBSnapshotIdentifier: 'backup-dr-app-db-20261125-0200',
      Tags: [
        { Key: 'backup-dr:owner', Value: 'backup-dr' },
        { Key: 'backup-dr:policy', Value: 'production' },
        { Key: 'backup-dr:resource', Value: 'app-db' },
        { Key: 'backup-dr:source-arn', Value: `arn:aws:rds:${PRIMARY}:${ACCOUNT}:db:app-db-prod` },
        { Key: 'backup-dr:created-at', Value: new Date(NOW).toISOString() },
        { Key: 'backup-dr:scheduled-at', Value: '2026-11-24T17:00:00.000Z' },
        { Key: 'backup-dr:tier', Value: 'primary' },
      ],
    });
  });

  it('treats an already existing snapshot (a duplicate or retried event) as success', async () => {
    rdsMock.on(CreateDBSnapshotCommand).rejects(fault(DBSnapshotAlreadyExistsFault, 'Cannot create the snapshot because a snapshot with the identifier backup-dr-app-db-20261125-0200 already exists.'));
    const { deps: d, alerts } = deps();
    const outcomes = await takeDbSnapshots(d, { scheduledTime: SCHEDULED });
    expect(outcomes).toEqual([{ resource: 'app-db', snapshotId: 'backup-dr-app-db-20261125-0200', status: 'already-exists' }]);
    expect(alerts.published).toEqual([]);
  });

  it.each([
    { fault: () => fault(InvalidDBInstanceStateFault, 'Instance app-db-prod is not currently in the available state.'), error: 'InstanceNotReady', attempts: 1, action: /start it or wait/ },
    { fault: () => fault(DBInstanceNotFoundFault, 'DBInstance app-db-prod not found.'), error: 'InstanceNotFound', attempts: 1, action: /fix instanceId/ },
    { fault: () => fault(SnapshotQuotaExceededFault, 'Cannot create more than 100 manual snapshots'), error: 'SnapshotQuotaExceeded', attempts: 1, action: /quota/ },
    { fault: () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), error: 'ThrottlingException', attempts: 3, action: /re-run/ },
  ])('reports $error for that instance only, retries transient faults at once, alerts, and fails the run', async ({ fault: makeFault, error, attempts, action }) => {
    rdsMock.on(CreateDBSnapshotCommand, { DBInstanceIdentifier: 'app-db-prod' }).rejects(makeFault());
    rdsMock.on(CreateDBSnapshotCommand, { DBInstanceIdentifier: 'billing-db-prod' }).resolves({});
    const { deps: d, alerts } = deps(twoDatabases);
    const run = takeDbSnapshots(d, { scheduledTime: SCHEDULED });
    await expect(run).rejects.toThrow(RunFailed);
    await expect(run).rejects.toMatchObject({ failures: [{ resource: 'app-db', error }] });
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand, { DBInstanceIdentifier: 'app-db-prod' })).toHaveLength(attempts);
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBSnapshotCommand, { DBInstanceIdentifier: 'billing-db-prod', DBSnapshotIdentifier: 'backup-dr-billing-db-20261125-0200' });
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({
      severity: 'critical',
      kind: 'backup-failed',
      resource: 'app-db',
      region: PRIMARY,
      summary: `snapshot failed: ${error} (backup-dr-app-db-20261125-0200)`,
      action: expect.stringMatching(action),
      source: 'take-db-snapshot',
      details: expect.objectContaining({ instance: 'app-db-prod', snapshotId: 'backup-dr-app-db-20261125-0200', error }),
    });
  });

  it('succeeds on a retry after a transient fault', async () => {
    rdsMock.on(CreateDBSnapshotCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves({});
    const { deps: d, alerts } = deps();
    expect(await takeDbSnapshots(d, { scheduledTime: SCHEDULED })).toEqual([{ resource: 'app-db', snapshotId: 'backup-dr-app-db-20261125-0200', status: 'created' }]);
    expect(rdsMock).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 2);
    expect(alerts.published).toEqual([]);
  });

  it('uses the current minute as the schedule time on a manual run', async () => {
    rdsMock.on(CreateDBSnapshotCommand).resolves({});
    const { deps: d } = deps();
    await takeDbSnapshots(d, {});
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBSnapshotCommand, { DBSnapshotIdentifier: 'backup-dr-app-db-20261125-0200' });
  });

  it.each([
    { event: { scheduledTime: '2026-11-25 02:00' }, field: 'scheduledTime' },
    { event: { scheduledTime: 42 }, field: 'scheduledTime' },
    { event: { resources: 'app-db' }, field: 'resources' },
    { event: { resources: ['app-db', 'nope'] }, field: 'resources' },
  ])('rejects a bad $field with an error naming it and sends nothing', async ({ event, field }) => {
    const { deps: d } = deps();
    const run = takeDbSnapshots(d, event);
    await expect(run).rejects.toBeInstanceOf(InvalidInput);
    await expect(run).rejects.toMatchObject({ field });
    expect(rdsMock.calls()).toHaveLength(0);
  });
});
