// Packaging time only: the delayed escalation (alerts.escalation.unresolved), in each region that runs
// functions — an EventBridge rule on every ALARM state change of the stack's alarms (their names start
// with backup-dr-<stage>-, deploy/core/alarms.ts) starting the escalate-unresolved state machine
// (state-machines/platform/escalate-unresolved.asl.json), whose step escalate-unresolved reads the alarm,
// records the incident's escalation under escalations/ in the reports bucket and publishes it to the
// unresolved topic: KMS-encrypted, TLS only, published to by that function's role alone, and subscribed
// to by the e-mail and SMS endpoints of the levels `unresolved.levels` names (the Slack notifier
// subscribes itself, platform/slack.ts). A failing step ends in escalate-unresolved-notify, which
// publishes to the alerts topic (and the execution-failed rule and the machine's alarm stand behind it).
//
// AWS facts relied on: CloudWatch sends "CloudWatch Alarm State Change" events to EventBridge with the
// alarm's name and new state in detail and its ARN in resources, and guarantees their delivery
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html);
// cloudwatch:DescribeAlarms can be scoped to alarm ARNs for metric alarms (composite alarms need "*"; the
// stack has none): https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html;
// publishing to a KMS-encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key (every
// function has them on the service key: platform/alerts.ts); aws:PrincipalArn is the role's ARN for a
// role session (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).

import { relative, resolve } from 'node:path';
import { ENV, REPORT_PREFIX, SERVICE, unresolvedTopicName } from '../../../shared/contracts.js';
import { ESCALATE_UNRESOLVED_DEFINITION_FILE, escalateUnresolvedDefinition } from '../../../state-machines/platform/escalate-unresolved.js';
import { stackAlarmPrefix } from '../../core/alarms.js';
import { ACCOUNT, functionRoleLogicalId, getAtt, LOGICAL_ID, PARTITION, ref, sub, type CfnResource, type Statement, type TemplateFragment } from '../../core/cloudformation.js';
import type { Context, Contribution, FunctionSpec, StateMachineSpec } from '../../core/contribution.js';
import { endpointsOf } from '../../platform/alerts.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

export const ESCALATOR = 'escalate-unresolved';
export const NOTIFIER = 'escalate-unresolved-notify';
export const ESCALATION_MACHINE = 'escalate-unresolved';
export const ESCALATION_RULE = 'EscalateUnresolvedRule';
const DEFINITION_SOURCE = relative(resolve(import.meta.dirname, '..', '..', '..'), ESCALATE_UNRESOLVED_DEFINITION_FILE);

/** The policy asks for the delayed escalation. */
export const unresolvedConfigured = (ctx: Context): boolean => ctx.policy.alerts.escalation?.unresolved !== undefined;

/** The levels an unresolved alarm escalates to, each once, in order. */
const unresolvedLevels = (ctx: Context): number[] => [...new Set(ctx.policy.alerts.escalation?.unresolved?.levels ?? [])].sort((a, b) => a - b);

function statements(ctx: Context): Statement[] {
  return [
    // The alarm of the event, by its name: only alarms of this stack (of this stage, in this region).
    { Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: [sub(`arn:${PARTITION}:cloudwatch:${ctx.region}:${ACCOUNT}:alarm:${stackAlarmPrefix(ctx)}*`)] },
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: [ref(LOGICAL_ID.unresolvedTopic)] },
    // The incident's record: read and conditionally written; ListBucket so that a record not yet written is a 404.
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.escalations)] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
    serviceKeyViaS3(ctx, ['kms:GenerateDataKey', 'kms:Decrypt']),
  ];
}

const FUNCTIONS = {
  [ESCALATOR]: {
    roles: ['primary', 'secondary'],
    deployedWhen: unresolvedConfigured,
    invokedBy: 'state-machine',
    description: 'Escalates an alarm still in ALARM after alerts.escalation.unresolved.after to its levels, once per incident',
    timeout: 60,
    memorySize: 256,
    environment: () => ({ [ENV.unresolvedTopicArn]: ref(LOGICAL_ID.unresolvedTopic) }),
    events: () => [],
    statements,
  },
  [NOTIFIER]: {
    roles: ['primary', 'secondary'],
    deployedWhen: unresolvedConfigured,
    invokedBy: 'state-machine',
    description: 'Publishes an escalation of an unresolved alarm that could not run to the alerts topic',
    timeout: 30,
    memorySize: 256,
    events: () => [],
    // Publishing to the alerts topic: what every function may.
    statements: () => [],
  },
} satisfies Record<string, FunctionSpec>;

export type EscalationFunction = keyof typeof FUNCTIONS;

/** Every ALARM state change of an alarm of this stack. */
export const unresolvedRulePattern = (ctx: Context): Record<string, unknown> => ({
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: { alarmName: [{ prefix: stackAlarmPrefix(ctx) }], state: { value: ['ALARM'] } },
});

const STATE_MACHINES = {
  [ESCALATION_MACHINE]: {
    roles: ['primary', 'secondary'],
    deployedWhen: unresolvedConfigured,
    id: 'EscalateUnresolvedStateMachine',
    source: DEFINITION_SOURCE,
    definition: (ctx) => escalateUnresolvedDefinition(ctx.policy.alerts.escalation?.unresolved?.after ?? 0),
    schedules: () => [],
    rules: (ctx) => [{ id: ESCALATION_RULE, description: `${SERVICE} ${ctx.stage}: an alarm of the stack went to ALARM; escalate it if it is still unresolved later`, pattern: unresolvedRulePattern(ctx) }],
  },
} satisfies Record<string, StateMachineSpec>;

export type EscalationMachine = keyof typeof STATE_MACHINES;

const UNRESOLVED_POLICY = `${LOGICAL_ID.unresolvedTopic}Policy`;

/** The unresolved topic, its policy and the e-mail and SMS subscriptions of the unresolved levels (unfiltered: everything on it is an escalation). */
function unresolvedTopic(ctx: Context): Record<string, CfnResource> {
  const levels = ctx.policy.alerts.escalation?.levels ?? [];
  const subscriptions = unresolvedLevels(ctx).flatMap((n) =>
    endpointsOf(levels[n - 1] ?? { emails: [], sms: [] }, n).map(({ protocol, endpoint, id }): [string, CfnResource] => [
      `EscalationUnresolved${id}`,
      { Type: 'AWS::SNS::Subscription', Properties: { Protocol: protocol, Endpoint: endpoint, TopicArn: ref(LOGICAL_ID.unresolvedTopic) } },
    ]),
  );
  const topic = ref(LOGICAL_ID.unresolvedTopic);
  return {
    [LOGICAL_ID.unresolvedTopic]: {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: unresolvedTopicName(ctx.stage), DisplayName: `${SERVICE} alarms still unresolved (${ctx.stage}, ${ctx.region})`, KmsMasterKeyId: ref(LOGICAL_ID.key) },
    },
    [UNRESOLVED_POLICY]: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [topic],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'DenyPublishWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topic, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
            // Whatever an identity policy of the account allows: nobody but escalate-unresolved's role publishes an escalation.
            { Sid: 'OnlyEscalateUnresolvedPublishes', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topic, Condition: { ArnNotEquals: { 'aws:PrincipalArn': getAtt(functionRoleLogicalId(ESCALATOR)) } } },
          ],
        },
      },
    },
    ...Object.fromEntries(subscriptions),
  };
}

/** Levels of `unresolved` with no endpoint and no channel: the escalation reaches nobody there. */
function warnings(ctx: Context): string[] {
  const escalation = ctx.policy.alerts.escalation;
  return unresolvedLevels(ctx)
    .map((n) => ({ n, level: escalation?.levels[n - 1] }))
    .filter(({ level }) => level !== undefined && level.emails.length + level.sms.length === 0 && level.slack === undefined)
    .map(({ n, level }) => `alerts.escalation.unresolved.levels names level ${n} (${level?.name ?? '?'}), which has no e-mail, SMS or Slack channel: an escalation reaches nobody there`);
}

export const platformEscalation = {
  component: 'platform',
  name: 'platform/escalation',
  functions: FUNCTIONS,
  stateMachines: STATE_MACHINES,
  warnings,
  resources: (ctx, deployed): TemplateFragment =>
    deployed.stateMachines[ESCALATION_MACHINE] === undefined
      ? { Resources: {} }
      : {
          Resources: unresolvedTopic(ctx),
          Outputs: { UnresolvedTopicArn: { Description: 'Alarms still unresolved after alerts.escalation.unresolved.after (the unresolved levels subscribe here)', Value: ref(LOGICAL_ID.unresolvedTopic) } },
        },
} as const satisfies Contribution;
