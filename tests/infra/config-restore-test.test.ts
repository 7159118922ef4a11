// deploy/components/config/restore-test.ts without packaging (tests/infra/template.test.ts checks the
// packaged team policy): test-configuration-restore in the primary only — on each tested configuration's
// restoreTest.schedule with its name as input, naming both regions' config buckets — with exactly the IAM
// it needs (read the bundles in both regions and decrypt them through S3 there, read the live values as
// the backup does, HEAD and write the evidence); none without a restoreTest, and a warning saying so.
import { describe, expect, it } from 'vitest';
import { configBucketName } from '../../shared/contracts.js';
import { deployIn, policyWith, statementsOf, type Doc } from './deployments.js';

const FN = 'test-configuration-restore';
const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const bucketName = (region: string) => configBucketName('test', '${AWS::AccountId}', region);
const keysOf = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*` });
const alias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/backup-dr-test'] } };
const via = (service: string, region: string) => ({ StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } });
const ssmArn = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:${PRIMARY}:\${AWS::AccountId}:parameter${name}` });

describe('deploy/assemble.ts: the configuration restore test (config/restore-test)', () => {
  it('the team policy: in the primary only, weekly at restoreTest.schedule with the configuration as input, asynchronous, naming both config buckets', () => {
    const policy = policyWith();
    const primary = deployIn(policy);
    expect(primary.functions[FN]).toMatchObject({ handler: 'functions/config/test-configuration-restore/handler.handler', timeout: 300, memorySize: 256, maximumRetryAttempts: 1 });
    expect(primary.functionMeta[FN]).toEqual({ component: 'config', retriedErrors: [] });
    expect(primary.functions[FN]!.environment).toEqual({ CONFIG_BUCKET: { 'Fn::Sub': bucketName(PRIMARY) }, PEER_CONFIG_BUCKET: { 'Fn::Sub': bucketName(SECONDARY) } });
    expect(primary.functions[FN]!.events).toEqual([
      { schedule: { method: 'scheduler', rate: ['cron(0 6 ? * SUN *)'], timezone: 'Asia/Tokyo', roleArn: getAtt('SchedulerInvokeRole'), description: 'backup-dr: configuration restore test of app-config', input: { resources: ['app-config'] }, name: 'backup-dr-test-test-configuration-restore-app-config' } },
    ]);
    expect(deployIn(policy, SECONDARY).functions[FN]).toBeUndefined();
    expect(primary.warnings.filter((w) => w.includes('configuration'))).toEqual([]);
  });

  it('the team policy: reads config/ of both config buckets and decrypts through S3 in each region, reads the live values as the backup does, HEADs and writes evidence/ — nothing more', () => {
    const statements = statementsOf(deployIn(policyWith()), FN);
    expect(statements.slice(0, 10)).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(PRIMARY)}/config/*` }, { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(SECONDARY)}/config/*` }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(PRIMARY)}` }, { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(SECONDARY)}` }] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...alias, ...via('s3', PRIMARY) } },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(SECONDARY)], Condition: { ...alias, ...via('s3', SECONDARY) } },
      { Effect: 'Allow', Action: ['ssm:GetParametersByPath'], Resource: [ssmArn('/app/prod'), ssmArn('/app/prod/*')] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:app/prod/*` }] },
      { Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...alias, ...via('ssm', PRIMARY) } },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...alias, ...via('secretsmanager', PRIMARY) } },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ReportsBucket}/evidence/*' }] },
    ]);
    // No write, delete or replication on a config bucket.
    const onConfig = statements.filter((s) => JSON.stringify(s.Resource).includes('backup-dr-config-'));
    expect(onConfig.flatMap((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('a configuration without restoreTest is not tested (a warning says so); restoreTest without a schedule is weekly on Sunday 06:00', () => {
    const untested = policyWith((doc: Doc) => {
      delete doc.resources.configuration[0].restoreTest;
    });
    const d = deployIn(untested);
    expect(d.functions[FN]).toBeUndefined();
    expect(d.functions['back-up-configuration']).toBeDefined();
    expect(d.warnings).toContainEqual('resources.configuration[0] (app-config) has no restoreTest: its bundles are written but never read back (the policy\'s weekly restore test)');
    const defaulted = policyWith((doc: Doc) => {
      doc.resources.configuration[0].restoreTest = {};
    });
    expect(defaulted.resources.configuration[0]!.restoreTest).toEqual({ schedule: 'cron(0 6 ? * SUN *)' });
    expect(() => policyWith((doc: Doc) => (doc.resources.configuration[0].restoreTest = { schedule: 'weekly' }))).toThrow(/restoreTest\.schedule/);
  });
});
