// answer-approval: the second half of the approval step, behind a Lambda function URL with AuthType
// AWS_IAM — Lambda authenticates the SigV4-signed request and authorizes lambda:InvokeFunctionUrl (and,
// for URLs made since October 2025, lambda:InvokeFunction) before this runs, and hands over the caller's
// ARN as IAM authenticated it (requestContext.authorizer.iam.userArn; AWS Lambda Developer Guide,
// "Invoking Lambda function URLs", request payload). Being allowed to call the URL is not being an
// approver: the caller must be one of recovery.approvers, else 403, nothing read or sent, and the
// attempt is alerted.
//
// An approver's answer is claimed first — the record rewritten with the answer over the version read
// (If-Match), without its token — so of two answers at once exactly one is sent; then the task token
// goes back to Step Functions: SendTaskSuccess with {approved, by, at} (the task's output) or
// SendTaskFailure with ApprovalRejected. A second answer reads "already answered by X at T" and sends
// nothing. An expired request, or an execution that no longer waits (timed out, stopped), is a 410.

import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { putStateObject, readStateObject } from '../../../shared/aws/state-object.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import {
  APPROVAL_REJECTED,
  approvalKey,
  DECISIONS,
  executionConsoleUrl,
  isApprover,
  parseApprovalRecord,
  parseExecutionArn,
  type ApprovalAnswer,
  type ApprovalRecord,
  type Decision,
} from '../../../shared/platform/approval.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface AnswerDeps {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly bucket: string;
  readonly region: string;
  readonly approvers: readonly string[];
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

/** What the CLI reads back: the HTTP status, and a body whose `outcome` names what happened. */
export interface AnswerResponse {
  readonly status: number;
  readonly body: {
    readonly outcome: 'approved' | 'rejected' | 'already-answered' | 'forbidden' | 'bad-request' | 'not-found' | 'expired' | 'not-waiting';
    readonly message: string;
    readonly execution?: string;
    readonly by?: string;
    readonly at?: string;
    readonly decision?: Decision;
  };
}

/** A reason is free text an operator typed: kept to one line of printable characters. */
export const REASON_LIMIT = 1000;

const answerBody = z.strictObject({
  execution: z.string({ error: 'must be the execution ARN' }),
  decision: z.enum(DECISIONS, { error: `must be one of ${DECISIONS.join(', ')}` }),
  reason: z.optional(z.string({ error: 'must be a string' }).check(z.maxLength(REASON_LIMIT, { error: `must be at most ${REASON_LIMIT} characters` }))),
});

/** The errors SendTask* answers for a token whose task no longer waits (AWS Step Functions API Reference, SendTaskSuccess, Errors). */
const NOT_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

const WRITE_ATTEMPTS = 3;

const bad = (message: string): AnswerResponse => ({ status: 400, body: { outcome: 'bad-request', message } });

/** The request body as JSON, or a 400 naming what is wrong. */
function parseBody(text: string | undefined): z.output<typeof answerBody> | AnswerResponse {
  if (text === undefined || text === '') return bad('body: must be JSON {"execution", "decision", "reason"?}');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('body: is not JSON');
  }
  const parsed = z.safeParse(answerBody, json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? 'body') : issue?.path.map(String).join('.') || 'body';
  return bad(`${field}: ${issue?.code === 'unrecognized_keys' ? 'unknown field (allowed: execution, decision, reason)' : (issue?.message ?? 'invalid')}`);
}

/** The reason with control characters (line breaks, terminal escapes) replaced: it is shown in alerts and terminals. */
const cleanReason = (reason: string | undefined): string | undefined => (reason === undefined || reason.trim() === '' ? undefined : reason.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').trim());

const answered = (record: ApprovalRecord, answer: ApprovalAnswer): AnswerResponse => ({
  status: 409,
  body: {
    outcome: 'already-answered',
    message: `already answered: ${answer.decision === 'approve' ? 'approved' : 'rejected'} by ${answer.by} at ${answer.at}${answer.delivered ? '' : ` (not delivered: ${answer.error ?? 'the execution no longer waited'})`}; nothing sent`,
    execution: record.execution,
    by: answer.by,
    at: answer.at,
    decision: answer.decision,
  },
});

export async function answerApproval(caller: string | undefined, bodyText: string | undefined, deps: AnswerDeps): Promise<AnswerResponse> {
  // Who asks first: a caller that is not an approver learns nothing about any execution.
  if (caller === undefined || !isApprover(caller, deps.approvers)) {
    const claimed = /"execution"\s*:\s*"([^"]{1,300})"/.exec(bodyText ?? '')?.[1];
    deps.log.warn('approval answer refused: the caller is not an approver', { caller: caller ?? 'none', execution: claimed ?? 'none' });
    await deps.alerts.publish(refusedAlert(caller, claimed, deps));
    return { status: 403, body: { outcome: 'forbidden', message: `${caller ?? 'an unauthenticated caller'} is not among recovery.approvers: nothing was sent` } };
  }
  const body = parseBody(bodyText);
  if ('status' in body) return body;
  const execution = parseExecutionArn(body.execution);
  if (execution === null) return bad(`execution: "${body.execution.slice(0, 300)}" must be a Step Functions execution ARN`);
  if (execution.region !== deps.region) return bad(`execution: it runs in ${execution.region}, and this is ${deps.region}'s approval URL: answer with ${execution.region}'s (--region ${execution.region})`);
  const key = approvalKey(execution);
  const reason = cleanReason(body.reason);

  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt += 1) {
    const read = await readStateObject(deps.s3, deps.bucket, key);
    if (read.text === undefined) {
      return { status: 404, body: { outcome: 'not-found', message: `no approval request for ${execution.arn} in ${deps.region}: an unknown execution, or one that has not reached its approval step`, execution: execution.arn } };
    }
    const record = parseApprovalRecord(key, read.text);
    if (record.answer !== undefined) return answered(record, record.answer);
    const now = deps.now();
    if (now > Date.parse(record.expiresAt) || record.token === undefined) {
      return { status: 410, body: { outcome: 'expired', message: `the approval request of ${execution.arn} expired at ${record.expiresAt}: the execution timed out waiting (States.Timeout), which its runbook treats as a rejection`, execution: execution.arn } };
    }
    const at = new Date(now).toISOString();
    const claim: ApprovalAnswer = { decision: body.decision, by: caller, at, ...(reason === undefined ? {} : { reason }), delivered: false };
    const { token, ...withoutToken } = record;
    const claimedEtag = await putStateObject(deps.s3, deps.bucket, key, { ...withoutToken, answer: claim }, read.etag);
    if (claimedEtag === null) continue; // another answer or a new request came first: read again
    return deliver(deps, { key, record: withoutToken, token, claim, claimedEtag });
  }
  throw new Error(`approval answer ${key}: lost the conditional write ${WRITE_ATTEMPTS} times to concurrent writers`);
}

interface Claimed {
  readonly key: string;
  /** The record as read, without its token. */
  readonly record: ApprovalRecord;
  readonly token: string;
  readonly claim: ApprovalAnswer;
  readonly claimedEtag: string;
}

async function deliver(deps: AnswerDeps, { key, record, token, claim, claimedEtag }: Claimed): Promise<AnswerResponse> {
  try {
    if (claim.decision === 'approve') {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true, by: claim.by, at: claim.at }) }));
    } else {
      const cause = `rejected by ${claim.by} at ${claim.at}: ${claim.reason ?? 'no reason given'}`;
      await deps.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: APPROVAL_REJECTED, cause }));
    }
  } catch (error) {
    const name = errorName(error);
    if (NOT_WAITING.has(name)) {
      await putStateObject(deps.s3, deps.bucket, key, { ...record, answer: { ...claim, error: name } }, claimedEtag);
      deps.log.warn('the execution no longer waits for an answer', { key, error: name });
      return { status: 410, body: { outcome: 'not-waiting', message: `${record.execution} no longer waits for an answer (${name}): it timed out or was stopped; nothing changed`, execution: record.execution } };
    }
    // Not delivered, for a reason that may pass (throttling, a permission): the claim is undone, so the answer can be given again.
    const released = await putStateObject(deps.s3, deps.bucket, key, { ...record, token }, claimedEtag);
    deps.log.error('could not deliver the approval answer', { key, error: name, message: errorMessage(error), claimReleased: released !== null });
    throw error;
  }
  const delivered = await putStateObject(deps.s3, deps.bucket, key, { ...record, answer: { ...claim, delivered: true } }, claimedEtag);
  if (delivered === null) deps.log.warn('answer delivered, but its record changed meanwhile: it keeps the claim', { key });
  deps.log.info('approval answered', { key, execution: record.execution, decision: claim.decision, by: claim.by });
  const word = claim.decision === 'approve' ? 'approved' : 'rejected';
  return {
    status: 200,
    body: { outcome: word, message: `${word} ${record.runbook} ${record.execution} as ${claim.by} at ${claim.at}`, execution: record.execution, by: claim.by, at: claim.at, decision: claim.decision },
  };
}

function refusedAlert(caller: string | undefined, execution: string | undefined, deps: Pick<AnswerDeps, 'region' | 'now'>): Alert {
  const target = execution === undefined ? undefined : parseExecutionArn(execution);
  return {
    severity: 'warning',
    kind: 'approval-refused',
    resource: target?.name ?? 'approval',
    region: deps.region,
    summary: `approval answer refused: ${caller ?? 'an unauthenticated caller'} is not an approver`,
    action:
      'Nothing was sent to any execution. If this principal should approve recoveries, add it to recovery.approvers in the policy and deploy; ' +
      'if not, find out who it is (CloudTrail) and why it holds lambda:InvokeFunctionUrl on the approval URL.',
    source: 'answer-approval',
    at: deps.now(),
    details: {
      caller: caller ?? null,
      ...(target === null || target === undefined ? {} : { execution: target.arn, console: executionConsoleUrl(target) }),
    },
  };
}
