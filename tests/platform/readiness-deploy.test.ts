// Template assertions for the failover readiness check and the watch on the primary region: in the
// secondary only and only with the policy's recovery section; the readiness check daily on
// recovery.readinessSchedule in the policy's time zone, the watch every 5 minutes with its scheduled time;
// least-privilege IAM (reads in the secondary, one report key, the sources' ARNs in the primary,
// StartExecution on region-failover only with proposeFailover); their alarms; the readiness/ lifecycle.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/contracts.js';
import { deployIn, policyWith, propsOf } from '../infra/deployments.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const READINESS = 'check-failover-readiness';
const WATCH = 'watch-primary-region';
const arn = (text: string) => ({ 'Fn::Sub': text });
/** What the assembler gives every function (alerting, the failure queue): not this module's. */
const GENERIC = new Set(['sns:Publish', 'kms:GenerateDataKey*', 'kms:GenerateDataKey', 'kms:Decrypt', 'sqs:SendMessage']);

describe('failover readiness and the primary watch: deployment', () => {
  const policy = policyWith();
  const secondary = deployIn(policy, SECONDARY);
  const own = (fn: string, d = secondary) => d.functions[fn]!.iamRoleStatements.filter((s) => !(s.Action.every((a) => GENERIC.has(a)) && !JSON.stringify(s.Condition ?? {}).includes('s3.')));

  it('deploys both in the secondary only, and neither without a recovery section', () => {
    expect(Object.keys(deployIn(policy).functions).filter((f) => f === READINESS || f === WATCH)).toEqual([]);
    expect(secondary.functions[READINESS]).toBeDefined();
    expect(secondary.functions[WATCH]).toBeDefined();
    const without = deployIn(
      policyWith((doc) => {
        delete doc.recovery;
      }),
      SECONDARY,
    );
    expect([without.functions[READINESS], without.functions[WATCH]]).toEqual([undefined, undefined]);
  });

  it('runs the readiness check on recovery.readinessSchedule and the watch every 5 minutes with its scheduled time', () => {
    const schedules = (fn: string) => secondary.functions[fn]!.events.flatMap((e) => ('schedule' in e ? [[e.schedule.rate, e.schedule.timezone, e.schedule.input]] : []));
    expect(schedules(READINESS)).toEqual([[['cron(0 8 * * ? *)'], 'Asia/Tokyo', undefined]]);
    expect(schedules(WATCH)).toEqual([[['rate(5 minutes)'], 'Asia/Tokyo', { scheduledTime: '<aws.scheduler.scheduled-time>' }]]);
    const custom = deployIn(policyWith((doc) => (doc.recovery.readinessSchedule = 'cron(30 6 * * ? *)')), SECONDARY);
    expect(custom.functions[READINESS]!.events.flatMap((e) => ('schedule' in e ? e.schedule.rate : []))).toEqual(['cron(30 6 * * ? *)']);
  });

  it('tells the readiness check the secondary\'s export and config buckets, and the watch region-failover\'s ARN there', () => {
    expect(secondary.functions[READINESS]!.environment).toEqual({
      [ENV.exportBucket]: arn(`backup-dr-exports-test-\${AWS::AccountId}-${SECONDARY}`),
      [ENV.configBucket]: arn(`backup-dr-config-test-\${AWS::AccountId}-${SECONDARY}`),
    });
    expect(secondary.functions[WATCH]!.environment).toEqual({ [ENV.regionFailoverArn]: arn(`arn:\${AWS::Partition}:states:${SECONDARY}:\${AWS::AccountId}:stateMachine:backup-dr-test-region-failover`) });
  });

  it('the readiness check reads only in the secondary, names the subnet groups and secret failover uses, and writes one report key', () => {
    const statements = own(READINESS);
    const regions = new Set(JSON.stringify(statements).match(/ap-[a-z]+-\d/g));
    expect([...regions]).toEqual([SECONDARY]);
    const byAction = Object.fromEntries(statements.map((s) => [s.Action.join(','), s.Resource]));
    expect(byAction['rds:DescribeDBSubnetGroups']).toEqual([arn(`arn:\${AWS::Partition}:rds:${SECONDARY}:\${AWS::AccountId}:subgrp:app-db-dr`)]);
    expect(byAction['elasticache:DescribeCacheSubnetGroups']).toEqual([arn(`arn:\${AWS::Partition}:elasticache:${SECONDARY}:\${AWS::AccountId}:subnetgroup:app-redis-dr`)]);
    expect(byAction['secretsmanager:DescribeSecret']).toEqual([arn(`arn:\${AWS::Partition}:secretsmanager:${SECONDARY}:\${AWS::AccountId}:secret:backup-dr/app-db-master-??????`)]);
    expect(byAction['s3:PutObject']).toEqual([arn('arn:${AWS::Partition}:s3:::${ReportsBucket}/readiness/latest.json')]);
    // No replica named: no instance described, no metric read.
    expect(byAction['rds:DescribeDBInstances']).toBeUndefined();
    expect(byAction['cloudwatch:GetMetricData']).toBeUndefined();
    // The security groups named (EC2's Describe* have no resource-level permission).
    expect(byAction['ec2:DescribeSecurityGroups']).toEqual(['*']);
    // Nothing it may change: no create, modify, delete, start or secret value.
    const actions = statements.flatMap((s) => s.Action);
    expect(actions.filter((a) => !/^(rds|elasticache):Describe|^secretsmanager:DescribeSecret$|^ec2:DescribeSecurityGroups$|^kms:(DescribeKey|GenerateDataKey|Decrypt)$|^s3:(ListBucket|GetObject|GetObjectTagging|PutObject)$/.test(a))).toEqual([]);
  });

  it('with a read replica named, may describe that instance only and read metrics (GetMetricData has no resource)', () => {
    const d = deployIn(policyWith((doc) => (doc.resources.databases[0].failover.readReplica = 'app-db-replica')), SECONDARY);
    const byAction = Object.fromEntries(own(READINESS, d).map((s) => [s.Action.join(','), s.Resource]));
    expect(byAction['rds:DescribeDBInstances']).toEqual([arn(`arn:\${AWS::Partition}:rds:${SECONDARY}:\${AWS::AccountId}:db:app-db-replica`)]);
    expect(byAction['cloudwatch:GetMetricData']).toEqual(['*']);
  });

  it('the watch reads the sources in the primary and its own state; StartExecution only with proposeFailover, on region-failover only', () => {
    expect(own(WATCH)).toEqual([
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: [arn(`arn:\${AWS::Partition}:rds:${PRIMARY}:\${AWS::AccountId}:db:app-db-prod`)] },
      { Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: [arn(`arn:\${AWS::Partition}:elasticache:${PRIMARY}:\${AWS::AccountId}:replicationgroup:app-redis-prod`)] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [arn('arn:${AWS::Partition}:s3:::${ReportsBucket}/readiness/primary-watch.json')] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::GetAtt': ['ReportsBucket', 'Arn'] }], Condition: { StringLike: { 's3:prefix': ['readiness/*'] } } },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [{ 'Fn::GetAtt': ['ServiceKey', 'Arn'] }], Condition: { StringEquals: { 'kms:ViaService': `s3.${SECONDARY}.amazonaws.com` } } },
    ]);
    const proposing = deployIn(policyWith((doc) => (doc.recovery.primaryHealth.proposeFailover = true)), SECONDARY);
    expect(own(WATCH, proposing).filter((s) => s.Action.some((a) => a.startsWith('states:')))).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [arn(`arn:\${AWS::Partition}:states:${SECONDARY}:\${AWS::AccountId}:stateMachine:backup-dr-test-region-failover`)] },
    ]);
  });

  it('alarms per resource on gaps and on the RPO failover would give (missing data breaching), and on the primary not answering', () => {
    const alarms = Object.values(secondary.resources.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && /failover-(readiness-gaps|rpo)|not-answering/.test(String(r.Properties.AlarmName)))
      .map((r) => r.Properties as Record<string, any>);
    const row = (a: Record<string, any>) => [a.AlarmName.replace('backup-dr-test-platform-', ''), a.MetricName, a.Threshold, a.EvaluationPeriods, a.TreatMissingData, Object.fromEntries(a.Dimensions.map((d: { Name: string; Value: string }) => [d.Name, d.Value]))];
    expect(alarms.map(row)).toEqual([
      [`app-db-failover-readiness-gaps-${SECONDARY}`, 'FailoverReadinessGaps', 0, 1, 'notBreaching', { service: 'backup-dr', component: 'platform', resource: 'app-db', region: SECONDARY }],
      [`app-db-failover-rpo-${SECONDARY}`, 'FailoverRpoSeconds', 900, 26, 'breaching', { service: 'backup-dr', component: 'platform', resource: 'app-db', region: SECONDARY }],
      [`app-redis-failover-readiness-gaps-${SECONDARY}`, 'FailoverReadinessGaps', 0, 1, 'notBreaching', { service: 'backup-dr', component: 'platform', resource: 'app-redis', region: SECONDARY }],
      // Redis: its 6 h RPO plus the 2 h to export, replicate and verify.
      [`app-redis-failover-rpo-${SECONDARY}`, 'FailoverRpoSeconds', 8 * 3600, 26, 'breaching', { service: 'backup-dr', component: 'platform', resource: 'app-redis', region: SECONDARY }],
      [`app-config-failover-readiness-gaps-${SECONDARY}`, 'FailoverReadinessGaps', 0, 1, 'notBreaching', { service: 'backup-dr', component: 'platform', resource: 'app-config', region: SECONDARY }],
      [`backup-key-failover-readiness-gaps-${SECONDARY}`, 'FailoverReadinessGaps', 0, 1, 'notBreaching', { service: 'backup-dr', component: 'platform', resource: 'backup-key', region: SECONDARY }],
      [`region-failover-failover-readiness-gaps-${SECONDARY}`, 'FailoverReadinessGaps', 0, 1, 'notBreaching', { service: 'backup-dr', component: 'platform', resource: 'region-failover', region: SECONDARY }],
      [`region-failover-failover-rpo-${SECONDARY}`, 'FailoverRpoSeconds', 3600, 26, 'breaching', { service: 'backup-dr', component: 'platform', resource: 'region-failover', region: SECONDARY }],
      // Three rounds of 5 minutes (failuresBeforeAlert) at 3 failures or more, or without any record (the watch stopped).
      [`primary-region-not-answering-${PRIMARY}`, 'PrimaryConsecutiveFailures', 2.5, 3, 'breaching', { service: 'backup-dr', component: 'platform', region: PRIMARY }],
    ]);
    for (const a of alarms) expect(a.AlarmDescription, a.AlarmName).toMatch(/\. Runbook: ./);
  });

  it('keeps a month of replaced readiness reports and watch states, the current ones for good', () => {
    const rules = propsOf(secondary, 'ReportsBucket').LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules.find((r) => r.Prefix === 'readiness/')).toEqual({ Id: 'readiness-old-versions', Status: 'Enabled', Prefix: 'readiness/', NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
  });
});
