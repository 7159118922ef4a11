// Packaging time only: the Slack notifier of a region — deployed only when the policy says
// `alerts.slack` — subscribed to the region's alerts topic (an SNS subscription of protocol lambda and
// the permission for that topic alone to invoke it), reading the webhook URL from the one secret the
// policy names (no other function gets it), and keeping its fold state under slack-folds/ in the
// region's reports bucket. Invoked asynchronously by SNS: Lambda retries a failed delivery, then records
// it in the async-failures queue, which alarms (platform/failures.ts, platform/alarms.ts); the alert
// itself is on e-mail through the topic regardless.
//
// AWS facts relied on: SNS invokes a Lambda subscriber asynchronously and needs lambda:InvokeFunction
// through the function's resource policy (https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html);
// a GetObject of a missing key answers 404 only with s3:ListBucket on the bucket, 403 otherwise
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html); S3 conditional writes (If-Match,
// If-None-Match) need only s3:PutObject (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).

import { REPORT_PREFIX, SERVICE } from '../../../shared/contracts.js';
import { getAtt, lambdaLogicalId, LOGICAL_ID, ref, secretArn, type CfnResource, type Statement, type TemplateFragment } from '../../core/cloudformation.js';
import { runningRole, type Context, type Contribution, type FunctionSpec } from '../../core/contribution.js';
import { keyStatements } from '../../core/kms.js';
import { reportsBucketArn, reportsObjects, serviceKeyViaS3 } from '../../platform/reports-bucket.js';

export const NOTIFIER = 'notify-slack';

const slackConfigured = (ctx: Context): boolean => ctx.policy.alerts.slack !== undefined;

function statements(ctx: Context): Statement[] {
  const slack = ctx.policy.alerts.slack;
  if (slack === undefined) return [];
  return [
    // The webhook's URL: this one secret, in this region.
    { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secretArn(ctx.region, slack.webhookSecret)] },
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
    description: 'Posts alerts, alarms and their resolutions from the alerts topic to Slack, folding repeats',
    // Deliveries retry within 60 s (slack-webhook.ts DELIVERY), each attempt at most 10 s, plus S3 and Secrets Manager.
    timeout: 90,
    memorySize: 256,
    events: () => [],
    statements,
  },
} satisfies Record<string, FunctionSpec>;

export type SlackFunction = keyof typeof FUNCTIONS;

/** The subscription and the topic's permission to invoke the notifier (only where it is deployed). */
function subscription(): Record<string, CfnResource> {
  const notifier = lambdaLogicalId(NOTIFIER);
  return {
    SlackNotifierSubscription: {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'lambda', Endpoint: getAtt(notifier), TopicArn: ref(LOGICAL_ID.topic) },
    },
    SlackNotifierInvokePermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: { Action: 'lambda:InvokeFunction', FunctionName: getAtt(notifier), Principal: 'sns.amazonaws.com', SourceArn: ref(LOGICAL_ID.topic), SourceAccount: ref('AWS::AccountId') },
    },
  };
}

/** A configuration whose secrets include the webhook's: its backup, restore test and restore can read the URL too (and bundle it). */
function warnings(ctx: Context): string[] {
  const secret = ctx.policy.alerts.slack?.webhookSecret;
  if (secret === undefined) return [];
  return ctx.policy.resources.configuration
    .filter((config) => config.secrets.some((name) => (name.endsWith('/') ? secret.startsWith(name) : name === secret)))
    .map((config) => `alerts.slack.webhookSecret ${secret} is also among the secrets of configuration ${config.name}: the functions that back it up, test and restore it read the webhook URL too; keep the webhook's secret outside the backed-up paths`);
}

export const platformSlack = {
  component: 'platform',
  name: 'platform/slack',
  functions: FUNCTIONS,
  warnings,
  resources: (_ctx, deployed): TemplateFragment =>
    deployed.functions[NOTIFIER] === undefined
      ? { Resources: {} }
      : { Resources: subscription(), Outputs: { SlackNotifierName: { Description: `The Slack notifier (${SERVICE}): subscribed to the alerts topic`, Value: ref(lambdaLogicalId(NOTIFIER)) } } },
} as const satisfies Contribution;
