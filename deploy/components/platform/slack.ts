// Packaging time only: the Slack notifier of a region — deployed only when the policy names a channel:
// `alerts.slack`, or an escalation level's `slack` — subscribed to the region's alerts topic and, with
// alerts.escalation.unresolved, to the unresolved topic (SNS subscriptions of protocol lambda and the
// permission for those topics alone to invoke it), reading each webhook URL from the secrets the policy
// names (no other function gets them but the daily checklist the main one), and keeping its fold state
// under slack-folds/ in the region's reports bucket. Invoked asynchronously by SNS: Lambda retries a failed delivery, then records
// it in the async-failures queue, which alarms (platform/failures.ts, platform/alarms.ts); what SNS could
// not hand to the function at all goes to the subscription's own dead-letter queue, which alarms too.
// The alert itself is on e-mail through the topic regardless.
//
// AWS facts relied on: SNS invokes a Lambda subscriber asynchronously and needs lambda:InvokeFunction
// through the function's resource policy (https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html);
// a GetObject of a missing key answers 404 only with s3:ListBucket on the bucket, 403 otherwise
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html); S3 conditional writes (If-Match,
// If-None-Match) need only s3:PutObject (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html);
// a subscription's RedrivePolicy sends what SNS could not deliver to an SQS queue whose policy lets
// sns.amazonaws.com send for that topic, with KMS through the key policy for an encrypted queue
// (https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html).

import { configuredChannels } from '../../../shared/alerts/slack-channels.js';
import { REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { ALERTS_TOPIC_ACTIONS } from '../../core/alarms.js';
import { getAtt, lambdaLogicalId, LOGICAL_ID, ref, secretArn, type CfnResource, type Statement, type TemplateFragment } from '../../core/cloudformation.js';
import { runningRole, type AlarmResources, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';
import { ESCALATION_MACHINE } from './escalation.js';

export const NOTIFIER = 'notify-slack';

/** A channel is named: the main webhook, or an escalation level's. */
const slackConfigured = (ctx: Context): boolean => configuredChannels(ctx.policy).length > 0;

function statements(ctx: Context): Statement[] {
  const secrets = configuredChannels(ctx.policy);
  if (secrets.length === 0) return [];
  return [
    // The webhooks' URLs: these secrets, in this region.
    { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets.map((secret) => secretArn(ctx.region, secret)) },
    // A secret under the region's backup key (kms.<role>, else the service key) decrypts through Secrets Manager; under aws/secretsmanager it needs nothing.
    ...keyStatements(ctx, [runningRole(ctx)], ['kms:Decrypt'], false, `secretsmanager.${ctx.region}.amazonaws.com`),
    // The fold state: read and conditionally written; ListBucket so that a state not yet written is a 404.
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.slackFolds)] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
    serviceKeyViaS3(ctx, ['kms:GenerateDataKey', 'kms:Decrypt']),
  ];
}

const FUNCTIONS = {
  [NOTIFIER]: {
    roles: ['primary', 'secondary'],
    deployedWhen: slackConfigured,
    invokedBy: 'async',
    description: 'Posts alerts, alarms, their resolutions and escalations to Slack (the main channel and the escalation levels\' own), folding repeats',
    // Deliveries retry within 60 s (slack-webhook.ts DELIVERY), each attempt at most 10 s, plus S3 and Secrets Manager.
    timeout: 90,
    memorySize: 256,
    events: () => [],
    statements,
  },
} satisfies Record<string, FunctionSpec>;

export type SlackFunction = keyof typeof FUNCTIONS;

/** Where SNS puts a message it could not hand to the notifier at all (the function gone, its permission removed, throttled past SNS's retries). */
const DELIVERY_DLQ = 'SlackNotifierDeliveryQueue';
/** SQS keeps a message at most 14 days: the time to read, fix and redrive. */
const RETENTION_SECONDS = 1_209_600;
const DELIVERY_RUNBOOK =
  'SNS could not invoke the Slack notifier with an alert (after its own retries): the alert reached e-mail, not Slack. Runbook: check that ' +
  'notify-slack exists and the alerts topic may invoke it (its resource policy), fix it, then invoke notify-slack with {"Records":[{"Sns":{"MessageId":…,"Message":…}}]} ' +
  "built from the queued message's MessageId and Message, and delete the message.";

/** The subscription and the invoke permission of one topic (`prefix`: their logical ids). */
function subscribedTo(topic: string, prefix: string): Record<string, CfnResource> {
  const notifier = lambdaLogicalId(NOTIFIER);
  return {
    [`${prefix}Subscription`]: {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'lambda', Endpoint: getAtt(notifier), TopicArn: ref(topic), RedrivePolicy: { deadLetterTargetArn: getAtt(DELIVERY_DLQ) } },
    },
    [`${prefix}InvokePermission`]: {
      Type: 'AWS::Lambda::Permission',
      Properties: { Action: 'lambda:InvokeFunction', FunctionName: getAtt(notifier), Principal: 'sns.amazonaws.com', SourceArn: ref(topic), SourceAccount: ref('AWS::AccountId') },
    },
  };
}

/**
 * The subscriptions (dead-lettering what SNS cannot deliver) — to the alerts topic, and to the unresolved
 * topic when the delayed escalation is deployed — each topic's permission to invoke the notifier, the
 * dead-letter queue.
 */
function subscription(ctx: Context, unresolved: boolean): Record<string, CfnResource> {
  const topics = [ref(LOGICAL_ID.topic), ...(unresolved ? [ref(LOGICAL_ID.unresolvedTopic)] : [])];
  return {
    ...subscribedTo(LOGICAL_ID.topic, 'SlackNotifier'),
    ...(unresolved ? subscribedTo(LOGICAL_ID.unresolvedTopic, 'SlackNotifierUnresolved') : {}),
    [DELIVERY_DLQ]: {
      Type: 'AWS::SQS::Queue',
      // The service key: its policy lets SNS of this account use it (platform/alerts.ts).
      Properties: { QueueName: `${SERVICE}-${ctx.stage}-slack-delivery-dlq`, KmsMasterKeyId: ref(LOGICAL_ID.key), MessageRetentionPeriod: RETENTION_SECONDS },
    },
    [`${DELIVERY_DLQ}Policy`]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(DELIVERY_DLQ)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: getAtt(DELIVERY_DLQ), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
            // Only SNS, and only for this stack's topics the notifier is subscribed to.
            { Sid: 'AlertsTopicSends', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: getAtt(DELIVERY_DLQ), Condition: { ArnEquals: { 'aws:SourceArn': topics.length === 1 ? topics[0] : topics } } },
          ],
        },
      },
    },
  };
}

/** A configuration whose secrets include a webhook's: its backup, restore test and restore can read the URL too (and bundle it). */
function warnings(ctx: Context): string[] {
  const fields = [
    ...(ctx.policy.alerts.slack === undefined ? [] : [['alerts.slack.webhookSecret', ctx.policy.alerts.slack.webhookSecret] as const]),
    ...(ctx.policy.alerts.escalation?.levels ?? []).flatMap((level, i) => (level.slack === undefined ? [] : [[`alerts.escalation.levels[${i}].slack.webhookSecret`, level.slack.webhookSecret] as const])),
  ];
  return fields.flatMap(([field, secret]) =>
    ctx.policy.resources.configuration
      .filter((config) => config.secrets.some((name) => (name.endsWith('/') ? secret.startsWith(name) : name === secret)))
      .map((config) => `${field} ${secret} is also among the secrets of configuration ${config.name}: the functions that back it up, test and restore it read the webhook URL too; keep the webhook's secret outside the backed-up paths`),
  );
}

export const platformSlack = {
  component: 'platform',
  name: 'platform/slack',
  functions: FUNCTIONS,
  warnings,
  resources: (ctx, deployed): TemplateFragment =>
    deployed.functions[NOTIFIER] === undefined
      ? { Resources: {} }
      : {
          Resources: subscription(ctx, deployed.stateMachines[ESCALATION_MACHINE] !== undefined),
          Outputs: {
            SlackNotifierName: { Description: `The Slack notifier (${SERVICE}): subscribed to the alerts topic (and the unresolved topic)`, Value: ref(lambdaLogicalId(NOTIFIER)) },
            [`${DELIVERY_DLQ}Url`]: { Description: 'Dead-letter queue: alerts SNS could not hand to the Slack notifier', Value: ref(DELIVERY_DLQ) },
          },
        },
  // Its first message alarms, like the other dead-letter queues (platform/alarms.ts); missing data is not
  // breaching: SQS publishes nothing for an idle queue.
  alarms: (ctx, deployed): AlarmResources =>
    deployed.functions[NOTIFIER] === undefined
      ? {}
      : {
          [`${DELIVERY_DLQ}Alarm`]: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: `${SERVICE}-${ctx.stage}-platform-slack-delivery-dlq-${ctx.region}`,
              AlarmDescription: `${SERVICE}-${ctx.stage}-slack-delivery-dlq (${ctx.region}) holds a message: ${DELIVERY_RUNBOOK}`,
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [DELIVERY_DLQ, 'QueueName'] } }],
              Statistic: 'Maximum',
              Period: 300,
              EvaluationPeriods: 1,
              Threshold: 0,
              ComparisonOperator: 'GreaterThanThreshold',
              TreatMissingData: 'notBreaching',
              ...ALERTS_TOPIC_ACTIONS,
            },
          },
        },
} as const satisfies Contribution;
