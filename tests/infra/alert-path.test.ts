// The alert path in a real account (issue 8): EventBridge can publish to the KMS-encrypted alerts topic
// (no aws:SourceAccount/aws:SourceArn in the key policy for events.amazonaws.com — the SNS guide), CloudWatch
// alarms can too (conditions supported there), and no trigger fails silently: every EventBridge rule
// target and every Scheduler schedule has a retry policy and an encrypted dead-letter queue that the
// service sending to it may use.
import { describe, expect, it } from 'vitest';
import { eventBridgeRuleLogicalId } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { deployIn, policyWith, propsOf, roleStatementsOf, withAction } from './deployments.js';

const policy = policyWith();
const primary = deployIn(policy);
const secondary = deployIn(policy, policy.regions.secondary);
const BOTH = [
  ['primary', primary],
  ['secondary', secondary],
] as const;

const keyStatements = (d: Deployment) => propsOf(d, 'ServiceKey').KeyPolicy.Statement as Record<string, any>[];
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('the service key lets the alert publishers use it as their guides say', () => {
  it.each(BOTH)('%s: EventBridge may use the key without aws:SourceAccount/aws:SourceArn conditions (not supported for encrypted topics)', (_role, d) => {
    const forEvents = keyStatements(d).filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'));
    expect(forEvents).toEqual([
      {
        Sid: 'EventBridgeUsesKeyForTopicAndQueues',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
      },
    ]);
  });

  it.each(BOTH)('%s: CloudWatch may use the key only for alarms of this account and region', (_role, d) => {
    const forAlarms = keyStatements(d).filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(forAlarms).toEqual([
      {
        Sid: 'AlarmsUseKeyForTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*' } },
        },
      },
    ]);
  });

  it.each(BOTH)('%s: the topic policy lets alarms of this account and EventBridge rules publish (no Condition for EventBridge)', (_role, d) => {
    const statements = propsOf(d, 'AlertsTopicPolicy').PolicyDocument.Statement as Record<string, any>[];
    expect(statements.find((s) => s.Sid === 'AlarmsOfThisAccountPublish')).toEqual({
      Sid: 'AlarmsOfThisAccountPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: 'AlertsTopic' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*' } },
      },
    });
    expect(statements.find((s) => s.Sid === 'EventBridgeRulesPublish')).toEqual({
      Sid: 'EventBridgeRulesPublish',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: 'AlertsTopic' },
    });
  });
});

describe('every EventBridge rule target has a retry policy and a dead-letter queue', () => {
  it.each(BOTH)('%s: the execution-failed rule retries for a day, then dead-letters', (_role, d) => {
    const [target, ...others] = propsOf(d, 'StateMachineExecutionFailedRule').Targets as Record<string, any>[];
    expect(others).toEqual([]);
    expect(target!.DeadLetterConfig).toEqual({ Arn: getAtt('RuleDeadLetterQueue') });
    expect(target!.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 });
  });

  it.each(BOTH)("%s: the functions' RDS-event rules retry for an hour, then dead-letter", (_role, d) => {
    const events = Object.values(d.functions).flatMap((fn) => fn.events.flatMap((e) => ('eventBridge' in e ? [e.eventBridge] : [])));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.deadLetterQueueArn).toEqual(getAtt('RuleDeadLetterQueue'));
      expect(event.retryPolicy).toEqual({ maximumEventAge: 3600, maximumRetryAttempts: 10 });
    }
  });

  it.each(BOTH)('%s: the rule DLQ is encrypted with the service key and accepts messages only from EventBridge for exactly these rules', (_role, d) => {
    expect(d.resources.Resources.RuleDeadLetterQueue).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { KmsMasterKeyId: { Ref: 'ServiceKey' }, MessageRetentionPeriod: 1_209_600 },
    });
    const rules = [
      ...Object.entries(d.functions).flatMap(([name, fn]) => fn.events.flatMap((e, index) => ('eventBridge' in e ? [eventBridgeRuleLogicalId('test', name, index + 1)] : []))),
      'StateMachineExecutionFailedRule',
    ];
    const policyDoc = propsOf(d, 'RuleDeadLetterQueuePolicy');
    expect(policyDoc.Queues).toEqual([{ Ref: 'RuleDeadLetterQueue' }]);
    expect(policyDoc.PolicyDocument.Statement).toContainEqual({
      Sid: 'EventBridgeRulesOfThisStackSend',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: getAtt('RuleDeadLetterQueue'),
      Condition: { ArnEquals: { 'aws:SourceArn': rules.map(getAtt) } },
    });
    expect(policyDoc.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('names the rules the way osls does', () => {
    expect(eventBridgeRuleLogicalId('dev', 'copy-db-snapshots', 2)).toBe('Backupdrdevcopydbsnapshotsrule2EventBridgeRule');
  });
});

describe('every Scheduler schedule has a retry policy and a dead-letter queue', () => {
  it.each(BOTH)('%s: the schedule target settings osls and serverless-step-functions cannot express are given to the packaging plugin', (_role, d) => {
    expect(d.scheduleTarget).toEqual({
      DeadLetterConfig: { Arn: getAtt('ScheduleDeadLetterQueue') },
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
    });
    expect(d.resources.Resources.ScheduleDeadLetterQueue).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { Ref: 'ServiceKey' } } });
  });

  it.each(BOTH)('%s: the roles the schedules assume may send to the DLQ and use the key for it, only through SQS', (_role, d) => {
    for (const roleId of ['SchedulerInvokeRole', 'SchedulerStartExecutionRole']) {
      const statements = roleStatementsOf(d, roleId);
      expect(withAction(statements, 'sqs:SendMessage'), roleId).toEqual([{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('ScheduleDeadLetterQueue')] }]);
      expect(withAction(statements, 'kms:GenerateDataKey'), roleId).toEqual([
        {
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: [getAtt('ServiceKey')],
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } },
        },
      ]);
    }
  });
});
