// `backup-dr approve|reject` against a local HTTP server standing in for the answer-approval function
// URL: the request is a POST of {execution, decision, reason?} signed with SigV4 for `lambda` in the
// execution's region by the default credential chain (here: the environment) — the signature checked by
// signing the received request again; each outcome the function can give maps to its exit code; the URL
// is found in the SSM parameter the stack writes; bad arguments are exit 2 naming the argument, with no
// request sent.

import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAsync, type CliResult } from '../helpers/cli.js';

const ARN = 'arn:aws:states:ap-southeast-1:123456789012:execution:backup-dr-prod-region-failover:failover-1';
const APPROVER = 'arn:aws:sts::123456789012:assumed-role/dr-approver/alice';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server;
let url: string;
let received: Received[] = [];
let reply: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ssmMock = mockClient(SSMClient);
beforeEach(() => {
  received = [];
  ssmMock.reset();
  vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_PROFILE', '');
});
afterEach(() => vi.unstubAllEnvs());

const answer = (status: number, body: Record<string, unknown> | string) => {
  reply = { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
};
const approved = { outcome: 'approved', message: `approved region-failover ${ARN} as ${APPROVER} at 2026-12-03T10:10:00.000Z`, execution: ARN, by: APPROVER, at: '2026-12-03T10:10:00.000Z', decision: 'approve' };

/** The Signature of the received request, signed again with the same credentials, date and headers. */
async function expectedSignature(request: Received): Promise<string> {
  const signer = new SignatureV4({ service: 'lambda', region: 'ap-southeast-1', credentials: CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: '127.0.0.1', path: request.path, query: {}, headers: { host: String(request.headers.host), 'content-type': String(request.headers['content-type']) }, body: request.body },
    { signingDate },
  );
  return /Signature=([0-9a-f]{64})/.exec(signed.headers['authorization'] ?? '')?.[1] ?? 'none';
}

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(code);
}

describe('a signed answer to the function URL', () => {
  it('approve: POSTs {execution, decision} signed with SigV4 for lambda in the execution\'s region, prints the outcome, exit 0', async () => {
    answer(200, approved);
    const result = await runAsync(['approve', ARN, '--url', url]);
    expectExit(result, 0);
    expect(result.stdout).toBe(`approved region-failover ${ARN} as ${APPROVER} at 2026-12-03T10:10:00.000Z\n`);
    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/');
    expect(JSON.parse(request.body)).toEqual({ execution: ARN, decision: 'approve' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-southeast-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(/Signature=([0-9a-f]{64})/.exec(request.headers.authorization ?? '')?.[1]).toBe(await expectedSignature(request));
  });

  it('the signature covers the body: the same headers with another body do not verify', async () => {
    answer(200, approved);
    await runAsync(['approve', ARN, '--url', url]);
    const request = received[0]!;
    const forged = { ...request, body: JSON.stringify({ execution: ARN, decision: 'reject' }) };
    expect(await expectedSignature(forged)).not.toBe(/Signature=([0-9a-f]{64})/.exec(request.headers.authorization ?? '')?.[1]);
  });

  it('reject --reason: the reason goes in the body', async () => {
    answer(200, { ...approved, outcome: 'rejected', message: `rejected region-failover ${ARN}`, decision: 'reject' });
    const result = await runAsync(['reject', ARN, '--reason', 'the primary is back', '--url', url]);
    expectExit(result, 0);
    expect(JSON.parse(received[0]!.body)).toEqual({ execution: ARN, decision: 'reject', reason: 'the primary is back' });
    expect(result.stdout).toBe(`rejected region-failover ${ARN}\n`);
  });

  it('--json prints the status and the function\'s answer', async () => {
    answer(200, approved);
    const result = await runAsync(['approve', ARN, '--url', url, '--json']);
    expectExit(result, 0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 200, ...approved });
  });

  it.each([
    ['not an approver (the function\'s 403)', 403, { outcome: 'forbidden', message: `${APPROVER} is not among recovery.approvers: nothing was sent` }, 3, `backup-dr: refused: ${APPROVER} is not among recovery.approvers: nothing was sent`],
    ['IAM refused the signed request (Lambda\'s own 403)', 403, '{"Message":"Forbidden"}', 3, 'backup-dr: refused: the approval URL did not accept your credentials (HTTP 403): the caller needs lambda:InvokeFunctionUrl and lambda:InvokeFunction'],
    ['answered already, otherwise', 409, { outcome: 'already-answered', decision: 'reject', message: 'already answered: rejected by arn:aws:iam::123456789012:user/bob at 2026-12-03T10:05:00.000Z; nothing sent' }, 1, 'backup-dr: already answered: rejected by arn:aws:iam::123456789012:user/bob'],
    ['an unknown execution', 404, { outcome: 'not-found', message: `no approval request for ${ARN} in ap-southeast-1` }, 1, `backup-dr: no approval request for ${ARN}`],
    ['an expired request', 410, { outcome: 'expired', message: 'the approval request expired at 2026-12-03T11:00:00.000Z' }, 1, 'backup-dr: the approval request expired'],
    ['the function failed', 502, 'Internal Server Error', 1, 'backup-dr: ApprovalNotGiven: the approval URL answered HTTP 502 without an outcome: answer-approval failed (its failure is alerted; see its logs)'],
  ])('%s: exit %#', async (_why, status, body, code, stderr) => {
    answer(status, body);
    const result = await runAsync(['approve', ARN, '--url', url]);
    expectExit(result, code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(stderr);
    expect(result.stderrLines).toHaveLength(1);
  });

  it('answered already the same way: what was asked for, exit 0', async () => {
    answer(409, { outcome: 'already-answered', decision: 'approve', message: `already answered: approved by ${APPROVER} at 2026-12-03T10:10:00.000Z; nothing sent` });
    const result = await runAsync(['approve', ARN, '--url', url]);
    expectExit(result, 0);
    expect(result.stdout).toContain('already answered: approved by');
  });

  it('an answer carrying terminal escapes is printed harmlessly', async () => {
    answer(200, { ...approved, message: 'approved \u001b[2J\u001b[31mred' });
    const result = await runAsync(['approve', ARN, '--url', url]);
    expect(result.stdout).toBe('approved \\x1b[2J\\x1b[31mred\n');
  });

  it('nothing listens at the URL: exit 1 naming it', async () => {
    const result = await runAsync(['approve', ARN, '--url', 'http://127.0.0.1:9/']);
    expectExit(result, 1);
    expect(result.stderr).toMatch(/^backup-dr: ApprovalNotGiven: cannot reach the approval URL http:\/\/127\.0\.0\.1:9: /);
  });
});

describe('finding the URL', () => {
  it('reads /backup-dr/<stage>/approval-url in the execution\'s region', async () => {
    answer(200, approved);
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/backup-dr/prod/approval-url', Value: url, Type: 'String' } });
    const result = await runAsync(['approve', ARN, '--stage', 'prod']);
    expectExit(result, 0);
    expect(ssmMock.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/backup-dr/prod/approval-url' }]);
    expect(await ssmMock.commandCalls(GetParameterCommand)[0]!.thisValue.config.region()).toBe('ap-southeast-1');
    expect(received).toHaveLength(1);
  });

  it('the stage defaults to dev; a stage not deployed there is exit 1 saying what to check', async () => {
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const result = await runAsync(['approve', ARN]);
    expectExit(result, 1);
    expect(result.stderr).toBe('backup-dr: ApprovalNotGiven: no approval URL in ap-southeast-1: /backup-dr/dev/approval-url does not exist — is stage "dev" deployed there with a recovery section? (--stage, or --url)\n');
    expect(received).toEqual([]);
  });
});

describe('bad arguments: exit 2 naming the argument, nothing sent', () => {
  it.each([
    [['approve'], 'backup-dr: EXECUTION: the execution ARN is required (usage: backup-dr approve EXECUTION_ARN'],
    [['approve', 'failover-1'], 'backup-dr: EXECUTION: "failover-1" must be a Step Functions execution ARN'],
    [['reject', `${ARN}\u001b[31m`], 'backup-dr: EXECUTION: "arn:aws:states:ap-southeast-1:123456789012:execution:backup-dr-prod-region-failover:failover-1\\x1b[31m" must be a Step Functions execution ARN'],
    [['approve', ARN, ARN], 'backup-dr: EXECUTION: give one execution, not 2'],
    [['approve', ARN, '--region', 'ap-northeast-1'], 'backup-dr: --region: "ap-northeast-1": the execution runs in ap-southeast-1, and is answered there (leave --region out)'],
    [['approve', ARN, '--stage', 'Prod!'], 'backup-dr: --stage: "Prod!" must be a deployment stage'],
    [['reject', ARN, '--reason', 'line one\nline two'], 'backup-dr: --reason: must be one line of printable text'],
    [['reject', ARN, '--reason', 'x'.repeat(1001)], 'backup-dr: --reason: must be at most 1000 characters'],
    [['approve', ARN, '--url', 'http://approvals.example.com/'], 'backup-dr: --url: must be https:// (the function URL), or http:// on this machine only'],
    [['approve', ARN, '--url', 'not a url'], 'backup-dr: --url: "not a url" is not a URL'],
    [['approve', ARN, '--force'], "backup-dr: Unknown option '--force'"],
    [['approve', ARN, '--reason'], "backup-dr: Option '--reason <value>' argument missing"],
  ])('%j', async (argv, stderr) => {
    const result = await runAsync(argv);
    expectExit(result, 2);
    expect(result.stdout).toBe('');
    expect(result.stderrLines).toHaveLength(1);
    expect(result.stderrLines[0]).toContain(stderr);
    expect(received).toEqual([]);
    expect(ssmMock.calls()).toEqual([]);
  });
});

describe('without credentials', () => {
  it('exit 1 saying how to sign in; nothing sent', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', '');
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', '');
    const result = await runAsync(['approve', ARN, '--url', url]);
    expectExit(result, 1);
    expect(result.stderr).toMatch(/^backup-dr: ApprovalNotGiven: no AWS credentials to sign the answer with .*: sign in \(aws sso login, AWS_PROFILE, …\) as a principal in recovery\.approvers\n$/);
    expect(received).toEqual([]);
  }, 30_000);
});
