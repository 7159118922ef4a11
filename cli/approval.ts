// `backup-dr approve|reject <execution>`: answers a recovery runbook waiting for approval. The answer
// goes to the answer-approval function URL of the execution's region (AuthType AWS_IAM), signed with
// SigV4 (service `lambda`) by the caller's own credentials from the default chain (environment, SSO,
// profile, instance role …): the function then knows who answers and checks them against
// recovery.approvers. The URL is read from the SSM parameter the deployment writes there
// (/backup-dr/<stage>/approval-url), or given with --url. Exit codes: 0 answered (or answered already
// the same way), 1 not answered (unknown, expired, no longer waiting, answered otherwise, a failure),
// 2 bad arguments, 3 refused: the caller is not an approver or may not call the URL.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import { BackupDrError, errorMessage, errorName, InvalidInput } from '../shared/errors.js';
import { approvalUrlParameter, executionOf, type Decision, type Execution } from '../shared/platform/approval.js';
import { escapeForTerminal, terminalSafeJson } from './input.js';
import type { Io } from './io.js';
import { APPROVE_USAGE, REJECT_USAGE } from './usage.js';

/** The answer was not given (and why); exit 1. */
export class ApprovalNotGiven extends BackupDrError {
  override name = 'ApprovalNotGiven';
}

/** At most this long a reason (answer-approval refuses longer ones too). */
const REASON_LIMIT = 1000;
/** How long to wait for the function's answer (it makes two S3 calls and one Step Functions call). */
const REQUEST_TIMEOUT_MS = 30_000;
/** The most of a response body read (an answer is a few hundred bytes). */
const RESPONSE_LIMIT = 65_536;

export interface ApprovalArgs {
  readonly decision: Decision;
  readonly execution: Execution;
  readonly reason?: string;
  readonly stage: string;
  readonly url?: URL;
  readonly json: boolean;
}

/** The arguments, checked: InvalidInput naming the argument. */
export function parseApprovalArgs(decision: Decision, args: readonly string[]): ApprovalArgs {
  const usage = decision === 'approve' ? APPROVE_USAGE : REJECT_USAGE;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { reason: { type: 'string' }, region: { type: 'string' }, stage: { type: 'string', default: 'dev' }, url: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new InvalidInput('', `${errorMessage(error).split('\n')[0] ?? ''} (${usage})`, { cause: error });
  }
  const [text, ...extra] = parsed.positionals;
  if (text === undefined) throw new InvalidInput('EXECUTION', `the execution ARN is required (${usage})`);
  if (extra.length > 0) throw new InvalidInput('EXECUTION', `give one execution, not ${parsed.positionals.length} (${usage})`);
  const execution = executionOf('EXECUTION', text);
  const { reason, region, stage, url } = parsed.values;
  if (region !== undefined && region !== execution.region) {
    throw new InvalidInput('--region', `"${region.slice(0, 50)}": the execution runs in ${execution.region}, and is answered there (leave --region out)`);
  }
  if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(stage)) throw new InvalidInput('--stage', `"${stage.slice(0, 50)}" must be a deployment stage (lowercase letters, digits, dashes)`);
  if (reason !== undefined) {
    if (reason.length > REASON_LIMIT) throw new InvalidInput('--reason', `must be at most ${REASON_LIMIT} characters`);
    if (/[\x00-\x1f\x7f-\x9f]/.test(reason)) throw new InvalidInput('--reason', 'must be one line of printable text');
  }
  return { decision, execution, ...(reason === undefined ? {} : { reason }), stage, ...(url === undefined ? {} : { url: approvalUrl(url) }), json: parsed.values.json };
}

/** --url: the function URL (https), or a stand-in on this machine (http://127.0.0.1 or localhost). */
function approvalUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInput('--url', `"${text.slice(0, 100)}" is not a URL`);
  }
  const local = url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
  if (url.protocol !== 'https:' && !local) throw new InvalidInput('--url', 'must be https:// (the function URL), or http:// on this machine only');
  if (url.username !== '' || url.password !== '') throw new InvalidInput('--url', 'must not carry a user name or password');
  return url;
}

/** The URL the deployment of `stage` wrote in the execution's region. */
async function findUrl(args: ApprovalArgs): Promise<URL> {
  const name = approvalUrlParameter(args.stage);
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const ssm = new SSMClient({ region: args.execution.region });
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    return approvalUrl(Parameter?.Value ?? '');
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') {
      throw new ApprovalNotGiven(`no approval URL in ${args.execution.region}: ${name} does not exist — is stage "${args.stage}" deployed there with a recovery section? (--stage, or --url)`);
    }
    if (error instanceof InvalidInput) throw new ApprovalNotGiven(`${name} in ${args.execution.region} does not hold a function URL: ${error.message}`);
    throw new ApprovalNotGiven(`cannot read ${name} in ${args.execution.region}: ${errorName(error)}: ${errorMessage(error)}`);
  }
}

/** The request signed with SigV4 for Lambda (a function URL with AuthType AWS_IAM) by the default credential chain. */
async function signedRequest(url: URL, region: string, body: string): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { Hash }, { defaultProvider }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/core/serde'), import('@aws-sdk/credential-provider-node')]);
  const signer = new SignatureV4({ service: 'lambda', region, credentials: defaultProvider(), sha256: Hash.bind(null, 'sha256') });
  const query = Object.fromEntries(url.searchParams);
  try {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    return signed.headers;
  } catch (error) {
    throw new ApprovalNotGiven(`no AWS credentials to sign the answer with (${errorName(error)}: ${errorMessage(error)}): sign in (aws sso login, AWS_PROFILE, …) as a principal in recovery.approvers`);
  }
}

interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

function post(url: URL, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers, timeout: REQUEST_TIMEOUT_MS }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < RESPONSE_LIMIT) text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.slice(0, RESPONSE_LIMIT) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

interface AnswerBody {
  readonly outcome?: string;
  readonly message?: string;
  readonly decision?: string;
}

function parseAnswer(text: string): AnswerBody | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && typeof (json as AnswerBody).outcome === 'string' ? (json) : undefined;
  } catch {
    return undefined;
  }
}

export async function runApproval(decision: Decision, args: readonly string[], io: Io): Promise<number> {
  const parsed = parseApprovalArgs(decision, args);
  const url = parsed.url ?? (await findUrl(parsed));
  const body = JSON.stringify({ execution: parsed.execution.arn, decision, ...(parsed.reason === undefined ? {} : { reason: parsed.reason }) });
  const headers = await signedRequest(url, parsed.execution.region, body);
  let answer: HttpAnswer;
  try {
    answer = await post(url, headers, body);
  } catch (error) {
    throw new ApprovalNotGiven(`cannot reach the approval URL ${url.origin}: ${errorMessage(error)}`);
  }
  const reply = parseAnswer(answer.text);
  if (parsed.json && reply !== undefined) io.stdout(`${terminalSafeJson(JSON.stringify({ status: answer.status, ...reply }, null, 2))}\n`);
  const say = (text: string) => (parsed.json ? undefined : io.stdout(`${escapeForTerminal(text, true)}\n`));
  const complain = (text: string) => io.stderr(`backup-dr: ${escapeForTerminal(text, true)}\n`);

  if (reply === undefined) {
    // Lambda's own answers: IAM refused the signed request before the function ran, or the function failed.
    if (answer.status === 403) {
      complain(`refused: the approval URL did not accept your credentials (HTTP 403): the caller needs lambda:InvokeFunctionUrl and lambda:InvokeFunction on the answer-approval function (README, "Approvals, maintenance mode, endpoints")`);
      return 3;
    }
    throw new ApprovalNotGiven(`the approval URL answered HTTP ${answer.status} without an outcome${answer.status >= 500 ? ': answer-approval failed (its failure is alerted; see its logs)' : ''}: ${answer.text.slice(0, 200)}`);
  }
  const message = reply.message ?? reply.outcome ?? '';
  switch (reply.outcome) {
    case 'approved':
    case 'rejected':
      say(message);
      return 0;
    case 'already-answered':
      // The same answer given already is what was asked for; another is not.
      if (reply.decision === decision) {
        say(message);
        return 0;
      }
      complain(message);
      return 1;
    case 'forbidden':
      complain(`refused: ${message}`);
      return 3;
    default:
      complain(message);
      return 1;
  }
}

export const runApprove = (args: readonly string[], io: Io): Promise<number> => runApproval('approve', args, io);
export const runReject = (args: readonly string[], io: Io): Promise<number> => runApproval('reject', args, io);
