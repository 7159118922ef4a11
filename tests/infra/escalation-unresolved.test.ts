// The delayed escalation (alerts.escalation.unresolved) as each region that runs functions deploys it:
// the policy's fields checked naming the field; an EventBridge rule on every ALARM of the stack's alarms
// (by their name's prefix) starting the escalate-unresolved state machine through a role that may start
// only it, retried, then dead-lettered in the rule DLQ; the machine waiting the policy's duration and
// invoking exactly its two steps; the unresolved topic — encrypted, TLS only, published to by
// escalate-unresolved's role alone — subscribed to by the unresolved levels' e-mail and SMS endpoints and
// by the Slack notifier; escalate-unresolved's least privilege; the notifier reading every level's webhook
// secret, and deployed with level channels alone. Nothing of it without `unresolved`, nor in the archive.

import { describe, expect, it } from 'vitest';
import { functionRoleLogicalId, lambdaLogicalId, LOGICAL_ID } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { ESCALATION_RULE } from '../../deploy/components/platform/escalation.js';
import { STATE_MACHINE_EVENTS_ROLE } from '../../deploy/platform/state-machines.js';
import { REPORT_PREFIX } from '../../shared/contracts.js';
import { deployIn, policyWith, propsOf, resourcesOfType, roleStatementsOf, statementsOf, type Doc } from './deployments.js';

const LEVELS = [
  { name: 'on-call', emails: ['oncall@example.com'], sms: ['+819012345678'], slack: { webhookSecret: 'backup-dr/slack-oncall' } },
  { name: 'team lead', emails: ['lead@example.com'] },
  { name: 'management', emails: ['cto@example.com', 'coo@example.com'], sms: ['+819087654321'], slack: { webhookSecret: 'backup-dr/slack-management' } },
  { name: 'executive', emails: ['ceo@example.com'] },
];
const escalate = (escalation: Doc, slack = true) =>
  policyWith((doc) => {
    doc.alerts = { ...(doc.alerts ?? {}), ...(slack ? { slack: { webhookSecret: 'backup-dr/slack-webhook' } } : {}), escalation };
  });
const policy = escalate({ levels: LEVELS, unresolved: { after: '90min', levels: [3] } });
const MACHINE = 'EscalateUnresolvedStateMachine';
const TOPIC = LOGICAL_ID.unresolvedTopic;
const ESCALATOR = 'escalate-unresolved';

describe('the policy', () => {
  it('defaults unresolved.after to 1 h and keeps the levels given', () => {
    expect(escalate({ levels: LEVELS, unresolved: { levels: [3, 4] } }).alerts.escalation?.unresolved).toEqual({ after: 3_600_000, levels: [3, 4] });
    expect(policy.alerts.escalation?.levels[0]?.slack).toEqual({ webhookSecret: 'backup-dr/slack-oncall' });
  });

  it.each([
    [{ levels: LEVELS.slice(0, 2), unresolved: { levels: [3] } }, /alerts\.escalation\.unresolved\.levels\[0\]: level 3 is not among the 2 levels/],
    [{ levels: LEVELS, unresolved: { levels: [] } }, /alerts\.escalation\.unresolved\.levels: name at least one level to escalate to/],
    [{ levels: LEVELS, unresolved: { after: '4min', levels: [3] } }, /alerts\.escalation\.unresolved\.after: must be between 5min and 7d/],
    [{ levels: LEVELS, unresolved: { after: '8d', levels: [3] } }, /alerts\.escalation\.unresolved\.after: must be between 5min and 7d/],
    [{ levels: LEVELS, unresolved: { after: 'soon', levels: [3] } }, /alerts\.escalation\.unresolved\.after: "soon" is not a recovery objective/],
    [{ levels: LEVELS, unresolved: { levels: [3], channel: '#mgmt' } }, /alerts\.escalation\.unresolved: unknown key "channel"/],
    [{ levels: [{ name: 'on-call', slack: {} }], severities: { critical: [1], warning: [1] } }, /alerts\.escalation\.levels\[0\]\.slack\.webhookSecret/],
  ])('refuses %j naming the field', (escalation, message) => {
    expect(() => escalate(escalation)).toThrow(message);
  });
});

describe.each(['primary', 'secondary'] as const)('in the %s region', (role) => {
  const region = policy.regions[role];
  const d = deployIn(policy, region);

  it('starts the escalate-unresolved state machine on every ALARM of the stack\'s alarms, through a role that may start only it, retried then dead-lettered', () => {
    expect(propsOf(d, ESCALATION_RULE)).toEqual({
      Description: 'backup-dr test: an alarm of the stack went to ALARM; escalate it if it is still unresolved later',
      State: 'ENABLED',
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: [{ prefix: 'backup-dr-test-' }], state: { value: ['ALARM'] } } },
      Targets: [
        {
          Id: 'state-machine',
          Arn: { Ref: MACHINE },
          RoleArn: { 'Fn::GetAtt': [STATE_MACHINE_EVENTS_ROLE, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [LOGICAL_ID.ruleDeadLetterQueue, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        },
      ],
    });
    expect(propsOf(d, STATE_MACHINE_EVENTS_ROLE)['AssumeRolePolicyDocument'].Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(roleStatementsOf(d, STATE_MACHINE_EVENTS_ROLE)).toEqual([{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: MACHINE }] }]);
    // The rule may dead-letter into the rule DLQ (its policy names it as a sender).
    const senders = propsOf(d, 'RuleDeadLetterQueuePolicy')['PolicyDocument'].Statement.find((s: { Sid: string }) => s.Sid === 'EventBridgeRulesOfThisStackSend').Condition.ArnEquals['aws:SourceArn'];
    expect(senders).toContainEqual({ 'Fn::GetAtt': [ESCALATION_RULE, 'Arn'] });
  });

  it('every alarm of the stack has a name the rule matches', () => {
    const names = resourcesOfType(d, 'AWS::CloudWatch::Alarm').map(([, alarm]) => String(alarm.Properties['AlarmName']));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(name.startsWith('backup-dr-test-'), name).toBe(true);
  });

  it('waits the policy duration, invokes exactly its two steps, logs and alarms like every state machine', () => {
    const machine = d.stateMachines['escalate-unresolved']!;
    expect(machine).toMatchObject({ id: MACHINE, name: 'backup-dr-test-escalate-unresolved', events: [] });
    const states = machine.definition['States'] as Record<string, Record<string, unknown>>;
    expect(states['Wait while unresolved']).toMatchObject({ Type: 'Wait', Seconds: 5400 });
    expect(machine.definition['TimeoutSeconds']).toBe(5400 + 3600);
    expect(d.stateMachineSteps['escalate-unresolved']).toEqual(['escalate-unresolved', 'escalate-unresolved-notify']);
    expect(roleStatementsOf(d, `${MACHINE}Role`)[0]).toEqual({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [{ 'Fn::GetAtt': [lambdaLogicalId(ESCALATOR), 'Arn'] }, { 'Fn::GetAtt': [lambdaLogicalId('escalate-unresolved-notify'), 'Arn'] }],
    });
    expect(propsOf(d, `${MACHINE}ExecutionsAlarm`)).toMatchObject({ AlarmName: `backup-dr-test-platform-escalate-unresolved-executions-failed-${region}`, AlarmActions: expect.arrayContaining([{ Ref: LOGICAL_ID.topic }]) });
    expect(JSON.stringify(propsOf(d, LOGICAL_ID.executionFailedRule)['EventPattern'])).toContain(MACHINE);
  });

  it('has an encrypted unresolved topic, TLS only, that no principal but escalate-unresolved\'s role may publish to', () => {
    expect(propsOf(d, TOPIC)).toEqual({ TopicName: 'backup-dr-escalation-unresolved-test', DisplayName: `backup-dr alarms still unresolved (test, ${region})`, KmsMasterKeyId: { Ref: LOGICAL_ID.key } });
    expect(propsOf(d, `${TOPIC}Policy`)['PolicyDocument'].Statement).toEqual([
      { Sid: 'DenyPublishWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: TOPIC }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'OnlyEscalateUnresolvedPublishes', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: TOPIC }, Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [functionRoleLogicalId(ESCALATOR), 'Arn'] } } } },
    ]);
    // No other function's (nor role's) statement names the topic.
    const publishers = Object.entries(d.functions).filter(([, fn]) => fn.iamRoleStatements.some((s) => s.Action.includes('sns:Publish') && JSON.stringify(s.Resource).includes(TOPIC)));
    expect(publishers.map(([name]) => name)).toEqual([ESCALATOR]);
    expect(resourcesOfType(d, 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties).includes(`"Ref":"${TOPIC}"`))).toEqual([]);
  });

  it('subscribes the unresolved levels\' e-mail and SMS endpoints (unfiltered) and the Slack notifier to it', () => {
    const subscriptions = Object.fromEntries(resourcesOfType(d, 'AWS::SNS::Subscription').filter(([, s]) => JSON.stringify(s.Properties['TopicArn']) === JSON.stringify({ Ref: TOPIC })));
    expect(subscriptions).toEqual({
      EscalationUnresolvedLevel3Email1: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: 'cto@example.com', TopicArn: { Ref: TOPIC } } },
      EscalationUnresolvedLevel3Email2: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', Endpoint: 'coo@example.com', TopicArn: { Ref: TOPIC } } },
      EscalationUnresolvedLevel3Sms1: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'sms', Endpoint: '+819087654321', TopicArn: { Ref: TOPIC } } },
      SlackNotifierUnresolvedSubscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [lambdaLogicalId('notify-slack'), 'Arn'] }, TopicArn: { Ref: TOPIC }, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['SlackNotifierDeliveryQueue', 'Arn'] } } },
      },
    });
    expect(propsOf(d, 'SlackNotifierUnresolvedInvokePermission')).toEqual({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [lambdaLogicalId('notify-slack'), 'Arn'] }, Principal: 'sns.amazonaws.com', SourceArn: { Ref: TOPIC }, SourceAccount: { Ref: 'AWS::AccountId' } });
    const sends = propsOf(d, 'SlackNotifierDeliveryQueuePolicy')['PolicyDocument'].Statement[1];
    expect(sends.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': [{ Ref: LOGICAL_ID.topic }, { Ref: TOPIC }] } });
    // Level 3 is not reached at once: no alerts-topic subscription of its own (severities default to 1 and 2).
    expect(resourcesOfType(d, 'AWS::SNS::Subscription').filter(([id]) => id.startsWith('EscalationLevel3'))).toEqual([]);
  });

  it('gives escalate-unresolved only what it does: DescribeAlarms on the stack\'s alarms, Publish on the unresolved topic, its records under escalations/', () => {
    expect(d.functions[ESCALATOR]).toMatchObject({ handler: 'functions/platform/escalate-unresolved/handler.handler', timeout: 60, events: [], environment: { UNRESOLVED_TOPIC_ARN: { Ref: TOPIC } } });
    expect(d.functions[ESCALATOR]?.maximumRetryAttempts).toBeUndefined();
    expect(statementsOf(d, ESCALATOR)).toEqual([
      { Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:${region}:\${AWS::AccountId}:alarm:backup-dr-test-*` }] },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: TOPIC }] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${${LOGICAL_ID.reportsBucket}}/${REPORT_PREFIX.escalations}*` }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::GetAtt': [LOGICAL_ID.reportsBucket, 'Arn'] }] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [{ 'Fn::GetAtt': [LOGICAL_ID.key, 'Arn'] }], Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } },
      // What every function may do: alert.
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: LOGICAL_ID.topic }] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [{ 'Fn::GetAtt': [LOGICAL_ID.key, 'Arn'] }] },
    ]);
    // Its notify step publishes to the alerts topic, as every function may, and nothing else.
    expect(statementsOf(d, 'escalate-unresolved-notify')).toEqual(statementsOf(d, ESCALATOR).slice(-2));
    // Nobody else may describe alarms.
    expect(Object.entries(d.functions).filter(([, fn]) => fn.iamRoleStatements.some((s) => s.Action.includes('cloudwatch:DescribeAlarms'))).map(([name]) => name)).toEqual([ESCALATOR]);
  });

  it('keeps its records a month under escalations/ of the reports bucket', () => {
    const rules = propsOf(d, LOGICAL_ID.reportsBucket)['LifecycleConfiguration'].Rules as Record<string, unknown>[];
    expect(rules.find((r) => r['Prefix'] === REPORT_PREFIX.escalations)).toEqual({
      Id: 'escalation-records-30-days',
      Status: 'Enabled',
      Prefix: REPORT_PREFIX.escalations,
      ExpirationInDays: 30,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    });
  });

  it("lets the Slack notifier — and no one else — read every level's webhook secret, in this region", () => {
    const secrets = statementsOf(d, 'notify-slack').filter((s) => s.Action.includes('secretsmanager:GetSecretValue'));
    expect(secrets).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: ['backup-dr/slack-webhook', 'backup-dr/slack-oncall', 'backup-dr/slack-management'].map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:${name}-??????` })),
      },
    ]);
    const levelReaders = Object.entries(d.functions).filter(([, fn]) => fn.iamRoleStatements.some((s) => s.Action.includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes('slack-management')));
    expect(levelReaders.map(([name]) => name)).toEqual(['notify-slack']);
  });
});

describe('without alerts.slack, with level channels', () => {
  const levelsOnly = escalate({ levels: LEVELS, unresolved: { levels: [3] } }, false);
  it('deploys the notifier anyway, reading the levels\' secrets only, subscribed to both topics', () => {
    const d = deployIn(levelsOnly);
    expect(d.functions['notify-slack']).toBeDefined();
    expect(statementsOf(d, 'notify-slack').find((s) => s.Action.includes('secretsmanager:GetSecretValue'))?.Resource).toHaveLength(2);
    expect(d.resources.Resources['SlackNotifierSubscription']).toBeDefined();
    expect(d.resources.Resources['SlackNotifierUnresolvedSubscription']).toBeDefined();
  });

  it('and without any channel, deploys no notifier', () => {
    const d = deployIn(escalate({ levels: LEVELS.map(({ slack: _slack, ...level }) => level), unresolved: { levels: [3] } }, false));
    expect(d.functions['notify-slack']).toBeUndefined();
    expect(Object.keys(d.resources.Resources).filter((id) => id.startsWith('SlackNotifier'))).toEqual([]);
  });
});

describe('nothing of it', () => {
  it.each([
    ['without alerts.escalation.unresolved', (): Deployment => deployIn(escalate({ levels: LEVELS }))],
    ['in the archive region', (): Deployment => deployIn(policy, policy.regions.archive)],
  ])('%s', (_when, deployment) => {
    const d = deployment();
    expect(d.functions[ESCALATOR]).toBeUndefined();
    expect(d.stateMachines['escalate-unresolved']).toBeUndefined();
    for (const id of [ESCALATION_RULE, STATE_MACHINE_EVENTS_ROLE, TOPIC, `${TOPIC}Policy`, 'SlackNotifierUnresolvedSubscription']) expect(d.resources.Resources[id], id).toBeUndefined();
  });

  it('a level the escalation names without any endpoint is warned about at packaging', () => {
    const silent = escalate({ levels: [...LEVELS.slice(0, 2), { name: 'management' }], unresolved: { levels: [3] } });
    expect(deployIn(silent).warnings.filter((w) => w.includes('unresolved'))).toEqual([
      'alerts.escalation.unresolved.levels names level 3 (management), which has no e-mail, SMS or Slack channel: an escalation reaches nobody there',
    ]);
  });
});
