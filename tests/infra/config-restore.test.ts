// deploy/components/config/restore.ts without packaging (tests/infra/template.test.ts checks the packaged
// team policy): the restore-configuration state machine and its four steps in the primary and in the
// secondary, each region's reading its own config bucket and writing only its own region's parameters and
// secrets — the exact IAM of each step, for variants of backup-policy.yml: no configuration (nothing
// deployed), secrets by name, ARN or prefix, paths or none, keys the policy names.
import { describe, expect, it } from 'vitest';
import { lambdaLogicalId } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { configBucketName } from '../../shared/contracts.js';
import { deployIn, policyWith, roleStatementsOf, statementsOf, withAction, type Doc } from './deployments.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const STEPS = ['config-restore-apply', 'config-restore-notify', 'config-restore-plan', 'config-restore-record'];
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const keysOf = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*` });
const serviceAlias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr-test'] } };
const via = (service: string, region: string) => ({ StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } });
const ssmArn = (region: string, name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:${region}:\${AWS::AccountId}:parameter${name}` });
const secretsUnder = (region: string, prefix: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:${prefix}*` });
const bundles = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${configBucketName('test', '${AWS::AccountId}', region)}/config/*` });
/** What every step may do besides its own: publish an alert (notify does; the others' runtime has no topic client). */
const ALERTS = [
  { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] },
];
const APP_CONFIG = { name: 'app-config', ssmParameterPaths: ['/app/prod/'], secrets: ['app/prod/'], schedule: 'cron(0 3 * * ? *)', retention: { withinDaily: '30d' } };
const withConfiguration = (configuration: Doc[], change: (doc: Doc) => void = () => undefined) =>
  policyWith((doc) => {
    doc.resources.configuration = configuration;
    change(doc);
  });
const own = (d: Deployment, fn: string) => statementsOf(d, fn).slice(0, -ALERTS.length);

describe('deploy/assemble.ts: the configuration restore (config/restore)', () => {
  it.each([
    ['primary', PRIMARY],
    ['secondary', SECONDARY],
  ] as const)('the team policy, %s: the state machine (no schedule: an operator starts it) and its four steps, each invoking its own region\'s Lambdas; plan names this region\'s config bucket', (_role, region) => {
    const d = deployIn(policyWith(), region);
    expect(d.stateMachines['restore-configuration']).toMatchObject({ id: 'ConfigRestoreStateMachine', name: 'backup-dr-test-restore-configuration', events: [], loggingConfig: { level: 'ERROR', includeExecutionData: false } });
    expect(d.stateMachineSteps['restore-configuration']!.slice().sort()).toEqual(STEPS);
    for (const fn of STEPS) {
      expect(d.functions[fn], fn).toMatchObject({ handler: `functions/config/${fn}/handler.handler` });
      expect(d.functionMeta[fn], fn).toEqual({ component: 'config', retriedErrors: [] });
      expect(d.functions[fn]!.vpc, fn).toBeUndefined();
    }
    expect(d.functions['config-restore-apply']).toMatchObject({ timeout: 900 });
    expect(d.functions['config-restore-plan']!.environment).toEqual({ CONFIG_BUCKET: { 'Fn::Sub': configBucketName('test', '${AWS::AccountId}', region) } });
    const [invoke] = roleStatementsOf(d, 'ConfigRestoreStateMachineRole');
    // In the order the definition invokes them.
    expect(invoke).toEqual({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ['config-restore-plan', 'config-restore-apply', 'config-restore-record', 'config-restore-notify'].map((fn) => getAtt(lambdaLogicalId(fn))) });
  });

  it.each([
    ['primary', PRIMARY],
    ['secondary', SECONDARY],
  ] as const)("the team policy, %s: exactly the IAM of each step — this region's parameters under the paths and secrets under the prefix, this region's config bucket, this region's key through SSM, Secrets Manager and S3 only", (_role, region) => {
    const d = deployIn(policyWith(), region);
    const params = [ssmArn(region, '/app/prod'), ssmArn(region, '/app/prod/*')];
    const s3Read = [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [bundles(region)] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(region)], Condition: { ...serviceAlias, ...via('s3', region) } },
    ];
    expect(own(d, 'config-restore-plan')).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParametersByPath', 'ssm:GetParameter'], Resource: params },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: [secretsUnder(region, 'app/prod/')] },
      { Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(region)], Condition: { ...serviceAlias, ...via('ssm', region) } },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(region)], Condition: { ...serviceAlias, ...via('secretsmanager', region) } },
      ...s3Read,
      // An undo reads the undone run's evidence.
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [getAtt('ReportsBucket')], Condition: { StringLike: { 's3:prefix': ['evidence/*'] } } },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/evidence/*' }] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } },
    ]);
    expect(own(d, 'config-restore-apply')).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: params },
      { Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:UpdateSecretVersionStage'], Resource: [secretsUnder(region, 'app/prod/')] },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: [keysOf(region)], Condition: { ...serviceAlias, ...via('ssm', region) } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [keysOf(region)], Condition: { ...serviceAlias, ...via('secretsmanager', region) } },
      ...s3Read,
    ]);
    expect(own(d, 'config-restore-record')).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/evidence/*' }] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } },
    ]);
    expect(own(d, 'config-restore-notify')).toEqual([]);
    for (const fn of STEPS) expect(statementsOf(d, fn).slice(-ALERTS.length), fn).toEqual(ALERTS);
    // Nothing of the other region, no delete of a parameter or a secret, no write to a bucket but the evidence.
    const other = region === PRIMARY ? SECONDARY : PRIMARY;
    const all = JSON.stringify(STEPS.map((fn) => statementsOf(d, fn)));
    expect(all).not.toContain(other);
    expect(all).not.toMatch(/ssm:DeleteParameter|secretsmanager:(DeleteSecret|CreateSecret)|s3:PutObject"\],"Resource":\[\{"Fn::Sub":"arn:\$\{AWS::Partition\}:s3:::backup-dr-config/);
  });

  it.each([
    ['an empty configuration list', (doc: Doc) => {
      doc.resources.configuration = [];
    }],
    ['no configuration key', (doc: Doc) => {
      delete doc.resources.configuration;
    }],
  ])('a policy with %s deploys neither the state machine nor its steps, in either region', (_case, change) => {
    const policy = policyWith(change);
    for (const region of [PRIMARY, SECONDARY]) {
      const d = deployIn(policy, region);
      expect(d.stateMachines['restore-configuration'], region).toBeUndefined();
      expect(Object.keys(d.functions).filter((fn) => fn.startsWith('config-restore-')), region).toEqual([]);
      expect(Object.keys(d.resources.Resources).filter((id) => id.startsWith('ConfigRestore')), region).toEqual([]);
    }
  });

  it('secrets by name (its ARN pattern), by ARN (as given) and by prefix (a wildcard; ListSecrets only then); without paths no parameter statement, nor DescribeParameters', () => {
    const arn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:app/prod/db-AbCdEf';
    const d = deployIn(withConfiguration([{ ...APP_CONFIG, ssmParameterPaths: [], secrets: [arn, 'app/api-key'] }]));
    expect(withAction(own(d, 'config-restore-apply'), 'secretsmanager:PutSecretValue')).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: [arn, { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:app/api-key-??????` }],
      },
    ]);
    expect(withAction(own(d, 'config-restore-plan'), 'secretsmanager:ListSecrets')).toEqual([]);
    expect(JSON.stringify([own(d, 'config-restore-plan'), own(d, 'config-restore-apply')])).not.toMatch(/"ssm:/);
  });

  it("uses the keys the policy names: kms.primary's alias in the primary, kms.secondary's ARN in the secondary", () => {
    const secondaryKey = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const policy = policyWith((doc) => {
      doc.kms.primary = 'alias/app-config';
      doc.kms.secondary = secondaryKey;
    });
    const kms = (d: Deployment) => own(d, 'config-restore-apply').filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    expect(kms(deployIn(policy)).map((s) => [s.Resource, s.Condition])).toEqual([
      [[keysOf(PRIMARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/app-config'] }, ...via('ssm', PRIMARY) }],
      [[keysOf(PRIMARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/app-config'] }, ...via('secretsmanager', PRIMARY) }],
      [[keysOf(PRIMARY)], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/app-config'] }, ...via('s3', PRIMARY) }],
    ]);
    expect(kms(deployIn(policy, SECONDARY)).map((s) => [s.Resource, s.Condition])).toEqual([
      [[secondaryKey], via('ssm', SECONDARY)],
      [[secondaryKey], via('secretsmanager', SECONDARY)],
      [[secondaryKey], via('s3', SECONDARY)],
    ]);
  });
});
