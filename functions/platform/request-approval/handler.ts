// request-approval: the waitForTaskToken Task of every recovery runbook's approval step. Payload
// {token: $$.Task.Token, execution: $$.Execution.Id, runbook, plan}; its return value is not the task's
// output (the task waits for the token: answer-approval, or its TimeoutSeconds). A failure here fails
// the task, and the runbook's failure path alerts: it does not alert itself.
import * as z from 'zod/mini';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ENV } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import { executionOf } from '../../../shared/platform/approval.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { lambdaHandler } from '../../../shared/runtime/lambda.js';
import { requestApproval } from './request-approval.js';

/** A plan as the alert can show it: an object of at most 8 KB of JSON. */
const PLAN_LIMIT = 8192;

export const requestApprovalInput = strictInput({
  token: nonEmptyString,
  execution: nonEmptyString,
  runbook: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'must be the runbook name (lowercase letters, digits, dashes)' })),
  plan: z.record(z.string(), z.unknown(), { error: 'must be an object (the summary of what the runbook will do)' }),
});

export const handler = lambdaHandler(
  'request-approval',
  requestApprovalInput,
  async (event, rt) => {
    const execution = executionOf('execution', event.execution);
    if (JSON.stringify(event.plan).length > PLAN_LIMIT) throw new InvalidInput('plan', `must be a summary of at most ${PLAN_LIMIT} characters of JSON`);
    const recovery = rt.policy.recovery;
    if (recovery === undefined) throw new InvalidInput('recovery', 'the policy has no recovery section: no one may approve');
    return requestApproval(
      { token: event.token, execution, runbook: event.runbook, plan: event.plan },
      { s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), stage: rt.stage, region: rt.region, timeoutMs: recovery.approvalTimeout, alerts: rt.alerts, log: rt.log, now: rt.now },
    );
  },
  { onError: 'state-machine' },
);
