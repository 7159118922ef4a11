// Template assertions for the runbook steps (deploy/components/platform/runbook-steps.ts): deployed in
// the primary and the secondary with the policy's recovery section, and nowhere without it; the approval
// URL (AWS_IAM) with its SSM parameter, output and the approvers' managed policy; each function's exact
// IAM — approvals/ or endpoints/ of its region's reports bucket, SendTask* on "*", exactly the parameters
// and the CNAMEs (normalized names, UPSERT, CNAME only) the policy names.
import { describe, expect, it } from 'vitest';
import { normalizedRecordName } from '../../deploy/components/platform/runbook-steps.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { deployIn, policyWith, statementsOf } from '../infra/deployments.js';

const STEPS = ['request-approval', 'answer-approval', 'set-maintenance-mode', 'switch-endpoint', 'check-endpoint-change'];
const ZONE = 'Z0123456789ABCDEFGHIJ';
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ssmArn = (region: string, name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:${region}:\${AWS::AccountId}:parameter${name}` });
const objects = (prefix: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ReportsBucket}/${prefix}*` });
const record = (prefix: string, region: string) => [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [objects(prefix)] },
  { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt('ReportsBucket')] },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } },
];
/** Its own statements: what every function gets to publish alerts comes last. */
const own = (d: Deployment, fn: string) => statementsOf(d, fn).filter((s) => !s.Action.every((a) => a === 'sns:Publish' || a.startsWith('kms:GenerateDataKey*')) && !(s.Action.includes('kms:Decrypt') && s.Action.includes('kms:GenerateDataKey*')));

describe('the runbook steps', () => {
  const team = policyWith();
  const route53 = policyWith((doc) => {
    doc.resources.databases[0].endpoint = { route53: { hostedZoneId: ZONE, recordName: 'DB.Internal.example.com.', ttl: 60 } };
    doc.resources.caches[0].endpoint = { route53: { hostedZoneId: ZONE, recordName: '*.cache.example.com' } };
  });

  it.each([
    ['primary', team.regions.primary],
    ['secondary', team.regions.secondary],
  ])('are deployed in the %s with the policy\'s recovery section, synchronously invoked (no Lambda retry)', (_role, region) => {
    const d = deployIn(team, region);
    for (const fn of STEPS) {
      expect(d.functions[fn], fn).toMatchObject({ handler: `functions/platform/${fn}/handler.handler` });
      expect(d.functions[fn]?.maximumRetryAttempts, fn).toBeUndefined();
    }
    expect(d.functionMeta['check-endpoint-change']).toEqual({ component: 'platform', retriedErrors: ['EndpointChangePending'] });
  });

  it('and nowhere without it', () => {
    const without = policyWith((doc) => {
      delete doc.recovery;
    });
    for (const region of [without.regions.primary, without.regions.secondary]) {
      const d = deployIn(without, region);
      for (const fn of STEPS) expect(d.functions[fn], fn).toBeUndefined();
      expect(d.resources.Resources['AnswerApprovalFunctionUrl']).toBeUndefined();
    }
  });

  it('the approval URL of each region: AWS_IAM, its address in /backup-dr/<stage>/approval-url and an output, and the approvers\' policy', () => {
    const region = team.regions.secondary;
    const d = deployIn(team, region);
    const url = { 'Fn::GetAtt': ['AnswerApprovalFunctionUrl', 'FunctionUrl'] };
    expect(d.resources.Resources['AnswerApprovalFunctionUrl']).toEqual({ Type: 'AWS::Lambda::Url', Properties: { AuthType: 'AWS_IAM', TargetFunctionArn: getAtt('AnswerDashapprovalLambdaFunction') } });
    expect(d.resources.Resources['ApprovalUrlParameter']).toEqual({ Type: 'AWS::SSM::Parameter', Properties: { Name: '/backup-dr/test/approval-url', Type: 'String', Value: url, Description: 'backup-dr: the approval URL of this region (npx backup-dr approve|reject)' } });
    expect(d.resources.Outputs['ApprovalUrl']).toMatchObject({ Value: url });
    expect(d.resources.Resources['ApproversPolicy']?.Properties).toMatchObject({
      ManagedPolicyName: `backup-dr-test-approve-${region}`,
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['lambda:InvokeFunctionUrl'], Resource: [getAtt('AnswerDashapprovalLambdaFunction')], Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
          { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [getAtt('AnswerDashapprovalLambdaFunction')], Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } },
          { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [ssmArn(region, '/backup-dr/test/approval-url')] },
        ],
      },
    });
  });

  it('request-approval and answer-approval: approvals/ of their region\'s reports bucket; answer-approval SendTask* on "*" (the token is the authority)', () => {
    const region = team.regions.secondary;
    const d = deployIn(team, region);
    expect(own(d, 'request-approval')).toEqual(record('approvals/', region));
    expect(own(d, 'answer-approval')).toEqual([...record('approvals/', region), { Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: ['*'] }]);
  });

  it('set-maintenance-mode and switch-endpoint (SSM): exactly the parameters the policy names, in the region', () => {
    const region = team.regions.primary;
    const d = deployIn(team, region);
    expect(own(d, 'set-maintenance-mode')).toEqual([{ Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: [ssmArn(region, '/app/prod/maintenance-mode')] }]);
    expect(own(d, 'switch-endpoint')).toEqual([{ Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: [ssmArn(region, '/app/prod/database/host'), ssmArn(region, '/app/prod/redis/host')] }, ...record('endpoints/', region)]);
    expect(own(d, 'check-endpoint-change')).toEqual([]);
    const noMaintenance = deployIn(policyWith((doc) => delete doc.recovery.maintenanceMode), region);
    expect(own(noMaintenance, 'set-maintenance-mode')).toEqual([]);
  });

  it('switch-endpoint (Route 53): UPSERT of CNAMEs with exactly the normalized record names, in the named zone; GetChange for the wait', () => {
    const d = deployIn(route53, route53.regions.secondary);
    expect(own(d, 'switch-endpoint').slice(0, 2)).toEqual([
      {
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets'],
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:route53:::hostedzone/${ZONE}` }],
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['db.internal.example.com', '\\052.cache.example.com'],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        },
      },
      { Effect: 'Allow', Action: ['route53:ListResourceRecordSets'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:route53:::hostedzone/${ZONE}` }] },
    ]);
    expect(own(d, 'check-endpoint-change')).toEqual([{ Effect: 'Allow', Action: ['route53:GetChange'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:route53:::change/*' }] }]);
  });

  it('normalizes record names as the condition key compares them', () => {
    expect(normalizedRecordName('DB.Internal.Example.com.')).toBe('db.internal.example.com');
    expect(normalizedRecordName('*.a_b-c.example.com')).toBe('\\052.a_b-c.example.com');
  });
});
