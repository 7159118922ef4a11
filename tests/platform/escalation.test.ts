// Escalation (alerts.escalation): the policy's levels and severity map are validated naming the field;
// each level's e-mail and SMS endpoints are subscribed to the region's alerts topic with a filter policy
// on the `severity` attribute, in both regions that run functions and not in the archive region; the
// routing that follows from SNS's matching rule — a critical alert reaches levels 1 and 2, a warning
// level 1, info nobody of the levels, an attribute-less alarm message none through the filters — and every
// alarm of the stack also notifying the escalation alarms topic, which the levels critical reaches
// subscribe to unfiltered; the alert's SMS form is its one-line subject; and nothing of it grants any
// function a new permission.

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { LOGICAL_ID } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { ESCALATION_ALARMS_TOPIC, escalationFilterPolicy } from '../../deploy/platform/alerts.js';
import type { Alert } from '../../shared/alerts/alert.js';
import { snsAlertSink } from '../../shared/alerts/sns.js';
import { deployIn, policyWith, propsOf, resourcesOfType, type Resource } from '../infra/deployments.js';

const LEVELS = [
  { name: 'on-call', emails: ['oncall@example.com'], sms: ['+819012345678'] },
  { name: 'team lead', emails: ['lead@example.com'] },
  { name: 'management', emails: ['cto@example.com'] },
  { name: 'executive', emails: ['ceo@example.com'] },
];
const withEscalation = policyWith((doc) => {
  doc.alerts = { ...(doc.alerts ?? {}), escalation: { levels: LEVELS } };
});

/** The escalation subscriptions of a deployment, by logical id. */
const escalationSubscriptions = (d: Deployment): [string, Resource][] => resourcesOfType(d, 'AWS::SNS::Subscription').filter(([id]) => id.startsWith('Escalation'));

/**
 * SNS's rule for a MessageAttributes filter policy, for the exact-string values used here: every key of
 * the policy must name an attribute of the message whose value is one of the key's values (a message
 * without attributes — a CloudWatch alarm's — matches no filter policy).
 */
function accepts(filterPolicy: Record<string, string[]>, attributes: Record<string, string>): boolean {
  return Object.entries(filterPolicy).every(([key, values]) => attributes[key] !== undefined && values.includes(attributes[key]));
}

/** Who of the levels receives a message published to the alerts topic with these attributes. */
function recipients(d: Deployment, attributes: Record<string, string>): string[] {
  return escalationSubscriptions(d)
    .filter(([, s]) => s.Properties['TopicArn']?.Ref === LOGICAL_ID.topic && accepts(s.Properties['FilterPolicy'] as Record<string, string[]>, attributes))
    .map(([, s]) => String(s.Properties['Endpoint']));
}

/** Who of the levels receives an alarm's message (its actions' topics, unfiltered subscriptions only). */
function alarmRecipients(d: Deployment, alarm: Resource): string[] {
  const topics = (alarm.Properties['AlarmActions'] as { Ref: string }[]).map((action) => action.Ref);
  return escalationSubscriptions(d)
    .filter(([, s]) => topics.includes(s.Properties['TopicArn']?.Ref as string) && s.Properties['FilterPolicy'] === undefined)
    .map(([, s]) => String(s.Properties['Endpoint']));
}

describe('the escalation policy', () => {
  it('defaults the severity map to critical → levels 1 and 2, warning → level 1, info → none', () => {
    expect(withEscalation.alerts.escalation).toEqual({
      levels: [
        { name: 'on-call', emails: ['oncall@example.com'], sms: ['+819012345678'] },
        { name: 'team lead', emails: ['lead@example.com'], sms: [] },
        { name: 'management', emails: ['cto@example.com'], sms: [] },
        { name: 'executive', emails: ['ceo@example.com'], sms: [] },
      ],
      severities: { critical: [1, 2], warning: [1], info: [] },
    });
    expect(policyWith().alerts.escalation).toBeUndefined();
  });

  it('rejects a level number beyond the levels, a bad SMS number, an e-mail that is none, and no levels, naming the field', () => {
    const escalate = (escalation: unknown) => () => policyWith((doc) => (doc.alerts = { escalation }));
    expect(escalate({ levels: LEVELS.slice(0, 2), severities: { critical: [1, 3] } })).toThrow(/alerts\.escalation\.severities\.critical\[1\]: level 3 is not among the 2 levels/s);
    expect(escalate({ levels: [{ name: 'on-call', sms: ['09012345678'] }] })).toThrow(/alerts\.escalation\.levels\[0\]\.sms\[0\]: must be an E\.164/);
    expect(escalate({ levels: [{ name: 'on-call', emails: ['not an address'] }] })).toThrow(/alerts\.escalation\.levels\[0\]\.emails\[0\]/);
    expect(escalate({ levels: [] })).toThrow(/alerts\.escalation\.levels/);
    expect(escalate({ levels: LEVELS, severities: { major: [1] } })).toThrow(/alerts\.escalation\.severities/);
    expect(escalate({ levels: LEVELS, severities: { warning: [0] } })).toThrow(/alerts\.escalation\.severities\.warning\[0\]/);
  });
});

describe('the filter policy of a level', () => {
  const severities = { critical: [1, 2], warning: [1], info: [] };
  it('accepts the severities that reach it', () => {
    expect(escalationFilterPolicy(severities, 1)).toEqual({ severity: ['critical', 'warning'] });
    expect(escalationFilterPolicy(severities, 2)).toEqual({ severity: ['critical'] });
    expect(escalationFilterPolicy({ critical: [1], warning: [1, 2], info: [2] }, 2)).toEqual({ severity: ['warning', 'info'] });
  });
  it('is none for a level no severity reaches', () => {
    expect(escalationFilterPolicy(severities, 3)).toBeUndefined();
  });
});

describe.each(['primary', 'secondary'] as const)('the escalation subscriptions in the %s region', (role) => {
  const d = deployIn(withEscalation, withEscalation.regions[role]);

  it("subscribes each reached level's e-mails and SMS numbers to the alerts topic, filtered by severity", () => {
    const level1 = { severity: ['critical', 'warning'] };
    const level2 = { severity: ['critical'] };
    const subscription = (Protocol: string, Endpoint: string, FilterPolicy: unknown) => ({
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol, Endpoint, TopicArn: { Ref: LOGICAL_ID.topic }, FilterPolicyScope: 'MessageAttributes', FilterPolicy },
    });
    const unfiltered = (Protocol: string, Endpoint: string) => ({ Type: 'AWS::SNS::Subscription', Properties: { Protocol, Endpoint, TopicArn: { Ref: ESCALATION_ALARMS_TOPIC } } });
    expect(Object.fromEntries(escalationSubscriptions(d))).toEqual({
      EscalationLevel1Email1: subscription('email', 'oncall@example.com', level1),
      EscalationLevel1Sms1: subscription('sms', '+819012345678', level1),
      EscalationLevel2Email1: subscription('email', 'lead@example.com', level2),
      EscalationAlarmsLevel1Email1: unfiltered('email', 'oncall@example.com'),
      EscalationAlarmsLevel1Sms1: unfiltered('sms', '+819012345678'),
      EscalationAlarmsLevel2Email1: unfiltered('email', 'lead@example.com'),
    });
  });

  it('has an encrypted alarms topic that only alarms of this account may publish to, over TLS', () => {
    expect(d.resources.Resources[ESCALATION_ALARMS_TOPIC]).toEqual({
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: 'backup-dr-escalation-alarms-test', DisplayName: `backup-dr alarms to escalation levels (test, ${withEscalation.regions[role]})`, KmsMasterKeyId: { Ref: LOGICAL_ID.key } },
    });
    const statements = propsOf(d, `${ESCALATION_ALARMS_TOPIC}Policy`)['PolicyDocument'].Statement as Record<string, unknown>[];
    expect(statements.map((s) => [s['Sid'], s['Effect'], s['Principal']])).toEqual([
      ['DenyPublishWithoutTls', 'Deny', '*'],
      ['AlarmsOfThisAccountPublish', 'Allow', { Service: 'cloudwatch.amazonaws.com' }],
    ]);
    expect(statements[1]?.['Condition']).toEqual(propsOf(d, LOGICAL_ID.topicPolicy)['PolicyDocument'].Statement[1].Condition);
  });

  it('has every alarm notify the alerts topic and the escalation alarms topic, so an alarm reaches levels 1 and 2', () => {
    const alarms = resourcesOfType(d, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(10);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: LOGICAL_ID.topic }, { Ref: ESCALATION_ALARMS_TOPIC }]);
      expect(alarmRecipients(d, alarm)).toEqual(['oncall@example.com', '+819012345678', 'lead@example.com']);
    }
  });

  it('routes a critical alert to levels 1 and 2 at once, a warning to level 1, info to none of them; an attribute-less message to none through the filters', () => {
    expect(recipients(d, { severity: 'critical', kind: 'backup-failed', resource: 'app-db' })).toEqual(['oncall@example.com', '+819012345678', 'lead@example.com']);
    expect(recipients(d, {})).toEqual([]);
    expect(recipients(d, { severity: 'warning', kind: 'quota', resource: 'app-db' })).toEqual(['oncall@example.com', '+819012345678']);
    expect(recipients(d, { severity: 'info', kind: 'pruned', resource: 'app-db' })).toEqual([]);
  });

  it('grants no function anything new', () => {
    const without = deployIn(policyWith(), withEscalation.regions[role]);
    for (const [name, fn] of Object.entries(d.functions)) expect(fn.iamRoleStatements).toEqual(without.functions[name]?.iamRoleStatements);
    expect(Object.keys(d.functions)).toEqual(Object.keys(without.functions));
  });
});

describe('without alerts.escalation, or in the archive region', () => {
  it('has no escalation subscriptions, no alarms topic, and alarms notify the alerts topic alone', () => {
    for (const d of [deployIn(policyWith()), deployIn(withEscalation, withEscalation.regions.archive)]) {
      expect(escalationSubscriptions(d)).toEqual([]);
      expect(d.resources.Resources[ESCALATION_ALARMS_TOPIC]).toBeUndefined();
      for (const [, alarm] of resourcesOfType(d, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: LOGICAL_ID.topic }]);
    }
  });

  it('has no alarms topic when critical reaches no level', () => {
    const d = deployIn(policyWith((doc) => (doc.alerts = { escalation: { levels: LEVELS, severities: { critical: [], warning: [1] } } })));
    expect(d.resources.Resources[ESCALATION_ALARMS_TOPIC]).toBeUndefined();
    expect(escalationSubscriptions(d).map(([id]) => id)).toEqual(['EscalationLevel1Email1', 'EscalationLevel1Sms1']);
    for (const [, alarm] of resourcesOfType(d, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: LOGICAL_ID.topic }]);
  });
});

describe('an alert published for the escalation levels', () => {
  it('carries severity as a message attribute and its one-line subject as the SMS text', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const alert: Alert = {
      severity: 'critical',
      kind: 'backup-failed',
      resource: 'app-db',
      region: 'ap-northeast-1',
      summary: 'snapshot failed',
      action: 'Check the instance',
      source: 'take-db-snapshot',
      at: Date.parse('2026-11-24T17:00:05Z'),
    };
    await snsAlertSink(new SNSClient({}), 'arn:aws:sns:ap-northeast-1:123456789012:backup-dr-alerts-test', 'Asia/Tokyo').publish(alert);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.MessageAttributes?.['severity']).toEqual({ DataType: 'String', StringValue: 'critical' });
    const message = JSON.parse(input.Message ?? '{}') as Record<string, string>;
    expect(message['sms']).toBe(input.Subject);
    expect(message['sms']).toBe('[backup-dr CRITICAL] app-db ap-northeast-1: snapshot failed');
    sns.restore();
  });
});
