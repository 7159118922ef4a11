// switch-endpoint: points the application at a recovered resource — the policy's `endpoint` of the
// database or cache: an SSM parameter (String, in the region the runbook runs in) set to "host" or
// "host:port", or a Route 53 CNAME UPSERTed to the host. Idempotent: a target that holds the address
// already is not written (`changed: false`).
//
// Undo needs the value before the runbook's first switch, also when the runbook is re-run after a
// partial failure (the live value then is its own): so before writing, the switch is recorded under
// endpoints/<state machine>/<execution>/<resource>.json ({target, previous, current}), and a later call
// of the same execution for the same address reports the recorded `previous`. A call with another
// address (the runbook's undo) records anew.
//
// Route 53 answers a change PENDING and applies it to all its authoritative servers within about 60
// seconds (API Reference, ChangeResourceRecordSets and GetChange); the output carries `changeId` and
// `insync`, and check-endpoint-change (GetChange) tells the state machine when it is INSYNC.

import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod/mini';
import { putStateObject, readStateObject } from '../../../shared/aws/state-object.js';
import { REPORT_PREFIX } from '../../../shared/contracts.js';
import { ConfigurationError, InvalidInput } from '../../../shared/errors.js';
import type { EndpointTarget, Policy } from '../../../shared/policy/schema.js';
import type { Execution } from '../../../shared/platform/approval.js';
import { readParameter, writeParameter } from '../../../shared/platform/parameter.js';
import type { Log } from '../../../shared/runtime/log.js';


export interface SwitchEndpointInput {
  readonly resource: string;
  readonly address: string;
  readonly port?: number | undefined;
  readonly execution: Execution;
}

export interface SwitchEndpointDeps {
  readonly policy: Policy;
  readonly ssm: SSMClient;
  readonly route53: Route53Client;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly log: Log;
}

export interface SwitchEndpointResult {
  readonly resource: string;
  /** `ssm:<parameter>` or `route53:<record name>`. */
  readonly target: string;
  /** The value before this execution first switched it; null when there was none. */
  readonly previous: string | null;
  readonly current: string;
  readonly changed: boolean;
  /** Route 53: the change to wait for (check-endpoint-change), and whether it is applied everywhere already. */
  readonly changeId?: string;
  readonly insync?: boolean;
}

/** The policy's endpoint of a database or cache, or InvalidInput naming `resource`. */
export function endpointOf(policy: Policy, resource: string): EndpointTarget {
  const found = [...policy.resources.databases, ...policy.resources.caches].find((r) => r.name === resource);
  if (found === undefined) throw new InvalidInput('resource', `no database or cache named "${resource.slice(0, 100)}" in the policy`);
  if (found.endpoint === undefined) throw new InvalidInput('resource', `${resource} has no endpoint in the policy (resources.*.endpoint: ssmParameter or route53): there is nothing to switch`);
  return found.endpoint;
}

/** A DNS name as Route 53 compares them: lowercase, without the trailing dot. */
export const normalizedName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** Where the switch of one resource by one execution is recorded (its previous value, for undo). */
export function endpointRecordKey(execution: Execution, resource: string): string {
  return `${REPORT_PREFIX.endpoints}${execution.stateMachine}/${execution.name}/${resource}.json`;
}

const switchRecord = z.object({ target: z.string(), previous: z.nullable(z.string()), current: z.string() });

export async function switchEndpoint(input: SwitchEndpointInput, deps: SwitchEndpointDeps): Promise<SwitchEndpointResult> {
  const endpoint = endpointOf(deps.policy, input.resource);
  if (endpoint.route53 !== undefined) {
    if (input.port !== undefined) throw new InvalidInput('port', 'a Route 53 CNAME holds a host name only: the application keeps its port');
    if (/^[\d.]+$/.test(input.address)) throw new InvalidInput('address', `a CNAME points at a host name, not an IP address ("${input.address}")`);
  }
  const target = endpoint.route53 === undefined ? `ssm:${endpoint.ssmParameter ?? ''}` : `route53:${normalizedName(endpoint.route53.recordName)}`;
  const current = endpoint.route53 === undefined && input.port !== undefined ? `${input.address}:${input.port}` : input.address;

  const live = endpoint.route53 === undefined ? ((await readParameter(deps.ssm, endpoint.ssmParameter ?? ''))?.value ?? null) : await readCname(deps.route53, endpoint.route53);
  const previous = await recordSwitch(input, deps, { target, live, current });

  if (endpoint.ssmParameter !== undefined) {
    const { changed } = await writeParameter(deps.ssm, endpoint.ssmParameter, current, `backup-dr: where the application finds ${input.resource} (resources.*.endpoint)`);
    deps.log.info(changed ? 'endpoint switched' : 'endpoint already as asked', { resource: input.resource, target, previous, current });
    return { resource: input.resource, target, previous, current, changed };
  }
  const record = endpoint.route53;
  if (record === undefined) throw new ConfigurationError(`${input.resource}: endpoint has neither ssmParameter nor route53`);
  if (live !== null && normalizedName(live) === normalizedName(current)) {
    deps.log.info('endpoint already as asked', { resource: input.resource, target, previous, current });
    return { resource: input.resource, target, previous, current, changed: false, insync: true };
  }
  const change = await deps.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: record.hostedZoneId,
      ChangeBatch: {
        Comment: `backup-dr ${input.execution.name}: ${input.resource} to ${current}`.slice(0, 256),
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: record.recordName, Type: 'CNAME', TTL: record.ttl, ResourceRecords: [{ Value: current }] } }],
      },
    }),
  );
  const changeId = change.ChangeInfo?.Id ?? '';
  deps.log.info('endpoint switched', { resource: input.resource, target, previous, current, changeId, status: change.ChangeInfo?.Status });
  return { resource: input.resource, target, previous, current, changed: true, changeId, insync: change.ChangeInfo?.Status === 'INSYNC' };
}

/** The CNAME's value now; null when the record does not exist. Anything but a simple CNAME is refused: UPSERT would replace it. */
async function readCname(route53: Route53Client, record: NonNullable<EndpointTarget['route53']>): Promise<string | null> {
  const page = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: record.hostedZoneId, StartRecordName: record.recordName, StartRecordType: 'CNAME', MaxItems: 1 }));
  const found = page.ResourceRecordSets?.[0];
  if (found === undefined || normalizedName(found.Name ?? '') !== normalizedName(record.recordName) || found.Type !== 'CNAME') return null;
  if (found.AliasTarget !== undefined || found.SetIdentifier !== undefined) {
    throw new ConfigurationError(`${record.recordName} is an alias or a routing-policy record (${found.SetIdentifier ?? 'alias'}): switch-endpoint UPSERTs a simple CNAME and would replace it; switch it by hand`);
  }
  return found.ResourceRecords?.[0]?.Value ?? null;
}

/**
 * The value to report as previous: the one recorded by this execution's earlier switch to the same
 * address, else the live one — recorded (before anything is written) for a later re-run.
 */
async function recordSwitch(input: SwitchEndpointInput, deps: SwitchEndpointDeps, value: { target: string; live: string | null; current: string }): Promise<string | null> {
  const key = endpointRecordKey(input.execution, input.resource);
  const read = await readStateObject(deps.s3, deps.bucket, key);
  const parsed = read.text === undefined ? undefined : z.safeParse(switchRecord, JSON.parse(read.text));
  const earlier = parsed?.success === true ? parsed.data : undefined;
  if (earlier !== undefined && earlier.target === value.target && earlier.current === value.current) return earlier.previous;
  const written = await putStateObject(deps.s3, deps.bucket, key, { target: value.target, previous: value.live, current: value.current }, read.etag);
  if (written === null) throw new Error(`${key}: another run of ${input.execution.name} switched ${input.resource} at the same time; run the step again`);
  return value.live;
}
