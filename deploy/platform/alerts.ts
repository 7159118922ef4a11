// Packaging time only: the alert path of a region — the service's customer-managed KMS key (and its
// stage-scoped alias, serviceKeyAlias), the encrypted alerts topic with its TLS-only policy, the policy's
// e-mail subscriptions and its escalation levels' (e-mail and SMS, filtered by severity; alarms, which
// carry no attributes to filter on, through a second topic every alarm also notifies), their outputs,
// and what every function may do with them (publish an alert).
// The key lets EventBridge and CloudWatch use it: an alert must not fail silently on encryption.
// The archive region's stack (no functions, nothing to alert from) gets only the key and its alias, for
// its archive buckets, and only where the policy names no kms.archive of its own.
//
// AWS facts relied on ("Enable compatibility between event sources from AWS services and encrypted
// topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
// a service that publishes to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on the
// customer managed key through the key policy, and for EventBridge the aws:SourceAccount/aws:SourceArn
// conditions are not supported there (with them, its notices would be dropped); for CloudWatch alarms
// they are. The EventBridge guide says the same of the topic policy: no Condition
// blocks for EventBridge (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
// The EventBridge statement also covers the rule DLQ, an SQS queue encrypted with this key
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).

import { alertsTopicName, SERVICE, serviceKeyAlias } from '../../shared/contracts.js';
import { getAtt, LOGICAL_ID, ref, sub, type CfnResource, type Statement, type TemplateFragment } from '../core/cloudformation.js';
import type { Context, Contribution } from '../core/contribution.js';

const accountRoot = () => sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
const thisAccount = () => ({ 'aws:SourceAccount': ref('AWS::AccountId') });
const viaRdsHere = () => ({ 'kms:ViaService': sub('rds.${AWS::Region}.amazonaws.com') });
/** Alarms of this account and region (CloudWatch supports the source conditions). */
const alarmsOfThisAccount = () => ({
  StringEquals: thisAccount(),
  ArnLike: { 'aws:SourceArn': sub('arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*') },
});
const USE_FOR_ENCRYPTED_MESSAGES = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/**
 * The service's key: encrypts the alerts topic, the reports bucket, the dead-letter and failure queues
 * and — where the policy names no kms.<role> — the RDS snapshot copies in the secondary (RDS uses it
 * through grants). Retained on stack deletion: deleting it would make every copy encrypted with it unreadable.
 */
function serviceKey(ctx: Context): CfnResource {
  if (ctx.role === 'archive') return archiveKey(ctx);
  return {
    Type: 'AWS::KMS::Key',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Description: `${SERVICE} ${ctx.stage} (${ctx.role}) - alerts topic and RDS snapshot copies`,
      EnableKeyRotation: true,
      RotationPeriodInDays: 90,
      PendingWindowInDays: 30,
      KeyPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: accountRoot() }, Action: 'kms:*', Resource: '*' },
          // SNS itself, for this account's topics only.
          { Sid: 'SnsUsesKeyForThisAccount', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: USE_FOR_ENCRYPTED_MESSAGES, Resource: '*', Condition: { StringEquals: thisAccount() } },
          { Sid: 'AlarmsUseKeyForTopic', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: USE_FOR_ENCRYPTED_MESSAGES, Resource: '*', Condition: alarmsOfThisAccount() },
          // No condition: aws:SourceAccount/aws:SourceArn are not supported for EventBridge here (see the top).
          { Sid: 'EventBridgeUsesKeyForTopicAndQueues', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: USE_FOR_ENCRYPTED_MESSAGES, Resource: '*' },
          // RDS (snapshot copies, automated-backup replication) uses the key through grants, on behalf of
          // principals of this account whose IAM policies allow it, and only via RDS.
          {
            Sid: 'RdsUsesKeyForThisAccount',
            Effect: 'Allow',
            Principal: { AWS: accountRoot() },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:ListGrants'],
            Resource: '*',
            Condition: { StringEquals: viaRdsHere() },
          },
          {
            Sid: 'RdsCreatesGrantsForThisAccount',
            Effect: 'Allow',
            Principal: { AWS: accountRoot() },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: { StringEquals: viaRdsHere(), Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          },
        ],
      },
    },
  };
}

/**
 * The archive region's key: only the account administers it (IAM policies grant its use: S3 replication
 * encrypts the archive copies with it through the media replication role). Retained like the others.
 */
function archiveKey(ctx: Context): CfnResource {
  return {
    Type: 'AWS::KMS::Key',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Description: `${SERVICE} ${ctx.stage} (archive) - media archive buckets`,
      EnableKeyRotation: true,
      RotationPeriodInDays: 90,
      PendingWindowInDays: 30,
      KeyPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: accountRoot() }, Action: 'kms:*', Resource: '*' }] },
    },
  };
}

function alertsTopic(ctx: Context): Record<string, CfnResource> {
  return {
    [LOGICAL_ID.topic]: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: alertsTopicName(ctx.stage),
        DisplayName: `${SERVICE} alerts (${ctx.stage}, ${ctx.region})`,
        KmsMasterKeyId: ref(LOGICAL_ID.key),
      },
    },
    // Alarms of this account may publish, and EventBridge rules (no Condition blocks for EventBridge: see
    // the top); nobody may publish without TLS.
    [LOGICAL_ID.topicPolicy]: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [ref(LOGICAL_ID.topic)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyPublishWithoutTls',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: ref(LOGICAL_ID.topic),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
            {
              Sid: 'AlarmsOfThisAccountPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: ref(LOGICAL_ID.topic),
              Condition: alarmsOfThisAccount(),
            },
            { Sid: 'EventBridgeRulesPublish', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: ref(LOGICAL_ID.topic) },
          ],
        },
      },
    },
  };
}

/**
 * The service key's stage-scoped alias: what the other region's deployment, IAM (kms:ResourceAliases) and
 * the functions name it by when the policy names no kms.<role> — two stages can share an account and region.
 */
function keyAlias(ctx: Context): Record<string, CfnResource> {
  return { [LOGICAL_ID.keyAlias]: { Type: 'AWS::KMS::Alias', Properties: { AliasName: serviceKeyAlias(ctx.stage), TargetKeyId: ref(LOGICAL_ID.key) } } };
}

function emailSubscriptions(ctx: Context): Record<string, CfnResource> {
  return Object.fromEntries(
    ctx.policy.alerts.emails.map((email, index) => [
      `AlertsEmailSubscription${index + 1}`,
      { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: email, TopicArn: ref(LOGICAL_ID.topic) } },
    ]),
  );
}

/**
 * The escalation levels' subscriptions (alerts.escalation): each e-mail address and SMS number of a level
 * subscribed to the alerts topic with a filter policy on the `severity` message attribute that accepts the
 * severities that reach that level at once — so a critical alert reaches levels 1 and 2 with no code in
 * between. A level no severity names gets none.
 *
 * CloudWatch alarm messages carry no message attributes, and a filter policy never matches a message
 * without any ("exists": false needs at least one attribute: https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html);
 * so alarms — the failures and the dead man's switch — are routed as critical another way: every alarm of
 * the stack also notifies the escalation alarms topic (addEscalationAlarmActions), to which the levels
 * critical reaches are subscribed without a filter.
 */
export function escalationFilterPolicy(severities: Record<string, readonly number[]>, level: number): Record<string, string[]> | undefined {
  const reaching = Object.entries(severities)
    .filter(([, levels]) => levels.includes(level))
    .map(([severity]) => severity);
  return reaching.length === 0 ? undefined : { severity: reaching };
}

export const ESCALATION_ALARMS_TOPIC = 'EscalationAlarmsTopic';
export const escalationAlarmsTopicName = (stage: string): string => `${SERVICE}-escalation-alarms-${stage}`;

/** The levels alarms reach (those critical reaches), when any has an endpoint; none without alerts.escalation. */
function alarmLevels(ctx: Context): number[] {
  const escalation = ctx.policy.alerts.escalation;
  if (escalation === undefined) return [];
  const levels = [...new Set(escalation.severities.critical)].sort((a, b) => a - b);
  return levels.some((n) => (escalation.levels[n - 1]?.emails.length ?? 0) + (escalation.levels[n - 1]?.sms.length ?? 0) > 0) ? levels : [];
}

type Endpoint = { protocol: 'email' | 'sms'; endpoint: string; id: string };
/** A level's e-mail and SMS endpoints, each with the suffix of its subscription's logical id ("Level2Email1"). */
export const endpointsOf = (level: { emails: readonly string[]; sms: readonly string[] }, n: number): Endpoint[] => [
  ...level.emails.map((endpoint, i) => ({ protocol: 'email' as const, endpoint, id: `Level${n}Email${i + 1}` })),
  ...level.sms.map((endpoint, i) => ({ protocol: 'sms' as const, endpoint, id: `Level${n}Sms${i + 1}` })),
];

function escalationSubscriptions(ctx: Context): Record<string, CfnResource> {
  const escalation = ctx.policy.alerts.escalation;
  if (escalation === undefined) return {};
  const filtered = escalation.levels.flatMap((level, index) => {
    const filterPolicy = escalationFilterPolicy(escalation.severities, index + 1);
    if (filterPolicy === undefined) return [];
    return endpointsOf(level, index + 1).map(({ protocol, endpoint, id }): [string, CfnResource] => [
      `Escalation${id}`,
      { Type: 'AWS::SNS::Subscription', Properties: { Protocol: protocol, Endpoint: endpoint, TopicArn: ref(LOGICAL_ID.topic), FilterPolicyScope: 'MessageAttributes', FilterPolicy: filterPolicy } },
    ]);
  });
  return { ...Object.fromEntries(filtered), ...escalationAlarmsTopic(ctx) };
}

/** The topic every alarm also notifies when alarms reach a level: encrypted, TLS-only, published to by this account's alarms alone. */
function escalationAlarmsTopic(ctx: Context): Record<string, CfnResource> {
  const escalation = ctx.policy.alerts.escalation;
  const levels = alarmLevels(ctx);
  if (escalation === undefined || levels.length === 0) return {};
  const subscriptions = levels.flatMap((n) =>
    endpointsOf(escalation.levels[n - 1]!, n).map(({ protocol, endpoint, id }): [string, CfnResource] => [
      `EscalationAlarms${id}`,
      { Type: 'AWS::SNS::Subscription', Properties: { Protocol: protocol, Endpoint: endpoint, TopicArn: ref(ESCALATION_ALARMS_TOPIC) } },
    ]),
  );
  return {
    [ESCALATION_ALARMS_TOPIC]: {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: escalationAlarmsTopicName(ctx.stage), DisplayName: `${SERVICE} alarms to escalation levels (${ctx.stage}, ${ctx.region})`, KmsMasterKeyId: ref(LOGICAL_ID.key) },
    },
    [`${ESCALATION_ALARMS_TOPIC}Policy`]: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [ref(ESCALATION_ALARMS_TOPIC)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'DenyPublishWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: ref(ESCALATION_ALARMS_TOPIC), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
            { Sid: 'AlarmsOfThisAccountPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: ref(ESCALATION_ALARMS_TOPIC), Condition: alarmsOfThisAccount() },
          ],
        },
      },
    },
    ...Object.fromEntries(subscriptions),
  };
}

/**
 * Every alarm of the stack (`resources`, after all contributions) also notifies the escalation alarms
 * topic when the policy routes alarms to a level: a new record, the alarms' actions extended; the same
 * record otherwise.
 */
export function addEscalationAlarmActions(ctx: Context, resources: Record<string, CfnResource>): Record<string, CfnResource> {
  if (ctx.role === 'archive' || alarmLevels(ctx).length === 0) return resources;
  return Object.fromEntries(
    Object.entries(resources).map(([id, resource]) => {
      if (resource.Type !== 'AWS::CloudWatch::Alarm') return [id, resource];
      const actions = (resource.Properties['AlarmActions'] ?? []) as unknown[];
      return [id, { ...resource, Properties: { ...resource.Properties, AlarmActions: [...actions, ref(ESCALATION_ALARMS_TOPIC)] } }];
    }),
  );
}

/** What every function may do: publish alerts to the encrypted topic. */
export function alertStatements(): Statement[] {
  return [
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: [ref(LOGICAL_ID.topic)] },
    { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt(LOGICAL_ID.key)] },
  ];
}

const keyOutputs = (ctx: Context) => ({
  ServiceKeyArn: { Description: "The service's KMS key (alerts topic, reports, queues, RDS snapshot copies in this region)", Value: getAtt(LOGICAL_ID.key) },
  ServiceKeyAlias: { Description: "The service key's alias (stage-scoped)", Value: serviceKeyAlias(ctx.stage) },
});

/** The archive region's part: its own key only when the policy names no kms.archive. */
function archiveResources(ctx: Context): TemplateFragment {
  const regionRole = { RegionRole: { Description: 'The role of this region in backup-policy.yml', Value: ctx.role } };
  if (ctx.policy.kms.archive !== undefined) return { Resources: {}, Outputs: regionRole };
  return {
    Resources: { [LOGICAL_ID.key]: serviceKey(ctx), ...keyAlias(ctx) },
    Outputs: { ...keyOutputs(ctx), ServiceKeyArn: { Description: "The service's KMS key in the archive region (the media archive buckets)", Value: getAtt(LOGICAL_ID.key) }, ...regionRole },
  };
}

export const alerts: Contribution = {
  component: 'platform',
  name: 'platform/alerts',
  inArchive: true,
  resources: (ctx) =>
    ctx.role === 'archive'
      ? archiveResources(ctx)
      : {
          Resources: { [LOGICAL_ID.key]: serviceKey(ctx), ...keyAlias(ctx), ...alertsTopic(ctx), ...emailSubscriptions(ctx), ...escalationSubscriptions(ctx) },
          Outputs: {
            AlertsTopicArn: { Description: 'The alerts topic (subscribe Slack/e-mail/chat here)', Value: ref(LOGICAL_ID.topic) },
            ...keyOutputs(ctx),
            RegionRole: { Description: 'The role of this region in backup-policy.yml', Value: ctx.role },
          },
        },
};
