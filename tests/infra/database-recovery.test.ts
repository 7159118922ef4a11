// deploy/components/rds/recovery.ts without packaging: the database-recovery state machine and its steps
// in the primary only, when the policy has a recovery section, with the exact IAM of each step. Its
// full mode invokes request-approval and switch-endpoint, which platform/runbook-steps deploys.
import { describe, expect, it } from 'vitest';
import { buildDeployment, CONTRIBUTIONS } from '../../deploy/assemble.js';
import { lambdaLogicalId } from '../../deploy/core/cloudformation.js';
import type { Policy } from '../../shared/policy/schema.js';
import { policyWith, roleStatementsOf, statementsOf } from './deployments.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
// In the order the definition names them.
const STEPS = ['database-recovery-plan', 'database-recovery-notify', 'database-recovery-restore', 'restore-test-status', 'validate-restore', 'database-recovery-copy', 'database-recovery-teardown', 'request-approval', 'switch-endpoint', 'database-recovery-retire'];
const rds = (region: string, resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${resource}` });
const owner = (kind: 'Request' | 'Resource') => ({ StringEquals: { [`aws:${kind}Tag/backup-dr:owner`]: 'backup-dr' } });

const deploy = (policy: Policy, region = PRIMARY) => buildDeployment({ policy, region, stage: 'test', policySource: 'test-policy.yml', policyFile: 'backup-policy.yml' }, CONTRIBUTIONS);
const own = (d: ReturnType<typeof deploy>, fn: string) => statementsOf(d, fn).filter((s) => !s.Action.includes('sns:Publish') && !s.Action.includes('kms:GenerateDataKey*'));

describe('deploy: the database-recovery runbook (rds/recovery)', () => {
  it('deploys the state machine in the primary, started by an operator, invoking exactly its steps', () => {
    const d = deploy(policyWith());
    expect(d.stateMachines['database-recovery']).toMatchObject({ id: 'DatabaseRecoveryStateMachine', name: 'backup-dr-test-database-recovery', events: [] });
    expect(d.stateMachineSteps['database-recovery']).toEqual(STEPS);
    const [invoke] = roleStatementsOf(d, 'DatabaseRecoveryStateMachineRole');
    expect(invoke).toEqual({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: STEPS.map((fn) => ({ 'Fn::GetAtt': [lambdaLogicalId(fn), 'Arn'] })) });
    expect(d.functions['database-recovery-copy']).toMatchObject({ timeout: 900, handler: 'functions/rds/database-recovery-copy/handler.handler' });
  });

  it('deploys nothing in the secondary, nor without a recovery section', () => {
    const secondary = deploy(policyWith(), SECONDARY);
    expect(secondary.stateMachines['database-recovery']).toBeUndefined();
    expect(Object.keys(secondary.functions).filter((fn) => fn.startsWith('database-recovery'))).toEqual([]);
    const without = deploy(policyWith((doc) => delete doc.recovery));
    expect(without.stateMachines['database-recovery']).toBeUndefined();
    expect(Object.keys(without.functions).filter((fn) => fn.startsWith('database-recovery'))).toEqual([]);
  });

  it('gives each step exactly its IAM: creates, tags and deletes only bdr-rec-* instances carrying our tag, retires only the policy\'s instances', () => {
    const d = deploy(policyWith());
    const source = rds(PRIMARY, 'db:app-db-prod');
    const recovery = rds(PRIMARY, 'db:bdr-rec-*');
    expect(own(d, 'database-recovery-teardown')).toEqual([
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [recovery] },
      { Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [recovery], Condition: owner('Resource') },
    ]);
    expect(own(d, 'database-recovery-retire')).toEqual([{ Effect: 'Allow', Action: ['rds:DescribeDBInstances', 'rds:AddTagsToResource', 'rds:StopDBInstance'], Resource: [source] }]);
    const [restore, tag, describe] = own(d, 'database-recovery-restore');
    expect(restore).toEqual({
      Effect: 'Allow',
      Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime'],
      Resource: [recovery, rds(PRIMARY, 'snapshot:backup-dr-*'), source, rds(PRIMARY, 'subgrp:*'), rds(PRIMARY, 'og:*'), rds(PRIMARY, 'pg:*')],
      Condition: owner('Request'),
    });
    expect(tag).toEqual({ Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: [recovery], Condition: owner('Request') });
    expect(describe).toEqual({ Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [recovery] });
    expect(own(d, 'database-recovery-copy')).toEqual([
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [source] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:backup-dr/app-db-master-??????` }] },
    ]);
    expect(own(d, 'database-recovery-notify')).toEqual([]);
    for (const fn of Object.keys(d.functions).filter((f) => f.startsWith('database-recovery'))) {
      expect(own(d, fn).flatMap((s) => s.Action).filter((a) => a === 'rds:DeleteDBInstance' || a === 'rds:StopDBInstance').length, fn).toBeLessThanOrEqual(1);
    }
  });
});
