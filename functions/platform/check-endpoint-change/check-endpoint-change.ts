// check-endpoint-change: whether a Route 53 change switch-endpoint made is applied on all of Route 53's
// authoritative servers (GetChange: PENDING, then INSYNC — AWS Route 53 API Reference, GetChange). Still
// pending is the error EndpointChangePending, which the runbook's Retry waits on; INSYNC is the output.

import { GetChangeCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { BackupDrError } from '../../../shared/errors.js';

/** The change is not applied everywhere yet: the state machine retries the step (its Retry names this error). */
export class EndpointChangePending extends BackupDrError {
  override name = 'EndpointChangePending';
}

export async function checkEndpointChange(changeId: string, route53: Route53Client): Promise<{ changeId: string; status: string; insync: true }> {
  const { ChangeInfo } = await route53.send(new GetChangeCommand({ Id: changeId }));
  const status = ChangeInfo?.Status ?? 'UNKNOWN';
  if (status !== 'INSYNC') throw new EndpointChangePending(`Route 53 change ${changeId} is ${status}, not yet INSYNC`);
  return { changeId, status, insync: true };
}
