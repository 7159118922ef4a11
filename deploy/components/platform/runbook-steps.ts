// Packaging time only: what every recovery runbook shares, in the primary and the secondary (each runs
// runbooks: database-recovery in the primary, region-failover in the secondary, which must not depend on
// the primary), deployed with the policy's recovery section:
// - request-approval and answer-approval, the approval step; answer-approval behind a function URL with
//   AuthType AWS_IAM, its URL written to /backup-dr/<stage>/approval-url (where `backup-dr approve` finds
//   it) and as a stack output, and a managed policy the approvers' role attaches to call it;
// - set-maintenance-mode, switch-endpoint and check-endpoint-change, each on exactly the parameters and
//   records the policy names.
//
// AWS facts relied on: a function URL with AWS_IAM needs of a caller in the account lambda:InvokeFunctionUrl
// and, for URLs created since October 2025, lambda:InvokeFunction (Lambda Developer Guide, "Control access
// to Lambda function URLs"); states:SendTaskSuccess and SendTaskFailure authorize on no resource — the
// task token is the authority — so their Resource is "*"; route53:ChangeResourceRecordSets authorizes
// on the hosted zone and is narrowed with route53:ChangeResourceRecordSetsNormalizedRecordNames (names
// lowercase, without the trailing dot, other characters as \ooo octal escapes), …RecordTypes and
// …Actions (Route 53 Developer Guide, "Using IAM policy conditions for fine-grained access control");
// ListResourceRecordSets authorizes on the zone, GetChange on change/*; GetParameter and PutParameter on
// the parameter's ARN. Whoever may invoke answer-approval directly (lambda:InvokeFunction, not through
// the URL) can hand it an event naming any caller: the approvers' policy allows InvokeFunction only via
// the URL (lambda:InvokedViaFunctionUrl), and no one else should hold InvokeFunction on it.

import { REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import type { EndpointTarget } from '../../../shared/policy/schema.js';
import { approvalUrlParameter } from '../../../shared/platform/approval.js';
import { ACCOUNT, getAtt, lambdaLogicalId, nonEmpty, PARTITION, sub, unique, type CfnValue, type Statement } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec } from '../../core/contribution.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

const hasRecovery = (ctx: Context): boolean => ctx.policy.recovery !== undefined;

export const RUNBOOK_STEP_IDS = { url: 'AnswerApprovalFunctionUrl', urlParameter: 'ApprovalUrlParameter', approversPolicy: 'ApproversPolicy' } as const;

/** The endpoints of every database and cache the policy gives one. */
const endpoints = (ctx: Context): EndpointTarget[] => [...ctx.policy.resources.databases, ...ctx.policy.resources.caches].flatMap((r) => (r.endpoint === undefined ? [] : [r.endpoint]));

const parameterArn = (ctx: Context, name: string): CfnValue => sub(`arn:${PARTITION}:ssm:${ctx.region}:${ACCOUNT}:parameter${name}`);
const zoneArn = (zone: string): CfnValue => sub(`arn:${PARTITION}:route53:::hostedzone/${zone}`);

/** A record name as route53:ChangeResourceRecordSetsNormalizedRecordNames compares it. */
export function normalizedRecordName(name: string): string {
  return name
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/[^a-z0-9_.-]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** A small JSON record of a step under `prefix` of this region's reports bucket: read, conditionally written; ListBucket so a missing one is a 404 (a prefix condition would not hold for GetObject). */
const recordStatements = (ctx: Context, prefix: string): Statement[] => [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(prefix)] },
  { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
  serviceKeyViaS3(ctx, ['kms:GenerateDataKey', 'kms:Decrypt']),
];

/** Change and read the CNAMEs the policy names, per hosted zone, and nothing else in those zones. */
function route53Statements(ctx: Context): Statement[] {
  const byZone = new Map<string, string[]>();
  for (const e of endpoints(ctx)) if (e.route53 !== undefined) byZone.set(e.route53.hostedZoneId, [...(byZone.get(e.route53.hostedZoneId) ?? []), normalizedRecordName(e.route53.recordName)]);
  return [...byZone].flatMap(([zone, names]) => [
    {
      Effect: 'Allow' as const,
      Action: ['route53:ChangeResourceRecordSets'],
      Resource: [zoneArn(zone)],
      Condition: {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': unique(names),
          'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
        },
      },
    },
    { Effect: 'Allow' as const, Action: ['route53:ListResourceRecordSets'], Resource: [zoneArn(zone)] },
  ]);
}

const step = (spec: Omit<FunctionSpec, 'roles' | 'invokedBy' | 'events' | 'deployedWhen'>): FunctionSpec => ({ roles: ['primary', 'secondary'], deployedWhen: hasRecovery, invokedBy: 'state-machine', events: () => [], ...spec });

const FUNCTIONS = {
  'request-approval': step({
    description: 'Recovery runbooks: records a pending approval (task token, plan, expiry) in the reports bucket and alerts who may answer and how',
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => recordStatements(ctx, REPORT_PREFIX.approvals),
  }),
  // Called through its function URL by `backup-dr approve|reject` (synchronously: no Lambda retry); an
  // unexpected failure is alerted by the function and the caller is told (HTTP 502).
  'answer-approval': step({
    description: 'Recovery runbooks: the approval URL (AWS_IAM) — checks the caller against recovery.approvers and sends the answer to the waiting execution',
    afterFailure:
      'it is invoked through its function URL by the CLI (approve or reject; no retry): the approver was told the answer failed (HTTP 502) and the execution still waits for an answer until recovery.approvalTimeout — once fixed, the approver answers again',
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => [
      ...recordStatements(ctx, REPORT_PREFIX.approvals),
      // Service Authorization Reference, "Actions, resources, and condition keys for AWS Step Functions": SendTaskSuccess/Failure/Heartbeat list no resource type (the token is the authority), so "*".
      { Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: ['*'] },
    ],
  }),
  'set-maintenance-mode': step({
    description: "Recovery runbooks: sets the policy's maintenance-mode parameter on or off, returning the value it replaced",
    timeout: 30,
    memorySize: 256,
    statements: (ctx) => {
      const parameter = ctx.policy.recovery?.maintenanceMode?.parameter;
      return parameter === undefined ? [] : [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: [parameterArn(ctx, parameter)] }];
    },
  }),
  'switch-endpoint': step({
    description: "Recovery runbooks: points a database's or cache's endpoint (SSM parameter or Route 53 CNAME) at a recovered host, recording the previous value",
    timeout: 60,
    memorySize: 256,
    statements: (ctx) =>
      nonEmpty([
        { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: unique(endpoints(ctx).flatMap((e) => (e.ssmParameter === undefined ? [] : [e.ssmParameter]))).map((name) => parameterArn(ctx, name)) },
        ...route53Statements(ctx),
        ...recordStatements(ctx, REPORT_PREFIX.endpoints),
      ]),
  }),
  'check-endpoint-change': step({
    description: 'Recovery runbooks: whether a Route 53 change switch-endpoint made is INSYNC (EndpointChangePending until then, retried by the state machine)',
    timeout: 30,
    memorySize: 256,
    retriedErrors: ['EndpointChangePending'],
    statements: (ctx) => (endpoints(ctx).some((e) => e.route53 !== undefined) ? [{ Effect: 'Allow', Action: ['route53:GetChange'], Resource: [sub(`arn:${PARTITION}:route53:::change/*`)] }] : []),
  }),
} satisfies Record<string, FunctionSpec>;

export type RunbookStepFunction = keyof typeof FUNCTIONS;

export const platformRunbookSteps = {
  component: 'platform',
  name: 'platform/runbook-steps',
  functions: FUNCTIONS,
  resources: (ctx) => {
    if (!hasRecovery(ctx) || ctx.role === 'archive') return {};
    const fn = lambdaLogicalId('answer-approval');
    const functionArn = getAtt(fn);
    return {
      Resources: {
        [RUNBOOK_STEP_IDS.url]: { Type: 'AWS::Lambda::Url', Properties: { AuthType: 'AWS_IAM', TargetFunctionArn: functionArn } },
        [RUNBOOK_STEP_IDS.urlParameter]: {
          Type: 'AWS::SSM::Parameter',
          Properties: {
            Name: approvalUrlParameter(ctx.stage),
            Type: 'String',
            Value: { 'Fn::GetAtt': [RUNBOOK_STEP_IDS.url, 'FunctionUrl'] },
            Description: `${SERVICE}: the approval URL of this region (npx backup-dr approve|reject)`,
          },
        },
        // Attach to the role (or users) recovery.approvers names: without it they cannot reach the URL. Being
        // able to call it is not enough to approve: answer-approval checks recovery.approvers itself.
        [RUNBOOK_STEP_IDS.approversPolicy]: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            ManagedPolicyName: `${SERVICE}-${ctx.stage}-approve-${ctx.region}`,
            Description: `${SERVICE} ${ctx.stage}: answer recovery approvals in ${ctx.region} (npx backup-dr approve|reject); attach to the principals in recovery.approvers`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['lambda:InvokeFunctionUrl'], Resource: [functionArn], Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
                // Only through the URL: invoked directly, an event could claim any caller ARN.
                { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [functionArn], Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } },
                { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [parameterArn(ctx, approvalUrlParameter(ctx.stage))] },
              ],
            },
          },
        },
      },
      Outputs: {
        ApprovalUrl: { Description: 'The approval URL of this region (AWS_IAM): npx backup-dr approve|reject <execution> signs its requests to it', Value: { 'Fn::GetAtt': [RUNBOOK_STEP_IDS.url, 'FunctionUrl'] } },
        ApproversPolicyArn: { Description: 'The managed policy to attach to the principals in recovery.approvers', Value: { Ref: RUNBOOK_STEP_IDS.approversPolicy } },
      },
    };
  },
} as const satisfies Contribution;
