// Template assertions for the Slack notifier, in both regions that run functions: deployed only with
// alerts.slack; subscribed to its region's alerts topic, invocable by that topic alone; the webhook's
// secret readable by the notifier and by no other function or role of the stack; its fold state only
// under slack-folds/ of the reports bucket (kept there by a lifecycle rule); its failures retried, then
// recorded in the async-failures queue, whose alarm — like the notifier's Errors alarm — goes to the topic.

import { describe, expect, it } from 'vitest';
import { lambdaLogicalId, LOGICAL_ID, type Statement } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { REPORT_PREFIX } from '../../shared/contracts.js';
import { deployIn, policyWith, propsOf, resourcesOfType } from '../infra/deployments.js';

const SECRET = 'backup-dr/slack-webhook';
const withSlack = policyWith((doc) => {
  doc.alerts = { ...(doc.alerts ?? {}), slack: { webhookSecret: SECRET } };
});
const NOTIFIER = lambdaLogicalId('notify-slack');

/** Every IAM statement of the stack: each function's, and each role's in the resources. */
function everyStatement(d: Deployment): { owner: string; statement: Statement }[] {
  const ofFunctions = Object.entries(d.functions).flatMap(([name, fn]) => fn.iamRoleStatements.map((statement) => ({ owner: name, statement })));
  const ofRoles = resourcesOfType(d, 'AWS::IAM::Role').flatMap(([id, role]) =>
    ((role.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement.map((statement) => ({ owner: id, statement }))),
  );
  return [...ofFunctions, ...ofRoles];
}

/** Whether an IAM resource (a literal or an Fn::Sub text, wildcards and all) covers `arn`. */
function covers(resource: unknown, arn: string): boolean {
  const text = typeof resource === 'string' ? resource : ((resource as { 'Fn::Sub'?: unknown })['Fn::Sub'] ?? '');
  if (typeof text !== 'string') return false;
  const concrete = text.replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', '123456789012').replaceAll('${AWS::Region}', arn.split(':')[3] ?? '');
  const pattern = concrete.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(arn);
}
const grants = (statement: Statement, action: string) => statement.Action.some((a) => a === action || a === '*' || a === 'secretsmanager:*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));

describe.each(['primary', 'secondary'] as const)('the Slack notifier in the %s region', (role) => {
  const region = withSlack.regions[role];
  const d = deployIn(withSlack, region);

  it('is deployed, asynchronous, with its failures recorded in the async-failures queue', () => {
    const fn = d.functions['notify-slack'];
    expect(fn).toMatchObject({ handler: 'functions/platform/notify-slack/handler.handler', timeout: 90, maximumRetryAttempts: 1, events: [] });
    expect(fn?.destinations).toEqual({ onFailure: { arn: { 'Fn::GetAtt': [LOGICAL_ID.asyncFailureQueue, 'Arn'] }, type: 'sqs' } });
    expect(d.resources.Resources[LOGICAL_ID.asyncFailureQueue]?.Type).toBe('AWS::SQS::Queue');
  });

  it('is subscribed to the alerts topic, which alone may invoke it', () => {
    expect(propsOf(d, 'SlackNotifierSubscription')).toEqual({
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [NOTIFIER, 'Arn'] },
      TopicArn: { Ref: LOGICAL_ID.topic },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['SlackNotifierDeliveryQueue', 'Arn'] } },
    });
    expect(propsOf(d, 'SlackNotifierInvokePermission')).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [NOTIFIER, 'Arn'] },
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: LOGICAL_ID.topic },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('reads the webhook secret in its own region; no other function or role of the stack can but the daily checklist (primary), which posts to it', () => {
    // The secret as Secrets Manager names it: its name and six random characters.
    const arn = `arn:aws:secretsmanager:${region}:123456789012:secret:${SECRET}-AbC123`;
    const readers = everyStatement(d).filter(({ statement }) => grants(statement, 'secretsmanager:GetSecretValue') && statement.Resource.some((r) => covers(r, arn)));
    expect(readers.map((r) => r.owner)).toEqual(role === 'primary' ? ['notify-slack', 'daily-checklist'] : ['notify-slack']);
    // Another function reading secrets (the configuration backup) does, but not this one.
    const otherSecretReaders = everyStatement(d).filter(({ owner, statement }) => owner !== 'notify-slack' && owner !== 'daily-checklist' && grants(statement, 'secretsmanager:GetSecretValue'));
    expect(otherSecretReaders.every(({ statement }) => !statement.Resource.some((r) => covers(r, arn)))).toBe(true);
    for (const reader of readers) expect(reader.statement.Resource).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:${SECRET}-??????` }]);
    // Nor does anything else of the notifier name secrets.
    const own = d.functions['notify-slack']!.iamRoleStatements.filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
    expect(own).toHaveLength(1);
    expect(own[0]?.Action).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('reads and writes its fold state only under slack-folds/ of the reports bucket, whose replaced versions go after a day', () => {
    const s3 = d.functions['notify-slack']!.iamRoleStatements.filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(s3.map((s) => s.Action)).toEqual([['s3:GetObject', 's3:PutObject'], ['s3:ListBucket']]);
    expect(s3[0]?.Resource).toEqual([{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${${LOGICAL_ID.reportsBucket}}/${REPORT_PREFIX.slackFolds}*` }]);
    const rules = propsOf(d, LOGICAL_ID.reportsBucket)['LifecycleConfiguration'].Rules as Record<string, unknown>[];
    expect(rules.find((r) => r['Prefix'] === REPORT_PREFIX.slackFolds)).toEqual({
      Id: 'slack-fold-state-old-versions',
      Status: 'Enabled',
      Prefix: REPORT_PREFIX.slackFolds,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    });
  });

  it('dead-letters what SNS cannot hand to it in an encrypted queue only that topic may send to, which alarms', () => {
    expect(propsOf(d, 'SlackNotifierDeliveryQueue')).toEqual({ QueueName: 'backup-dr-test-slack-delivery-dlq', KmsMasterKeyId: { Ref: LOGICAL_ID.key }, MessageRetentionPeriod: 1_209_600 });
    const statements = propsOf(d, 'SlackNotifierDeliveryQueuePolicy')['PolicyDocument'].Statement as Record<string, unknown>[];
    expect(statements.map((st) => st['Sid'])).toEqual(['DenyWithoutTls', 'AlertsTopicSends']);
    expect(statements[1]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { Ref: LOGICAL_ID.topic } } } });
    expect(propsOf(d, 'SlackNotifierDeliveryQueueAlarm')).toMatchObject({
      AlarmName: `backup-dr-test-platform-slack-delivery-dlq-${region}`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SlackNotifierDeliveryQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: LOGICAL_ID.topic }],
    });
    expect(propsOf(d, 'SlackNotifierDeliveryQueueAlarm')['AlarmDescription']).toContain('Runbook:');
  });

  it('has an Errors alarm, and the failure queue an alarm, both to the alerts topic', () => {
    const alarms = resourcesOfType(d, 'AWS::CloudWatch::Alarm');
    const errors = alarms.find(([id]) => id === 'NotifySlackErrorsAlarm')?.[1];
    expect(errors?.Properties).toMatchObject({ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: NOTIFIER } }], AlarmActions: [{ Ref: LOGICAL_ID.topic }] });
    const queue = alarms.find(([id]) => id === `${LOGICAL_ID.asyncFailureQueue}Alarm`)?.[1];
    expect(queue?.Properties).toMatchObject({ Namespace: 'AWS/SQS', AlarmActions: [{ Ref: LOGICAL_ID.topic }] });
  });
});

describe('without alerts.slack', () => {
  const policy = policyWith();
  it('nothing of the notifier is deployed', () => {
    for (const region of [policy.regions.primary, policy.regions.secondary]) {
      const d = deployIn(policy, region);
      expect(d.functions['notify-slack']).toBeUndefined();
      expect(d.resources.Resources['SlackNotifierSubscription']).toBeUndefined();
      expect(d.resources.Resources['SlackNotifierInvokePermission']).toBeUndefined();
      expect(Object.keys(d.resources.Resources).filter((id) => id.startsWith('SlackNotifier'))).toEqual([]);
    }
  });
});

describe('a webhook secret among the secrets of a backed-up configuration', () => {
  it("is caught by the readers check: the configuration's backup, restore test and restore could read it too", () => {
    const policy = policyWith((doc) => {
      doc.alerts = { ...(doc.alerts ?? {}), slack: { webhookSecret: 'app/slack-webhook' } };
      doc.resources.configuration = [{ ...(doc.resources.configuration?.[0] ?? { name: 'app-config', ssmParameterPaths: [] }), secrets: ['app/'] }];
    });
    const arn = `arn:aws:secretsmanager:${policy.regions.primary}:123456789012:secret:app/slack-webhook-AbC123`;
    const readers = everyStatement(deployIn(policy)).filter(({ statement }) => grants(statement, 'secretsmanager:GetSecretValue') && statement.Resource.some((r) => covers(r, arn)));
    expect(readers.map((r) => r.owner).sort()).toEqual(['back-up-configuration', 'config-restore-apply', 'config-restore-plan', 'daily-checklist', 'notify-slack', 'test-configuration-restore']);
  });

  it('is warned about at packaging', () => {
    const policy = policyWith((doc) => {
      doc.alerts = { ...(doc.alerts ?? {}), slack: { webhookSecret: 'app/slack-webhook' } };
      doc.resources.configuration = [{ ...(doc.resources.configuration?.[0] ?? { name: 'app-config', ssmParameterPaths: [] }), secrets: ['app/'] }];
    });
    expect(deployIn(policy).warnings.filter((w) => w.includes('webhookSecret'))).toEqual([
      `alerts.slack.webhookSecret app/slack-webhook is also among the secrets of configuration ${policy.resources.configuration[0]!.name}: the functions that back it up, test and restore it read the webhook URL too; keep the webhook's secret outside the backed-up paths`,
    ]);
  });

  it('an unknown key or a fold window out of range in alerts.slack is refused naming the field', () => {
    expect(() => policyWith((doc) => (doc.alerts = { slack: { webhookSecret: SECRET, foldWindow: '2d' } }))).toThrow(/alerts\.slack\.foldWindow/);
    expect(() => policyWith((doc) => (doc.alerts = { slack: { webhookSecret: SECRET, channel: '#ops' } }))).toThrow(/alerts\.slack/);
    expect(() => policyWith((doc) => (doc.alerts = { slack: {} }))).toThrow(/alerts\.slack\.webhookSecret/);
  });
});
