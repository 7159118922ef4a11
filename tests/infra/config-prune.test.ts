// deploy/components/config/prune.ts: prune-configuration-bundles in both regions, each on its own config
// bucket — its schedule (the policy's prune time), its environment, and IAM that is exactly the bundle
// keys of that one bucket (listing their versions, HEAD and tags of a version, deleting a version); none
// without configuration; and no lifecycle on the config buckets to delete what the retention keeps.
import { describe, expect, it } from 'vitest';
import { lambdaLogicalId } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { configBucketName, configBundleKey } from '../../shared/contracts.js';
import { deployIn, policyWith, statementsOf } from './deployments.js';

const FN = 'prune-configuration-bundles';
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const bucketName = (region: string) => configBucketName('test', '${AWS::AccountId}', region);
const COMMON = [
  { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] },
  { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } } },
];
const deployBoth = (policy = policyWith()) => [deployIn(policy), deployIn(policy, policy.regions.secondary)] as const;
const schedulesOf = (d: Deployment) => d.functions[FN]!.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));

describe('deploy/assemble.ts: the configuration bundle prune (config/prune)', () => {
  it('the team policy: in both regions, under functions/config/, 300 s, 256 MB, asynchronous, outside the VPC, naming its own region\'s config bucket', () => {
    for (const d of deployBoth()) {
      expect(d.functions[FN], d.region).toMatchObject({
        handler: 'functions/config/prune-configuration-bundles/handler.handler',
        timeout: 300,
        memorySize: 256,
        maximumRetryAttempts: 1,
        destinations: { onFailure: { arn: getAtt('AsyncFailureQueue'), type: 'sqs' } },
      });
      expect(d.functionMeta[FN], d.region).toEqual({ component: 'config', retriedErrors: [] });
      expect(d.functions[FN]!.vpc, d.region).toBeUndefined();
      expect(d.functions[FN]!.environment, d.region).toEqual({ CONFIG_BUCKET: { 'Fn::Sub': bucketName(d.region) } });
    }
  });

  it('the team policy: daily at the policy\'s prune time in its time zone, with no input, and nothing else triggers it', () => {
    for (const d of deployBoth()) {
      expect(d.functions[FN]!.events, d.region).toEqual([
        { schedule: { method: 'scheduler', rate: ['cron(30 5 * * ? *)'], timezone: 'Asia/Tokyo', roleArn: getAtt('SchedulerInvokeRole'), description: "backup-dr: prune configuration bundles by the policy's retention", name: 'backup-dr-test-prune-configuration-bundles' } },
      ]);
    }
    const moved = policyWith((doc) => {
      doc.rds = { ...(doc.rds ?? {}), pruneSchedule: 'cron(0 6 * * ? *)' };
    });
    expect(schedulesOf(deployIn(moved))[0]!.rate).toEqual(['cron(0 6 * * ? *)']);
  });

  it("the team policy: IAM exactly the bundle keys (configBundleKey) of this region's config bucket — list their versions, HEAD and read the tags of a version, delete a version; no KMS, nothing of the other region", () => {
    for (const d of deployBoth()) {
      const bucket = bucketName(d.region);
      expect(configBundleKey('*')).toBe('config/*/bundle.json');
      expect(statementsOf(d, FN), d.region).toEqual([
        { Effect: 'Allow', Action: ['s3:ListBucketVersions'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }], Condition: { StringLike: { 's3:prefix': ['config/*/bundle.json'] } } },
        { Effect: 'Allow', Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:DeleteObjectVersion'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/config/*/bundle.json` }] },
        ...COMMON,
      ]);
    }
  });

  it('no configuration: no prune function in either region', () => {
    const policy = policyWith((doc) => {
      doc.resources.configuration = [];
    });
    for (const d of deployBoth(policy)) {
      expect(d.functions[FN], d.region).toBeUndefined();
      expect(JSON.stringify(d.resources), d.region).not.toContain(lambdaLogicalId(FN));
    }
  });

  it('the config buckets carry no lifecycle rule: a noncurrent-version expiration would delete by age what the retention keeps for 7 years', () => {
    for (const d of deployBoth()) {
      const props = (d.resources.Resources.ConfigBucket as { Properties: Record<string, unknown> }).Properties;
      expect(props.LifecycleConfiguration, d.region).toBeUndefined();
    }
  });

  it('the team policy keeps yearly configuration bundles for 7 years, and its compliance floor says so', () => {
    const policy = policyWith();
    expect(policy.compliance.configuration).toEqual({ yearly: { years: 7, months: 0, days: 0, hours: 0 } });
    expect(policy.resources.configuration[0]!.retention).toMatchObject({ withinYearly: { years: 7, months: 0, days: 0, hours: 0 } });
  });
});
