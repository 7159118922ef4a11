// answer-approval: the function URL (AuthType AWS_IAM) that `npx backup-dr approve|reject` calls, signed
// with the operator's credentials. The event is the function URL's (payload format 2.0); the response
// is JSON with the HTTP status of the outcome. Bad requests are answered (400), not thrown; an
// unexpected failure (S3 or Step Functions unreachable, a permission missing) is alerted and the caller
// gets Lambda's 502.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { sfnClient } from '../../../shared/aws/sfn-client.js';
import { ENV } from '../../../shared/contracts.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { answerApproval, type AnswerResponse } from './answer-approval.js';

/** The parts of a function URL event it reads; anything else is ignored. */
export const functionUrlEvent = z.looseObject({
  body: z.optional(z.nullable(z.string())),
  isBase64Encoded: z.optional(z.boolean()),
  requestContext: z.looseObject({
    http: z.looseObject({ method: z.string() }),
    authorizer: z.optional(z.nullable(z.looseObject({ iam: z.optional(z.nullable(z.looseObject({ userArn: z.optional(z.nullable(z.string())) }))) }))),
  }),
});

/** A request body larger than this is refused unread (an answer is a few hundred bytes). */
const BODY_LIMIT = 16_384;

export function httpResponse(response: AnswerResponse): { statusCode: number; headers: Record<string, string>; body: string } {
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
}

export const handler = lambdaHandler('answer-approval', functionUrlEvent, async (event, rt) => {
  const caller = event.requestContext.authorizer?.iam?.userArn ?? undefined;
  const post = event.requestContext.http.method === 'POST';
  const raw = event.body ?? undefined;
  if (raw !== undefined && raw.length > BODY_LIMIT * 2) return httpResponse({ status: 413, body: { outcome: 'bad-request', message: `body: larger than ${BODY_LIMIT} bytes` } });
  const body = raw !== undefined && event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const recovery = rt.policy.recovery;
  // Any other method is answered like an empty body — 403 and alerted for a caller who is not an approver — then 405.
  const response = await answerApproval(caller, post ? body : undefined, {
    s3: s3Client(rt.region),
    sfn: sfnClient(rt.region),
    bucket: requireEnv(ENV.reportsBucket),
    region: rt.region,
    // No recovery section: nobody is an approver (the function is not deployed then anyway).
    approvers: recovery?.approvers ?? [],
    alerts: rt.alerts,
    log: rt.log,
    now: rt.now,
  });
  if (!post && response.status === 400) return httpResponse({ status: 405, body: { outcome: 'bad-request', message: 'method: POST a JSON body {"execution", "decision", "reason"?}' } });
  return httpResponse(response);
});
