// Packaging time only: the alert path of a region — the service's customer-managed KMS key (and the alias
// the policy's kms.<role> names it by), the encrypted alerts topic with its TLS-only policy, the policy's
// e-mail subscriptions, their outputs, and what every function may do with them (publish an alert).
// The key lets EventBridge and CloudWatch use it: an alert must not fail silently on encryption.

import { alertsTopicName, SERVICE } from '../../shared/contracts.js';
import { getAtt, LOGICAL_ID, ref, sub, type CfnResource, type Statement } from '../core/cloudformation.js';
import type { Context, Contribution } from '../core/contribution.js';

const accountRoot = () => sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
const thisAccount = () => ({ 'aws:SourceAccount': ref('AWS::AccountId') });
const viaRdsHere = () => ({ 'kms:ViaService': sub('rds.${AWS::Region}.amazonaws.com') });

/**
 * The service's key: encrypts the alerts topic and the reports bucket and, in the region whose role the
 * policy's kms.<role> names by alias, the RDS snapshot copies (RDS uses it through grants). Retained on
 * stack deletion: deleting it would make every copy encrypted with it unreadable.
 */
function serviceKey(ctx: Context): CfnResource {
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
          {
            Sid: 'AlertPublishersUseKeyForTopic',
            Effect: 'Allow',
            Principal: { Service: ['sns.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Resource: '*',
            Condition: { StringEquals: thisAccount() },
          },
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
    // Alarms and rules of this account may publish (the SNS guide: no SourceArn condition for EventBridge
    // publishing to an encrypted topic); nobody may publish without TLS.
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
              Sid: 'AlarmsAndRulesOfThisAccountPublish',
              Effect: 'Allow',
              Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
              Action: 'sns:Publish',
              Resource: ref(LOGICAL_ID.topic),
              Condition: { StringEquals: thisAccount() },
            },
          ],
        },
      },
    },
  };
}

/** The alias the policy names this region's key by (none for an ARN, a key id or an AWS-managed alias). */
function keyAlias(ctx: Context): Record<string, CfnResource> {
  const keyName = ctx.policy.kms[ctx.role];
  if (keyName?.startsWith('alias/') !== true || keyName.startsWith('alias/aws/')) return {};
  return { [LOGICAL_ID.keyAlias]: { Type: 'AWS::KMS::Alias', Properties: { AliasName: keyName, TargetKeyId: ref(LOGICAL_ID.key) } } };
}

function emailSubscriptions(ctx: Context): Record<string, CfnResource> {
  return Object.fromEntries(
    ctx.policy.alerts.emails.map((email, index) => [
      `AlertsEmailSubscription${index + 1}`,
      { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: email, TopicArn: ref(LOGICAL_ID.topic) } },
    ]),
  );
}

/** What every function may do: publish alerts to the encrypted topic. */
export function alertStatements(): Statement[] {
  return [
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: [ref(LOGICAL_ID.topic)] },
    { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt(LOGICAL_ID.key)] },
  ];
}

export const alerts: Contribution = {
  component: 'platform',
  name: 'platform/alerts',
  resources: (ctx) => ({
    Resources: { [LOGICAL_ID.key]: serviceKey(ctx), ...keyAlias(ctx), ...alertsTopic(ctx), ...emailSubscriptions(ctx) },
    Outputs: {
      AlertsTopicArn: { Description: 'The alerts topic (subscribe Slack/e-mail/chat here)', Value: ref(LOGICAL_ID.topic) },
      ServiceKeyArn: { Description: "The service's KMS key (alerts topic, RDS snapshot copies in this region)", Value: getAtt(LOGICAL_ID.key) },
      RegionRole: { Description: 'The role of this region in backup-policy.yml', Value: ctx.role },
    },
  }),
};
