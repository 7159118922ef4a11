// The Teardown step's handler with aws-sdk-client-mock: it deletes only this run's instance; one in the
// middle of an operation (creating, backing-up, modifying, …) — or one RDS refuses for its state — fails
// with TeardownNotReady for the state machine to retry; throttling is left to the ASL's own retry.

import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient, RDSServiceException, type DBInstance } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BUSY_STATUSES } from '../../../shared/rds/instance-teardown.js';
import { handler as teardown } from '../../../functions/rds/restore-test-teardown/handler.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import type { RestorePlan } from '../../../shared/rds/restore-run.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { ourTags, PRIMARY } from '../helpers/rds-fixtures.js';
import { RecordingAlerts, teamPolicy } from '../../helpers/runtime.js';

const rds = mockClient(RDSClient);
const INSTANCE = 'bdr-rt-app-db-202611290400';
const NOW = Date.parse('2026-11-29T04:00:00+09:00');
const PLAN: RestorePlan = {
  runId: INSTANCE,
  kind: 'snapshot',
  resource: 'app-db',
  role: 'primary',
  region: PRIMARY,
  snapshotId: 'backup-dr-app-db-20261129-0200',
  restorePoint: Date.parse('2026-11-29T02:00:00+09:00'),
  sourceInstanceId: 'app-db-prod',
  instanceId: INSTANCE,
  instanceClass: 'db.t4g.micro',
  securityGroups: [],
  credentialsSecret: 'backup-dr/app-db-master',
  plannedAt: NOW,
  waitUntil: NOW + 3 * 3_600_000,
};
const thisRun = [...ourTags('app-db'), { Key: 'backup-dr:restore-test', Value: INSTANCE }];

const instance = (status: string, tags = thisRun): DBInstance => ({ DBInstanceIdentifier: INSTANCE, DBInstanceStatus: status, TagList: tags });
const rdsFault = (name: string, message: string) => new RDSServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
const run = () => teardown({ plan: PLAN }, lambdaContext('restore-test-teardown'));

describe('restore-test-teardown', () => {
  beforeEach(() => {
    rds.reset();
    setRuntime({ stage: 'test', policy: teamPolicy(), role: 'primary', region: PRIMARY, alerts: new RecordingAlerts(), logger, log, metrics, now: () => NOW });
    rds.on(DeleteDBInstanceCommand).resolves({});
  });
  afterAll(() => setRuntime(undefined));

  it.each(['available', 'stopped', 'storage-full', 'failed', 'incompatible-restore', 'incompatible-network', 'inaccessible-encryption-credentials', 'restore-error', 'storage-optimization'])(
    'deletes this run\'s instance when it is "%s", skipping the final snapshot and the automated backups',
    async (status) => {
      rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance(status)] });
      await expect(run()).resolves.toEqual({ deleted: true, detail: `${INSTANCE} deleted` });
      expect(rds).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
      expect(rds).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    },
  );

  it.each([...BUSY_STATUSES])('fails with TeardownNotReady, sending no delete, while the instance is "%s"', async (status) => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance(status)] });
    await expect(run()).rejects.toMatchObject({ name: 'TeardownNotReady', message: `${INSTANCE} is "${status}": RDS deletes it once that ends (the state machine retries)` });
    expect(rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('covers the statuses a restore passes through and the operations of the RDS status table', () => {
    expect([...BUSY_STATUSES]).toEqual(expect.arrayContaining(['creating', 'backing-up', 'modifying', 'rebooting', 'upgrading', 'maintenance']));
  });

  it('fails with TeardownNotReady when RDS refuses the delete for the instance\'s state (it changed since the look)', async () => {
    const refusal = rdsFault('InvalidDBInstanceStateFault', `Instance ${INSTANCE} is not in available state.`);
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance('available')] });
    rds.on(DeleteDBInstanceCommand).rejects(refusal);
    await expect(run()).rejects.toMatchObject({ name: 'TeardownNotReady', message: `${INSTANCE} cannot be deleted yet (it was "available"): Instance ${INSTANCE} is not in available state.`, cause: refusal });
  });

  it('takes "already being deleted" as done', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance('available')] });
    rds.on(DeleteDBInstanceCommand).rejects(rdsFault('InvalidDBInstanceStateFault', `Instance ${INSTANCE} is already being deleted.`));
    await expect(run()).resolves.toEqual({ deleted: true, detail: `${INSTANCE} is already being deleted` });
  });

  it('sends nothing for an instance already deleting or gone', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance('deleting')] });
    await expect(run()).resolves.toEqual({ deleted: true, detail: `${INSTANCE} is already being deleted` });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).rejects(rdsFault('DBInstanceNotFoundFault', `DBInstance ${INSTANCE} not found.`));
    await expect(run()).resolves.toEqual({ deleted: false, detail: `${INSTANCE} does not exist: nothing to delete` });
    expect(rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it.each([
    { name: "another run's instance, even while it is creating", tags: [...ourTags('app-db'), { Key: 'backup-dr:restore-test', Value: 'bdr-rt-app-db-202611220400' }], status: 'creating' },
    { name: 'an instance without our owner tag', tags: [{ Key: 'backup-dr:restore-test', Value: INSTANCE }], status: 'available' },
  ])('refuses $name: no delete, and not a "not ready" to retry', async ({ tags, status }) => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance(status, tags)] });
    const failure: unknown = await run().then(() => null, (error: unknown) => error);
    expect(failure).toMatchObject({ name: 'TeardownRefused', message: `${INSTANCE} is not this restore test's instance: refusing to delete it` });
    expect((failure as Error).name).not.toBe('TeardownNotReady');
    expect(rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it('leaves throttling to the state machine\'s retry, under its own name', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: INSTANCE }).resolves({ DBInstances: [instance('available')] });
    rds.on(DeleteDBInstanceCommand).rejects(rdsFault('Throttling', 'Rate exceeded'));
    await expect(run()).rejects.toMatchObject({ name: 'Throttling' });
  });
});
