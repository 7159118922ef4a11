// deploy/components/config/backup.ts without packaging (tests/infra/template.test.ts checks the packaged
// team policy): back-up-configuration in the primary — its schedules, its change rules, its IAM, its
// environment — and the config bucket of each region with the primary's replication, for variants of
// backup-policy.yml the repository's policy does not exercise: no configuration, `onChange: false`,
// several configurations, secrets by name or ARN, keys the policy names, another owner tag.
import { describe, expect, it } from 'vitest';
import { eventBridgeRuleLogicalId, lambdaLogicalId } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { configBucketName } from '../../shared/contracts.js';
import { deployIn, policyWith, propsOf, roleStatementsOf, statementsOf, subs, withAction, type Doc } from './deployments.js';

const FN = 'back-up-configuration';
const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const bucketName = (region: string) => configBucketName('test', '${AWS::AccountId}', region);
const bucketArn = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(region)}` });
const objects = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(region)}/*` });
const serviceKeyAliasArn = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:alias/backup-dr-test` });
const keysOf = (region: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:kms:${region}:\${AWS::AccountId}:key/*` });
const byAlias = (alias: string) => ({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [alias] } });
const via = (service: string, region: string) => ({ StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } });
const ssmArn = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:${PRIMARY}:\${AWS::AccountId}:parameter${name}` });

/** What the function may do on anything besides the configuration: alert, and record a failed invocation. */
const COMMON = [
  { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')] },
  { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [getAtt('ServiceKey')], Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } } },
];
/** Parameter Store's change events under the watched hierarchies (each prefix ends in "/"), for the operations that change a value. */
const SSM_RULE = (prefixes: string[]) => ({ source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'], detail: { name: prefixes.map((prefix) => ({ prefix })), operation: ['Create', 'Update', 'Delete'] } });
/** A watched secret as CloudTrail may name it: by name (or prefix) and by any ARN of it. */
const SECRET_IDS = (...secrets: string[]) =>
  secrets.flatMap((s) => [s.endsWith('/') ? { prefix: s } : s, { wildcard: `arn:*:secretsmanager:*:*:secret:${s}*` }]);
/** Successful Secrets Manager calls that change a watched secret's current value: by secretId, or CreateSecret by name. */
const SECRETS_RULE_FOR = (ids: unknown[]) => ({
  source: ['aws.secretsmanager'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['secretsmanager.amazonaws.com'],
    errorCode: [{ exists: false }],
    $or: [
      { eventName: ['PutSecretValue', 'UpdateSecret', 'RotateSecret', 'RestoreSecret', 'UpdateSecretVersionStage'], requestParameters: { secretId: ids } },
      { eventName: ['CreateSecret'], requestParameters: { name: ids } },
    ],
  },
});
const SECRETS_RULE = SECRETS_RULE_FOR(SECRET_IDS('app/prod/'));
/** The team policy's configuration (backup-policy.yml), to vary. */
const APP_CONFIG = {
  name: 'app-config',
  ssmParameterPaths: ['/app/prod/'],
  secrets: ['app/prod/'],
  schedule: 'cron(0 3 * * ? *)',
  retention: { withinDaily: '30d' },
};

const withConfiguration = (configuration: Doc[], change: (doc: Doc) => void = () => undefined) =>
  policyWith((doc) => {
    doc.resources.configuration = configuration;
    change(doc);
  });
const deployBoth = (policy = policyWith()) => [deployIn(policy), deployIn(policy, policy.regions.secondary)] as const;
/** The config buckets and the replication role (the restore's state machine and alarms, ConfigRestore*, are tests/infra/config-restore.test.ts's). */
const configIds = (d: Deployment) => Object.keys(d.resources.Resources).filter((id) => id.startsWith('Config') && !id.startsWith('ConfigRestore') && !id.endsWith('Alarm')).sort();
const outputs = (d: Deployment) => (d.resources.Outputs ?? {}) as Record<string, { Value: unknown }>;
const schedulesOf = (d: Deployment) => d.functions[FN]!.events.flatMap((e) => ('schedule' in e ? [e.schedule] : []));
const rulesOf = (d: Deployment) => d.functions[FN]!.events.flatMap((e) => ('eventBridge' in e ? [e.eventBridge] : []));
const bucket = (d: Deployment) => d.resources.Resources.ConfigBucket as { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties: Record<string, any> };
const encryptionKey = (d: Deployment) => bucket(d).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
const ruleSenders = (d: Deployment) => JSON.stringify(propsOf(d, 'RuleDeadLetterQueuePolicy').PolicyDocument);

describe('deploy/assemble.ts: the configuration backup (config/backup)', () => {
  it('the team policy: back-up-configuration in the primary only — under functions/config/, 300 s, 256 MB, asynchronous (one retry, then the failure queue), outside the VPC, naming the config bucket and the key', () => {
    const [primary, secondary] = deployBoth();
    expect(primary.functions[FN]).toMatchObject({
      handler: 'functions/config/back-up-configuration/handler.handler',
      timeout: 300,
      memorySize: 256,
      maximumRetryAttempts: 1,
      destinations: { onFailure: { arn: getAtt('AsyncFailureQueue'), type: 'sqs' } },
    });
    expect(primary.functionMeta[FN]).toEqual({ component: 'config', retriedErrors: [] });
    expect(primary.functions[FN]!.vpc).toBeUndefined();
    // The primary's config bucket by name, and the key bundles are encrypted with: the primary's service key (the policy names no kms.primary).
    expect(primary.functions[FN]!.environment).toEqual({ CONFIG_BUCKET: { 'Fn::Sub': bucketName(PRIMARY) }, CONFIG_KEY: serviceKeyAliasArn(PRIMARY) });
    expect(primary.functions[FN]!.environment).toEqual({ CONFIG_BUCKET: bucket(primary).Properties.BucketName, CONFIG_KEY: encryptionKey(primary) });
    expect(secondary.functions[FN]).toBeUndefined();
    expect(JSON.stringify(secondary.resources)).not.toContain(lambdaLogicalId(FN));
  });

  it('the team policy: the config bucket with its TLS-only policy in both regions, S3\'s replication role in the primary only, and the bucket\'s name as an output', () => {
    const [primary, secondary] = deployBoth();
    expect(configIds(primary)).toEqual(['ConfigBucket', 'ConfigBucketPolicy', 'ConfigReplicationRole']);
    expect(configIds(secondary)).toEqual(['ConfigBucket', 'ConfigBucketPolicy']);
    for (const [d, region] of [[primary, PRIMARY], [secondary, SECONDARY]] as const) {
      expect(outputs(d).ConfigBucketName?.Value, region).toEqual({ 'Fn::Sub': bucketName(region) });
      expect(d.resources.Resources.ConfigBucketPolicy, region).toEqual({
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'ConfigBucket' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyWithoutTls',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [getAtt('ConfigBucket'), { 'Fn::Sub': '${ConfigBucket.Arn}/*' }],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      });
    }
  });

  it.each([
    ['primary', PRIMARY],
    ['secondary', SECONDARY],
  ] as const)("the team policy, %s: the config bucket is exactly versioned, SSE-KMS with this region's key and Bucket Keys, private, owner-enforced, ours, retained (and replicated to the secondary's, from the primary)", (role, region) => {
    const policy = policyWith();
    const d = deployIn(policy, region);
    expect(bucket(d)).toEqual({
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketName: { 'Fn::Sub': bucketName(region) },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: serviceKeyAliasArn(region) }, BucketKeyEnabled: true }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        Tags: [{ Key: 'backup-dr:owner', Value: 'backup-dr' }],
        ...(role === 'secondary'
          ? {}
          : {
              ReplicationConfiguration: {
                Role: getAtt('ConfigReplicationRole'),
                Rules: [
                  {
                    Id: 'config-to-secondary',
                    Status: 'Enabled',
                    Priority: 1,
                    Filter: { Prefix: '' },
                    DeleteMarkerReplication: { Status: 'Disabled' },
                    SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
                    Destination: { Bucket: bucketArn(SECONDARY), EncryptionConfiguration: { ReplicaKmsKeyID: serviceKeyAliasArn(SECONDARY) } },
                  },
                ],
              },
            }),
      },
    });
  });

  it("the team policy: S3's replication role reads the primary's config bucket, replicates only into the secondary's objects, and uses each region's key only through S3 there", () => {
    const d = deployIn(policyWith());
    expect(d.resources.Resources.ConfigReplicationRole!.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(roleStatementsOf(d, 'ConfigReplicationRole')).toEqual([
      { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [bucketArn(PRIMARY)] },
      { Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: [objects(PRIMARY)] },
      { Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: [objects(SECONDARY)] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...byAlias('alias/backup-dr-test'), ...via('s3', PRIMARY) } },
      { Effect: 'Allow', Action: ['kms:Encrypt'], Resource: [keysOf(SECONDARY)], Condition: { ...byAlias('alias/backup-dr-test'), ...via('s3', SECONDARY) } },
    ]);
    // Only s3:Replicate* on the secondary's config bucket: nothing else of the stack's.
    expect(withAction(roleStatementsOf(d, 'ConfigReplicationRole'), 's3:ReplicateObject').flatMap(subs)).toEqual([`arn:\${AWS::Partition}:s3:::${bucketName(SECONDARY)}/*`]);
  });

  it('the team policy: back-up-configuration may exactly read the parameters under /app/prod/ and the secrets under app/prod/, decrypt them through SSM and Secrets Manager, and HEAD and write the bundle keys (config/*/bundle.json, from configBundleKey) of the primary\'s config bucket with its key through S3', () => {
    const d = deployIn(policyWith());
    const alias = byAlias('alias/backup-dr-test');
    expect(statementsOf(d, FN)).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParametersByPath'], Resource: [ssmArn('/app/prod'), ssmArn('/app/prod/*')] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:app/prod/*` }] },
      { Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...alias, ...via('ssm', PRIMARY) } },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...alias, ...via('secretsmanager', PRIMARY) } },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName(PRIMARY)}/config/*/bundle.json` }] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(PRIMARY)] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...alias, ...via('s3', PRIMARY) } },
      ...COMMON,
    ]);
  });

  it('the team policy: scheduled at the configuration\'s schedule with its name as input; a parameter change under its paths and a secret change (CloudTrail) each by a rule that retries for an hour, then dead-letters', () => {
    const d = deployIn(policyWith());
    expect(schedulesOf(d)).toEqual([
      { method: 'scheduler', rate: ['cron(0 3 * * ? *)'], timezone: 'Asia/Tokyo', roleArn: getAtt('SchedulerInvokeRole'), description: 'backup-dr: configuration backup of app-config', input: { resources: ['app-config'] }, name: 'backup-dr-test-back-up-configuration-app-config' },
    ]);
    expect(rulesOf(d).map((r) => r.pattern)).toEqual([SSM_RULE(['/app/prod/']), SECRETS_RULE]);
    for (const rule of rulesOf(d)) {
      expect(rule.deadLetterQueueArn).toEqual(getAtt('RuleDeadLetterQueue'));
      expect(rule.retryPolicy).toEqual({ maximumEventAge: 3600, maximumRetryAttempts: 10 });
    }
    // The schedule is the first event, the rules the second and third: the rule DLQ accepts exactly those of the function.
    for (const index of [2, 3]) expect(ruleSenders(d)).toContain(eventBridgeRuleLogicalId('test', FN, index));
    expect(ruleSenders(d)).not.toContain(eventBridgeRuleLogicalId('test', FN, 1));
    expect(roleStatementsOf(d, 'SchedulerInvokeRole')[0]!.Resource).toContainEqual(getAtt(lambdaLogicalId(FN)));
  });

  it.each([
    ['an empty configuration list', (doc: Doc) => {
      doc.resources.configuration = [];
    }],
    ['no configuration key', (doc: Doc) => {
      delete doc.resources.configuration;
    }],
  ])('a policy with %s deploys neither the function nor any Config* resource or output, in either region', (_case, change) => {
    const policy = policyWith(change);
    expect(policy.resources.configuration).toEqual([]);
    for (const d of deployBoth(policy)) {
      expect(d.functions[FN], d.region).toBeUndefined();
      expect(configIds(d), d.region).toEqual([]);
      expect(outputs(d).ConfigBucketName, d.region).toBeUndefined();
      const text = JSON.stringify(d.resources);
      expect(text, d.region).not.toContain('backup-dr-config-');
      expect(text, d.region).not.toContain(lambdaLogicalId(FN));
      expect(text, d.region).not.toMatch(/Backupdrtestbackupconfiguration/);
      expect(Object.keys(d.environment), d.region).not.toContain('CONFIG_BUCKET');
    }
  });

  it('`onChange: false`: no EventBridge rule (nor a DLQ sender or trigger for one), but the schedule stays — and the buckets and the IAM are those of a watched configuration', () => {
    const watched = policyWith();
    const unwatched = withConfiguration([{ ...APP_CONFIG, onChange: false }]);
    expect(unwatched.resources.configuration[0]!.onChange).toBe(false);
    const d = deployIn(unwatched);
    expect(rulesOf(d)).toEqual([]);
    expect(d.functions[FN]!.events).toEqual(schedulesOf(deployIn(watched)).map((schedule) => ({ schedule })));
    expect(ruleSenders(d)).not.toMatch(/Backupdrtestbackupconfiguration/);
    expect(roleStatementsOf(d, 'SchedulerInvokeRole')[0]!.Resource).toContainEqual(getAtt(lambdaLogicalId(FN)));
    expect(statementsOf(d, FN)).toEqual(statementsOf(deployIn(watched), FN));
    for (const [a, b] of [[d, deployIn(watched)], [deployIn(unwatched, SECONDARY), deployIn(watched, SECONDARY)]] as const) {
      for (const id of configIds(b)) expect(a.resources.Resources[id], id).toEqual(b.resources.Resources[id]);
      expect(configIds(a)).toEqual(configIds(b));
    }
    // `onChange` defaults to true.
    const defaulted = withConfiguration([APP_CONFIG]);
    expect(defaulted.resources.configuration[0]!.onChange).toBe(true);
    expect(rulesOf(deployIn(defaulted)).map((r) => r.pattern)).toEqual([SSM_RULE(['/app/prod/']), SECRETS_RULE]);
  });

  it('several configurations: one schedule each (its name as input); the rules watch only those with onChange — their paths once each, secrets only when one of them names some — while the IAM covers every configuration', () => {
    const policy = withConfiguration([
      { ...APP_CONFIG, name: 'app-config', ssmParameterPaths: ['/app/prod/', '/shared/'], secrets: [], schedule: 'cron(0 3 * * ? *)' },
      { ...APP_CONFIG, name: 'billing-config', ssmParameterPaths: ['/billing'], secrets: ['billing/api-key'], schedule: 'cron(30 3 * * ? *)', onChange: false },
      { ...APP_CONFIG, name: 'shared-config', ssmParameterPaths: ['/shared/'], secrets: [], schedule: 'rate(12 hours)' },
    ]);
    const d = deployIn(policy);
    expect(schedulesOf(d).map((s) => [s.rate, s.input])).toEqual([
      [['cron(0 3 * * ? *)'], { resources: ['app-config'] }],
      [['cron(30 3 * * ? *)'], { resources: ['billing-config'] }],
      [['rate(12 hours)'], { resources: ['shared-config'] }],
    ]);
    expect(rulesOf(d).map((r) => r.pattern)).toEqual([SSM_RULE(['/app/prod/', '/shared/'])]);
    const statements = statementsOf(d, FN);
    expect(withAction(statements, 'ssm:GetParametersByPath')).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParametersByPath'], Resource: [ssmArn('/app/prod'), ssmArn('/app/prod/*'), ssmArn('/shared'), ssmArn('/shared/*'), ssmArn('/billing'), ssmArn('/billing/*')] },
    ]);
    // A secret by name: its ARN with Secrets Manager's random suffix; no listing without a prefix.
    expect(withAction(statements, 'secretsmanager:GetSecretValue')).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:billing/api-key-??????` }] },
    ]);
    expect(withAction(statements, 'secretsmanager:ListSecrets')).toEqual([]);
    // Still one bucket per region, one replication role.
    expect(configIds(d)).toEqual(['ConfigBucket', 'ConfigBucketPolicy', 'ConfigReplicationRole']);
  });

  it('names secrets as given: an ARN directly, a name by its ARN pattern, a prefix by a wildcard (and only then ListSecrets); no parameter statement (nor SSM key use) without paths', () => {
    const arn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:app/prod/db-AbCdEf';
    const d = deployIn(withConfiguration([{ ...APP_CONFIG, ssmParameterPaths: [], secrets: [arn, 'app/api-key', 'app/prod/'] }]));
    const statements = statementsOf(d, FN);
    expect(withAction(statements, 'secretsmanager:GetSecretValue')).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          arn,
          { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:app/api-key-??????` },
          { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${PRIMARY}:\${AWS::AccountId}:secret:app/prod/*` },
        ],
      },
    ]);
    expect(withAction(statements, 'secretsmanager:ListSecrets')).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] }]);
    expect(withAction(statements, 'ssm:GetParametersByPath')).toEqual([]);
    // Without paths, no parameter change to watch: only the secrets rule — the ARN watched by its secret's name (the suffix dropped).
    expect(rulesOf(d).map((r) => r.pattern)).toEqual([
      SECRETS_RULE_FOR([
        'app/prod/db',
        { wildcard: 'arn:*:secretsmanager:*:*:secret:app/prod/db*' },
        'app/api-key',
        { wildcard: 'arn:*:secretsmanager:*:*:secret:app/api-key*' },
        { prefix: 'app/prod/' },
        { wildcard: 'arn:*:secretsmanager:*:*:secret:app/prod/*' },
      ]),
    ]);
  });

  it('the change rules watch exactly the watched configurations: a path without its trailing slash as its hierarchy ("/billing/"), each prefix once, secrets by name and by ARN — none of a configuration with onChange: false', () => {
    const policy = withConfiguration([
      { ...APP_CONFIG, name: 'app-config', ssmParameterPaths: ['/app/prod/', '/billing'], secrets: ['app/prod/', 'billing/api-key'] },
      { ...APP_CONFIG, name: 'billing-config', ssmParameterPaths: ['/billing/', '/billing/rates'], secrets: ['billing/api-key'] },
      { ...APP_CONFIG, name: 'quiet-config', ssmParameterPaths: ['/quiet/'], secrets: ['quiet/key'], onChange: false },
    ]);
    expect(rulesOf(deployIn(policy)).map((r) => r.pattern)).toEqual([
      SSM_RULE(['/app/prod/', '/billing/', '/billing/rates/']),
      SECRETS_RULE_FOR(SECRET_IDS('app/prod/', 'billing/api-key')),
    ]);
    expect(JSON.stringify(rulesOf(deployIn(policy)))).not.toContain('quiet');
  });

  it("uses the keys the policy names: kms.primary's alias for the bundles (CONFIG_KEY, the primary's bucket, the decrypts through SSM, Secrets Manager and S3), kms.secondary's ARN for the secondary's bucket and the replicas — and the replication role exactly those", () => {
    const secondaryKey = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const policy = policyWith((doc) => {
      doc.kms.primary = 'alias/app-config';
      doc.kms.secondary = secondaryKey;
    });
    const [primary, secondary] = deployBoth(policy);
    const primaryKey = { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${PRIMARY}:\${AWS::AccountId}:alias/app-config` };
    expect(primary.functions[FN]!.environment).toEqual({ CONFIG_BUCKET: { 'Fn::Sub': bucketName(PRIMARY) }, CONFIG_KEY: primaryKey });
    expect(encryptionKey(primary)).toEqual(primaryKey);
    expect(encryptionKey(secondary)).toBe(secondaryKey);
    expect(bucket(primary).Properties.ReplicationConfiguration.Rules[0].Destination.EncryptionConfiguration).toEqual({ ReplicaKmsKeyID: secondaryKey });
    const kms = statementsOf(primary, FN).filter((s) => s.Condition !== undefined && JSON.stringify(s.Condition).includes('kms:ResourceAliases'));
    expect(kms.map((s) => [s.Action, s.Resource, s.Condition])).toEqual([
      [['kms:Decrypt'], [keysOf(PRIMARY)], { ...byAlias('alias/app-config'), ...via('ssm', PRIMARY) }],
      [['kms:Decrypt'], [keysOf(PRIMARY)], { ...byAlias('alias/app-config'), ...via('secretsmanager', PRIMARY) }],
      [['kms:GenerateDataKey', 'kms:Decrypt'], [keysOf(PRIMARY)], { ...byAlias('alias/app-config'), ...via('s3', PRIMARY) }],
    ]);
    expect(roleStatementsOf(primary, 'ConfigReplicationRole').filter((s) => s.Action.some((a) => a.startsWith('kms:')))).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keysOf(PRIMARY)], Condition: { ...byAlias('alias/app-config'), ...via('s3', PRIMARY) } },
      { Effect: 'Allow', Action: ['kms:Encrypt'], Resource: [secondaryKey], Condition: via('s3', SECONDARY) },
    ]);
    expect(JSON.stringify([bucket(primary), bucket(secondary), statementsOf(primary, FN).slice(0, -COMMON.length)])).not.toContain('backup-dr-test');
  });

  it("tags both config buckets with the policy's owner tag, and names them by stage, account and region", () => {
    const policy = policyWith((doc) => {
      doc.tags.owner = 'team:owner';
    });
    for (const d of deployBoth(policy)) {
      expect(bucket(d).Properties.Tags, d.region).toEqual([{ Key: 'team:owner', Value: 'backup-dr' }]);
      expect(bucket(d).Properties.BucketName, d.region).toEqual({ 'Fn::Sub': `backup-dr-config-test-\${AWS::AccountId}-${d.region}` });
    }
  });
});
