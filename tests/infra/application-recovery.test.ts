// deploy/components/platform/application-recovery.ts without packaging: the rollback step's IAM — starting
// the policy's SSM Automation document and passing exactly its assume role, to SSM only — and the health
// step's timeout against the policy's bound on healthTimeout.
import { describe, expect, it } from 'vitest';
import { HEALTH_FUNCTION_TIMEOUT_S, HEALTH_TIMEOUT_MAX_MS } from '../../shared/policy/recovery.js';
import { deployIn, policyWith, statementsOf } from './deployments.js';

const ROLE = 'arn:aws:iam::123456789012:role/app-rollback-automation';
const own = (d: ReturnType<typeof deployIn>, fn: string) => statementsOf(d, fn).filter((s) => !s.Action.includes('sns:Publish') && !s.Action.includes('kms:GenerateDataKey*'));
const startAutomation = { Effect: 'Allow', Action: ['ssm:StartAutomationExecution'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:ap-northeast-1:${AWS::AccountId}:automation-definition/app-rollback:*' }] };

describe('deploy: the application-recovery runbook (platform/application-recovery)', () => {
  it('lets the rollback step pass exactly the policy\'s assume role, and only to SSM', () => {
    const d = deployIn(policyWith());
    expect(own(d, 'application-recovery-rollback')).toEqual([
      startAutomation,
      { Effect: 'Allow', Action: ['iam:PassRole'], Resource: [ROLE], Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } } },
    ]);
  });

  it('grants no iam:PassRole when the policy names no assume role', () => {
    const d = deployIn(policyWith((doc) => delete doc.recovery.application.rollback.assumeRole));
    expect(own(d, 'application-recovery-rollback')).toEqual([startAutomation]);
  });

  it('gives the health step a timeout the longest allowed probe fits in (the URLs are probed at once)', () => {
    const d = deployIn(policyWith());
    expect(d.functions['application-recovery-health']?.timeout).toBe(HEALTH_FUNCTION_TIMEOUT_S);
    expect(HEALTH_TIMEOUT_MAX_MS / 1000).toBeLessThan(HEALTH_FUNCTION_TIMEOUT_S);
  });
});
