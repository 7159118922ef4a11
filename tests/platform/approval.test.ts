// The approval step's two Lambdas against the S3 stand-in (conditional writes as S3 does them) and a
// mocked Step Functions: request-approval records the pending request once and alerts it without the
// token; answer-approval lets only recovery.approvers answer (403 and a warning otherwise, nothing
// sent), sends exactly one SendTaskSuccess or SendTaskFailure, records who answered, and turns every
// other case into a clear status — already answered, unknown, expired, no longer waiting.

import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerApproval, type AnswerDeps } from '../../functions/platform/answer-approval/answer-approval.js';
import { requestApprovalInput } from '../../functions/platform/request-approval/handler.js';
import { requestApproval, type RequestApprovalDeps } from '../../functions/platform/request-approval/request-approval.js';
import { alertJson, alertText } from '../../shared/alerts/alert.js';
import { approvalKey, executionOf, isApprover, parseExecutionArn, type ApprovalRecord } from '../../shared/platform/approval.js';
import { parseInput } from '../../shared/runtime/input.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { RecordingAlerts, RecordingLog } from '../helpers/runtime.js';

const REGION = 'ap-southeast-1';
const BUCKET = 'backup-dr-reports-prod-123456789012-ap-southeast-1';
const NOW = Date.parse('2026-12-03T10:00:00Z');
const HOUR = 3_600_000;
const ARN = 'arn:aws:states:ap-southeast-1:123456789012:execution:backup-dr-prod-region-failover:failover-2026-12-03';
const EXECUTION = executionOf('execution', ARN);
const KEY = 'approvals/backup-dr-prod-region-failover/failover-2026-12-03.json';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAdGhlLXRhc2stdG9rZW4tb2YtdGhlLWFwcHJvdmFsLXN0ZXA=';
const APPROVER = 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice';
const APPROVERS = ['arn:aws:sts::123456789012:assumed-role/dr-approver/*', 'arn:aws:iam::123456789012:user/bob'];
const PLAN = { primary: 'ap-northeast-1', secondary: 'ap-southeast-1', dataLoss: 'app-db: 4 min (latest restorable time 09:56Z); app-redis: 5 h 12 min', steps: ['maintenance on', 'promote app-db-replica', 'seed app-redis', 'switch endpoints'] };

const sfn = new SFNClient({ region: REGION });
const sfnMock = mockClient(sfn);
const s3Client = new S3Client({ region: REGION });

let s3: S3StandIn;
let alerts: RecordingAlerts;
let log: RecordingLog;
let clock: number;

const requestDeps = (): RequestApprovalDeps => ({ s3: s3Client, bucket: BUCKET, stage: 'prod', region: REGION, timeoutMs: HOUR, alerts, log, now: () => clock });
const answerDeps = (): AnswerDeps => ({ s3: s3Client, sfn, bucket: BUCKET, region: REGION, approvers: APPROVERS, alerts, log, now: () => clock });
const stored = () => JSON.parse(s3.read(BUCKET, KEY) ?? 'null') as ApprovalRecord | null;
const request = (token = TOKEN) => requestApproval({ token, execution: EXECUTION, runbook: 'region-failover', plan: PLAN }, requestDeps());
const answer = (body: unknown, caller: string | undefined = APPROVER) => answerApproval(caller, typeof body === 'string' ? body : JSON.stringify(body), answerDeps());
const puts = () => s3.requests().filter((r) => r.command === 'PutObject').length;

beforeEach(() => {
  s3 = new S3StandIn();
  s3.install();
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
  alerts = new RecordingAlerts();
  log = new RecordingLog();
  clock = NOW;
});
afterEach(() => s3.restore());

describe('the execution and who may answer', () => {
  it('keeps a request under approvals/<state machine>/<execution name>.json', () => {
    expect(approvalKey(EXECUTION)).toBe(KEY);
  });

  it.each([
    ['not an ARN', 'failover-2026-12-03'],
    ['a state machine, not an execution', 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:backup-dr-prod-region-failover'],
    ['a name with a slash (it would leave its folder)', 'arn:aws:states:ap-southeast-1:123456789012:execution:sm:../../evidence/x'],
    ['a name with a space', 'arn:aws:states:ap-southeast-1:123456789012:execution:sm:a b'],
    ['a name over 80 characters', `arn:aws:states:ap-southeast-1:123456789012:execution:sm:${'x'.repeat(81)}`],
  ])('refuses %s as an execution', (_why, text) => {
    expect(parseExecutionArn(text)).toBeNull();
    expect(() => executionOf('execution', text)).toThrow(/^execution: .* must be a Step Functions execution ARN/);
  });

  it.each([
    [APPROVER, true],
    ['arn:aws:sts::123456789012:assumed-role/dr-approver/bob@example.com', true],
    ['arn:aws:iam::123456789012:user/bob', true],
    // `*` stays within the session part, and nothing else is a pattern.
    ['arn:aws:sts::123456789012:assumed-role/dr-approver-x/alice', false],
    ['arn:aws:sts::123456789012:assumed-role/other/alice', false],
    ['arn:aws:sts::999999999999:assumed-role/dr-approver/alice', false],
    ['arn:aws:iam::123456789012:user/bobby', false],
    ['arn:aws:iam::123456789012:user/bob/x', false],
    ['arn:aws:iam::123456789012:root', false],
  ])('%s is an approver: %s', (caller, expected) => {
    expect(isApprover(caller, APPROVERS)).toBe(expected);
  });

  it('a role ARN in the policy admits every session of that role (its path dropped, as an assumed-role ARN drops it), and only that role', () => {
    const byRole = ['arn:aws:iam::123456789012:role/ops/dr-approver'];
    expect(isApprover('arn:aws:sts::123456789012:assumed-role/dr-approver/carol', byRole)).toBe(true);
    expect(isApprover('arn:aws:sts::123456789012:assumed-role/dr-approver2/carol', byRole)).toBe(false);
    expect(isApprover('arn:aws:iam::123456789012:role/ops/dr-approver', ['arn:aws:sts::123456789012:assumed-role/*/x'])).toBe(false);
  });
});

describe('request-approval', () => {
  it('records the pending request where answer-approval finds it, written only where nothing was', async () => {
    const result = await request();
    expect(result).toEqual({ key: KEY, expiresAt: '2026-12-03T11:00:00.000Z', notified: true });
    expect(stored()).toEqual({ version: 1, execution: ARN, runbook: 'region-failover', token: TOKEN, plan: PLAN, requestedAt: '2026-12-03T10:00:00.000Z', expiresAt: '2026-12-03T11:00:00.000Z' });
    expect(s3.object(BUCKET, KEY)?.serverSideEncryption).toBe('aws:kms');
  });

  it('alerts critical: the summary, the plan and its data loss, the exact commands that answer and the console link — never the token', async () => {
    await request();
    expect(alerts.published).toHaveLength(1);
    const alert = alerts.published[0]!;
    expect(alert).toMatchObject({ severity: 'critical', kind: 'approval-needed', resource: 'failover-2026-12-03', region: REGION, summary: 'approval needed: region-failover failover-2026-12-03', source: 'request-approval' });
    expect(alert.details).toMatchObject({
      execution: ARN,
      approve: `npx backup-dr approve ${ARN} --stage prod`,
      reject: `npx backup-dr reject ${ARN} --reason "<why>" --stage prod`,
      console: `https://ap-southeast-1.console.aws.amazon.com/states/home?region=ap-southeast-1#/v2/executions/details/${ARN}`,
      dataLoss: PLAN.dataLoss,
      'plan.primary': 'ap-northeast-1',
      'plan.steps': JSON.stringify(PLAN.steps),
      expiresAt: '2026-12-03T11:00:00.000Z',
    });
    expect(alert.action).toContain(`data loss: ${PLAN.dataLoss}`);
    expect(alert.action).toContain(`npx backup-dr approve ${ARN} --stage prod`);
    const everything = JSON.stringify(alertJson(alert)) + alertText(alert, 'Asia/Tokyo');
    expect(everything).not.toContain(TOKEN);
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('a retried invocation (the same token) neither rewrites the record nor alerts again', async () => {
    await request();
    clock += 60_000;
    expect(await request()).toEqual({ key: KEY, expiresAt: '2026-12-03T11:00:00.000Z', notified: false });
    expect(alerts.published).toHaveLength(1);
    expect(puts()).toBe(1);
  });

  it('a new request of the same execution (a redrive: a new token) replaces the record over the version read and is alerted', async () => {
    await request();
    clock += 2 * HOUR;
    const result = await request('second-token');
    expect(result.notified).toBe(true);
    expect(stored()).toMatchObject({ token: 'second-token', requestedAt: '2026-12-03T12:00:00.000Z' });
    expect(alerts.published).toHaveLength(2);
  });

  it('the default stage is left out of the commands', async () => {
    await requestApproval({ token: TOKEN, execution: EXECUTION, runbook: 'region-failover', plan: {} }, { ...requestDeps(), stage: 'dev' });
    expect(alerts.published[0]?.details?.['approve']).toBe(`npx backup-dr approve ${ARN}`);
  });

  it.each([
    [{ execution: ARN, runbook: 'region-failover', plan: {} }, 'token: must be a non-empty string'],
    [{ token: TOKEN, execution: ARN, runbook: 'Region Failover', plan: {} }, 'runbook: must be the runbook name'],
    [{ token: TOKEN, execution: ARN, runbook: 'region-failover', plan: 'promote' }, 'plan: must be an object'],
    [{ token: TOKEN, execution: ARN, runbook: 'region-failover', plan: {}, approvers: ['*'] }, 'approvers: unknown input field (allowed: token, execution, runbook, plan)'],
  ])('its Payload is checked first, naming the field: %j', (payload, message) => {
    expect(() => parseInput(requestApprovalInput, payload)).toThrow(message);
  });

  it('refuses to overwrite an object under its key that is not an approval record', async () => {
    s3.put(BUCKET, KEY, '{"something": "else"}');
    await expect(request()).rejects.toThrow(`${KEY}: is not an approval record of ours`);
    expect(alerts.published).toEqual([]);
  });
});

describe('answer-approval', () => {
  beforeEach(async () => {
    await request();
    alerts = new RecordingAlerts();
    clock = NOW + 10 * 60_000;
  });

  it('approve: SendTaskSuccess with {approved, by, at} as the task output, and the answer recorded without the token', async () => {
    const response = await answer({ execution: ARN, decision: 'approve' });
    expect(response).toEqual({
      status: 200,
      body: { outcome: 'approved', message: `approved region-failover ${ARN} as ${APPROVER} at 2026-12-03T10:10:00.000Z`, execution: ARN, by: APPROVER, at: '2026-12-03T10:10:00.000Z', decision: 'approve' },
    });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: TOKEN, output: JSON.stringify({ approved: true, by: APPROVER, at: '2026-12-03T10:10:00.000Z' }) }]);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toEqual([]);
    expect(stored()).toEqual({
      version: 1,
      execution: ARN,
      runbook: 'region-failover',
      plan: PLAN,
      requestedAt: '2026-12-03T10:00:00.000Z',
      expiresAt: '2026-12-03T11:00:00.000Z',
      answer: { decision: 'approve', by: APPROVER, at: '2026-12-03T10:10:00.000Z', delivered: true },
    });
    expect(alerts.published).toEqual([]);
  });

  it('reject: SendTaskFailure with ApprovalRejected, the cause saying who and why (the reason kept to one printable line)', async () => {
    const response = await answer({ execution: ARN, decision: 'reject', reason: 'primary is back\n\u001b[31mred' }, 'arn:aws:iam::123456789012:user/bob');
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('rejected');
    expect(sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, error: 'ApprovalRejected', cause: 'rejected by arn:aws:iam::123456789012:user/bob at 2026-12-03T10:10:00.000Z: primary is back  [31mred' },
    ]);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toEqual([]);
    expect(stored()?.answer).toEqual({ decision: 'reject', by: 'arn:aws:iam::123456789012:user/bob', at: '2026-12-03T10:10:00.000Z', reason: 'primary is back  [31mred', delivered: true });
  });

  it('a caller who is not an approver gets 403: nothing read, nothing sent, the attempt alerted (warning)', async () => {
    const before = s3.requests().length;
    const response = await answer({ execution: ARN, decision: 'approve' }, 'arn:aws:sts::123456789012:assumed-role/developer/mallory');
    expect(response).toEqual({ status: 403, body: { outcome: 'forbidden', message: 'arn:aws:sts::123456789012:assumed-role/developer/mallory is not among recovery.approvers: nothing was sent' } });
    expect(s3.requests().length).toBe(before);
    expect(sfnMock.calls()).toEqual([]);
    expect(alerts.published).toEqual([
      expect.objectContaining({ severity: 'warning', kind: 'approval-refused', resource: 'failover-2026-12-03', summary: 'approval answer refused: arn:aws:sts::123456789012:assumed-role/developer/mallory is not an approver', details: expect.objectContaining({ caller: 'arn:aws:sts::123456789012:assumed-role/developer/mallory', execution: ARN }) }),
    ]);
    expect(stored()?.answer).toBeUndefined();
  });

  it('a request without an IAM identity (the URL misconfigured without AWS_IAM) is refused the same way', async () => {
    const response = await answerApproval(undefined, JSON.stringify({ execution: ARN, decision: 'approve' }), answerDeps());
    expect(response).toEqual({ status: 403, body: { outcome: 'forbidden', message: 'an unauthenticated caller is not among recovery.approvers: nothing was sent' } });
    expect(sfnMock.calls()).toEqual([]);
    expect(alerts.published.map((a) => a.kind)).toEqual(['approval-refused']);
  });

  it('a second answer is a no-op that says who answered first and when', async () => {
    await answer({ execution: ARN, decision: 'approve' });
    clock += 60_000;
    const second = await answer({ execution: ARN, decision: 'reject', reason: 'too late' }, 'arn:aws:iam::123456789012:user/bob');
    expect(second).toEqual({
      status: 409,
      body: { outcome: 'already-answered', message: `already answered: approved by ${APPROVER} at 2026-12-03T10:10:00.000Z; nothing sent`, execution: ARN, by: APPROVER, at: '2026-12-03T10:10:00.000Z', decision: 'approve' },
    });
    expect(sfnMock.calls()).toHaveLength(1);
  });

  it('two answers at once: exactly one is sent, the other reads the first', async () => {
    const [a, b] = await Promise.all([answer({ execution: ARN, decision: 'approve' }), answer({ execution: ARN, decision: 'reject' }, 'arn:aws:iam::123456789012:user/bob')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(sfnMock.calls()).toHaveLength(1);
  });

  it('an unknown execution is a 404 naming it', async () => {
    const other = ARN.replace('failover-2026-12-03', 'never-ran');
    const response = await answer({ execution: other, decision: 'approve' });
    expect(response).toEqual({ status: 404, body: { outcome: 'not-found', message: `no approval request for ${other} in ${REGION}: an unknown execution, or one that has not reached its approval step`, execution: other } });
    expect(sfnMock.calls()).toEqual([]);
  });

  it('an expired request is a 410 that says the timeout rejected it; nothing sent', async () => {
    clock = NOW + HOUR + 1;
    const response = await answer({ execution: ARN, decision: 'approve' });
    expect(response.status).toBe(410);
    expect(response.body).toMatchObject({ outcome: 'expired', message: expect.stringContaining('expired at 2026-12-03T11:00:00.000Z') });
    expect(sfnMock.calls()).toEqual([]);
  });

  it('an execution that no longer waits (stopped: TaskTimedOut) is a 410; the answer is recorded as not delivered', async () => {
    sfnMock.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const response = await answer({ execution: ARN, decision: 'approve' });
    expect(response.body).toMatchObject({ outcome: 'not-waiting' });
    expect(response.status).toBe(410);
    expect(stored()?.answer).toMatchObject({ decision: 'approve', delivered: false, error: 'TaskTimedOut' });
    expect((await answer({ execution: ARN, decision: 'approve' })).body.message).toContain('(not delivered: TaskTimedOut)');
  });

  it('a failure that may pass (throttled) undoes the claim, token included, and fails: the answer can be given again', async () => {
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(answer({ execution: ARN, decision: 'approve' })).rejects.toThrow('Rate exceeded');
    expect(stored()).toMatchObject({ token: TOKEN });
    expect(stored()?.answer).toBeUndefined();
    expect((await answer({ execution: ARN, decision: 'approve' })).status).toBe(200);
  });

  it.each([
    ['no body', undefined, 'body: must be JSON'],
    ['a body that is not JSON', '{approve', 'body: is not JSON'],
    ['no execution', { decision: 'approve' }, 'execution: must be the execution ARN'],
    ['an unknown decision', { execution: ARN, decision: 'maybe' }, 'decision: must be one of approve, reject'],
    ['an unknown field', { execution: ARN, decision: 'approve', token: 'x' }, 'token: unknown field (allowed: execution, decision, reason)'],
    ['a reason too long', { execution: ARN, decision: 'reject', reason: 'x'.repeat(1001) }, 'reason: must be at most 1000 characters'],
    ['an execution that is no ARN', { execution: 'failover', decision: 'approve' }, 'execution: "failover" must be a Step Functions execution ARN'],
    ['an execution of another region', { execution: ARN.replace(':ap-southeast-1:', ':ap-northeast-1:'), decision: 'approve' }, "execution: it runs in ap-northeast-1, and this is ap-southeast-1's approval URL"],
  ])('%s: 400 naming the field, nothing sent', async (_why, body, message) => {
    const response = body === undefined ? await answerApproval(APPROVER, undefined, answerDeps()) : await answer(body);
    expect(response.status).toBe(400);
    expect(response.body.outcome).toBe('bad-request');
    expect(response.body.message).toContain(message);
    expect(sfnMock.calls()).toEqual([]);
    expect(stored()?.answer).toBeUndefined();
  });
});
