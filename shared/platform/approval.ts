// The approval step every recovery runbook takes before anything irreversible (README, "Approvals,
// maintenance mode, endpoints"): the record request-approval keeps of a pending request — the task token
// only here, never in an alert — and answer-approval completes; who may answer (recovery.approvers); and
// how an execution is named on the command line, in the record's key and in the console link.

import * as z from 'zod/mini';
import { REPORT_PREFIX, SERVICE } from '../contracts.js';
import { InvalidInput } from '../errors.js';

/** The error a rejected approval fails its task with (the runbooks catch it with States.Timeout as "not approved"). */
export const APPROVAL_REJECTED = 'ApprovalRejected';

/** The SSM parameter each region's deployment writes its answer-approval function URL to (the CLI reads it). */
export function approvalUrlParameter(stage: string): string {
  return `/${SERVICE}/${stage}/approval-url`;
}

/**
 * A Step Functions execution: its ARN's parts. Names are 1–80 characters without whitespace, brackets,
 * wildcards or the characters `"#%\^|~\`$&,;:/` (StartExecution, `name`), so a name is safe in an S3 key.
 */
export interface Execution {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stateMachine: string;
  readonly name: string;
}

const NAME = String.raw`[^\s<>{}\[\]?*"#%\\^|~\x60$&,;:/\x00-\x1f\x7f]{1,80}`;
const EXECUTION_ARN = new RegExp(`^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\\d{12}):execution:(${NAME}):(${NAME})$`);

/** The execution an ARN names, or null when it is not a standard execution's ARN. */
export function parseExecutionArn(text: string): Execution | null {
  const match = EXECUTION_ARN.exec(text);
  if (match === null) return null;
  const [, partition = '', region = '', account = '', stateMachine = '', name = ''] = match;
  return { arn: text, partition, region, account, stateMachine, name };
}

/** The execution ARN `field` holds, or InvalidInput naming it. */
export function executionOf(field: string, text: string): Execution {
  const execution = parseExecutionArn(text);
  if (execution === null) throw new InvalidInput(field, `"${text.slice(0, 300)}" must be a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
  return execution;
}

/** Where the approval request of an execution is kept in its region's reports bucket. */
export function approvalKey(execution: Execution): string {
  return `${REPORT_PREFIX.approvals}${execution.stateMachine}/${execution.name}.json`;
}

/** The execution's page in the Step Functions console (its graph, the state waiting, its input). */
export function executionConsoleUrl(execution: Execution): string {
  const host = execution.partition === 'aws-cn' ? `console.amazonaws.cn` : execution.partition === 'aws-us-gov' ? 'console.amazonaws-us-gov.com' : `${execution.region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${execution.region}#/v2/executions/details/${execution.arn}`;
}

// ---- the record ----------------------------------------------------------------------------------------

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

const answer = z.object({
  decision: z.enum(DECISIONS),
  /** The caller's ARN as IAM authenticated it. */
  by: z.string(),
  at: z.string(),
  reason: z.optional(z.string()),
  /** What Step Functions said: delivered, or why the execution no longer waited (it timed out or stopped). */
  delivered: z.boolean(),
  error: z.optional(z.string()),
});

export const approvalRecord = z.object({
  version: z.literal(1),
  execution: z.string(),
  runbook: z.string(),
  /** The task token while the request is pending; dropped once it is answered. */
  token: z.optional(z.string()),
  plan: z.unknown(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  answer: z.optional(answer),
});

export type ApprovalRecord = z.output<typeof approvalRecord>;
export type ApprovalAnswer = z.output<typeof answer>;

/** The record's text parsed; a record that is not ours is an error naming the key (never silently overwritten). */
export function parseApprovalRecord(key: string, text: string): ApprovalRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInput(key, 'is not JSON: not an approval record of ours');
  }
  const parsed = z.safeParse(approvalRecord, json);
  if (!parsed.success) throw new InvalidInput(key, 'is not an approval record of ours');
  return parsed.data;
}

// ---- who may answer ------------------------------------------------------------------------------------

/**
 * Whether `caller` (the ARN IAM authenticated: a user, or an assumed-role session
 * `arn:aws:sts::<account>:assumed-role/<role>/<session>`) is one of `approvers`. An approver is matched
 * exactly, except that `*` in its last part (the session) matches any run of characters there, and a
 * role ARN (`arn:aws:iam::<account>:role/<path/><role>`) matches every session of that role — a caller
 * never presents the role's own ARN, and an assumed-role ARN carries the role's name without its path.
 */
export function isApprover(caller: string, approvers: readonly string[]): boolean {
  return approvers.some((approver) => matchesApprover(caller, approver));
}

function matchesApprover(caller: string, approver: string): boolean {
  const role = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[^*]*\/)?([^/*]+)$/.exec(approver);
  const pattern = role === null ? approver : `arn:${role[1] ?? ''}:sts::${role[2] ?? ''}:assumed-role/${role[3] ?? ''}/*`;
  const cut = pattern.lastIndexOf('/');
  const [fixed, last] = cut < 0 ? [pattern, ''] : [pattern.slice(0, cut + 1), pattern.slice(cut + 1)];
  if (fixed.includes('*')) return false;
  if (!caller.startsWith(fixed)) return false;
  const rest = caller.slice(fixed.length);
  // `*` never spans a slash: it stays within the session part.
  const glob = new RegExp(`^${last.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return glob.test(rest);
}

/**
 * The approval Task's TimeoutSeconds (the runbooks' `${ApprovalTimeoutSeconds}` substitution):
 * recovery.approvalTimeout in whole seconds — the same deadline request-approval writes as expiresAt.
 */
export function approvalTimeoutSeconds(approvalTimeoutMs: number): number {
  return Math.ceil(approvalTimeoutMs / 1000);
}
