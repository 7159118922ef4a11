// request-approval: the first half of the approval step every recovery runbook takes before anything
// irreversible. Its Task (`arn:aws:states:::lambda:invoke.waitForTaskToken`) hands it the task token;
// it keeps the pending request — token, execution, runbook, plan, when it expires — in its region's
// reports bucket (approvals/<state machine>/<execution>.json), where answer-approval finds it, and
// publishes one critical alert saying what will happen, what data it loses, and how to answer. The
// token stays in the bucket: it is a bearer credential for the execution (whoever holds it and may call
// SendTaskSuccess resumes it), so no alert, log line or output carries it. The execution then waits
// until answer-approval sends the token back, or its TimeoutSeconds (recovery.approvalTimeout) fail it
// with States.Timeout.
//
// A retried invocation (the same token) finds its record written and publishes nothing again; a new
// request of the same execution (a redrive, a second approval step) has a new token, replaces the record
// and is alerted as a new request.

import type { S3Client } from '@aws-sdk/client-s3';
import type { Alert, AlertSink } from '../../../shared/alerts/alert.js';
import { readStateObject, writeStateObject } from '../../../shared/aws/state-object.js';
import { approvalKey, executionConsoleUrl, parseApprovalRecord, type ApprovalRecord, type Execution } from '../../../shared/platform/approval.js';
import type { Log } from '../../../shared/runtime/log.js';

export interface ApprovalRequest {
  readonly token: string;
  readonly execution: Execution;
  readonly runbook: string;
  /** What the runbook will do, small: shown in the alert key by key. `dataLoss` (if given) is named in the summary's action. */
  readonly plan: Readonly<Record<string, unknown>>;
}

export interface RequestApprovalDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly stage: string;
  readonly region: string;
  /** recovery.approvalTimeout: the Task's TimeoutSeconds is the same (the state machine's substitution). */
  readonly timeoutMs: number;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface RequestApprovalResult {
  readonly key: string;
  readonly expiresAt: string;
  /** False: this token's request was recorded and alerted already (a retried invocation). */
  readonly notified: boolean;
}

/** Conditional writes that lose to another writer are retried this many times (a concurrent retry of the same request). */
const WRITE_ATTEMPTS = 3;

export async function requestApproval(request: ApprovalRequest, deps: RequestApprovalDeps): Promise<RequestApprovalResult> {
  const key = approvalKey(request.execution);
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt += 1) {
    const read = await readStateObject(deps.s3, deps.bucket, key);
    const existing = read.text === undefined ? undefined : parseApprovalRecord(key, read.text);
    if (existing?.token === request.token) {
      deps.log.info('approval already requested for this task token: not alerted again', { key, execution: request.execution.arn });
      return { key, expiresAt: existing.expiresAt, notified: false };
    }
    const now = deps.now();
    const record: ApprovalRecord = {
      version: 1,
      execution: request.execution.arn,
      runbook: request.runbook,
      token: request.token,
      plan: request.plan,
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + deps.timeoutMs).toISOString(),
    };
    if (!(await writeStateObject(deps.s3, deps.bucket, key, record, read.etag))) continue;
    if (existing !== undefined) deps.log.warn('a new approval request replaces an earlier one of the same execution', { key, earlierRequestedAt: existing.requestedAt, earlierAnswer: existing.answer?.decision ?? 'none' });
    await deps.alerts.publish(approvalNeededAlert(request, record, deps));
    deps.log.info('approval requested', { key, execution: request.execution.arn, runbook: request.runbook, expiresAt: record.expiresAt });
    return { key, expiresAt: record.expiresAt, notified: true };
  }
  throw new Error(`approval request ${key}: lost the conditional write ${WRITE_ATTEMPTS} times to concurrent writers`);
}

/** A flat detail value: scalars as they are, anything else as compact JSON (at most 300 characters). */
function detailValue(value: unknown): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return typeof value === 'string' ? value.slice(0, 300) : value;
  const json = JSON.stringify(value) ?? typeof value;
  return json.length <= 300 ? json : `${json.slice(0, 297)}...`;
}

/**
 * The commands that answer, exactly as the operator types them: the region is the execution ARN's, the
 * stage is named only when it is not osls' default.
 */
export function answerCommands(execution: Execution, stage: string): { approve: string; reject: string } {
  const where = stage === 'dev' ? '' : ` --stage ${stage}`;
  return { approve: `npx backup-dr approve ${execution.arn}${where}`, reject: `npx backup-dr reject ${execution.arn} --reason "<why>"${where}` };
}

export function approvalNeededAlert(request: ApprovalRequest, record: ApprovalRecord, deps: Pick<RequestApprovalDeps, 'region' | 'stage'>): Alert {
  const { execution, runbook, plan } = request;
  const commands = answerCommands(execution, deps.stage);
  const dataLoss = plan['dataLoss'];
  const planDetails = Object.fromEntries(Object.entries(plan).slice(0, 20).map(([key, value]) => [`plan.${key}`, detailValue(value)]));
  return {
    severity: 'critical',
    kind: 'approval-needed',
    // One alert per execution (the Slack notifier folds repeats by resource): two requests at once, or a
    // redrive's new request, are messages of their own.
    resource: execution.name,
    region: deps.region,
    summary: `approval needed: ${runbook} ${execution.name}`,
    action:
      `Review the plan below${dataLoss === undefined ? '' : ` (data loss: ${String(detailValue(dataLoss))})`} and the execution (${executionConsoleUrl(execution)}). ` +
      `Approve: ${commands.approve} — or reject: ${commands.reject}. ` +
      `Only a principal in recovery.approvers may answer (IAM-signed; see README "Approvals, maintenance mode, endpoints"). Unanswered by ${record.expiresAt}, it is rejected.`,
    source: 'request-approval',
    at: Date.parse(record.requestedAt),
    details: {
      execution: execution.arn,
      runbook,
      console: executionConsoleUrl(execution),
      expiresAt: record.expiresAt,
      approve: commands.approve,
      reject: commands.reject,
      ...(dataLoss === undefined ? {} : { dataLoss: detailValue(dataLoss) }),
      ...planDetails,
    },
  };
}
