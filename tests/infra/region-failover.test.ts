// deploy/components/platform/failover.ts without packaging: the region-failover state machine and its
// steps in the secondary only (nothing in the primary), the monthly rehearsal schedule, and the exact IAM
// of each step. The approval part's Lambdas (request-approval, set-maintenance-mode, switch-endpoint,
// check-endpoint-change) are platform/runbook-steps'.
import { describe, expect, it } from 'vitest';
import { CONTRIBUTIONS, buildDeployment } from '../../deploy/assemble.js';
import { lambdaLogicalId } from '../../deploy/core/cloudformation.js';
import type { Policy } from '../../shared/policy/schema.js';
import { policyWith, roleStatementsOf, statementsOf } from './deployments.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const STEPS = ['failover-assess', 'failover-progress', 'failover-notify', 'failover-report', 'failover-db-restore', 'failover-db-status'];
const rds = (resource: string, region = SECONDARY) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${resource}` });
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const reports = (prefix: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ReportsBucket}/${prefix}*` });
const viaS3 = (actions: string[]) => ({ Effect: 'Allow', Action: actions, Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': `s3.${SECONDARY}.amazonaws.com` } } });
const listRuns = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt('ReportsBucket')], Condition: { StringLike: { 's3:prefix': ['runs/*'] } } };
const ours = { StringEquals: { 'aws:RequestTag/backup-dr:owner': 'backup-dr' } };
const ALERTS = 2;

const deploy = (policy: Policy, region: string) =>
  buildDeployment({ policy, region, stage: 'test', policySource: 'test-policy.yml', policyFile: 'backup-policy.yml' }, CONTRIBUTIONS);
const own = (d: ReturnType<typeof deploy>, fn: string) => statementsOf(d, fn).slice(0, -ALERTS);

describe('deploy/components/platform/failover.ts', () => {
  it('deploys region-failover and its steps in the secondary only, invoking its own steps, the restore tests\' validation and teardown, and the approval contracts', () => {
    const d = deploy(policyWith(), SECONDARY);
    expect(d.stateMachines['region-failover']).toMatchObject({ id: 'RegionFailoverStateMachine', name: 'backup-dr-test-region-failover', loggingConfig: { level: 'ERROR', includeExecutionData: false } });
    for (const fn of STEPS) expect(d.functions[fn], fn).toMatchObject({ handler: `functions/${fn.startsWith('failover-db-') ? 'rds' : 'platform'}/${fn}/handler.handler` });
    expect(d.functionMeta['failover-db-status']).toEqual({ component: 'rds', retriedErrors: ['RestoreNotReady'] });
    const [invoke] = roleStatementsOf(d, 'RegionFailoverStateMachineRole');
    expect(new Set(invoke!.Resource)).toEqual(
      new Set(['failover-assess', 'request-approval', 'failover-progress', 'set-maintenance-mode', 'failover-db-restore', 'failover-db-status', 'failover-config-restore', 'validate-restore', 'switch-endpoint', 'check-endpoint-change', 'restore-test-teardown', 'failover-report', 'failover-notify', 'failover-cache-seed', 'cache-restore-test-status', 'validate-cache-restore', 'cache-restore-test-teardown'].map((fn) => getAtt(lambdaLogicalId(fn)))),
    );
    const p = deploy(policyWith(), PRIMARY);
    expect(p.stateMachines['region-failover']).toBeUndefined();
    for (const fn of STEPS) expect(p.functions[fn], fn).toBeUndefined();
  });

  it('schedules the monthly rehearsal with {"mode": "rehearsal"} in the policy\'s time zone, and none when it is disabled', () => {
    expect(deploy(policyWith(), SECONDARY).stateMachines['region-failover']!.events).toEqual([
      { schedule: expect.objectContaining({ method: 'scheduler', rate: 'cron(0 3 1 * ? *)', timezone: 'Asia/Tokyo', input: { mode: 'rehearsal' } }) },
    ]);
    expect(deploy(policyWith((doc) => (doc.recovery.rehearsal.enabled = false)), SECONDARY).stateMachines['region-failover']!.events).toEqual([]);
  });

  it('deploys nothing without the recovery section', () => {
    const d = deploy(policyWith((doc) => delete doc.recovery), SECONDARY);
    expect(d.stateMachines['region-failover']).toBeUndefined();
    for (const fn of STEPS) expect(d.functions[fn], fn).toBeUndefined();
  });

  it('gives each step exactly its IAM: the run record under runs/, the evidence, RDS on the failover instance names and bdr-rh-*, restores only when tagged ours', () => {
    const d = deploy(policyWith(), SECONDARY);
    const instances = [rds('db:app-db-dr'), rds('db:bdr-rh-*')];
    const exportBucket = `arn:\${AWS::Partition}:s3:::backup-dr-exports-test-\${AWS::AccountId}-${SECONDARY}`;
    expect(own(d, 'failover-assess')).toEqual([
      // The cache's exports in this region (listing, the verified marks), the manifests captured with them;
      // s3:ListBucket on the reports bucket makes a missing manifest NoSuchKey, not AccessDenied.
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::Sub': exportBucket }] },
      { Effect: 'Allow', Action: ['s3:GetObjectTagging'], Resource: [{ 'Fn::Sub': `${exportBucket}/backup-dr-*` }] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [reports('manifests/')] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt('ReportsBucket')] },
      { Effect: 'Allow', Action: ['rds:DescribeDBSnapshots'], Resource: [rds('snapshot:*'), rds('db:*')] },
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: instances },
      { Effect: 'Allow', Action: ['rds:DescribeDBInstanceAutomatedBackups'], Resource: [rds('auto-backup:*'), rds('db:*')] },
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [rds('db:app-db-prod', PRIMARY)] },
      listRuns,
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reports('runs/')] },
      viaS3(['kms:Decrypt', 'kms:GenerateDataKey']),
    ]);
    expect(own(d, 'failover-progress')).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reports('runs/')] }, viaS3(['kms:GenerateDataKey'])]);
    expect(own(d, 'failover-notify')).toEqual([listRuns]);
    expect(own(d, 'failover-report')).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [reports('evidence/')] }, viaS3(['kms:GenerateDataKey'])]);
    expect(own(d, 'failover-db-status')).toEqual([{ Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: instances }]);
    const restore = own(d, 'failover-db-restore');
    expect(restore.slice(0, 3)).toEqual([
      {
        Effect: 'Allow',
        Action: ['rds:RestoreDBInstanceToPointInTime', 'rds:RestoreDBInstanceFromDBSnapshot'],
        Resource: [...instances, rds('snapshot:backup-dr-*'), rds('auto-backup:*'), rds('subgrp:app-db-dr'), rds('og:*'), rds('pg:*')],
        Condition: ours,
      },
      { Effect: 'Allow', Action: ['rds:AddTagsToResource'], Resource: instances, Condition: ours },
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: instances },
    ]);
    // No replica named: no promotion; no delete anywhere in failover's own steps.
    const actions = STEPS.flatMap((fn) => own(d, fn).flatMap((s) => s.Action));
    expect(actions).not.toContain('rds:PromoteReadReplica');
    expect(actions.filter((a) => /Delete/.test(a))).toEqual([]);
  });

  it('may promote only the replica the policy names', () => {
    const d = deploy(policyWith((doc) => (doc.resources.databases[0].failover.readReplica = 'app-db-replica')), SECONDARY);
    expect(own(d, 'failover-db-restore').filter((s) => s.Action.includes('rds:PromoteReadReplica'))).toEqual([{ Effect: 'Allow', Action: ['rds:PromoteReadReplica'], Resource: [rds('db:app-db-replica')] }]);
  });

  it('lets failover-config-restore start only restore-configuration and read its executions; not deployed without a configuration', () => {
    const d = deploy(policyWith(), SECONDARY);
    expect(d.functions['failover-config-restore']).toMatchObject({ handler: 'functions/config/failover-config-restore/handler.handler', environment: { CONFIG_RESTORE_STATE_MACHINE: { Ref: 'ConfigRestoreStateMachine' } } });
    expect(own(d, 'failover-config-restore')).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: 'ConfigRestoreStateMachine' }] },
      { Effect: 'Allow', Action: ['states:DescribeExecution'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:states:${SECONDARY}:\${AWS::AccountId}:execution:backup-dr-test-restore-configuration:*` }] },
    ]);
    expect(deploy(policyWith((doc) => (doc.resources.configuration = [])), SECONDARY).functions['failover-config-restore']).toBeUndefined();
  });

  it('warns at packaging when the failover names a credentials secret validate-restore does not read in the secondary', () => {
    expect(deploy(policyWith(), SECONDARY).warnings.filter((w) => w.includes('failover'))).toEqual([]);
    const d = deploy(policyWith((doc) => (doc.resources.databases[0].failover.credentialsSecret = 'dr/app-db-master')), SECONDARY);
    expect(d.warnings).toContainEqual(expect.stringMatching(/^resources\.databases\[0\]\.failover\.credentialsSecret \(dr\/app-db-master\) is not a secret the restore tests use in ap-southeast-1/));
  });

  it('deletes only through restore-test-teardown: temporary instance names, carrying our owner tag', () => {
    const d = deploy(policyWith(), SECONDARY);
    const deletes = statementsOf(d, 'restore-test-teardown').filter((s) => s.Action.includes('rds:DeleteDBInstance'));
    expect(deletes).toEqual([{ Effect: 'Allow', Action: ['rds:DeleteDBInstance'], Resource: [rds('db:bdr-*')], Condition: { StringEquals: { 'aws:ResourceTag/backup-dr:owner': 'backup-dr' } } }]);
  });
});
