// The Slack notifier in a packaged template (`osls package` offline, a policy with alerts.slack, level
// channels and the delayed escalation): the function with its own role, the only role of the stack that
// may read the webhook secrets; subscribed to the alerts topic and the unresolved topic, which alone may
// invoke it; its failed async invocations sent to the async-failures queue; its Errors alarm and the
// queue's alarm to the topic. And the delayed escalation as packaged: the state machine's definition
// pointing at this region's two steps and waiting the policy's 2 h, the rule starting it, the unresolved
// topic closed to every role but escalate-unresolved's (which exists under the name the policy names). Called from tests/infra/template.test.ts,
// whose beforeAll packages the policy below one after the other with its other packagings (two osls runs
// at once in one service directory would clobber each other's .serverless/ and .esbuild/).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SERVICE_DIR, type Template } from '../../deploy/bundles.js';
import { functionRoleLogicalId } from '../../deploy/core/cloudformation.js';

export const SLACK_WEBHOOK_SECRET = 'backup-dr/slack-webhook';
/** The Slack channels of escalation levels 1 and 3 (management: where unresolved alarms escalate). */
export const LEVEL_WEBHOOK_SECRETS = ['backup-dr/slack-oncall', 'backup-dr/slack-management'] as const;

/**
 * Writes the repository's policy with alerts.slack, and escalation levels with channels of their own and
 * the delayed escalation to level 3 after 2 h, into `dir`; returns the file (for BACKUP_DR_POLICY).
 */
export function writeSlackPolicy(dir: string): string {
  const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Record<string, any>;
  doc.alerts = {
    ...(doc.alerts ?? {}),
    slack: { webhookSecret: SLACK_WEBHOOK_SECRET, foldWindow: '30min' },
    escalation: {
      levels: [
        { name: 'on-call', emails: ['oncall@example.com'], slack: { webhookSecret: LEVEL_WEBHOOK_SECRETS[0] } },
        { name: 'team lead', emails: ['lead@example.com'] },
        { name: 'management', emails: ['cto@example.com'], sms: ['+819012345678'], slack: { webhookSecret: LEVEL_WEBHOOK_SECRETS[1] } },
      ],
      unresolved: { after: '2h', levels: [3] },
    },
  };
  const file = join(dir, 'policy-with-slack.yml');
  writeFileSync(file, stringifyYaml(doc));
  return file;
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Where every alarm goes with this policy: the alerts topic, and the escalation alarms topic (critical reaches levels 1 and 2). */
const ALARM_ACTIONS = [{ Ref: 'AlertsTopic' }, { Ref: 'EscalationAlarmsTopic' }];

/** Whether an IAM resource (a literal or an Fn::Sub text, wildcards and all) covers `arn`. */
function covers(resource: unknown, arn: string): boolean {
  const text = typeof resource === 'string' ? resource : ((resource as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'] ?? '');
  if (typeof text !== 'string') return false;
  const concrete = text.replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', '123456789012').replaceAll('${AWS::Region}', arn.split(':')[3] ?? '');
  const pattern = concrete.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(arn);
}

/** The assertions on `template()`, packaged for `region` at stage `stage` with writeSlackPolicy's policy. */
export function describeSlackPackaging(template: () => Template, region: string, stage: string): void {
  describe(`the packaged template of ${region} with alerts.slack`, () => {
    it('deploys the notifier, subscribed to the alerts topic, which alone may invoke it', () => {
      const fn = template().Resources['NotifyDashslackLambdaFunction'];
      expect(fn?.Type).toBe('AWS::Lambda::Function');
      expect(fn?.Properties).toMatchObject({ FunctionName: `backup-dr-${stage}-notify-slack`, Handler: 'functions/platform/notify-slack/handler.handler', Timeout: 90 });
      expect(template().Resources['SlackNotifierSubscription']?.Properties).toEqual({
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': ['NotifyDashslackLambdaFunction', 'Arn'] },
        TopicArn: { Ref: 'AlertsTopic' },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['SlackNotifierDeliveryQueue', 'Arn'] } },
      });
      expect(template().Resources['SlackNotifierDeliveryQueueAlarm']?.Properties).toMatchObject({ AlarmActions: ALARM_ACTIONS });
      const permissions = Object.values(template().Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties?.['FunctionName']).includes('NotifyDashslack'));
      expect(permissions.map((p) => p.Properties)).toEqual(
        ['AlertsTopic', 'EscalationUnresolvedTopic'].map((topic) => ({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': ['NotifyDashslackLambdaFunction', 'Arn'] }, Principal: 'sns.amazonaws.com', SourceArn: { Ref: topic }, SourceAccount: { Ref: 'AWS::AccountId' } })),
      );
      expect(template().Resources['SlackNotifierUnresolvedSubscription']?.Properties).toMatchObject({ Protocol: 'lambda', TopicArn: { Ref: 'EscalationUnresolvedTopic' } });
    });

    it.each([SLACK_WEBHOOK_SECRET, ...LEVEL_WEBHOOK_SECRETS])("gives the webhook secret %s to the notifier's role alone", (secret) => {
      const arn = `arn:aws:secretsmanager:${region}:123456789012:secret:${secret}-AbC123`;
      const readers = Object.entries(template().Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role' || r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
        .filter(([, r]) => {
          const documents = [
            ...((r.Properties?.['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).map((p) => p.PolicyDocument),
            ...(r.Properties?.['PolicyDocument'] === undefined ? [] : [r.Properties['PolicyDocument'] as { Statement: Statement[] }]),
          ];
          return documents.some((d) => d.Statement.some((s) => s.Effect === 'Allow' && actions(s).some((a) => ['secretsmanager:GetSecretValue', 'secretsmanager:*', '*'].includes(a)) && resources(s).some((res) => covers(res, arn))));
        })
        .map(([id]) => id);
      expect(readers).toEqual(['NotifyDashslackIamRoleLambdaExecution']);
      expect(template().Resources['NotifyDashslackLambdaFunction']?.Properties?.['Role']).toEqual({ 'Fn::GetAtt': ['NotifyDashslackIamRoleLambdaExecution', 'Arn'] });
    });

    it("sends an invocation that still fails after its retry to the async-failures queue, which alarms to the topic like the notifier's errors", () => {
      const config = Object.values(template().Resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && JSON.stringify(r.Properties?.['FunctionName']).includes('NotifyDashslack'));
      expect(config?.Properties).toMatchObject({ MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } } } });
      expect(template().Resources['NotifySlackErrorsAlarm']?.Properties).toMatchObject({ AlarmName: `backup-dr-${stage}-platform-notify-slack-errors-${region}`, AlarmActions: ALARM_ACTIONS });
      expect(template().Resources['AsyncFailureQueueAlarm']?.Properties).toMatchObject({ AlarmActions: ALARM_ACTIONS });
    });

    it("packages the escalate-unresolved state machine pointing at this region's two steps, waiting 2 h, started by the rule", () => {
      const machine = template().Resources['EscalateUnresolvedStateMachine']?.Properties as { DefinitionString: { 'Fn::Sub': [string, Record<string, unknown>] }; RoleArn: unknown };
      const [text, params] = machine.DefinitionString['Fn::Sub'];
      const definition = JSON.parse(text) as { TimeoutSeconds: number; States: Record<string, { Type: string; Resource?: string; Seconds?: number }> };
      expect(definition.States['Wait while unresolved']).toMatchObject({ Type: 'Wait', Seconds: 7200 });
      expect(definition.TimeoutSeconds).toBe(7200 + 3600);
      const invoked = ['Escalate', 'Notify'].map((state) => params[/^\$\{(\w+)\}$/.exec(String(definition.States[state]?.Resource))![1]!]);
      expect(invoked).toEqual([{ 'Fn::GetAtt': ['EscalateDashunresolvedLambdaFunction', 'Arn'] }, { 'Fn::GetAtt': ['EscalateDashunresolvedDashnotifyLambdaFunction', 'Arn'] }]);
      expect(machine.RoleArn).toEqual({ 'Fn::GetAtt': ['EscalateUnresolvedStateMachineRole', 'Arn'] });
      expect(template().Resources['EscalateUnresolvedRule']?.Properties).toMatchObject({ Targets: [{ Arn: { Ref: 'EscalateUnresolvedStateMachine' }, RoleArn: { 'Fn::GetAtt': ['StateMachineEventsRole', 'Arn'] } }] });
    });

    it("closes the unresolved topic to every role but escalate-unresolved's own, which packaging creates under that name", () => {
      const role = functionRoleLogicalId('escalate-unresolved');
      expect(template().Resources[role]?.Type).toBe('AWS::IAM::Role');
      expect(template().Resources['EscalateDashunresolvedLambdaFunction']?.Properties?.['Role']).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
      const statements = (template().Resources['EscalationUnresolvedTopicPolicy']?.Properties?.['PolicyDocument'] as { Statement: { Sid: string; Condition: unknown }[] }).Statement;
      expect(statements.find((st) => st.Sid === 'OnlyEscalateUnresolvedPublishes')?.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [role, 'Arn'] } } });
      const subscribed = Object.values(template().Resources).filter((r) => r.Type === 'AWS::SNS::Subscription' && JSON.stringify(r.Properties?.['TopicArn']) === '{"Ref":"EscalationUnresolvedTopic"}');
      expect(subscribed.map((r) => r.Properties?.['Endpoint'])).toEqual(expect.arrayContaining(['cto@example.com', '+819012345678']));
    });
  });
}
