// Executions of the application-recovery state machine from its ASL file. Its own steps run for real (SSM,
// S3 and SNS answered by aws-sdk-client-mock; SSM as an in-memory parameter store, so maintenance mode is
// what set-maintenance-mode really wrote), the health check GETs a real local HTTPS server (a self-signed
// certificate for localhost, trusted as the check's CA); request-approval is a fake keeping its contract,
// and the two service integrations — the policy's rollback Lambda and the nested database-recovery
// (startExecution.sync:2) — are bound by state name to fakes answering as the integrations do.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetAutomationExecutionCommand, GetParameterCommand, PutParameterCommand, SSMClient, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkHealth, healthProbe } from '../../../functions/platform/application-recovery-health/health.js';
import { handler as plan } from '../../../functions/platform/application-recovery-plan/handler.js';
import { handler as progress } from '../../../functions/platform/application-recovery-progress/handler.js';
import { handler as report } from '../../../functions/platform/application-recovery-report/handler.js';
import { clientToken } from '../../../functions/platform/application-recovery-rollback/rollback.js';
import { handler as rollback } from '../../../functions/platform/application-recovery-rollback/handler.js';
import { handler as rollbackStatus } from '../../../functions/platform/application-recovery-poll/handler.js';
import { handler as setMaintenanceMode } from '../../../functions/platform/set-maintenance-mode/handler.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { BackupDrError } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { applicationRecoveryDefinition } from '../../../state-machines/platform/application-recovery.js';
import { teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const NOW = Date.parse('2026-12-03T18:00:00+09:00');
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test';
const BUCKET = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const MAINTENANCE = '/app/prod/maintenance-mode';
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
const rdsMock = mockClient(RDSClient);
/** app-db's restorable window as RDS reports it: automated backups from a week back, restorable up to 5 min ago. */
const EARLIEST = NOW - 7 * 86_400_000;
const LATEST = NOW - 5 * 60_000;

const fixtures = new URL('../fixtures/', import.meta.url);
const cert = readFileSync(new URL('localhost-cert.pem', fixtures));
const key = readFileSync(new URL('localhost-key.pem', fixtures));

class ApprovalRejected extends BackupDrError {
  override name = 'ApprovalRejected';
}

/** What the local application answers on /health, request after request (the last one repeats). */
let healthStatuses: number[];
let healthRequests: number;
let server: Server;
let base: string;
let policy: Policy;
let parameters: Map<string, string>;
let objects: Map<string, string>;
/** What the fakes were asked, in order. */
let calls: { fn: string; input: any }[];
let automationStatuses: string[];
let hook: LocalTask;
let nested: LocalTask;

beforeAll(async () => {
  server = createServer({ cert, key }, (req, res) => {
    if (req.url === '/health') healthRequests += 1;
    res.writeHead(req.url === '/health' ? (healthStatuses.length > 1 ? healthStatuses.shift()! : healthStatuses[0]!) : 404);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function policyWith(rollbackHook: { lambda: string } | { ssmDocument: string; assumeRole?: string }): Policy {
  return teamPolicy((d) => (d.recovery.application = { rollback: rollbackHook, healthUrls: [`${base}/health`], healthTimeout: '2s' }));
}

function use(p: Policy): void {
  policy = p;
  let clock = NOW - 60_000;
  setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts: snsAlertSink(new SNSClient({ region: PRIMARY }), TOPIC, policy.timezone), logger, log, metrics, now: () => (clock += 60_000) });
}

const tasks = (): Record<string, LocalTask> => ({
  applicationRecoveryPlan: asTask('application-recovery-plan', plan),
  applicationRecoveryProgress: asTask('application-recovery-progress', progress),
  requestApproval: async (payload) => {
    calls.push({ fn: 'requestApproval', input: payload });
    return { approved: true, by: 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice', at: '2026-12-03T09:05:00Z' };
  },
  setMaintenanceMode: asTask('set-maintenance-mode', setMaintenanceMode),
  applicationRecoveryRollback: asTask('application-recovery-rollback', rollback),
  applicationRecoveryPoll: asTask('application-recovery-poll', rollbackStatus),
  // The real core against the local server; the handler's probe trusts the public CAs only.
  applicationRecoveryHealth: async () => {
    const application = policy.recovery!.application!;
    return checkHealth({ probe: healthProbe(cert) }, application.healthUrls, application.healthTimeout);
  },
  applicationRecoveryReport: asTask('application-recovery-report', report),
});

const stateTasks = (): Record<string, LocalTask> => ({
  'Invoke rollback Lambda': async (input) => {
    calls.push({ fn: 'hook', input });
    return hook(input);
  },
  'Restore database': async (input) => {
    calls.push({ fn: 'database-recovery', input });
    return nested(input);
  },
});

const run = (input: unknown, executionName: string, definition = applicationRecoveryDefinition(policy)) =>
  runLocally(definition, input, tasks(), { executionName, stateTasks: definition.States['Invoke rollback Lambda'] === undefined ? { 'Restore database': stateTasks()['Restore database']! } : stateTasks() });

const alerts = () =>
  snsMock.commandCalls(PublishCommand).map((c) => {
    const attrs = c.args[0].input.MessageAttributes ?? {};
    const message = (JSON.parse(c.args[0].input.Message ?? '{}') as { default?: string }).default ?? '';
    return { severity: attrs.severity?.StringValue, kind: attrs.kind?.StringValue, subject: c.args[0].input.Subject ?? '', message };
  });
const evidence = (runId: string) => JSON.parse(objects.get(`evidence/application-recovery/2026/12/${runId}.json`) ?? 'null') as Record<string, any> | null;
const maintenanceWrites = () => ssmMock.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value);

const nestedSucceeded: LocalTask = async (input: any) => ({
  ExecutionArn: `arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-database-recovery:${input.Name}`,
  Status: 'SUCCEEDED',
  Output: { report: { summary: 'app-db restored to 2026-12-03 17:45 into bdr-rec-app-db-20261203180700', next: 'connect and copy what you need' } },
});

describe('application-recovery state machine', () => {
  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    ssmMock.reset();
    rdsMock.reset();
    calls = [];
    objects = new Map();
    parameters = new Map([[MAINTENANCE, 'off']]);
    healthStatuses = [200];
    healthRequests = 0;
    automationStatuses = ['InProgress', 'InProgress', 'Success'];
    hook = async () => ({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { rolledBackTo: 'v41' } });
    nested = nestedSucceeded;
    process.env.REPORTS_BUCKET = BUCKET;
    use(policyWith({ lambda: 'app-rollback' }));
    ssmMock.on(GetParameterCommand).callsFake((input) => {
      const value = parameters.get(input.Name);
      if (value === undefined) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      return { Parameter: { Name: input.Name, Value: value, Type: 'String' } };
    });
    ssmMock.on(PutParameterCommand).callsFake((input) => {
      parameters.set(input.Name, input.Value);
      return { Version: 2 };
    });
    ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-1' });
    ssmMock.on(GetAutomationExecutionCommand).callsFake(() => {
      const status = automationStatuses.length > 1 ? automationStatuses.shift()! : automationStatuses[0]!;
      return { AutomationExecution: { AutomationExecutionId: 'auto-1', DocumentName: 'app-rollback', AutomationExecutionStatus: status, ...(status === 'Failed' ? { FailureMessage: 'Step deploy failed: image not found' } : {}), ...(status === 'Success' ? { ExecutionEndTime: new Date(NOW) } : {}) } };
    });
    s3Mock.on(PutObjectCommand).callsFake((input) => {
      objects.set(input.Key, String(input.Body));
      return {};
    });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    rdsMock.on(DescribeDBInstancesCommand).callsFake((input) => ({ DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, LatestRestorableTime: new Date(LATEST) }] }));
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).callsFake((input) => ({ DBInstanceAutomatedBackups: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, RestoreWindow: { EarliestTime: new Date(EARLIEST), LatestTime: new Date(LATEST) } }] }));
  });

  it('rolls back with the Lambda hook: approval, maintenance on, the hook with the version, healthy, maintenance off, evidence with the RTO', async () => {
    const result = await run({ version: 'v41' }, 'ar-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval', 'hook']);
    expect(calls[0]!.input).toMatchObject({ runbook: 'application-recovery', plan: { rollback: 'Lambda app-rollback to version v41', database: 'not restored' } });
    expect(calls[1]!.input).toEqual({ FunctionName: 'app-rollback', Payload: { runbook: 'application-recovery', execution: expect.stringContaining(':execution:local:ar-1'), version: 'v41' } });
    expect(maintenanceWrites()).toEqual(['on', 'off']);
    expect(parameters.get(MAINTENANCE)).toBe('off');
    // Maintenance on only after the approval, the hook only after maintenance on.
    expect(result.states.indexOf('Maintenance on')).toBeGreaterThan(result.states.indexOf('Request approval'));
    expect(result.states.indexOf('Invoke rollback Lambda')).toBeGreaterThan(result.states.indexOf('Maintenance on'));
    expect(result.states).not.toContain('Restore database');
    expect(ssmMock).not.toHaveReceivedCommand(StartAutomationExecutionCommand);
    const e = evidence('ar-1');
    // The clock moves a minute per read: plan at NOW, the report 8 reads later.
    expect(e).toMatchObject({ kind: 'application-recovery', outcome: 'recovered', objective: 'met', rtoTargetMs: 3_600_000, hook: { kind: 'lambda', target: 'app-rollback' }, version: 'v41', maintenanceLeftOn: false });
    expect(e!.rtoMs).toBeGreaterThan(0);
    expect(e!.steps).toEqual(['plan', 'approval (arn:aws:sts::123456789012:assumed-role/dr-approver/alice)', 'maintenance-on', 'rollback', 'health', 'maintenance-off']);
    const sent = alerts();
    expect(sent.every((a) => a.severity === 'info')).toBe(true);
    expect(sent.map((a) => a.subject)).toEqual([
      expect.stringContaining('ar-1: plan done'),
      expect.stringContaining('ar-1: approval done'),
      expect.stringContaining('ar-1: maintenance-on done'),
      expect.stringContaining('ar-1: rollback done'),
      expect.stringContaining('ar-1: health done'),
      expect.stringContaining('ar-1 recovered: RTO'),
    ]);
    expect(result.output).toMatchObject({ report: { outcome: 'recovered', evidenceKey: 'evidence/application-recovery/2026/12/ar-1.json' } });
  });

  it('rolls back with the SSM Automation hook: started once with a ClientToken from the execution, polled until Success', async () => {
    use(policyWith({ ssmDocument: 'app-rollback' }));
    const result = await run({ version: 'v41' }, 'ar-2');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).not.toContain('Invoke rollback Lambda');
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
    expect(ssmMock).toHaveReceivedCommandWith(StartAutomationExecutionCommand, { DocumentName: 'app-rollback', ClientToken: clientToken(result.output && (result.output as any).plan.execution), Parameters: { version: ['v41'] } });
    expect(ssmMock).toHaveReceivedCommandTimes(GetAutomationExecutionCommand, 3);
    expect(ssmMock).toHaveReceivedCommandWith(GetAutomationExecutionCommand, { AutomationExecutionId: 'auto-1' });
    expect(result.states.filter((s) => s === 'Wait for rollback automation')).toHaveLength(1);
    expect(maintenanceWrites()).toEqual(['on', 'off']);
    expect(alerts().find((a) => a.subject.includes('rollback done'))?.message).toContain('(execution auto-1: Success)');
    expect(evidence('ar-2')).toMatchObject({ outcome: 'recovered', hook: { kind: 'ssmDocument', target: 'app-rollback' } });
  });

  it('probes the health URLs at once (the check lasts one healthTimeout, not one per URL: the schema bounds it below the function timeout)', async () => {
    let inFlight = 0;
    let most = 0;
    const probe = async (url: string) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return { url, ok: true, status: 200, detail: 'HTTP 200' };
    };
    const urls = ['https://a.example.com/health', 'https://b.example.com/health', 'https://c.example.com/health'];
    await expect(checkHealth({ probe }, urls, 45_000)).resolves.toMatchObject({ healthy: true });
    expect(most).toBe(urls.length);
  });

  it('passes the policy\'s assume role as the document\'s AutomationAssumeRole parameter, and says so to the approvers', async () => {
    const role = 'arn:aws:iam::123456789012:role/app-rollback-automation';
    use(policyWith({ ssmDocument: 'app-rollback', assumeRole: role }));
    const result = await run({}, 'ar-16');
    expect(result.status).toBe('SUCCEEDED');
    expect(ssmMock).toHaveReceivedCommandTimes(StartAutomationExecutionCommand, 1);
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)[0]!.args[0].input).toEqual({ DocumentName: 'app-rollback', ClientToken: expect.any(String), Parameters: { AutomationAssumeRole: [role] } });
    expect(calls[0]!.input.plan.rollback).toBe(`SSM Automation app-rollback as ${role} (its own choice of version)`);
    use(policyWith({ ssmDocument: 'app-rollback' }));
    ssmMock.resetHistory();
    await run({}, 'ar-17');
    // Neither a version nor a role: no Parameters at all (the document's defaults).
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)[0]!.args[0].input).toEqual({ DocumentName: 'app-rollback', ClientToken: expect.any(String) });
  });

  it('gives the same ClientToken to the same execution and another to the next (a UUID, as SSM requires)', () => {
    const a = clientToken('arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-application-recovery:ar-1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(clientToken('arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-application-recovery:ar-1')).toBe(a);
    expect(clientToken('arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-application-recovery:ar-2')).not.toBe(a);
  });

  it('restores the database with a nested database-recovery under a name from the run, then checks health', async () => {
    const database = { resource: 'app-db', mode: 'point-in-time', time: '2026-12-03T17:45:00+09:00' };
    const result = await run({ database }, 'ar-3');
    expect(result.status).toBe('SUCCEEDED');
    const call = calls.find((c) => c.fn === 'database-recovery')!;
    expect(call.input).toEqual({ StateMachineArn: { Ref: 'DatabaseRecoveryStateMachine' }, Name: 'ar-3-database', Input: database });
    expect(result.states.indexOf('Restore database')).toBeGreaterThan(result.states.indexOf('Invoke rollback Lambda'));
    expect(result.states.indexOf('Check health')).toBeGreaterThan(result.states.indexOf('Restore database'));
    expect(calls[0]!.input.plan.database).toContain('app-db: database-recovery point-in-time to 2026-12-03');
    expect(alerts().find((a) => a.subject.includes('database done'))?.message).toContain('execution:backup-dr-test-database-recovery:ar-3-database (SUCCEEDED): app-db restored');
    expect(evidence('ar-3')).toMatchObject({ outcome: 'recovered', database, steps: expect.arrayContaining(['database (arn:aws:states:ap-northeast-1:123456789012:execution:backup-dr-test-database-recovery:ar-3-database)']) });
  });

  it('checks a database time against the restorable window at Plan: outside it stops there, naming database.time — no maintenance mode, no rollback', async () => {
    const instanceId = policy.resources.databases.find((db) => db.name === 'app-db')!.instanceId;
    const result = await run({ database: { resource: 'app-db', mode: 'point-in-time', time: '2026-12-03T17:58:00+09:00' } }, 'ar-11');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryFailed');
    expect(result.states).not.toContain('Request approval');
    expect(result.states).not.toContain('Maintenance on');
    expect(calls).toEqual([]);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: instanceId }]);
    expect(rdsMock.commandCalls(DescribeDBInstanceAutomatedBackupsCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: instanceId }]);
    const sent = alerts();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message).toMatch(/InvalidInput: database\.time: 2026-12-03.*17:58.* is outside the restorable window/);
    expect(sent[0]!.message).toContain('Nothing was done');
  });

  it('reads no restorable window for a database part without a time', async () => {
    const result = await run({ database: { resource: 'app-db', mode: 'full' } }, 'ar-12');
    expect(result.status).toBe('SUCCEEDED');
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it('a failed nested database-recovery stops the run with maintenance mode left on: critical alert, what to do', async () => {
    nested = async () => Promise.reject(Object.assign(new Error('{"Status":"FAILED","Error":"RecoveryFailed"}'), { name: 'States.TaskFailed' }));
    const result = await run({ database: { resource: 'app-db', mode: 'full' } }, 'ar-4');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryFailed');
    expect(result.states).not.toContain('Check health');
    expect(maintenanceWrites()).toEqual(['on']);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'application-recovery-failed' });
    expect(last.message).toContain('MAINTENANCE MODE IS STILL ON');
    expect(last.message).toContain(`aws ssm put-parameter --name ${MAINTENANCE} --value 'off'`);
    expect(last.message).toContain('Done so far: plan, approval');
    expect(last.message).toContain('ar-4-database');
    expect(evidence('ar-4')).toMatchObject({ outcome: 'failed', rtoMs: null, maintenanceLeftOn: true });
  });

  it.each([
    { hookKind: 'lambda', fail: () => (hook = async () => Promise.reject(Object.assign(new Error('deploy v41 not found'), { name: 'RollbackError' }))), error: 'RollbackError' },
    { hookKind: 'ssmDocument', fail: () => (automationStatuses = ['InProgress', 'Failed']), error: 'RollbackFailed' },
  ])('a $hookKind hook that fails stops the run before the health check, maintenance mode left on, critical alert', async ({ hookKind, fail, error }) => {
    use(policyWith(hookKind === 'lambda' ? { lambda: 'app-rollback' } : { ssmDocument: 'app-rollback' }));
    fail();
    const result = await run({}, 'ar-5');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryFailed');
    expect(result.states).not.toContain('Check health');
    expect(maintenanceWrites()).toEqual(['on']);
    expect(parameters.get(MAINTENANCE)).toBe('on');
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'application-recovery-failed' });
    expect(last.subject).toContain(`FAILED: ${error}`);
    expect(last.message).toContain('MAINTENANCE MODE IS STILL ON');
    if (hookKind === 'ssmDocument') expect(last.message).toContain('ended Failed: Step deploy failed: image not found');
  });

  it('without maintenance mode in the policy, a failure after the rollback says the application was rolled back (never "nothing irreversible")', async () => {
    use(teamPolicy((d) => {
      delete d.recovery.maintenanceMode;
      d.recovery.application = { rollback: { lambda: 'app-rollback' }, healthUrls: [`${base}/health`], healthTimeout: '2s' };
    }));
    nested = async () => Promise.reject(Object.assign(new Error('{"Status":"FAILED","Error":"RecoveryFailed"}'), { name: 'States.TaskFailed' }));
    const result = await run({ version: 'v41', database: { resource: 'app-db', mode: 'full' } }, 'ar-11');
    expect(result.status).toBe('FAILED');
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'application-recovery-failed' });
    expect(last.subject).not.toContain('MAINTENANCE MODE');
    expect(last.message).not.toContain('Nothing irreversible');
    expect(last.message).not.toContain('Nothing was changed');
    expect(last.message).toContain('No maintenance mode in the policy: the application kept serving throughout.');
    expect(last.message).toContain('Changed so far: the application rolled back by Lambda app-rollback (version v41); the database restore ar-11-database possibly started, with no result.');
    expect(last.message).toContain('in full mode it switches the endpoint');
    expect(evidence('ar-11')).toMatchObject({ outcome: 'failed', maintenance: 'none', maintenanceLeftOn: false, changed: ['the application rolled back by Lambda app-rollback (version v41)', 'the database restore ar-11-database possibly started, with no result'] });
  });

  it('a "Maintenance on" that fails leaves maintenance mode unknown: the alert says so and how to check it', async () => {
    ssmMock.on(PutParameterCommand).callsFake(() => {
      throw Object.assign(new Error('internal error'), { name: 'InternalServerError' });
    });
    const result = await run({}, 'ar-12');
    expect(result.status).toBe('FAILED');
    expect(calls.map((c) => c.fn)).toEqual(['requestApproval']);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'application-recovery-failed' });
    expect(last.subject).toContain('FAILED: InternalServerError');
    expect(last.message).toContain('ar-12 FAILED: InternalServerError — MAINTENANCE MODE UNKNOWN');
    expect(last.message).toContain('MAINTENANCE MODE STATE UNKNOWN: "Maintenance on" failed, possibly after writing.');
    expect(last.message).toContain(`aws ssm get-parameter --name ${MAINTENANCE} --query Parameter.Value --output text --region ${PRIMARY}`);
    expect(last.message).toContain(`aws ssm put-parameter --name ${MAINTENANCE} --value 'off'`);
    expect(last.message).not.toContain('Nothing');
    expect(evidence('ar-12')).toMatchObject({ outcome: 'failed', maintenance: 'unknown', maintenanceLeftOn: false });
  });

  it('a failure before any change (the approval request could not be sent) says nothing was changed in production', async () => {
    const result = await runLocally(applicationRecoveryDefinition(policy), {}, { ...tasks(), requestApproval: async () => Promise.reject(Object.assign(new Error('SNS down'), { name: 'InternalError' })) }, { executionName: 'ar-13', stateTasks: stateTasks() });
    expect(result.status).toBe('FAILED');
    expect(alerts().at(-1)!.message).toContain('Nothing was changed in production');
    expect(evidence('ar-13')).toMatchObject({ maintenance: 'off', changed: [] });
  });

  it('a report that fails is not a success: the failure path alerts that the recovery completed but has no evidence', async () => {
    let puts = 0;
    s3Mock.on(PutObjectCommand).callsFake((input) => {
      puts += 1;
      if (puts === 1) throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
      objects.set(input.Key, String(input.Body));
      return {};
    });
    const result = await run({}, 'ar-14');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryFailed');
    expect(result.states.slice(-3)).toEqual(['Report', 'Notify failure', 'Failed']);
    expect(maintenanceWrites()).toEqual(['on', 'off']);
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'application-recovery-failed' });
    expect(last.subject).toContain('FAILED: InternalError');
    expect(last.message).toContain('The recovery itself completed (rolled back, healthy, maintenance mode off): only its report failed');
    expect(evidence('ar-14')).toMatchObject({ outcome: 'failed', maintenance: 'off', maintenanceLeftOn: false });
  });

  it('a report that fails, and its failure alert too, still ends the execution FAILED (the execution-failed rule alerts)', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const result = await run({}, 'ar-15');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryFailed');
    expect(result.states).not.toContain('Recovered');
    const definition = applicationRecoveryDefinition(policy);
    // No path from the report to a success state but its own success.
    expect(definition.States['Report']?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Notify failure' }]);
  });

  it('an application still unhealthy after the retries stops with maintenance mode ON, and says what to do', async () => {
    healthStatuses = [503];
    const result = await run({}, 'ar-6');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationUnhealthy');
    // Asked again a few times before giving up (the rollout may still be settling).
    expect(healthRequests).toBe(10);
    expect(maintenanceWrites()).toEqual(['on']);
    expect(parameters.get(MAINTENANCE)).toBe('on');
    const last = alerts().at(-1)!;
    expect(last).toMatchObject({ severity: 'critical', kind: 'application-recovery-unhealthy' });
    expect(last.message).toContain(`${base}/health HTTP 503`);
    expect(last.message).toContain('MAINTENANCE MODE IS STILL ON');
    expect(last.message).toContain('Done so far: plan, approval (arn:aws:sts::123456789012:assumed-role/dr-approver/alice), maintenance-on, rollback.');
    expect(evidence('ar-6')).toMatchObject({ outcome: 'unhealthy', maintenanceLeftOn: true });
  });

  it('an application that becomes healthy while retried goes on to maintenance off', async () => {
    healthStatuses = [502, 502, 200];
    const result = await run({}, 'ar-7');
    expect(result.status).toBe('SUCCEEDED');
    expect(maintenanceWrites()).toEqual(['on', 'off']);
  });

  it.each([
    [{ version: '' }, 'version: must not be empty'],
    [{ versoin: 'v41' }, 'versoin: unknown input field (allowed: version, database)'],
    [{ database: { resource: 'app-db', mode: 'point-in-time' } }, 'database.time: a point-in-time recovery needs the time'],
    [{ database: { resource: 'nope', mode: 'full' } }, 'database.resource: no database "nope" in the policy'],
    [{ database: { resource: 'app-db', mode: 'full', dryRun: true } }, 'database.dryRun: application-recovery restores for real'],
    [{ database: 'app-db' }, 'database: must be an object'],
  ])('refuses %j naming the field, before anything changes', async (input, message) => {
    const result = await run(input, 'ar-8');
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryFailed');
    expect(calls).toEqual([]);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    const sent = alerts();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ severity: 'critical', kind: 'application-recovery-failed' });
    expect(sent[0]!.message).toContain(`InvalidInput: ${message}`);
    expect(sent[0]!.message).toContain('Nothing was done');
    expect(objects.size).toBe(0);
  });

  it('changes nothing when the approval is rejected: warning alert', async () => {
    const base = tasks();
    const result = await runLocally(applicationRecoveryDefinition(policy), {}, { ...base, requestApproval: async () => Promise.reject(new ApprovalRejected('rejected by bob')) }, { executionName: 'ar-9', stateTasks: stateTasks() });
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('ApplicationRecoveryNotApproved');
    expect(calls).toEqual([]);
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    expect(alerts().at(-1)).toMatchObject({ severity: 'warning', kind: 'application-recovery-not-approved' });
    expect(alerts().at(-1)!.message).toContain('Nothing was changed');
  });

  it('without a restore-tested database the definition has no database branch, and the plan refuses a database part', async () => {
    use(teamPolicy((d) => {
      d.recovery.application = { rollback: { lambda: 'app-rollback' }, healthUrls: [`${base}/health`] };
      for (const db of d.resources.databases) delete db.restoreTest;
      for (const db of d.resources.databases) delete db.pitrTest;
    }));
    const definition = applicationRecoveryDefinition(policy);
    expect(definition.States['Restore database']).toBeUndefined();
    expect(definition.States['Record rollback']?.Next).toBe('Check health');
    const result = await runLocally(definition, { database: { resource: 'app-db', mode: 'full' } }, tasks(), { executionName: 'ar-10', stateTasks: { 'Invoke rollback Lambda': stateTasks()['Invoke rollback Lambda']! } });
    expect(result.status).toBe('FAILED');
    expect(alerts().at(-1)!.message).toContain('database.resource: "app-db" has no restoreTest settings');
  });

  it('sets the approval timeout, the hook and the automation budget from the policy', () => {
    const lambda = applicationRecoveryDefinition(teamPolicy((d) => {
      d.recovery.approvalTimeout = '2h';
      d.recovery.application = { rollback: { lambda: 'arn:aws:lambda:ap-northeast-1:123456789012:function:app-rollback:live' }, healthUrls: ['https://app.example.com/health'] };
    }));
    expect(lambda.States['Request approval']?.TimeoutSeconds).toBe(7200);
    expect(lambda.States['Invoke rollback Lambda']?.Parameters).toMatchObject({ FunctionName: 'arn:aws:lambda:ap-northeast-1:123456789012:function:app-rollback:live' });
    expect(lambda.States['Record maintenance on']?.Next).toBe('Invoke rollback Lambda');
    expect(lambda.States['Start rollback automation']).toBeUndefined();
    const ssm = applicationRecoveryDefinition(policyWith({ ssmDocument: 'app-rollback' }));
    expect(ssm.States['Invoke rollback Lambda']).toBeUndefined();
    expect(ssm.States['Record maintenance on']?.Next).toBe('Start rollback automation');
    // objectives.application.rto (1 h) polled every 30 s.
    expect(ssm.States['Wait for rollback automation']?.Retry?.find((r) => r.ErrorEquals.includes('RollbackNotReady'))).toEqual({ ErrorEquals: ['RollbackNotReady'], IntervalSeconds: 30, MaxAttempts: 120, BackoffRate: 1 });
  });
});
