// Template assertions for the daily checklist: in the primary only, scheduled at 09:00 in the policy's
// time zone every day, on Mondays (weekly) and on the 1st (monthly) with the period as input; reading
// metrics (GetMetricData has no resource-level permission), listing only the evidence prefix of both
// regions' reports buckets, and reading the webhook secret only when the policy has alerts.slack.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/contracts.js';
import { deployIn, policyWith } from '../infra/deployments.js';

const SECRET = 'backup-dr/slack-webhook';

describe('the daily checklist', () => {
  const withoutSlack = policyWith((doc) => {
    if (doc.alerts !== undefined) delete doc.alerts.slack;
  });
  const withSlack = policyWith((doc) => {
    doc.alerts = { ...(doc.alerts ?? {}), slack: { webhookSecret: SECRET } };
  });

  it('is deployed in the primary only, with three schedules at 09:00 in the policy time zone, each naming its period', () => {
    const primary = deployIn(withoutSlack);
    expect(deployIn(withoutSlack, withoutSlack.regions.secondary).functions['daily-checklist']).toBeUndefined();
    const fn = primary.functions['daily-checklist']!;
    const schedules = fn.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));
    expect(schedules.map((s) => [s.rate, s.timezone, s.input])).toEqual([
      [['cron(0 9 * * ? *)'], 'Asia/Tokyo', { period: 'daily' }],
      [['cron(0 9 ? * MON *)'], 'Asia/Tokyo', { period: 'weekly' }],
      [['cron(0 9 1 * ? *)'], 'Asia/Tokyo', { period: 'monthly' }],
    ]);
    expect(fn.environment?.[ENV.peerReportsBucket]).toEqual({ 'Fn::Sub': 'backup-dr-reports-test-${AWS::AccountId}-ap-southeast-1' });
  });

  it('reads metrics, lists only evidence/ of both reports buckets, and without Slack reads no secret', () => {
    const statements = deployIn(withoutSlack).functions['daily-checklist']!.iamRoleStatements;
    const own = statements.filter((s) => !s.Action.every((a) => a.startsWith('sns:') || a.startsWith('kms:') || a === 'sqs:SendMessage'));
    expect(own).toEqual([
      { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::backup-dr-reports-test-${AWS::AccountId}-ap-northeast-1' }, { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::backup-dr-reports-test-${AWS::AccountId}-ap-southeast-1' }],
        Condition: { StringLike: { 's3:prefix': ['evidence/*'] } },
      },
    ]);
    expect(statements.flatMap((s) => s.Action).some((a) => a.startsWith('secretsmanager:') || a.startsWith('s3:Get') || a.startsWith('s3:Put') || a.startsWith('s3:Delete'))).toBe(false);
  });

  it('with alerts.slack reads the one webhook secret of its region', () => {
    const statements = deployIn(withSlack).functions['daily-checklist']!.iamRoleStatements;
    const secrets = statements.filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:ap-northeast-1:\${AWS::AccountId}:secret:${SECRET}-??????` }] }]);
  });
});
