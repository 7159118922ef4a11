// The Slack notifier in a packaged template (`osls package` offline, a policy with alerts.slack): the
// function with its own role, the only role of the stack that may read the webhook secret; subscribed to
// the alerts topic, which alone may invoke it; its failed async invocations sent to the async-failures
// queue; its Errors alarm and the queue's alarm to the topic. Called from tests/infra/template.test.ts,
// whose beforeAll packages the policy below one after the other with its other packagings (two osls runs
// at once in one service directory would clobber each other's .serverless/ and .esbuild/).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SERVICE_DIR, type Template } from '../../deploy/bundles.js';

export const SLACK_WEBHOOK_SECRET = 'backup-dr/slack-webhook';

/** Writes the repository's policy with alerts.slack into `dir`; returns the file (for BACKUP_DR_POLICY). */
export function writeSlackPolicy(dir: string): string {
  const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Record<string, any>;
  doc.alerts = { ...(doc.alerts ?? {}), slack: { webhookSecret: SLACK_WEBHOOK_SECRET, foldWindow: '30min' } };
  const file = join(dir, 'policy-with-slack.yml');
  writeFileSync(file, stringifyYaml(doc));
  return file;
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

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
      expect(template().Resources['SlackNotifierDeliveryQueueAlarm']?.Properties).toMatchObject({ AlarmActions: [{ Ref: 'AlertsTopic' }] });
      const permissions = Object.values(template().Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties?.['FunctionName']).includes('NotifyDashslack'));
      expect(permissions.map((p) => p.Properties)).toEqual([
        { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': ['NotifyDashslackLambdaFunction', 'Arn'] }, Principal: 'sns.amazonaws.com', SourceArn: { Ref: 'AlertsTopic' }, SourceAccount: { Ref: 'AWS::AccountId' } },
      ]);
    });

    it("gives the webhook secret to the notifier's role alone", () => {
      const arn = `arn:aws:secretsmanager:${region}:123456789012:secret:${SLACK_WEBHOOK_SECRET}-AbC123`;
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
      expect(template().Resources['NotifySlackErrorsAlarm']?.Properties).toMatchObject({ AlarmName: `backup-dr-${stage}-platform-notify-slack-errors-${region}`, AlarmActions: [{ Ref: 'AlertsTopic' }] });
      expect(template().Resources['AsyncFailureQueueAlarm']?.Properties).toMatchObject({ AlarmActions: [{ Ref: 'AlertsTopic' }] });
    });
  });
}
