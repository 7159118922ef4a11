// Executions of the region-failover state machine from its ASL file, every step bound to its real
// handler (RDS, S3 and SNS answered by aws-sdk-client-mock; S3 as an in-memory bucket, so a resumed run
// reads what the failed one recorded) except the three issue-14 contract Lambdas of the approval part
// (request-approval, set-maintenance-mode, switch-endpoint), bound to recording fakes that keep their
// contracts, and validation (it runs for real against PostgreSQL in the validate-restore tests).

import {
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Route53Client } from '@aws-sdk/client-route-53';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as assess } from '../../../functions/platform/failover-assess/handler.js';
import { handler as notify } from '../../../functions/platform/failover-notify/handler.js';
import { handler as progress } from '../../../functions/platform/failover-progress/handler.js';
import { handler as report } from '../../../functions/platform/failover-report/handler.js';
import { handler as configRestore } from '../../../functions/config/failover-config-restore/handler.js';
import { handler as dbRestore } from '../../../functions/rds/failover-db-restore/handler.js';
import { handler as dbStatus } from '../../../functions/rds/failover-db-status/handler.js';
import { handler as teardown } from '../../../functions/rds/restore-test-teardown/handler.js';
import { handler as cacheSeed } from '../../../functions/redis/failover-cache-seed/handler.js';
import { handler as cacheStatus } from '../../../functions/redis/cache-restore-test-status/handler.js';
import { handler as cacheTeardown } from '../../../functions/redis/cache-restore-test-teardown/handler.js';
import { handler as validateCache } from '../../../functions/redis/validate-cache-restore/handler.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { BackupDrError } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { ValidationSummary } from '../../../shared/rds/restore-run.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { regionFailoverDefinition } from '../../../state-machines/platform/region-failover.js';
import { teamPolicy } from '../../helpers/runtime.js';
import { copyOf, ourTags, PRIMARY, primarySnapshot, SECONDARY } from '../../rds/helpers/rds-fixtures.js';

const NOW = Date.parse('2026-12-03T18:00:00+09:00');
const TOPIC = 'arn:aws:sns:ap-southeast-1:123456789012:backup-dr-alerts-test';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-southeast-1';
const BACKUPS_ARN = 'arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1';
const LATEST = NOW - 7 * 60_000;
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
const route53Mock = mockClient(Route53Client);
const sfnMock = mockClient(SFNClient);
const CONFIG_MACHINE = 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:backup-dr-test-restore-configuration';

const snapshot = primarySnapshot('backup-dr-app-db-20261203-0200', '2026-12-03T02:00:00+09:00');
const verifiedCopy = copyOf(snapshot, '2026-12-03T03:00:00+09:00', {}, { 'backup-dr:verified-at': '2026-12-03T03:30:00+09:00' });
const replicated = { DBInstanceArn: `arn:aws:rds:${PRIMARY}:123456789012:db:app-db-prod`, DBInstanceIdentifier: 'app-db-prod', Status: 'replicating', DBInstanceAutomatedBackupsArn: BACKUPS_ARN, RestoreWindow: { EarliestTime: new Date(NOW - 35 * 86_400_000), LatestTime: new Date(LATEST) } };

/** The S3 bucket as an object store: what a run records, the next one reads. */
let objects: Map<string, string>;
let policy: Policy;
/** What the contract fakes were asked, in order. */
let calls: { fn: string; input: any }[];
let approval: LocalTask;
let changePolls = 0;
let validate: LocalTask;
let instances: Map<string, { status: string; polls: number; tags: { Key: string; Value: string }[] }>;

class ApprovalRejected extends BackupDrError {
  override name = 'ApprovalRejected';
}

const recording = (fn: string, answer: (input: any) => unknown): LocalTask => async (input) => {
  calls.push({ fn, input });
  return answer(input);
};

const tasks = (): Record<string, LocalTask> => ({
  failoverAssess: asTask('failover-assess', assess),
  requestApproval: async (input) => {
    // The Lambda integration hands the function its Payload (the local runner does as Lambda would).
    const payload = input as Record<string, unknown>;
    calls.push({ fn: 'requestApproval', input: payload });
    return approval(payload);
  },
  setMaintenanceMode: recording('setMaintenanceMode', (i) => ({ parameter: '/app/prod/maintenance-mode', previous: i.mode === 'on' ? 'off' : 'on', current: i.mode, changed: true })),
  failoverProgress: asTask('failover-progress', progress),
  failoverDbRestore: asTask('failover-db-restore', dbRestore),
  failoverDbStatus: asTask('failover-db-status', dbStatus),
  failoverConfigRestore: asTask('failover-config-restore', configRestore),
  validateRestore: async (input) => validate(input),
  switchEndpoint: recording('switchEndpoint', (i) => ({ resource: i.resource, target: 'ssm:/app/prod/database/host', previous: 'app-db-prod.tokyo', current: i.address, changed: true })),
  checkEndpointChange: recording('checkEndpointChange', (i) => {
    changePolls += 1;
    if (changePolls < 3) throw Object.assign(new Error(`Route 53 change ${i.changeId} is PENDING`), { name: 'EndpointChangePending' });
    return { changeId: i.changeId, status: 'INSYNC', insync: true };
  }),
  restoreTestTeardown: asTask('restore-test-teardown', teardown),
  failoverReport: asTask('failover-report', report),
  failoverCacheSeed: asTask('failover-cache-seed', cacheSeed),
  cacheRestoreTestStatus: asTask('cache-restore-test-status', cacheStatus),
  validateCacheRestore: asTask('validate-cache-restore', validateCache),
  cacheRestoreTestTeardown: asTask('cache-restore-test-teardown', cacheTeardown),
  failoverNotify: asTask('failover-notify', notify),
});

function passed(overrides: Partial<ValidationSummary> = {}): ValidationSummary {
  return {
    outcome: 'passed',
    counts: { passed: 3, failed: 0, inconclusive: 0, skipped: 0 },
    checks: [{ name: 'connectivity', status: 'passed', durationMs: 30 }],
    omittedChecks: 0,
    warnings: [],
    serverVersion: '16.4',
    newestData: LATEST - 60_000,
    startedAt: NOW + 40 * 60_000,
    finishedAt: NOW + 50 * 60_000,
    reportKey: 'validation/app-db/2026/12/x.json',
    ...overrides,
  };
}

const alerts = () =>
  snsMock.commandCalls(PublishCommand).map((c) => {
    const attrs = c.args[0].input.MessageAttributes ?? {};
    // The e-mail text of the per-protocol message.
    const message = (JSON.parse(c.args[0].input.Message ?? '{}') as { default?: string }).default ?? '';
    return { severity: attrs.severity?.StringValue, kind: attrs.kind?.StringValue, subject: c.args[0].input.Subject ?? '', message };
  });
const records = (runId: string) => [...objects.keys()].filter((k) => k.startsWith(`runs/region-failover/${runId}/`)).map((k) => k.slice(`runs/region-failover/${runId}/`.length));
const evidence = (runId: string) => JSON.parse(objects.get(`evidence/region-failover/2026/12/${runId}.json`) ?? 'null') as Record<string, any> | null;
const run = (input: unknown, executionName: string, definition = regionFailoverDefinition(policy)) => runLocally(definition, input, tasks(), { executionName });

describe('region-failover state machine', () => {
  beforeEach(() => {
    rdsMock.reset();
    s3Mock.reset();
    snsMock.reset();
    ssmMock.reset();
    route53Mock.reset();
    sfnMock.reset();
    objects = new Map();
    calls = [];
    changePolls = 0;
    instances = new Map();
    process.env.REPORTS_BUCKET = BUCKET;
    process.env.CONFIG_RESTORE_STATE_MACHINE = CONFIG_MACHINE;
    // restore-configuration: not there until started, running once, then succeeded.
    const nested = new Map<string, string[]>();
    sfnMock.on(StartExecutionCommand).callsFake((input) => {
      nested.set(`${CONFIG_MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}`, ['RUNNING', 'SUCCEEDED']);
      return { executionArn: 'x', startDate: new Date() };
    });
    sfnMock.on(DescribeExecutionCommand).callsFake((input) => {
      const states = nested.get(input.executionArn);
      if (states === undefined) throw Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist' });
      return { status: states.length > 1 ? states.shift() : states[0] };
    });
    // The caches' branch has its own executions (region-failover-cache.sm.test.ts): here the cache is not failed over.
    policy = teamPolicy(withoutCacheFailover);
    let clock = NOW - 60_000;
    setRuntime({ stage: 'test', policy, role: 'secondary', region: SECONDARY, alerts: snsAlertSink(new SNSClient({ region: SECONDARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => (clock += 60_000) });
    approval = async () => ({ approved: true, by: 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice', at: '2026-12-03T09:05:00Z' });
    validate = async () => passed();

    s3Mock.on(PutObjectCommand).callsFake((input) => {
      objects.set(input.Key, String(input.Body));
      return {};
    });
    s3Mock.on(GetObjectCommand).callsFake((input) => {
      const body = objects.get(input.Key);
      if (body === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => body } };
    });
    // Listed by name, as S3 does; LastModified in the order written.
    s3Mock.on(ListObjectsV2Command).callsFake((input) => ({
      Contents: [...objects.keys()].map((Key, i) => ({ Key, LastModified: new Date(NOW + i * 1000) })).filter((o) => o.Key.startsWith(input.Prefix ?? '')).sort((a, b) => a.Key.localeCompare(b.Key)),
      IsTruncated: false,
    }));
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });

    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [verifiedCopy] });
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [replicated] });
    // RDS in both regions: the primary does not answer; the secondary knows the instances the run creates.
    rdsMock.on(DescribeDBInstancesCommand).callsFake(async (input, getClient) => {
      const region = await (getClient() as RDSClient).config.region();
      if (region === PRIMARY) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
      const instance = instances.get(input.DBInstanceIdentifier);
      if (instance === undefined) throw Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' });
      instance.polls += 1;
      if (instance.polls > 2 && instance.status === 'creating') instance.status = 'available';
      return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: instance.status, Endpoint: instance.status === 'available' ? { Address: `${input.DBInstanceIdentifier}.apse1.rds.example`, Port: 5432 } : undefined, TagList: instance.tags }] };
    });
    const create = (id: string, tags: any) => {
      if (instances.has(id)) throw Object.assign(new Error('exists'), { name: 'DBInstanceAlreadyExistsFault' });
      instances.set(id, { status: 'creating', polls: 0, tags });
      return {};
    };
    rdsMock.on(RestoreDBInstanceToPointInTimeCommand).callsFake((input) => create(input.TargetDBInstanceIdentifier, input.Tags));
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake((input) => create(input.DBInstanceIdentifier, input.Tags));
    rdsMock.on(DeleteDBInstanceCommand).callsFake((input) => {
      instances.get(input.DBInstanceIdentifier)!.status = 'deleting';
      return {};
    });
  });
  afterAll(() => setRuntime(undefined));

  it('fails over once approved: maintenance on, PITR restore at the latest restorable time, validation, endpoint, maintenance off, evidence', async () => {
    const result = await run({}, 'fo-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval', 'setMaintenanceMode', 'switchEndpoint', 'setMaintenanceMode']);
    expect(calls[0]!.input).toMatchObject({ token: 'local-task-token-fo-1', runbook: 'region-failover', execution: expect.stringMatching(/:fo-1$/) });
    expect(calls[0]!.input.plan['app-db']).toMatch(/latest restorable time .* into app-db-dr; data loss ≈ 7 min \(target 15 min\)/);
    // The approval part's steps get the execution's ARN.
    const arn = 'arn:aws:states:ap-northeast-1:123456789012:execution:local:fo-1';
    expect(calls[1]!.input).toEqual({ mode: 'on', execution: arn });
    expect(calls[2]!.input).toEqual({ resource: 'app-db', address: 'app-db-dr.apse1.rds.example', port: 5432, execution: arn });
    expect(calls[3]!.input).toEqual({ mode: 'off', execution: arn });
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, {
      TargetDBInstanceIdentifier: 'app-db-dr',
      SourceDBInstanceAutomatedBackupsArn: BACKUPS_ARN,
      UseLatestRestorableTime: true,
      DBSubnetGroupName: 'app-db-dr',
      VpcSecurityGroupIds: ['sg-0f1e2d3c4b5a69788'],
      MultiAZ: false,
      DeletionProtection: true,
      PubliclyAccessible: false,
    });
    expect(rdsMock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]!.args[0].input).not.toHaveProperty('DBInstanceClass');
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceFromDBSnapshotCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(records('fo-1').sort()).toEqual(['approval.json', 'assess.json', 'configuration-app-config.json', 'database-app-db.json', 'endpoint-app-db.json', 'maintenance-off.json', 'maintenance-on.json']);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: CONFIG_MACHINE, name: 'fo-1-config-app-config', input: JSON.stringify({ configuration: 'app-config', region: 'secondary', dryRun: false }) });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const e = evidence('fo-1');
    expect(e).toMatchObject({ mode: 'failover', outcome: 'met', rpoMs: 7 * 60_000, components: [{ resource: 'app-db', method: 'pitr', instanceId: 'app-db-dr', validation: 'passed', rpoMs: 7 * 60_000, rtoMs: 50 * 60_000 }] });
    expect(e?.primary).toMatchObject({ reachable: false });
    const sent = alerts();
    expect(sent.every((a) => a.severity === 'info')).toBe(true);
    const subjects = sent.map((a) => a.subject);
    expect(subjects).toHaveLength(8);
    expect(subjects.slice(0, 3)).toEqual([expect.stringContaining('failover fo-1: assessed'), expect.stringContaining('approval done'), expect.stringContaining('maintenance-on done')]);
    // The two branches report in the order they finish.
    expect(subjects.slice(3, 5)).toEqual(expect.arrayContaining([expect.stringContaining('database-app-db done'), expect.stringContaining('configuration-app-config done')]));
    expect(subjects.slice(5)).toEqual([expect.stringContaining('endpoint-app-db done'), expect.stringContaining('maintenance-off done'), expect.stringContaining('failover fo-1 finished: RTO')]);
  });

  it.each([
    { name: 'rejected', answer: async () => Promise.reject(new ApprovalRejected('rejected by bob')), text: /not approved \(rejected\)/ },
    { name: 'not answered in time', answer: () => new Promise(() => undefined), text: /not approved \(no answer in time\)/ },
  ])('changes nothing when the approval is $name: warning alert, FailoverNotApproved', async ({ answer, text }) => {
    approval = answer;
    const definition = regionFailoverDefinition(policy);
    definition.States['Request approval']!.TimeoutSeconds = 1;
    const result = await run({}, 'fo-2', definition);
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('FailoverNotApproved');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval']);
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
    expect(records('fo-2')).toEqual(['assess.json']);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'warning', kind: 'region-failover-not-approved' });
    expect(last.message).toMatch(text);
    expect(last.message).toContain('Nothing was changed');
  });

  it('sets the approval timeout from recovery.approvalTimeout', () => {
    const definition = regionFailoverDefinition(teamPolicy((d) => (d.recovery.approvalTimeout = '2h')));
    expect(definition.States['Request approval']?.TimeoutSeconds).toBe(7200);
  });

  it('stops on a failed validation before any endpoint moves: critical alert naming what was done and how to resume', async () => {
    validate = async () => passed({ outcome: 'failed', counts: { passed: 2, failed: 1, inconclusive: 0, skipped: 0 } });
    const result = await run({}, 'fo-3');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('FailoverFailed');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval', 'setMaintenanceMode']);
    // The configuration branch may finish beside the failed database.
    expect(records('fo-3').filter((r) => r !== 'configuration-app-config.json').sort()).toEqual(['approval.json', 'assess.json', 'maintenance-on.json']);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'region-failover-failed' });
    expect(last.message).toContain('FAILED: DatabaseValidationFailed');
    expect(last.message).toContain('MAINTENANCE MODE');
    expect(last.message).toContain('{"resume": "fo-3"}');
  });

  it.each([
    { step: 'assess', fail: () => rdsMock.on(DescribeDBSnapshotsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' })), done: [], fns: [] },
    { step: 'maintenance on', fail: () => (tasksOverride.setMaintenanceMode = async () => Promise.reject(Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' }))), done: ['assess', 'approval'], fns: ['requestApproval'] },
    { step: 'the restore', fail: () => rdsMock.on(RestoreDBInstanceToPointInTimeCommand).rejects(Object.assign(new Error('key disabled'), { name: 'KMSKeyNotAccessibleFault' })), done: ['assess', 'approval', 'maintenance-on'], fns: ['requestApproval', 'setMaintenanceMode'] },
    { step: 'the configuration restore', fail: () => sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED' }), done: ['assess', 'approval', 'maintenance-on'], fns: ['requestApproval', 'setMaintenanceMode'], parallel: true },
    { step: 'the endpoint switch', fail: () => (tasksOverride.switchEndpoint = async () => Promise.reject(Object.assign(new Error('AccessDenied'), { name: 'AccessDeniedException' }))), done: ['assess', 'approval', 'maintenance-on', 'database-app-db', 'configuration-app-config'], fns: ['requestApproval', 'setMaintenanceMode'] },
    { step: 'maintenance off', fail: () => (tasksOverride.setMaintenanceMode = async (i: any) => (i.mode === 'off' ? Promise.reject(Object.assign(new Error('Throttled'), { name: 'ThrottlingException' })) : { changed: true })), done: ['assess', 'approval', 'maintenance-on', 'database-app-db', 'configuration-app-config', 'endpoint-app-db'], fns: ['requestApproval', 'switchEndpoint'] },
  ])('a failure at $step stops there, leaves the steps before it recorded, and alerts critical', async ({ fail, done, fns, parallel }) => {
    tasksOverride = {};
    fail();
    const result = await runLocally(regionFailoverDefinition(policy), {}, { ...tasks(), ...tasksOverride }, { executionName: 'fo-4' });
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('FailoverFailed');
    // The branch running beside the failed one may finish its step first (database-app-db) or be stopped.
    const recorded = records('fo-4').map((r) => r.replace(/\.json$/, ''));
    // The branches record in the order they finish; the one beside a failed branch may finish or be stopped.
    if (parallel === true) expect(recorded.filter((r) => r !== 'database-app-db')).toEqual(done);
    else expect([...recorded].sort()).toEqual([...done].sort());
    expect(calls.map((c) => c.fn)).toEqual(fns);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'region-failover-failed' });
    expect(last.message).toContain(`Done so far: ${done.length === 0 ? 'none' : recorded.join(', ')}.`);
    expect(last.message).toContain(done.includes('maintenance-on') ? 'MAINTENANCE MODE' : 'Fix the cause');
  });

  it('resumes a partly failed run: skips the approval, maintenance mode and the recovered database, switches the endpoint and finishes', async () => {
    tasksOverride = { switchEndpoint: async () => Promise.reject(Object.assign(new Error('AccessDenied'), { name: 'AccessDeniedException' })) };
    const first = await runLocally(regionFailoverDefinition(policy), {}, { ...tasks(), ...tasksOverride }, { executionName: 'fo-5' });
    expect(first.status).toBe('FAILED');
    calls = [];
    rdsMock.resetHistory();
    sfnMock.resetHistory();
    const resumed = await run({ resume: 'fo-5' }, 'fo-5-resume');
    expect(resumed.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.fn)).toEqual(['switchEndpoint', 'setMaintenanceMode']);
    expect(calls[0]!.input).toMatchObject({ resource: 'app-db', address: 'app-db-dr.apse1.rds.example', port: 5432 });
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
    expect(records('fo-5').sort()).toEqual(['approval.json', 'assess.json', 'configuration-app-config.json', 'database-app-db.json', 'endpoint-app-db.json', 'maintenance-off.json', 'maintenance-on.json']);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(evidence('fo-5')).toMatchObject({ runId: 'fo-5', outcome: 'met', components: [{ resource: 'app-db', validation: 'validated by the run resumed' }] });
  });

  it('waits for a Route 53 switch to be INSYNC before recording it (check-endpoint-change, retried while pending)', async () => {
    tasksOverride = {
      switchEndpoint: async (i: any) => {
        calls.push({ fn: 'switchEndpoint', input: i });
        return { resource: 'app-db', target: 'route53:db.internal.example.com', previous: 'old', current: i.address, changed: true, changeId: '/change/C1', insync: false };
      },
    };
    const result = await runLocally(regionFailoverDefinition(policy), {}, { ...tasks(), ...tasksOverride }, { executionName: 'fo-10' });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval', 'setMaintenanceMode', 'switchEndpoint', 'checkEndpointChange', 'checkEndpointChange', 'checkEndpointChange', 'setMaintenanceMode']);
    expect(calls[3]!.input).toEqual({ changeId: '/change/C1' });
    expect(result.states.indexOf('Record endpoint')).toBeGreaterThan(result.states.lastIndexOf('Wait for endpoint'));
  });

  it('started again with the same input, finds its instance already there (ours) and goes on', async () => {
    instances.set('app-db-dr', { status: 'available', polls: 0, tags: [...ourTags('app-db'), { Key: 'backup-dr:recovery', Value: 'fo-0' }] });
    const result = await run({}, 'fo-6');
    expect(result.status).toBe('SUCCEEDED');
    expect(rdsMock).toHaveReceivedCommandTimes(RestoreDBInstanceToPointInTimeCommand, 1);
  });

  it('refuses an instance of the same name that is not ours', async () => {
    instances.set('app-db-dr', { status: 'available', polls: 0, tags: [] });
    const result = await run({}, 'fo-7');
    expect(result.status).toBe('FAILED');
    expect(alerts().at(-1)!.subject).toContain('RestoreFailed');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval', 'setMaintenanceMode']);
  });

  it('restores the newest verified copy when no automated backups are replicated', async () => {
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [] });
    const result = await run({}, 'fo-8');
    expect(result.status).toBe('SUCCEEDED');
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: 'app-db-dr', DBSnapshotIdentifier: verifiedCopy.DBSnapshotArn });
    expect(evidence('fo-8')?.components[0]).toMatchObject({ method: 'snapshot', rpoMs: NOW - Date.parse('2026-12-03T02:00:00+09:00') });
  });

  it('promotes the named read replica in a failover', async () => {
    policy = teamPolicy((d) => {
      withoutCacheFailover(d);
      d.resources.databases[0].failover.readReplica = 'app-db-replica';
    });
    setRuntime({ stage: 'test', policy, role: 'secondary', region: SECONDARY, alerts: snsAlertSink(new SNSClient({ region: SECONDARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
    instances.set('app-db-replica', { status: 'available', polls: 0, tags: [] });
    let promoted = false;
    rdsMock.on(PromoteReadReplicaCommand).callsFake(() => {
      promoted = true;
      return {};
    });
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'app-db-replica' }).callsFake(() => ({
      DBInstances: [{ DBInstanceIdentifier: 'app-db-replica', DBInstanceStatus: 'available', Endpoint: { Address: 'app-db-replica.apse1', Port: 5432 }, ...(promoted ? {} : { ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod' }) }],
    }));
    const result = await run({}, 'fo-9');
    expect(result.status).toBe('SUCCEEDED');
    expect(rdsMock).toHaveReceivedCommandWith(PromoteReadReplicaCommand, { DBInstanceIdentifier: 'app-db-replica' });
    expect(rdsMock).not.toHaveReceivedCommand(RestoreDBInstanceToPointInTimeCommand);
    expect(calls.find((c) => c.fn === 'switchEndpoint')?.input).toMatchObject({ address: 'app-db-replica.apse1' });
  });

  describe('rehearsal', () => {
    it('restores under a rehearsal name, validates, tears down, records RTO/RPO — no approval, no maintenance mode, no endpoint', async () => {
      const result = await run({ mode: 'rehearsal' }, 'rh-1');
      expect(result.status).toBe('SUCCEEDED');
      // Neither the contract Lambdas nor any step wrote a parameter or a record.
      expect(calls).toEqual([]);
      expect(ssmMock.calls()).toHaveLength(0);
      expect(route53Mock.calls()).toHaveLength(0);
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, {
        TargetDBInstanceIdentifier: 'bdr-rh-app-db-202612031800',
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.t4g.micro',
        DeletionProtection: false,
        Tags: expect.arrayContaining([{ Key: 'backup-dr:restore-test', Value: 'rh-1' }, { Key: 'backup-dr:recovery', Value: 'rh-1' }]),
      });
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'bdr-rh-app-db-202612031800', SkipFinalSnapshot: true });
      expect(rdsMock).not.toHaveReceivedCommand(PromoteReadReplicaCommand);
      expect(evidence('rh-1')).toMatchObject({ mode: 'rehearsal', rtoMs: 50 * 60_000, rpoMs: 7 * 60_000, outcome: 'met', teardown: 'deleted what the rehearsal created' });
      expect(records('rh-1').sort()).toEqual(['assess.json', 'configuration-app-config.json', 'database-app-db.json']);
      // The configuration is proven by a dry run: nothing is written in the secondary.
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'rh-1-config-app-config', input: JSON.stringify({ configuration: 'app-config', region: 'secondary', dryRun: true }) });
    });

    it('never promotes the replica: it restores the replicated backups instead', async () => {
      policy = teamPolicy((d) => {
      withoutCacheFailover(d);
      d.resources.databases[0].failover.readReplica = 'app-db-replica';
    });
      setRuntime({ stage: 'test', policy, role: 'secondary', region: SECONDARY, alerts: snsAlertSink(new SNSClient({ region: SECONDARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
      instances.set('app-db-replica', { status: 'available', polls: 0, tags: [] });
      const result = await run({ mode: 'rehearsal' }, 'rh-2');
      expect(result.status).toBe('SUCCEEDED');
      expect(rdsMock).not.toHaveReceivedCommand(PromoteReadReplicaCommand);
      expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, { TargetDBInstanceIdentifier: 'bdr-rh-app-db-202612031800' });
    });

    it('tears down after a failed validation too, and alerts critical without any endpoint or maintenance command', async () => {
      validate = async () => passed({ outcome: 'failed' });
      const result = await run({ mode: 'rehearsal' }, 'rh-3');
      expect(result.status).toBe('FAILED');
      expect(calls).toEqual([]);
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: 'bdr-rh-app-db-202612031800' });
      expect(alerts().at(-1)).toMatchObject({ severity: 'critical', kind: 'region-failover-failed' });
      expect(alerts().at(-1)!.message).toContain('Production was not touched');
    });
  });
});

let tasksOverride: Record<string, LocalTask> = {};

function withoutCacheFailover(d: Record<string, any>): void {
  delete d.resources.caches[0].failover;
}
