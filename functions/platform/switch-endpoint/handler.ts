// switch-endpoint: a runbook step, {resource, address, port?, execution} → {resource, target, previous,
// current, changed} (Route 53: also changeId and insync; wait with check-endpoint-change). Its failure
// fails the step; the runbook alerts.
import * as z from 'zod/mini';
import { route53Client } from '../../../shared/aws/route53-client.js';
import { s3Client } from '../../../shared/aws/s3-client.js';
import { ssmClient } from '../../../shared/aws/ssm-client.js';
import { ENV } from '../../../shared/contracts.js';
import { executionOf } from '../../../shared/platform/approval.js';
import { requireEnv } from '../../../shared/runtime/env.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { switchEndpoint } from './switch-endpoint.js';

/** A host name (RFC 1123 labels, 253 characters at most) or an IPv4 address. */
const host = z.string().check(
  z.regex(/^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.?$/, { error: 'must be a host name such as app-db.abc123.ap-southeast-1.rds.amazonaws.com' }),
);

export const switchEndpointInput = strictInput({
  resource: nonEmptyString,
  address: host,
  port: z.optional(z.int({ error: 'must be a port number' }).check(z.gte(1, { error: 'must be a port number (1–65535)' }), z.lte(65_535, { error: 'must be a port number (1–65535)' }))),
  execution: nonEmptyString,
});

export const handler = stepHandler(switchEndpointInput, async (event, rt) =>
  switchEndpoint(
    { resource: event.resource, address: event.address, port: event.port, execution: executionOf('execution', event.execution) },
    { policy: rt.policy, ssm: ssmClient(rt.region), route53: route53Client(rt.region), s3: s3Client(rt.region), bucket: requireEnv(ENV.reportsBucket), log: rt.log },
  ),
);
