// The approval step as every runbook writes it (the contract of issue 14: a Task on
// arn:aws:states:::lambda:invoke.waitForTaskToken with Payload {token: $$.Task.Token, execution:
// $$.Execution.Id, runbook, plan}, TimeoutSeconds ${ApprovalTimeoutSeconds}, ApprovalRejected and
// States.Timeout caught as "not approved"), executed with aws-local-stepfunctions and the real handlers:
// request-approval records and alerts; answer-approval, called with a function URL event, resumes the
// execution — approved: the task's output is {approved, by, at}; rejected: it fails with ApprovalRejected;
// unanswered: States.Timeout. aws-local-stepfunctions 3.0 has no callback pattern (no task token, no
// SendTaskSuccess; a Task runs its local handler and honours TimeoutSeconds), so the test plays Step
// Functions' part: the Task's local handler invokes request-approval, then waits for the SendTaskSuccess
// or SendTaskFailure answer-approval sends with that token (the mocked SFN client) — resolved with the
// output, or failed with the error and cause, as Step Functions does.

import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as answerHandler } from '../../functions/platform/answer-approval/handler.js';
import { handler as requestHandler } from '../../functions/platform/request-approval/handler.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { snsAlertSink } from '../../shared/alerts/sns.js';
import { reportsBucketName } from '../../shared/contracts.js';
import { approvalTimeoutSeconds } from '../../shared/platform/approval.js';
import { logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-southeast-1';
const ACCOUNT = '123456789012';
const ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-dr-test-region-failover:failover-1`;
const TOKEN = 'task-token-of-failover-1';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-dr-alerts-test`;
const BUCKET = reportsBucketName('test', ACCOUNT, REGION);
const APPROVER = 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice';

/** The approval step exactly as the contract gives it, inside the smallest runbook around it. */
const APPROVAL_STEP = JSON.stringify({
  StartAt: 'WaitForApproval',
  States: {
    WaitForApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:backup-dr-test-request-approval`,
        Payload: { 'token.$': '$$.Task.Token', 'execution.$': '$$.Execution.Id', runbook: 'region-failover', 'plan.$': '$.plan' },
      },
      TimeoutSeconds: '${ApprovalTimeoutSeconds}',
      ResultPath: '$.approval',
      Catch: [{ ErrorEquals: ['ApprovalRejected', 'States.Timeout'], ResultPath: '$.notApproved', Next: 'NotApproved' }],
      Next: 'Approved',
    },
    Approved: { Type: 'Pass', End: true },
    NotApproved: { Type: 'Pass', End: true },
  },
});

/** The definition with the substitution made, as packaging makes it. */
const definition = (timeoutSeconds: number) => JSON.parse(APPROVAL_STEP.replace('"${ApprovalTimeoutSeconds}"', String(timeoutSeconds))) as Record<string, unknown>;

const sfnMock = mockClient(SFNClient);
const snsMock = mockClient(SNSClient);
let s3: S3StandIn;
let sent: { success: (output: unknown) => void; failure: (error: Error) => void } | undefined;

beforeEach(() => {
  s3 = new S3StandIn();
  s3.install();
  sfnMock.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sent = undefined;
  // Step Functions' part: a token sent back resumes the waiting Task.
  sfnMock.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => {
    if (input.taskToken !== TOKEN || sent === undefined) throw Object.assign(new Error('Invalid token'), { name: 'InvalidToken' });
    sent.success(JSON.parse(input.output));
    return {};
  });
  sfnMock.on(SendTaskFailureCommand).callsFake((input: { taskToken: string; error: string; cause: string }) => {
    if (input.taskToken !== TOKEN || sent === undefined) throw Object.assign(new Error('Invalid token'), { name: 'InvalidToken' });
    sent.failure(Object.assign(new Error(input.cause), { name: input.error }));
    return {};
  });
  process.env.REPORTS_BUCKET = BUCKET;
  const policy = teamPolicy();
  setRuntime({ stage: 'test', policy, role: 'secondary', region: REGION, logger, log: new RecordingLog(), metrics, now: () => Date.now(), alerts: snsAlertSink(new SNSClient({ region: REGION }), TOPIC, policy.timezone) });
});
afterEach(() => {
  s3.restore();
  setRuntime(undefined);
  delete process.env.REPORTS_BUCKET;
});
afterAll(() => {
  sfnMock.restore();
  snsMock.restore();
});

/** Starts the runbook; resolves with how it ended once answered (or timed out). */
function start(timeoutSeconds: number) {
  const machine = new StateMachine(definition(timeoutSeconds) as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const waitForApproval = async (input: unknown) => {
    const { Payload } = input as { Payload: unknown };
    await requestHandler(Payload, lambdaContext('request-approval', { region: REGION }));
    return new Promise((resolve, reject) => {
      sent = { success: resolve, failure: reject };
    });
  };
  const execution = machine.run({ plan: { dataLoss: 'app-db: 4 min' } }, {
    overrides: { taskResourceLocalHandlers: { WaitForApproval: waitForApproval as never } },
    context: { Execution: { Id: ARN, Name: 'failover-1' }, Task: { Token: TOKEN } },
  });
  return execution.result as Promise<Record<string, unknown>>;
}

/** The request's record, once request-approval wrote it. */
async function requested(): Promise<void> {
  for (let i = 0; i < 200 && s3.read(BUCKET, 'approvals/backup-dr-test-region-failover/failover-1.json') === undefined; i += 1) await new Promise((r) => setTimeout(r, 10));
}

/** answer-approval as its function URL invokes it (payload format 2.0), signed by `caller`. */
async function answer(decision: 'approve' | 'reject', caller = APPROVER, reason?: string) {
  const event = {
    version: '2.0',
    rawPath: '/',
    body: JSON.stringify({ execution: ARN, decision, ...(reason === undefined ? {} : { reason }) }),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/' }, authorizer: { iam: { userArn: caller, callerId: 'AROAEXAMPLE:alice', accountId: ACCOUNT } } },
  };
  const response = (await answerHandler(event, lambdaContext('answer-approval', { region: REGION }))) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

describe('the approval step (waitForTaskToken)', () => {
  it('the task token and the execution reach request-approval, which alerts without the token', async () => {
    const result = start(60);
    await requested();
    const record = JSON.parse(s3.read(BUCKET, 'approvals/backup-dr-test-region-failover/failover-1.json') ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ token: TOKEN, execution: ARN, runbook: 'region-failover', plan: { dataLoss: 'app-db: 4 min' } });
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toBe('[backup-dr CRITICAL] failover-1 ap-southeast-1: approval needed: region-failover failover-1');
    expect(JSON.stringify(published)).not.toContain(TOKEN);
    await answer('approve');
    await result;
  });

  it('resumes when answer-approval approves: the task output is {approved: true, by, at}', async () => {
    const result = start(60);
    await requested();
    const response = await answer('approve');
    expect(response.status).toBe(200);
    const output = await result;
    expect(output['approval']).toEqual({ approved: true, by: APPROVER, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(output['notApproved']).toBeUndefined();
  });

  it('fails with ApprovalRejected when answer-approval rejects (caught as not approved), the cause saying who and why', async () => {
    const result = start(60);
    await requested();
    expect((await answer('reject', 'arn:aws:sts::123456789012:assumed-role/dr-approver/bob', 'primary recovered')).status).toBe(200);
    const output = await result;
    expect(output['approval']).toBeUndefined();
    expect(output['notApproved']).toEqual({ Error: 'ApprovalRejected', Cause: expect.stringMatching(/^rejected by arn:aws:sts::123456789012:assumed-role\/dr-approver\/bob at .*: primary recovered$/) });
  });

  it('a caller who is not an approver cannot resume it (403, nothing sent); it then times out: States.Timeout', async () => {
    const result = start(1);
    await requested();
    expect((await answer('approve', 'arn:aws:sts::123456789012:assumed-role/developer/mallory')).status).toBe(403);
    expect(sfnMock.calls()).toEqual([]);
    const output = await result;
    expect(output['notApproved']).toEqual({ Error: 'States.Timeout', Cause: 'States.Timeout' });
    expect(output['approval']).toBeUndefined();
  });

  it('the function URL event: a base64 body is decoded; a method other than POST is 405 for an approver, 403 and alerted for anyone else', async () => {
    const result = start(60);
    await requested();
    const base = { version: '2.0', rawPath: '/', requestContext: { http: { method: 'POST', path: '/' }, authorizer: { iam: { userArn: APPROVER } } } };
    const call = async (event: Record<string, unknown>) => (await answerHandler(event, lambdaContext('answer-approval', { region: REGION }))) as { statusCode: number; body: string };
    const get = await call({ ...base, requestContext: { ...base.requestContext, http: { method: 'GET', path: '/' } } });
    expect(get.statusCode).toBe(405);
    const stranger = await call({ ...base, requestContext: { http: { method: 'GET', path: '/' }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/eve' } } } });
    expect(stranger.statusCode).toBe(403);
    expect(snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.['kind']?.StringValue)).toEqual(['approval-needed', 'approval-refused']);
    const encoded = await call({ ...base, isBase64Encoded: true, body: Buffer.from(JSON.stringify({ execution: ARN, decision: 'approve' })).toString('base64') });
    expect(encoded.statusCode).toBe(200);
    expect(JSON.parse(encoded.body)).toMatchObject({ outcome: 'approved', by: APPROVER });
    expect((await result)['approval']).toMatchObject({ approved: true, by: APPROVER });
  });

  it('the substitution is the policy\'s approval timeout in seconds, the deadline request-approval records', () => {
    expect(approvalTimeoutSeconds(teamPolicy().recovery!.approvalTimeout)).toBe(3600);
    expect(approvalTimeoutSeconds(90_500)).toBe(91);
  });
});
