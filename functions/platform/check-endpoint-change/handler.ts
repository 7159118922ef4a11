// check-endpoint-change: a runbook step after switch-endpoint on a Route 53 record, {changeId} →
// {changeId, status: "INSYNC", insync: true}, or EndpointChangePending for the state machine to retry.
import { route53Client } from '../../../shared/aws/route53-client.js';
import { nonEmptyString, strictInput } from '../../../shared/runtime/input.js';
import { stepHandler } from '../../../shared/runtime/step.js';
import { checkEndpointChange } from './check-endpoint-change.js';

export const checkEndpointChangeInput = strictInput({ changeId: nonEmptyString });

export const handler = stepHandler(checkEndpointChangeInput, async (event, rt) => checkEndpointChange(event.changeId, route53Client(rt.region)));
